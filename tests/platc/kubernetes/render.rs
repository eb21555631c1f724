//! Shared by the Kubernetes tests: compiles the real specs, writes their
//! Kubernetes tree to a temporary directory and renders each overlay the way
//! `kubectl apply -k` would, and validates objects against the vendored
//! JSON schemas the way the conformance kit's `validate_k8s.py` does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use jsonschema::Validator;
use platc::emit::File;
use platc::model::Platform;
use serde_json::Value;

/// Every spec in `specs/`, compiled, in file-name order (only those named
/// in `PLATC_SPECS`, comma-separated stems, when it is set).
pub fn specs() -> Vec<(String, Platform)> {
    let only = std::env::var("PLATC_SPECS").ok();
    let wanted = |p: &Path| {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|w| w == stem))
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir("specs")
        .expect("specs/ readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "kdl") && wanted(p))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let shown = path.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(path).expect("spec readable");
            match platc::compile_source(&shown, &text) {
                Ok(p) => (p.name.clone(), p),
                Err(d) => panic!("{shown} does not compile:\n{}", d.render_human(false)),
            }
        })
        .collect()
}

/// The Kubernetes emitter's files for `platform`.
pub fn emit(platform: &Platform) -> Vec<File> {
    platc::emit::kubernetes::emit(platform)
}

/// Writes `files` under a new temporary directory (kept alive by the guard).
pub fn write_tree(files: &[File]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in files {
        let path = dir.path().join(&f.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &f.contents).expect("write");
    }
    dir
}

/// Whether `kubectl` (with its built-in kustomize) can be run.
pub fn has_kubectl() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Parses a multi-document YAML stream.
pub fn parse_docs(text: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| <Value as serde::Deserialize>::deserialize(d).expect("valid YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

/// The objects `kubectl kustomize <root>/kubernetes/overlays/<env>` renders.
pub fn kustomize(root: &Path, env: &str) -> Vec<Value> {
    let dir = root.join("kubernetes/overlays").join(env);
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_docs(&String::from_utf8_lossy(&out.stdout))
}

/// Without kubectl: the raw documents an overlay consists of (the base's
/// manifests and the overlay's own), unpatched.
pub fn raw_overlay_docs(files: &[File], env: &str) -> Vec<Value> {
    let overlay = format!("kubernetes/overlays/{env}/");
    files
        .iter()
        .filter(|f| f.path.ends_with(".yaml") && !f.path.ends_with("kustomization.yaml"))
        .filter(|f| f.path.starts_with("kubernetes/base/") || f.path.starts_with(&overlay))
        .flat_map(|f| parse_docs(&f.contents))
        .collect()
}

/// Whether the tests may render overlays with `kubectl kustomize`. Without
/// kubectl they fall back to the raw, unpatched documents and say so, except
/// in CI (`CI` set), whose machine image has kubectl: there its absence fails.
pub fn kubectl_available() -> bool {
    let available = has_kubectl();
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is not on PATH: CI must render every overlay with `kubectl kustomize`"
        );
        eprintln!("kubectl not found: checking raw base + overlay documents, unpatched");
    }
    available
}

/// The objects of one overlay: rendered by kubectl when it is available.
pub fn overlay_docs(files: &[File], root: &Path, env: &str) -> Vec<Value> {
    if kubectl_available() {
        kustomize(root, env)
    } else {
        raw_overlay_docs(files, env)
    }
}

/// The vendored schemas (see its NOTICE.md).
pub const SCHEMAS: &str = "tests/schemas";

/// Strict JSON-schema validation of Kubernetes objects, kubeconform-style.
#[derive(Default)]
pub struct Schemas {
    cache: HashMap<PathBuf, Validator>,
    object_meta: Option<Value>,
}

impl Schemas {
    /// Candidate schema files of a document, built-in first.
    fn candidates(doc: &Value) -> Vec<(PathBuf, bool)> {
        let api = doc["apiVersion"].as_str().unwrap_or_default();
        let kind = doc["kind"].as_str().unwrap_or_default().to_lowercase();
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let k8s = Path::new(SCHEMAS).join("k8s/v1.31.0-standalone-strict");
        if group.is_empty() {
            return vec![(k8s.join(format!("{kind}-{version}.json")), false)];
        }
        let first = group.split('.').next().unwrap_or(group);
        vec![
            (k8s.join(format!("{kind}-{first}-{version}.json")), false),
            (
                Path::new(SCHEMAS)
                    .join("crds")
                    .join(group)
                    .join(format!("{kind}_{version}.json")),
                true,
            ),
        ]
    }

    fn load(path: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema readable"))
            .expect("schema is JSON")
    }

    /// The CRD tightening of `validate_k8s.py`: a strict root and strict ObjectMeta.
    fn tighten(&mut self, mut schema: Value) -> Value {
        let meta = self
            .object_meta
            .get_or_insert_with(|| {
                Self::load(
                    &Path::new(SCHEMAS).join("k8s/v1.31.0-standalone-strict/configmap-v1.json"),
                )["properties"]["metadata"]
                    .clone()
            })
            .clone();
        if let Some(root) = schema.as_object_mut() {
            let preserve =
                root.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if root.contains_key("properties")
                && !root.contains_key("additionalProperties")
                && !preserve
            {
                root.insert("additionalProperties".into(), Value::Bool(false));
            }
            if let Some(props) = root.get_mut("properties").and_then(Value::as_object_mut)
                && props.contains_key("metadata")
            {
                props.insert("metadata".into(), meta);
            }
        }
        schema
    }

    /// The schema files validations have loaded so far.
    pub fn used(&self) -> impl Iterator<Item = &Path> {
        self.cache.keys().map(PathBuf::as_path)
    }

    /// The validation errors of one object; `Err` when no schema knows its kind.
    pub fn errors(&mut self, doc: &Value) -> Result<Vec<String>, String> {
        let Some((path, crd)) = Self::candidates(doc).into_iter().find(|(p, _)| p.exists()) else {
            return Err(format!(
                "no schema for {} {}",
                doc["apiVersion"], doc["kind"]
            ));
        };
        if !self.cache.contains_key(&path) {
            let mut schema = Self::load(&path);
            if crd {
                schema = self.tighten(schema);
            }
            let validator = jsonschema::draft202012::new(&schema)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            self.cache.insert(path.clone(), validator);
        }
        let validator = &self.cache[&path];
        Ok(validator
            .iter_errors(doc)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect())
    }
}
