//! The user's own files (`extra-file`), rendered while resolving; here they
//! only get platc's header line like every other file.

use super::File;
use crate::model::Platform;

pub fn emit(platform: &Platform) -> Vec<File> {
    platform
        .extra_files
        .iter()
        .map(|f| File::new(platform, f.path.clone(), &f.contents))
        .collect()
}
