//! The manifest of files platc owns in an output directory.
//!
//! Pruning removes only paths listed here that the new build no longer
//! produces; files a person added beside the generated tree are never touched.

use std::path::Path;

use super::file_set::check_path;

pub const MANIFEST_NAME: &str = ".platc-manifest";

/// Paths recorded by the previous build (invalid lines are ignored, so a
/// hand-edited manifest can never make platc delete outside the tree).
pub fn read(dir: &Path) -> Vec<String> {
    let Ok(text) = fs_err::read_to_string(dir.join(MANIFEST_NAME)) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter(|l| check_path(l).is_ok())
        .map(str::to_string)
        .collect()
}

pub fn render<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("# Files written by platc; it prunes only these. Do not edit.\n");
    for p in paths {
        out.push_str(p);
        out.push('\n');
    }
    out
}
