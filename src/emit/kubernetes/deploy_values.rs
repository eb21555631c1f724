//! Values known only after `terraform apply` (and the image tag), carried
//! into the manifests by kustomize.
//!
//! Each overlay commits `deploy-values.env` with a placeholder per key so it
//! builds offline; the deploy workflow overwrites it before applying. A
//! `configMapGenerator` turns the file into the ConfigMap
//! `platform-deploy-values` (no hash suffix: its name is referenced), and
//! kustomize `replacements` copy each key into the fields that need it.
//! Containers read the rest through `configMapKeyRef`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::meta::{self, PLACEHOLDER};
use crate::model::{DeploySource, IMAGE_TAG_KEY, Platform, ServiceKind};

/// Name of the ConfigMap generated from `deploy-values.env`.
pub const CONFIG_MAP: &str = "platform-deploy-values";

/// File name of the deploy-values file inside an overlay.
pub const ENV_FILE: &str = "deploy-values.env";

/// One field a deploy value is copied into.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub key: String,
    select: Value,
    /// Objects of the selection left alone.
    reject: Option<Vec<Value>>,
    field_path: String,
    options: Option<Value>,
}

impl Target {
    /// The field `field_path` of the object `kind`/`name`.
    pub fn new(key: impl Into<String>, kind: &str, name: &str, field_path: &str) -> Self {
        Target {
            key: key.into(),
            select: json!({ "kind": kind, "name": name }),
            reject: None,
            field_path: field_path.into(),
            options: None,
        }
    }

    fn to_value(&self) -> Value {
        let mut t = json!({ "select": self.select });
        if let Some(reject) = &self.reject {
            t["reject"] = json!(reject);
        }
        t["fieldPaths"] = json!([self.field_path]);
        if let Some(options) = &self.options {
            t["options"] = options.clone();
        }
        t
    }
}

/// The committed `deploy-values.env` body: every key with a placeholder.
pub fn env_file(platform: &Platform) -> String {
    let mut body = String::from(
        "# Placeholders so the overlay builds offline. The deploy workflow overwrites this file\n\
         # with `terraform output` of this environment plus image_tag before `kubectl apply -k`.\n",
    );
    for key in platform.deploy_env_keys() {
        body.push_str(&format!("{key}={PLACEHOLDER}\n"));
    }
    body
}

/// The `configMapGenerator` entry of the deploy-values ConfigMap.
pub fn generator(platform: &Platform) -> Value {
    json!({
        "name": CONFIG_MAP,
        "namespace": platform.namespace,
        "envs": [ENV_FILE],
        "options": {
            "disableNameSuffixHash": true,
            "labels": meta::labels(platform, CONFIG_MAP),
        },
    })
}

/// Targets writing the registry login server and the image tag into every
/// service's image (`<registry>/<image>:<tag>`): every workload of the kinds
/// services use, less the other workloads of those kinds in the tree (the
/// backup jobs of in-cluster databases), which run public images that must
/// stay as they are. The tag goes first: the registry could carry a
/// `:port`, the placeholder registry does not.
fn image_targets(platform: &Platform) -> Vec<Target> {
    let registry = platform
        .deploy_values
        .iter()
        .find(|d| d.source == DeploySource::RegistryLoginServer)
        .map(|d| d.key.clone());
    let backups: Vec<String> = platform
        .in_cluster_data()
        .into_iter()
        .filter_map(|(_, names)| names.backup.map(|b| b.cronjob))
        .collect();
    let mut kinds: Vec<(&str, &str, &[String])> = Vec::new();
    if platform
        .services
        .iter()
        .any(|s| !matches!(s.kind, ServiceKind::CronJob { .. }))
    {
        kinds.push(("Deployment", "spec.template.spec.containers.*.image", &[]));
    }
    if platform
        .services
        .iter()
        .any(|s| matches!(s.kind, ServiceKind::CronJob { .. }))
    {
        kinds.push((
            "CronJob",
            "spec.jobTemplate.spec.template.spec.containers.*.image",
            &backups,
        ));
    }
    let mut out = Vec::new();
    let parts = [
        (Some(IMAGE_TAG_KEY.to_string()), ":", 1),
        (registry, "/", 0),
    ];
    for (key, delimiter, index) in parts {
        let Some(key) = key else { continue };
        for (kind, path, others) in &kinds {
            let reject = (!others.is_empty()).then(|| {
                others
                    .iter()
                    .map(|name| json!({ "kind": kind, "name": name }))
                    .collect()
            });
            out.push(Target {
                key: key.clone(),
                select: json!({ "kind": kind }),
                reject,
                field_path: (*path).into(),
                options: Some(json!({ "delimiter": delimiter, "index": index })),
            });
        }
    }
    out
}

/// The overlay's `replacements`: one per key, image tag and registry first,
/// then the other keys in key order.
pub fn replacements(platform: &Platform, targets: &[Target]) -> Vec<Value> {
    let image = image_targets(platform);
    let mut rest: Vec<&Target> = targets.iter().collect();
    rest.sort_by(|a, b| a.key.cmp(&b.key));
    let mut order: Vec<&str> = Vec::new();
    let mut by_key: BTreeMap<&str, Vec<&Target>> = BTreeMap::new();
    for t in image.iter().chain(rest) {
        let entry = by_key.entry(t.key.as_str()).or_default();
        if entry.is_empty() {
            order.push(&t.key);
        }
        entry.push(t);
    }
    order
        .iter()
        .filter_map(|key| {
            let targets = by_key.get(key)?;
            Some(json!({
                "source": { "kind": "ConfigMap", "name": CONFIG_MAP, "fieldPath": format!("data.{key}") },
                "targets": targets.iter().map(|t| t.to_value()).collect::<Vec<_>>(),
            }))
        })
        .collect()
}
