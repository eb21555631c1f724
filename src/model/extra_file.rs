//! A user's own file, rendered from their template against the model while
//! resolving (so template errors are spec diagnostics, not emitter failures).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraFile {
    /// Relative to the output directory (checked like every generated path).
    pub path: String,
    /// The rendered text, without platc's header line (the emitter adds it).
    pub contents: String,
    /// The template file as it was read (the spec's directory joined with
    /// `template=`): an input of the build besides the spec.
    pub template: std::path::PathBuf,
}

/// What the emitters write: whole directories (ending in `/`) and single
/// files. An extra file may not be or lie under one of them, so the user's
/// files and platc's can never collide (a test holds every emitter to this
/// list).
pub const EMITTED_PATHS: &[&str] = &[
    ".github/",
    "README.md",
    "docs/runbook.md",
    "kubernetes/",
    "scripts/",
    "terraform/",
];

/// The emitted path or directory that `path` would collide with.
pub fn emitted_path_of(path: &str) -> Option<&'static str> {
    EMITTED_PATHS
        .iter()
        .copied()
        .find(|p| match p.strip_suffix('/') {
            Some(dir) => path == dir || path.starts_with(p),
            None => path == *p || path.starts_with(&format!("{p}/")),
        })
}
