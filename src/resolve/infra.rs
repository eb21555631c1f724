//! Subnets (CIDRs per environment) and the cluster.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::Resolver;
use super::cloud::Resource;
use crate::diagnostic::{Diagnostic, suggest};
use crate::model::{
    CloudKind, Cluster, Delegation, Environment, IngressController, NetworkPlugin,
    NetworkPolicyEngine, NodePool, NodePoolMode, PerEnv, Subnet,
};
use crate::spec::cluster::ClusterDecl;
use crate::spec::keywords::{DelegationKw, IngressKw, NetworkPluginKw, NodePoolModeKw, PolicyKw};
use crate::spec::network::SubnetDecl;
use crate::spec::{Span, Spanned};

/// Default subnet prefix length.
pub const DEFAULT_PREFIX: u8 = 24;

/// Addresses Azure reserves in every subnet (network, gateway, 2 DNS, broadcast).
const AZURE_RESERVED: u64 = 5;

/// The `index`-th block of size `/prefix` inside `network`, or why not.
pub fn nth_subnet(network: Ipv4Net, prefix: u8, index: u32) -> Result<Ipv4Net, String> {
    if prefix < network.prefix_len() {
        return Err(format!(
            "a /{prefix} does not fit in the /{} network {network}",
            network.prefix_len()
        ));
    }
    if prefix > 32 {
        return Err(format!("/{prefix} is not an IPv4 prefix"));
    }
    let size: u128 = 1u128 << (32 - u32::from(prefix));
    let count: u128 = 1u128 << (u32::from(prefix) - u32::from(network.prefix_len()));
    let start = u128::from(u32::from(network.network())) + u128::from(index) * size;
    if u128::from(index) >= count {
        let beyond = u32::try_from(start)
            .ok()
            .and_then(|s| Ipv4Net::new(Ipv4Addr::from(s), prefix).ok())
            .map_or_else(
                || "an address beyond the IPv4 space".to_string(),
                |n| n.to_string(),
            );
        return Err(format!(
            "index={index} gives {beyond}, outside {network} (which holds {count} blocks of /{prefix}: index 0 to {})",
            count - 1
        ));
    }
    let start = u32::try_from(start).map_err(|_| "beyond the IPv4 space".to_string())?;
    Ipv4Net::new(Ipv4Addr::from(start), prefix).map_err(|e| e.to_string())
}

fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

pub(crate) fn subnets(
    r: &mut Resolver<'_>,
    decls: &[SubnetDecl],
    envs: &[Environment],
) -> Vec<Subnet> {
    r.check_unique(decls.iter().map(|d| &d.name), "subnet");
    // (declaration span, subnet, its CIDRs are valid)
    let mut out: Vec<(Span, Subnet, bool)> = Vec::new();
    for d in decls {
        r.check_label(&d.name, "subnet name");
        let prefix = d.prefix.as_ref().map_or(DEFAULT_PREFIX, |p| p.value);
        // AWS: prefixes above /26 are reported with the zone slots they leave.
        let min_prefix = if r.cloud == CloudKind::Azure { 29 } else { 32 };
        if let Some(p) = &d.prefix
            && !(8..=min_prefix).contains(&p.value)
        {
            r.push(
                    Diagnostic::error("invalid-prefix", p.span, format!("subnet prefix /{} is out of range", p.value))
                        .label(format!("expected 8 to {min_prefix}"))
                        .help(format!("subnets are /8 to /{min_prefix} on this cloud; the default is /{DEFAULT_PREFIX}")),
                );
        }
        let mut cidrs = Vec::new();
        let mut reported = false;
        for env in envs {
            match nth_subnet(env.network, prefix, d.index.value) {
                Ok(c) => cidrs.push(c),
                Err(why) => {
                    if !reported {
                        reported = true;
                        r.push(
                            Diagnostic::error(
                                "subnet-outside-network",
                                d.index.span,
                                format!("subnet `{}` lies outside the network of environment `{}`", d.name.value, env.name),
                            )
                            .label(why)
                            .help(format!(
                                "choose an index (and prefix) that fits every environment's network; `{}` has {}",
                                env.name, env.network
                            )),
                        );
                    }
                    cidrs.push(Ipv4Net::default());
                }
            }
        }
        // Overlaps with earlier subnets (same relative layout in every environment,
        // so the first environment where they overlap is reported).
        for (other_span, other, other_ok) in &out {
            if reported || !other_ok {
                continue;
            }
            let hit = envs
                .iter()
                .enumerate()
                .find(|(i, _)| overlaps(&cidrs[*i], other.cidr.get(crate::model::EnvId(*i))));
            if let Some((i, env)) = hit {
                let other_cidr = *other.cidr.get(crate::model::EnvId(i));
                r.push(
                    Diagnostic::error(
                        "overlapping-subnets",
                        d.span,
                        format!(
                            "subnet `{}` ({} in `{}`) overlaps subnet `{}` ({other_cidr})",
                            d.name.value, cidrs[i], env.name, other.name
                        ),
                    )
                    .label("overlaps")
                    .related(*other_span, format!("`{}` is {other_cidr} in `{}`", other.name, env.name))
                    .help("give each subnet its own index (with the same prefix, index N is the N-th block of the network)"),
                );
            }
        }
        out.push((
            d.span,
            Subnet {
                name: d.name.value.clone(),
                index: d.index.value,
                prefix,
                cidr: PerEnv::from_values(cidrs),
                delegation: d.delegate.as_ref().map(|x| match x.value {
                    DelegationKw::Postgresql => Delegation::Postgresql,
                }),
                private_endpoints: d.private_endpoints.as_ref().is_some_and(|x| x.value),
                public: d.public.as_ref().is_some_and(|x| x.value),
            },
            !reported,
        ));
    }
    let mut subnets: Vec<Subnet> = out.into_iter().map(|(_, s, _)| s).collect();
    subnets.sort_by(|a, b| (a.index, a.prefix, &a.name).cmp(&(b.index, b.prefix, &b.name)));
    subnets
}

/// Resolves a subnet reference; reports an unknown name.
pub(crate) fn subnet_ref<'a>(
    r: &mut Resolver<'_>,
    name: &Spanned<String>,
    subnets: &'a [Subnet],
    who: &str,
) -> Option<&'a Subnet> {
    let found = subnets.iter().find(|s| s.name == name.value);
    if found.is_none() {
        let names: Vec<&str> = subnets.iter().map(|s| s.name.as_str()).collect();
        r.push(
            Diagnostic::error(
                "unknown-subnet",
                name.span,
                format!("{who} refers to unknown subnet `{}`", name.value),
            )
            .label("no subnet of this name")
            .help(format!(
                "declare it in `network {{ subnet {} index=N }}`; {}",
                name.value,
                suggest(&name.value, &names, "subnets")
            )),
        );
    }
    found
}

/// Azure node pool names: lowercase letters and digits, starting with a letter, at most 12.
fn azure_pool_name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 12
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

pub(crate) fn cluster(
    r: &mut Resolver<'_>,
    d: &ClusterDecl,
    subnets: &[Subnet],
    envs: &[Environment],
    subnet_decls: &[SubnetDecl],
) -> Option<Cluster> {
    r.check_label(&d.name, "cluster name");
    let cloud_name = r.cloud_name(
        Resource::Cluster,
        &d.name.value,
        d.name.span,
        &format!("cluster `{}`", d.name.value),
    );
    let version = d.kubernetes.clone()?;
    let version_ok = version.value.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && b.chars().all(|c| c.is_ascii_digit())
    });
    if !version_ok {
        r.push(
            Diagnostic::error(
                "invalid-version",
                version.span,
                format!(
                    "`{}` is not a Kubernetes minor version",
                    version.value.escape_debug()
                ),
            )
            .label("expected MAJOR.MINOR")
            .help("write the minor version in quotes, e.g. `kubernetes \"1.30\"`"),
        );
    }
    let subnet_name = d.subnet.clone()?;
    let subnet = subnet_ref(
        r,
        &subnet_name,
        subnets,
        &format!("cluster `{}`", d.name.value),
    )
    .cloned();
    if let Some(s) = &subnet
        && s.delegation.is_some()
    {
        r.push(
                Diagnostic::error("delegated-subnet", subnet_name.span, format!("cluster nodes cannot use subnet `{}`: it is delegated to PostgreSQL", s.name))
                    .label("delegated subnet")
                    .help("a delegated subnet holds only the service it is delegated to; give the cluster its own subnet"),
            );
    }
    let network_plugin = match (d.network_plugin.as_ref().map(|p| p.value), r.cloud) {
        (None, CloudKind::Azure) => NetworkPlugin::Azure,
        (None, CloudKind::Aws) => NetworkPlugin::VpcCni,
        (Some(NetworkPluginKw::Azure), _) => NetworkPlugin::Azure,
        (Some(NetworkPluginKw::Kubenet), _) => NetworkPlugin::Kubenet,
        (Some(NetworkPluginKw::VpcCni), _) => NetworkPlugin::VpcCni,
    };
    if let Some(p) = &d.network_plugin {
        let fits = match r.cloud {
            CloudKind::Azure => p.value != NetworkPluginKw::VpcCni,
            CloudKind::Aws => p.value == NetworkPluginKw::VpcCni,
        };
        if !fits {
            let allowed = match r.cloud {
                CloudKind::Azure => "`azure` or `kubenet`",
                CloudKind::Aws => "`vpc-cni`",
            };
            r.push(
                Diagnostic::error(
                    "wrong-cloud",
                    p.span,
                    format!(
                        "network plugin `{}` does not exist on this cloud",
                        p.value.keyword()
                    ),
                )
                .label("not available here")
                .help(format!("on this platform's cloud use {allowed}")),
            );
        }
    }
    if let Some(p) = &d.policy {
        let fits = match r.cloud {
            CloudKind::Azure => p.value != PolicyKw::VpcCni,
            CloudKind::Aws => p.value == PolicyKw::VpcCni,
        };
        if !fits {
            let allowed = match r.cloud {
                CloudKind::Azure => "`calico`, `azure` or `cilium`",
                CloudKind::Aws => "`vpc-cni` (the VPC CNI's network policy agent)",
            };
            r.push(
                Diagnostic::error(
                    "wrong-cloud",
                    p.span,
                    format!(
                        "network policy engine `{}` is not offered on this cloud",
                        p.value.keyword()
                    ),
                )
                .label("not available here")
                .help(format!("on this platform's cloud use policy={allowed}")),
            );
        }
    }
    let network_policy = match d.policy.as_ref().map(|p| p.value) {
        None if r.cloud == CloudKind::Aws => NetworkPolicyEngine::VpcCni,
        None | Some(PolicyKw::Calico) => NetworkPolicyEngine::Calico,
        Some(PolicyKw::Azure) => NetworkPolicyEngine::Azure,
        Some(PolicyKw::Cilium) => NetworkPolicyEngine::Cilium,
        Some(PolicyKw::VpcCni) => NetworkPolicyEngine::VpcCni,
    };
    let max_pods = d.max_pods.as_ref().map_or(30, |m| m.value);
    if let Some(m) = &d.max_pods
        && !(10..=250).contains(&m.value)
    {
        r.push(
            Diagnostic::error(
                "out-of-range",
                m.span,
                format!("max-pods {} is out of range", m.value),
            )
            .label("expected 10 to 250")
            .help("nodes run 10 to 250 pods; 30 is the Azure CNI default"),
        );
    }
    r.check_unique(d.node_pools.iter().map(|p| &p.name), "node pool");
    let mut pools = Vec::new();
    for (i, p) in d.node_pools.iter().enumerate() {
        if r.cloud == CloudKind::Azure && !azure_pool_name_ok(&p.name.value) {
            r.push(
                Diagnostic::error("invalid-name", p.name.span, format!("invalid node pool name `{}`: AKS node pool names are 1-12 lowercase letters and digits, starting with a letter", p.name.value.escape_debug()))
                    .label("not an AKS node pool name")
                    .help("e.g. `system`, `workload`, `spot1`"),
            );
        } else {
            r.check_label(&p.name, "node pool name");
        }
        let mode = match p.mode.as_ref().map(|m| m.value) {
            Some(NodePoolModeKw::System) => NodePoolMode::System,
            Some(NodePoolModeKw::User) => NodePoolMode::User,
            Some(NodePoolModeKw::Spot) => NodePoolMode::Spot,
            None if i == 0 => NodePoolMode::System,
            None => NodePoolMode::User,
        };
        let what = format!("node pool `{}`", p.name.value);
        let (Some(vm), Some(count)) = (&p.vm_size, &p.count) else {
            continue;
        };
        let vm_size = r.expand(vm, &format!("vm-size of {what}"));
        let count_s = r.expand_spanned(count, &format!("count of {what}"));
        let max_s = match &p.max_count {
            Some(m) => r.expand_spanned(m, &format!("max-count of {what}")),
            None => count_s.clone(),
        };
        for (env_i, (c, m)) in count_s.iter().zip(&max_s).enumerate() {
            if c.value > m.value {
                let env = r.env_name(crate::model::EnvId(env_i)).to_string();
                r.push(
                    Diagnostic::error(
                        "count-exceeds-max",
                        c.span,
                        format!(
                            "{what} starts {} nodes in `{env}` but max-count is {}",
                            c.value, m.value
                        ),
                    )
                    .label(format!("count {} > max-count {}", c.value, m.value))
                    .related(m.span, "max-count")
                    .help("max-count is the autoscaler's ceiling: raise it or lower count"),
                );
                break;
            }
            if c.value == 0 && mode == NodePoolMode::System {
                let env = r.env_name(crate::model::EnvId(env_i)).to_string();
                r.push(
                    Diagnostic::error("out-of-range", c.span, format!("system {what} has 0 nodes in `{env}`"))
                        .label("at least 1")
                        .help("a system node pool runs the cluster's own pods and needs at least one node"),
                );
                break;
            }
        }
        pools.push(NodePool {
            name: p.name.value.clone(),
            mode,
            vm_size,
            count: PerEnv::from_values(count_s.iter().map(|c| c.value).collect()),
            max_count: PerEnv::from_values(max_s.iter().map(|c| c.value).collect()),
        });
    }
    if !pools.is_empty() && !pools.iter().any(|p| p.mode == NodePoolMode::System) {
        r.push(
            Diagnostic::error(
                "no-system-pool",
                d.keyword.join(d.name.span),
                format!("cluster `{}` has no system node pool", d.name.value),
            )
            .label("every node pool is a user or spot pool")
            .help("mark one pool `mode=system` (the first pool is the system pool by default)"),
        );
    }
    // Azure CNI gives every pod a subnet address: the subnet must hold
    // max nodes × (max pods + 1) addresses (the +1 is the node itself).
    if network_plugin == NetworkPlugin::Azure
        && let Some(s) = &subnet
    {
        let decl_span = subnet_decls
            .iter()
            .find(|x| x.name.value == s.name)
            .map(|x| x.span);
        for (env_i, env) in envs.iter().enumerate() {
            let id = crate::model::EnvId(env_i);
            let nodes: u64 = pools.iter().map(|p| u64::from(*p.max_count.get(id))).sum();
            let need = nodes * (u64::from(max_pods) + 1);
            let size = 1u64 << (32 - u32::from(s.prefix.min(32)));
            let usable = size.saturating_sub(AZURE_RESERVED);
            if need > usable {
                let mut suggest_prefix = s.prefix;
                while suggest_prefix > 8
                    && (1u64 << (32 - u32::from(suggest_prefix))).saturating_sub(AZURE_RESERVED)
                        < need
                {
                    suggest_prefix -= 1;
                }
                let mut diag = Diagnostic::error(
                        "subnet-too-small",
                        subnet_name.span,
                        format!(
                            "subnet `{}` ({} in `{}`) is too small for cluster `{}` under Azure CNI",
                            s.name,
                            s.cidr.get(id),
                            env.name,
                            d.name.value
                        ),
                    )
                    .label(format!("{usable} usable addresses, {need} needed"))
                    .help(format!(
                        "Azure CNI needs max nodes × (max-pods + 1) = {nodes} × ({max_pods} + 1) = {need} addresses; give the subnet `prefix={suggest_prefix}` (with an index that fits), lower max-count or max-pods, or use `network-plugin kubenet`"
                    ));
                if let Some(sp) = decl_span {
                    diag = diag.related(
                        sp,
                        format!("a /{} holds {usable} usable addresses on Azure", s.prefix),
                    );
                }
                r.push(diag);
                break;
            }
        }
    }
    let ingress = match d.ingress.as_ref().map(|i| i.value) {
        None | Some(IngressKw::Nginx) => IngressController::Nginx,
    };
    Some(Cluster {
        name: d.name.value.clone(),
        kubernetes_version: version.value.clone(),
        subnet: subnet_name.value.clone(),
        network_plugin,
        network_policy,
        max_pods,
        node_pools: pools,
        ingress,
        cloud_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth() {
        let net: Ipv4Net = "10.20.0.0/16".parse().unwrap();
        assert_eq!(nth_subnet(net, 24, 3).unwrap().to_string(), "10.20.3.0/24");
        assert_eq!(nth_subnet(net, 24, 0).unwrap().to_string(), "10.20.0.0/24");
        assert_eq!(nth_subnet(net, 22, 1).unwrap().to_string(), "10.20.4.0/22");
        assert!(nth_subnet(net, 24, 256).is_err());
        assert!(nth_subnet(net, 8, 0).is_err());
        assert!(nth_subnet(net, 24, u32::MAX).is_err());
        let all: Ipv4Net = "0.0.0.0/0".parse().unwrap();
        assert!(nth_subnet(all, 32, u32::MAX).is_ok());
        assert!(nth_subnet(all, 33, 0).is_err());
    }
}
