//! The whole spec document: top-level nodes.

use kdl::KdlDocument;

use super::cluster::{self, ClusterDecl};
use super::data::{self, DataDecl};
use super::delivery::{self, DeliveryDecl};
use super::environment::{self, EnvironmentDecl};
use super::extra::{self, ExtraFileDecl};
use super::monitoring::{self, MonitoringDecl};
use super::network::{self, SubnetDecl};
use super::observability::{self, ObservabilityDecl};
use super::platform::{self, PlatformDecl};
use super::reader::{Once, unknown_node};
use super::service::{self, ServiceDecl};
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

/// A decoded spec: every top-level node, raw and spanned.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub platform: Option<PlatformDecl>,
    pub environments: Vec<EnvironmentDecl>,
    /// Subnets of the `network` block, in order of declaration.
    pub subnets: Vec<SubnetDecl>,
    pub cluster: Option<ClusterDecl>,
    pub data: Vec<DataDecl>,
    pub monitoring: Option<MonitoringDecl>,
    /// The in-cluster LGTM stack, SLOs, alerts and dashboards.
    pub observability: Option<ObservabilityDecl>,
    pub services: Vec<ServiceDecl>,
    pub delivery: Option<DeliveryDecl>,
    /// The user's own files rendered from templates, in order of declaration.
    pub extra_files: Vec<ExtraFileDecl>,
    /// Every string value of the document (arguments and properties, at any
    /// depth) with its span, for checks that look at text wherever it is
    /// written (e.g. values that look like credentials).
    pub strings: Vec<Spanned<String>>,
}

/// Allowed top-level nodes.
pub const TOP_LEVEL: &[&str] = &[
    "platform",
    "environment",
    "network",
    "cluster",
    "postgres",
    "redis",
    "servicebus",
    "keyvault",
    "storage",
    "monitoring",
    "observability",
    "service",
    "delivery",
    "extra-file",
];

/// Parses KDL and decodes the spec. `None` when the text is not KDL at all;
/// otherwise the decoded parts (possibly incomplete, with diagnostics in `sink`).
pub fn decode(text: &str, sink: &mut Sink) -> Option<Spec> {
    // The fast subset parser yields the very same document, or declines and
    // the `kdl` crate parses (and reports errors) as the reference.
    let doc = match crate::kdl_fast::parse(text).map_or_else(|| KdlDocument::parse_v2(text), Ok) {
        Ok(doc) => doc,
        Err(err) => {
            let unclosed = err.diagnostics.iter().any(|d| {
                d.message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("No closing"))
            });
            for d in &err.diagnostics {
                // kdl reports an unclosed block twice; keep the one at the `{`.
                if unclosed
                    && d.message
                        .as_deref()
                        .is_some_and(|m| m.starts_with("Closing '}' was not found"))
                {
                    continue;
                }
                let message = d
                    .message
                    .clone()
                    .unwrap_or_else(|| "invalid KDL".to_string());
                let span = narrow_syntax_span(text, Span::from(d.span));
                let token = text.get(span.offset..span.end()).unwrap_or("");
                let quote_hint = message.contains("identifier")
                    || message.contains("property value")
                    || message.contains("Expected value");
                let help = if quote_hint {
                    format!(
                        "values with `/`, `=`, spaces or brackets, and values starting with a digit that are not numbers (such as `10m`), must be quoted: \"{}\"",
                        token
                            .split_once('=')
                            .map_or(token, |(_, v)| v)
                            .trim_matches('"')
                    )
                } else {
                    d.help.clone().unwrap_or_else(|| {
                        "the spec is a KDL 2.0 document: `name ARG key=VALUE { children }`; booleans are `#true`/`#false`".to_string()
                    })
                };
                sink.push(
                    Diagnostic::error("kdl-syntax", span, format!("KDL syntax error: {message}"))
                        .label(d.label.clone().unwrap_or_else(|| "here".to_string()))
                        .help(help),
                );
            }
            if err.diagnostics.is_empty() {
                sink.push(Diagnostic::error_unplaced(
                    "kdl-syntax",
                    "the spec is not a valid KDL 2.0 document",
                ));
            }
            return None;
        }
    };
    let mut spec = Spec {
        platform: None,
        environments: Vec::new(),
        subnets: Vec::new(),
        cluster: None,
        data: Vec::new(),
        monitoring: None,
        observability: None,
        services: Vec::new(),
        delivery: None,
        extra_files: Vec::new(),
        strings: Vec::new(),
    };
    collect_strings(&doc, &mut spec.strings);
    let mut once = Once::default();
    for node in doc.nodes() {
        let key = node.name().value();
        let single = matches!(
            key,
            "platform" | "network" | "cluster" | "monitoring" | "observability" | "delivery"
        );
        if single && !once.first(node, "the spec", sink) {
            continue;
        }
        match key {
            "platform" => spec.platform = platform::decode(node, sink),
            "environment" => spec.environments.extend(environment::decode(node, sink)),
            "network" => spec.subnets = network::decode(node, sink),
            "cluster" => spec.cluster = cluster::decode(node, sink),
            "monitoring" => spec.monitoring = monitoring::decode(node, sink),
            "observability" => spec.observability = observability::decode(node, sink),
            "delivery" => spec.delivery = delivery::decode(node, sink),
            "service" => spec.services.extend(service::decode(node, sink)),
            "extra-file" => spec.extra_files.extend(extra::decode(node, sink)),
            k if data::KINDS.contains(&k) => spec.data.extend(data::decode(node, sink)),
            _ => unknown_node(node, "the spec (top level)", TOP_LEVEL, sink),
        }
    }
    let has = |name: &str| doc.nodes().iter().any(|n| n.name().value() == name);
    for (name, help) in [
        (
            "platform",
            "start the spec with `platform NAME { cloud azure region=westeurope; repository \"owner/repo\" }`",
        ),
        (
            "environment",
            "declare at least one environment: `environment dev network=\"10.0.0.0/16\" branch=main`",
        ),
        (
            "cluster",
            "declare the cluster: `cluster aks { kubernetes \"1.30\"; subnet aks; node-pool system { vm-size Standard_D2s_v3; count 1 } }`",
        ),
        (
            "delivery",
            "declare delivery: `delivery { ci github-actions; registry acr; state azure-storage; secrets external-secrets }`",
        ),
    ] {
        if !has(name) {
            sink.push(
                Diagnostic::error_unplaced(
                    "missing-node",
                    format!("the spec has no `{name}` node"),
                )
                .help(help),
            );
        }
    }
    Some(spec)
}

fn collect_strings(doc: &KdlDocument, out: &mut Vec<Spanned<String>>) {
    for node in doc.nodes() {
        for e in node.entries() {
            if let kdl::KdlValue::String(s) = e.value() {
                out.push(Spanned::new(s.clone(), Span::from(e.span())));
            }
        }
        if let Some(children) = node.children() {
            collect_strings(children, out);
        }
    }
}

/// kdl reports some errors with a span from the start of the enclosing node
/// to the point of failure; narrow such a span to the offending token (the
/// last whitespace-separated word, extended to its end in the text).
fn narrow_syntax_span(text: &str, span: Span) -> Span {
    let Some(slice) = text.get(span.offset..span.end()) else {
        return span;
    };
    if !slice.contains('\n') || slice.ends_with(char::is_whitespace) {
        return span;
    }
    let start = slice
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let start = span.offset + start;
    let rest = text.get(start..).unwrap_or("");
    let len = rest
        .find(|c: char| c.is_whitespace() || c == ';' || c == '}')
        .unwrap_or(rest.len());
    Span::new(start, len.max(1).min(rest.len().max(1)))
}
