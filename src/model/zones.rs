//! Availability zones and zonal subnets.
//!
//! On AWS a subnet lives in exactly one availability zone, so every subnet the
//! spec declares is spread over the environment's zones: its block is cut into
//! [`ZONE_SLOTS`] equal slots and zone `i` (in the environment's `zones`
//! order) gets slot `i`. Fixed slots keep every zone's CIDR stable when an
//! environment gains a zone. Computed here once, so the Terraform, the README
//! and any check read the same CIDRs.

use ipnet::Ipv4Net;
use serde::Serialize;

use super::{CloudKind, EnvId, Platform, Subnet};

/// Slots a zonal subnet's block is divided into (so at most this many zones).
pub const ZONE_SLOTS: usize = 4;

/// Prefix bits added to a subnet's prefix to get one zone's slot.
pub const ZONE_SLOT_BITS: u8 = 2;

/// One zone's part of a subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneSubnet {
    /// The cloud's zone name (`eu-west-1a` on AWS, `1` on Azure).
    pub zone: String,
    pub cidr: Ipv4Net,
}

/// The letter of an AWS availability zone: the spec numbers zones (`1` is
/// the region's `a` zone); a letter is taken as written.
fn aws_zone_letter(zone: &str) -> String {
    match zone.parse::<u8>() {
        Ok(n @ 1..=26) => char::from(b'a' + n - 1).to_string(),
        _ => zone.to_string(),
    }
}

impl Platform {
    /// The cloud's names of an environment's zones, in declaration order
    /// (AWS: region + zone letter, zone `1` being `<region>a`).
    pub fn availability_zones(&self, env: EnvId) -> Vec<String> {
        let Some(environment) = self.environments.get(env.0) else {
            return Vec::new();
        };
        match self.cloud.kind {
            CloudKind::Aws => environment
                .zones
                .iter()
                .map(|z| format!("{}{}", self.cloud.region, aws_zone_letter(z)))
                .collect(),
            CloudKind::Azure => environment.zones.clone(),
        }
    }

    /// A subnet's per-zone blocks in environment `env`, in zone order.
    /// Empty when the environment has no zones or the block is too small to
    /// divide (the resolver rejects both for zonal clouds).
    pub fn zone_subnets(&self, subnet: &Subnet, env: EnvId) -> Vec<ZoneSubnet> {
        let block = subnet.cidr.get(env);
        let Ok(slots) = block.subnets(block.prefix_len().saturating_add(ZONE_SLOT_BITS)) else {
            return Vec::new();
        };
        self.availability_zones(env)
            .into_iter()
            .take(ZONE_SLOTS)
            .zip(slots)
            .map(|(zone, cidr)| ZoneSubnet { zone, cidr })
            .collect()
    }
}
