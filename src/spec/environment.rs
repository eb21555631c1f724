//! `environment NAME network=CIDR branch=BRANCH approval=#true zones="1 2 3"`

use kdl::KdlNode;

use super::reader::NodeReader;
use super::{Span, Spanned};
use crate::diagnostic::Sink;

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentDecl {
    pub name: Spanned<String>,
    pub keyword: Span,
    /// The CIDR as written; parsed by the resolver.
    pub network: Spanned<String>,
    pub branch: Option<Spanned<String>>,
    pub approval: Option<Spanned<bool>>,
    /// Space-separated zone names.
    pub zones: Option<Spanned<String>>,
}

pub const USAGE: &str =
    "environment NAME network=\"10.0.0.0/16\" branch=BRANCH [approval=#true] [zones=\"1 2 3\"]";

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<EnvironmentDecl> {
    let mut r = NodeReader::new(node, USAGE);
    let name = r.req_arg::<String>(0, "a name", sink);
    let network = r.req_prop::<String>("network", sink);
    let branch = r.prop::<String>("branch", sink);
    let approval = r.prop::<bool>("approval", sink);
    let zones = r.prop::<String>("zones", sink);
    let keyword = r.name_span();
    r.finish(sink);
    Some(EnvironmentDecl {
        name: name?,
        keyword,
        network: network?,
        branch,
        approval,
        zones,
    })
}
