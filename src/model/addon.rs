//! Cluster add-ons the platform needs, derived from the model.
//!
//! The Kubernetes emitter writes each add-on's values file at
//! [`Addon::values_path`]; the cluster-setup workflow installs the chart at the
//! pinned version with that file. One list, two consumers.

use serde::Serialize;

use super::{CloudKind, DataKind, Hosting, IngressController, Platform, SecretsBackend};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Addon {
    /// Helm release name.
    pub name: String,
    pub namespace: String,
    pub chart: String,
    /// Helm repository URL.
    pub repository: String,
    /// Pinned chart version.
    pub version: String,
    /// Values file, relative to the output root.
    pub values_path: String,
    /// The add-on runs under a cloud identity (workload identity / IRSA).
    pub identity: Option<AddonIdentity>,
}

/// How an add-on's service account is bound to its cloud identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonIdentity {
    pub service_account: String,
    /// Deploy-value key holding the client id / role ARN.
    pub client_id_key: String,
    /// Helm value path the client id / role ARN is set at (`--set-string`).
    pub helm_value: String,
    /// Cloud identity name per environment suffix (`<platform>-<env>` is appended by the cloud target).
    pub cloud_name_stem: String,
}

impl Platform {
    /// The add-ons this platform needs, in install order.
    pub fn addons(&self) -> Vec<Addon> {
        let mut out = Vec::new();
        let values = |name: &str| format!("kubernetes/addons/{name}/values.yaml");
        match self.cluster.ingress {
            IngressController::Nginx => out.push(Addon {
                name: "ingress-nginx".into(),
                namespace: self.cluster.ingress.namespace().into(),
                chart: "ingress-nginx".into(),
                repository: "https://kubernetes.github.io/ingress-nginx".into(),
                version: "4.11.3".into(),
                values_path: values("ingress-nginx"),
                identity: None,
            }),
        }
        let uses_secrets = self.services.iter().any(|s| !s.secrets.is_empty());
        match (self.delivery.secrets, uses_secrets) {
            (SecretsBackend::ExternalSecrets, true) => {
                let (helm_value, key) = match self.cloud.kind {
                    CloudKind::Azure => (
                        "serviceAccount.annotations.azure\\.workload\\.identity/client-id",
                        "secrets_operator_client_id",
                    ),
                    CloudKind::Aws => (
                        "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn",
                        "secrets_operator_client_id",
                    ),
                };
                out.push(Addon {
                    name: "external-secrets".into(),
                    namespace: "external-secrets".into(),
                    chart: "external-secrets".into(),
                    repository: "https://charts.external-secrets.io".into(),
                    version: "0.18.2".into(),
                    values_path: values("external-secrets"),
                    identity: Some(AddonIdentity {
                        service_account: "external-secrets".into(),
                        client_id_key: key.into(),
                        helm_value: helm_value.into(),
                        cloud_name_stem: "eso".into(),
                    }),
                });
            }
            (SecretsBackend::Csi, true) => {
                out.push(Addon {
                    name: "csi-secrets-store-provider-azure".into(),
                    namespace: "kube-system".into(),
                    chart: "csi-secrets-store-provider-azure".into(),
                    repository:
                        "https://azure.github.io/secrets-store-csi-driver-provider-azure/charts"
                            .into(),
                    version: "1.6.2".into(),
                    values_path: values("csi-secrets-store-provider-azure"),
                    identity: None,
                });
            }
            _ => {}
        }
        let _ = self
            .data
            .iter()
            .any(|d| matches!(&d.kind, DataKind::Postgres(p) if p.hosting == Hosting::InCluster));
        out
    }
}
