//! Inline checkov skips: every policy the generated manifests do not follow
//! says why, next to the object (DESIGN principle 4).
//!
//! checkov reads `checkov.io/skip<N>: <check>=<reason>` annotations of an
//! object in both its kubernetes and kustomize frameworks.

use serde_json::{Map, Value, json};

use crate::model::{EnvValue, Platform, SecretsBackend, Service, ServiceKind};

/// The highest UID checkov's CKV_K8S_40 still calls "low".
const LOW_UID_LIMIT: u32 = 10_000;

/// Checks a workload does not follow, each with its one-line reason.
pub fn workload_skips(platform: &Platform, service: &Service) -> Vec<(&'static str, String)> {
    let mut skips = vec![(
        "CKV_K8S_43",
        "image is pinned to the commit-SHA tag the deploy workflow built and pushed; its digest is not known when manifests are generated".to_string(),
    )];
    if service
        .env
        .iter()
        .any(|e| matches!(e.value, EnvValue::Secret { .. }))
    {
        let source = match platform.delivery.secrets {
            SecretsBackend::ExternalSecrets => "synced from the vault by External Secrets",
            SecretsBackend::Csi => "synced from the vault by the Secrets Store CSI driver",
        };
        skips.push((
            "CKV_K8S_35",
            format!("the service reads its secrets from environment variables; the Secret is {source} and never stored in git"),
        ));
    }
    if service.run_as_user < LOW_UID_LIMIT {
        skips.push((
            "CKV_K8S_40",
            format!(
                "runs as UID {} as the spec declares (non-root, restricted Pod Security)",
                service.run_as_user
            ),
        ));
    }
    if service.needs_kubernetes_api {
        skips.push((
            "CKV_K8S_38",
            "the spec declares that the service talks to the Kubernetes API, which needs its service-account token".to_string(),
        ));
    }
    let long_running = !matches!(service.kind, ServiceKind::CronJob { .. });
    if long_running && service.probe.is_none() && service.port.is_none() {
        let reason = "the worker serves no port and the spec declares no probe; Kubernetes restarts it when its process exits".to_string();
        skips.push(("CKV_K8S_8", reason.clone()));
        skips.push(("CKV_K8S_9", reason));
    }
    skips
}

/// The annotations carrying `skips`.
pub fn annotations(skips: &[(&str, String)]) -> Map<String, Value> {
    skips
        .iter()
        .enumerate()
        .map(|(i, (check, reason))| {
            (
                format!("checkov.io/skip{}", i + 1),
                json!(format!("{check}={reason}")),
            )
        })
        .collect()
}
