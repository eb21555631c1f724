//! One kustomize overlay per environment: only what differs per environment.
//!
//! `kustomization.yaml` holds everything in one reviewable place: the base,
//! the environment's data-access NetworkPolicies, the deploy-values
//! ConfigMap, merges of per-environment config values, strategic-merge
//! patches (inline, one per object that differs) and the replacements that
//! carry deploy values into the manifests. Patches are inline rather than
//! files so that policy scanners reading every YAML file never see a partial
//! object as a manifest.

use serde_json::{Value, json};

use super::deploy_values::{self, Target};
use super::{autoscaling, config, ingress, network_policy, secrets, workload};
use crate::emit::File;
use crate::emit::yaml::{to_yaml, to_yaml_docs};
use crate::model::{Environment, IMAGE_TAG_KEY, Platform};

/// Name of the overlay's NetworkPolicy file.
const POLICY_FILE: &str = "network-policies.yaml";

/// The comment heading the overlay's kustomization: how deploy values arrive.
fn mechanism(platform: &Platform, env: &Environment) -> String {
    let dir = platform.overlay_dir(env);
    let file = platform.deploy_values_path(env);
    let root = format!("terraform/environments/{}", env.name);
    [
        format!("Environment {}: only what differs from ../../base.", env.name),
        String::new(),
        "Values known only after `terraform apply` (identity client ids, vault, tenant, registry)".into(),
        format!("and the image tag arrive through {}. The committed file holds", deploy_values::ENV_FILE),
        format!("placeholders ({}) so the overlay builds offline; the deploy workflow overwrites", super::meta::PLACEHOLDER),
        "it and applies:".into(),
        format!("  terraform -chdir={root} output -json \\"),
        "    | jq -r 'to_entries[] | select(.value.sensitive | not) | \"\\(.key)=\\(.value.value)\"' \\".into(),
        format!("    > {file}"),
        format!("  echo \"{IMAGE_TAG_KEY}=${{GITHUB_SHA}}\" >> {file}"),
        format!("  kubectl apply -k {dir}"),
        format!(
            "configMapGenerator turns the file into ConfigMap {} (no hash suffix);",
            deploy_values::CONFIG_MAP
        ),
        "`replacements` copy its keys into service-account annotations, secret-store parameters".into(),
        "and every service's image (<registry>/<image>:<tag>); containers read the others via configMapKeyRef.".into(),
    ]
    .iter()
    .map(|line| if line.is_empty() { "#\n".to_string() } else { format!("# {line}\n") })
    .collect()
}

/// The overlay files of one environment.
pub fn files(platform: &Platform, env: &Environment, targets: &[Target]) -> Vec<File> {
    let dir = platform.overlay_dir(env);
    let mut files = Vec::new();
    let mut resources = vec![json!("../../base")];
    let policies = network_policy::overlay(platform, env.id);
    if !policies.is_empty() {
        resources.push(json!(POLICY_FILE));
        files.push(File::new(
            platform,
            format!("{dir}/{POLICY_FILE}"),
            to_yaml_docs(&policies),
        ));
    }

    let mut generators = vec![deploy_values::generator(platform)];
    generators.extend(
        platform
            .services
            .iter()
            .filter_map(|s| config::overlay_generator(platform, s, env.id)),
    );

    let per_service = crate::parallel::map(&platform.services, super::PER_SERVICE_MIN, |service| {
        [
            workload::env_patch(platform, service, env.id),
            autoscaling::env_patch(platform, service, env.id),
            ingress::env_patch(platform, service, env.id),
            secrets::env_patch(platform, service, env.id),
        ]
        .into_iter()
        .flatten()
        .map(|p| json!({ "patch": to_yaml(&p) }))
        .collect::<Vec<_>>()
    });
    let mut patches: Vec<Value> = per_service.into_iter().flatten().collect();
    // The in-cluster data services' sizes, retention and vault names.
    patches.extend(
        crate::emit::in_cluster::overlay_patches(platform, env.id)
            .iter()
            .map(|p| json!({ "patch": to_yaml(p) })),
    );

    let mut kustomization = serde_json::Map::new();
    kustomization.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    kustomization.insert("kind".into(), json!("Kustomization"));
    kustomization.insert("resources".into(), Value::Array(resources));
    kustomization.insert("configMapGenerator".into(), Value::Array(generators));
    if !patches.is_empty() {
        kustomization.insert("patches".into(), Value::Array(patches));
    }
    let replacements = deploy_values::replacements(platform, targets);
    if !replacements.is_empty() {
        kustomization.insert("replacements".into(), Value::Array(replacements));
    }
    let body = format!(
        "{}{}",
        mechanism(platform, env),
        to_yaml(&Value::Object(kustomization))
    );
    files.push(File::new(
        platform,
        format!("{dir}/kustomization.yaml"),
        body,
    ));
    files.push(File::new(
        platform,
        platform.deploy_values_path(env),
        deploy_values::env_file(platform),
    ));
    files
}
