//! The `aks` family: the cluster with workload identity (OIDC issuer),
//! Azure CNI in the spec's subnet with its network policy engine, Entra ID
//! authentication with Azure RBAC and no local accounts, Container Insights
//! into the Log Analytics workspace, and the node pools sized per
//! environment. The kubelet identity may pull from the registry (AcrPull).
//!
//! The cluster's service CIDR must not overlap the environment's network
//! (AKS's default, 10.0.0.0/16, collides with many VNets); it is picked per
//! environment from a few private ranges, outside the environment network.

use ipnet::Ipv4Net;

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use super::{acr, monitoring};
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, list_of, map_of, object_type};
use crate::model::{
    Environment, NetworkPlugin, NetworkPolicyEngine, NodePool, NodePoolMode, SecretsBackend,
};

/// Name of the cluster's module call.
pub const CALL: &str = "aks";

/// Candidate service CIDRs, in preference order.
const SERVICE_CIDRS: &[&str] = &[
    "172.16.0.0/16",
    "192.168.0.0/16",
    "10.254.0.0/16",
    "100.64.0.0/16",
];

/// Minimum `max_pods` checkov expects of a production node pool.
const CHECKOV_MIN_PODS: u32 = 50;

/// The service CIDR of an environment and its DNS service address.
pub fn service_network(env: &Environment) -> (Ipv4Net, std::net::Ipv4Addr) {
    let overlaps = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    let fallback = Ipv4Net::new(std::net::Ipv4Addr::new(172, 16, 0, 0), 16).unwrap_or_default();
    let net = SERVICE_CIDRS
        .iter()
        .filter_map(|c| c.parse::<Ipv4Net>().ok())
        .find(|c| !overlaps(c, &env.network))
        .unwrap_or(fallback);
    let dns = net.hosts().nth(9).unwrap_or(net.network());
    (net, dns)
}

/// The pool that runs the system pods (the default node pool).
fn system_pool(pools: &[NodePool]) -> Option<&NodePool> {
    pools
        .iter()
        .find(|p| p.mode == NodePoolMode::System)
        .or_else(|| pools.first())
}

pub fn part(az: &Azure) -> Part {
    let p = az.p;
    let cluster = &p.cluster;
    let system = system_pool(&cluster.node_pools).map_or("system", |p| p.name.as_str());
    let extra: Vec<&NodePool> = cluster
        .node_pools
        .iter()
        .filter(|n| n.name != system)
        .collect();
    let pools = az.per_env(|e| {
        Expr::object(cluster.node_pools.iter().map(|n| {
            (
                n.name.clone(),
                Expr::object([
                    ("vm_size", Expr::str(n.vm_size.get(e.id))),
                    ("min_count", Expr::from(*n.count.get(e.id))),
                    ("max_count", Expr::from(*n.max_count.get(e.id))),
                ]),
            )
        }))
    });
    let tfvars = vec![
        RootVar::new(
            Variable::new("aks_name", "string", "Name of the AKS cluster (also its DNS prefix)."),
            cluster.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new("aks_sku_tier", "string", "AKS tier: Standard (uptime SLA) or Free.").validation(
                Expr::raw("contains([\"Free\", \"Standard\", \"Premium\"], var.aks_sku_tier)"),
                "The tier must be Free, Standard or Premium.",
            ),
            az.per_env(|e| Expr::str(if e.has_zones() { "Standard" } else { "Free" })),
        ),
        RootVar::new(
            Variable::new("aks_zones", list_of("string"), "Availability zones of the node pools (empty: no zone pinning)."),
            az.per_env(|e| Expr::str_list(e.zones.iter().map(String::as_str))),
        ),
        RootVar::new(
            Variable::new(
                "aks_node_pools",
                map_of(object_type([
                    ("vm_size", "string".into()),
                    ("min_count", "number".into()),
                    ("max_count", "number".into()),
                ])),
                "Node pools by name: VM size, nodes at start (autoscaler minimum) and autoscaler maximum.",
            )
            .validation(
                Expr::raw("alltrue([for pool in values(var.aks_node_pools) : pool.min_count >= 1 && pool.max_count >= pool.min_count])"),
                "Every pool needs at least one node and max_count >= min_count.",
            ),
            pools,
        ),
        RootVar::new(
            Variable::new("aks_service_cidr", "string", "Kubernetes service CIDR (must not overlap the VNet).").validation(
                Expr::raw("can(cidrhost(var.aks_service_cidr, 0))"),
                "The service CIDR must be an IPv4 CIDR.",
            ),
            az.per_env(|e| Expr::str(service_network(e).0.to_string())),
        ),
        RootVar::new(
            Variable::new("aks_dns_service_ip", "string", "Cluster DNS service address, inside the service CIDR."),
            az.per_env(|e| Expr::str(service_network(e).1.to_string())),
        ),
    ];
    let (plugin, policy, data_plane) = network(cluster.network_plugin, cluster.network_policy);
    let mut c = call(CALL, "aks")
        .arg("name", var("aks_name"))
        .arg("kubernetes_version", cluster.kubernetes_version.as_str())
        .arg("sku_tier", var("aks_sku_tier"))
        .arg(
            "subnet_id",
            Expr::raw(format!(
                "module.networking.subnet_ids[\"{}\"]",
                cluster.subnet
            )),
        )
        .arg("network_plugin", plugin)
        .arg("network_policy", policy)
        .arg("network_data_plane", data_plane)
        .arg("service_cidr", var("aks_service_cidr"))
        .arg("dns_service_ip", var("aks_dns_service_ip"))
        .arg("max_pods", cluster.max_pods)
        .arg("zones", var("aks_zones"))
        .arg("system_pool", system)
        .arg("node_pools", var("aks_node_pools"));
    let spot: Vec<&str> = extra
        .iter()
        .filter(|n| n.mode == NodePoolMode::Spot)
        .map(|n| n.name.as_str())
        .collect();
    if !spot.is_empty() {
        c = c.arg("spot_pools", Expr::str_list(spot));
    }
    if az.has_monitoring() {
        c = c.arg(
            "log_analytics_workspace_id",
            Expr::raw(format!("module.{}.workspace_id", monitoring::CALL)),
        );
    }
    c = c.arg("acr_id", Expr::raw(format!("module.{}.id", acr::CALL)));
    Part {
        module: module(az, !extra.is_empty()),
        calls: vec![c],
        tfvars,
    }
}

/// `network_plugin`, `network_policy`, `network_data_plane` for the model's choices.
fn network(
    plugin: NetworkPlugin,
    policy: NetworkPolicyEngine,
) -> (&'static str, &'static str, &'static str) {
    let plugin = match plugin {
        NetworkPlugin::Kubenet => "kubenet",
        NetworkPlugin::Azure | NetworkPlugin::VpcCni => "azure",
    };
    match policy {
        // The resolver rejects `policy=vpc-cni` on Azure (cloud mismatch).
        NetworkPolicyEngine::Calico | NetworkPolicyEngine::VpcCni => (plugin, "calico", "azure"),
        NetworkPolicyEngine::Azure => (plugin, "azure", "azure"),
        NetworkPolicyEngine::Cilium => (plugin, "cilium", "cilium"),
    }
}

fn module(az: &Azure, has_extra_pools: bool) -> Module {
    let p = az.p;
    let mut m = Module::new("aks", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the cluster (also its DNS prefix).").not_null(),
        Variable::new("kubernetes_version", "string", "Kubernetes minor version; patches are applied automatically.")
            .not_null(),
        Variable::new("sku_tier", "string", "Free or Standard (uptime SLA).").default("Standard"),
        Variable::new("subnet_id", "string", "Subnet of the nodes and (Azure CNI) the pods.").not_null(),
        Variable::new("network_plugin", "string", "azure (Azure CNI) or kubenet.").default("azure"),
        Variable::new("network_policy", "string", "NetworkPolicy engine: calico, azure or cilium.").not_null(),
        Variable::new("network_data_plane", "string", "azure, or cilium with the cilium policy engine.").default("azure"),
        Variable::new("service_cidr", "string", "Kubernetes service CIDR (outside the VNet).").not_null(),
        Variable::new("dns_service_ip", "string", "Cluster DNS service address inside service_cidr.").not_null(),
        Variable::new("max_pods", "number", "Maximum pods per node.").not_null(),
        Variable::new("zones", list_of("string"), "Availability zones of the node pools.").default(Expr::list([])),
        Variable::new("system_pool", "string", "Name of the pool that becomes the default (system) node pool.")
            .not_null(),
        Variable::new(
            "node_pools",
            map_of(object_type([
                ("vm_size", "string".into()),
                ("min_count", "number".into()),
                ("max_count", "number".into()),
            ])),
            "Node pools by name; a pool autoscales between min_count and max_count when they differ.",
        )
        .validation(
            Expr::raw("contains(keys(var.node_pools), var.system_pool)"),
            "node_pools must contain the system pool.",
        ),
        Variable::new("spot_pools", list_of("string"), "Names of the pools that run on Spot VMs.").default(Expr::list([])),
        Variable::new("acr_id", "string", "Container registry the kubelet identity may pull from.").not_null(),
    ]);
    if az.has_monitoring() {
        m.variables.push(
            Variable::new(
                "log_analytics_workspace_id",
                "string",
                "Log Analytics workspace of Container Insights.",
            )
            .not_null(),
        );
    }

    let secrets_addon = match p.delivery.secrets {
        SecretsBackend::ExternalSecrets => "External Secrets Operator",
        SecretsBackend::Csi => "the Secrets Store CSI driver's Azure provider",
    };
    let mut cluster = located("azurerm_kubernetes_cluster", "this", var("name"));
    let kubectl = "deploys run kubectl from GitHub-hosted runners; the API server requires Entra ID with Azure RBAC and local accounts are off";
    cluster = skip(cluster, "CKV_AZURE_6", kubectl);
    cluster = skip(cluster, "CKV_AZURE_115", kubectl);
    cluster = skip(
        cluster,
        "CKV_AZURE_117",
        "disks are encrypted at rest with platform-managed keys; no customer key is declared",
    );
    if p.environments.iter().any(|e| !e.has_zones()) {
        cluster = skip(
            cluster,
            "CKV_AZURE_170",
            "the tier is set per environment in tfvars: Standard (uptime SLA) where the environment spans zones, Free elsewhere",
        );
    }
    cluster = skip(
        cluster,
        "CKV_AZURE_172",
        &format!(
            "secrets reach pods through {secrets_addon}, installed as a cluster add-on, not the AKS add-on"
        ),
    );
    cluster = skip(
        cluster,
        "CKV_AZURE_226",
        "the spec's VM sizes do not all have a cache disk large enough for ephemeral OS disks",
    );
    cluster = skip(
        cluster,
        "CKV_AZURE_227",
        "encryption at host needs the EncryptionAtHost feature registered on the subscription, which platc cannot assume",
    );
    if p.cluster.max_pods < CHECKOV_MIN_PODS {
        cluster = skip(
            cluster,
            "CKV_AZURE_168",
            "max_pods comes from the spec, which sizes the subnet for Azure CNI by it",
        );
    }
    if !has_extra_pools {
        cluster = skip(
            cluster,
            "CKV_AZURE_232",
            "the spec declares a single node pool, which runs the workloads too",
        );
    }
    if !az.has_monitoring() {
        cluster = skip(
            cluster,
            "CKV_AZURE_4",
            "the spec declares no monitoring workspace",
        );
    }
    let autoscale = "local.system.max_count > local.system.min_count";
    let mut pool = Block::new("default_node_pool")
        .attr("name", var("system_pool"))
        .attr(
            "temporary_name_for_rotation",
            Expr::template([
                TemplatePart::lit("tmp"),
                TemplatePart::interp("substr(var.system_pool, 0, 9)"),
            ]),
        )
        .attr("vm_size", Expr::raw("local.system.vm_size"))
        .attr("auto_scaling_enabled", Expr::raw(autoscale))
        .attr("node_count", Expr::raw("local.system.min_count"))
        .attr(
            "min_count",
            Expr::raw(format!("{autoscale} ? local.system.min_count : null")),
        )
        .attr(
            "max_count",
            Expr::raw(format!("{autoscale} ? local.system.max_count : null")),
        )
        .attr("max_pods", var("max_pods"))
        .attr("zones", var("zones"))
        .attr("vnet_subnet_id", var("subnet_id"));
    if has_extra_pools {
        pool = pool.attr("only_critical_addons_enabled", true);
    }
    pool = pool
        .blank()
        .block(Block::new("upgrade_settings").attr("max_surge", "10%"));
    cluster = tagged(
        cluster
            .attr("dns_prefix", var("name"))
            .attr("kubernetes_version", var("kubernetes_version"))
            .attr("sku_tier", var("sku_tier"))
            .attr("automatic_upgrade_channel", "patch")
            .attr("node_os_upgrade_channel", "NodeImage")
            .attr("oidc_issuer_enabled", true)
            .attr("workload_identity_enabled", true)
            .attr("role_based_access_control_enabled", true)
            .attr("local_account_disabled", true)
            .attr("azure_policy_enabled", true)
            .attr("image_cleaner_enabled", true)
            .attr("image_cleaner_interval_hours", 48),
    )
    .blank()
    .block(pool)
    .blank()
    .block(Block::new("identity").attr("type", "SystemAssigned"))
    .blank()
    .block(
        Block::new("network_profile")
            .attr("network_plugin", var("network_plugin"))
            .attr("network_policy", var("network_policy"))
            .attr("network_data_plane", var("network_data_plane"))
            .attr("load_balancer_sku", "standard")
            .attr("outbound_type", "loadBalancer")
            .attr("service_cidr", var("service_cidr"))
            .attr("dns_service_ip", var("dns_service_ip")),
    )
    .blank()
    .block(
        Block::new("azure_active_directory_role_based_access_control")
            .attr("azure_rbac_enabled", true),
    );
    if az.has_monitoring() {
        cluster = cluster.blank().block(
            Block::new("oms_agent")
                .attr(
                    "log_analytics_workspace_id",
                    var("log_analytics_workspace_id"),
                )
                .attr("msi_auth_for_monitoring_enabled", true),
        );
    }
    cluster = cluster.blank().block(
        Block::new("lifecycle")
            .comment("The autoscaler owns the node count.")
            .attr(
                "ignore_changes",
                Expr::list([Expr::raw("default_node_pool[0].node_count")]),
            ),
    );

    let mut main = Body::new()
        .block(Block::new("locals").attr("system", Expr::raw("var.node_pools[var.system_pool]")))
        .blank()
        .block(cluster);
    if has_extra_pools {
        main = main.blank().block(extra_pools(p.cluster.max_pods));
    }
    main = main
        .blank()
        .block(
            Block::new("resource")
                .labels(["azurerm_role_assignment", "network"])
                .comment(
                    "The cluster identity manages load balancers and addresses in the node subnet.",
                )
                .attr("scope", var("subnet_id"))
                .attr("role_definition_name", "Network Contributor")
                .attr(
                    "principal_id",
                    Expr::raw("azurerm_kubernetes_cluster.this.identity[0].principal_id"),
                )
                .attr("principal_type", "ServicePrincipal"),
        )
        .blank()
        .block(
            Block::new("resource")
                .labels(["azurerm_role_assignment", "acr_pull"])
                .attr("scope", var("acr_id"))
                .attr("role_definition_name", "AcrPull")
                .attr(
                    "principal_id",
                    Expr::raw("azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id"),
                )
                .attr("principal_type", "ServicePrincipal"),
        );
    if az.has_monitoring() {
        main = main.blank().block(container_insights_rule()).blank().block(
            Block::new("resource")
                .labels([
                    "azurerm_monitor_data_collection_rule_association",
                    "container_insights",
                ])
                .attr("name", "ContainerInsightsExtension")
                .attr(
                    "target_resource_id",
                    Expr::raw("azurerm_kubernetes_cluster.this.id"),
                )
                .attr(
                    "data_collection_rule_id",
                    Expr::raw("azurerm_monitor_data_collection_rule.container_insights.id"),
                ),
        );
    }
    m.main = main;
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_kubernetes_cluster.this.id"),
            "ID of the cluster.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_kubernetes_cluster.this.name"),
            "Name of the cluster.",
        ),
        Output::new(
            "oidc_issuer_url",
            Expr::raw("azurerm_kubernetes_cluster.this.oidc_issuer_url"),
            "OIDC issuer that workload identity federation trusts.",
        ),
        Output::new(
            "kubelet_object_id",
            Expr::raw("azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id"),
            "Object ID of the kubelet identity (pulls images).",
        ),
        Output::new(
            "node_resource_group",
            Expr::raw("azurerm_kubernetes_cluster.this.node_resource_group"),
            "Resource group AKS manages the nodes in.",
        ),
    ];
    m
}

/// The node pools besides the system pool.
fn extra_pools(max_pods: u32) -> Block {
    let autoscale = "each.value.max_count > each.value.min_count";
    let spot = "contains(var.spot_pools, each.key)";
    let mut pool = Block::new("resource").labels(["azurerm_kubernetes_cluster_node_pool", "this"]);
    pool = skip(
        pool,
        "CKV_AZURE_226",
        "the spec's VM sizes do not all have a cache disk large enough for ephemeral OS disks",
    );
    pool = skip(
        pool,
        "CKV_AZURE_227",
        "encryption at host needs the EncryptionAtHost feature registered on the subscription, which platc cannot assume",
    );
    if max_pods < CHECKOV_MIN_PODS {
        pool = skip(
            pool,
            "CKV_AZURE_168",
            "max_pods comes from the spec, which sizes the subnet for Azure CNI by it",
        );
    }
    pool.attr(
        "for_each",
        Expr::raw("{ for name, pool in var.node_pools : name => pool if name != var.system_pool }"),
    )
    .blank()
    .attr("name", Expr::raw("each.key"))
    .attr(
        "kubernetes_cluster_id",
        Expr::raw("azurerm_kubernetes_cluster.this.id"),
    )
    .attr("mode", "User")
    .attr("vm_size", Expr::raw("each.value.vm_size"))
    .attr("auto_scaling_enabled", Expr::raw(autoscale))
    .attr("node_count", Expr::raw("each.value.min_count"))
    .attr(
        "min_count",
        Expr::raw(format!("{autoscale} ? each.value.min_count : null")),
    )
    .attr(
        "max_count",
        Expr::raw(format!("{autoscale} ? each.value.max_count : null")),
    )
    .attr("max_pods", var("max_pods"))
    .attr("zones", var("zones"))
    .attr("vnet_subnet_id", var("subnet_id"))
    .attr(
        "priority",
        Expr::raw(format!("{spot} ? \"Spot\" : \"Regular\"")),
    )
    .attr(
        "eviction_policy",
        Expr::raw(format!("{spot} ? \"Delete\" : null")),
    )
    .attr("spot_max_price", Expr::raw(format!("{spot} ? -1 : null")))
    .attr(
        "node_taints",
        Expr::raw(format!(
            "{spot} ? [\"kubernetes.azure.com/scalesetpriority=spot:NoSchedule\"] : []"
        )),
    )
    .attr("tags", var("tags"))
    .blank()
    .block(
        Block::new("lifecycle")
            .comment("The autoscaler owns the node count.")
            .attr("ignore_changes", Expr::list([Expr::raw("node_count")])),
    )
}

/// The data collection rule Container Insights needs with managed-identity
/// auth: the default stream group (incl. ContainerLogV2 and KubePodInventory,
/// which the log alerts query) into the workspace.
fn container_insights_rule() -> Block {
    let stream = "Microsoft-ContainerInsights-Group-Default";
    Block::new("resource")
        .labels(["azurerm_monitor_data_collection_rule", "container_insights"])
        .attr(
            "name",
            Expr::template([TemplatePart::lit("MSCI-"), TemplatePart::interp("var.name")]),
        )
        .attr("location", var("location"))
        .attr("resource_group_name", var("resource_group_name"))
        .attr("tags", var("tags"))
        .blank()
        .block(
            Block::new("destinations").block(
                Block::new("log_analytics")
                    .attr("name", "workspace")
                    .attr("workspace_resource_id", var("log_analytics_workspace_id")),
            ),
        )
        .blank()
        .block(
            Block::new("data_flow")
                .attr("streams", Expr::str_list([stream]))
                .attr("destinations", Expr::str_list(["workspace"])),
        )
        .blank()
        .block(
            Block::new("data_sources").block(
                Block::new("extension")
                    .attr("name", "ContainerInsightsExtension")
                    .attr("extension_name", "ContainerInsights")
                    .attr("streams", Expr::str_list([stream]))
                    .attr(
                        "extension_json",
                        Expr::call(
                            "jsonencode",
                            [Expr::object([(
                                "dataCollectionSettings",
                                Expr::object([
                                    ("interval", Expr::str("1m")),
                                    ("namespaceFilteringMode", Expr::str("Off")),
                                    ("enableContainerLogV2", Expr::bool(true)),
                                ]),
                            )])],
                        ),
                    ),
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnvId;

    fn env(cidr: &str) -> Environment {
        Environment {
            id: EnvId(0),
            name: "dev".into(),
            network: cidr.parse().unwrap_or_default(),
            branch: "main".into(),
            approval: false,
            zones: Vec::new(),
        }
    }

    #[test]
    fn service_cidr_avoids_the_environment_network() {
        assert_eq!(
            service_network(&env("10.0.0.0/16")).0.to_string(),
            "172.16.0.0/16"
        );
        let (net, dns) = service_network(&env("172.16.0.0/12"));
        assert_eq!(net.to_string(), "192.168.0.0/16");
        assert_eq!(dns.to_string(), "192.168.0.10");
    }
}
