//! `platform NAME { title …; cloud …; repository …; namespace … }`

use kdl::KdlNode;

use super::keywords::CloudKw;
use super::reader::{NodeReader, Once, unknown_node, value_node};
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformDecl {
    pub name: Spanned<String>,
    /// Span of the `platform` keyword.
    pub keyword: Span,
    pub title: Option<Spanned<String>>,
    pub cloud: Option<CloudDecl>,
    pub repository: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CloudDecl {
    pub kind: Spanned<CloudKw>,
    pub region: Spanned<String>,
}

pub const CHILDREN: &[&str] = &["title", "cloud", "repository", "namespace"];

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<PlatformDecl> {
    let mut r = NodeReader::new(
        node,
        "platform NAME { cloud azure region=REGION; repository OWNER/REPO }",
    );
    let name = r.req_arg::<String>(0, "a name", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut decl = PlatformDecl {
        name: name?,
        keyword,
        title: None,
        cloud: None,
        repository: None,
        namespace: None,
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if CHILDREN.contains(&key) && !once.first(child, "`platform`", sink) {
            continue;
        }
        match key {
            "title" => decl.title = value_node(child, "a title", "title \"TEXT\"", sink),
            "repository" => {
                decl.repository = value_node(
                    child,
                    "an `owner/repo` name",
                    "repository \"OWNER/REPO\"",
                    sink,
                )
            }
            "namespace" => {
                decl.namespace = value_node(child, "a namespace name", "namespace NAME", sink)
            }
            "cloud" => {
                let mut r = NodeReader::new(child, "cloud azure|aws region=REGION");
                let kind = r.req_arg::<CloudKw>(0, "a cloud", sink);
                let region = r.req_prop::<String>("region", sink);
                r.finish(sink);
                if let (Some(kind), Some(region)) = (kind, region) {
                    decl.cloud = Some(CloudDecl { kind, region });
                }
            }
            _ => unknown_node(child, "`platform`", CHILDREN, sink),
        }
    }
    if decl.cloud.is_none() && !once_has(children, "cloud") {
        sink.push(
            Diagnostic::error("missing-node", decl.keyword, "`platform` needs a `cloud` node")
                .label("no `cloud` inside")
                .help("add `cloud azure region=westeurope` (or `cloud aws region=…`) inside `platform { … }`"),
        );
    }
    if decl.repository.is_none() && !once_has(children, "repository") {
        sink.push(
            Diagnostic::error(
                "missing-node",
                decl.keyword,
                "`platform` needs a `repository` node",
            )
            .label("no `repository` inside")
            .help("add `repository \"owner/repo\"`: the GitHub repository the workflows run in"),
        );
    }
    Some(decl)
}

/// Whether a block has a child of this name (used to avoid reporting a
/// missing node that is present but malformed).
pub fn once_has(children: &[KdlNode], name: &str) -> bool {
    children.iter().any(|c| c.name().value() == name)
}
