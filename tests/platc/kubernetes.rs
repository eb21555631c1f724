//! The Kubernetes tree of every real spec: snapshots, overlays that build,
//! strict schema validity of every rendered object, and the layout promises
//! (few files, every value per environment in the overlays).

mod facts;
pub mod render;

use render::{Schemas, emit, overlay_docs, parse_docs, specs, write_tree};

/// One snapshot per spec: every file of the tree, `=== path ===` separated.
#[test]
fn snapshots() {
    for (name, platform) in specs() {
        let combined: String = emit(&platform)
            .iter()
            .map(|f| format!("=== {} ===\n{}", f.path, f.contents))
            .collect();
        insta::assert_snapshot!(format!("kubernetes_{name}"), combined);
    }
}

/// Every overlay renders (with `kubectl kustomize` where installed) and every
/// object it renders is valid against the Kubernetes 1.31 and CRD schemas;
/// the schemas vendored are exactly those the rendered objects need, each
/// with its licence note.
#[test]
fn overlays_render_valid_objects() {
    let mut schemas = Schemas::default();
    overlays_valid(&mut schemas);
    if render::kubectl_available() && std::env::var_os("PLATC_SPECS").is_none() {
        vendored_schemas_are_needed(&schemas);
    }
}

fn vendored_schemas_are_needed(schemas: &Schemas) {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("schema dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let mut vendored = Vec::new();
    walk(std::path::Path::new(render::SCHEMAS), &mut vendored);
    let used: Vec<&std::path::Path> = schemas.used().collect();
    let notice = std::fs::read_to_string(format!("{}/NOTICE.md", render::SCHEMAS))
        .expect("tests/schemas/NOTICE.md");
    for path in &vendored {
        let rel = path
            .strip_prefix(render::SCHEMAS)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        // The ObjectMeta of CRDs is checked against the ConfigMap schema's.
        let object_meta = rel.ends_with("/configmap-v1.json");
        assert!(
            object_meta || used.contains(&path.as_path()),
            "{rel} is vendored but no rendered object needs it"
        );
        let noted = if rel.starts_with("k8s/") {
            notice.contains("`k8s/v1.31.0-standalone-strict/*.json`")
        } else {
            notice.contains(&format!("`{rel}`"))
        };
        assert!(
            noted,
            "{rel} has no licence note in tests/schemas/NOTICE.md"
        );
    }
}

fn overlays_valid(schemas: &mut Schemas) {
    for (name, platform) in specs() {
        let files = emit(&platform);
        let tree = write_tree(&files);
        for env in &platform.environments {
            let docs = overlay_docs(&files, tree.path(), &env.name);
            assert!(
                docs.len() > 3,
                "{name}/{}: only {} objects",
                env.name,
                docs.len()
            );
            for doc in &docs {
                let what = format!(
                    "{name}/{}: {} {}",
                    env.name, doc["kind"], doc["metadata"]["name"]
                );
                match schemas.errors(doc) {
                    Ok(errors) => assert!(
                        errors.is_empty(),
                        "{what} is invalid:\n{}",
                        errors.join("\n")
                    ),
                    Err(missing) => panic!("{what}: {missing}"),
                }
            }
        }
    }
}

/// The base and the overlay's own manifests are valid on their own too
/// (policy scanners read each file raw).
#[test]
fn every_committed_manifest_is_valid() {
    let mut schemas = Schemas::default();
    for (name, platform) in specs() {
        for file in emit(&platform) {
            let manifest = file.path.ends_with(".yaml")
                && !file.path.ends_with("kustomization.yaml")
                && !file.path.starts_with("kubernetes/addons/");
            if !manifest {
                continue;
            }
            for doc in parse_docs(&file.contents) {
                let errors = schemas.errors(&doc).unwrap_or_else(|e| vec![e]);
                assert!(
                    errors.is_empty(),
                    "{name} {}: {}",
                    file.path,
                    errors.join("\n")
                );
            }
        }
    }
}

/// The tree grows by one file per service and three per environment (plus
/// one per in-cluster data service and per dashboard, and the add-ons'
/// values files): never by services × environments.
#[test]
fn file_count_stays_linear() {
    for (name, platform) in specs() {
        let files = emit(&platform);
        let count = |prefix: &str| files.iter().filter(|f| f.path.starts_with(prefix)).count();
        let top = files
            .iter()
            .filter(|f| {
                f.path
                    .strip_prefix("kubernetes/base/")
                    .is_some_and(|rest| !rest.contains('/'))
            })
            .count();
        let services = platform.services.len();
        assert!(top <= 4 + services, "{name}: {top} base files");
        for env in &platform.environments {
            let overlay = count(&format!("{}/", platform.overlay_dir(env)));
            assert!(overlay <= 3, "{name}/{}: {overlay} overlay files", env.name);
        }
        let data = platform.in_cluster_data().len();
        let data_files = count("kubernetes/base/data/");
        assert!(
            data_files <= if data == 0 { 0 } else { 2 + data },
            "{name}: {data_files} data files"
        );
        let dashboards = platform
            .observability
            .as_ref()
            .map_or(0, |o| o.dashboards.len());
        let obs_files = count("kubernetes/base/observability/");
        assert!(
            obs_files <= 4 + dashboards,
            "{name}: {obs_files} observability files"
        );
        let addons = platform.addons();
        let values: usize = addons
            .iter()
            .map(|a| {
                1 + platform
                    .environments
                    .iter()
                    .filter(|e| platform.addon_env_values_path(&a.name, e.id).is_some())
                    .count()
            })
            .sum();
        assert_eq!(
            count("kubernetes/addons/"),
            values,
            "{name}: add-on values files"
        );
        assert_eq!(
            files.len(),
            top + count("kubernetes/overlays/") + data_files + obs_files + values,
            "{name}: files outside the known layout"
        );
    }
}

/// Every deploy value has a placeholder in every overlay, and nothing in the
/// tree looks like a secret value.
#[test]
fn deploy_values_are_placeholders() {
    for (name, platform) in specs() {
        let files = emit(&platform);
        for env in &platform.environments {
            let path = platform.deploy_values_path(env);
            let file = files
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{name}: no {path}"));
            for key in platform.deploy_env_keys() {
                assert!(
                    file.contents.contains(&format!("\n{key}=set-by-deploy\n")),
                    "{name}: {path} lacks {key}"
                );
            }
        }
        for f in &files {
            assert!(
                !f.contents.contains("kind: Secret\n"),
                "{name}: {} commits a Secret",
                f.path
            );
        }
    }
}

/// The schema check has teeth: unknown fields fail, at a CRD's root and in
/// its metadata too (the strictness `validate_k8s.py` adds).
#[test]
fn schema_check_rejects_unknown_fields() {
    let mut schemas = Schemas::default();
    let deployment = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
        "spec": {"replica": 2, "selector": {}, "template": {}},
    });
    assert!(!schemas.errors(&deployment).expect("schema").is_empty());
    let external = serde_json::json!({
        "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
        "metadata": {"name": "x", "labelz": {}}, "spc": {},
    });
    assert_eq!(schemas.errors(&external).expect("schema").len(), 2);
    let unknown = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Thing"});
    assert!(schemas.errors(&unknown).is_err());
}
