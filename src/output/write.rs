//! Atomic, minimal writes.
//!
//! Two phases: every new or changed file is first staged as a temporary file
//! beside its destination; only when all are staged are they renamed into
//! place, stale owned files pruned and the manifest replaced. A failure while
//! staging drops the temporaries and leaves the previous tree as it was.
//! Unchanged files are not rewritten, so their mtimes survive a rebuild.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::{FileSet, manifest};

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub pruned: Vec<String>,
}

/// Writes `set` into `dir`, pruning files the previous build wrote and this one does not.
pub fn write(set: &FileSet, dir: &Path) -> std::io::Result<WriteReport> {
    fs_err::create_dir_all(dir)?;
    let mut report = WriteReport::default();
    let mut staged: Vec<(NamedTempFile, PathBuf, String)> = Vec::new();
    let mut created_dirs: Vec<PathBuf> = Vec::new();

    let staging = (|| -> std::io::Result<()> {
        for (path, contents) in set.iter() {
            let dest = dir.join(path);
            if dest.is_dir() {
                return Err(std::io::Error::other(format!(
                    "{} is a directory, platc needs to write a file there",
                    dest.display()
                )));
            }
            match fs_err::read(&dest) {
                Ok(old) if old == contents.as_bytes() => {
                    report.unchanged += 1;
                    continue;
                }
                _ => {}
            }
            let parent = dest.parent().unwrap_or(dir);
            create_dirs(parent, &mut created_dirs)?;
            let mut tmp = NamedTempFile::with_prefix_in(".platc-", parent)
                .map_err(|e| with_path(e, parent))?;
            tmp.write_all(contents.as_bytes())
                .map_err(|e| with_path(e, &dest))?;
            staged.push((tmp, dest, path.to_string()));
        }
        Ok(())
    })();
    if let Err(err) = staging {
        drop(staged);
        for d in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        return Err(err);
    }

    for (tmp, dest, path) in staged {
        tmp.persist(&dest).map_err(|e| with_path(e.error, &dest))?;
        report.written.push(path);
    }
    for old in manifest::read(dir) {
        if set.get(&old).is_none() {
            let p = dir.join(&old);
            if p.is_file() {
                fs_err::remove_file(&p)?;
                remove_empty_parents(&p, dir);
                report.pruned.push(old);
            }
        }
    }
    let manifest_text = manifest::render(set.paths());
    let manifest_path = dir.join(manifest::MANIFEST_NAME);
    if fs_err::read_to_string(&manifest_path).ok().as_deref() != Some(manifest_text.as_str()) {
        let mut tmp = NamedTempFile::with_prefix_in(".platc-", dir).map_err(|e| with_path(e, dir))?;
        tmp.write_all(manifest_text.as_bytes())?;
        tmp.persist(&manifest_path)
            .map_err(|e| with_path(e.error, &manifest_path))?;
    }
    Ok(report)
}

fn create_dirs(path: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dirs(parent, created)?;
    }
    fs_err::create_dir(path)?;
    created.push(path.to_path_buf());
    Ok(())
}

fn remove_empty_parents(file: &Path, root: &Path) {
    let mut cur = file.parent();
    while let Some(d) = cur {
        if d == root || std::fs::remove_dir(d).is_err() {
            break;
        }
        cur = d.parent();
    }
}

fn with_path(err: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, &str)]) -> FileSet {
        let mut s = FileSet::new();
        for (p, c) in files {
            s.insert(p.to_string(), c.to_string()).unwrap();
        }
        s
    }

    #[test]
    fn prunes_only_owned_files() {
        let dir = tempfile::tempdir().unwrap();
        write(&set(&[("a/x.txt", "1"), ("b.txt", "2")]), dir.path()).unwrap();
        fs_err::write(dir.path().join("a/mine.txt"), "user").unwrap();
        let report = write(&set(&[("b.txt", "2")]), dir.path()).unwrap();
        assert_eq!(report.pruned, vec!["a/x.txt".to_string()]);
        assert_eq!(report.unchanged, 1);
        assert!(dir.path().join("a/mine.txt").exists(), "user file removed");
        assert!(!dir.path().join("a/x.txt").exists(), "stale file kept");
    }

    #[test]
    fn failed_write_leaves_previous_tree() {
        let dir = tempfile::tempdir().unwrap();
        write(&set(&[("a.txt", "old"), ("z.txt", "old")]), dir.path()).unwrap();
        // A regular file where the new tree needs a directory: staging fails midway.
        fs_err::write(dir.path().join("blocker"), "x").unwrap();
        let new = set(&[("a.txt", "new"), ("blocker/inner.txt", "n"), ("z.txt", "new")]);
        assert!(write(&new, dir.path()).is_err());
        assert_eq!(fs_err::read_to_string(dir.path().join("a.txt")).unwrap(), "old");
        assert_eq!(fs_err::read_to_string(dir.path().join("z.txt")).unwrap(), "old");
        let leftovers: Vec<_> = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".platc-"))
            .filter(|e| e.file_name() != manifest::MANIFEST_NAME)
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn unchanged_rebuild_rewrites_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = set(&[("a.txt", "1")]);
        write(&s, dir.path()).unwrap();
        let report = write(&s, dir.path()).unwrap();
        assert!(report.written.is_empty());
        assert_eq!(report.unchanged, 1);
    }
}
