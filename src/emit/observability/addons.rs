//! Helm values of the LGTM add-ons: kube-prometheus-stack (Prometheus,
//! Alertmanager, Grafana with the dashboard sidecar), Loki (single binary),
//! Tempo (single binary) and Promtail (ships pod logs to Loki).
//!
//! Base values hold everything common to the environments; [`env_values`]
//! holds what the spec sizes per environment (retention, volume sizes), in a
//! second values file the cluster-setup workflow layers on top.

use serde_json::{Value, json};

use super::dashboards::{LOKI_UID, PROMETHEUS_UID, TEMPO_UID};
use crate::emit::in_cluster::storage_class;
use crate::model::{EnvId, KUBE_PROMETHEUS_STACK, LOKI, Observability, PROMTAIL, Platform, TEMPO};

/// Namespace of the stack (the model's, where the add-ons are installed).
pub const NAMESPACE: &str = crate::model::OBSERVABILITY_NAMESPACE;
/// In-cluster URLs of the backends (service names of the charts' releases).
pub const LOKI_URL: &str = "http://loki.monitoring.svc.cluster.local:3100";
pub const TEMPO_URL: &str = "http://tempo.monitoring.svc.cluster.local:3100";
/// OTLP ports Tempo receives traces on (gRPC, HTTP).
pub const OTLP_PORTS: [u16; 2] = [4317, 4318];

fn small() -> Value {
    json!({ "requests": { "cpu": "100m", "memory": "128Mi" }, "limits": { "memory": "512Mi" } })
}

fn kube_prometheus_stack(platform: &Platform, obs: &Observability) -> Value {
    let mut datasources = Vec::new();
    if obs.logs.is_some() {
        datasources.push(json!({
            "name": "Loki",
            "type": "loki",
            "uid": LOKI_UID,
            "url": LOKI_URL,
            "access": "proxy",
            "jsonData": {
                // A trace id in a log line links to the trace in Tempo.
                "derivedFields": [{
                    "name": "TraceID",
                    "matcherRegex": "(?:traceID|trace_id|traceId)[\"=: ]+(\\w+)",
                    "datasourceUid": TEMPO_UID,
                    "url": "$${__value.raw}",
                }],
            },
        }));
    }
    if obs.traces.is_some() {
        datasources.push(json!({
            "name": "Tempo",
            "type": "tempo",
            "uid": TEMPO_UID,
            "url": TEMPO_URL,
            "access": "proxy",
            "jsonData": {
                "tracesToLogsV2": { "datasourceUid": LOKI_UID, "filterByTraceID": true, "spanStartTimeShift": "-5m", "spanEndTimeShift": "5m" },
                "serviceMap": { "datasourceUid": PROMETHEUS_UID },
                "nodeGraph": { "enabled": true },
            },
        }));
    }
    json!({
        "prometheus": {
            "prometheusSpec": {
                // Rules and monitors of every namespace, not only the chart's own.
                "ruleSelectorNilUsesHelmValues": false,
                "serviceMonitorSelectorNilUsesHelmValues": false,
                "podMonitorSelectorNilUsesHelmValues": false,
                "retention": "7d",
                "resources": { "requests": { "cpu": "250m", "memory": "1Gi" }, "limits": { "memory": "2Gi" } },
                "storageSpec": { "volumeClaimTemplate": { "spec": {
                    "storageClassName": storage_class(platform),
                    "accessModes": ["ReadWriteOnce"],
                    "resources": { "requests": { "storage": "20Gi" } },
                } } },
            },
        },
        "alertmanager": { "alertmanagerSpec": { "resources": small() } },
        "grafana": {
            "enabled": obs.grafana,
            "defaultDashboardsTimezone": "browser",
            "sidecar": {
                "datasources": { "uid": PROMETHEUS_UID },
                "dashboards": {
                    "enabled": true,
                    "label": "grafana_dashboard",
                    "labelValue": "1",
                    "searchNamespace": [platform.namespace],
                    "folderAnnotation": "grafana_folder",
                },
            },
            "additionalDataSources": datasources,
            "resources": small(),
        },
    })
}

fn loki(platform: &Platform) -> Value {
    json!({
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": false,
            "commonConfig": { "replication_factor": 1 },
            "storage": { "type": "filesystem" },
            "schemaConfig": { "configs": [{
                "from": "2024-01-01",
                "store": "tsdb",
                "object_store": "filesystem",
                "schema": "v13",
                "index": { "prefix": "index_", "period": "24h" },
            }] },
            "limits_config": { "retention_period": "168h" },
            "compactor": { "retention_enabled": true, "delete_request_store": "filesystem" },
        },
        "singleBinary": {
            "replicas": 1,
            "resources": small(),
            "persistence": { "enabled": true, "storageClass": storage_class(platform), "size": "20Gi" },
        },
        "read": { "replicas": 0 },
        "write": { "replicas": 0 },
        "backend": { "replicas": 0 },
        "gateway": { "enabled": false },
        "chunksCache": { "enabled": false },
        "resultsCache": { "enabled": false },
        "lokiCanary": { "enabled": false },
        "test": { "enabled": false },
    })
}

fn tempo(platform: &Platform) -> Value {
    json!({
        "tempo": {
            "retention": "72h",
            "resources": small(),
            "receivers": { "otlp": { "protocols": {
                "grpc": { "endpoint": format!("0.0.0.0:{}", OTLP_PORTS[0]) },
                "http": { "endpoint": format!("0.0.0.0:{}", OTLP_PORTS[1]) },
            } } },
        },
        "persistence": { "enabled": true, "storageClassName": storage_class(platform), "size": "10Gi" },
    })
}

fn promtail() -> Value {
    json!({
        "config": { "clients": [{ "url": format!("{LOKI_URL}/loki/api/v1/push") }] },
        "resources": small(),
    })
}

/// Base values of an observability add-on (`None` for any other add-on).
pub fn values(platform: &Platform, obs: &Observability, addon: &str) -> Option<Value> {
    match addon {
        KUBE_PROMETHEUS_STACK => Some(kube_prometheus_stack(platform, obs)),
        LOKI => Some(loki(platform)),
        TEMPO => Some(tempo(platform)),
        PROMTAIL => Some(promtail()),
        _ => None,
    }
}

/// What environment `env` sizes differently: retention and volume sizes.
pub fn env_values(obs: &Observability, addon: &str, env: EnvId) -> Option<Value> {
    match addon {
        KUBE_PROMETHEUS_STACK => Some(json!({ "prometheus": { "prometheusSpec": {
            "retention": format!("{}d", obs.metrics.retention_days.get(env)),
            "storageSpec": { "volumeClaimTemplate": { "spec": { "resources": { "requests": {
                "storage": format!("{}Gi", obs.metrics.storage_gb.get(env)),
            } } } } },
        } } })),
        LOKI => obs.logs.as_ref().map(|l| json!({
            "loki": { "limits_config": { "retention_period": format!("{}h", l.retention_days.get(env) * 24) } },
            "singleBinary": { "persistence": { "size": format!("{}Gi", l.storage_gb.get(env)) } },
        })),
        TEMPO => obs.traces.as_ref().map(|t| json!({
            "tempo": { "retention": format!("{}h", t.retention_days.get(env) * 24) },
            "persistence": { "size": format!("{}Gi", t.storage_gb.get(env)) },
        })),
        _ => None,
    }
}
