//! The platform's namespace, enforcing the restricted Pod Security Standard
//! (and auditing and warning on it) at the cluster's Kubernetes version.

use serde_json::{Value, json};

use super::meta;
use crate::model::Platform;

pub fn namespace(platform: &Platform) -> Value {
    let version = format!("v{}", platform.cluster.kubernetes_version);
    let mut labels = meta::labels(platform, &platform.namespace);
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            json!("restricted"),
        );
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}-version"),
            json!(version),
        );
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": platform.namespace, "labels": labels },
    })
}
