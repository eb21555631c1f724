//! `network { subnet NAME index=N [prefix=N] [delegate=postgresql] [private-endpoints=#true] [public=#true] }`

use kdl::KdlNode;

use super::keywords::DelegationKw;
use super::reader::{NodeReader, unknown_node};
use super::{Span, Spanned};
use crate::diagnostic::Sink;

#[derive(Debug, Clone, PartialEq)]
pub struct SubnetDecl {
    pub name: Spanned<String>,
    /// Span of the whole `subnet …` line.
    pub span: Span,
    pub index: Spanned<u32>,
    pub prefix: Option<Spanned<u8>>,
    pub delegate: Option<Spanned<DelegationKw>>,
    pub private_endpoints: Option<Spanned<bool>>,
    pub public: Option<Spanned<bool>>,
}

pub const USAGE: &str = "subnet NAME index=N [prefix=24] [delegate=postgresql] [private-endpoints=#true] [public=#true]";

/// Decodes the subnets of one `network { … }` block.
pub fn decode(node: &KdlNode, sink: &mut Sink) -> Vec<SubnetDecl> {
    let r = NodeReader::new(node, "network { subnet NAME index=N … }");
    let children = r.children();
    r.finish_with_children(sink);
    let mut out = Vec::new();
    for child in children {
        if child.name().value() != "subnet" {
            unknown_node(child, "`network`", &["subnet"], sink);
            continue;
        }
        let mut r = NodeReader::new(child, USAGE);
        let name = r.req_arg::<String>(0, "a name", sink);
        let index = r.req_prop::<u32>("index", sink);
        let prefix = r.prop::<u8>("prefix", sink);
        let delegate = r.prop::<DelegationKw>("delegate", sink);
        let private_endpoints = r.prop::<bool>("private-endpoints", sink);
        let public = r.prop::<bool>("public", sink);
        let span = r.head_span();
        r.finish(sink);
        if let (Some(name), Some(index)) = (name, index) {
            out.push(SubnetDecl {
                name,
                span,
                index,
                prefix,
                delegate,
                private_endpoints,
                public,
            });
        }
    }
    out
}
