//! Where the platform's secrets live in the cloud's secret store, and which
//! of them Terraform generates.
//!
//! On Azure every environment has its own Key Vault and a secret is the
//! vault key itself. On AWS all environments of an account share AWS Secrets
//! Manager, so a secret's name is `<platform>/<env>/<vault key>`: the
//! Terraform that creates it, the IAM policy that reads it (by that prefix)
//! and the ExternalSecret that fetches it all use [`Platform::secret_name`].

use serde::Serialize;

use super::{CloudKind, DataKind, EnvId, Platform};

/// One secret of the platform's store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StoredSecret {
    /// Key in the vault (without the environment prefix).
    pub vault_key: String,
    /// Terraform generates the value (data-service credentials); otherwise an
    /// operator writes it (named `secret` of a service).
    pub generated: bool,
}

impl Platform {
    /// Prefix of every secret name of environment `env` in the cloud's store
    /// (empty on Azure, where each environment has its own vault).
    pub fn secret_prefix(&self, env: EnvId) -> String {
        match self.cloud.kind {
            CloudKind::Aws => match self.environments.get(env.0) {
                Some(e) => format!("{}/{}/", self.name, e.name),
                None => format!("{}/", self.name),
            },
            CloudKind::Azure => String::new(),
        }
    }

    /// Name of the ClusterSecretStore through which External Secrets reads
    /// the store: after the vault where the spec declares one (Azure Key
    /// Vault), else after the cloud's secret store. The services' and the
    /// in-cluster data services' ExternalSecrets both reference it.
    pub fn secret_store_name(&self) -> String {
        match self.vault() {
            Some(vault) => format!("{}-{}", self.name, vault.name),
            None => format!("{}-secrets", self.name),
        }
    }

    /// Name of a vault key in the cloud's store, in environment `env`.
    pub fn secret_name(&self, env: EnvId, vault_key: &str) -> String {
        format!("{}{vault_key}", self.secret_prefix(env))
    }

    /// Every secret the store must hold, sorted by key, each once: the
    /// credentials of the data services (generated) and the secrets services
    /// name (written by an operator).
    pub fn stored_secrets(&self) -> Vec<StoredSecret> {
        let mut out: Vec<StoredSecret> = Vec::new();
        for d in &self.data {
            let key = match &d.kind {
                DataKind::Postgres(p) => Some(&p.password_secret),
                DataKind::Redis(r) => Some(&r.access_key_secret),
                _ => None,
            };
            if let Some(key) = key {
                out.push(StoredSecret {
                    vault_key: key.clone(),
                    generated: true,
                });
            }
        }
        let mut seen: std::collections::BTreeSet<String> =
            out.iter().map(|o| o.vault_key.clone()).collect();
        for s in &self.services {
            for secret in &s.secrets {
                if seen.insert(secret.vault_key.clone()) {
                    out.push(StoredSecret {
                        vault_key: secret.vault_key.clone(),
                        generated: false,
                    });
                }
            }
        }
        out.sort();
        out
    }
}
