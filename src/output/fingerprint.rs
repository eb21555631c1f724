//! Build fingerprints: a rebuild whose inputs and outputs are untouched does
//! no work at all.
//!
//! Why: an unchanged rebuild otherwise pays the whole compile and emit (about
//! 0.2 s at 1,000 services) only to find every file equal. Like `make` and
//! git's index, platc records after each successful build what it read (this
//! binary, the spec's path and text, the `--out` argument) and the on-disk
//! identity of every file it owns (size, mtime, ctime, inode: any write,
//! rename, `touch` or checkout changes at least one of them, and ctime cannot
//! be set back). The next build compares both and stops early only when all
//! match; anything else — a missing record, a different binary, one edited
//! spec byte, one touched or deleted output file — runs the full build.
//!
//! The record lives in the user's cache directory, never in the output tree,
//! so the committed files stay byte-identical. `PLATC_NO_CACHE=1` turns the
//! shortcut off (the benchmark measures both); `--check` never uses it, as it
//! must compare contents.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use super::MANIFEST_NAME;

/// What a build read, besides the files it owns.
pub struct Inputs<'a> {
    /// The spec as given on the command line.
    pub spec: &'a Path,
    pub text: &'a str,
    /// `--out`, if given.
    pub out: Option<&'a Path>,
}

/// The output directory and file count of the last build, when nothing it
/// read or wrote has changed since.
pub fn up_to_date(inputs: &Inputs) -> Option<(PathBuf, usize)> {
    let (record, key) = (record_path(inputs)?, key(inputs)?);
    let text = std::fs::read_to_string(&record).ok()?;
    let recorded_at = change_time(&std::fs::metadata(&record).ok()?)?;
    let mut lines = text.lines();
    if lines.next()? != format!("key {key:016x}") {
        return None;
    }
    let dir = PathBuf::from(lines.next()?.strip_prefix("dir ")?);
    let mut files = 0;
    for line in lines {
        // `< IDENTITY PATH`: another file the build read (a template).
        let (input, line) = match line.strip_prefix("< ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let (identity, path) = line.split_once(' ')?;
        let file = if input {
            PathBuf::from(path)
        } else {
            dir.join(path)
        };
        let meta = std::fs::symlink_metadata(file).ok()?;
        // A change in the same clock tick as the record is invisible in the
        // timestamps (git's "racy clean" case): such a file is never trusted.
        if identity != file_identity(&meta)? || change_time(&meta)? >= recorded_at {
            return None;
        }
        files += usize::from(!input && path != MANIFEST_NAME);
    }
    Some((dir, files))
}

/// Records a successful build of `owned` (relative paths) into `dir`, which
/// also read the files `read` (templates). Best effort: without a cache
/// directory the next build is simply a full one.
pub fn record<'a>(
    inputs: &Inputs,
    dir: &Path,
    owned: impl Iterator<Item = &'a str>,
    read: &[&Path],
) {
    let (Some(record), Some(key)) = (record_path(inputs), key(inputs)) else {
        return;
    };
    let Some(dir_text) = dir.to_str().filter(|d| !d.contains('\n')) else {
        return;
    };
    let mut text = format!("key {key:016x}\ndir {dir_text}\n");
    let mut newest = 0;
    // One line per file: `[PREFIX]IDENTITY NAME`; any file that cannot be
    // described leaves no record at all.
    let mut line = |file: &Path, prefix: &str, name: &str| -> Option<()> {
        let meta = std::fs::symlink_metadata(file).ok()?;
        if name.contains('\n') {
            return None;
        }
        newest = newest.max(change_time(&meta)?);
        text.push_str(&format!("{prefix}{} {name}\n", file_identity(&meta)?));
        Some(())
    };
    for path in owned.chain([MANIFEST_NAME]) {
        if line(&dir.join(path), "", path).is_none() {
            return;
        }
    }
    for file in read {
        if line(file, "< ", &file.to_string_lossy()).is_none() {
            return;
        }
    }
    let Some(parent) = record.parent() else {
        return;
    };
    // The record must be younger than every file it vouches for (see
    // `up_to_date`): when the build wrote files in the current clock tick,
    // write it again after the tick (a few ms, only after builds that wrote).
    for _ in 0..20 {
        let written = std::fs::create_dir_all(parent).and_then(|()| {
            let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
            std::io::Write::write_all(&mut tmp, text.as_bytes())?;
            tmp.persist(&record).map_err(|e| e.error)
        });
        let Ok(file) = written else { break };
        if file
            .metadata()
            .ok()
            .as_ref()
            .and_then(change_time)
            .is_some_and(|at| at > newest)
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let _ = std::fs::remove_file(&record);
}

/// `$PLATC_CACHE_DIR`, else `$XDG_CACHE_HOME/platc`, else `~/.cache/platc`;
/// none with `PLATC_NO_CACHE` set to anything but `0` or empty.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if var("PLATC_NO_CACHE").is_some_and(|v| v != "0") {
        return None;
    }
    var("PLATC_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("platc")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache/platc")))
}

/// One record per (working directory, spec, `--out`): where the build goes.
fn record_path(inputs: &Inputs) -> Option<PathBuf> {
    let mut h = std::hash::DefaultHasher::new();
    std::env::current_dir().ok()?.hash(&mut h);
    std::fs::canonicalize(inputs.spec).ok()?.hash(&mut h);
    inputs.out.hash(&mut h);
    Some(cache_dir()?.join(format!("builds/{:016x}", h.finish())))
}

/// What the build read: this binary (path, size, mtime), the spec as named
/// and its text, `--out`.
fn key(inputs: &Inputs) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let mut h = std::hash::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    file_identity(&std::fs::metadata(&exe).ok()?)?.hash(&mut h);
    exe.hash(&mut h);
    inputs.spec.hash(&mut h);
    inputs.text.hash(&mut h);
    inputs.out.hash(&mut h);
    Some(h.finish())
}

/// A file's on-disk identity, as one space-free token; `None` if it is not a
/// regular file.
fn file_identity(meta: &std::fs::Metadata) -> Option<String> {
    if !meta.is_file() {
        return None;
    }
    let mtime = nanos(meta.modified().ok()?)?;
    Some(format!(
        "{}:{mtime}:{}",
        meta.len(),
        platform_identity(meta)
    ))
}

/// The last time the file's contents or metadata changed, in ns.
fn change_time(meta: &std::fs::Metadata) -> Option<u128> {
    let mtime = nanos(meta.modified().ok()?)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let ctime = u128::try_from(meta.ctime()).ok()? * 1_000_000_000
            + u128::try_from(meta.ctime_nsec()).ok()?;
        Some(mtime.max(ctime))
    }
    #[cfg(not(unix))]
    Some(mtime)
}

fn nanos(t: std::time::SystemTime) -> Option<u128> {
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos())
}

#[cfg(unix)]
fn platform_identity(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt as _;
    format!(
        "{}.{}:{}:{}:{:o}",
        meta.ctime(),
        meta.ctime_nsec(),
        meta.dev(),
        meta.ino(),
        meta.mode()
    )
}

#[cfg(not(unix))]
fn platform_identity(_: &std::fs::Metadata) -> String {
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` with the cache in a temporary directory. The environment is
    /// process-wide, so the tests that touch it take this lock.
    fn with_cache(f: impl FnOnce(&Path)) {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let tmp = tempfile::tempdir().unwrap();
        // SAFETY: serialized by LOCK; no other test reads these variables.
        unsafe {
            std::env::set_var("PLATC_CACHE_DIR", tmp.path().join("cache"));
            std::env::remove_var("PLATC_NO_CACHE");
        }
        f(tmp.path());
        unsafe { std::env::remove_var("PLATC_CACHE_DIR") };
    }

    /// A spec `p.kdl` with the text "platform" and an output tree of `files`
    /// (plus the manifest) under `root`, settled: (spec, out).
    fn build(root: &Path, files: &[(&str, &str)]) -> (PathBuf, PathBuf) {
        let spec = root.join("p.kdl");
        std::fs::write(&spec, "platform").unwrap();
        let out = root.join("out");
        for (p, c) in files {
            let file = out.join(p);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, c).unwrap();
        }
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(MANIFEST_NAME), "# manifest\n").unwrap();
        settle();
        (spec, out)
    }

    fn inputs<'a>(spec: &'a Path, out: &'a Path) -> Inputs<'a> {
        Inputs {
            spec,
            text: "platform",
            out: Some(out),
        }
    }

    /// Lets the coarse file-system clock move past the last write.
    fn settle() {
        std::thread::sleep(std::time::Duration::from_millis(30));
    }

    #[test]
    fn any_change_of_input_or_output_is_noticed() {
        with_cache(|root| {
            let (spec, out) = build(root, &[("a.yaml", "a"), ("b.tf", "b")]);
            let inputs = inputs(&spec, &out);
            assert_eq!(up_to_date(&inputs), None, "nothing recorded yet");
            record(&inputs, &out, ["a.yaml", "b.tf"].into_iter(), &[]);
            assert_eq!(up_to_date(&inputs), Some((out.clone(), 2)));
            std::fs::write(out.join("a.yaml"), "z").unwrap();
            assert_eq!(
                up_to_date(&inputs),
                None,
                "rewritten right after the record"
            );
            settle();
            record(&inputs, &out, ["a.yaml", "b.tf"].into_iter(), &[]);

            let edited = Inputs {
                text: "platform ",
                ..inputs
            };
            assert_eq!(up_to_date(&edited), None, "spec text changed");
            let elsewhere = Inputs {
                out: None,
                ..inputs
            };
            assert_eq!(up_to_date(&elsewhere), None, "another --out");

            std::fs::write(out.join("a.yaml"), "x").unwrap();
            assert_eq!(up_to_date(&inputs), None, "same size, rewritten");
            settle();
            record(&inputs, &out, ["a.yaml", "b.tf"].into_iter(), &[]);
            assert_eq!(up_to_date(&inputs), Some((out.clone(), 2)));
            std::fs::remove_file(out.join("b.tf")).unwrap();
            assert_eq!(up_to_date(&inputs), None, "owned file deleted");
            std::fs::write(out.join("b.tf"), "b").unwrap();
            settle();
            record(&inputs, &out, ["a.yaml", "b.tf"].into_iter(), &[]);
            assert_eq!(up_to_date(&inputs), Some((out.clone(), 2)));
            std::fs::write(out.join(MANIFEST_NAME), "# other\n").unwrap();
            assert_eq!(up_to_date(&inputs), None, "manifest changed");
        });
    }

    #[test]
    fn an_edited_template_is_noticed() {
        with_cache(|root| {
            let template = root.join("catalog.md.j2");
            std::fs::write(&template, "{{ name }}").unwrap();
            let (spec, out) = build(root, &[("docs/x.md", "x")]);
            let inputs = inputs(&spec, &out);
            record(
                &inputs,
                &out,
                ["docs/x.md"].into_iter(),
                &[template.as_path()],
            );
            assert_eq!(up_to_date(&inputs), Some((out.clone(), 1)));
            std::fs::write(&template, "{{ title }}").unwrap();
            assert_eq!(up_to_date(&inputs), None, "template edited");
        });
    }

    #[test]
    fn no_cache_disables_it() {
        with_cache(|root| {
            let (spec, out) = build(root, &[("a.yaml", "a")]);
            let inputs = inputs(&spec, &out);
            unsafe { std::env::set_var("PLATC_NO_CACHE", "1") };
            record(&inputs, &out, ["a.yaml"].into_iter(), &[]);
            unsafe { std::env::remove_var("PLATC_NO_CACHE") };
            assert_eq!(up_to_date(&inputs), None);
        });
    }
}
