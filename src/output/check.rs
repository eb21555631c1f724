//! `--check`: compare a file set with what is on disk, with unified diffs.

use std::path::Path;

use similar::TextDiff;

use super::{FileSet, manifest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    /// Unified diff from the file on disk to the generated one.
    pub diff: String,
}

/// What writing `set` into `dir` would change, sorted by path.
pub fn compare(set: &FileSet, dir: &Path) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, new) in set.iter() {
        let old = fs_err::read_to_string(dir.join(path)).ok();
        let kind = match &old {
            None => ChangeKind::Added,
            Some(old) if old == new => continue,
            Some(_) => ChangeKind::Changed,
        };
        changes.push(Change {
            path: path.to_string(),
            kind,
            diff: diff(path, old.as_deref().unwrap_or(""), new),
        });
    }
    for old in manifest::read(dir) {
        if set.get(&old).is_none() && dir.join(&old).is_file() {
            let text = fs_err::read_to_string(dir.join(&old)).unwrap_or_default();
            changes.push(Change {
                diff: diff(&old, &text, ""),
                path: old,
                kind: ChangeKind::Removed,
            });
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

fn diff(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
