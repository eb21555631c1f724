//! A sorted, validated set of files relative to one output directory.

use std::collections::BTreeMap;
use std::fmt;

use crate::emit::File;

/// Sorted path → contents. Paths are relative, `/`-separated and never escape
/// the output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    files: BTreeMap<String, String>,
}

/// A path an emitter produced that platc refuses to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub path: String,
    pub reason: &'static str,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refusing to write `{}`: {}", self.path, self.reason)
    }
}

impl std::error::Error for PathError {}

impl FileSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a set from emitted files, rejecting unsafe or duplicate paths.
    pub fn from_files(files: impl IntoIterator<Item = File>) -> Result<Self, PathError> {
        let mut set = FileSet::new();
        for file in files {
            set.insert(file.path, file.contents)?;
        }
        Ok(set)
    }

    pub fn insert(&mut self, path: String, contents: String) -> Result<(), PathError> {
        check_path(&path)?;
        if self.files.contains_key(&path) {
            return Err(PathError {
                path,
                reason: "two emitters produced the same path",
            });
        }
        self.files.insert(path, contents);
        Ok(())
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c.as_str()))
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Total bytes of all contents.
    pub fn bytes(&self) -> usize {
        self.files.values().map(String::len).sum()
    }
}

/// Rejects absolute paths, `..`, empty or `.` components and backslashes.
pub(crate) fn check_path(path: &str) -> Result<(), PathError> {
    let err = |reason| {
        Err(PathError {
            path: path.to_string(),
            reason,
        })
    };
    if path.is_empty() {
        return err("the path is empty");
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return err("the path must be relative and use `/`");
    }
    if path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return err("the path would escape the output directory");
    }
    if path == super::MANIFEST_NAME {
        return err("the path is platc's own manifest");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_escaping_paths() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "C:x",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_path("terraform/modules/aks/main.tf").is_ok());
        assert!(check_path(".github/workflows/ci.yml").is_ok());
    }

    #[test]
    fn rejects_duplicates() {
        let mut set = FileSet::new();
        set.insert("a".into(), "1".into()).unwrap();
        assert!(set.insert("a".into(), "2".into()).is_err());
    }
}
