//! Every keyword value of the spec language, in one place (the decoder, the
//! resolver and the JSON Schema read these lists).

use super::value::keyword_enum;

keyword_enum! {
    /// `cloud azure region=…`
    pub enum CloudKw("cloud") { Azure = "azure", Aws = "aws" }
}
keyword_enum! {
    /// `network-plugin azure policy=calico`
    pub enum NetworkPluginKw("network plugin") { Azure = "azure", Kubenet = "kubenet", VpcCni = "vpc-cni" }
}
keyword_enum! {
    /// `policy=` of `network-plugin`.
    pub enum PolicyKw("network policy engine") { Calico = "calico", Azure = "azure", Cilium = "cilium", VpcCni = "vpc-cni" }
}
keyword_enum! {
    /// `mode=` of `node-pool`.
    pub enum NodePoolModeKw("node pool mode") { System = "system", User = "user", Spot = "spot" }
}
keyword_enum! {
    /// `ingress nginx`
    pub enum IngressKw("ingress controller") { Nginx = "nginx" }
}
keyword_enum! {
    /// `hosting managed|in-cluster` of `postgres` and `redis`.
    pub enum HostingKw("hosting") { Managed = "managed", InCluster = "in-cluster" }
}
keyword_enum! {
    /// `high-availability none production=zone-redundant`
    pub enum HaKw("high-availability mode") { None = "none", SameZone = "same-zone", ZoneRedundant = "zone-redundant" }
}
keyword_enum! {
    /// `delegate=` of `subnet`.
    pub enum DelegationKw("subnet delegation") { Postgresql = "postgresql" }
}
keyword_enum! {
    /// `kind web|worker|cronjob` of `service`.
    pub enum ServiceKindKw("service kind") { Web = "web", Worker = "worker", Cronjob = "cronjob" }
}
keyword_enum! {
    /// `signal=` of `alert`.
    pub enum SignalKw("alert signal") {
        PodRestarts = "pod-restarts",
        NodeCpuPercent = "node-cpu-percent",
        NodeMemoryPercent = "node-memory-percent",
        UnavailableReplicas = "unavailable-replicas",
        Http5xxPercent = "http-5xx-percent",
    }
}
keyword_enum! {
    /// `severity=` of `alert`.
    pub enum SeverityKw("alert severity") { Critical = "critical", Warning = "warning", Info = "info" }
}
keyword_enum! {
    /// `ci github-actions`
    pub enum CiKw("CI system") { GithubActions = "github-actions" }
}
keyword_enum! {
    /// `scan=` of `ci`.
    pub enum ScannerKw("image scanner") { Trivy = "trivy" }
}
keyword_enum! {
    /// `registry acr|ecr { … }`
    pub enum RegistryKw("registry") { Acr = "acr", Ecr = "ecr" }
}
keyword_enum! {
    /// `state azure-storage|s3`
    pub enum StateKw("state backend") { AzureStorage = "azure-storage", S3 = "s3" }
}
keyword_enum! {
    /// `secrets external-secrets|csi`
    pub enum SecretsKw("secrets backend") { ExternalSecrets = "external-secrets", Csi = "csi" }
}
keyword_enum! {
    /// `metrics prometheus { … }` of `observability`.
    pub enum MetricsKw("metrics backend") { Prometheus = "prometheus" }
}
keyword_enum! {
    /// `logs loki { … }` of `observability`.
    pub enum LogsKw("logs backend") { Loki = "loki" }
}
keyword_enum! {
    /// `traces tempo { … }` of `observability`.
    pub enum TracesKw("traces backend") { Tempo = "tempo" }
}
keyword_enum! {
    /// `sli=` of `slo`.
    pub enum SliKw("service-level indicator") { Availability = "availability", LatencyP95 = "latency-p95", ErrorRate = "error-rate" }
}
keyword_enum! {
    /// `kind=` of `dashboard`.
    pub enum DashboardKindKw("dashboard kind") {
        PlatformOverview = "platform-overview",
        ServiceHealth = "service-health",
        LogsTraces = "logs-traces",
    }
}
