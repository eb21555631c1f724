//! `delivery { ci github-actions scan=trivy; registry acr { sku … }; state azure-storage; secrets external-secrets }`

use kdl::KdlNode;

use super::keywords::{CiKw, RegistryKw, ScannerKw, SecretsKw, StateKw};
use super::platform::once_has;
use super::reader::{NodeReader, Once, per_env_node, unknown_node, value_node};
use super::value::PerEnvValue;
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryDecl {
    pub keyword: Span,
    pub ci: Option<Spanned<CiKw>>,
    pub scan: Option<Spanned<ScannerKw>>,
    pub registry: Option<RegistryDecl>,
    pub state: Option<Spanned<StateKw>>,
    pub secrets: Option<Spanned<SecretsKw>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegistryDecl {
    pub kind: Spanned<RegistryKw>,
    pub sku: Option<PerEnvValue<String>>,
}

pub const CHILDREN: &[&str] = &["ci", "registry", "state", "secrets"];

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<DeliveryDecl> {
    let r = NodeReader::new(
        node,
        "delivery { ci github-actions; registry acr { sku Basic }; state azure-storage; secrets external-secrets }",
    );
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut decl = DeliveryDecl {
        keyword,
        ci: None,
        scan: None,
        registry: None,
        state: None,
        secrets: None,
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if CHILDREN.contains(&key) && !once.first(child, "`delivery`", sink) {
            continue;
        }
        match key {
            "ci" => {
                let mut r = NodeReader::new(child, "ci github-actions [scan=trivy]");
                decl.ci = r.req_arg(0, "a CI system", sink);
                decl.scan = r.prop("scan", sink);
                r.finish(sink);
            }
            "registry" => {
                let mut r = NodeReader::new(child, "registry acr|ecr [{ sku SKU [ENV=SKU …] }]");
                let kind = r.req_arg::<RegistryKw>(0, "a registry kind", sink);
                let children = r.children();
                r.finish_with_children(sink);
                let mut sku = None;
                let mut once = Once::default();
                for c in children {
                    match c.name().value() {
                        "sku" if once.first(c, "`registry`", sink) => {
                            sku = per_env_node(c, "a SKU", "sku SKU [ENV=SKU …]", sink)
                        }
                        "sku" => {}
                        _ => unknown_node(c, "`registry`", &["sku"], sink),
                    }
                }
                if let Some(kind) = kind {
                    decl.registry = Some(RegistryDecl { kind, sku });
                }
            }
            "state" => {
                decl.state = value_node(child, "a state backend", "state azure-storage|s3", sink)
            }
            "secrets" => {
                decl.secrets = value_node(
                    child,
                    "a secrets backend",
                    "secrets external-secrets|csi",
                    sink,
                )
            }
            _ => unknown_node(child, "`delivery`", CHILDREN, sink),
        }
    }
    for (required, help) in [
        (
            "registry",
            "add `registry acr` (Azure) or `registry ecr` (AWS)",
        ),
        (
            "state",
            "add `state azure-storage` (Azure) or `state s3` (AWS)",
        ),
    ] {
        if !once_has(children, required) {
            sink.push(
                Diagnostic::error(
                    "missing-node",
                    keyword,
                    format!("`delivery` needs a `{required}` node"),
                )
                .label(format!("no `{required}` inside"))
                .help(help),
            );
        }
    }
    Some(decl)
}
