//! NetworkPolicies the stack needs in the platform's namespace, which
//! denies everything by default: Prometheus (in the monitoring namespace)
//! may scrape each service's metrics port, and services may send traces to
//! Tempo's OTLP ports. Nothing else crosses the two namespaces.

use serde_json::{Value, json};

use super::addons::{NAMESPACE, OTLP_PORTS};
use crate::model::{Observability, Platform, ServiceKind};

fn metadata(platform: &Platform, name: &str, service: &str) -> Value {
    json!({
        "name": name,
        "namespace": platform.namespace,
        "labels": {
            "app.kubernetes.io/name": service,
            "app.kubernetes.io/part-of": platform.name,
            "app.kubernetes.io/managed-by": "platc",
        },
    })
}

fn monitoring_peer(app: &str) -> Value {
    json!({
        "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": NAMESPACE } },
        "podSelector": { "matchLabels": { "app.kubernetes.io/name": app } },
    })
}

/// The policies, in service order.
pub fn policies(platform: &Platform, obs: &Observability) -> Vec<Value> {
    let mut out = Vec::new();
    for s in &platform.services {
        if let Some(m) = &s.metrics {
            out.push(json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": metadata(platform, &format!("{}-metrics-scrape", s.name), &s.name),
                "spec": {
                    "podSelector": { "matchLabels": { "app.kubernetes.io/name": s.name } },
                    "policyTypes": ["Ingress"],
                    "ingress": [{ "from": [monitoring_peer("prometheus")], "ports": [{ "protocol": "TCP", "port": m.port }] }],
                },
            }));
        }
        if obs.traces.is_some() && !matches!(s.kind, ServiceKind::CronJob { .. }) {
            let ports: Vec<Value> = OTLP_PORTS
                .iter()
                .map(|p| json!({ "protocol": "TCP", "port": p }))
                .collect();
            out.push(json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": metadata(platform, &format!("{}-traces", s.name), &s.name),
                "spec": {
                    "podSelector": { "matchLabels": { "app.kubernetes.io/name": s.name } },
                    "policyTypes": ["Egress"],
                    "egress": [{ "to": [monitoring_peer("tempo")], "ports": ports }],
                },
            }));
        }
    }
    out
}
