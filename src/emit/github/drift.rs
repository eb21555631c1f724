//! `drift.yml`: a daily `terraform plan` of every environment root that
//! fails when the live infrastructure no longer matches the committed one.
//!
//! `-detailed-exitcode` tells drift (2) from a clean plan (0) and an error
//! (1); `-lock=false` keeps the check from ever blocking an apply. The run
//! summary lists the drifted resources; the full plan is folded below it.

use serde_json::json;

use super::cloud;
use super::environments::{Logins, identity_notes, terraform_root};
use super::steps::{checkout, setup_terraform, terraform_init};
use super::vault_access;
use super::workflow::{Cancel, Job, Workflow, concurrency};
use crate::model::Platform;

/// Every day at 05:17 UTC (off the hour, when GitHub's scheduler is busiest).
const SCHEDULE: &str = "17 5 * * *";

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    let names: Vec<&str> = platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut notes = vec![
        "Daily drift detection: plans every environment root and fails the environment's job,"
            .to_string(),
        "with the drifted resources in the run summary, when the live infrastructure differs"
            .to_string(),
        "from the committed Terraform. Scheduled runs use the repository's default branch, which"
            .to_string(),
        "must be one of the deploy branches (its OIDC subject is trusted).".to_string(),
        String::new(),
    ];
    notes.extend(identity_notes(platform, &[Logins::Branches]));
    notes.extend(vault_access::notes(platform));

    let mut job = Job::new("drift (${{ matrix.environment }})", 30);
    job.id_token = true;
    job.concurrency = Some(concurrency(
        "drift-${{ matrix.environment }}",
        Cancel::Always,
    ));
    job.strategy = Some(json!({"fail-fast": false, "matrix": {"environment": names}}));
    job.env = vec![
        (
            "ENVIRONMENT".to_string(),
            "${{ matrix.environment }}".to_string(),
        ),
        (
            "TF_ROOT".to_string(),
            terraform_root("${{ matrix.environment }}"),
        ),
    ];
    job.env.extend(
        cloud::terraform_env(platform)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    job.env.extend(vault_access::job_env(platform));
    job.steps = vec![checkout(), cloud::login_step(platform)];
    job.steps.extend(vault_access::admit_step(platform));
    job.steps.extend([
        setup_terraform(),
        terraform_init(),
        json!({
            "name": "Detect drift",
            "run": "set +e\n\
                    terraform -chdir=\"$TF_ROOT\" plan -detailed-exitcode -lock=false -input=false -no-color \\\n  \
                    > \"$RUNNER_TEMP/plan.txt\" 2>&1\n\
                    code=$?\n\
                    set -e\n\
                    case \"$code\" in\n  \
                    0)\n    \
                    echo \"### $ENVIRONMENT: no drift\" >> \"$GITHUB_STEP_SUMMARY\"\n    \
                    ;;\n  \
                    2)\n    \
                    {\n      \
                    echo \"### $ENVIRONMENT: drift detected\"\n      \
                    echo\n      \
                    echo \"The live infrastructure differs from $TF_ROOT. Apply the committed configuration\"\n      \
                    echo \"with infrastructure.yml, or change the spec to match, then rebuild.\"\n      \
                    echo\n      \
                    grep -E '^  # |^Plan:' \"$RUNNER_TEMP/plan.txt\" | sed 's/^  # /- /' || true\n      \
                    echo\n      \
                    echo '<details><summary>Full plan</summary>'\n      \
                    echo\n      \
                    echo '```'\n      \
                    cat \"$RUNNER_TEMP/plan.txt\"\n      \
                    echo '```'\n      \
                    echo '</details>'\n    \
                    } >> \"$GITHUB_STEP_SUMMARY\"\n    \
                    echo \"::error::Drift detected in $ENVIRONMENT\"\n    \
                    exit 1\n    \
                    ;;\n  \
                    *)\n    \
                    {\n      \
                    echo \"### $ENVIRONMENT: terraform plan failed (exit $code)\"\n      \
                    echo\n      \
                    echo '```'\n      \
                    tail -n 50 \"$RUNNER_TEMP/plan.txt\"\n      \
                    echo '```'\n    \
                    } >> \"$GITHUB_STEP_SUMMARY\"\n    \
                    exit \"$code\"\n    \
                    ;;\n\
                    esac\n",
        }),
    ]);
    job.steps.extend(vault_access::remove_steps(platform));

    Some(Workflow {
        file: "drift.yml",
        name: "drift",
        notes,
        on: json!({
            "schedule": [{"cron": SCHEDULE}],
            "workflow_dispatch": {},
        }),
        concurrency: None,
        jobs: vec![("drift".to_string(), job)],
        skips: Vec::new(),
    })
}
