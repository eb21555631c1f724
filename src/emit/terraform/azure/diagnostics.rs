//! Diagnostic settings: resource logs into the platform's Log Analytics
//! workspace (Key Vault audit events, storage reads/writes/deletes), for
//! modules whose platform declares a workspace.

use super::context::var;
use super::monitoring;
use crate::emit::terraform::hcl::{Block, Expr};
use crate::emit::terraform::module::ModuleCall;
use crate::emit::terraform::variable::Variable;

/// The module variable naming the workspace.
pub fn variable() -> Variable {
    Variable::new(
        "log_analytics_workspace_id",
        "string",
        "Log Analytics workspace that receives the resource logs.",
    )
    .not_null()
}

/// Passes the platform's workspace to a module call.
pub fn wire(c: ModuleCall) -> ModuleCall {
    c.arg(
        "log_analytics_workspace_id",
        Expr::raw(format!("module.{}.workspace_id", monitoring::CALL)),
    )
}

/// `resource "azurerm_monitor_diagnostic_setting" "<label>"` sending the
/// given log categories (`category = …`) or category groups (`category_group = …`)
/// of `target` to the workspace.
pub fn setting(label: &str, target: Expr, logs: &[(&str, &str)]) -> Block {
    let mut b = Block::new("resource")
        .labels(["azurerm_monitor_diagnostic_setting", label])
        .attr("name", "log-analytics")
        .attr("target_resource_id", target)
        .attr(
            "log_analytics_workspace_id",
            var("log_analytics_workspace_id"),
        );
    for (kind, value) in logs {
        b = b
            .blank()
            .block(Block::new("enabled_log").attr(*kind, *value));
    }
    b
}
