//! Observability manifests: what the LGTM stack reads from the platform.
//!
//! ```text
//! kubernetes/base/observability/kustomization.yaml     resources + one dashboard ConfigMap per dashboard
//! kubernetes/base/observability/network-policies.yaml  Prometheus scrapes in, traces out to Tempo
//! kubernetes/base/observability/monitors.yaml          ServiceMonitor / PodMonitor per service with metrics
//! kubernetes/base/observability/slo-rules.yaml         PrometheusRule: SLI recordings, SLO alerts
//! kubernetes/base/observability/dashboards/<name>.json Grafana dashboard models (reviewed as files)
//! ```
//!
//! The LGTM add-ons' Helm values are built here ([`addons::values`], and
//! [`addons::env_values`] for what each environment sizes differently); the
//! Kubernetes emitter writes them where every add-on's values go
//! ([`crate::model::Addon::values_path`],
//! [`crate::model::Platform::addon_env_values_path`]).
//!
//! The dashboards are committed as JSON files and turned into ConfigMaps by
//! kustomize (`configMapGenerator`), labelled `grafana_dashboard: "1"` for
//! the Grafana sidecar, so the reviewed file is byte for byte what Grafana
//! loads. The directory is a kustomize resource of the base.

pub mod addons;
pub mod dashboards;
pub mod monitors;
pub mod network;
pub mod rules;

use serde_json::{Value, json};

use super::File;
use super::yaml::{to_yaml, to_yaml_docs};
use crate::model::{Observability, Platform};

/// Directory of the observability resources, relative to the output root.
pub const DIR: &str = "kubernetes/base/observability";

/// Name of a dashboard's ConfigMap.
pub fn dashboard_config_map(name: &str) -> String {
    format!("grafana-dashboard-{name}")
}

fn kustomization(
    platform: &Platform,
    obs: &Observability,
    has_policies: bool,
    has_monitors: bool,
) -> Value {
    let mut resources = Vec::new();
    if has_policies {
        resources.push(json!("network-policies.yaml"));
    }
    if has_monitors {
        resources.push(json!("monitors.yaml"));
    }
    if !obs.slos.is_empty() {
        resources.push(json!("slo-rules.yaml"));
    }
    let generators: Vec<Value> = obs
        .dashboards
        .iter()
        .map(|d| {
            json!({
                "name": dashboard_config_map(&d.name),
                "files": [format!("{}.json=dashboards/{}.json", d.name, d.name)],
            })
        })
        .collect();
    json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": platform.namespace,
        "resources": resources,
        "generatorOptions": {
            "disableNameSuffixHash": true,
            "labels": {
                "grafana_dashboard": "1",
                "app.kubernetes.io/part-of": platform.name,
                "app.kubernetes.io/managed-by": "platc",
            },
        },
        "configMapGenerator": generators,
    })
}

/// Every observability file of a platform.
pub fn emit(platform: &Platform, obs: &Observability) -> Vec<File> {
    let monitors = monitors::monitors(platform);
    let policies = network::policies(platform, obs);
    let mut files = vec![File::new(
        platform,
        format!("{DIR}/kustomization.yaml"),
        to_yaml(&kustomization(
            platform,
            obs,
            !policies.is_empty(),
            !monitors.is_empty(),
        )),
    )];
    if !policies.is_empty() {
        files.push(File::new(
            platform,
            format!("{DIR}/network-policies.yaml"),
            to_yaml_docs(&policies),
        ));
    }
    if !monitors.is_empty() {
        files.push(File::new(
            platform,
            format!("{DIR}/monitors.yaml"),
            to_yaml_docs(&monitors),
        ));
    }
    if !obs.slos.is_empty() {
        files.push(File::new(
            platform,
            format!("{DIR}/slo-rules.yaml"),
            to_yaml(&rules::prometheus_rule(platform, obs)),
        ));
    }
    for (name, model) in dashboards::dashboards(platform, obs) {
        let mut text = serde_json::to_string_pretty(&model).unwrap_or_default();
        text.push('\n');
        files.push(File::new(
            platform,
            format!("{DIR}/dashboards/{name}.json"),
            text,
        ));
    }
    files
}

#[cfg(test)]
mod tests;
