//! Cluster add-ons the platform needs, derived from the model.
//!
//! The Kubernetes emitter writes each add-on's values file at
//! [`Addon::values_path`]; the cluster-setup workflow installs the chart at the
//! pinned version with that file. One list, two consumers.

use serde::Serialize;

use super::{
    CloudKind, EnvId, IngressController, OBSERVABILITY_NAMESPACE, Observability, Platform,
    SecretsBackend,
};

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
        // AKS ships metrics-server; EKS does not, and without it no
        // HorizontalPodAutoscaler can read CPU utilisation.
        if self.cloud.kind == CloudKind::Aws && self.services.iter().any(|s| s.autoscale.is_some())
        {
            out.push(Addon {
                name: METRICS_SERVER.into(),
                namespace: "kube-system".into(),
                chart: "metrics-server".into(),
                repository: "https://kubernetes-sigs.github.io/metrics-server/".into(),
                version: "3.12.2".into(),
                values_path: values(METRICS_SERVER),
                identity: None,
            });
        }
        if let Some(obs) = &self.observability {
            out.extend(observability_addons(obs));
        }
        out
    }

    /// The second values file of an add-on whose sizing differs per
    /// environment (retention, volume sizes), layered after
    /// [`Addon::values_path`] when installing into environment `env`; `None`
    /// for add-ons configured the same everywhere.
    pub fn addon_env_values_path(&self, addon: &str, env: EnvId) -> Option<String> {
        let obs = self.observability.as_ref()?;
        let sized = match addon {
            KUBE_PROMETHEUS_STACK => true,
            LOKI => obs.logs.is_some(),
            TEMPO => obs.traces.is_some(),
            _ => false,
        };
        let env = self.environments.get(env.0)?;
        sized.then(|| format!("kubernetes/addons/{addon}/values-{}.yaml", env.name))
    }
}

/// Helm release name of the resource-metrics API server (EKS only).
pub const METRICS_SERVER: &str = "metrics-server";

/// Helm release names of the LGTM stack's add-ons.
pub const KUBE_PROMETHEUS_STACK: &str = "kube-prometheus-stack";
pub const LOKI: &str = "loki";
pub const TEMPO: &str = "tempo";
pub const PROMTAIL: &str = "promtail";

/// The LGTM stack: Prometheus, Alertmanager and Grafana (kube-prometheus-stack,
/// which also installs the PrometheusRule and ServiceMonitor CRDs), Loki with
/// Promtail shipping pod logs to it, and Tempo. All in
/// [`OBSERVABILITY_NAMESPACE`], charts pinned.
fn observability_addons(obs: &Observability) -> Vec<Addon> {
    let addon = |name: &str, chart_repo: &str, version: &str| Addon {
        name: name.into(),
        namespace: OBSERVABILITY_NAMESPACE.into(),
        chart: name.into(),
        repository: chart_repo.into(),
        version: version.into(),
        values_path: format!("kubernetes/addons/{name}/values.yaml"),
        identity: None,
    };
    let prometheus_community = "https://prometheus-community.github.io/helm-charts";
    let grafana = "https://grafana.github.io/helm-charts";
    let mut out = vec![addon(KUBE_PROMETHEUS_STACK, prometheus_community, "70.6.0")];
    if obs.logs.is_some() {
        out.push(addon(LOKI, grafana, "6.30.1"));
        out.push(addon(PROMTAIL, grafana, "6.16.6"));
    }
    if obs.traces.is_some() {
        out.push(addon(TEMPO, grafana, "1.19.0"));
    }
    out
}
