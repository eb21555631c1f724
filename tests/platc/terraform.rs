//! Terraform: a snapshot of the whole tree of each spec, the seed's
//! sizing table landing in the right environments, per-environment values
//! staying in their environment's files, and the contracts other layers
//! rely on (deploy values are root outputs, no secret is output in clear).

use std::collections::BTreeSet;

use platc::model::Platform;
use platc::output::FileSet;

const TERRAFORM_DIR: &str = "terraform/";

fn build(display: &str, text: &str) -> (Platform, FileSet) {
    match platc::build(display, text) {
        Ok(built) => built,
        Err(platc::Error::Spec(d)) => {
            panic!("{display} does not compile:\n{}", d.render_human(false))
        }
        Err(platc::Error::Path(e)) => panic!("{display}: {e}"),
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every Terraform file, in path order.
fn terraform(files: &FileSet) -> Vec<(&str, &str)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with(TERRAFORM_DIR))
        .collect()
}

/// The Terraform tree as one text with `=== path ===` separators.
fn combined(files: &FileSet) -> String {
    terraform(files)
        .into_iter()
        .map(|(path, contents)| format!("=== {path} ===\n{contents}"))
        .collect()
}

fn file<'a>(files: &'a FileSet, path: &str) -> &'a str {
    files
        .get(path)
        .unwrap_or_else(|| panic!("{path} not generated"))
}

#[test]
fn octo_terraform() {
    let (_, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    insta::assert_snapshot!("octo_terraform", combined(&files));
}

#[test]
fn api_worker_terraform() {
    let (_, files) = build("specs/api-worker.kdl", &read("specs/api-worker.kdl"));
    insta::assert_snapshot!("api_worker_terraform", combined(&files));
}

#[test]
fn shopmicro_terraform() {
    let (_, files) = build("specs/shopmicro.kdl", &read("specs/shopmicro.kdl"));
    insta::assert_snapshot!("shopmicro_terraform", combined(&files));
}

#[test]
fn every_root_and_module_has_its_files() {
    let (p, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    for env in &p.environments {
        for name in [
            "main.tf",
            "backend.tf",
            "providers.tf",
            "versions.tf",
            "variables.tf",
            "outputs.tf",
            "terraform.tfvars",
        ] {
            file(
                &files,
                &format!("terraform/environments/{}/{name}", env.name),
            );
        }
    }
    for family in [
        "networking",
        "aks",
        "acr",
        "postgresql",
        "redis",
        "servicebus",
        "keyvault",
        "storage",
        "monitoring",
        "identity",
    ] {
        for name in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
            file(&files, &format!("terraform/modules/{family}/{name}"));
        }
    }
    for name in [
        "main.tf",
        "providers.tf",
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "terraform.tfvars",
    ] {
        file(&files, &format!("terraform/bootstrap/{name}"));
    }
}

#[test]
fn only_used_families_are_emitted() {
    let (_, files) = build("specs/api-worker.kdl", &read("specs/api-worker.kdl"));
    let families: BTreeSet<&str> = terraform(&files)
        .into_iter()
        .filter_map(|(path, _)| path.strip_prefix("terraform/modules/"))
        .filter_map(|rest| rest.split('/').next())
        .collect();
    assert_eq!(
        families.into_iter().collect::<Vec<_>>(),
        [
            "acr",
            "aks",
            "identity",
            "keyvault",
            "monitoring",
            "networking",
            "storage"
        ]
    );
}

/// Seed 000's sizing table, environment by environment.
#[test]
fn octo_sizing_table_lands_in_each_environment() {
    let (_, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    let tfvars = |env: &str| {
        file(
            &files,
            &format!("terraform/environments/{env}/terraform.tfvars"),
        )
        .to_string()
    };
    let rows: [(&str, &[&str]); 3] = [
        (
            "dev",
            &[
                "vm_size   = \"Standard_D2s_v3\"\n    min_count = 1\n",
                "postgresql_main_sku_name              = \"B_Standard_B1ms\"",
                "postgresql_main_high_availability     = \"None\"",
                "redis_cache_sku_name                  = \"Basic\"",
                "redis_cache_family                    = \"C\"",
                "redis_cache_capacity                  = 0",
                "acr_sku                              = \"Basic\"",
                "network_address_space = \"10.0.0.0/16\"",
                "aks      = \"10.0.1.0/24\"\n  database = \"10.0.2.0/24\"\n  redis    = \"10.0.3.0/24\"",
            ],
        ),
        (
            "staging",
            &[
                "vm_size   = \"Standard_D2s_v3\"\n    min_count = 2\n",
                "postgresql_main_sku_name              = \"B_Standard_B1ms\"",
                "redis_cache_sku_name                  = \"Basic\"",
                "redis_cache_capacity                  = 0",
                "acr_sku                              = \"Standard\"",
                "aks      = \"10.10.1.0/24\"\n  database = \"10.10.2.0/24\"\n  redis    = \"10.10.3.0/24\"",
            ],
        ),
        (
            "production",
            &[
                "vm_size   = \"Standard_D4s_v3\"\n    min_count = 3\n",
                "postgresql_main_sku_name              = \"GP_Standard_D4s_v3\"",
                "postgresql_main_high_availability     = \"ZoneRedundant\"",
                "redis_cache_sku_name                  = \"Premium\"",
                "redis_cache_family                    = \"P\"",
                "redis_cache_capacity                  = 1",
                "acr_sku                              = \"Premium\"",
                "aks_zones                            = [\"1\", \"2\", \"3\"]",
                "aks      = \"10.20.1.0/24\"\n  database = \"10.20.2.0/24\"\n  redis    = \"10.20.3.0/24\"",
            ],
        ),
    ];
    for (env, expected) in rows {
        let text = tfvars(env);
        for e in expected {
            assert!(text.contains(e), "{env} tfvars lack {e:?}:\n{text}");
        }
    }
}

/// Paths whose contents differ between two builds (or exist in only one).
fn changed(a: &FileSet, b: &FileSet) -> Vec<String> {
    let ta: Vec<(&str, &str)> = terraform(a);
    let tb: Vec<(&str, &str)> = terraform(b);
    let paths: BTreeSet<&str> = ta.iter().chain(tb.iter()).map(|(p, _)| *p).collect();
    paths
        .into_iter()
        .filter(|p| a.get(p) != b.get(p))
        .map(str::to_string)
        .collect()
}

#[test]
fn one_environment_value_changes_only_that_environment() {
    let text = read("specs/octo.kdl");
    let (_, before) = build("specs/octo.kdl", &text);
    let cases = [
        (
            "count 1 staging=2 production=3",
            "count 1 staging=2 production=4",
            "production",
        ),
        (
            "vm-size Standard_D2s_v3 production=Standard_D4s_v3",
            "vm-size Standard_D2s_v3 production=Standard_D8s_v3",
            "production",
        ),
        (
            "sku B_Standard_B1ms production=GP_Standard_D4s_v3",
            "sku B_Standard_B1ms staging=B_Standard_B2s production=GP_Standard_D4s_v3",
            "staging",
        ),
        (
            "sku \"Basic/C0\" production=\"Premium/P1\"",
            "sku \"Basic/C0\" production=\"Premium/P2\"",
            "production",
        ),
        (
            "sku Basic staging=Standard production=Premium",
            "sku Basic staging=Premium production=Premium",
            "staging",
        ),
        (
            "retention-days 30 production=90",
            "retention-days 30 production=120",
            "production",
        ),
        (
            "storage-gb 32 production=128",
            "storage-gb 64 staging=32 production=128",
            "dev",
        ),
    ];
    for (from, to, env) in cases {
        assert!(text.contains(from), "spec no longer contains {from:?}");
        let (_, after) = build("specs/octo.kdl", &text.replace(from, to));
        assert_eq!(
            changed(&before, &after),
            vec![format!("terraform/environments/{env}/terraform.tfvars")],
            "changing {from:?} to {to:?}"
        );
    }
}

/// Output names declared in an `outputs.tf`.
fn output_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("output \""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_deploy_value_is_a_root_output_in_every_environment() {
    for spec in [
        "specs/octo.kdl",
        "specs/api-worker.kdl",
        "specs/shopmicro.kdl",
    ] {
        let (p, files) = build(spec, &read(spec));
        assert!(!p.deploy_values.is_empty(), "{spec} has deploy values");
        for env in &p.environments {
            let outputs = output_names(file(
                &files,
                &format!("terraform/environments/{}/outputs.tf", env.name),
            ));
            for dv in &p.deploy_values {
                assert!(
                    outputs.contains(&dv.key),
                    "{spec} {}: no output {}",
                    env.name,
                    dv.key
                );
            }
            let main = file(
                &files,
                &format!("terraform/environments/{}/outputs.tf", env.name),
            );
            assert!(
                !main.contains("= null\n"),
                "{spec} {}: an output has no value:\n{main}",
                env.name
            );
        }
    }
}

#[test]
fn secrets_are_never_output_in_clear() {
    let secret_words = [
        "password",
        "access_key",
        "connection_string",
        "primary_key",
        "secret_value",
    ];
    for spec in [
        "specs/octo.kdl",
        "specs/api-worker.kdl",
        "specs/shopmicro.kdl",
    ] {
        let (_, files) = build(spec, &read(spec));
        for (path, text) in terraform(&files)
            .into_iter()
            .filter(|(p, _)| p.ends_with("outputs.tf"))
        {
            for block in text.split("\noutput \"").skip(1) {
                let value = block
                    .lines()
                    .find(|l| l.trim_start().starts_with("value"))
                    .unwrap_or("");
                // The attribute read last: `….administrator_password.versionless_id` is an ID, not a secret.
                let attribute = value.rsplit('.').next().unwrap_or(value);
                if secret_words.iter().any(|w| attribute.contains(w)) {
                    assert!(
                        block.contains("sensitive   = true"),
                        "{path}: output {block} is a secret in clear"
                    );
                }
            }
        }
    }
}

#[test]
fn state_keys_are_per_environment_with_azure_ad_auth() {
    let (p, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    for env in &p.environments {
        let backend = file(
            &files,
            &format!("terraform/environments/{}/backend.tf", env.name),
        );
        assert!(
            backend.contains(&format!(
                "key                  = \"octo/{}.tfstate\"",
                env.name
            )),
            "{backend}"
        );
        assert!(backend.contains("use_azuread_auth     = true"), "{backend}");
    }
}

#[test]
fn every_configuration_pins_terraform_and_azurerm() {
    let (_, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    let versions: Vec<(&str, &str)> = terraform(&files)
        .into_iter()
        .filter(|(p, _)| p.ends_with("/versions.tf"))
        .collect();
    assert_eq!(
        versions.len(),
        10 + 3 + 1,
        "ten modules, three environments, bootstrap"
    );
    for (path, text) in versions {
        assert!(
            text.contains("required_version = \">= 1.9, < 2.0\""),
            "{path}"
        );
        assert!(
            text.contains("source  = \"hashicorp/azurerm\"\n      version = \"~> 4.79\""),
            "{path}"
        );
        assert!(
            !text.contains("hashicorp/random"),
            "{path}: random cannot be installed offline"
        );
    }
}

#[test]
fn bootstrap_trusts_exactly_the_subjects_the_workflows_log_in_with() {
    let (p, files) = build("specs/octo.kdl", &read("specs/octo.kdl"));
    let main = file(&files, "terraform/bootstrap/main.tf");
    assert!(
        main.contains(
            "issuer                    = \"https://token.actions.githubusercontent.com\""
        )
    );
    let tfvars = file(&files, "terraform/bootstrap/terraform.tfvars");
    let subjects = p.ci_subjects();
    assert!(
        subjects
            .iter()
            .any(|s| s.claim == "repo:octo-org/octo-eshop:pull_request")
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.claim == "repo:octo-org/octo-eshop:environment:production")
    );
    for s in &subjects {
        assert!(
            tfvars.contains(&format!("= \"{}\"\n", s.claim)),
            "{} not trusted:\n{tfvars}",
            s.claim
        );
    }
    assert_eq!(tfvars.matches("repo:").count(), subjects.len(), "{tfvars}");
    assert!(
        tfvars.contains("production = \"rg-octo-production\""),
        "{tfvars}"
    );
}
