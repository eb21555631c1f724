//! The output room: an in-memory file set, written atomically, pruned by
//! manifest, and compared against disk for `--check`.

mod check;
mod file_set;
pub mod fingerprint;
mod manifest;
mod write;

pub use check::{Change, ChangeKind, compare};
pub(crate) use file_set::check_path;
pub use file_set::{FileSet, PathError};
pub use manifest::MANIFEST_NAME;
pub use write::{WriteReport, write};
