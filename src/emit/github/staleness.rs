//! `platc.yml`: fails when the committed tree is not what the spec compiles
//! to — a spec edited without rebuilding, or a generated file edited by hand.
//!
//! platc is not on crates.io, so the workflow builds it from its source
//! repository at the release tag of the platc that generated this tree
//! (`--locked`, pinned toolchain) and runs `platc build <spec> --out . --check`
//! at the repository root, where the tree lives next to the spec.

use serde_json::json;

use super::environments::deploy_branches;
use super::steps::checkout;
use super::workflow::{Cancel, Job, Workflow, concurrency};
use crate::model::Platform;

/// Where platc's source is published.
pub const PLATC_GIT: &str = "https://github.com/platc-dev/platc";

/// Rust toolchain platc is built with.
const RUST_TOOLCHAIN: &str = "1.95.0";

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let notes = vec![
        format!(
            "Staleness gate: rebuilds this repository's generated files from {} and fails when",
            platform.source
        ),
        "they differ from what is committed (spec changed without `platc build`, or a generated"
            .to_string(),
        "file edited by hand). platc is built from source at the release that generated them:"
            .to_string(),
        format!("{PLATC_GIT} tag {tag}. Change the spec, run `platc build`, commit both."),
    ];

    let mut job = Job::new("generated files are up to date", 30);
    job.env = vec![
        ("PLATC_GIT".to_string(), PLATC_GIT.to_string()),
        ("PLATC_TAG".to_string(), tag),
        ("RUST_TOOLCHAIN".to_string(), RUST_TOOLCHAIN.to_string()),
        ("SPEC".to_string(), platform.source.clone()),
    ];
    job.steps = vec![
        checkout(),
        json!({
            "name": "Build platc",
            "run": "rustup toolchain install \"$RUST_TOOLCHAIN\" --profile minimal\n\
                    cargo \"+$RUST_TOOLCHAIN\" install --locked --git \"$PLATC_GIT\" --tag \"$PLATC_TAG\" \\\n  \
                    --root \"$RUNNER_TEMP/platc\" platc\n",
        }),
        json!({
            "name": "platc build --check",
            "run": "\"$RUNNER_TEMP/platc/bin/platc\" build \"$SPEC\" --out . --check\n",
        }),
    ];

    Some(Workflow {
        file: "platc.yml",
        name: "platc",
        notes,
        on: json!({
            "push": push_filter(platform),
            "pull_request": {},
        }),
        concurrency: Some(concurrency("platc-${{ github.ref }}", Cancel::Always)),
        jobs: vec![("check".to_string(), job)],
        skips: Vec::new(),
    })
}

/// Pushes to the deploy branches (pull requests cover every other branch).
fn push_filter(platform: &Platform) -> serde_json::Value {
    let branches = deploy_branches(platform);
    if branches.is_empty() {
        json!({})
    } else {
        json!({"branches": branches})
    }
}
