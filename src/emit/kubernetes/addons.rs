//! Helm values of the cluster add-ons ([`Platform::addons`]).
//!
//! The cluster-setup workflow installs each chart at its pinned version with
//! `-f <values_path>` and sets the add-on's identity client id with
//! `--set-string <helm_value>=<client id>`; everything else the chart needs
//! from the platform is here, restricted-friendly where the chart allows.

use serde_json::{Value, json};

use super::cloud;
use crate::emit::File;
use crate::emit::observability::addons as observability;
use crate::emit::yaml::to_yaml;
use crate::model::{Addon, Platform};

/// Ingress controller replicas: as many as the most replicated exposed
/// service runs in the largest environment, at least two (one can restart
/// while the other serves), at most three.
fn ingress_replicas(platform: &Platform) -> u32 {
    platform
        .services
        .iter()
        .filter(|s| s.expose.is_some())
        .filter_map(|s| s.replicas.max().copied())
        .max()
        .unwrap_or(2)
        .clamp(2, 3)
}

fn ingress_nginx(platform: &Platform) -> Value {
    let class = platform.cluster.ingress.class_name();
    json!({
        "controller": {
            "replicaCount": ingress_replicas(platform),
            "minAvailable": 1,
            "ingressClass": class,
            "ingressClassResource": {
                "name": class,
                "enabled": true,
                "default": false,
                "controllerValue": "k8s.io/ingress-nginx",
            },
            "watchIngressWithoutClass": false,
            // Snippet annotations let an Ingress author inject nginx config.
            "allowSnippetAnnotations": false,
            "config": {
                "allow-snippet-annotations": "false",
                "server-tokens": "false",
                "ssl-redirect": "true",
                "hsts": "true",
            },
            "image": {
                "allowPrivilegeEscalation": false,
                "runAsNonRoot": true,
            },
            "resources": {
                "requests": { "cpu": "100m", "memory": "128Mi" },
                "limits": { "memory": "512Mi" },
            },
            "topologySpreadConstraints": [{
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": "ingress-nginx",
                        "app.kubernetes.io/instance": "ingress-nginx",
                        "app.kubernetes.io/component": "controller",
                    },
                },
            }],
            "metrics": { "enabled": true },
            "admissionWebhooks": { "enabled": true },
            "service": {
                // Keeps the client address for logs and rate limits.
                "externalTrafficPolicy": "Local",
                "annotations": cloud::ingress_load_balancer_annotations(platform.cloud.kind),
            },
        },
    })
}

fn external_secrets(platform: &Platform, addon: &Addon) -> Value {
    let account = addon
        .identity
        .as_ref()
        .map(|i| i.service_account.clone())
        .unwrap_or_else(|| addon.name.clone());
    let mut pod_labels = serde_json::Map::new();
    if let Some((key, value)) = cloud::identity_binding(platform.cloud.kind).pod_label {
        pod_labels.insert(key.into(), json!(value));
    }
    let small =
        json!({ "requests": { "cpu": "50m", "memory": "64Mi" }, "limits": { "memory": "256Mi" } });
    json!({
        "installCRDs": true,
        "serviceAccount": {
            "create": true,
            // The cloud identity's federated credential names this account;
            // the workflow sets its client-id annotation.
            "name": account,
        },
        "podLabels": pod_labels,
        "resources": small,
        "webhook": { "resources": small },
        "certController": { "resources": small },
    })
}

fn csi_provider() -> Value {
    json!({
        "linux": { "enabled": true },
        "windows": { "enabled": false },
        "secrets-store-csi-driver": {
            "install": true,
            "linux": { "enabled": true },
            "windows": { "enabled": false },
            // Services read their secrets as environment variables from the
            // Secret the driver syncs (SecretProviderClass secretObjects).
            "syncSecret": { "enabled": true },
            "enableSecretRotation": true,
            "rotationPollInterval": "2m",
        },
    })
}

/// The resource-metrics API the autoscalers read; two replicas so a node
/// drain never leaves every HPA blind.
fn metrics_server() -> Value {
    json!({
        "replicas": 2,
        "podDisruptionBudget": { "enabled": true, "minAvailable": 1 },
        "resources": {
            "requests": { "cpu": "100m", "memory": "200Mi" },
            "limits": { "memory": "400Mi" },
        },
    })
}

/// The values file of every add-on, and the per-environment values files of
/// those sized per environment ([`Platform::addon_env_values_path`]; the
/// observability stack's values come from [`crate::emit::observability::addons`]).
pub fn files(platform: &Platform) -> Vec<File> {
    let mut files = Vec::new();
    for addon in platform.addons() {
        let observability = platform
            .observability
            .as_ref()
            .and_then(|obs| observability::values(platform, obs, &addon.name));
        let values = match addon.name.as_str() {
            "ingress-nginx" => ingress_nginx(platform),
            "external-secrets" => external_secrets(platform, &addon),
            "csi-secrets-store-provider-azure" => csi_provider(),
            crate::model::METRICS_SERVER => metrics_server(),
            // An add-on this emitter has no settings for: the chart's defaults.
            _ => observability.unwrap_or_else(|| json!({})),
        };
        files.push(File::new(
            platform,
            addon.values_path.clone(),
            to_yaml(&values),
        ));
        for env in &platform.environments {
            let Some(path) = platform.addon_env_values_path(&addon.name, env.id) else {
                continue;
            };
            let values = platform
                .observability
                .as_ref()
                .and_then(|obs| observability::env_values(obs, &addon.name, env.id))
                .unwrap_or_else(|| json!({}));
            files.push(File::new(platform, path, to_yaml(&values)));
        }
    }
    files
}
