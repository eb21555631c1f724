//! Delivery: CI, registry, state backend, secrets backend.

use serde::Serialize;

use super::PerEnv;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub scan: Option<Scanner>,
    pub registry: Registry,
    pub state: StateBackend,
    pub secrets: SecretsBackend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scanner {
    Trivy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registry {
    pub kind: RegistryKind,
    pub sku: PerEnv<String>,
    /// Cloud resource name per environment (ACR names: alphanumerics only).
    pub cloud_name: PerEnv<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryKind {
    Acr,
    Ecr,
}

/// Where Terraform keeps its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum StateBackend {
    /// Azure Storage with Azure AD auth; created by the bootstrap root.
    AzureStorage {
        resource_group: String,
        storage_account: String,
        container: String,
    },
    /// S3 bucket with DynamoDB locking; created by the bootstrap root.
    S3 { bucket: String, lock_table: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretsBackend {
    ExternalSecrets,
    Csi,
}
