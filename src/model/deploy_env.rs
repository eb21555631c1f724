//! The handshake between the deploy workflow and the Kubernetes overlays.
//!
//! Before `kubectl apply -k <overlay>`, the deploy workflow writes
//! [`Platform::deploy_values_path`]: one `key=value` line per
//! [`super::DeployValue`] (from `terraform output -json` of the environment's
//! root) plus [`IMAGE_TAG_KEY`] (the commit SHA it built and pushed). The
//! Kubernetes emitter commits the same file with placeholders and carries
//! every key into the manifests. Both sides read the paths and keys here.

use super::{Environment, Platform};

/// Key of the image tag (the commit SHA) in the deploy-values file; not a
/// Terraform output: the deploy workflow appends it.
pub const IMAGE_TAG_KEY: &str = "image_tag";

impl Platform {
    /// The kustomize overlay of an environment (`kubectl apply -k` target).
    pub fn overlay_dir(&self, env: &Environment) -> String {
        format!("kubernetes/overlays/{}", env.name)
    }

    /// The deploy-values file of an environment's overlay.
    pub fn deploy_values_path(&self, env: &Environment) -> String {
        format!("{}/deploy-values.env", self.overlay_dir(env))
    }

    /// Every key of the deploy-values file, in file order: the deploy
    /// values (sorted) then [`IMAGE_TAG_KEY`].
    pub fn deploy_env_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.deploy_values.iter().map(|d| d.key.as_str()).collect();
        keys.push(IMAGE_TAG_KEY);
        keys
    }
}
