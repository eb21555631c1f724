//! Atomic, minimal writes.
//!
//! Into an existing tree, in phases: every file is compared with what is on
//! disk; each new or changed one is staged as a temporary file beside its
//! destination; only when all are staged are they renamed into place, stale
//! owned files pruned and the manifest replaced. A failure while staging drops
//! the temporaries and leaves the previous tree as it was. Unchanged files are
//! not rewritten, so their mtimes survive a rebuild.
//!
//! Into an absent or empty directory there is no previous tree to protect file
//! by file: the whole tree is written into one temporary directory beside it,
//! which is renamed into place at the end (one rename instead of one per file).
//!
//! Files are written 0644 and scripts (`#!` first) 0755, less the umask, on
//! both paths; a script whose executable bit was lost is rewritten.
//!
//! Creating, reading and renaming many small files is kernel time, so the
//! per-file work is spread over the available cores ([`parallel`]); results
//! and errors are reported in path order whatever the scheduling.

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
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
    if is_absent_or_empty_dir(dir)? {
        write_fresh(set, dir)
    } else {
        write_into_tree(set, dir)
    }
}

/// `true` when `dir` does not exist or is a real (not symlinked) empty directory.
fn is_absent_or_empty_dir(dir: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(with_path(err, dir)),
        Ok(meta) if meta.is_dir() => Ok(fs_err::read_dir(dir)?.next().is_none()),
        Ok(_) => Ok(false),
    }
}

/// Writes the whole tree into a temporary sibling of `dir`, then renames it into place.
fn write_fresh(set: &FileSet, dir: &Path) -> std::io::Result<WriteReport> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs_err::create_dir_all(parent)?;
    let stage = tempfile::Builder::new()
        .prefix(".platc-")
        .tempdir_in(parent)
        .map_err(|e| with_path(e, parent))?;
    let root = stage.path();
    for d in directories(set.paths()) {
        let p = root.join(d);
        fs_err::create_dir(&p)?;
    }
    let files: Vec<(&str, &str)> = set.iter().collect();
    first_error(parallel(&files, |(path, contents)| {
        let dest = root.join(path);
        let mut f = create_new(&dest, contents)?;
        f.write_all(contents.as_bytes())
            .map_err(|e| with_path(e, &dest))
    }))?;
    let manifest_path = root.join(manifest::MANIFEST_NAME);
    fs_err::write(&manifest_path, manifest::render(set.paths()))?;

    // Linux replaces an empty directory by rename; elsewhere remove it first.
    if let Err(err) = std::fs::rename(root, dir) {
        if !dir.is_dir() || std::fs::remove_dir(dir).is_err() {
            return Err(with_path(err, dir));
        }
        std::fs::rename(root, dir).map_err(|e| with_path(e, dir))?;
    }
    // Renamed away: nothing left for the guard to clean up.
    let _ = stage.keep();
    Ok(WriteReport {
        written: set.paths().map(str::to_string).collect(),
        unchanged: 0,
        pruned: Vec::new(),
    })
}

/// Every directory the paths need, parents before children.
fn directories<'a>(paths: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    let mut dirs = BTreeSet::new();
    for path in paths {
        let mut end = path.len();
        while let Some(slash) = path[..end].rfind('/') {
            if !dirs.insert(&path[..slash]) {
                break;
            }
            end = slash;
        }
    }
    // Sorted order puts `a` before `a/b`: a parent always sorts before its children.
    dirs
}

/// Writes into an existing tree: only new and changed files, staged first.
fn write_into_tree(set: &FileSet, dir: &Path) -> std::io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let files: Vec<(&str, &str)> = set.iter().collect();
    let same = first_error(parallel(&files, |(path, contents)| {
        is_same(&dir.join(path), contents)
    }))?;
    let changed: Vec<(&str, &str)> = files
        .iter()
        .zip(&same)
        .filter(|(_, same)| !**same)
        .map(|(f, _)| *f)
        .collect();
    report.unchanged = files.len() - changed.len();

    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let staged = create_dirs(
        directories(changed.iter().map(|(p, _)| *p)),
        dir,
        &mut created_dirs,
    )
    .and_then(|()| {
        first_error(parallel(&changed, |(path, contents)| {
            let dest = dir.join(path);
            let parent = dest.parent().unwrap_or(dir);
            let mut tmp = temp_file(parent, contents)?;
            tmp.write_all(contents.as_bytes())
                .map_err(|e| with_path(e, &dest))?;
            Ok((tmp, dest))
        }))
    });
    let staged = match staged {
        Ok(staged) => staged,
        Err(err) => {
            for d in created_dirs.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            return Err(err);
        }
    };

    first_error(parallel_owned(staged, |(tmp, dest)| {
        tmp.persist(&dest)
            .map(drop)
            .map_err(|e| with_path(e.error, &dest))
    }))?;
    report.written = changed.iter().map(|(p, _)| p.to_string()).collect();

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
    if !is_same(&manifest_path, &manifest_text)? {
        let mut tmp = temp_file(dir, &manifest_text)?;
        tmp.write_all(manifest_text.as_bytes())?;
        tmp.persist(&manifest_path)
            .map_err(|e| with_path(e.error, &manifest_path))?;
    }
    Ok(report)
}

/// Whether `path` holds exactly `contents`; reads it only when the sizes match.
/// A directory where the file belongs is an error; any other failure to read
/// means "not the same" (the write then reports the real problem).
fn is_same(path: &Path, contents: &str) -> std::io::Result<bool> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(false);
    };
    let Ok(meta) = file.metadata() else {
        return Ok(false);
    };
    if meta.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is a directory, platc needs to write a file there",
            path.display()
        )));
    }
    if meta.len() != contents.len() as u64 || is_executable(&meta) != wants_executable(contents) {
        return Ok(false);
    }
    // The size is known to match: one `read` of exactly that many bytes
    // (`read_to_end` would add an fstat, an lseek and a read at EOF per file,
    // and an unchanged rebuild reads every file).
    let mut old = vec![0; contents.len()];
    Ok(file.read_exact(&mut old).is_ok() && old == contents.as_bytes())
}

/// A script (`#!` first) is written executable, anything else not: the
/// mode is 0755 or 0644, less the umask, in a fresh tree and in an existing
/// one alike (a temporary file alone would be 0600).
fn wants_executable(contents: &str) -> bool {
    contents.starts_with("#!")
}

#[cfg(unix)]
fn mode_for(contents: &str) -> u32 {
    if wants_executable(contents) {
        0o755
    } else {
        0o644
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// A new file at `dest` (which must not exist) with the mode its contents call for.
fn create_new(dest: &Path, contents: &str) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode_for(contents));
    #[cfg(not(unix))]
    let _ = contents;
    options.open(dest).map_err(|e| with_path(e, dest))
}

/// A temporary file in `dir`, to be renamed over a destination there.
fn temp_file(dir: &Path, contents: &str) -> std::io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".platc-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(mode_for(
        contents,
    )));
    #[cfg(not(unix))]
    let _ = contents;
    builder.tempfile_in(dir).map_err(|e| with_path(e, dir))
}

/// Creates each missing directory (parents first), recording those it created.
fn create_dirs<'a>(
    dirs: impl IntoIterator<Item = &'a str>,
    root: &Path,
    created: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    for d in dirs {
        let p = root.join(d);
        if !p.is_dir() {
            fs_err::create_dir(&p)?;
            created.push(p);
        }
    }
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

/// Below this many files one thread does the work (spawning costs more).
const PARALLEL_MIN: usize = 64;

fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    crate::parallel::map(items, PARALLEL_MIN, f)
}

fn parallel_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    crate::parallel::map_owned(items, PARALLEL_MIN, f)
}

/// All values, or the error of the first failing item in input order.
fn first_error<R>(results: Vec<std::io::Result<R>>) -> std::io::Result<Vec<R>> {
    results.into_iter().collect()
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

    fn leftovers(dir: &Path) -> Vec<walkdir::DirEntry> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".platc-"))
            .filter(|e| e.file_name() != manifest::MANIFEST_NAME)
            .collect()
    }

    /// Enough files to take the multi-threaded path.
    fn many(tag: &str) -> Vec<(String, String)> {
        (0..PARALLEL_MIN * 3)
            .map(|i| {
                (
                    format!("d{}/sub/f{i:03}.txt", i % 7),
                    format!("{tag} {i}\n"),
                )
            })
            .collect()
    }

    fn set_of(files: &[(String, String)]) -> FileSet {
        let pairs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        set(&pairs)
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
        let new = set(&[
            ("a.txt", "new"),
            ("blocker/inner.txt", "n"),
            ("z.txt", "new"),
        ]);
        assert!(write(&new, dir.path()).is_err());
        assert_eq!(
            fs_err::read_to_string(dir.path().join("a.txt")).unwrap(),
            "old"
        );
        assert_eq!(
            fs_err::read_to_string(dir.path().join("z.txt")).unwrap(),
            "old"
        );
        assert!(
            leftovers(dir.path()).is_empty(),
            "temporary files left: {:?}",
            leftovers(dir.path())
        );
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

    #[test]
    fn fresh_write_into_absent_and_empty_directories() {
        let root = tempfile::tempdir().unwrap();
        let s = set(&[("a/b/c.txt", "c"), ("a/d.txt", "d"), ("e.txt", "e")]);
        for dir in [root.path().join("new/out"), root.path().join("empty")] {
            if dir.ends_with("empty") {
                fs_err::create_dir(&dir).unwrap();
            }
            let report = write(&s, &dir).unwrap();
            assert_eq!(report.written, vec!["a/b/c.txt", "a/d.txt", "e.txt"]);
            assert_eq!(fs_err::read_to_string(dir.join("a/b/c.txt")).unwrap(), "c");
            assert_eq!(manifest::read(&dir), vec!["a/b/c.txt", "a/d.txt", "e.txt"]);
            assert!(
                write(&s, &dir).unwrap().written.is_empty(),
                "rebuild after a fresh write"
            );
        }
        assert!(
            leftovers(root.path()).is_empty(),
            "staging directory left: {:?}",
            leftovers(root.path())
        );
    }

    #[test]
    fn failed_fresh_write_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        fs_err::write(root.path().join("file"), "x").unwrap();
        assert!(write(&set(&[("a.txt", "1")]), &root.path().join("file/out")).is_err());
        let entries: Vec<_> = fs_err::read_dir(root.path()).unwrap().collect();
        assert_eq!(entries.len(), 1, "only the blocking file remains");
    }

    #[test]
    fn many_files_in_parallel_keep_order_and_minimality() {
        let dir = tempfile::tempdir().unwrap();
        let first = many("one");
        let report = write(&set_of(&first), dir.path()).unwrap();
        assert_eq!(report.written.len(), first.len());
        assert_eq!(
            write(&set_of(&first), dir.path()).unwrap().unchanged,
            first.len()
        );

        // Change every third file (same size: the contents must be compared).
        let mut second = first.clone();
        for (i, (_, c)) in second.iter_mut().enumerate() {
            if i % 3 == 0 {
                *c = c.replace("one", "two");
            }
        }
        let report = write(&set_of(&second), dir.path()).unwrap();
        let mut expected: Vec<String> = second.iter().step_by(3).map(|(p, _)| p.clone()).collect();
        expected.sort();
        assert_eq!(
            report.written, expected,
            "written in path order, only changed files"
        );
        for (p, c) in &second {
            assert_eq!(&fs_err::read_to_string(dir.path().join(p)).unwrap(), c);
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn directory_in_place_of_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(&set(&[("keep.txt", "1")]), dir.path()).unwrap();
        fs_err::create_dir(dir.path().join("x.txt")).unwrap();
        let err = write(&set(&[("keep.txt", "2"), ("x.txt", "1")]), dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        assert_eq!(
            fs_err::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "1"
        );
    }

    #[cfg(unix)]
    #[test]
    fn scripts_are_executable_and_other_files_readable() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| fs_err::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let s = set(&[("run.sh", "#!/bin/sh\necho\n"), ("a.txt", "a")]);
        write(&s, &dir).unwrap();
        let (script, text) = (mode(&dir.join("run.sh")), mode(&dir.join("a.txt")));
        assert!(
            script & 0o100 != 0 && script & 0o400 != 0,
            "script mode {script:o}"
        );
        assert!(text & 0o100 == 0 && text & 0o400 != 0, "text mode {text:o}");
        // Into an existing tree (staged temporaries): the same modes.
        let s2 = set(&[
            ("run.sh", "#!/bin/sh\necho 2\n"),
            ("a.txt", "b"),
            ("b.txt", "new"),
        ]);
        write(&s2, &dir).unwrap();
        assert_eq!(mode(&dir.join("run.sh")), script);
        assert_eq!(mode(&dir.join("a.txt")), text);
        assert_eq!(mode(&dir.join("b.txt")), text);
        // A script that lost its executable bit is rewritten, even if its bytes match.
        fs_err::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let report = write(&s2, &dir).unwrap();
        assert_eq!(report.written, vec!["run.sh".to_string()]);
        assert_eq!(mode(&dir.join("run.sh")), script);
    }

    #[test]
    fn directories_lists_every_ancestor_once() {
        let dirs: Vec<&str> =
            directories(["a/b/c.txt", "a/b/d.txt", "a/e.txt", "f.txt", "a-b/g"].into_iter())
                .into_iter()
                .collect();
        assert_eq!(dirs, vec!["a", "a-b", "a/b"]);
    }
}
