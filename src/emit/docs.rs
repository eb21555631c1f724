//! Placeholder
use super::File;
use crate::model::Platform;
pub fn emit(_platform: &Platform) -> Vec<File> {
    Vec::new()
}
