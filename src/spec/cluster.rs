//! `cluster NAME { kubernetes …; subnet …; network-plugin …; max-pods …; node-pool … { … }; ingress … }`

use kdl::KdlNode;

use super::keywords::{IngressKw, NetworkPluginKw, NodePoolModeKw, PolicyKw};
use super::platform::once_has;
use super::reader::{NodeReader, Once, per_env_node, unknown_node, value_node};
use super::value::PerEnvValue;
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterDecl {
    pub name: Spanned<String>,
    pub keyword: Span,
    pub kubernetes: Option<Spanned<String>>,
    pub subnet: Option<Spanned<String>>,
    pub network_plugin: Option<Spanned<NetworkPluginKw>>,
    pub policy: Option<Spanned<PolicyKw>>,
    pub max_pods: Option<Spanned<u32>>,
    pub node_pools: Vec<NodePoolDecl>,
    pub ingress: Option<Spanned<IngressKw>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePoolDecl {
    pub name: Spanned<String>,
    pub mode: Option<Spanned<NodePoolModeKw>>,
    pub vm_size: Option<PerEnvValue<String>>,
    pub count: Option<PerEnvValue<u32>>,
    pub max_count: Option<PerEnvValue<u32>>,
}

pub const CHILDREN: &[&str] = &[
    "kubernetes",
    "subnet",
    "network-plugin",
    "max-pods",
    "node-pool",
    "ingress",
];
pub const POOL_CHILDREN: &[&str] = &["vm-size", "count", "max-count"];

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<ClusterDecl> {
    let mut r = NodeReader::new(
        node,
        "cluster NAME { kubernetes \"1.30\"; subnet NAME; node-pool NAME { … } }",
    );
    let name = r.req_arg::<String>(0, "a name", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut decl = ClusterDecl {
        name: name?,
        keyword,
        kubernetes: None,
        subnet: None,
        network_plugin: None,
        policy: None,
        max_pods: None,
        node_pools: Vec::new(),
        ingress: None,
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if key != "node-pool" && CHILDREN.contains(&key) && !once.first(child, "`cluster`", sink) {
            continue;
        }
        match key {
            "kubernetes" => {
                decl.kubernetes =
                    value_node(child, "a Kubernetes version", "kubernetes \"1.30\"", sink)
            }
            "subnet" => decl.subnet = value_node(child, "a subnet name", "subnet NAME", sink),
            "max-pods" => decl.max_pods = value_node(child, "a pod count", "max-pods 30", sink),
            "ingress" => {
                decl.ingress = value_node(child, "an ingress controller", "ingress nginx", sink)
            }
            "network-plugin" => {
                let mut r = NodeReader::new(
                    child,
                    "network-plugin azure|kubenet|vpc-cni [policy=calico|azure|cilium]",
                );
                decl.network_plugin = r.req_arg(0, "a network plugin", sink);
                decl.policy = r.prop("policy", sink);
                r.finish(sink);
            }
            "node-pool" => {
                if let Some(pool) = decode_pool(child, sink) {
                    decl.node_pools.push(pool);
                }
            }
            _ => unknown_node(child, "`cluster`", CHILDREN, sink),
        }
    }
    for (required, help) in [
        (
            "kubernetes",
            "add `kubernetes \"1.30\"` (the Kubernetes minor version)",
        ),
        (
            "subnet",
            "add `subnet NAME` naming the subnet of the nodes (declared in `network { … }`)",
        ),
        (
            "node-pool",
            "add `node-pool system { vm-size Standard_D2s_v3; count 1 }`",
        ),
    ] {
        if !once_has(children, required) {
            sink.push(
                Diagnostic::error(
                    "missing-node",
                    keyword,
                    format!("`cluster` needs a `{required}` node"),
                )
                .label(format!("no `{required}` inside"))
                .help(help),
            );
        }
    }
    Some(decl)
}

fn decode_pool(node: &KdlNode, sink: &mut Sink) -> Option<NodePoolDecl> {
    let mut r = NodeReader::new(
        node,
        "node-pool NAME [mode=system|user|spot] { vm-size SIZE; count N; max-count N }",
    );
    let name = r.req_arg::<String>(0, "a name", sink);
    let mode = r.prop::<NodePoolModeKw>("mode", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut pool = NodePoolDecl {
        name: name?,
        mode,
        vm_size: None,
        count: None,
        max_count: None,
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if POOL_CHILDREN.contains(&key) && !once.first(child, "`node-pool`", sink) {
            continue;
        }
        match key {
            "vm-size" => {
                pool.vm_size = per_env_node(child, "a VM size", "vm-size SIZE [ENV=SIZE …]", sink)
            }
            "count" => pool.count = per_env_node(child, "a node count", "count N [ENV=N …]", sink),
            "max-count" => {
                pool.max_count = per_env_node(child, "a node count", "max-count N [ENV=N …]", sink)
            }
            _ => unknown_node(child, "`node-pool`", POOL_CHILDREN, sink),
        }
    }
    for required in ["vm-size", "count"] {
        if !once_has(children, required) {
            sink.push(
                Diagnostic::error(
                    "missing-node",
                    keyword,
                    format!("`node-pool` needs a `{required}` node"),
                )
                .label(format!("no `{required}` inside"))
                .help(format!("add `{required} …` inside the node pool's block")),
            );
        }
    }
    Some(pool)
}
