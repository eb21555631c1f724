//! `monitoring NAME { retention-days …; app-insights; alert NAME signal=… threshold=… window=… severity=… }`

use kdl::KdlNode;

use super::keywords::{SeverityKw, SignalKw};
use super::reader::{NodeReader, Once, flag_node, per_env_node, unknown_node};
use super::value::{Minutes, PerEnvValue};
use super::{Span, Spanned};
use crate::diagnostic::Sink;

#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringDecl {
    pub name: Spanned<String>,
    pub keyword: Span,
    pub retention_days: Option<PerEnvValue<u32>>,
    pub app_insights: Option<Spanned<bool>>,
    pub alerts: Vec<AlertDecl>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertDecl {
    pub name: Spanned<String>,
    pub signal: Spanned<SignalKw>,
    pub threshold: Spanned<f64>,
    pub window: Spanned<Minutes>,
    pub severity: Spanned<SeverityKw>,
}

pub const CHILDREN: &[&str] = &["retention-days", "app-insights", "alert"];
pub const ALERT_USAGE: &str =
    "alert NAME signal=SIGNAL threshold=N window=5m severity=critical|warning|info";

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<MonitoringDecl> {
    let mut r = NodeReader::new(
        node,
        "monitoring NAME { retention-days 30; app-insights; alert … }",
    );
    let name = r.req_arg::<String>(0, "a name", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut decl = MonitoringDecl {
        name: name?,
        keyword,
        retention_days: None,
        app_insights: None,
        alerts: Vec::new(),
    };
    let mut once = Once::default();
    for child in children {
        match child.name().value() {
            "retention-days" if once.first(child, "`monitoring`", sink) => {
                decl.retention_days = per_env_node(
                    child,
                    "a number of days",
                    "retention-days N [ENV=N …]",
                    sink,
                )
            }
            "app-insights" if once.first(child, "`monitoring`", sink) => {
                decl.app_insights = flag_node(child, "app-insights [#true|#false]", sink)
            }
            "retention-days" | "app-insights" => {}
            "alert" => decl.alerts.extend(decode_alert(child, sink)),
            _ => unknown_node(child, "`monitoring`", CHILDREN, sink),
        }
    }
    Some(decl)
}

fn decode_alert(node: &KdlNode, sink: &mut Sink) -> Option<AlertDecl> {
    let mut r = NodeReader::new(node, ALERT_USAGE);
    let name = r.req_arg::<String>(0, "a name", sink);
    let signal = r.req_prop::<SignalKw>("signal", sink);
    let threshold = r.req_prop::<f64>("threshold", sink);
    let window = r.req_prop::<Minutes>("window", sink);
    let severity = r.req_prop::<SeverityKw>("severity", sink);
    r.finish(sink);
    Some(AlertDecl {
        name: name?,
        signal: signal?,
        threshold: threshold?,
        window: window?,
        severity: severity?,
    })
}
