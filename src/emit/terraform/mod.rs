//! Placeholder: the terraform emitter is being written.

pub mod hcl;

use super::File;
use crate::model::Platform;

pub fn emit(_platform: &Platform) -> Vec<File> {
    Vec::new()
}
