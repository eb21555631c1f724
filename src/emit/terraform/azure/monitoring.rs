//! The `monitoring` family: the Log Analytics workspace Container Insights
//! writes to (retention per environment), Application Insights when the spec
//! asks for it, and the spec's alert rules with an action group.
//!
//! Each model [`Signal`] maps to what Azure measures best:
//! node CPU and memory are AKS platform metrics (metric alerts on the
//! cluster); pod restarts and unavailable replicas come from Container
//! Insights' `KubePodInventory`, and the ingress 5xx rate from the ingress
//! controller's access log in `ContainerLogV2` (log search alerts on the
//! workspace). Queries are scoped to the namespaces the model names.

use super::aks;
use super::context::{Azure, Part, call, common_variables, located, tagged, var};
use crate::emit::terraform::hcl::{Block, Body, Expr};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, list_of, map_of, object_type};
use crate::model::{Alert, Monitoring, Platform, Severity, Signal};

/// Name of the monitoring module call.
pub const CALL: &str = "monitoring";

/// Root input: e-mail addresses the action group notifies.
pub const EMAILS_VAR: &str = "alert_email_addresses";

/// Window sizes a metric alert accepts, in minutes.
const METRIC_WINDOWS: &[u32] = &[1, 5, 15, 30, 60, 360, 720, 1440];

/// Window sizes a log search alert accepts, in minutes.
const QUERY_WINDOWS: &[u32] = &[5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880];

/// How one alert is evaluated on Azure.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// An AKS platform metric, averaged over the window.
    Metric { metric: &'static str },
    /// A log search over the workspace; fires on the maximum of `measure`.
    Query {
        query: String,
        measure: &'static str,
    },
}

/// The Azure rule of a signal.
pub fn rule(p: &Platform, signal: Signal) -> Rule {
    let ns = &p.namespace;
    match signal {
        Signal::NodeCpuPercent => Rule::Metric {
            metric: "node_cpu_usage_percentage",
        },
        Signal::NodeMemoryPercent => Rule::Metric {
            metric: "node_memory_working_set_percentage",
        },
        Signal::PodRestarts => Rule::Query {
            query: format!(
                "KubePodInventory | where Namespace == \"{ns}\" | summarize Restarts = max(ContainerRestartCount) - min(ContainerRestartCount) by PodUid, ContainerName"
            ),
            measure: "Restarts",
        },
        Signal::UnavailableReplicas => Rule::Query {
            query: format!(
                "KubePodInventory | where Namespace == \"{ns}\" and ControllerKind == \"ReplicaSet\" | summarize arg_max(TimeGenerated, PodStatus, ContainerStatus) by Name, ControllerName | summarize Unavailable = countif(PodStatus !~ \"Running\" or ContainerStatus !~ \"running\") by ControllerName"
            ),
            measure: "Unavailable",
        },
        Signal::Http5xxPercent => Rule::Query {
            query: format!(
                "ContainerLogV2 | where PodNamespace == \"{}\" and ContainerName == \"controller\" | extend Status = toint(extract(@'\" ([0-9]{{3}}) ', 1, tostring(LogMessage))) | where isnotnull(Status) | summarize Requests = count(), Errors = countif(Status >= 500) | extend ErrorPercent = iff(Requests == 0, 0.0, 100.0 * Errors / Requests)",
                p.cluster.ingress.namespace()
            ),
            measure: "ErrorPercent",
        },
    }
}

/// Azure Monitor severity (0 critical … 4 verbose).
fn severity(s: Severity) -> u32 {
    match s {
        Severity::Critical => 0,
        Severity::Warning => 2,
        Severity::Info => 3,
    }
}

/// ISO 8601 duration of `minutes`.
fn duration(minutes: u32) -> String {
    match minutes {
        m if m.is_multiple_of(1440) => format!("P{}D", m / 1440),
        m if m.is_multiple_of(60) => format!("PT{}H", m / 60),
        m => format!("PT{m}M"),
    }
}

/// The smallest allowed window covering `minutes` (the largest if none does).
fn window(allowed: &[u32], minutes: u32) -> u32 {
    allowed
        .iter()
        .copied()
        .find(|w| *w >= minutes)
        .or_else(|| allowed.last().copied())
        .unwrap_or(minutes)
}

fn description(a: &Alert) -> String {
    let what = match a.signal {
        Signal::PodRestarts => "container restarts",
        Signal::NodeCpuPercent => "node CPU %",
        Signal::NodeMemoryPercent => "node memory working set %",
        Signal::UnavailableReplicas => "unavailable deployment replicas",
        Signal::Http5xxPercent => "ingress 5xx responses %",
    };
    format!(
        "{}: {what} above {} over {} minutes.",
        a.name, a.threshold, a.window_minutes
    )
}

pub fn part(az: &Azure, m: &Monitoring) -> Part {
    let p = az.p;
    let metric: Vec<(&Alert, &'static str)> = m
        .alerts
        .iter()
        .filter_map(|a| match rule(p, a.signal) {
            Rule::Metric { metric } => Some((a, metric)),
            Rule::Query { .. } => None,
        })
        .collect();
    let query: Vec<(&Alert, String, &'static str)> = m
        .alerts
        .iter()
        .filter_map(|a| match rule(p, a.signal) {
            Rule::Query { query, measure } => Some((a, query, measure)),
            Rule::Metric { .. } => None,
        })
        .collect();
    let mut tfvars = vec![
        RootVar::new(
            Variable::new(
                "monitoring_workspace_name",
                "string",
                "Name of the Log Analytics workspace.",
            ),
            m.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(
                "monitoring_retention_days",
                "number",
                "Days the workspace keeps logs (30-730).",
            )
            .validation(
                Expr::raw(
                    "var.monitoring_retention_days >= 30 && var.monitoring_retention_days <= 730",
                ),
                "Retention must be between 30 and 730 days.",
            ),
            m.retention_days.map(|d| Expr::from(*d)),
        ),
    ];
    let mut c = call(CALL, "monitoring")
        .arg("workspace_name", var("monitoring_workspace_name"))
        .arg("retention_days", var("monitoring_retention_days"));
    if m.app_insights {
        tfvars.push(RootVar::new(
            Variable::new(
                "monitoring_application_insights_name",
                "string",
                "Name of the Application Insights component.",
            ),
            az.per_env(|e| Expr::str(format!("appi-{}-{}", p.name, e.name))),
        ));
        c = c.arg(
            "application_insights_name",
            var("monitoring_application_insights_name"),
        );
    }
    if !m.alerts.is_empty() {
        tfvars.push(RootVar::new(
            Variable::new(
                "monitoring_action_group_name",
                "string",
                "Name of the action group alerts notify.",
            ),
            az.per_env(|e| Expr::str(format!("ag-{}-{}", p.name, e.name))),
        ));
        c = c
            .arg("action_group_name", var("monitoring_action_group_name"))
            .arg("action_group_short_name", short_name(&p.name))
            .arg("alert_email_addresses", var(EMAILS_VAR));
    }
    if !metric.is_empty() {
        c = c.arg("cluster_id", Expr::raw(format!("module.{}.id", aks::CALL)));
        c = c.arg(
            "metric_alerts",
            Expr::object(metric.iter().map(|(a, metric)| {
                let w = window(METRIC_WINDOWS, a.window_minutes);
                (
                    a.name.clone(),
                    Expr::object([
                        ("description", Expr::str(description(a))),
                        ("severity", Expr::from(severity(a.severity))),
                        ("metric", Expr::str(*metric)),
                        ("threshold", Expr::float(a.threshold)),
                        ("window", Expr::str(duration(w))),
                    ]),
                )
            })),
        );
    }
    if !query.is_empty() {
        c = c.arg(
            "query_alerts",
            Expr::object(query.iter().map(|(a, q, measure)| {
                let w = window(QUERY_WINDOWS, a.window_minutes);
                (
                    a.name.clone(),
                    Expr::object([
                        ("description", Expr::str(description(a))),
                        ("severity", Expr::from(severity(a.severity))),
                        ("query", Expr::str(q)),
                        ("measure", Expr::str(*measure)),
                        ("threshold", Expr::float(a.threshold)),
                        ("window", Expr::str(duration(w))),
                        ("frequency", Expr::str(duration(w.min(5)))),
                    ]),
                )
            })),
        );
    }
    Part {
        module: module(m, !metric.is_empty(), !query.is_empty()),
        calls: vec![c],
        tfvars,
    }
}

/// Action group short names have at most 12 characters.
fn short_name(platform: &str) -> String {
    platform
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(12)
        .collect()
}

fn module(m: &Monitoring, metric: bool, query: bool) -> Module {
    let mut module = Module::new("monitoring", super::context::PROVIDERS);
    module.variables = common_variables();
    module.variables.extend([
        Variable::new(
            "workspace_name",
            "string",
            "Name of the Log Analytics workspace.",
        )
        .not_null(),
        Variable::new("retention_days", "number", "Days the workspace keeps logs.").not_null(),
    ]);
    let workspace = tagged(
        located(
            "azurerm_log_analytics_workspace",
            "this",
            var("workspace_name"),
        )
        .attr("sku", "PerGB2018")
        .attr("retention_in_days", var("retention_days")),
    );
    let mut main = Body::new().block(workspace);
    let mut outputs = vec![
        Output::new(
            "workspace_id",
            Expr::raw("azurerm_log_analytics_workspace.this.id"),
            "ID of the Log Analytics workspace.",
        ),
        Output::new(
            "workspace_name",
            Expr::raw("azurerm_log_analytics_workspace.this.name"),
            "Name of the Log Analytics workspace.",
        ),
    ];
    if m.app_insights {
        module.variables.push(
            Variable::new(
                "application_insights_name",
                "string",
                "Name of the Application Insights component.",
            )
            .not_null(),
        );
        main = main.blank().block(tagged(
            located(
                "azurerm_application_insights",
                "this",
                var("application_insights_name"),
            )
            .attr(
                "workspace_id",
                Expr::raw("azurerm_log_analytics_workspace.this.id"),
            )
            .attr("application_type", "web"),
        ));
        outputs.push(Output::new(
            "application_insights_id",
            Expr::raw("azurerm_application_insights.this.id"),
            "ID of the Application Insights component.",
        ));
        outputs.push(
            Output::new(
                "application_insights_connection_string",
                Expr::raw("azurerm_application_insights.this.connection_string"),
                "Connection string of the Application Insights component.",
            )
            .sensitive(),
        );
    }
    if !m.alerts.is_empty() {
        module.variables.extend([
            Variable::new(
                "action_group_name",
                "string",
                "Name of the action group alerts notify.",
            )
            .not_null(),
            Variable::new(
                "action_group_short_name",
                "string",
                "Short name of the action group (at most 12 characters).",
            )
            .validation(
                Expr::raw("length(var.action_group_short_name) <= 12"),
                "Action group short names have at most 12 characters.",
            ),
            Variable::new(
                "alert_email_addresses",
                list_of("string"),
                "E-mail addresses the action group notifies.",
            )
            .default(Expr::list([])),
        ]);
        main = main.blank().block(
            tagged(
                Block::new("resource")
                    .labels(["azurerm_monitor_action_group", "this"])
                    .attr("name", var("action_group_name"))
                    .attr("resource_group_name", var("resource_group_name"))
                    .attr("short_name", var("action_group_short_name")),
            )
            .blank()
            .block(
                Block::new("dynamic")
                    .label("email_receiver")
                    .attr(
                        "for_each",
                        Expr::call("toset", [var("alert_email_addresses")]),
                    )
                    .block(
                        Block::new("content")
                            .attr("name", Expr::raw("email_receiver.value"))
                            .attr("email_address", Expr::raw("email_receiver.value"))
                            .attr("use_common_alert_schema", true),
                    ),
            ),
        );
        outputs.push(Output::new(
            "action_group_id",
            Expr::raw("azurerm_monitor_action_group.this.id"),
            "ID of the action group alerts notify.",
        ));
    }
    if metric {
        module.variables.extend([
            Variable::new("cluster_id", "string", "AKS cluster whose platform metrics the metric alerts watch.").not_null(),
            Variable::new(
                "metric_alerts",
                map_of(object_type([
                    ("description", "string".into()),
                    ("severity", "number".into()),
                    ("metric", "string".into()),
                    ("threshold", "number".into()),
                    ("window", "string".into()),
                ])),
                "Metric alerts on the cluster by name: fire when the metric's average over the window exceeds the threshold.",
            ),
        ]);
        main = main.blank().block(
            tagged(
                Block::new("resource")
                    .labels(["azurerm_monitor_metric_alert", "this"])
                    .attr("for_each", var("metric_alerts"))
                    .blank()
                    .attr("name", Expr::raw("each.key"))
                    .attr("resource_group_name", var("resource_group_name"))
                    .attr("scopes", Expr::list([var("cluster_id")]))
                    .attr("description", Expr::raw("each.value.description"))
                    .attr("severity", Expr::raw("each.value.severity"))
                    .attr("frequency", "PT1M")
                    .attr("window_size", Expr::raw("each.value.window")),
            )
            .blank()
            .block(
                Block::new("criteria")
                    .attr(
                        "metric_namespace",
                        "Microsoft.ContainerService/managedClusters",
                    )
                    .attr("metric_name", Expr::raw("each.value.metric"))
                    .attr("aggregation", "Average")
                    .attr("operator", "GreaterThan")
                    .attr("threshold", Expr::raw("each.value.threshold")),
            )
            .blank()
            .block(Block::new("action").attr(
                "action_group_id",
                Expr::raw("azurerm_monitor_action_group.this.id"),
            )),
        );
    }
    if query {
        module.variables.push(Variable::new(
            "query_alerts",
            map_of(object_type([
                ("description", "string".into()),
                ("severity", "number".into()),
                ("query", "string".into()),
                ("measure", "string".into()),
                ("threshold", "number".into()),
                ("window", "string".into()),
                ("frequency", "string".into()),
            ])),
            "Log search alerts on the workspace by name: fire when the query's maximum `measure` over the window exceeds the threshold.",
        ));
        main = main.blank().block(
            tagged(
                Block::new("resource")
                    .labels(["azurerm_monitor_scheduled_query_rules_alert_v2", "this"])
                    .attr("for_each", var("query_alerts"))
                    .blank()
                    .attr("name", Expr::raw("each.key"))
                    .attr("location", var("location"))
                    .attr("resource_group_name", var("resource_group_name"))
                    .attr(
                        "scopes",
                        Expr::list([Expr::raw("azurerm_log_analytics_workspace.this.id")]),
                    )
                    .attr("description", Expr::raw("each.value.description"))
                    .attr("severity", Expr::raw("each.value.severity"))
                    .attr("evaluation_frequency", Expr::raw("each.value.frequency"))
                    .attr("window_duration", Expr::raw("each.value.window")),
            )
            .blank()
            .block(
                Block::new("criteria")
                    .attr("query", Expr::raw("each.value.query"))
                    .attr("time_aggregation_method", "Maximum")
                    .attr("metric_measure_column", Expr::raw("each.value.measure"))
                    .attr("operator", "GreaterThan")
                    .attr("threshold", Expr::raw("each.value.threshold"))
                    .blank()
                    .block(
                        Block::new("failing_periods")
                            .attr("minimum_failing_periods_to_trigger_alert", 1)
                            .attr("number_of_evaluation_periods", 1),
                    ),
            )
            .blank()
            .block(Block::new("action").attr(
                "action_groups",
                Expr::list([Expr::raw("azurerm_monitor_action_group.this.id")]),
            )),
        );
    }
    module.main = main;
    module.outputs = outputs;
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_round_up_to_what_azure_accepts() {
        assert_eq!(duration(window(METRIC_WINDOWS, 10)), "PT15M");
        assert_eq!(duration(window(QUERY_WINDOWS, 10)), "PT10M");
        assert_eq!(duration(window(METRIC_WINDOWS, 5)), "PT5M");
        assert_eq!(duration(window(METRIC_WINDOWS, 90)), "PT6H");
        assert_eq!(duration(1440), "P1D");
    }
}
