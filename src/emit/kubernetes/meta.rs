//! Names, labels and object metadata shared by every Kubernetes object.
//!
//! One place decides how a workload is labelled and selected, so the
//! Deployment selector, the Service selector, the NetworkPolicy peers and the
//! PDB/topology selectors can never drift apart.

use serde_json::{Map, Value, json};

use crate::model::{EnvId, PerEnv, Platform, Service};

/// Label every selector matches on: one workload per value.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Annotation saying why an object loosens a default (DESIGN principle 4).
pub const REASON_ANNOTATION: &str = "platc/reason";

/// Value committed wherever the deploy workflow fills in the real one
/// (deploy values, image registry and tag).
pub const PLACEHOLDER: &str = "set-by-deploy";

/// Labels put on every object of `name` (and on its pods).
pub fn labels(platform: &Platform, name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(NAME_LABEL.into(), json!(name));
    m.insert("app.kubernetes.io/part-of".into(), json!(platform.name));
    m.insert("app.kubernetes.io/managed-by".into(), json!("platc"));
    m
}

/// The selector of a workload's pods.
pub fn selector(name: &str) -> Value {
    json!({ NAME_LABEL: name })
}

/// `metadata` of a namespaced object with the standard labels.
pub fn metadata(platform: &Platform, name: &str, labelled_as: &str) -> Value {
    json!({
        "name": name,
        "namespace": platform.namespace,
        "labels": labels(platform, labelled_as),
    })
}

/// Name of the ConfigMap holding a service's plain environment variables.
pub fn config_map_name(service: &Service) -> String {
    format!("{}-config", service.name)
}

/// Name of the Kubernetes Secret (and of the ExternalSecret or
/// SecretProviderClass that fills it) holding a service's vault secrets.
pub fn secret_name(service: &Service) -> String {
    format!("{}-secrets", service.name)
}

/// Name of the service account a service's pods run as: the identity's
/// (the cloud's federated credential names it) or the service's own.
pub fn service_account_name(service: &Service) -> &str {
    match &service.identity {
        Some(identity) => &identity.service_account,
        None => &service.name,
    }
}

/// The value the kustomize base carries for a per-environment value: the
/// first environment's. Overlays restate every value that is not uniform.
pub fn base_value<T>(value: &PerEnv<T>) -> &T {
    value.get(EnvId(0))
}

/// Whether a per-environment value must be restated in every overlay.
pub fn varies<T: PartialEq>(value: &PerEnv<T>) -> bool {
    value.uniform().is_none()
}
