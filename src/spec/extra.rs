//! `extra-file PATH template="SOURCE"`: a file of the user's own, rendered
//! with minijinja against the resolved model (DESIGN: templates are for prose
//! and for a user's extra files; YAML, HCL and JSON come from emitters).

use kdl::KdlNode;

use super::reader::NodeReader;
use super::{Span, Spanned};
use crate::diagnostic::Sink;

#[derive(Debug, Clone, PartialEq)]
pub struct ExtraFileDecl {
    pub keyword: Span,
    /// Where the rendered file goes, relative to the output directory.
    pub path: Spanned<String>,
    /// The template, relative to the spec's directory.
    pub template: Spanned<String>,
}

pub const USAGE: &str = "extra-file \"docs/NAME.md\" template=\"PATH/TO/NAME.md.j2\"";

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<ExtraFileDecl> {
    let mut r = NodeReader::new(node, USAGE);
    let path = r.req_arg::<String>(0, "the output path", sink);
    let template = r.req_prop::<String>("template", sink);
    let keyword = r.name_span();
    r.finish(sink);
    Some(ExtraFileDecl {
        keyword,
        path: path?,
        template: template?,
    })
}
