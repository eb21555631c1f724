//! platc: a declarative platform compiler.
//!
//! Pipeline, one module per room:
//! [`spec`] (KDL → spanned raw structs) → [`resolve`] (names, references,
//! per-environment values, validation, derived facts) → [`model`] (what every
//! emitter reads) → [`emit`] (pure functions model → files) → [`output`]
//! (file set, atomic write, manifest pruning, `--check`).

pub mod bench_spec;
pub mod cli;
pub mod diagnostic;
pub mod emit;
pub mod kdl_fast;
pub mod model;
pub mod output;
pub mod parallel;
pub mod resolve;
pub mod schema;
pub mod spec;

pub use resolve::compile_source;

/// Compiles one spec's text into its output file set.
pub fn build(display_path: &str, text: &str) -> Result<(model::Platform, output::FileSet), Error> {
    let platform = compile_source(display_path, text).map_err(Error::Spec)?;
    let files = output::FileSet::from_files(emit::emit_all(&platform)).map_err(Error::Path)?;
    Ok((platform, files))
}

/// Why a build produced no file set.
#[derive(Debug)]
pub enum Error {
    Spec(diagnostic::Diagnostics),
    Path(output::PathError),
}
