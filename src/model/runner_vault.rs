//! The vault Terraform itself reads and writes through a firewall.
//!
//! On Azure, Terraform writes the credentials it generates (database
//! passwords, cache keys) into the platform's Key Vault and reads them back
//! on every plan. Those are data-plane calls from the machine running
//! Terraform, and a vault without a private endpoint keeps its public
//! endpoint behind a firewall that denies by default: a CI runner is outside
//! it. The workflows that run Terraform admit their runner's address for the
//! duration of the job and remove it afterwards; the vault's Terraform
//! ignores these transient rules so they are never drift. Both sides ask
//! here which vault that is. (A vault reachable only through its private
//! endpoint cannot admit a hosted runner at all; on AWS, Secrets Manager is
//! an IAM-authorized regional API with no network firewall.)

use super::{CloudKind, DataService, Platform};

impl Platform {
    /// The vault whose firewall must admit the runner that applies or plans
    /// Terraform: the platform's vault on Azure when Terraform writes
    /// generated secrets into it and it has no private endpoint.
    pub fn runner_admitted_vault(&self) -> Option<&DataService> {
        if self.cloud.kind != CloudKind::Azure {
            return None;
        }
        let vault = self.vault()?;
        let terraform_writes = self.stored_secrets().iter().any(|s| s.generated);
        (terraform_writes && vault.private_endpoint.is_none()).then_some(vault)
    }
}

#[cfg(test)]
mod tests {
    use crate::compile_source;

    fn compile(path: &str) -> crate::model::Platform {
        let text = std::fs::read_to_string(path).expect("spec readable");
        compile_source(path, &text).expect("spec compiles")
    }

    #[test]
    fn octo_admits_runners_api_worker_does_not() {
        let octo = compile("specs/octo.kdl");
        let vault = octo.runner_admitted_vault().expect("octo's vault");
        assert_eq!(vault.name, "vault");
        // api-worker's vault has a private endpoint and no generated secret.
        assert!(
            compile("specs/api-worker.kdl")
                .runner_admitted_vault()
                .is_none()
        );
    }
}
