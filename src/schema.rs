//! `platc schema`: the JSON Schema (draft 2020-12) of the spec language.
//!
//! The spec is KDL; the schema describes its JSON-shaped mirror, for editors
//! and tools that speak JSON Schema:
//!
//! * the document is an object keyed by top-level node name;
//! * nodes that repeat and carry a name (`environment`, `service`,
//!   `postgres` …) become an object keyed by that name;
//! * a node's arguments become named fields, its properties fields of the
//!   same name, its children nested fields;
//! * a per-environment value node (`replicas 2 production=3`) is either the
//!   plain value or `{ "default": 2, "production": 3 }`.
//!
//! Keyword values (clouds, kinds, severities …) come from
//! [`crate::spec::keywords`], the same lists the decoder checks.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::spec::keywords::*;

/// A per-environment value: the same value everywhere, or a default plus
/// overrides keyed by environment name (`replicas 2 production=3`).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum PerEnv<T> {
    /// The same value in every environment (`replicas 2`).
    Same(T),
    /// A default and per-environment overrides (`replicas 2 production=3`).
    Varies {
        /// The node's argument: the value in environments without an override.
        default: T,
        /// `ENVIRONMENT=VALUE` properties; each key must name a declared environment.
        #[serde(flatten)]
        overrides: BTreeMap<String, T>,
    },
}

/// A scalar configuration value (rendered as text in the container environment).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Scalar {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// A Kubernetes quantity such as "250m", "512Mi" or 1.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Quantity {
    Text(String),
    Number(f64),
}

/// A platc spec (the JSON mirror of the KDL document).
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(title = "platc spec")]
#[allow(dead_code)]
struct Spec {
    /// `platform NAME { … }`: required, once.
    platform: Platform,
    /// `environment NAME network=CIDR …`, in promotion order; at least one.
    environment: BTreeMap<String, Environment>,
    /// `network { subnet … }`: the subnets every environment's network holds.
    network: Option<Network>,
    /// `cluster NAME { … }`: required, once.
    cluster: BTreeMap<String, Cluster>,
    /// `postgres NAME { … }`: PostgreSQL servers.
    postgres: Option<BTreeMap<String, Postgres>>,
    /// `redis NAME { … }`: caches.
    redis: Option<BTreeMap<String, Redis>>,
    /// `servicebus NAME { … }`: messaging namespaces.
    servicebus: Option<BTreeMap<String, ServiceBus>>,
    /// `keyvault NAME [{ … }]`: secret vaults.
    keyvault: Option<BTreeMap<String, KeyVault>>,
    /// `storage NAME { … }`: storage accounts (blob containers, queues).
    storage: Option<BTreeMap<String, Storage>>,
    /// `monitoring NAME { … }`: log workspace and alert rules (Azure Monitor).
    monitoring: Option<BTreeMap<String, Monitoring>>,
    /// `observability { … }`: the in-cluster LGTM stack, SLOs, their alerts and dashboards.
    observability: Option<Observability>,
    /// `service NAME { … }`: workloads.
    service: Option<BTreeMap<String, Service>>,
    /// `delivery { … }`: required, once.
    delivery: Delivery,
    /// `extra-file "PATH" template="SOURCE"`: the user's own files, keyed by output path.
    extra_file: Option<BTreeMap<String, ExtraFile>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct ExtraFile {
    /// `template=`: a minijinja template, relative to the spec's directory, rendered against the model (undefined names are errors).
    template: String,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Platform {
    /// The platform's DNS-label name (the `platform` node's argument).
    name: String,
    /// `title "TEXT"`; default: the name.
    title: Option<String>,
    /// `cloud azure|aws region=REGION`.
    cloud: Cloud,
    /// `repository "OWNER/REPO"`.
    repository: String,
    /// `namespace NAME`: Kubernetes namespace of the services; default: the platform name.
    namespace: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Cloud {
    /// The `cloud` node's argument.
    kind: CloudKw,
    /// `region=`: the cloud's region identifier.
    region: String,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Environment {
    /// `network=`: the environment's IPv4 address space in CIDR notation, e.g. "10.0.0.0/16".
    network: String,
    /// `branch=`: the git branch that deploys here; default `main`.
    branch: Option<String>,
    /// `approval=#true`: deployments need approval (production-like: purge protection, longer retention).
    approval: Option<bool>,
    /// `zones="1 2 3"`: availability zones, space-separated (1 = the region's first zone); absent = single zone (Azure), required with 2 to 4 zones on AWS.
    zones: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Network {
    /// `subnet NAME index=N …`, keyed by name.
    subnet: BTreeMap<String, Subnet>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Subnet {
    /// `index=N`: the N-th block of size /prefix inside each environment's network.
    index: u32,
    /// `prefix=N`: the subnet's prefix length; default 24 (Azure: at most 29; AWS: at most 26, split into four zone slots).
    #[schemars(range(min = 8, max = 29))]
    prefix: Option<u8>,
    /// `delegate=postgresql`: reserve the subnet for PostgreSQL flexible servers.
    delegate: Option<DelegationKw>,
    /// `private-endpoints=#true`: the subnet holds private endpoints.
    private_endpoints: Option<bool>,
    /// `public=#true`: the subnet routes to the internet directly (AWS).
    public: Option<bool>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Cluster {
    /// `kubernetes "1.30"`: the minor version.
    kubernetes: String,
    /// `subnet NAME`: the subnet of the nodes.
    subnet: String,
    /// `network-plugin azure|kubenet|vpc-cni [policy=…]`; default azure with calico (Azure) / vpc-cni with vpc-cni (AWS).
    network_plugin: Option<NetworkPlugin>,
    /// `max-pods N`: pods per node (10-250); default 30.
    #[schemars(range(min = 10, max = 250))]
    max_pods: Option<u32>,
    /// `node-pool NAME [mode=…] { … }`, keyed by name; the first is the system pool unless modes say otherwise.
    node_pool: BTreeMap<String, NodePool>,
    /// `ingress nginx`; default nginx.
    ingress: Option<IngressKw>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct NetworkPlugin {
    plugin: NetworkPluginKw,
    policy: Option<PolicyKw>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct NodePool {
    /// `mode=system|user|spot`.
    mode: Option<NodePoolModeKw>,
    /// `vm-size SIZE [ENV=SIZE …]`.
    vm_size: PerEnv<String>,
    /// `count N [ENV=N …]`: nodes at start (autoscaler minimum).
    count: PerEnv<u32>,
    /// `max-count N [ENV=N …]`: autoscaler ceiling; default: count.
    max_count: Option<PerEnv<u32>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Postgres {
    /// `version "16"`; default "16".
    version: Option<String>,
    /// `hosting managed|in-cluster`; default managed.
    hosting: Option<HostingKw>,
    /// `subnet NAME`: the delegated subnet the server is injected into (Azure).
    subnet: Option<String>,
    /// `sku SKU [ENV=SKU …]`; default B_Standard_B1ms (Azure).
    sku: Option<PerEnv<String>>,
    /// `storage-gb N [ENV=N …]`; default 32.
    storage_gb: Option<PerEnv<u32>>,
    /// `high-availability none [ENV=zone-redundant …]`; default none.
    high_availability: Option<PerEnv<HaKw>>,
    /// `backup-retention-days N [ENV=N …]` (7-35); default 7.
    backup_retention_days: Option<PerEnv<u32>>,
    /// `backup-schedule "CRON"`: in-cluster only, the dump job's schedule.
    backup_schedule: Option<String>,
    /// `admin-user NAME`; default psqladmin.
    admin_user: Option<String>,
    /// `database NAME`, repeated.
    database: Option<Vec<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Redis {
    /// `hosting managed|in-cluster`; default managed.
    hosting: Option<HostingKw>,
    /// `subnet NAME`.
    subnet: Option<String>,
    /// `sku "Basic/C0" [ENV="Premium/P1" …]`: FAMILY/CAPACITY; default Basic/C0.
    sku: Option<PerEnv<String>>,
    /// `storage-gb N [ENV=N …]`: in-cluster volume size; default 8.
    storage_gb: Option<PerEnv<u32>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceBus {
    /// `sku Basic|Standard|Premium [ENV=…]`; default Standard (topics need Standard or Premium).
    sku: Option<PerEnv<String>>,
    /// `topic NAME [{ subscription NAME … }]`, keyed by name.
    topic: Option<BTreeMap<String, Topic>>,
    /// `queue NAME`, repeated.
    queue: Option<Vec<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Topic {
    /// `subscription NAME`, repeated.
    subscription: Option<Vec<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct KeyVault {
    /// `private-endpoint SUBNET`: a subnet with `private-endpoints=#true`.
    private_endpoint: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Storage {
    /// `private-endpoint SUBNET`.
    private_endpoint: Option<String>,
    /// `replication LRS [ENV=ZRS …]`: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS; default LRS.
    replication: Option<PerEnv<String>>,
    /// `container NAME`, repeated.
    container: Option<Vec<String>>,
    /// `queue NAME`, repeated.
    queue: Option<Vec<String>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Monitoring {
    /// `retention-days N [ENV=N …]` (30-730); default 30.
    retention_days: Option<PerEnv<u32>>,
    /// `app-insights` (or `app-insights #false`): application telemetry.
    app_insights: Option<bool>,
    /// `alert NAME signal=… threshold=… window=… severity=…`, keyed by name.
    alert: Option<BTreeMap<String, Alert>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Alert {
    signal: SignalKw,
    /// Fires when the signal is above this value.
    threshold: f64,
    /// `window="5m"`: a duration in minutes (`m`) or hours (`h`).
    #[schemars(regex(pattern = r"^[0-9]+[mh]$"))]
    window: String,
    severity: SeverityKw,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Observability {
    /// `metrics prometheus { … }`: required; SLOs, alerts and dashboards read Prometheus.
    metrics: Backend<MetricsKw>,
    /// `logs loki { … }`.
    logs: Option<Backend<LogsKw>>,
    /// `traces tempo { … }`.
    traces: Option<Backend<TracesKw>>,
    /// `grafana`: Grafana with the dashboard sidecar (needed by dashboards).
    grafana: Option<bool>,
    /// `slo NAME service=… sli=… objective=… window=… [threshold=…] { description "…" }`, keyed by name.
    slo: Option<BTreeMap<String, Slo>>,
    /// `alert NAME slo=… severity=… [for=…]`, keyed by name.
    alert: Option<BTreeMap<String, SloAlert>>,
    /// `dashboard NAME kind=… [service=…] title="…"`, keyed by name.
    dashboard: Option<BTreeMap<String, Dashboard>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Backend<K> {
    /// The node's argument.
    kind: K,
    /// `retention-days N [ENV=N …]` (1-3650); default 7 (Tempo 3).
    retention_days: Option<PerEnv<u32>>,
    /// `storage-gb N [ENV=N …]` (1-16384): volume size; default 20 (Tempo 10).
    storage_gb: Option<PerEnv<u32>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Slo {
    /// A service that declares `metrics`.
    service: String,
    sli: SliKw,
    /// Percentage of good events, above 0 and below 100 (e.g. 99.9).
    objective: f64,
    /// `window="30d"`: whole days, 1 to 90.
    #[schemars(regex(pattern = r"^[0-9]+d$"))]
    window: String,
    /// `threshold="300ms"`: latency SLIs only (required there); ms, s, m, h or d.
    #[schemars(regex(pattern = r"^[0-9]+(ms|s|m|h|d)$"))]
    threshold: Option<String>,
    /// Request counter labelled with `code`; default http_requests_total.
    requests_metric: Option<String>,
    /// Request-duration histogram in seconds; default http_request_duration_seconds.
    duration_metric: Option<String>,
    /// `description "…"`: the objective's business justification.
    description: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct SloAlert {
    /// A declared `slo`.
    slo: String,
    severity: SeverityKw,
    /// `for="10m"`: how long the condition holds; default 10m (latency) or 2m (burn rate).
    #[serde(rename = "for")]
    #[schemars(regex(pattern = r"^[0-9]+[mh]$"))]
    for_: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Dashboard {
    kind: DashboardKindKw,
    /// The service of a service-health dashboard (required there, rejected elsewhere).
    service: Option<String>,
    /// The title Grafana shows.
    title: String,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Service {
    /// `kind web|worker|cronjob [schedule="CRON"]`; default web (needs `port`).
    kind: Option<ServiceKind>,
    /// `image "REPOSITORY"`: the repository path, without registry or tag.
    image: String,
    /// `port N`: the container port (web services).
    #[schemars(range(min = 1, max = 65535))]
    port: Option<u16>,
    /// `replicas N [ENV=N …]`; default 1.
    replicas: Option<PerEnv<u32>>,
    /// `autoscale { max N [ENV=N …]; cpu-percent P }`: scales between replicas and max.
    autoscale: Option<Autoscale>,
    /// `resources { cpu …; memory …; cpu-limit …; memory-limit … }`; defaults 100m / 128Mi / 500m / 256Mi.
    resources: Option<Resources>,
    /// `probe path="/healthz" [port=N]`.
    probe: Option<Probe>,
    /// `expose [path="/"] [tls=#false] { host HOST [ENV=HOST …] }`.
    expose: Option<Expose>,
    /// `metrics [path="/metrics"] [port=N]`.
    metrics: Option<Metrics>,
    /// `run-as-user UID`; default 1000 (never 0).
    run_as_user: Option<u32>,
    /// `kubernetes-api`: the workload talks to the Kubernetes API.
    kubernetes_api: Option<bool>,
    /// `calls SERVICE …`: services this one calls (on their port).
    calls: Option<Vec<String>>,
    /// `uses DATA [database=NAME | container=NAME]`, repeated.
    uses: Option<Vec<Edge>>,
    /// `publishes DATA topic=NAME | queue=NAME`, repeated.
    publishes: Option<Vec<Edge>>,
    /// `consumes DATA topic=NAME subscription=NAME | queue=NAME`, repeated.
    consumes: Option<Vec<Edge>>,
    /// `secret NAME`, repeated: vault secrets the pod receives (as UPPER_SNAKE env vars).
    secret: Option<Vec<String>>,
    /// `config KEY VALUE [ENV=VALUE …]`, keyed by KEY: plain environment variables.
    config: Option<BTreeMap<String, PerEnv<Scalar>>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceKind {
    kind: ServiceKindKw,
    /// `schedule="CRON"`: five-field cron expression (cronjobs only).
    schedule: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Autoscale {
    max: PerEnv<u32>,
    /// `cpu-percent P` (1-100); default 70.
    #[schemars(range(min = 1, max = 100))]
    cpu_percent: Option<u32>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Resources {
    cpu: Option<PerEnv<Quantity>>,
    memory: Option<PerEnv<Quantity>>,
    cpu_limit: Option<PerEnv<Quantity>>,
    memory_limit: Option<PerEnv<Quantity>>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Probe {
    path: String,
    /// Default: the service port.
    port: Option<u16>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Metrics {
    /// Default "/metrics".
    path: Option<String>,
    /// Default: the service port.
    port: Option<u16>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Expose {
    /// Default "/".
    path: Option<String>,
    /// Default true (certificate in secret `<service>-tls`).
    tls: Option<bool>,
    host: PerEnv<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Edge {
    /// The data service (the node's argument).
    target: String,
    database: Option<String>,
    container: Option<String>,
    topic: Option<String>,
    subscription: Option<String>,
    queue: Option<String>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Delivery {
    /// `ci github-actions [scan=trivy]`.
    ci: Option<Ci>,
    /// `registry acr|ecr [{ sku SKU [ENV=SKU …] }]`.
    registry: Registry,
    /// `state azure-storage|s3`.
    state: StateKw,
    /// `secrets external-secrets|csi`; default external-secrets.
    secrets: Option<SecretsKw>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Ci {
    system: CiKw,
    scan: Option<ScannerKw>,
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(dead_code)]
struct Registry {
    kind: RegistryKw,
    /// ACR: Basic, Standard or Premium; default Basic.
    sku: Option<PerEnv<String>>,
}

/// The JSON Schema of the spec language, pretty-printed.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(Spec);
    serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> serde_json::Value {
        serde_json::from_str(&spec_schema()).unwrap()
    }

    #[test]
    fn is_a_valid_draft_2020_12_schema() {
        let s = schema();
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        jsonschema::meta::validate(&s).expect("meta-valid");
    }

    #[test]
    fn covers_every_top_level_node() {
        let s = schema();
        let props = s["properties"].as_object().unwrap();
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected = crate::spec::TOP_LEVEL.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected);
    }

    #[test]
    fn lists_keyword_values() {
        let text = spec_schema();
        for kw in SignalKw::KEYWORDS
            .iter()
            .chain(SecretsKw::KEYWORDS)
            .chain(HaKw::KEYWORDS)
            .chain(SliKw::KEYWORDS)
            .chain(DashboardKindKw::KEYWORDS)
        {
            assert!(text.contains(&format!("\"{kw}\"")), "{kw}");
        }
    }

    #[test]
    fn accepts_a_mirror_of_a_small_spec() {
        let instance = serde_json::json!({
            "platform": { "name": "shop", "cloud": { "kind": "azure", "region": "westeurope" }, "repository": "a/b" },
            "environment": { "dev": { "network": "10.0.0.0/16" }, "production": { "network": "10.1.0.0/16", "approval": true } },
            "cluster": { "aks": { "kubernetes": "1.30", "subnet": "aks", "node-pool": { "system": { "vm-size": "Standard_D2s_v3", "count": { "default": 1, "production": 3 } } } } },
            "service": { "api": { "image": "shop/api", "port": 8080, "replicas": 2, "config": { "LOG_LEVEL": { "default": "info", "production": "warn" } } } },
            "delivery": { "registry": { "kind": "acr" }, "state": "azure-storage" },
            "observability": {
                "metrics": { "kind": "prometheus", "retention-days": { "default": 7, "production": 30 } },
                "grafana": true,
                "slo": { "api-latency": { "service": "api", "sli": "latency-p95", "objective": 95, "window": "30d", "threshold": "300ms" } },
                "alert": { "slow": { "slo": "api-latency", "severity": "warning", "for": "10m" } },
                "dashboard": { "api": { "kind": "service-health", "service": "api", "title": "API" } }
            }
        });
        let validator = jsonschema::validator_for(&schema()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let bad = serde_json::json!({ "platform": {}, "delivery": { "state": "floppy" } });
        assert!(!validator.is_valid(&bad));
    }
}
