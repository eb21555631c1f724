//! Grafana dashboards as dashboard JSON models: the platform overview, one
//! health dashboard per service the spec names, and logs-with-traces.
//!
//! Queries read the same series the SLO recording rules do (metric names
//! from the model's SLOs), Loki streams by the `namespace`/`container`
//! labels the log shipper sets, and Tempo by the service name. Data sources
//! are referenced by the fixed uids the Grafana values provision.

use serde_json::{Value, json};

use super::rules::{P95_RECORD, error_ratio_record, threshold_seconds};
use crate::model::{Dashboard, DashboardKind, Observability, Platform, Sli, Slo};

pub const PROMETHEUS_UID: &str = "prometheus";
pub const LOKI_UID: &str = "loki";
pub const TEMPO_UID: &str = "tempo";

/// Request counter and duration histogram most services use, when no SLO names theirs.
const DEFAULT_REQUESTS: &str = crate::model::DEFAULT_REQUESTS_METRIC;
const DEFAULT_DURATION: &str = crate::model::DEFAULT_DURATION_METRIC;

fn ds(kind: &str) -> Value {
    let uid = match kind {
        "loki" => LOKI_UID,
        "tempo" => TEMPO_UID,
        _ => PROMETHEUS_UID,
    };
    json!({ "type": kind, "uid": uid })
}

/// Lays panels out on Grafana's 24-column grid, left to right.
struct Grid {
    x: u32,
    y: u32,
    row_h: u32,
    next_id: u32,
}

impl Grid {
    fn new() -> Self {
        Grid {
            x: 0,
            y: 0,
            row_h: 0,
            next_id: 1,
        }
    }

    fn place(&mut self, w: u32, h: u32) -> (u32, Value) {
        if self.x + w > 24 {
            self.x = 0;
            self.y += self.row_h;
            self.row_h = 0;
        }
        let pos = json!({ "x": self.x, "y": self.y, "w": w, "h": h });
        self.x += w;
        self.row_h = self.row_h.max(h);
        let id = self.next_id;
        self.next_id += 1;
        (id, pos)
    }
}

struct Target {
    expr: String,
    legend: Option<String>,
}

fn prom(expr: impl Into<String>, legend: Option<&str>) -> Target {
    Target {
        expr: expr.into(),
        legend: legend.map(str::to_string),
    }
}

fn panel(
    grid: &mut Grid,
    kind: &str,
    title: &str,
    (w, h): (u32, u32),
    source: &str,
    targets: &[Target],
    unit: &str,
) -> Value {
    let (id, pos) = grid.place(w, h);
    let targets: Vec<Value> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let ref_id = ((b'A' + (i as u8 % 26)) as char).to_string();
            let mut v = json!({ "refId": ref_id, "datasource": ds(source), "expr": t.expr });
            if let (Some(legend), Some(m)) = (&t.legend, v.as_object_mut()) {
                m.insert("legendFormat".into(), json!(legend));
            }
            v
        })
        .collect();
    json!({
        "id": id,
        "type": kind,
        "title": title,
        "gridPos": pos,
        "datasource": ds(source),
        "targets": targets,
        "fieldConfig": { "defaults": { "unit": unit }, "overrides": [] },
        "options": {},
    })
}

fn dashboard(
    platform: &Platform,
    d: &Dashboard,
    panels: Vec<Value>,
    templating: Vec<Value>,
) -> Value {
    json!({
        "uid": format!("{}-{}", platform.name, d.name),
        "title": d.title,
        "tags": [platform.name, "platc"],
        "editable": false,
        "schemaVersion": 39,
        "version": 1,
        "timezone": "browser",
        "refresh": "30s",
        "time": { "from": "now-6h", "to": "now" },
        "templating": { "list": templating },
        "annotations": { "list": [] },
        "panels": panels,
    })
}

/// The services with metrics and their request metric names.
fn metered(platform: &Platform, obs: &Observability) -> Vec<(String, String, String)> {
    platform
        .services
        .iter()
        .filter(|s| s.metrics.is_some())
        .map(|s| {
            let slo = obs.slos.iter().find(|slo| slo.service == s.name);
            (
                s.name.clone(),
                slo.map(|x| x.requests_metric.clone())
                    .unwrap_or_else(|| DEFAULT_REQUESTS.into()),
                slo.map(|x| x.duration_metric.clone())
                    .unwrap_or_else(|| DEFAULT_DURATION.into()),
            )
        })
        .collect()
}

fn budget_remaining(slo: &Slo) -> String {
    format!(
        "1 - ({}{{slo=\"{}\"}} / {})",
        error_ratio_record(&format!("{}d", slo.window_days)),
        slo.name,
        super::rules::num(slo.error_budget())
    )
}

fn platform_overview(platform: &Platform, obs: &Observability, d: &Dashboard) -> Value {
    let ns = &platform.namespace;
    let mut g = Grid::new();
    let mut panels = vec![
        panel(
            &mut g,
            "stat",
            "Pods ready",
            (6, 4),
            "prometheus",
            &[prom(
                format!("sum(kube_pod_status_ready{{namespace=\"{ns}\",condition=\"true\"}})"),
                None,
            )],
            "none",
        ),
        panel(
            &mut g,
            "stat",
            "Pods not ready",
            (6, 4),
            "prometheus",
            &[prom(
                format!(
                    "sum(kube_pod_status_ready{{namespace=\"{ns}\",condition=\"false\"}}) or vector(0)"
                ),
                None,
            )],
            "none",
        ),
        panel(
            &mut g,
            "stat",
            "Nodes",
            (6, 4),
            "prometheus",
            &[prom("count(kube_node_info)", None)],
            "none",
        ),
        panel(
            &mut g,
            "stat",
            "Container restarts (1h)",
            (6, 4),
            "prometheus",
            &[prom(
                format!(
                    "sum(increase(kube_pod_container_status_restarts_total{{namespace=\"{ns}\"}}[1h]))"
                ),
                None,
            )],
            "none",
        ),
    ];
    let metered = metered(platform, obs);
    let rate: Vec<Target> = metered
        .iter()
        .map(|(s, m, _)| {
            prom(
                format!("sum(rate({m}{{namespace=\"{ns}\",job=\"{s}\"}}[5m]))"),
                Some(s),
            )
        })
        .collect();
    let errors: Vec<Target> = metered
        .iter()
        .map(|(s, m, _)| prom(format!(
            "sum(rate({m}{{namespace=\"{ns}\",job=\"{s}\",code=~\"5..\"}}[5m])) / sum(rate({m}{{namespace=\"{ns}\",job=\"{s}\"}}[5m]))"
        ), Some(s)))
        .collect();
    let latency: Vec<Target> = metered
        .iter()
        .map(|(s, _, m)| prom(format!(
            "histogram_quantile(0.95, sum by (le) (rate({m}_bucket{{namespace=\"{ns}\",job=\"{s}\"}}[5m])))"
        ), Some(s)))
        .collect();
    panels.push(panel(
        &mut g,
        "timeseries",
        "API request rate",
        (8, 8),
        "prometheus",
        &rate,
        "reqps",
    ));
    panels.push(panel(
        &mut g,
        "timeseries",
        "API error rate (5xx)",
        (8, 8),
        "prometheus",
        &errors,
        "percentunit",
    ));
    panels.push(panel(
        &mut g,
        "timeseries",
        "API latency (P95)",
        (8, 8),
        "prometheus",
        &latency,
        "s",
    ));
    panels.push(panel(&mut g, "timeseries", "CPU by pod", (12, 8), "prometheus",
        &[prom(format!("sum by (pod) (rate(container_cpu_usage_seconds_total{{namespace=\"{ns}\",container!=\"\"}}[5m]))"), Some("{{pod}}"))], "short"));
    panels.push(panel(&mut g, "timeseries", "Memory by pod", (12, 8), "prometheus",
        &[prom(format!("sum by (pod) (container_memory_working_set_bytes{{namespace=\"{ns}\",container!=\"\"}})"), Some("{{pod}}"))], "bytes"));
    if !obs.slos.is_empty() {
        let budgets: Vec<Target> = obs
            .slos
            .iter()
            .map(|s| prom(budget_remaining(s), Some(&s.name)))
            .collect();
        panels.push(panel(
            &mut g,
            "stat",
            "SLO error budget remaining",
            (24, 5),
            "prometheus",
            &budgets,
            "percentunit",
        ));
    }
    dashboard(platform, d, panels, Vec::new())
}

fn service_health(platform: &Platform, obs: &Observability, d: &Dashboard, service: &str) -> Value {
    let ns = &platform.namespace;
    let slos: Vec<&Slo> = obs.slos.iter().filter(|s| s.service == service).collect();
    let requests = slos
        .first()
        .map(|s| s.requests_metric.as_str())
        .unwrap_or(DEFAULT_REQUESTS);
    let sel = format!("namespace=\"{ns}\",job=\"{service}\"");
    let mut g = Grid::new();
    let mut panels = Vec::new();
    for slo in &slos {
        let title = match slo.sli {
            Sli::Availability => format!(
                "Availability ({}d, objective {}%)",
                slo.window_days, slo.objective
            ),
            Sli::ErrorRate => format!(
                "Successful requests ({}d, objective {}%)",
                slo.window_days, slo.objective
            ),
            Sli::LatencyP95 => format!(
                "Requests under {} ms ({}d, objective {}%)",
                slo.threshold_ms.unwrap_or(0),
                slo.window_days,
                slo.objective
            ),
        };
        let expr = format!(
            "1 - {}{{slo=\"{}\"}}",
            error_ratio_record(&format!("{}d", slo.window_days)),
            slo.name
        );
        panels.push(panel(
            &mut g,
            "stat",
            &title,
            (8, 4),
            "prometheus",
            &[prom(expr, None)],
            "percentunit",
        ));
    }
    if !slos.is_empty() {
        let budgets: Vec<Target> = slos
            .iter()
            .map(|s| prom(budget_remaining(s), Some(&s.name)))
            .collect();
        panels.push(panel(
            &mut g,
            "bargauge",
            "Error budget remaining",
            (24, 5),
            "prometheus",
            &budgets,
            "percentunit",
        ));
    }
    panels.push(panel(
        &mut g,
        "timeseries",
        "Requests by status code",
        (12, 8),
        "prometheus",
        &[prom(
            format!("sum by (code) (rate({requests}{{{sel}}}[5m]))"),
            Some("{{code}}"),
        )],
        "reqps",
    ));
    panels.push(panel(&mut g, "timeseries", "Error ratio (5xx)", (12, 8), "prometheus",
        &[prom(format!("sum(rate({requests}{{{sel},code=~\"5..\"}}[5m])) / sum(rate({requests}{{{sel}}}[5m]))"), Some("5xx ratio"))], "percentunit"));
    let latency: Vec<Target> = match slos.iter().find(|s| s.sli == Sli::LatencyP95) {
        Some(slo) => vec![
            prom(format!("{P95_RECORD}{{slo=\"{}\"}}", slo.name), Some("P95")),
            prom(
                format!("vector({})", threshold_seconds(slo)),
                Some("threshold"),
            ),
        ],
        None => vec![prom(
            format!(
                "histogram_quantile(0.95, sum by (le) (rate({DEFAULT_DURATION}_bucket{{{sel}}}[5m])))"
            ),
            Some("P95"),
        )],
    };
    panels.push(panel(
        &mut g,
        "timeseries",
        "Latency P95",
        (12, 8),
        "prometheus",
        &latency,
        "s",
    ));
    panels.push(panel(&mut g, "timeseries", "Replicas", (12, 8), "prometheus", &[
        prom(format!("kube_deployment_status_replicas_available{{namespace=\"{ns}\",deployment=\"{service}\"}}"), Some("available")),
        prom(format!("kube_horizontalpodautoscaler_status_desired_replicas{{namespace=\"{ns}\",horizontalpodautoscaler=\"{service}\"}}"), Some("desired (HPA)")),
    ], "none"));
    panels.push(panel(&mut g, "timeseries", "CPU", (8, 8), "prometheus",
        &[prom(format!("sum by (pod) (rate(container_cpu_usage_seconds_total{{namespace=\"{ns}\",container=\"{service}\"}}[5m]))"), Some("{{pod}}"))], "short"));
    panels.push(panel(&mut g, "timeseries", "Memory", (8, 8), "prometheus",
        &[prom(format!("sum by (pod) (container_memory_working_set_bytes{{namespace=\"{ns}\",container=\"{service}\"}})"), Some("{{pod}}"))], "bytes"));
    panels.push(panel(&mut g, "timeseries", "Restarts (15m)", (8, 8), "prometheus",
        &[prom(format!("sum by (pod) (increase(kube_pod_container_status_restarts_total{{namespace=\"{ns}\",container=\"{service}\"}}[15m]))"), Some("{{pod}}"))], "none"));
    if obs.logs.is_some() {
        panels.push(panel(
            &mut g,
            "logs",
            "Error logs",
            (24, 10),
            "loki",
            &[prom(
                format!("{{namespace=\"{ns}\", container=\"{service}\"}} |~ \"(?i)error\""),
                None,
            )],
            "none",
        ));
    }
    dashboard(platform, d, panels, Vec::new())
}

fn logs_traces(platform: &Platform, obs: &Observability, d: &Dashboard) -> Value {
    let ns = &platform.namespace;
    let services: Vec<&str> = platform.services.iter().map(|s| s.name.as_str()).collect();
    let options: Vec<Value> = services
        .iter()
        .map(|s| json!({ "text": s, "value": s, "selected": false }))
        .collect();
    let templating = vec![json!({
        "name": "service",
        "label": "Service",
        "type": "custom",
        "query": services.join(","),
        "multi": true,
        "includeAll": true,
        "current": { "text": "All", "value": "$__all" },
        "options": options,
    })];
    let stream = format!("{{namespace=\"{ns}\", container=~\"$service\"}}");
    let mut g = Grid::new();
    let mut panels = vec![
        panel(
            &mut g,
            "timeseries",
            "Log volume by service",
            (12, 7),
            "loki",
            &[prom(
                format!("sum by (container) (count_over_time({stream}[5m]))"),
                Some("{{container}}"),
            )],
            "short",
        ),
        panel(
            &mut g,
            "timeseries",
            "Error log lines by service",
            (12, 7),
            "loki",
            &[prom(
                format!("sum by (container) (count_over_time({stream} |~ \"(?i)error\" [5m]))"),
                Some("{{container}}"),
            )],
            "short",
        ),
        panel(
            &mut g,
            "logs",
            "Logs (a traceID opens its trace in Tempo)",
            (24, 12),
            "loki",
            &[prom(stream.clone(), None)],
            "none",
        ),
    ];
    if obs.traces.is_some() {
        let (id, pos) = g.place(24, 10);
        panels.push(json!({
            "id": id,
            "type": "table",
            "title": "Recent traces",
            "gridPos": pos,
            "datasource": ds("tempo"),
            "targets": [{
                "refId": "A",
                "datasource": ds("tempo"),
                "queryType": "traceql",
                "query": "{ resource.service.name =~ \"$service\" }",
                "limit": 50,
            }],
            "fieldConfig": { "defaults": {}, "overrides": [] },
            "options": {},
        }));
    }
    dashboard(platform, d, panels, templating)
}

/// Every dashboard as `(name, model)`, in declaration order.
pub fn dashboards(platform: &Platform, obs: &Observability) -> Vec<(String, Value)> {
    obs.dashboards
        .iter()
        .map(|d| {
            let model = match &d.kind {
                DashboardKind::PlatformOverview => platform_overview(platform, obs, d),
                DashboardKind::ServiceHealth { service } => {
                    service_health(platform, obs, d, service)
                }
                DashboardKind::LogsTraces => logs_traces(platform, obs, d),
            };
            (d.name.clone(), model)
        })
        .collect()
}
