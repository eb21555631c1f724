//! Third-party actions, pinned to full commit SHAs.
//!
//! A tag can be moved by whoever controls the action's repository; a commit
//! SHA cannot. Every `uses:` in the generated workflows comes from this table,
//! and [`annotate_pins`] appends the human-readable release (`# v4.2.2`) next
//! to each pin so that reviewers and Dependabot/Renovate can read it.
//!
//! Each SHA is the commit the release tag points to (the peeled commit, not an
//! annotated tag object), cross-checked against several independent public
//! workflows that pin the same release. Registry logins use the cloud CLI
//! already on the runner (`az acr login`, `aws ecr get-login-password`)
//! rather than one more third-party action.

/// One action at one pinned commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub repo: &'static str,
    pub sha: &'static str,
    pub release: &'static str,
}

impl Action {
    /// The `uses:` value: `owner/repo@<sha>`.
    pub fn uses(self) -> String {
        format!("{}@{}", self.repo, self.sha)
    }
}

pub const CHECKOUT: Action = Action {
    repo: "actions/checkout",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    release: "v4.2.2",
};

pub const UPLOAD_ARTIFACT: Action = Action {
    repo: "actions/upload-artifact",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    release: "v4.6.2",
};

pub const DOWNLOAD_ARTIFACT: Action = Action {
    repo: "actions/download-artifact",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    release: "v4.3.0",
};

pub const AZURE_LOGIN: Action = Action {
    repo: "azure/login",
    sha: "a457da9ea143d694b1b9c7c869ebb04ebe844ef5",
    release: "v2.3.0",
};

pub const SETUP_HELM: Action = Action {
    repo: "azure/setup-helm",
    sha: "b9e51907a09c216f16ebe8536097933489208112",
    release: "v4.3.0",
};

pub const SETUP_TERRAFORM: Action = Action {
    repo: "hashicorp/setup-terraform",
    sha: "b9cd54a3c349d3f38e8881555d616ced269862dd",
    release: "v3.1.2",
};

pub const TRIVY: Action = Action {
    repo: "aquasecurity/trivy-action",
    sha: "ed142fd0673e97e23eac54620cfb913e5ce36c25",
    release: "v0.36.0",
};

pub const SETUP_BUILDX: Action = Action {
    repo: "docker/setup-buildx-action",
    sha: "e468171a9de216ec08956ac3ada2f0791b6bd435",
    release: "v3.11.1",
};

pub const BUILD_PUSH: Action = Action {
    repo: "docker/build-push-action",
    sha: "263435318d21b8e681c14492fe198d362a7d2c83",
    release: "v6.18.0",
};

pub const AWS_CREDENTIALS: Action = Action {
    repo: "aws-actions/configure-aws-credentials",
    sha: "b47578312673ae6fa5b5096b330d9fbac3d116df",
    release: "v4.2.1",
};

/// Every pinned action, for annotation and tests.
pub const ALL: &[Action] = &[
    CHECKOUT,
    UPLOAD_ARTIFACT,
    DOWNLOAD_ARTIFACT,
    AZURE_LOGIN,
    SETUP_HELM,
    SETUP_TERRAFORM,
    TRIVY,
    SETUP_BUILDX,
    BUILD_PUSH,
    AWS_CREDENTIALS,
];

/// Appends `# <release>` to every `uses: <pinned ref>` line of a serialized
/// workflow. Only exact matches of this table are touched, so the comment can
/// never land anywhere else.
pub fn annotate_pins(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 256);
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let value = body
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses: ");
        match value.and_then(|v| ALL.iter().find(|a| a.uses() == v)) {
            Some(action) => {
                out.push_str(body);
                out.push_str(" # ");
                out.push_str(action.release);
                out.push('\n');
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_full_commit_shas() {
        for action in ALL {
            assert_eq!(action.sha.len(), 40, "{}", action.repo);
            assert!(
                action
                    .sha
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
            assert!(action.release.starts_with('v'));
        }
    }

    #[test]
    fn annotates_only_pinned_uses_lines() {
        let yaml = format!(
            "steps:\n  - uses: {}\n    with:\n      x: 1\n  - name: n\n    uses: {}\n  - uses: other/action@abc\n",
            CHECKOUT.uses(),
            TRIVY.uses()
        );
        let out = annotate_pins(&yaml);
        assert!(out.contains(&format!("- uses: {} # v4.2.2\n", CHECKOUT.uses())));
        assert!(out.contains(&format!("    uses: {} # v0.36.0\n", TRIVY.uses())));
        assert!(out.contains("- uses: other/action@abc\n"));
    }
}
