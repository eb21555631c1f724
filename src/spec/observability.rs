//! `observability { metrics …; logs …; traces …; grafana; slo …; alert …; dashboard … }`
//!
//! The in-cluster LGTM stack (Prometheus, Loki, Tempo, Grafana) and what it
//! watches: service-level objectives, the alerts that page on them, and the
//! dashboards. Decoded by hand like every other node, into raw spanned
//! structs; the resolver checks references (services, SLOs) and ranges.

use kdl::KdlNode;

use super::keywords::{DashboardKindKw, LogsKw, MetricsKw, SeverityKw, SliKw, TracesKw};
use super::reader::{NodeReader, Once, flag_node, per_env_node, unknown_node, value_node};
use super::value::{Duration, FromValue, Minutes, PerEnvValue};
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct ObservabilityDecl {
    pub keyword: Span,
    pub metrics: Option<BackendDecl<MetricsKw>>,
    pub logs: Option<BackendDecl<LogsKw>>,
    pub traces: Option<BackendDecl<TracesKw>>,
    pub grafana: Option<Spanned<bool>>,
    pub slos: Vec<SloDecl>,
    pub alerts: Vec<SloAlertDecl>,
    pub dashboards: Vec<DashboardDecl>,
}

/// `metrics prometheus { retention-days 7 production=30; storage-gb 20 production=100 }`
#[derive(Debug, Clone, PartialEq)]
pub struct BackendDecl<K> {
    pub kind: Spanned<K>,
    pub retention_days: Option<PerEnvValue<u32>>,
    pub storage_gb: Option<PerEnvValue<u32>>,
}

/// `slo NAME service=S sli=… objective=N window="30d" [threshold="300ms"] { description "…" }`
#[derive(Debug, Clone, PartialEq)]
pub struct SloDecl {
    pub name: Spanned<String>,
    pub service: Spanned<String>,
    pub sli: Spanned<SliKw>,
    pub objective: Spanned<f64>,
    pub window: Spanned<Duration>,
    pub threshold: Option<Spanned<Duration>>,
    pub requests_metric: Option<Spanned<String>>,
    pub duration_metric: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
}

/// `alert NAME slo=SLO severity=… [for="10m"]`
#[derive(Debug, Clone, PartialEq)]
pub struct SloAlertDecl {
    pub name: Spanned<String>,
    pub slo: Spanned<String>,
    pub severity: Spanned<SeverityKw>,
    pub for_: Option<Spanned<Minutes>>,
}

/// `dashboard NAME kind=… [service=S] title="…"`
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardDecl {
    pub name: Spanned<String>,
    pub kind: Spanned<DashboardKindKw>,
    pub service: Option<Spanned<String>>,
    pub title: Spanned<String>,
}

pub const CHILDREN: &[&str] = &[
    "metrics",
    "logs",
    "traces",
    "grafana",
    "slo",
    "alert",
    "dashboard",
];
pub const BACKEND_CHILDREN: &[&str] = &["retention-days", "storage-gb"];
pub const USAGE: &str = "observability { metrics prometheus { … }; logs loki { … }; traces tempo { … }; grafana; slo …; alert …; dashboard … }";
pub const SLO_USAGE: &str = "slo NAME service=SERVICE sli=availability|latency-p95|error-rate objective=99.9 window=\"30d\" [threshold=\"300ms\"] { description \"why\" }";
pub const ALERT_USAGE: &str = "alert NAME slo=SLO severity=critical|warning|info [for=\"10m\"]";
pub const DASHBOARD_USAGE: &str = "dashboard NAME kind=platform-overview|service-health|logs-traces [service=SERVICE] title=\"TEXT\"";

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<ObservabilityDecl> {
    let r = NodeReader::new(node, USAGE);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut decl = ObservabilityDecl {
        keyword,
        metrics: None,
        logs: None,
        traces: None,
        grafana: None,
        slos: Vec::new(),
        alerts: Vec::new(),
        dashboards: Vec::new(),
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        let single = matches!(key, "metrics" | "logs" | "traces" | "grafana");
        if single && !once.first(child, "`observability`", sink) {
            continue;
        }
        match key {
            "metrics" => {
                decl.metrics = decode_backend(
                    child,
                    "metrics prometheus { retention-days N; storage-gb N }",
                    sink,
                )
            }
            "logs" => {
                decl.logs =
                    decode_backend(child, "logs loki { retention-days N; storage-gb N }", sink)
            }
            "traces" => {
                decl.traces = decode_backend(
                    child,
                    "traces tempo { retention-days N; storage-gb N }",
                    sink,
                )
            }
            "grafana" => decl.grafana = flag_node(child, "grafana [#true|#false]", sink),
            "slo" => decl.slos.extend(decode_slo(child, sink)),
            "alert" => decl.alerts.extend(decode_alert(child, sink)),
            "dashboard" => decl.dashboards.extend(decode_dashboard(child, sink)),
            _ => unknown_node(child, "`observability`", CHILDREN, sink),
        }
    }
    if decl.metrics.is_none() && !children.iter().any(|c| c.name().value() == "metrics") {
        sink.push(
            Diagnostic::error("missing-node", keyword, "`observability` needs a `metrics` node")
                .label("no `metrics` inside")
                .help("add `metrics prometheus { retention-days 7; storage-gb 20 }`: SLOs, alerts and dashboards read Prometheus"),
        );
    }
    Some(decl)
}

fn decode_backend<K: FromValue>(
    node: &KdlNode,
    usage: &'static str,
    sink: &mut Sink,
) -> Option<BackendDecl<K>> {
    let mut r = NodeReader::new(node, usage);
    let kind = r.req_arg::<K>(0, "a backend", sink);
    let children = r.children();
    r.finish_with_children(sink);
    let parent = format!("`{}`", node.name().value());
    let mut retention_days = None;
    let mut storage_gb = None;
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if BACKEND_CHILDREN.contains(&key) && !once.first(child, &parent, sink) {
            continue;
        }
        match key {
            "retention-days" => {
                retention_days = per_env_node(
                    child,
                    "a number of days",
                    "retention-days N [ENV=N …]",
                    sink,
                )
            }
            "storage-gb" => {
                storage_gb = per_env_node(child, "a size in GB", "storage-gb N [ENV=N …]", sink)
            }
            _ => unknown_node(child, &parent, BACKEND_CHILDREN, sink),
        }
    }
    Some(BackendDecl {
        kind: kind?,
        retention_days,
        storage_gb,
    })
}

fn decode_slo(node: &KdlNode, sink: &mut Sink) -> Option<SloDecl> {
    let mut r = NodeReader::new(node, SLO_USAGE);
    let name = r.req_arg::<String>(0, "a name", sink);
    let service = r.req_prop::<String>("service", sink);
    let sli = r.req_prop::<SliKw>("sli", sink);
    let objective = r.req_prop::<f64>("objective", sink);
    let window = r.req_prop::<Duration>("window", sink);
    let threshold = r.prop::<Duration>("threshold", sink);
    let requests_metric = r.prop::<String>("requests-metric", sink);
    let duration_metric = r.prop::<String>("duration-metric", sink);
    let children = r.children();
    r.finish_with_children(sink);
    let mut description = None;
    let mut once = Once::default();
    for child in children {
        match child.name().value() {
            "description" if once.first(child, "`slo`", sink) => {
                description =
                    value_node(child, "a text", "description \"why this objective\"", sink)
            }
            "description" => {}
            _ => unknown_node(child, "`slo`", &["description"], sink),
        }
    }
    Some(SloDecl {
        name: name?,
        service: service?,
        sli: sli?,
        objective: objective?,
        window: window?,
        threshold,
        requests_metric,
        duration_metric,
        description,
    })
}

fn decode_alert(node: &KdlNode, sink: &mut Sink) -> Option<SloAlertDecl> {
    let mut r = NodeReader::new(node, ALERT_USAGE);
    let name = r.req_arg::<String>(0, "a name", sink);
    let slo = r.req_prop::<String>("slo", sink);
    let severity = r.req_prop::<SeverityKw>("severity", sink);
    let for_ = r.prop::<Minutes>("for", sink);
    r.finish(sink);
    Some(SloAlertDecl {
        name: name?,
        slo: slo?,
        severity: severity?,
        for_,
    })
}

fn decode_dashboard(node: &KdlNode, sink: &mut Sink) -> Option<DashboardDecl> {
    let mut r = NodeReader::new(node, DASHBOARD_USAGE);
    let name = r.req_arg::<String>(0, "a name", sink);
    let kind = r.req_prop::<DashboardKindKw>("kind", sink);
    let service = r.prop::<String>("service", sink);
    let title = r.req_prop::<String>("title", sink);
    r.finish(sink);
    Some(DashboardDecl {
        name: name?,
        kind: kind?,
        service,
        title: title?,
    })
}
