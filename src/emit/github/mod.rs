//! GitHub Actions workflows (`.github/workflows/`) of the platform repository.
//!
//! One module per workflow: `ci.yml` (build, test, scan, push, promote),
//! `infrastructure.yml` (terraform plan/apply), `cluster-setup.yml` (add-ons),
//! `deploy.yml` (overlay per environment from its branch), `drift.yml`
//! (scheduled plan) and `platc.yml` (the generated tree is up to date).
//! Everything cloud-specific lives in `cloud`, every pinned action in
//! `actions`; the workflow modules only compose them from the model, and
//! `workflow` gives all of them the same shape and defaults.

mod actions;
mod ci;
mod cloud;
mod cluster_setup;
mod deploy;
mod drift;
mod environments;
#[cfg(test)]
mod fixture;
mod infrastructure;
mod staleness;
mod steps;
mod vault_access;
mod workflow;

use super::File;
use crate::model::Platform;

pub use actions::Action;

/// Every third-party action the workflows use, pinned to a full commit SHA
/// (for the README, which says how and why).
pub fn pinned_actions() -> &'static [Action] {
    actions::ALL
}

pub fn emit(platform: &Platform) -> Vec<File> {
    [
        ci::workflow(platform),
        infrastructure::workflow(platform),
        cluster_setup::workflow(platform),
        deploy::workflow(platform),
        drift::workflow(platform),
        staleness::workflow(platform),
    ]
    .into_iter()
    .flatten()
    .map(|w| w.render(platform))
    .collect()
}
