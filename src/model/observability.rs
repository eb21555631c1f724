//! In-cluster observability: the LGTM stack (Prometheus metrics, Loki logs,
//! Tempo traces, Grafana), service-level objectives with their alerts, and
//! dashboards.
//!
//! Everything here is cloud-neutral: the stack runs as cluster add-ons, the
//! SLOs compile to PrometheusRules and the dashboards to Grafana JSON. The
//! metric names each SLO reads are resolved here once so that the recording
//! rules, the alerts and the dashboards query the same series.

use serde::Serialize;

use super::{PerEnv, Severity};

/// Request counter (labelled with the HTTP status `code`) a service is
/// assumed to export when no SLO names another.
pub const DEFAULT_REQUESTS_METRIC: &str = "http_requests_total";
/// Request-duration histogram (seconds) a service is assumed to export.
pub const DEFAULT_DURATION_METRIC: &str = "http_request_duration_seconds";

/// Namespace of the LGTM stack's add-ons (Prometheus, Grafana, Loki, Tempo).
pub const OBSERVABILITY_NAMESPACE: &str = "monitoring";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observability {
    pub metrics: Backend,
    pub logs: Option<Backend>,
    pub traces: Option<Backend>,
    pub grafana: bool,
    /// Sorted by name.
    pub slos: Vec<Slo>,
    /// Declaration order.
    pub alerts: Vec<SloAlert>,
    /// Declaration order.
    pub dashboards: Vec<Dashboard>,
}

/// One storage backend of the stack (Prometheus, Loki or Tempo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backend {
    pub kind: BackendKind,
    pub retention_days: PerEnv<u32>,
    pub storage_gb: PerEnv<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    Prometheus,
    Loki,
    Tempo,
}

/// A service-level objective over one service's request metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slo {
    pub name: String,
    pub service: String,
    pub sli: Sli,
    /// Target percentage of good events (`99.9`).
    pub objective: f64,
    /// Compliance window in days.
    pub window_days: u32,
    /// Latency SLIs: the threshold a good request stays under, in milliseconds.
    pub threshold_ms: Option<u32>,
    /// Why this objective (the business justification).
    pub description: String,
    /// Counter of requests, labelled with the HTTP status `code`.
    pub requests_metric: String,
    /// Histogram (seconds) of request durations.
    pub duration_metric: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sli {
    /// Share of time the service's pods are up and scraped.
    Availability,
    /// Share of requests faster than the threshold (P95 ≤ threshold when the objective is 95).
    LatencyP95,
    /// Share of requests not answered with a 5xx.
    ErrorRate,
}

/// An alert on one SLO.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloAlert {
    pub name: String,
    pub slo: String,
    pub severity: Severity,
    /// How long the condition must hold (latency alerts); burn-rate alerts use their windows.
    pub for_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub name: String,
    pub title: String,
    pub kind: DashboardKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum DashboardKind {
    /// Cluster and namespace health, request rate, latency and errors of every service.
    PlatformOverview,
    /// One service's golden signals and SLO compliance.
    ServiceHealth { service: String },
    /// Loki logs next to Tempo traces, linked by trace id.
    LogsTraces,
}

impl SloAlert {
    /// The Prometheus alert name: the spec's name in CamelCase
    /// (`high-error-rate` → `HighErrorRate`), since Prometheus rule
    /// validation requires alert names to be metric-name shaped. The
    /// PrometheusRule and the runbook both use it.
    pub fn prometheus_name(&self) -> String {
        self.name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl Observability {
    /// The SLO an alert watches.
    pub fn slo(&self, name: &str) -> Option<&Slo> {
        self.slos.iter().find(|s| s.name == name)
    }
}

impl Slo {
    /// The error budget as a ratio (`1 - objective/100`).
    pub fn error_budget(&self) -> f64 {
        1.0 - self.objective / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_names_are_camel_case() {
        let alert = |name: &str| SloAlert {
            name: name.into(),
            slo: "s".into(),
            severity: Severity::Warning,
            for_minutes: 10,
        };
        assert_eq!(alert("high-error-rate").prometheus_name(), "HighErrorRate");
        assert_eq!(alert("p95-latency2").prometheus_name(), "P95Latency2");
    }
}
