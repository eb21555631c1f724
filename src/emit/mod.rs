//! Emitters: pure functions from the model to files.
//!
//! Each target lives in its own module and returns [`File`]s; none reads KDL
//! or re-derives a fact the model already holds. Every file gets the one-line
//! header naming the spec, in the comment syntax of its extension
//! ([`File::new`]), so no emitter can forget it.

pub mod docs;
pub mod extra_files;
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

/// An emitter: a pure function from the model to files.
pub type Emitter = fn(&Platform) -> Vec<File>;

/// Every target, in output order, with the name the benchmarks time it under.
pub const TARGETS: &[(&str, Emitter)] = &[
    ("docs", docs::emit),
    ("terraform", terraform::emit),
    ("kubernetes", kubernetes::emit),
    ("github", github::emit),
    ("operations", operations::emit),
    ("extra-files", extra_files::emit),
];

/// The target that runs on its own thread in [`emit_all`]: the largest by far
/// (every service's manifests, every environment's patches).
const OWN_THREAD: &str = "kubernetes";

/// Every file of every target, for one platform.
///
/// The emitters are pure and independent, so the largest one runs on a second
/// thread while this one runs the rest; the files are concatenated in
/// [`TARGETS`] order either way, so the output does not depend on scheduling.
/// If no thread can be started, everything runs here.
pub fn emit_all(platform: &Platform) -> Vec<File> {
    let run = |own: bool| -> Vec<Vec<File>> {
        TARGETS
            .iter()
            .filter(|(name, _)| (*name == OWN_THREAD) == own)
            .map(|(_, emit)| emit(platform))
            .collect()
    };
    let (mut others, own) = std::thread::scope(|s| {
        let handle = std::thread::Builder::new().spawn_scoped(s, || run(true));
        let others = run(false);
        let own = match handle {
            Ok(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(true),
        };
        (others.into_iter(), own.into_iter())
    });
    let mut own = own;
    let mut files = Vec::new();
    for (name, _) in TARGETS {
        let next = if *name == OWN_THREAD {
            own.next()
        } else {
            others.next()
        };
        files.extend(next.unwrap_or_default());
    }
    files
}
