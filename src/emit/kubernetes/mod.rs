//! Kubernetes manifests: a kustomize base and one overlay per environment,
//! plus the values files of the cluster add-ons.
//!
//! ```text
//! kubernetes/base/kustomization.yaml       resources + each service's config generator
//! kubernetes/base/namespace.yaml           restricted Pod Security (+ the observability stack's)
//! kubernetes/base/network-policies.yaml    default deny, DNS, pod-to-pod edges
//! kubernetes/base/secret-store.yaml        ClusterSecretStore (External Secrets only)
//! kubernetes/base/<service>.yaml           every object of one service
//! kubernetes/base/data/…                   in-cluster data services ([`crate::emit::in_cluster`])
//! kubernetes/base/observability/…          monitors, SLO rules, dashboards ([`crate::emit::observability`])
//! kubernetes/overlays/<env>/kustomization.yaml   per-environment values, deploy values
//! kubernetes/overlays/<env>/deploy-values.env    placeholders, overwritten by the deploy workflow
//! kubernetes/overlays/<env>/network-policies.yaml  data-service egress (CIDRs per environment)
//! kubernetes/addons/<addon>/values.yaml    Helm values of each add-on
//! ```
//!
//! A fixed handful of files plus one per service and three per environment,
//! so a thousand services stay a thousand files. The base carries the first
//! environment's value wherever values differ, so every base file is a
//! complete, valid manifest; every overlay restates each value that differs.
//!
//! The in-cluster data services and the observability resources have emitters
//! of their own, each writing a kustomize directory under the base; this
//! module lists those directories as resources of the base and puts their
//! per-environment patches into the overlays, so one `kubectl apply -k`
//! deploys everything.

mod addons;
mod autoscaling;
mod checkov;
mod cloud;
mod config;
mod deploy_values;
mod identity;
mod ingress;
mod meta;
mod namespace;
mod network_policy;
mod overlay;
mod secrets;
mod service;
mod workload;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use serde_json::{Value, json};

use super::File;
use super::yaml::{to_yaml, to_yaml_docs};
use crate::model::{Platform, Service};
use deploy_values::Target;

pub use deploy_values::CONFIG_MAP as DEPLOY_VALUES_CONFIG_MAP;

const BASE: &str = "kubernetes/base";

/// Services from which the per-service loops run on every core.
pub(crate) const PER_SERVICE_MIN: usize = 32;

/// Every object of one service, in apply order, and the deploy values they need.
fn service_objects(platform: &Platform, service: &Service) -> (Vec<Value>, Vec<Target>) {
    let mut docs = Vec::new();
    let (account, mut targets) = identity::service_account(platform, service);
    docs.push(account);
    if let Some((secret, t)) = secrets::service_secret(platform, service) {
        docs.push(secret);
        targets.extend(t);
    }
    docs.push(workload::workload(platform, service));
    docs.extend(service::service(platform, service));
    docs.extend(ingress::ingress(platform, service));
    docs.extend(autoscaling::hpa(platform, service));
    docs.extend(autoscaling::pdb(platform, service));
    (docs, targets)
}

/// A directory of the base, relative to the base (`kubernetes/base/data` → `data`).
fn dir_name(dir: &str) -> String {
    dir.strip_prefix(BASE)
        .unwrap_or(dir)
        .trim_start_matches('/')
        .to_string()
}

/// The Kubernetes tree of one platform.
pub fn emit(platform: &Platform) -> Vec<File> {
    if platform.environments.is_empty() {
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut targets = Vec::new();
    let mut resources = vec![
        "namespace.yaml".to_string(),
        "network-policies.yaml".to_string(),
    ];
    files.push(File::new(
        platform,
        format!("{BASE}/namespace.yaml"),
        to_yaml_docs(&namespace::namespaces(platform)),
    ));
    files.push(File::new(
        platform,
        format!("{BASE}/network-policies.yaml"),
        to_yaml_docs(&network_policy::base(platform)),
    ));
    if let Some((store, t)) = secrets::cluster_secret_store(platform) {
        resources.push("secret-store.yaml".into());
        files.push(File::new(
            platform,
            format!("{BASE}/secret-store.yaml"),
            to_yaml(&store),
        ));
        targets.extend(t);
    }
    let data = super::in_cluster::emit(platform);
    if !data.is_empty() {
        resources.push(dir_name(super::in_cluster::DIR));
        files.extend(data);
    }
    if let Some(obs) = &platform.observability {
        resources.push(dir_name(super::observability::DIR));
        files.extend(super::observability::emit(platform, obs));
    }
    let per_service = crate::parallel::map(&platform.services, PER_SERVICE_MIN, |service| {
        let (docs, t) = service_objects(platform, service);
        let file = format!("{}.yaml", service.name);
        let body = File::new(platform, format!("{BASE}/{file}"), to_yaml_docs(&docs));
        (file, body, t)
    });
    for (file, body, t) in per_service {
        targets.extend(t);
        files.push(body);
        resources.push(file);
    }
    let generators: Vec<Value> = platform
        .services
        .iter()
        .filter_map(|s| config::base_generator(platform, s))
        .collect();
    let mut kustomization = serde_json::Map::new();
    kustomization.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    kustomization.insert("kind".into(), json!("Kustomization"));
    kustomization.insert("resources".into(), json!(resources));
    if !generators.is_empty() {
        kustomization.insert("configMapGenerator".into(), Value::Array(generators));
    }
    files.push(File::new(
        platform,
        format!("{BASE}/kustomization.yaml"),
        to_yaml(&Value::Object(kustomization)),
    ));
    for env in &platform.environments {
        files.extend(overlay::files(platform, env, &targets));
    }
    files.extend(addons::files(platform));
    files
}
