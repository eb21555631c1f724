//! Monitoring: log workspace, application telemetry and alert rules.

use serde::Serialize;

use super::PerEnv;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitoring {
    pub name: String,
    pub retention_days: PerEnv<u32>,
    pub app_insights: bool,
    pub alerts: Vec<Alert>,
    pub cloud_name: PerEnv<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub name: String,
    pub signal: Signal,
    /// Fires when the signal is above this value.
    pub threshold: f64,
    pub window_minutes: u32,
    pub severity: Severity,
}

/// What an alert watches, in platform terms; each cloud target maps it to its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    PodRestarts,
    NodeCpuPercent,
    NodeMemoryPercent,
    UnavailableReplicas,
    Http5xxPercent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// The spec's keyword, also the `severity` label of alerts.
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}
