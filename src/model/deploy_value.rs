//! Values known only after `terraform apply`.
//!
//! Terraform exposes each as a root output named [`DeployValue::key`]; the
//! deploy workflow writes `terraform output -json` into the overlay's
//! `deploy-values.env`, and kustomize carries each key into the manifests.
//! Both sides use the key computed here, so they cannot disagree.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DeployValue {
    /// Terraform output name and env-file key (snake_case).
    pub key: String,
    pub source: DeploySource,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum DeploySource {
    /// Client id (Azure) or role ARN (AWS) of a service's identity.
    IdentityClientId {
        service: String,
    },
    /// Client id / role ARN of the secrets operator's identity (ESO or CSI).
    SecretsOperatorClientId,
    TenantId,
    VaultUri {
        data: String,
    },
    VaultName {
        data: String,
    },
    DatabaseHost {
        data: String,
    },
    CacheHost {
        data: String,
    },
    MessagingNamespace {
        data: String,
    },
    BlobEndpoint {
        data: String,
    },
    QueueEndpoint {
        data: String,
    },
    RegistryLoginServer,
    ClusterName,
    OidcIssuer,
}
