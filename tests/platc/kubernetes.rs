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
/// object it renders is valid against the Kubernetes 1.31 and CRD schemas.
#[test]
fn overlays_render_valid_objects() {
    let mut schemas = Schemas::default();
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

/// The tree grows by one file per service and three per environment.
#[test]
fn file_count_stays_linear() {
    for (name, platform) in specs() {
        let files = emit(&platform);
        let fixed = 4 + platform.addons().len();
        let bound = fixed + platform.services.len() + 3 * platform.environments.len();
        assert!(
            files.len() <= bound,
            "{name}: {} files, expected at most {bound}",
            files.len()
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
