//! Emitters: pure functions from the model to files.
//!
//! Each target lives in its own module and returns [`File`]s; none reads KDL
//! or re-derives a fact the model already holds. Every file gets the one-line
//! header naming the spec, in the comment syntax of its extension
//! ([`File::new`]), so no emitter can forget it.

pub mod docs;
pub mod github;
pub mod in_cluster;
pub mod kubernetes;
pub mod observability;
pub mod operations;
pub mod terraform;
pub mod yaml;

use crate::model::Platform;

/// One generated file, relative to the platform's output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative path with `/` separators, e.g. `terraform/modules/aks/main.tf`.
    pub path: String,
    pub contents: String,
}

impl File {
    /// A file whose body is `body`, preceded by the platform's header line in
    /// the comment syntax of the path's extension (JSON files get none; a
    /// shebang stays first).
    pub fn new(platform: &Platform, path: impl Into<String>, body: impl AsRef<str>) -> Self {
        let path = path.into();
        let body = body.as_ref();
        let header = platform.header();
        let contents = match comment_style(&path) {
            CommentStyle::Hash => match body.strip_prefix("#!") {
                Some(rest) => {
                    let (shebang, rest) = rest.split_once('\n').unwrap_or((rest, ""));
                    format!("#!{shebang}\n# {header}\n{rest}")
                }
                None => format!("# {header}\n{body}"),
            },
            CommentStyle::Html => format!("<!-- {header} -->\n{body}"),
            CommentStyle::None => body.to_string(),
        };
        File { path, contents }
    }

    /// A file written exactly as given (no header).
    pub fn raw(path: impl Into<String>, contents: impl Into<String>) -> Self {
        File {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

enum CommentStyle {
    Hash,
    Html,
    None,
}

fn comment_style(path: &str) -> CommentStyle {
    let ext = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .rsplit_once('.')
        .map(|(_, e)| e);
    match ext {
        Some("md") => CommentStyle::Html,
        Some("json") => CommentStyle::None,
        _ => CommentStyle::Hash,
    }
}

/// Every file of every target, for one platform.
pub fn emit_all(platform: &Platform) -> Vec<File> {
    let mut files = Vec::new();
    files.extend(docs::emit(platform));
    files.extend(terraform::emit(platform));
    files.extend(kubernetes::emit(platform));
    files.extend(github::emit(platform));
    files.extend(operations::emit(platform));
    files
}
