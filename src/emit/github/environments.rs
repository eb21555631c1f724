//! What the workflows need to know about the spec's environments: the
//! directories other emitters write for each one, the branches that deploy,
//! the registries images go to, and the GitHub Environment protection each
//! environment needs.
//!
//! The Terraform root path is the cross-layer contract
//! (`terraform/environments/<env>`), spelled once here for every workflow;
//! overlay paths and deploy-value keys come from the model
//! ([`Platform::overlay_dir`], [`Platform::deploy_env_keys`]).

use crate::model::{Environment, Platform};

/// The environment's Terraform root, relative to the repository root.
pub fn terraform_root(env: &str) -> String {
    format!("terraform/environments/{env}")
}

/// `refs/heads/<branch>`.
pub fn branch_ref(branch: &str) -> String {
    format!("refs/heads/{branch}")
}

/// A GitHub expression true when the run is for one of `branches`.
pub fn on_branches(branches: &[&str]) -> String {
    branches
        .iter()
        .map(|b| format!("github.ref == '{}'", branch_ref(b)))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// The distinct deploy branches, in promotion order of first use.
pub fn deploy_branches(platform: &Platform) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for env in &platform.environments {
        if !out.contains(&env.branch.as_str()) {
            out.push(&env.branch);
        }
    }
    out
}

/// The environment images are promoted to last (production): the one whose
/// registry receives the `stable` tag on a release.
pub fn last(platform: &Platform) -> Option<&Environment> {
    platform.environments.last()
}

/// One registry the CI pushes to, with the environments that pull from it.
pub struct RegistryTarget<'a> {
    /// Registry cloud name (ACR name, ECR registry alias).
    pub name: &'a str,
    pub environments: Vec<&'a Environment>,
}

impl RegistryTarget<'_> {
    /// The branches whose commits the registry must receive.
    pub fn branches(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for env in &self.environments {
            if !out.contains(&env.branch.as_str()) {
                out.push(&env.branch);
            }
        }
        out
    }

    pub fn environment_names(&self) -> String {
        self.environments
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The registries of all environments, each once, in promotion order.
pub fn registry_targets(platform: &Platform) -> Vec<RegistryTarget<'_>> {
    let mut out: Vec<RegistryTarget<'_>> = Vec::new();
    for env in &platform.environments {
        let name = platform.delivery.registry.cloud_name.get(env.id).as_str();
        match out.iter_mut().find(|t| t.name == name) {
            Some(t) => t.environments.push(env),
            None => out.push(RegistryTarget {
                name,
                environments: vec![env],
            }),
        }
    }
    out
}

/// Comment lines describing the GitHub Environments the workflows run in and
/// the protection rules the spec asks for (configured in the repository
/// settings: GitHub has no file for them).
pub fn protection_notes(platform: &Platform) -> Vec<String> {
    let mut out = vec![
        "GitHub Environments (Settings > Environments), one per spec environment, with the"
            .to_string(),
        "protection rules the spec asks for:".to_string(),
    ];
    for env in &platform.environments {
        let reviewers = if env.approval {
            "required reviewers (the spec sets approval)"
        } else {
            "no required reviewers"
        };
        out.push(format!(
            "  {}: {reviewers}; deployment branch {}",
            env.name, env.branch
        ));
    }
    out
}

/// Which of the platform's OIDC subjects ([`Platform::ci_subjects`]) a
/// workflow's jobs log in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logins<'a> {
    PullRequests,
    /// Jobs in the GitHub Environment of every environment.
    Environments,
    /// Jobs in the GitHub Environment of one environment.
    Environment(&'a str),
    /// Jobs run for (or dispatched on, or scheduled on) a deploy branch.
    Branches,
}

impl Logins<'_> {
    fn covers(self, context: &str) -> bool {
        match self {
            Logins::PullRequests => context == "pull_request",
            Logins::Environments => context.starts_with("environment:"),
            Logins::Environment(env) => context.strip_prefix("environment:") == Some(env),
            Logins::Branches => context.starts_with("ref:refs/heads/"),
        }
    }
}

/// Comment lines naming the identity the jobs of one workflow log in as and
/// the OIDC subjects it must trust.
pub fn identity_notes(platform: &Platform, logins: &[Logins<'_>]) -> Vec<String> {
    let subjects = platform.ci_subjects();
    let claims: Vec<(&str, &str)> = subjects
        .iter()
        .filter(|s| logins.iter().any(|l| l.covers(&s.context)))
        .map(|s| (s.context.as_str(), s.claim.as_str()))
        .collect();
    super::cloud::identity_notes(platform, &claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;

    #[test]
    fn branches_are_distinct_in_promotion_order() {
        let p = fixture::platform();
        assert_eq!(deploy_branches(&p), ["develop", "main"]);
        assert_eq!(
            on_branches(&deploy_branches(&p)),
            "github.ref == 'refs/heads/develop' || github.ref == 'refs/heads/main'"
        );
    }

    #[test]
    fn one_registry_target_per_registry() {
        let mut p = fixture::platform();
        let targets = registry_targets(&p);
        assert_eq!(targets.len(), 3);
        assert_eq!(targets[1].environment_names(), "staging");
        // A registry shared by every environment receives every deploy branch.
        let shared = p
            .delivery
            .registry
            .cloud_name
            .get(p.environments[0].id)
            .clone();
        p.delivery.registry.cloud_name = p.delivery.registry.cloud_name.map(|_| shared.clone());
        let targets = registry_targets(&p);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].name, shared);
        assert_eq!(targets[0].branches(), ["develop", "main"]);
    }

    #[test]
    fn protection_follows_approval() {
        let notes = protection_notes(&fixture::platform());
        assert!(
            notes.contains(
                &"  staging: no required reviewers; deployment branch develop".to_string()
            )
        );
        assert!(notes.contains(
            &"  production: required reviewers (the spec sets approval); deployment branch main".to_string()
        ));
    }
}
