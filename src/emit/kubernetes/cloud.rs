//! The only cloud-specific facts of the Kubernetes layer.
//!
//! Everything else the emitter writes is plain Kubernetes. What differs by
//! cloud is how a service account is bound to a cloud identity, which
//! endpoint pods fetch identity tokens from, how the secrets operator talks
//! to the vault and how the ingress load balancer is annotated — all here,
//! keyed on [`CloudKind`], so adding a cloud means adding match arms here.

use serde_json::{Value, json};

use crate::model::CloudKind;

/// How a workload's service account is bound to its cloud identity.
pub struct IdentityBinding {
    /// ServiceAccount annotation carrying the client id / role ARN.
    pub annotation: &'static str,
    /// Pod label the identity webhook needs, if the cloud has one.
    pub pod_label: Option<(&'static str, &'static str)>,
    /// Why pods with an identity may reach public addresses on 443.
    pub token_endpoint_reason: &'static str,
}

pub fn identity_binding(cloud: CloudKind) -> IdentityBinding {
    match cloud {
        CloudKind::Azure => IdentityBinding {
            annotation: "azure.workload.identity/client-id",
            pod_label: Some(("azure.workload.identity/use", "true")),
            token_endpoint_reason: "workload identity exchanges the pod's token at Microsoft Entra ID (login.microsoftonline.com), a public endpoint: TCP 443 to non-private addresses, only for pods with an identity",
        },
        CloudKind::Aws => IdentityBinding {
            annotation: "eks.amazonaws.com/role-arn",
            pod_label: None,
            token_endpoint_reason: "IRSA exchanges the pod's token at AWS STS, a public endpoint: TCP 443 to non-private addresses, only for pods with an identity",
        },
    }
}

/// Fields of the secrets operator's vault provider that come from deploy values.
pub enum VaultField {
    /// Vault URI (Azure Key Vault `vaultUrl`).
    Uri,
    Tenant,
}

/// The `spec.provider` of the ClusterSecretStore, with placeholders for the
/// deploy values, and the field paths those values are written to.
pub fn secret_store_provider(
    cloud: CloudKind,
    region: &str,
    service_account: &str,
    namespace: &str,
    placeholder: &str,
) -> (Value, Vec<(VaultField, &'static str)>) {
    let account = json!({ "name": service_account, "namespace": namespace });
    match cloud {
        CloudKind::Azure => (
            json!({
                "azurekv": {
                    "authType": "WorkloadIdentity",
                    "vaultUrl": placeholder,
                    "tenantId": placeholder,
                    "serviceAccountRef": account,
                }
            }),
            vec![
                (VaultField::Uri, "spec.provider.azurekv.vaultUrl"),
                (VaultField::Tenant, "spec.provider.azurekv.tenantId"),
            ],
        ),
        CloudKind::Aws => (
            json!({
                "aws": {
                    "service": "SecretsManager",
                    "region": region,
                    "auth": { "jwt": { "serviceAccountRef": account } },
                }
            }),
            Vec::new(),
        ),
    }
}

/// Provider name of a SecretProviderClass.
pub fn csi_provider(cloud: CloudKind) -> &'static str {
    match cloud {
        CloudKind::Azure => "azure",
        CloudKind::Aws => "aws",
    }
}

/// One vault object of a SecretProviderClass `objects` parameter.
pub fn csi_object(cloud: CloudKind, name: &str, alias: &str) -> Value {
    let object_type = match cloud {
        CloudKind::Azure => "secret",
        CloudKind::Aws => "secretsmanager",
    };
    json!({ "objectName": name, "objectType": object_type, "objectAlias": alias })
}

/// Annotations of the ingress controller's LoadBalancer Service.
pub fn ingress_load_balancer_annotations(cloud: CloudKind) -> Value {
    match cloud {
        // The Azure load balancer probes the controller's health endpoint;
        // without this it probes `/` on the HTTP port and marks nodes down.
        CloudKind::Azure => json!({
            "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz"
        }),
        CloudKind::Aws => json!({
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"
        }),
    }
}
