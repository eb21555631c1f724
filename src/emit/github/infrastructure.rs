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
use super::vault_access;
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
    notes.extend(vault_access::notes(platform));

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
    env.extend(vault_access::job_env(platform));
    env
}

/// Checkout, login (and the runner's admission to the vault firewall, where
/// Terraform needs it), Terraform set up and initialised.
fn terraform_steps(platform: &Platform) -> Vec<Value> {
    let mut steps = vec![checkout(), cloud::login_step(platform)];
    steps.extend(vault_access::admit_step(platform));
    steps.extend([setup_terraform(), terraform_init()]);
    steps
}

/// Which plan a job makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// A preview: no state lock, and the whole tree's formatting checked.
    PullRequest,
    /// The plan an apply may follow: taken under the state lock.
    Dispatch,
}

fn plan_steps(platform: &Platform, plan: Plan) -> Vec<Value> {
    let lock_flag = match plan {
        Plan::Dispatch => "-lock-timeout=10m",
        Plan::PullRequest => "-lock=false",
    };
    let mut steps = terraform_steps(platform);
    if plan == Plan::PullRequest {
        // Before init, so nothing init writes is checked.
        let init = steps.len().saturating_sub(1);
        steps.insert(
            init,
            json!({
                "name": "Terraform format",
                "run": "terraform fmt -check -recursive -diff terraform\n",
            }),
        );
    }
    steps.extend([
        json!({
            "name": "Terraform validate",
            "run": "terraform -chdir=\"$TF_ROOT\" validate -no-color\n",
        }),
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
    ]);
    steps
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
    job.steps = plan_steps(platform, Plan::PullRequest);
    job.steps.extend(vault_access::remove_steps(platform));
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
    job.steps = plan_steps(platform, Plan::Dispatch);
    job.steps
        .push(upload_plan("tfplan-${{ inputs.environment }}"));
    job.steps.extend(vault_access::remove_steps(platform));
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
    job.steps = terraform_steps(platform);
    job.steps.extend([
        json!({
            "name": "Download the reviewed plan",
            "uses": DOWNLOAD_ARTIFACT.uses(),
            "with": {"name": "tfplan-${{ inputs.environment }}", "path": "${{ env.TF_ROOT }}"},
        }),
        json!({
            "name": "Terraform apply (the saved plan only)",
            "run": "terraform -chdir=\"$TF_ROOT\" apply -input=false -lock-timeout=10m tfplan\n",
        }),
    ]);
    job.steps.extend(vault_access::first_apply_step(platform));
    job.steps.extend(vault_access::remove_steps(platform));
    job
}
