//! The `platc` binary end to end: exit codes, `--check` with its diff, the
//! manifest (prune only what platc owns), byte-stable rebuilds, and output
//! invariance under reordering of declarations that do not change meaning.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SPECS: &[&str] = &[
    "specs/octo.kdl",
    "specs/api-worker.kdl",
    "specs/shopmicro.kdl",
];

/// Runs platc without its build fingerprints, so every build here does the
/// whole work (the fingerprint has its own test).
fn platc(args: &[&str]) -> Output {
    platc_with(args, &[("PLATC_NO_CACHE", "1")])
}

fn platc_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the platc binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` with its bytes, sorted by path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn build_into(spec: &str, dir: &Path) -> Output {
    platc(&["build", spec, "--out", dir.to_str().unwrap()])
}

#[test]
fn build_twice_gives_identical_bytes_and_rewrites_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("octo");
    let first = build_into("specs/octo.kdl", &out);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let before = tree(&out);
    assert!(before.len() > 20, "a real tree: {} files", before.len());
    let mtimes = |dir: &Path| -> Vec<std::time::SystemTime> {
        tree(dir)
            .iter()
            .map(|(p, _)| std::fs::metadata(dir.join(p)).unwrap().modified().unwrap())
            .collect()
    };
    let mtimes_before = mtimes(&out);
    let second = build_into("specs/octo.kdl", &out);
    assert_eq!(second.status.code(), Some(0));
    assert!(
        text(&second.stderr).contains("(0 written"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(before, tree(&out));
    assert_eq!(
        mtimes_before,
        mtimes(&out),
        "unchanged files are not rewritten"
    );
}

#[test]
fn fingerprint_skips_a_rebuild_only_when_nothing_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let spec = tmp.path().join("api-worker.kdl");
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/api-worker.kdl"))
            .unwrap();
    std::fs::write(&spec, &source).unwrap();
    let out = tmp.path().join("out");
    let args = [
        "build",
        spec.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let env = [
        ("PLATC_CACHE_DIR", cache.to_str().unwrap()),
        ("PLATC_NO_CACHE", ""),
    ];
    let build = || {
        let o = platc_with(&args, &env);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stderr)
    };
    const SKIPPED: &str = "nothing changed since the last build";

    build();
    let reference = tree(&out);
    assert!(build().contains(SKIPPED), "first rebuild is a no-op");

    // A generated file edited by hand is noticed and restored.
    let readme = out.join("README.md");
    std::fs::write(&readme, "edited by hand\n").unwrap();
    let restored = build();
    assert!(
        !restored.contains(SKIPPED) && restored.contains("(1 written"),
        "{restored}"
    );
    assert_eq!(tree(&out), reference);
    assert!(build().contains(SKIPPED));

    // A deleted one too.
    std::fs::remove_file(&readme).unwrap();
    assert!(build().contains("(1 written"));
    assert_eq!(tree(&out), reference);

    // Any change to the spec's text runs the whole build.
    std::fs::write(&spec, format!("{source}// a comment\n")).unwrap();
    let after_edit = build();
    assert!(
        !after_edit.contains(SKIPPED) && after_edit.contains("(0 written"),
        "{after_edit}"
    );

    // --check never trusts the fingerprint: it compares contents.
    assert!(build().contains(SKIPPED));
    std::fs::write(&readme, "edited by hand\n").unwrap();
    let check = platc_with(&["build", "--check", args[1], "--out", args[3]], &env);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn check_is_clean_after_build_and_shows_a_diff_when_stale() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("aw");
    let dir = out.to_str().unwrap();
    assert_eq!(
        build_into("specs/api-worker.kdl", &out).status.code(),
        Some(0)
    );
    let clean = platc(&["build", "specs/api-worker.kdl", "--out", dir, "--check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert!(clean.stdout.is_empty());

    // Hand-edit one generated file and delete another.
    let readme = out.join("README.md");
    let edited = std::fs::read_to_string(&readme)
        .unwrap()
        .replacen("platc", "hand-edited", 1);
    std::fs::write(&readme, edited).unwrap();
    let (deleted, _) = tree(&out)
        .into_iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "tf"))
        .unwrap();
    std::fs::remove_file(out.join(&deleted)).unwrap();

    let stale = platc(&["build", "specs/api-worker.kdl", "--out", dir, "--check"]);
    assert_eq!(stale.status.code(), Some(1));
    let stdout = text(&stale.stdout);
    assert!(
        stdout.contains(&format!("would change {}", readme.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("would add {}", out.join(&deleted).display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("-<!-- Generated by hand-edited"),
        "unified diff of the edit: {stdout}"
    );
    assert!(stdout.contains("+<!-- Generated by platc"), "{stdout}");
    assert!(
        text(&stale.stderr).contains("stale, 2 file(s) differ"),
        "{}",
        text(&stale.stderr)
    );
    // --check wrote nothing.
    assert!(!out.join(&deleted).exists());
}

#[test]
fn rebuild_prunes_only_files_platc_owns() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("octo");
    assert_eq!(build_into("specs/octo.kdl", &out).status.code(), Some(0));
    std::fs::write(out.join("NOTES.md"), "mine\n").unwrap();
    std::fs::write(out.join("kubernetes/extra.yaml"), "mine: true\n").unwrap();

    // The same platform without one service: its files are stale and owned.
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/octo.kdl"))
            .unwrap();
    let smaller = remove_service(&spec, "product-service");
    let smaller_path = tmp.path().join("octo-smaller.kdl");
    std::fs::write(&smaller_path, smaller).unwrap();
    // The spec's own template, which it names relative to its directory.
    std::fs::create_dir(tmp.path().join("extra")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/extra/service-catalog.md.j2"),
        tmp.path().join("extra/service-catalog.md.j2"),
    )
    .unwrap();
    let owned_before: Vec<_> = tree(&out)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.to_string_lossy().contains("product-service"))
        .collect();
    assert!(!owned_before.is_empty(), "the service has files of its own");

    let rebuilt = build_into(smaller_path.to_str().unwrap(), &out);
    assert_eq!(rebuilt.status.code(), Some(0), "{}", text(&rebuilt.stderr));
    assert!(
        !text(&rebuilt.stderr).contains(" 0 pruned"),
        "{}",
        text(&rebuilt.stderr)
    );
    for path in &owned_before {
        assert!(!out.join(path).exists(), "{} pruned", path.display());
    }
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.md")).unwrap(),
        "mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("kubernetes/extra.yaml")).unwrap(),
        "mine: true\n"
    );
}

/// Removes the `service NAME { … }` block and every edge naming it.
fn remove_service(spec: &str, name: &str) -> String {
    let mut doc: kdl::KdlDocument = spec.parse().unwrap();
    doc.nodes_mut().retain(|n| {
        !(n.name().value() == "service" && n.get(0).and_then(|v| v.as_string()) == Some(name))
    });
    for node in doc.nodes_mut() {
        if let Some(children) = node.children_mut() {
            children.nodes_mut().retain(|c| {
                c.entries()
                    .iter()
                    .all(|e| e.value().as_string() != Some(name))
            });
        }
    }
    doc.to_string()
}

#[test]
fn exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.kdl");
    std::fs::write(&bad, "platform x {\n    cloud moon\n}\n").unwrap();
    let spec_error = platc(&["check", bad.to_str().unwrap()]);
    assert_eq!(spec_error.status.code(), Some(1));
    let stderr = text(&spec_error.stderr);
    assert!(stderr.contains("bad.kdl:2:"), "file:line:col in {stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour with NO_COLOR: {stderr:?}"
    );

    let json = platc(&["--message-format", "json", "check", bad.to_str().unwrap()]);
    assert_eq!(json.status.code(), Some(1));
    let parsed: serde_json::Value =
        serde_json::from_str(text(&json.stderr).trim()).expect("JSON diagnostics");
    assert!(parsed.to_string().contains("moon"), "{parsed}");

    assert_eq!(
        platc(&["check", "specs/no-such-spec.kdl"]).status.code(),
        Some(2)
    );
    assert_eq!(
        platc(&["build", "--frobnicate", "specs/octo.kdl"])
            .status
            .code(),
        Some(2)
    );
    let two = platc(&[
        "build",
        "specs/octo.kdl",
        "specs/api-worker.kdl",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(two.status.code(), Some(2));
    let ok = platc(&["check", "specs/octo.kdl", "specs/api-worker.kdl"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

#[test]
fn schema_command_prints_json_schema() {
    let out = platc(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

/// Services and data services are a set, not a list: reversing their
/// declaration order (and moving `network`, `cluster` and `delivery` to the end)
/// must not change one byte. Environments are ordered (promotion order), so they
/// stay put.
#[test]
fn reordering_declarations_leaves_output_unchanged() {
    // Every top-level node but the ordered ones (a new node is movable too).
    let movable_names: Vec<&str> = platc::spec::TOP_LEVEL
        .iter()
        .copied()
        .filter(|n| !matches!(*n, "platform" | "environment"))
        .collect();
    for spec in SPECS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(spec);
        let source = std::fs::read_to_string(&path).unwrap();
        let mut doc: kdl::KdlDocument = source.parse().unwrap();
        let (mut fixed, mut movable): (Vec<_>, Vec<_>) = doc
            .nodes()
            .iter()
            .cloned()
            .partition(|n| !movable_names.contains(&n.name().value()));
        assert!(movable.len() > 3, "{spec}: something to reorder");
        movable.reverse();
        fixed.extend(movable);
        *doc.nodes_mut() = fixed;
        let reordered = doc.to_string();
        assert_ne!(reordered, source);

        let (_, original) = platc::build(spec, &source).unwrap_or_else(|e| panic!("{spec}: {e:?}"));
        let (_, shuffled) =
            platc::build(spec, &reordered).unwrap_or_else(|e| panic!("{spec} reordered: {e:?}"));
        let a: Vec<_> = original.iter().collect();
        let b: Vec<_> = shuffled.iter().collect();
        for ((pa, ca), (pb, cb)) in a.iter().zip(&b) {
            assert_eq!(pa, pb, "{spec}: same paths");
            assert_eq!(ca, cb, "{spec}: {pa} differs after reordering");
        }
        assert_eq!(a.len(), b.len(), "{spec}: same file count");
    }
}
