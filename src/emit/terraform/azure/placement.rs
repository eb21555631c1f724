//! Where each managed data service sits in the network, on Azure.
//!
//! The model says which subnet a service is injected into or holds its
//! private endpoint; this file turns that into the Azure mechanism (VNet
//! injection, private endpoint, or the public endpoint behind a firewall)
//! and the private DNS zones each mechanism needs. The networking module
//! (NSG rules, zones, service endpoints) and the data modules (endpoints,
//! zone ids) both read it, so they cannot disagree.

use crate::model::{DataKind, DataService, Platform};

/// How workloads reach a data service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'a> {
    /// Injected into this (delegated) subnet: PostgreSQL flexible server.
    Injected(&'a str),
    /// A private endpoint in this subnet; public network access is off.
    PrivateEndpoint(&'a str),
    /// The public endpoint, restricted by the service's firewall to the
    /// cluster subnet (service endpoint) and identity-authenticated.
    Public,
}

impl<'a> Placement<'a> {
    /// The subnet holding the service's private address, if it has one.
    pub fn subnet(self) -> Option<&'a str> {
        match self {
            Placement::Injected(s) | Placement::PrivateEndpoint(s) => Some(s),
            Placement::Public => None,
        }
    }
}

/// The placement of a managed data service.
///
/// Redis always gets a private endpoint in its subnet: VNet injection exists
/// only on Premium, so injecting would make an environment's SKU change its
/// structure (and require the cache's many management ports in the NSG);
/// a private endpoint works on every tier and is what Azure recommends.
pub fn placement(d: &DataService) -> Placement<'_> {
    match &d.kind {
        DataKind::Postgres(_) => match (&d.subnet, &d.private_endpoint) {
            (Some(s), _) => Placement::Injected(s),
            (None, Some(s)) => Placement::PrivateEndpoint(s),
            (None, None) => Placement::Public,
        },
        DataKind::Redis(_) => match d.private_endpoint.as_ref().or(d.subnet.as_ref()) {
            Some(s) => Placement::PrivateEndpoint(s),
            None => Placement::Public,
        },
        _ => match &d.private_endpoint {
            Some(s) => Placement::PrivateEndpoint(s),
            None => Placement::Public,
        },
    }
}

/// One private endpoint connection of a data service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateLink {
    /// The private link sub-resource (`vault`, `blob`, `queue`, `redisCache`).
    pub subresource: &'static str,
    /// Key of its private DNS zone in the networking module.
    pub zone_key: String,
    /// The zone's name (a fixed privatelink zone).
    pub zone_name: String,
}

/// The private endpoint connections a data service needs (empty unless it
/// is placed behind a private endpoint).
pub fn private_links(d: &DataService) -> Vec<PrivateLink> {
    if !matches!(placement(d), Placement::PrivateEndpoint(_)) {
        return Vec::new();
    }
    let link = |subresource: &'static str, zone: &str| PrivateLink {
        subresource,
        zone_key: subresource.to_ascii_lowercase(),
        zone_name: zone.to_string(),
    };
    match &d.kind {
        DataKind::KeyVault(_) => vec![link("vault", "privatelink.vaultcore.azure.net")],
        DataKind::Storage(s) => {
            let mut links = vec![link("blob", "privatelink.blob.core.windows.net")];
            if !s.queues.is_empty() {
                links.push(link("queue", "privatelink.queue.core.windows.net"));
            }
            links
        }
        DataKind::Redis(_) => vec![link("redisCache", "privatelink.redis.cache.windows.net")],
        DataKind::ServiceBus(_) => vec![link("namespace", "privatelink.servicebus.windows.net")],
        DataKind::Postgres(_) => vec![link(
            "postgresqlServer",
            "privatelink.postgres.database.azure.com",
        )],
    }
}

/// Whether any workload must reach the data service over the network: an
/// edge targets it, or it is the vault and some service reads secrets (the
/// secrets operator or CSI driver fetches them from the cluster subnet).
pub fn reachable(p: &Platform, d: &DataService) -> bool {
    p.edges_to(&d.name).next().is_some()
        || (matches!(d.kind, DataKind::KeyVault(_))
            && p.services.iter().any(|s| !s.secrets.is_empty()))
}
