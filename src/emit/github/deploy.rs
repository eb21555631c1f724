//! `deploy.yml`: each environment deploys its kustomize overlay from its
//! branch, in promotion order.
//!
//! A job per environment, run when the pushed (or dispatched) ref is the
//! environment's branch and inside the environment's GitHub Environment, so
//! the spec's approvals gate it. The job writes the overlay's deploy-values
//! file (the handshake of `model::deploy_env`: one `key=value` line per
//! Terraform deploy value, plus the image tag, this commit's SHA), waits
//! until ci.yml has pushed this commit's images, applies the overlay, and
//! watches every Deployment roll out; if one does not, all are rolled back
//! and the job fails.

use serde_json::{Value, json};

use super::cloud;
use super::environments::{
    Logins, branch_ref, deploy_branches, identity_notes, protection_notes, terraform_root,
};
use super::steps::{checkout, setup_terraform, terraform_init};
use super::workflow::{Cancel, Job, Workflow, concurrency};
use crate::model::{Environment, IMAGE_TAG_KEY, Platform, ServiceKind};

/// Longest wait for ci.yml to push the commit's images.
const IMAGE_WAIT_SECONDS: u32 = 1200;

/// Longest wait for all Deployments of an environment to roll out.
const ROLLOUT_SECONDS: u32 = 600;

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    let branches = deploy_branches(platform);
    if branches.is_empty() {
        return None;
    }
    let mut notes = vec![
        "Deploys each environment's overlay (kubernetes/overlays/<env>) from its branch:"
            .to_string(),
    ];
    for env in &platform.environments {
        notes.push(format!("  {} from {}", env.name, env.branch));
    }
    notes.extend([
        "Environments sharing a branch deploy in promotion order. Run it by hand to redeploy the"
            .to_string(),
        "environments of the branch it is dispatched on. Each job waits for ci.yml to push the"
            .to_string(),
        "commit's images, so the two workflows may start together.".to_string(),
        String::new(),
    ]);
    notes.extend(protection_notes(platform));
    notes.push(String::new());
    notes.extend(identity_notes(platform, &[Logins::Environments]));

    let mut jobs = Vec::new();
    for (i, env) in platform.environments.iter().enumerate() {
        let previous = platform.environments[..i]
            .iter()
            .rev()
            .find(|e| e.branch == env.branch);
        jobs.push((job_id(env), job(platform, env, previous)));
    }

    Some(Workflow {
        file: "deploy.yml",
        name: "deploy",
        notes,
        on: json!({
            "push": {"branches": branches},
            "workflow_dispatch": {},
        }),
        concurrency: None,
        jobs,
        skips: Vec::new(),
    })
}

fn job_id(env: &Environment) -> String {
    format!("deploy-{}", env.name)
}

/// Deployments the services run as (web servers and workers; cron jobs
/// have no rollout).
fn deployments(platform: &Platform) -> Vec<&str> {
    platform
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Web | ServiceKind::Worker))
        .map(|s| s.name.as_str())
        .collect()
}

fn job(platform: &Platform, env: &Environment, previous: Option<&Environment>) -> Job {
    let mut job = Job::new(format!("deploy ({})", env.name), 45);
    if let Some(prev) = previous {
        job.needs = vec![job_id(prev)];
    }
    job.condition = Some(format!("github.ref == '{}'", branch_ref(&env.branch)));
    job.environment = Some(env.name.clone());
    job.concurrency = Some(concurrency(format!("deploy-{}", env.name), Cancel::Never));
    job.id_token = true;
    let images: Vec<&str> = platform.services.iter().map(|s| s.image.as_str()).collect();
    let deployments = deployments(platform);
    job.env = vec![
        ("ENVIRONMENT".to_string(), env.name.clone()),
        ("TF_ROOT".to_string(), terraform_root(&env.name)),
        ("OVERLAY".to_string(), platform.overlay_dir(env)),
        (
            "DEPLOY_VALUES".to_string(),
            platform.deploy_values_path(env),
        ),
        (
            "CLUSTER_NAME".to_string(),
            platform.cluster.cloud_name.get(env.id).clone(),
        ),
        ("NAMESPACE".to_string(), platform.namespace.clone()),
        (
            "REGISTRY".to_string(),
            platform.delivery.registry.cloud_name.get(env.id).clone(),
        ),
    ];
    job.env.extend(
        cloud::terraform_env(platform)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );

    job.steps = vec![checkout(), cloud::login_step(platform)];
    job.steps.extend(cloud::kube_access_steps(platform));
    job.steps.extend([
        setup_terraform(),
        terraform_init(),
        deploy_values_step(platform),
    ]);
    if !images.is_empty() {
        job.steps.push(wait_for_images_step(platform, &images));
    }
    job.steps.push(json!({
        "name": "Apply the overlay",
        "run": "kubectl apply -k \"$OVERLAY\"\n",
    }));
    if !deployments.is_empty() {
        job.steps.push(rollout_step(&deployments));
        job.steps.push(rollback_step(&deployments));
    }
    job
}

/// Terraform outputs (non-sensitive: deploy values never are), the image
/// tag, and a check that every key the overlay reads is there.
fn deploy_values_step(platform: &Platform) -> Value {
    json!({
        "name": "Write the deploy values",
        "env": {
            "IMAGE_TAG_KEY": IMAGE_TAG_KEY,
            "DEPLOY_VALUE_KEYS": platform.deploy_env_keys().join(" "),
        },
        "run": "terraform -chdir=\"$TF_ROOT\" output -json \\\n  \
                | jq -r 'to_entries[] | select(.value.sensitive | not) | \"\\(.key)=\\(.value.value)\"' \\\n  \
                > \"$DEPLOY_VALUES\"\n\
                echo \"$IMAGE_TAG_KEY=$GITHUB_SHA\" >> \"$DEPLOY_VALUES\"\n\
                for key in $DEPLOY_VALUE_KEYS; do\n  \
                grep -q \"^$key=\" \"$DEPLOY_VALUES\" \\\n    \
                || { echo \"::error::$TF_ROOT has no output $key: apply the infrastructure first\"; exit 1; }\n\
                done\n",
    })
}

fn wait_for_images_step(platform: &Platform, images: &[&str]) -> Value {
    let run = format!(
        "deadline=$((SECONDS + WAIT_SECONDS))\n\
         for IMAGE in $IMAGES; do\n  \
         until {} > /dev/null 2>&1; do\n    \
         if [ \"$SECONDS\" -ge \"$deadline\" ]; then\n      \
         echo \"::error::$IMAGE:$GITHUB_SHA is not in registry $REGISTRY: did ci.yml push it?\"\n      \
         exit 1\n    \
         fi\n    \
         sleep 20\n  \
         done\n\
         done\n",
        cloud::image_exists_command(platform)
    );
    json!({
        "name": "Wait for this commit's images",
        "env": {"IMAGES": images.join(" "), "WAIT_SECONDS": IMAGE_WAIT_SECONDS.to_string()},
        "run": run,
    })
}

fn rollout_step(deployments: &[&str]) -> Value {
    json!({
        "name": "Wait for the rollouts",
        "id": "rollout",
        "env": {
            "DEPLOYMENTS": deployments.join(" "),
            "ROLLOUT_SECONDS": ROLLOUT_SECONDS.to_string(),
        },
        "run": "deadline=$((SECONDS + ROLLOUT_SECONDS))\n\
                failed=\"\"\n\
                for deployment in $DEPLOYMENTS; do\n  \
                remaining=$((deadline - SECONDS))\n  \
                if [ \"$remaining\" -lt 1 ]; then remaining=1; fi\n  \
                kubectl rollout status \"deployment/$deployment\" --namespace \"$NAMESPACE\" --timeout \"${remaining}s\" \\\n    \
                || failed=\"$failed $deployment\"\n\
                done\n\
                if [ -n \"$failed\" ]; then\n  \
                echo \"::error::Rollout did not complete in $ENVIRONMENT for:$failed\"\n  \
                exit 1\n\
                fi\n",
    })
}

fn rollback_step(deployments: &[&str]) -> Value {
    json!({
        "name": "Roll back every deployment",
        "if": "failure() && steps.rollout.outcome == 'failure'",
        "env": {"DEPLOYMENTS": deployments.join(" ")},
        "run": "for deployment in $DEPLOYMENTS; do\n  \
                kubectl rollout undo \"deployment/$deployment\" --namespace \"$NAMESPACE\" \\\n    \
                || echo \"::warning::deployment/$deployment has no earlier revision to return to\"\n\
                done\n\
                echo \"::error::Deploy to $ENVIRONMENT failed: every deployment was rolled back to its previous revision\"\n\
                exit 1\n",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;

    fn deploy() -> Workflow {
        workflow(&fixture::platform()).expect("deploy.yml")
    }

    #[test]
    fn environments_sharing_a_branch_deploy_in_promotion_order() {
        let w = deploy();
        let ids: Vec<&str> = w.jobs.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["deploy-dev", "deploy-staging", "deploy-production"]);
        assert!(w.jobs[0].1.needs.is_empty());
        assert_eq!(w.jobs[1].1.needs, ["deploy-dev"]);
        assert!(w.jobs[2].1.needs.is_empty());
        assert_eq!(
            w.jobs[2].1.condition.as_deref(),
            Some("github.ref == 'refs/heads/main'")
        );
        assert_eq!(w.jobs[2].1.environment.as_deref(), Some("production"));
    }

    #[test]
    fn web_services_and_workers_roll_out_and_roll_back() {
        let w = deploy();
        let steps = &w.jobs[0].1.steps;
        let rollout = steps
            .iter()
            .find(|s| s["id"] == "rollout")
            .expect("rollout step");
        assert_eq!(rollout["env"]["DEPLOYMENTS"], "jobs web");
        let rollback = steps.last().expect("steps");
        assert_eq!(
            rollback["if"],
            "failure() && steps.rollout.outcome == 'failure'"
        );
        assert!(
            rollback["run"]
                .as_str()
                .unwrap_or("")
                .contains("kubectl rollout undo")
        );
    }

    #[test]
    fn deploy_values_end_with_the_image_tag() {
        let p = fixture::platform();
        let w = workflow(&p).expect("deploy.yml");
        let step = w.jobs[0]
            .1
            .steps
            .iter()
            .find(|s| s["name"] == "Write the deploy values")
            .expect("step");
        let keys = step["env"]["DEPLOY_VALUE_KEYS"].as_str().unwrap_or("");
        assert!(keys.ends_with(IMAGE_TAG_KEY));
        assert!(w.jobs[0].1.env.contains(&(
            "DEPLOY_VALUES".to_string(),
            p.deploy_values_path(&p.environments[0])
        )));
    }
}
