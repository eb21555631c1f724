//! `cluster-setup.yml`: installs the platform's cluster add-ons
//! ([`Platform::addons`]) into one environment's cluster, in order, with the
//! values files the Kubernetes emitter writes, and waits until each is ready.
//!
//! Add-ons that run under a cloud identity get its client id / role ARN from
//! the environment root's Terraform output named by the add-on's deploy-value
//! key (the same output the deploy workflow reads). One job per environment,
//! selected by the dispatch input, because each needs its cluster's name.

use serde_json::{Value, json};

use super::actions::SETUP_HELM;
use super::cloud;
use super::environments::{Logins, identity_notes, protection_notes, terraform_root};
use super::steps::{checkout, setup_terraform, terraform_init};
use super::workflow::{Cancel, CheckovSkip, Job, Workflow, concurrency};
use crate::model::{Addon, Environment, Platform};

/// Helm release the runners install (Helm 3: the add-on charts target it).
const HELM_VERSION: &str = "v3.17.0";

/// How long helm waits for each release's workloads to become ready.
const READY_TIMEOUT: &str = "10m";

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    let addons = platform.addons();
    if addons.is_empty() || platform.environments.is_empty() {
        return None;
    }
    let names: Vec<&str> = platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut notes = vec![
        "Installs the cluster add-ons into one environment's cluster, in this order:".to_string(),
    ];
    for a in &addons {
        notes.push(format!(
            "  {} (chart {} {} from {}) in namespace {}",
            a.name, a.chart, a.version, a.repository, a.namespace
        ));
    }
    notes.push(
        "Run it after the first apply of the environment's infrastructure and whenever".to_string(),
    );
    notes.push("an add-on's version or values file changes.".to_string());
    notes.push(String::new());
    notes.extend(protection_notes(platform));
    notes.push(String::new());
    notes.extend(identity_notes(platform, &[Logins::Environments]));
    let access = cloud::cluster_access_notes(platform);
    if !access.is_empty() {
        notes.push(String::new());
        notes.extend(access);
    }

    let jobs = platform
        .environments
        .iter()
        .map(|env| (format!("setup-{}", env.name), job(platform, env, &addons)))
        .collect();

    Some(Workflow {
        file: "cluster-setup.yml",
        name: "cluster-setup",
        notes,
        on: json!({
            "workflow_dispatch": {
                "inputs": {
                    "environment": {
                        "description": "Environment whose cluster to set up",
                        "required": true,
                        "type": "choice",
                        "options": names,
                        "default": names[0],
                    },
                },
            },
        }),
        concurrency: None,
        jobs,
        skips: vec![CheckovSkip {
            after_line: "  workflow_dispatch:",
            indent: 4,
            check: "CKV_GHA_7",
            reason: "not a build: the only input chooses among the spec's environments".into(),
        }],
    })
}

fn job(platform: &Platform, env: &Environment, addons: &[Addon]) -> Job {
    let mut job = Job::new(format!("add-ons ({})", env.name), 45);
    job.condition = Some(format!("inputs.environment == '{}'", env.name));
    job.environment = Some(env.name.clone());
    job.concurrency = Some(concurrency(
        format!("cluster-setup-{}", env.name),
        Cancel::Never,
    ));
    job.id_token = true;
    let needs_outputs = addons.iter().any(|a| a.identity.is_some());
    job.env = vec![(
        "CLUSTER_NAME".to_string(),
        platform.cluster.cloud_name.get(env.id).clone(),
    )];
    if needs_outputs {
        job.env.push(("TF_ROOT".into(), terraform_root(&env.name)));
        job.env.extend(
            cloud::terraform_env(platform)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v)),
        );
    }
    job.steps = vec![checkout(), cloud::login_step(platform)];
    job.steps.extend(cloud::kube_access_steps(platform));
    job.steps.push(json!({
        "name": "Set up Helm",
        "uses": SETUP_HELM.uses(),
        "with": {"version": HELM_VERSION},
    }));
    if needs_outputs {
        job.steps.push(setup_terraform());
        job.steps.push(terraform_init());
    }
    job.steps
        .extend(addons.iter().map(|a| install_step(platform, env, a)));
    job
}

fn install_step(platform: &Platform, environment: &Environment, addon: &Addon) -> Value {
    let mut env = json!({
        "RELEASE": addon.name,
        "CHART": addon.chart,
        "REPOSITORY": addon.repository,
        "VERSION": addon.version,
        "NAMESPACE": addon.namespace,
        "VALUES": addon.values_path,
        "READY_TIMEOUT": READY_TIMEOUT,
    });
    let mut install = "helm upgrade --install \"$RELEASE\" \"$CHART\" --repo \"$REPOSITORY\" --version \"$VERSION\" \\\n  \
                   --namespace \"$NAMESPACE\" --create-namespace -f \"$VALUES\" \\\n  "
        .to_string();
    // Per-environment sizing (retention, volumes) layered over the shared values.
    if let Some(path) = platform.addon_env_values_path(&addon.name, environment.id) {
        env_values(&mut install, &mut env, path);
    }
    let run = match &addon.identity {
        Some(identity) => {
            env["CLIENT_ID_OUTPUT"] = json!(identity.client_id_key);
            env["CLIENT_ID_VALUE"] = json!(identity.helm_value);
            format!(
                "client_id=\"$(terraform -chdir=\"$TF_ROOT\" output -raw \"$CLIENT_ID_OUTPUT\")\"\n\
                 {install}--set-string \"$CLIENT_ID_VALUE=$client_id\" \\\n  \
                 --wait --timeout \"$READY_TIMEOUT\"\n"
            )
        }
        None => format!("{install}--wait --timeout \"$READY_TIMEOUT\"\n"),
    };
    json!({
        "name": format!("Install {} {}", addon.name, addon.version),
        "env": env,
        "run": run,
    })
}

fn env_values(install: &mut String, env: &mut Value, path: String) {
    env["ENV_VALUES"] = json!(path);
    install.push_str("-f \"$ENV_VALUES\" \\\n  ");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;
    use crate::model::AddonIdentity;

    #[test]
    fn identity_addons_read_their_client_id_from_terraform() {
        let p = fixture::platform();
        let mut addons = p.addons();
        addons.push(Addon {
            name: "operator".into(),
            namespace: "operator".into(),
            chart: "operator".into(),
            repository: "https://charts.example.com".into(),
            version: "1.2.3".into(),
            values_path: "kubernetes/addons/operator/values.yaml".into(),
            identity: Some(AddonIdentity {
                service_account: "operator".into(),
                client_id_key: "operator_client_id".into(),
                helm_value: "serviceAccount.annotations.x\\.y/client-id".into(),
                cloud_name_stem: "op".into(),
            }),
        });
        let job = job(&p, &p.environments[0], &addons);
        let last = job.steps.last().expect("steps");
        assert_eq!(last["env"]["CLIENT_ID_OUTPUT"], "operator_client_id");
        let run = last["run"].as_str().unwrap_or("");
        assert!(run.contains("output -raw \"$CLIENT_ID_OUTPUT\""));
        assert!(run.contains("--set-string \"$CLIENT_ID_VALUE=$client_id\""));
        assert!(
            job.env
                .iter()
                .any(|(k, v)| k == "TF_ROOT" && v == "terraform/environments/dev")
        );
        assert!(job.steps.iter().any(|s| s["name"] == "Terraform init"));
    }

    #[test]
    fn addons_install_in_order_and_wait() {
        let p = fixture::platform();
        let w = workflow(&p).expect("cluster-setup.yml");
        let (id, job) = &w.jobs[2];
        assert_eq!(id, "setup-production");
        let installs: Vec<&str> = job
            .steps
            .iter()
            .filter_map(|s| s["env"]["RELEASE"].as_str())
            .collect();
        let expected: Vec<String> = p.addons().into_iter().map(|a| a.name).collect();
        assert_eq!(installs, expected);
        assert!(job.steps.iter().all(|s| s["env"]["RELEASE"].is_null()
            || s["run"].as_str().unwrap_or("").contains("--wait --timeout")));
    }
}
