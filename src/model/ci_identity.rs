//! Who the workflows are when they log in to the cloud.
//!
//! GitHub Actions logs in through OIDC: the cloud trusts a token whose
//! subject claim names the repository and the job's context. The workflows
//! run cloud jobs in exactly three contexts, and the cloud side (Azure
//! federated credentials, an AWS role's trust policy) must trust exactly
//! these, so both read them here:
//!
//! - `pull_request`: Terraform plans of pull requests;
//! - `environment:<env>`: every job in a GitHub Environment (apply, cluster
//!   setup, deploy, release promotion);
//! - `ref:refs/heads/<branch>` for each deploy branch: image pushes, manual
//!   plans and the scheduled drift check (scheduled runs use the default
//!   branch, which must therefore be a deploy branch).

use serde::Serialize;

use super::Platform;

/// One OIDC subject the workflows present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CiSubject {
    /// The part after `repo:<owner>/<repo>:`, e.g. `environment:production`.
    pub context: String,
    /// The full subject claim, e.g. `repo:octo-org/octo-eshop:environment:production`.
    pub claim: String,
    /// A name for the trust entry (Azure federated credential name rules:
    /// letters, digits, `-`), e.g. `github-environment-production`.
    pub name: String,
}

impl Platform {
    /// Every OIDC subject the generated workflows log in with, each once:
    /// pull requests, the environments (promotion order), the deploy
    /// branches (order of first use).
    pub fn ci_subjects(&self) -> Vec<CiSubject> {
        let mut out = vec![self.ci_subject("pull_request", "pull-request")];
        for env in &self.environments {
            out.push(self.ci_subject(
                &format!("environment:{}", env.name),
                &format!("environment-{}", env.name),
            ));
        }
        for env in &self.environments {
            let context = format!("ref:refs/heads/{}", env.branch);
            if !out.iter().any(|s| s.context == context) {
                out.push(self.ci_subject(&context, &format!("branch-{}", env.branch)));
            }
        }
        out
    }

    fn ci_subject(&self, context: &str, name: &str) -> CiSubject {
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        CiSubject {
            context: context.to_string(),
            claim: format!("repo:{}:{context}", self.repository),
            name: format!("github-{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compile_source;

    #[test]
    fn pull_requests_environments_then_distinct_branches() {
        let text = std::fs::read_to_string("specs/octo.kdl").expect("specs/octo.kdl");
        let p = compile_source("specs/octo.kdl", &text).expect("octo compiles");
        let contexts: Vec<String> = p.ci_subjects().into_iter().map(|s| s.context).collect();
        assert_eq!(
            contexts,
            [
                "pull_request",
                "environment:dev",
                "environment:staging",
                "environment:production",
                "ref:refs/heads/develop",
                "ref:refs/heads/main"
            ]
        );
        let last = p.ci_subjects().pop().expect("subjects");
        assert_eq!(last.claim, "repo:octo-org/octo-eshop:ref:refs/heads/main");
        assert_eq!(last.name, "github-branch-main");
    }
}
