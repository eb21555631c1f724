//! NetworkPolicies, derived only from the platform's edges (DESIGN
//! principle 2): everything in the namespace is denied in both directions,
//! then each declared edge opens exactly its path.
//!
//! - base: default deny; DNS to kube-dns; per service one policy with an
//!   ingress rule per caller (and from the ingress controller when exposed)
//!   and an egress rule per callee, plus the identity token endpoint for
//!   services with a cloud identity;
//! - overlay: per service one policy with an egress rule per data service it
//!   uses, to that service's endpoint in the environment (CIDRs differ per
//!   environment), and ingress on in-cluster data workloads from their users.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::cloud;
use super::meta::{self, NAME_LABEL, REASON_ANNOTATION};
use crate::model::{Edge, EdgeTarget, Endpoint, EnvId, Platform, Service};

/// RFC 1918 ranges: "public" peers exclude them, so a public allow never
/// opens the environment's own network or the pods.
pub const PRIVATE_RANGES: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// The edges by source and by target, built once: the policies of a
/// thousand services must not rescan every edge per service.
struct EdgeIndex<'a> {
    from: BTreeMap<&'a str, Vec<&'a Edge>>,
    to: BTreeMap<&'a str, Vec<&'a Edge>>,
}

impl<'a> EdgeIndex<'a> {
    fn new(platform: &'a Platform) -> Self {
        let mut from: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
        let mut to: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
        for edge in &platform.edges {
            from.entry(edge.from.as_str()).or_default().push(edge);
            to.entry(edge.to.name()).or_default().push(edge);
        }
        EdgeIndex { from, to }
    }

    fn from(&self, service: &str) -> impl Iterator<Item = &'a Edge> + '_ {
        self.from.get(service).into_iter().flatten().copied()
    }

    fn to(&self, target: &str) -> impl Iterator<Item = &'a Edge> + '_ {
        self.to.get(target).into_iter().flatten().copied()
    }
}

fn pods(name: &str) -> Value {
    json!({ "podSelector": { "matchLabels": meta::selector(name) } })
}

fn namespace_peer(namespace: &str) -> Value {
    json!({ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": namespace } } })
}

fn public() -> Value {
    json!({ "ipBlock": { "cidr": "0.0.0.0/0", "except": PRIVATE_RANGES } })
}

fn tcp(ports: &[u16]) -> Value {
    ports
        .iter()
        .map(|p| json!({ "protocol": "TCP", "port": p }))
        .collect()
}

fn policy(
    platform: &Platform,
    name: &str,
    labelled_as: &str,
    spec: Value,
    reasons: &[String],
) -> Value {
    let mut metadata = meta::metadata(platform, name, labelled_as);
    if !reasons.is_empty() {
        metadata["annotations"] = json!({ REASON_ANNOTATION: reasons.join("; ") });
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": spec,
    })
}

/// Default deny of all ingress and egress in the namespace.
fn default_deny(platform: &Platform) -> Value {
    policy(
        platform,
        "default-deny",
        "default-deny",
        json!({ "podSelector": {}, "policyTypes": ["Ingress", "Egress"] }),
        &[],
    )
}

/// DNS to kube-dns only (UDP and TCP 53), for every pod of the namespace.
fn allow_dns(platform: &Platform) -> Value {
    let mut peer = namespace_peer("kube-system");
    peer["podSelector"] = json!({ "matchLabels": { "k8s-app": "kube-dns" } });
    policy(
        platform,
        "allow-dns",
        "allow-dns",
        json!({
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [peer],
                "ports": [{ "protocol": "UDP", "port": 53 }, { "protocol": "TCP", "port": 53 }],
            }],
        }),
        &[],
    )
}

/// The pod-to-pod policy of one service: callers and the ingress controller
/// in, callees and its identity's token endpoint out.
fn service_policy(platform: &Platform, edges: &EdgeIndex, service: &Service) -> Option<Value> {
    let mut ingress = Vec::new();
    let mut seen = BTreeSet::new();
    for edge in edges.to(&service.name) {
        if let EdgeTarget::Service { port, .. } = &edge.to
            && seen.insert((&edge.from, *port))
        {
            ingress.push(json!({ "from": [pods(&edge.from)], "ports": tcp(&[*port]) }));
        }
    }
    if service.expose.is_some()
        && let Some(port) = service.port
    {
        ingress.push(json!({
            "from": [namespace_peer(platform.cluster.ingress.namespace())],
            "ports": tcp(&[port]),
        }));
    }
    let mut egress = Vec::new();
    let mut seen = BTreeSet::new();
    for edge in edges.from(&service.name) {
        if let EdgeTarget::Service { name, port } = &edge.to
            && seen.insert((name, *port))
        {
            egress.push(json!({ "to": [pods(name)], "ports": tcp(&[*port]) }));
        }
    }
    let mut reasons = Vec::new();
    if service.identity.is_some() {
        egress.push(json!({ "to": [public()], "ports": tcp(&[443]) }));
        reasons.push(
            cloud::identity_binding(platform.cloud.kind)
                .token_endpoint_reason
                .to_string(),
        );
    }
    if service.needs_kubernetes_api {
        egress
            .push(json!({ "to": [{ "ipBlock": { "cidr": "0.0.0.0/0" } }], "ports": tcp(&[443]) }));
        reasons.push(
            "the service talks to the Kubernetes API server (TCP 443; its address is the cloud's)"
                .into(),
        );
    }
    if ingress.is_empty() && egress.is_empty() {
        return None;
    }
    let mut spec = Map::new();
    spec.insert(
        "podSelector".into(),
        json!({ "matchLabels": meta::selector(&service.name) }),
    );
    let mut types = Vec::new();
    if !ingress.is_empty() {
        types.push("Ingress");
    }
    if !egress.is_empty() {
        types.push("Egress");
    }
    spec.insert("policyTypes".into(), json!(types));
    if !ingress.is_empty() {
        spec.insert("ingress".into(), Value::Array(ingress));
    }
    if !egress.is_empty() {
        spec.insert("egress".into(), Value::Array(egress));
    }
    Some(policy(
        platform,
        &service.name,
        &service.name,
        Value::Object(spec),
        &reasons,
    ))
}

/// The base policies: default deny, DNS, one per service with pod-to-pod edges.
pub fn base(platform: &Platform) -> Vec<Value> {
    let edges = EdgeIndex::new(platform);
    let mut out = vec![default_deny(platform), allow_dns(platform)];
    out.extend(
        platform
            .services
            .iter()
            .filter_map(|s| service_policy(platform, &edges, s)),
    );
    out
}

/// Name of a service's data-egress policy.
fn data_policy_name(service: &str) -> String {
    format!("{service}-data")
}

/// The data services a service has edges to, each once, in edge order.
fn data_targets<'a>(edges: &EdgeIndex<'a>, service: &str) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for edge in edges.from(service) {
        if let EdgeTarget::Data { name, .. } = &edge.to
            && !out.contains(&name.as_str())
        {
            out.push(name);
        }
    }
    out
}

/// The environment's policies: data-service egress per service, and ingress
/// on in-cluster data workloads.
pub fn overlay(platform: &Platform, env: EnvId) -> Vec<Value> {
    let edges = EdgeIndex::new(platform);
    let mut out = Vec::new();
    // In-cluster data workload -> (its users, ports).
    let mut in_cluster: Vec<(String, Vec<String>, Vec<u16>)> = Vec::new();
    for service in &platform.services {
        let mut egress = Vec::new();
        let mut reasons = Vec::new();
        for name in data_targets(&edges, &service.name) {
            let Some(data) = platform.data_service(name) else {
                continue;
            };
            // A rule without ports would open every port: no ports, no rule.
            if data.ports.is_empty() {
                continue;
            }
            let peer = match data.endpoint.get(env) {
                Endpoint::Subnet { cidr } => json!({ "ipBlock": { "cidr": cidr.to_string() } }),
                Endpoint::Public => {
                    reasons.push(format!(
                        "{name} has no private endpoint in this environment: its public endpoint (TLS, identity-authenticated) on its ports, non-private addresses only"
                    ));
                    public()
                }
                Endpoint::InCluster { workload } => {
                    match in_cluster.iter_mut().find(|w| w.0 == *workload) {
                        Some(w) => w.1.push(service.name.clone()),
                        None => in_cluster.push((
                            workload.clone(),
                            vec![service.name.clone()],
                            data.ports.clone(),
                        )),
                    }
                    pods(workload)
                }
            };
            egress.push(json!({ "to": [peer], "ports": tcp(&data.ports) }));
        }
        if egress.is_empty() {
            continue;
        }
        let name = data_policy_name(&service.name);
        let spec = json!({
            "podSelector": { "matchLabels": meta::selector(&service.name) },
            "policyTypes": ["Egress"],
            "egress": egress,
        });
        out.push(policy(platform, &name, &service.name, spec, &reasons));
    }
    for (workload, users, ports) in in_cluster {
        let ingress: Vec<Value> = users
            .iter()
            .map(|u| json!({ "from": [pods(u)], "ports": tcp(&ports) }))
            .collect();
        let spec = json!({
            "podSelector": { "matchLabels": { NAME_LABEL: workload } },
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        });
        out.push(policy(
            platform,
            &format!("{workload}-clients"),
            &workload,
            spec,
            &[],
        ));
    }
    out
}
