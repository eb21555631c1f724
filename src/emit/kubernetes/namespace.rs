//! Namespaces and their Pod Security Standard.
//!
//! The platform's namespace enforces `restricted` (and audits and warns on
//! it) at the cluster's Kubernetes version: every workload platc writes
//! passes it.
//!
//! The in-cluster observability stack (when the spec declares one) runs in
//! its own namespace, [`OBSERVABILITY_NAMESPACE`], and
//! cannot be restricted: its node agents read the node itself (the
//! Prometheus node exporter uses the host's network and PID namespaces and
//! mounts `/proc` and `/sys`; Promtail mounts the pods' log directories from
//! the host and reads them as root). Those are `privileged`-level features,
//! so that namespace enforces `privileged` while still auditing and warning
//! on `restricted`, and says why in the `platc/reason` annotation (DESIGN
//! principle 4). Nothing of the platform's own runs there.

use serde_json::{Value, json};

use super::meta::{self, REASON_ANNOTATION};
use crate::model::{OBSERVABILITY_NAMESPACE, Platform};

/// Why the observability namespace is not restricted.
const OBSERVABILITY_REASON: &str = "the LGTM stack's node agents need host access: the Prometheus node exporter uses the host network and PID namespaces and mounts /proc and /sys, Promtail mounts the pods' log directories from the host; enforce privileged, audit and warn on restricted";

fn namespace(platform: &Platform, name: &str, enforce: &str, reason: Option<&str>) -> Value {
    let version = format!("v{}", platform.cluster.kubernetes_version);
    let mut labels = meta::labels(platform, name);
    for (mode, level) in [
        ("enforce", enforce),
        ("audit", "restricted"),
        ("warn", "restricted"),
    ] {
        labels.insert(format!("pod-security.kubernetes.io/{mode}"), json!(level));
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}-version"),
            json!(version),
        );
    }
    let mut metadata = json!({ "name": name, "labels": labels });
    if let Some(reason) = reason {
        metadata["annotations"] = json!({ REASON_ANNOTATION: reason });
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata,
    })
}

/// The platform's namespace, then the observability stack's when there is one.
pub fn namespaces(platform: &Platform) -> Vec<Value> {
    let mut out = vec![namespace(platform, &platform.namespace, "restricted", None)];
    if platform.observability.is_some() && platform.namespace != OBSERVABILITY_NAMESPACE {
        out.push(namespace(
            platform,
            OBSERVABILITY_NAMESPACE,
            "privileged",
            Some(OBSERVABILITY_REASON),
        ));
    }
    out
}
