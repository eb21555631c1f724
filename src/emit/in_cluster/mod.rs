//! In-cluster data services (`hosting in-cluster`): PostgreSQL and Redis as
//! single-replica StatefulSets on encrypted volumes, their credentials from
//! the vault, and the scheduled PostgreSQL dump.
//!
//! ```text
//! kubernetes/base/data/kustomization.yaml
//! kubernetes/base/data/storage-class.yaml   encrypted SSD class of the cloud (AWS: EBS gp3)
//! kubernetes/base/data/<data>.yaml          ServiceAccount, headless Service, ExternalSecret,
//!                                           StatefulSet (+ backup PVC, CronJob, NetworkPolicies)
//! ```
//!
//! Every name comes from [`crate::model::InClusterNames`], which the runbook
//! and the operations CLI read too. Per-environment values (volume sizes,
//! backup retention, vault secret names) carry the first environment's value
//! here; [`overlay_patches`] restates them for every environment.

mod backup;
mod workload;

use serde_json::{Value, json};

use super::File;
use super::yaml::{to_yaml, to_yaml_docs};
use crate::model::{CloudKind, DataService, EnvId, InClusterNames, Platform, SecretsBackend};

/// Directory of the in-cluster data resources, relative to the output root.
pub const DIR: &str = "kubernetes/base/data";

/// StorageClass of every volume the platform creates (data, backups, add-ons).
pub fn storage_class(platform: &Platform) -> &'static str {
    match platform.cloud.kind {
        CloudKind::Aws => "gp3-encrypted",
        // AKS's built-in premium class; Azure disks are encrypted at rest by default.
        CloudKind::Azure => "managed-csi-premium",
    }
}

/// The StorageClass object, when the platform defines its own (AWS).
fn storage_class_object(platform: &Platform) -> Option<Value> {
    match platform.cloud.kind {
        CloudKind::Aws => Some(json!({
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": storage_class(platform),
                "labels": labels(platform, storage_class(platform)),
            },
            "provisioner": "ebs.csi.aws.com",
            "parameters": { "type": "gp3", "encrypted": "true", "fsType": "ext4" },
            "reclaimPolicy": "Retain",
            "allowVolumeExpansion": true,
            "volumeBindingMode": "WaitForFirstConsumer",
        })),
        CloudKind::Azure => None,
    }
}

/// Standard labels (the Kubernetes emitter's: selectors match `app.kubernetes.io/name`).
pub(crate) fn labels(platform: &Platform, name: &str) -> Value {
    json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": platform.name,
        "app.kubernetes.io/managed-by": "platc",
    })
}

pub(crate) fn metadata(platform: &Platform, name: &str, labelled_as: &str) -> Value {
    json!({ "name": name, "namespace": platform.namespace, "labels": labels(platform, labelled_as) })
}

/// `checkov.io/skipN` annotations (checkov's inline skip syntax for manifests).
pub(crate) fn skips(list: &[(&str, &str)]) -> Value {
    let mut m = serde_json::Map::new();
    for (i, (check, reason)) in list.iter().enumerate() {
        m.insert(
            format!("checkov.io/skip{}", i + 1),
            json!(format!("{check}={reason}")),
        );
    }
    Value::Object(m)
}

/// The Secret holding a data service's credentials, synced from the vault.
fn credentials(
    platform: &Platform,
    data: &DataService,
    names: &InClusterNames,
    env: EnvId,
) -> Option<Value> {
    if platform.delivery.secrets != SecretsBackend::ExternalSecrets {
        return None;
    }
    let key = vault_key(data)?;
    Some(json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": metadata(platform, &names.credentials_secret, &names.workload),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": { "kind": "ClusterSecretStore", "name": platform.secret_store_name() },
            "target": { "name": names.credentials_secret, "creationPolicy": "Owner", "deletionPolicy": "Retain" },
            "data": [{ "secretKey": names.password_key, "remoteRef": { "key": platform.secret_name(env, &key) } }],
        },
    }))
}

/// The vault key of a data service's credential.
fn vault_key(data: &DataService) -> Option<String> {
    match &data.kind {
        crate::model::DataKind::Postgres(p) => Some(p.password_secret.clone()),
        crate::model::DataKind::Redis(r) => Some(r.access_key_secret.clone()),
        _ => None,
    }
}

/// Every object of one in-cluster data service, in apply order.
fn objects(platform: &Platform, data: &DataService, names: &InClusterNames) -> Vec<Value> {
    let first = EnvId(0);
    let mut docs = vec![
        workload::service_account(platform, &names.workload),
        workload::service(platform, names),
    ];
    docs.extend(credentials(platform, data, names, first));
    docs.extend(workload::init_config(platform, names));
    docs.push(workload::stateful_set(platform, data, names, first));
    if let Some(b) = &names.backup {
        docs.extend(backup::objects(platform, names, b, first));
    }
    docs
}

/// Every file of the platform's in-cluster data services (none without any).
pub fn emit(platform: &Platform) -> Vec<File> {
    let in_cluster = platform.in_cluster_data();
    if in_cluster.is_empty() {
        return Vec::new();
    }
    let mut resources = Vec::new();
    let mut files = Vec::new();
    if let Some(sc) = storage_class_object(platform) {
        resources.push("storage-class.yaml".to_string());
        files.push(File::new(
            platform,
            format!("{DIR}/storage-class.yaml"),
            to_yaml(&sc),
        ));
    }
    for (data, names) in &in_cluster {
        let file = format!("{}.yaml", data.name);
        files.push(File::new(
            platform,
            format!("{DIR}/{file}"),
            to_yaml_docs(&objects(platform, data, names)),
        ));
        resources.push(file);
    }
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    files.insert(
        0,
        File::new(
            platform,
            format!("{DIR}/kustomization.yaml"),
            to_yaml(&kustomization),
        ),
    );
    files
}

/// Patches restating every per-environment value of the data objects in
/// environment `env` (volume sizes, backup retention, vault names): kustomize
/// strategic-merge patches, one per object that differs from the base.
pub fn overlay_patches(platform: &Platform, env: EnvId) -> Vec<Value> {
    let mut out = Vec::new();
    for (data, names) in platform.in_cluster_data() {
        out.push(workload::stateful_set_patch(platform, data, &names, env));
        if let Some(secret) = credentials(platform, data, &names, env) {
            out.push(json!({
                "apiVersion": secret["apiVersion"],
                "kind": secret["kind"],
                "metadata": { "name": secret["metadata"]["name"], "namespace": platform.namespace },
                "spec": { "data": secret["spec"]["data"] },
            }));
        }
        if let Some(b) = &names.backup {
            out.extend(backup::patches(platform, b, env));
        }
    }
    out
}

#[cfg(test)]
mod tests;
