//! Placeholder: resolution is being written.

use crate::diagnostic::Diagnostics;
use crate::model::Platform;

/// Decodes and resolves one spec. `display_path` is how the spec is named in
/// diagnostics and file headers (as given on the command line).
pub fn compile_source(display_path: &str, _text: &str) -> Result<Platform, Diagnostics> {
    Err(Diagnostics::new(
        display_path,
        _text,
        vec![crate::diagnostic::Diagnostic::error_unplaced("not-implemented", "not implemented yet")],
    ))
}
