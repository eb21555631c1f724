//! Service accounts: one per service, bound to the service's cloud identity
//! when it has one.
//!
//! The binding is the cloud's annotation carrying the identity's client id
//! (a deploy value, copied in by the overlay) plus, on Azure, the pod label
//! in [`super::workload`]. The token is not mounted unless the service talks
//! to the Kubernetes API; the cloud's identity webhook projects its own.

use serde_json::{Value, json};

use super::cloud;
use super::deploy_values::Target;
use super::meta::{self, PLACEHOLDER};
use crate::model::{Platform, Service};

/// The ServiceAccount of a service and the deploy value its annotation needs.
pub fn service_account(platform: &Platform, service: &Service) -> (Value, Vec<Target>) {
    let name = meta::service_account_name(service);
    let mut metadata = meta::metadata(platform, name, &service.name);
    let mut targets = Vec::new();
    if let Some(identity) = &service.identity {
        let annotation = cloud::identity_binding(platform.cloud.kind).annotation;
        metadata["namespace"] = json!(identity.namespace);
        metadata["annotations"] = json!({ annotation: PLACEHOLDER });
        targets.push(Target::new(
            identity.client_id_key.clone(),
            "ServiceAccount",
            name,
            &format!("metadata.annotations.[{annotation}]"),
        ));
    }
    let account = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": service.needs_kubernetes_api,
    });
    (account, targets)
}
