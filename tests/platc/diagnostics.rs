//! Diagnostics: every bad fixture's report (snapshots), the JSON format, and
//! the real specs compiling.

use std::path::Path;

use platc::compile_source;

/// The path a fixture is shown under: relative to the crate, `/`-separated.
fn display_path(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn compile(path: &str) -> platc::model::Platform {
    let text = std::fs::read_to_string(path).expect("spec readable");
    match compile_source(path, &text) {
        Ok(p) => p,
        Err(d) => panic!("{path} does not compile:\n{}", d.render_human(false)),
    }
}

#[test]
fn real_specs_compile() {
    for path in [
        "specs/octo.kdl",
        "specs/api-worker.kdl",
        "specs/shopmicro.kdl",
        "tests/fixtures/good/minimal.kdl",
        "tests/fixtures/good/minimal-aws.kdl",
    ] {
        let p = compile(path);
        assert!(!p.services.is_empty());
        assert_eq!(p.source, path);
    }
}

#[test]
fn bad_fixtures_render() {
    insta::glob!("../fixtures/bad", "*.kdl", |path| {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let shown = display_path(path);
        let diags = match compile_source(&shown, &text) {
            Ok(_) => panic!("{shown} compiled, but it is a bad fixture"),
            Err(d) => d,
        };
        assert!(!diags.is_empty(), "{shown}: no diagnostics");
        for d in diags.iter() {
            assert!(d.help.is_some(), "{shown}: `{}` has no help", d.message);
        }
        insta::assert_snapshot!(diags.render_human(false));
    });
}

#[test]
fn json_format() {
    let path = "tests/fixtures/bad/multiple-errors.kdl";
    let text = std::fs::read_to_string(path).unwrap();
    let diags = compile_source(path, &text).unwrap_err();
    let json: serde_json::Value = serde_json::from_str(&diags.render_json()).expect("valid JSON");
    let items = json.as_array().expect("an array");
    assert_eq!(items.len(), diags.len());
    assert!(items.len() >= 3, "{json:#}");
    for item in items {
        for key in [
            "severity", "code", "message", "help", "file", "line", "column", "offset", "length",
            "labels",
        ] {
            assert!(item.get(key).is_some(), "missing {key} in {item}");
        }
        assert_eq!(item["file"], path);
        assert_eq!(item["severity"], "error");
        // line/column agree with the offset.
        let offset = item["offset"].as_u64().unwrap() as usize;
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        assert_eq!(item["line"].as_u64().unwrap() as usize, line);
        let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!(item["column"].as_u64().unwrap() as usize, col);
    }
    let first = &items[0];
    assert_eq!(first["code"], "unknown-property");
    assert_eq!(first["line"], 11);
    assert_eq!(first["column"], 16);
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `index`"),
        "{first}"
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
}

#[test]
fn json_for_unplaced_diagnostic() {
    let diags = compile_source("empty.kdl", "").unwrap_err();
    let json: serde_json::Value = serde_json::from_str(&diags.render_json()).unwrap();
    let item = &json[0];
    assert_eq!(item["code"], "missing-node");
    assert!(item["line"].is_null());
}
