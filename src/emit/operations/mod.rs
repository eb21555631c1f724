//! Operations: what an on-call engineer runs, generated from the model.
//!
//! - `docs/runbook.md`: the incident runbook (service outage, rollback,
//!   backup and restore of in-cluster databases, alerts), prose rendered from
//!   `templates/runbook.md.j2`;
//! - `scripts/<platform>ctl`: the environment validation CLI (pods ready,
//!   endpoints, autoscalers, volumes, backups, secrets, edges, ingress),
//!   rendered from `templates/ctl.sh.j2`.
//!
//! Both name only objects the Kubernetes emitter creates, through the same
//! model facts ([`crate::model::InClusterNames`], services, edges), so a
//! command in the runbook always points at something that exists.

mod ctl;
mod runbook;

use minijinja::Environment as Jinja;
use serde::Serialize;

use super::File;
use crate::model::Platform;

/// Every operations file of a platform.
pub fn emit(platform: &Platform) -> Vec<File> {
    if platform.services.is_empty() {
        return Vec::new();
    }
    vec![ctl::emit(platform), runbook::emit(platform)]
}

/// Path of the operations CLI.
pub fn cli_path(platform: &Platform) -> String {
    format!("scripts/{}ctl", platform.name)
}

/// Renders a template with `ctx`; a template error becomes the file's text
/// (it cannot happen with the embedded templates, and is caught by tests).
fn render(template: &str, ctx: &impl Serialize) -> String {
    let mut env = Jinja::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.add_filter("sh", shell_quote);
    env.render_str(template, minijinja::value::Serde(ctx))
        .unwrap_or_else(|err| format!("template error: {err}\n"))
}

/// Quotes a value for POSIX shells unless it is made of safe characters only.
pub fn shell_quote(value: String) -> String {
    let safe = !value.is_empty()
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | ',' | '@' | '%' | '+')
        });
    if safe {
        value
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests;
