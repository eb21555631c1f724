//! `infrastructure.yml`: Terraform plan and apply, one environment root at a
//! time.
//!
//! A pull request touching `terraform/**` plans every environment (read-only,
//! without the state lock, so a preview never blocks an apply) and shows the
//! plan in the run summary (sensitive values masked). A manual run
//! plans the chosen environment and, when asked to apply, applies exactly the
//! saved plan in a job that runs in the environment's GitHub Environment, so
//! its protection rules (reviewers where the spec sets `approval`) gate it.
//! Terraform needs only the environment's name, so the dispatch jobs take it
//! from the input rather than being repeated per environment.

use serde_json::{Value, json};

use super::actions::{DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT};
use super::cloud;
use super::environments::{Logins, identity_notes, protection_notes, terraform_root};
use super::steps::{checkout, setup_terraform, terraform_init};
use super::workflow::{Cancel, CheckovSkip, Job, Workflow, concurrency};
use crate::model::Platform;

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    let names: Vec<&str> = platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let first = names.first()?;

    let mut notes = vec![
        "Terraform plan/apply per environment root (terraform/environments/<env>).".to_string(),
        "Pull requests touching terraform/** plan every environment. Run it by hand to plan one".to_string(),
        "environment, or to apply: apply runs in the environment's GitHub Environment and applies".to_string(),
        "exactly the plan saved by the plan job of the same run (dispatch it from the environment's".to_string(),
        "deploy branch: plans run as that branch's OIDC subject).".to_string(),
        String::new(),
    ];
    notes.extend(protection_notes(platform));
    notes.push(String::new());
    notes.extend(identity_notes(
        platform,
        &[Logins::PullRequests, Logins::Environments, Logins::Branches],
    ));

    Some(Workflow {
        file: "infrastructure.yml",
        name: "infrastructure",
        notes,
        on: json!({
            "workflow_dispatch": {
                "inputs": {
                    "environment": {
                        "description": "Environment whose Terraform root to plan or apply",
                        "required": true,
                        "type": "choice",
                        "options": names,
                        "default": first,
                    },
                    "action": {
                        "description": "plan only, or plan and apply the saved plan",
                        "required": true,
                        "type": "choice",
                        "options": ["plan", "apply"],
                        "default": "plan",
                    },
                },
            },
            "pull_request": {"paths": ["terraform/**"]},
        }),
        // One manual run per environment at a time, held from plan to apply
        // (a job-level group would be released between them); pull request
        // runs queue per pull request.
        concurrency: Some(concurrency(
            "infrastructure-${{ inputs.environment || github.ref }}",
            Cancel::Never,
        )),
        jobs: vec![
            (
                "plan-pull-request".into(),
                pull_request_plan(platform, &names),
            ),
            ("plan".into(), dispatch_plan(platform)),
            ("apply".into(), apply(platform)),
        ],
        skips: vec![CheckovSkip {
            after_line: "  workflow_dispatch:",
            indent: 4,
            check: "CKV_GHA_7",
            reason:
                "not a build: the inputs only choose among the spec's environments and plan/apply"
                    .into(),
        }],
    })
}

fn terraform_job_env(
    platform: &Platform,
    root: String,
    environment: &str,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("ENVIRONMENT".to_string(), environment.to_string()),
        ("TF_ROOT".to_string(), root),
    ];
    env.extend(
        cloud::terraform_env(platform)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    env
}

fn plan_steps(platform: &Platform, lock: bool) -> Vec<Value> {
    let lock_flag = if lock {
        "-lock-timeout=10m"
    } else {
        "-lock=false"
    };
    vec![
        checkout(),
        cloud::login_step(platform),
        setup_terraform(),
        terraform_init(),
        json!({
            "name": "Terraform plan",
            "run": format!("terraform -chdir=\"$TF_ROOT\" plan -input=false {lock_flag} -out=tfplan\n"),
        }),
        json!({
            "name": "Plan summary",
            "run": "{\n  \
                    echo \"### terraform plan: $ENVIRONMENT\"\n  \
                    echo\n  \
                    echo '<details><summary>Plan</summary>'\n  \
                    echo\n  \
                    echo '```'\n  \
                    terraform -chdir=\"$TF_ROOT\" show -no-color tfplan\n  \
                    echo '```'\n  \
                    echo '</details>'\n\
                    } >> \"$GITHUB_STEP_SUMMARY\"\n",
        }),
    ]
}

/// A saved plan embeds the prior state, sensitive values included, and
/// artifacts are readable by everyone who can read the repository: only the
/// plan an apply needs is kept, and only for a day.
fn upload_plan(name: &str) -> Value {
    json!({
        "name": "Keep the plan for the apply job",
        "uses": UPLOAD_ARTIFACT.uses(),
        "with": {
            "name": name,
            "path": "${{ env.TF_ROOT }}/tfplan",
            "retention-days": 1,
            "if-no-files-found": "error",
        },
    })
}

fn pull_request_plan(platform: &Platform, names: &[&str]) -> Job {
    let mut job = Job::new("plan (${{ matrix.environment }})", 30);
    job.condition = Some("github.event_name == 'pull_request'".into());
    job.id_token = true;
    job.strategy = Some(json!({"fail-fast": false, "matrix": {"environment": names}}));
    job.env = terraform_job_env(
        platform,
        terraform_root("${{ matrix.environment }}"),
        "${{ matrix.environment }}",
    );
    job.steps = plan_steps(platform, false);
    job
}

fn dispatch_plan(platform: &Platform) -> Job {
    let mut job = Job::new("plan (${{ inputs.environment }})", 30);
    job.condition = Some("github.event_name == 'workflow_dispatch'".into());
    job.id_token = true;
    job.env = terraform_job_env(
        platform,
        terraform_root("${{ inputs.environment }}"),
        "${{ inputs.environment }}",
    );
    job.steps = plan_steps(platform, true);
    job.steps
        .push(upload_plan("tfplan-${{ inputs.environment }}"));
    job
}

fn apply(platform: &Platform) -> Job {
    let mut job = Job::new("apply (${{ inputs.environment }})", 60);
    job.needs = vec!["plan".into()];
    job.condition =
        Some("github.event_name == 'workflow_dispatch' && inputs.action == 'apply'".into());
    job.environment = Some("${{ inputs.environment }}".into());
    job.id_token = true;
    job.env = terraform_job_env(
        platform,
        terraform_root("${{ inputs.environment }}"),
        "${{ inputs.environment }}",
    );
    job.steps = vec![
        checkout(),
        cloud::login_step(platform),
        setup_terraform(),
        terraform_init(),
        json!({
            "name": "Download the reviewed plan",
            "uses": DOWNLOAD_ARTIFACT.uses(),
            "with": {"name": "tfplan-${{ inputs.environment }}", "path": "${{ env.TF_ROOT }}"},
        }),
        json!({
            "name": "Terraform apply (the saved plan only)",
            "run": "terraform -chdir=\"$TF_ROOT\" apply -input=false -lock-timeout=10m tfplan\n",
        }),
    ];
    job
}
