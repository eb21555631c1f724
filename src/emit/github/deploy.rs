//! `deploy.yml`: each environment deploys its kustomize overlay from its
//! branch, in promotion order.
//!
//! A job per environment, run when the pushed (or dispatched) ref is the
//! environment's branch and inside the environment's GitHub Environment, so
//! the spec's approvals gate it. The job writes the overlay's deploy-values
//! file (the handshake of `model::deploy_env`: one `key=value` line per
//! Terraform deploy value, plus the image tag, this commit's SHA), waits
//! until ci.yml has pushed this commit's images, records the revision every
//! workload runs, applies the overlay and watches every rollout: the
//! StatefulSets of in-cluster data services, then the Deployments of the
//! services. If the apply or a rollout fails, every workload the deploy
//! changed returns to the revision it ran before (workloads it did not
//! change are left alone, so redeploying a commit never rolls back past it)
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

/// Longest wait for all workloads of an environment to roll out.
const ROLLOUT_SECONDS: u32 = 600;

/// Longest wait for the rolled-back workloads to be ready again.
const ROLLBACK_SECONDS: u32 = 300;

/// Where the job keeps the revisions the workloads ran before the apply.
const REVISIONS_FILE: &str = "$RUNNER_TEMP/revisions";

/// A shell function printing the revision number workload `$1`
/// (`deployment/<name>` or `statefulset/<name>`) runs, empty when it does
/// not exist. For a StatefulSet, `$2` says which one: `currentRevision`
/// (what its pods run) or `updateRevision` (what it is rolling out).
fn revision_function(workloads: &[String]) -> String {
    let mut out = String::from(
        "revision() {\n  \
         case \"$1\" in\n    \
         deployment/*)\n      \
         kubectl get \"$1\" --namespace \"$NAMESPACE\" --ignore-not-found \\\n        \
         --output jsonpath='{.metadata.annotations.deployment\\.kubernetes\\.io/revision}'\n      \
         ;;\n",
    );
    if workloads.iter().any(|w| w.starts_with("statefulset/")) {
        out.push_str(
            "    statefulset/*)\n      \
             name=\"$(kubectl get \"$1\" --namespace \"$NAMESPACE\" --ignore-not-found --output jsonpath=\"{.status.$2}\")\"\n      \
             if [ -n \"$name\" ]; then\n        \
             kubectl get controllerrevision \"$name\" --namespace \"$NAMESPACE\" --output jsonpath='{.revision}'\n      \
             fi\n      \
             ;;\n",
        );
    }
    out.push_str("  esac\n}\n");
    out
}

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
    let access = cloud::cluster_access_notes(platform);
    if !access.is_empty() {
        notes.push(String::new());
        notes.extend(access);
    }

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

/// Every workload with a rollout, as `kind/name`, in the order they are
/// awaited: the StatefulSets of in-cluster data services (the services
/// depend on them), then the Deployments the services run as (web servers
/// and workers; cron jobs have no rollout).
fn workloads(platform: &Platform) -> Vec<String> {
    let statefulsets = platform
        .in_cluster_data()
        .into_iter()
        .map(|(_, names)| format!("statefulset/{}", names.workload));
    let deployments = platform
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Web | ServiceKind::Worker))
        .map(|s| format!("deployment/{}", s.name));
    statefulsets.chain(deployments).collect()
}

fn job(platform: &Platform, env: &Environment, previous: Option<&Environment>) -> Job {
    let mut job = Job::new(format!("deploy ({})", env.name), 50);
    if let Some(prev) = previous {
        job.needs = vec![job_id(prev)];
    }
    job.condition = Some(format!("github.ref == '{}'", branch_ref(&env.branch)));
    job.environment = Some(env.name.clone());
    job.concurrency = Some(concurrency(format!("deploy-{}", env.name), Cancel::Never));
    job.id_token = true;
    let images: Vec<&str> = platform.services.iter().map(|s| s.image.as_str()).collect();
    let workloads = workloads(platform);
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
    if !workloads.is_empty() {
        job.steps.push(record_step(&workloads));
    }
    job.steps.push(json!({
        "name": "Apply the overlay",
        "id": "apply",
        "run": "kubectl apply -k \"$OVERLAY\"\n",
    }));
    if !workloads.is_empty() {
        job.steps.push(rollout_step(&workloads));
        job.steps.push(rollback_step(&workloads));
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
         for image in $IMAGES; do\n  \
         until {} > /dev/null 2>&1; do\n    \
         if [ \"$SECONDS\" -ge \"$deadline\" ]; then\n      \
         echo \"::error::$image:$GITHUB_SHA is not in registry $REGISTRY: did ci.yml push it?\"\n      \
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

/// Records `kind/name revision` (or `none`) per workload before the apply.
fn record_step(workloads: &[String]) -> Value {
    json!({
        "name": "Record the revisions running now",
        "env": {"WORKLOADS": workloads.join(" ")},
        "run": format!(
            "{}\
             : > \"{REVISIONS_FILE}\"\n\
             for workload in $WORKLOADS; do\n  \
             running=\"$(revision \"$workload\" currentRevision)\"\n  \
             echo \"$workload ${{running:-none}}\" >> \"{REVISIONS_FILE}\"\n\
             done\n\
             cat \"{REVISIONS_FILE}\"\n",
            revision_function(workloads)
        ),
    })
}

fn rollout_step(workloads: &[String]) -> Value {
    json!({
        "name": "Wait for the rollouts",
        "id": "rollout",
        "env": {
            "WORKLOADS": workloads.join(" "),
            "ROLLOUT_SECONDS": ROLLOUT_SECONDS.to_string(),
        },
        "run": "deadline=$((SECONDS + ROLLOUT_SECONDS))\n\
                failed=\"\"\n\
                for workload in $WORKLOADS; do\n  \
                remaining=$((deadline - SECONDS))\n  \
                if [ \"$remaining\" -lt 1 ]; then remaining=1; fi\n  \
                kubectl rollout status \"$workload\" --namespace \"$NAMESPACE\" --timeout \"${remaining}s\" \\\n    \
                || failed=\"$failed $workload\"\n\
                done\n\
                if [ -n \"$failed\" ]; then\n  \
                echo \"::error::Rollout did not complete in $ENVIRONMENT for:$failed\"\n  \
                exit 1\n\
                fi\n",
    })
}

/// After a failed apply or rollout: every workload whose revision changed
/// returns to the one recorded before the apply, and the job fails.
fn rollback_step(workloads: &[String]) -> Value {
    json!({
        "name": "Roll back what this deploy changed",
        "if": "failure() && (steps.apply.outcome == 'failure' || steps.rollout.outcome == 'failure')",
        "env": {"ROLLBACK_SECONDS": ROLLBACK_SECONDS.to_string()},
        "run": format!(
            "{}\
             rolled=\"\"\n\
             while read -r workload before; do\n  \
             now=\"$(revision \"$workload\" updateRevision)\"\n  \
             if [ \"$now\" = \"$before\" ]; then\n    \
             continue\n  \
             fi\n  \
             if [ \"$before\" = none ]; then\n    \
             echo \"::warning::$workload did not run before this deploy: no revision to return to\"\n    \
             continue\n  \
             fi\n  \
             if kubectl rollout undo \"$workload\" --namespace \"$NAMESPACE\" --to-revision \"$before\"; then\n    \
             rolled=\"$rolled $workload\"\n  \
             else\n    \
             echo \"::warning::$workload could not return to revision $before\"\n  \
             fi\n\
             done < \"{REVISIONS_FILE}\"\n\
             for workload in $rolled; do\n  \
             kubectl rollout status \"$workload\" --namespace \"$NAMESPACE\" --timeout \"${{ROLLBACK_SECONDS}}s\" \\\n    \
             || echo \"::warning::$workload is not ready after its rollback\"\n\
             done\n\
             echo \"::error::Deploy to $ENVIRONMENT failed; rolled back to the revisions running before:${{rolled:- nothing had changed}}\"\n\
             exit 1\n",
            revision_function(workloads)
        ),
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
        assert_eq!(
            rollout["env"]["WORKLOADS"],
            "deployment/jobs deployment/web"
        );
        let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
        let record = names
            .iter()
            .position(|n| *n == "Record the revisions running now");
        let apply = names.iter().position(|n| *n == "Apply the overlay");
        assert!(record.is_some() && record < apply, "{names:?}");
        let rollback = steps.last().expect("steps");
        assert_eq!(
            rollback["if"],
            "failure() && (steps.apply.outcome == 'failure' || steps.rollout.outcome == 'failure')"
        );
        let run = rollback["run"].as_str().unwrap_or("");
        assert!(run.contains("kubectl rollout undo \"$workload\" --namespace \"$NAMESPACE\" --to-revision \"$before\""));
        // Unchanged workloads are skipped.
        assert!(run.contains("if [ \"$now\" = \"$before\" ]; then\n    continue"));
    }

    #[test]
    fn in_cluster_data_rolls_out_first() {
        let text = std::fs::read_to_string("specs/shopmicro.kdl").expect("specs/shopmicro.kdl");
        let p = crate::compile_source("specs/shopmicro.kdl", &text).expect("shopmicro compiles");
        assert_eq!(
            workloads(&p),
            [
                "statefulset/cache",
                "statefulset/db",
                "deployment/backend",
                "deployment/frontend",
                "deployment/ml-service"
            ]
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
