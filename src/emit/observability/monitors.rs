//! Scrape targets: a ServiceMonitor for every service whose metrics are
//! served on its Service port, a PodMonitor when they have a port of their
//! own (the Service does not expose it).

use serde_json::{Value, json};

use crate::model::{Platform, Service};

/// Port names of the workload's container (the Kubernetes emitter's names).
const HTTP_PORT: &str = "http";
const METRICS_PORT: &str = "metrics";

fn metadata(platform: &Platform, service: &Service) -> Value {
    json!({
        "name": service.name,
        "namespace": platform.namespace,
        "labels": {
            "app.kubernetes.io/name": service.name,
            "app.kubernetes.io/part-of": platform.name,
            "app.kubernetes.io/managed-by": "platc",
        },
    })
}

/// The monitor of one service, if it exposes metrics.
pub fn monitor(platform: &Platform, service: &Service) -> Option<Value> {
    let metrics = service.metrics.as_ref()?;
    let selector = json!({ "matchLabels": { "app.kubernetes.io/name": service.name } });
    let namespaces = json!({ "matchNames": [platform.namespace] });
    if Some(metrics.port) == service.port {
        Some(json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": metadata(platform, service),
            "spec": {
                "selector": selector,
                "namespaceSelector": namespaces,
                "endpoints": [{ "port": HTTP_PORT, "path": metrics.path, "interval": "30s", "scheme": "http" }],
            },
        }))
    } else {
        Some(json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": metadata(platform, service),
            "spec": {
                "selector": selector,
                "namespaceSelector": namespaces,
                "podMetricsEndpoints": [{ "port": METRICS_PORT, "path": metrics.path, "interval": "30s", "scheme": "http" }],
            },
        }))
    }
}

/// Every monitor, in service order.
pub fn monitors(platform: &Platform) -> Vec<Value> {
    platform
        .services
        .iter()
        .filter_map(|s| monitor(platform, s))
        .collect()
}
