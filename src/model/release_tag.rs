//! The tag a published release gives the images it ships.
//!
//! CI tags every image with its commit SHA; a release additionally marks the
//! released commit's images in the last environment's registry. Whether that
//! mark can be one moving tag depends on the registry: ACR tags are mutable,
//! so the release moves `stable`; ECR repositories are created with immutable
//! tags (a tag, once pushed, always names the same image: the guarantee the
//! SHA tags rely on), so `stable` could be pushed once and never moved, and
//! each release gets a tag of its own instead. The workflows (which push the
//! tag) and the README (which tells operators what to pull) read it here.

use serde::Serialize;

use super::{Platform, Registry, RegistryKind};

/// How a release tags its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum ReleaseTag {
    /// One mutable tag moved to the latest release (`stable`).
    Moving { tag: &'static str },
    /// One immutable tag per release: `prefix` followed by the release's Git
    /// tag with every byte a Docker tag cannot hold replaced by `-`,
    /// e.g. `release-v1.4.0`.
    PerRelease { prefix: &'static str },
}

impl ReleaseTag {
    /// The tag for a release whose Git tag is `git_tag` (at most 128
    /// characters, as Docker allows).
    pub fn for_release(self, git_tag: &str) -> String {
        match self {
            ReleaseTag::Moving { tag } => tag.to_string(),
            ReleaseTag::PerRelease { prefix } => {
                let mut out = prefix.to_string();
                // Byte by byte, as the workflow's `tr -c` does.
                out.extend(
                    git_tag
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-') {
                                char::from(b)
                            } else {
                                '-'
                            }
                        })
                        .take(128usize.saturating_sub(prefix.len())),
                );
                out
            }
        }
    }
}

impl Registry {
    /// An image tag, once pushed, can never point at another image.
    pub fn immutable_tags(&self) -> bool {
        match self.kind {
            RegistryKind::Acr => false,
            RegistryKind::Ecr => true,
        }
    }
}

impl Platform {
    /// How a published release tags the released images.
    pub fn release_tag(&self) -> ReleaseTag {
        if self.delivery.registry.immutable_tags() {
            ReleaseTag::PerRelease { prefix: "release-" }
        } else {
            ReleaseTag::Moving { tag: "stable" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_release_tags_are_valid_docker_tags() {
        let t = ReleaseTag::PerRelease { prefix: "release-" };
        assert_eq!(t.for_release("v1.4.0"), "release-v1.4.0");
        assert_eq!(t.for_release("shop/v2+build 7"), "release-shop-v2-build-7");
        assert_eq!(t.for_release(&"x".repeat(300)).len(), 128);
        let moving = ReleaseTag::Moving { tag: "stable" };
        assert_eq!(moving.for_release("v1.4.0"), "stable");
    }
}
