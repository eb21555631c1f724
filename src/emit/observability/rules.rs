//! The SLOs compiled into one PrometheusRule: recording rules for each SLI
//! over the burn-rate windows, and the alerts the spec declares.
//!
//! Ratio SLIs (availability, error rate) alert on multi-window, multi-burn-
//! rate conditions (the SRE workbook's page conditions): the error ratio is
//! above 14.4× the budget over 1h and 5m (2% of a 30-day budget in an hour),
//! or above 6× over 6h and 30m (5% in six hours). The short window makes the
//! alert stop soon after the problem does. Latency SLIs alert when the
//! recorded P95 stays above the threshold for the alert's `for`.

use serde_json::{Value, json};

use crate::model::{Observability, Platform, Sli, Slo};

/// Windows every ratio SLI is recorded over.
const WINDOWS: &[&str] = &["5m", "30m", "1h", "6h"];
/// (long window, short window, burn-rate factor) pairs of the page alert.
const BURN_RATES: &[(&str, &str, f64)] = &[("1h", "5m", 14.4), ("6h", "30m", 6.0)];

/// Name of the PrometheusRule object.
pub fn rule_name(platform: &Platform) -> String {
    format!("{}-slos", platform.name)
}

/// Label selector of a service's scraped series (prometheus-operator sets
/// `job` to the Service name and `namespace` to its namespace).
fn selector(platform: &Platform, slo: &Slo) -> String {
    format!(
        "job=\"{}\",namespace=\"{}\"",
        slo.service, platform.namespace
    )
}

/// Recording-rule name of an SLI's error ratio over `window`.
pub fn error_ratio_record(window: &str) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// Recording-rule name of a latency SLI's P95, in seconds.
pub const P95_RECORD: &str = "slo:request_duration_seconds:p95_5m";

/// PromQL of an SLI's error ratio over `window`.
pub fn error_ratio_expr(platform: &Platform, slo: &Slo, window: &str) -> String {
    let sel = selector(platform, slo);
    match slo.sli {
        Sli::Availability => format!("1 - avg(avg_over_time(up{{{sel}}}[{window}]))"),
        Sli::ErrorRate => format!(
            "sum(rate({m}{{{sel},code=~\"5..\"}}[{window}])) / sum(rate({m}{{{sel}}}[{window}]))",
            m = slo.requests_metric
        ),
        Sli::LatencyP95 => {
            let le = threshold_seconds(slo);
            format!(
                "1 - (sum(rate({m}_bucket{{{sel},le=\"{le}\"}}[{window}])) / sum(rate({m}_count{{{sel}}}[{window}])))",
                m = slo.duration_metric
            )
        }
    }
}

/// A latency SLI's threshold in seconds, as Prometheus writes `le` labels.
pub fn threshold_seconds(slo: &Slo) -> String {
    let ms = slo.threshold_ms.unwrap_or(0);
    format!("{}", f64::from(ms) / 1000.0)
}

/// PromQL of a latency SLI's P95 in seconds.
pub fn p95_expr(platform: &Platform, slo: &Slo) -> String {
    format!(
        "histogram_quantile(0.95, sum by (le) (rate({m}_bucket{{{sel}}}[5m])))",
        m = slo.duration_metric,
        sel = selector(platform, slo)
    )
}

/// The generated runbook on the repository's default branch.
pub fn runbook_url(platform: &Platform) -> String {
    format!(
        "https://github.com/{}/blob/HEAD/docs/runbook.md",
        platform.repository
    )
}

/// Number formatting that never prints `14.4000000001`.
pub fn num(x: f64) -> String {
    let rounded = (x * 1e6).round() / 1e6;
    format!("{rounded}")
}

fn slo_labels(slo: &Slo) -> Value {
    json!({ "slo": slo.name, "service": slo.service })
}

/// The recording rules of one SLO.
fn records(platform: &Platform, slo: &Slo) -> Vec<Value> {
    let mut out: Vec<Value> = WINDOWS
        .iter()
        .map(|w| {
            json!({
                "record": error_ratio_record(w),
                "expr": error_ratio_expr(platform, slo, w),
                "labels": slo_labels(slo),
            })
        })
        .collect();
    out.push(json!({
        "record": error_ratio_record(&format!("{}d", slo.window_days)),
        "expr": error_ratio_expr(platform, slo, &format!("{}d", slo.window_days)),
        "labels": slo_labels(slo),
    }));
    if slo.sli == Sli::LatencyP95 {
        out.push(json!({
            "record": P95_RECORD,
            "expr": p95_expr(platform, slo),
            "labels": slo_labels(slo),
        }));
    }
    out
}

/// The PrometheusRule of the platform's SLOs and alerts.
pub fn prometheus_rule(platform: &Platform, obs: &Observability) -> Value {
    let mut groups: Vec<Value> = obs
        .slos
        .iter()
        .map(|slo| {
            json!({
                "name": format!("slo-{}-recordings", slo.name),
                "interval": "1m",
                "rules": records(platform, slo),
            })
        })
        .collect();
    let mut alerts = Vec::new();
    for alert in &obs.alerts {
        let Some(slo) = obs.slo(&alert.slo) else {
            continue;
        };
        let sel = format!("slo=\"{}\"", slo.name);
        let budget = slo.error_budget();
        let (expr, for_, summary) = match slo.sli {
            Sli::LatencyP95 => (
                format!("{P95_RECORD}{{{sel}}} > {}", threshold_seconds(slo)),
                format!("{}m", alert.for_minutes),
                format!(
                    "{} P95 latency above {} ms for {} minutes",
                    slo.service,
                    slo.threshold_ms.unwrap_or(0),
                    alert.for_minutes
                ),
            ),
            Sli::Availability | Sli::ErrorRate => {
                let conditions: Vec<String> = BURN_RATES
                    .iter()
                    .map(|(long, short, factor)| {
                        let limit = num(factor * budget);
                        format!(
                            "({long_r}{{{sel}}} > {limit} and {short_r}{{{sel}}} > {limit})",
                            long_r = error_ratio_record(long),
                            short_r = error_ratio_record(short),
                        )
                    })
                    .collect();
                (
                    conditions.join(" or "),
                    format!("{}m", alert.for_minutes),
                    format!(
                        "{} is burning its {}-day error budget (objective {}%) too fast",
                        slo.service,
                        slo.window_days,
                        num(slo.objective)
                    ),
                )
            }
        };
        alerts.push(json!({
            "alert": alert.prometheus_name(),
            "expr": expr,
            "for": for_,
            "labels": {
                "severity": alert.severity.keyword(),
                "slo": slo.name,
                "service": slo.service,
            },
            "annotations": {
                "summary": summary,
                "description": slo.description,
                "runbook_url": runbook_url(platform),
            },
        }));
    }
    if !alerts.is_empty() {
        groups.push(json!({ "name": "slo-alerts", "rules": alerts }));
    }
    json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": rule_name(platform),
            "namespace": platform.namespace,
            "labels": {
                "app.kubernetes.io/name": rule_name(platform),
                "app.kubernetes.io/part-of": platform.name,
                "app.kubernetes.io/managed-by": "platc",
            },
        },
        "spec": { "groups": groups },
    })
}
