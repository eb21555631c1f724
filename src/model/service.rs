//! Services (workloads) with everything derived from their edges already
//! attached: identity, grants, secrets and environment variables.

use serde::Serialize;

use super::PerEnv;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    pub kind: ServiceKind,
    /// Image repository path without registry or tag (`octo/frontend`); CI tags it with the commit SHA.
    pub image: String,
    /// Container port; `None` for workers and jobs (they get no Service object).
    pub port: Option<u16>,
    pub replicas: PerEnv<u32>,
    pub autoscale: Option<Autoscale>,
    pub resources: Resources,
    pub probe: Option<Probe>,
    pub expose: Option<Expose>,
    /// Plain configuration, sorted by key.
    pub config: Vec<ConfigEntry>,
    /// Every vault secret the pod receives (named ones and those its edges imply), sorted by env var.
    pub secrets: Vec<SecretRef>,
    /// Every environment variable the container gets, sorted by name.
    pub env: Vec<EnvVar>,
    /// Cloud identity, present when the service needs cloud access or vault secrets.
    pub identity: Option<Identity>,
    /// UID the container runs as.
    pub run_as_user: u32,
    /// The workload talks to the Kubernetes API (mounts its service-account token).
    pub needs_kubernetes_api: bool,
    /// Prometheus metrics endpoint, when the service exposes one.
    pub metrics: Option<Metrics>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum ServiceKind {
    /// Long-running server (Deployment + Service).
    Web,
    /// Long-running background processor (Deployment, no Service).
    Worker,
    /// Scheduled job (CronJob).
    CronJob { schedule: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Autoscale {
    /// Minimum is the service's replicas.
    pub max: PerEnv<u32>,
    pub cpu_percent: u32,
}

/// Kubernetes quantities as written in the spec (`100m`, `256Mi`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub cpu: PerEnv<String>,
    pub memory: PerEnv<String>,
    pub cpu_limit: PerEnv<String>,
    pub memory_limit: PerEnv<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub path: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expose {
    pub host: PerEnv<String>,
    pub path: String,
    pub tls: bool,
    /// Secret name of the TLS certificate (`<service>-tls`).
    pub tls_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metrics {
    pub path: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigEntry {
    pub key: String,
    pub value: PerEnv<String>,
}

/// A vault secret delivered to a pod.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SecretRef {
    /// Key (secret name) in the cloud vault.
    pub vault_key: String,
    /// Environment variable the container reads it from.
    pub env_var: String,
    /// Why the pod has it.
    pub origin: SecretOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum SecretOrigin {
    /// `secret NAME` in the spec; the operator stores the value in the vault.
    Named,
    /// Implied by an edge to this data service; Terraform generates and stores it.
    DataService { name: String },
}

/// One container environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum EnvValue {
    /// Known at compile time, per environment (config entries, database names, ports).
    Literal { value: PerEnv<String> },
    /// From the vault through the secrets backend; the key of the Kubernetes Secret is the env var name.
    Secret { vault_key: String },
    /// Known only after `terraform apply`: the key of a [`super::DeployValue`].
    Deploy { key: String },
}

/// The cloud identity of a service (Azure user-assigned identity + federated
/// credential, or AWS IRSA role), bound to its Kubernetes service account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub cloud_name: PerEnv<String>,
    pub namespace: String,
    pub service_account: String,
    /// Least-privilege access derived from the service's edges, sorted.
    pub grants: Vec<Grant>,
    /// Key of the deploy value carrying the identity's client id / role ARN.
    pub client_id_key: String,
}

/// Access to one data service, derived from one edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Grant {
    pub data: String,
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Access {
    /// Read secrets from the vault.
    SecretsRead,
    /// Read and write blobs (optionally one container).
    BlobReadWrite { container: Option<String> },
    /// Send to a topic.
    TopicSend { topic: String },
    /// Receive from a topic subscription.
    SubscriptionReceive { topic: String, subscription: String },
    /// Send to a queue (Service Bus or storage queue).
    QueueSend { queue: String },
    /// Receive from a queue.
    QueueReceive { queue: String },
    /// Connect to a database or cache (network + credentials; no control-plane role).
    Connect,
}
