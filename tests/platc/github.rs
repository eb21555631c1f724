//! GitHub Actions workflows: a snapshot of every workflow of the real specs,
//! invariants every workflow keeps (pins, permissions, timeouts, no event
//! text in scripts), and the workflows following the spec when its
//! environments, branches, approvals and services change.

use platc::output::FileSet;
use serde_json::{Value, json};

const WORKFLOW_DIR: &str = ".github/workflows/";

fn build(display: &str, text: &str) -> FileSet {
    match platc::build(display, text) {
        Ok((_, files)) => files,
        Err(platc::Error::Spec(d)) => {
            panic!("{display} does not compile:\n{}", d.render_human(false))
        }
        Err(platc::Error::Path(e)) => panic!("{display}: {e}"),
    }
}

fn build_spec(path: &str) -> FileSet {
    let text = std::fs::read_to_string(path).expect("spec readable");
    build(path, &text)
}

/// Every workflow file, in path order.
fn workflows(files: &FileSet) -> Vec<(&str, &str)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with(WORKFLOW_DIR))
        .collect()
}

/// All workflows of a build as one text with `=== path ===` separators.
fn combined(files: &FileSet) -> String {
    workflows(files)
        .into_iter()
        .map(|(path, contents)| format!("=== {path} ===\n{contents}"))
        .collect()
}

fn parse(files: &FileSet, name: &str) -> Value {
    let path = format!("{WORKFLOW_DIR}{name}");
    let text = files
        .get(&path)
        .unwrap_or_else(|| panic!("{path} not generated"));
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

#[test]
fn octo_workflows() {
    insta::assert_snapshot!("octo_workflows", combined(&build_spec("specs/octo.kdl")));
}

#[test]
fn api_worker_workflows() {
    insta::assert_snapshot!(
        "api_worker_workflows",
        combined(&build_spec("specs/api-worker.kdl"))
    );
}

#[test]
fn shopmicro_workflows() {
    insta::assert_snapshot!(
        "shopmicro_workflows",
        combined(&build_spec("specs/shopmicro.kdl"))
    );
}

#[test]
fn every_workflow_is_generated() {
    let files = build_spec("specs/octo.kdl");
    let names: Vec<&str> = workflows(&files)
        .into_iter()
        .map(|(p, _)| p.trim_start_matches(WORKFLOW_DIR))
        .collect();
    assert_eq!(
        names,
        [
            "ci.yml",
            "cluster-setup.yml",
            "deploy.yml",
            "drift.yml",
            "infrastructure.yml",
            "platc.yml"
        ]
    );
}

/// The rules every job of every workflow of every spec that compiles keeps.
#[test]
fn workflows_keep_the_security_rules() {
    let mut specs: Vec<_> = std::fs::read_dir("specs")
        .expect("specs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .collect();
    specs.sort();
    let mut checked = 0;
    for spec in specs {
        let display = spec.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&spec).expect("spec readable");
        // Specs still being written are other tests' business.
        let Ok((_, files)) = platc::build(&display, &text) else {
            continue;
        };
        for (path, text) in workflows(&files) {
            check_workflow(path, text);
            checked += 1;
        }
    }
    // octo, api-worker and shopmicro: six workflows each.
    assert!(checked >= 18, "only {checked} workflows checked");
}

fn check_workflow(path: &str, text: &str) {
    for line in text.lines() {
        if let Some(uses) = line
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses: ")
        {
            let (reference, comment) = uses.split_once(" # ").unwrap_or((uses, ""));
            let sha = reference.rsplit_once('@').map(|(_, s)| s).unwrap_or("");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{path}: {reference} is not pinned to a commit SHA"
            );
            assert!(
                comment.starts_with('v'),
                "{path}: {reference} has no release comment"
            );
        }
    }
    let doc: Value = serde_norway::from_str(text).expect("workflow is YAML");
    assert_eq!(doc["permissions"], json!({"contents": "read"}), "{path}");
    let jobs = doc["jobs"].as_object().expect("jobs");
    for (id, job) in jobs {
        assert_eq!(job["runs-on"], "ubuntu-24.04", "{path} {id}");
        assert!(
            job["timeout-minutes"].as_u64().is_some_and(|t| t > 0),
            "{path} {id}"
        );
        let steps = job["steps"].as_array().expect("steps");
        let logs_in = steps.iter().any(|s| {
            s["uses"].as_str().is_some_and(|u| {
                u.starts_with("azure/login@")
                    || u.starts_with("aws-actions/configure-aws-credentials@")
            })
        });
        let id_token = &job["permissions"]["id-token"];
        if logs_in {
            assert_eq!(
                id_token, "write",
                "{path} {id} logs in without id-token: write"
            );
        } else {
            assert!(
                id_token.is_null(),
                "{path} {id} asks for an OIDC token it does not use"
            );
        }
        for step in steps {
            if let Some(run) = step["run"].as_str() {
                assert!(
                    !run.contains("${{"),
                    "{path} {id}: expression inside run: {run}"
                );
            }
        }
    }
}

/// A small spec whose environments and services the test varies.
fn spec(environments: &str, services: &[&str]) -> String {
    let services: String = services
        .iter()
        .map(|name| {
            format!(
                "service {name} {{\n    image \"shop/{name}\"\n    port 8080\n    resources {{\n        \
                 cpu \"100m\"\n        memory \"128Mi\"\n        cpu-limit \"500m\"\n        memory-limit \"256Mi\"\n    }}\n}}\n\n"
            )
        })
        .collect();
    format!(
        r#"platform shop {{
    title "Shop"
    cloud azure region=westeurope
    repository "acme/shop"
    namespace shop
}}

{environments}
network {{
    subnet aks index=1
}}

cluster aks {{
    kubernetes "1.30"
    subnet aks
    network-plugin azure policy=calico
    node-pool system {{
        vm-size Standard_D2s_v3
        count 1
    }}
    ingress nginx
}}

{services}delivery {{
    ci github-actions scan=trivy
    registry acr {{
        sku Basic
    }}
    state azure-storage
    secrets external-secrets
}}
"#
    )
}

const TWO_ENVIRONMENTS: &str = r#"environment dev network="10.0.0.0/16" branch=develop
environment production network="10.20.0.0/16" branch=main approval=#true
"#;

/// `qa` inserted after dev on dev's branch, `staging` on its own branch with
/// approval, production's approval dropped.
const FOUR_ENVIRONMENTS: &str = r#"environment dev network="10.0.0.0/16" branch=develop
environment qa network="10.5.0.0/16" branch=develop
environment staging network="10.10.0.0/16" branch=release approval=#true
environment production network="10.20.0.0/16" branch=main
"#;

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default())
        .collect()
}

fn job_ids(doc: &Value) -> Vec<&str> {
    doc["jobs"]
        .as_object()
        .expect("jobs")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The same small spec on AWS: its cloud, network, cluster and delivery
/// swapped, every environment spread over two zones.
fn to_aws(azure: &str) -> String {
    let aws: String = azure
        .replace(
            "cloud azure region=westeurope",
            "cloud aws region=eu-west-1",
        )
        .replace(
            "network-plugin azure policy=calico",
            "network-plugin vpc-cni policy=vpc-cni",
        )
        .replace(
            "    subnet aks index=1\n",
            "    subnet public index=0 prefix=20 public=#true\n    subnet aks index=1 prefix=18\n",
        )
        .replace("vm-size Standard_D2s_v3", "vm-size t3.medium")
        .replace("registry acr {\n        sku Basic\n    }", "registry ecr")
        .replace("state azure-storage", "state s3")
        .lines()
        .map(|line| {
            if line.starts_with("environment ") {
                format!("{line} zones=\"1 2\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_ne!(aws, azure);
    aws
}

#[test]
fn workflows_follow_environments_branches_approvals_and_services() {
    follow_the_spec(|s| s);
}

/// The same edits on AWS change the workflows the same way.
#[test]
fn aws_workflows_follow_environments_branches_approvals_and_services() {
    follow_the_spec(|s| to_aws(&s));
}

fn follow_the_spec(cloud: fn(String) -> String) {
    let before = build(
        "specs/shop.kdl",
        &cloud(spec(TWO_ENVIRONMENTS, &["api", "web"])),
    );
    let after = build(
        "specs/shop.kdl",
        &cloud(spec(FOUR_ENVIRONMENTS, &["api", "search", "worker-free"])),
    );

    // Environment choices and plan/drift matrices.
    for (files, envs) in [
        (&before, vec!["dev", "production"]),
        (&after, vec!["dev", "qa", "staging", "production"]),
    ] {
        let infra = parse(files, "infrastructure.yml");
        assert_eq!(
            strings(&infra["on"]["workflow_dispatch"]["inputs"]["environment"]["options"]),
            envs
        );
        assert_eq!(
            strings(&infra["jobs"]["plan-pull-request"]["strategy"]["matrix"]["environment"]),
            envs
        );
        let setup = parse(files, "cluster-setup.yml");
        assert_eq!(
            strings(&setup["on"]["workflow_dispatch"]["inputs"]["environment"]["options"]),
            envs
        );
        let setup_jobs: Vec<String> = envs.iter().map(|e| format!("setup-{e}")).collect();
        assert_eq!(job_ids(&setup), setup_jobs);
        let drift = parse(files, "drift.yml");
        assert_eq!(
            strings(&drift["jobs"]["drift"]["strategy"]["matrix"]["environment"]),
            envs
        );
        let deploy = parse(files, "deploy.yml");
        let deploy_jobs: Vec<String> = envs.iter().map(|e| format!("deploy-{e}")).collect();
        assert_eq!(job_ids(&deploy), deploy_jobs);
        for env in &envs {
            assert_eq!(deploy["jobs"][format!("deploy-{env}")]["environment"], *env);
            assert_eq!(setup["jobs"][format!("setup-{env}")]["environment"], *env);
        }
    }

    // Branches: deploy triggers, per-environment conditions, promotion order.
    let deploy = parse(&before, "deploy.yml");
    assert_eq!(
        strings(&deploy["on"]["push"]["branches"]),
        ["develop", "main"]
    );
    let deploy = parse(&after, "deploy.yml");
    assert_eq!(
        strings(&deploy["on"]["push"]["branches"]),
        ["develop", "release", "main"]
    );
    let jobs = &deploy["jobs"];
    assert_eq!(
        jobs["deploy-qa"]["if"],
        "github.ref == 'refs/heads/develop'"
    );
    assert_eq!(jobs["deploy-qa"]["needs"], "deploy-dev");
    assert_eq!(
        jobs["deploy-staging"]["if"],
        "github.ref == 'refs/heads/release'"
    );
    assert!(jobs["deploy-staging"]["needs"].is_null());
    assert_eq!(
        jobs["deploy-production"]["if"],
        "github.ref == 'refs/heads/main'"
    );
    let ci = parse(&after, "ci.yml");
    assert_eq!(
        strings(&ci["on"]["push"]["branches"]),
        ["develop", "release", "main"]
    );
    assert_eq!(
        ci["jobs"]["push"]["if"],
        "github.event_name == 'push' && (github.ref == 'refs/heads/develop' || github.ref == 'refs/heads/release' || github.ref == 'refs/heads/main')"
    );

    // Approvals: the protection notes name the environments needing reviewers.
    let notes = |files: &FileSet, name: &str| -> String {
        files
            .get(&format!("{WORKFLOW_DIR}{name}"))
            .unwrap_or_default()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for name in ["infrastructure.yml", "cluster-setup.yml", "deploy.yml"] {
        let before = notes(&before, name);
        assert!(
            before.contains("#   production: required reviewers"),
            "{name}:\n{before}"
        );
        assert!(
            before.contains("#   dev: no required reviewers"),
            "{name}:\n{before}"
        );
        let after = notes(&after, name);
        assert!(
            after.contains("#   staging: required reviewers"),
            "{name}:\n{after}"
        );
        assert!(
            after.contains("#   qa: no required reviewers"),
            "{name}:\n{after}"
        );
        assert!(
            after.contains("#   production: no required reviewers"),
            "{name}:\n{after}"
        );
    }

    // Services: the build matrix and the rollouts follow the spec.
    let services = |files: &FileSet| -> Vec<String> {
        parse(files, "ci.yml")["jobs"]["build"]["strategy"]["matrix"]["include"]
            .as_array()
            .expect("matrix")
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["service"].as_str().unwrap_or(""),
                    e["image"].as_str().unwrap_or(""),
                    e["context"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(
        services(&before),
        ["api shop/api services/api", "web shop/web services/web"]
    );
    assert_eq!(
        services(&after),
        [
            "api shop/api services/api",
            "search shop/search services/search",
            "worker-free shop/worker-free services/worker-free"
        ]
    );
    let rollout = |files: &FileSet| -> String {
        let deploy = parse(files, "deploy.yml");
        let steps = deploy["jobs"]["deploy-dev"]["steps"]
            .as_array()
            .expect("steps")
            .clone();
        steps
            .iter()
            .find(|s| s["id"] == "rollout")
            .map(|s| s["env"]["WORKLOADS"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(rollout(&before), "deployment/api deployment/web");
    assert_eq!(
        rollout(&after),
        "deployment/api deployment/search deployment/worker-free"
    );
}

/// The same spec on AWS: every cloud-specific piece switches, the rules hold.
#[test]
fn aws_workflows_assume_a_role() {
    let azure = spec(TWO_ENVIRONMENTS, &["api", "web"]);
    let aws = to_aws(&azure);
    let files = build("specs/shop.kdl", &aws);
    for (path, text) in workflows(&files) {
        check_workflow(path, text);
        for azure in ["azure/login", "az aks", "az acr", "ARM_"] {
            assert!(!text.contains(azure), "{path} still uses {azure}");
        }
    }
    let deploy = parse(&files, "deploy.yml");
    let steps = deploy["jobs"]["deploy-production"]["steps"]
        .as_array()
        .expect("steps");
    assert_eq!(
        steps[1]["with"]["role-to-assume"],
        "${{ vars.AWS_ROLE_ARN }}"
    );
    assert_eq!(steps[1]["with"]["aws-region"], "eu-west-1");
    assert!(steps.iter().any(|s| {
        s["run"]
            .as_str()
            .is_some_and(|r| r.starts_with("aws eks update-kubeconfig"))
    }));

    // ECR tags are immutable: a release gets a tag of its own, `stable` is never pushed.
    let ci = parse(&files, "ci.yml");
    let promote = &ci["jobs"]["promote"]["steps"][1];
    assert_eq!(promote["env"]["TAG_PREFIX"], "release-");
    assert_eq!(
        promote["env"]["RELEASE"],
        "${{ github.event.release.tag_name }}"
    );
    assert!(promote["env"]["TAG"].is_null());
    let run = promote["run"].as_str().unwrap_or("");
    assert!(run.contains("already names another image, and release tags are immutable"));
    let azure_ci = parse(&build("specs/shop.kdl", &azure), "ci.yml");
    assert_eq!(
        azure_ci["jobs"]["promote"]["steps"][1]["env"]["TAG"],
        "stable"
    );
    // A SHA tag is pushed once, on both clouds.
    for doc in [&ci, &azure_ci] {
        let pushes = doc["jobs"]["push"]["steps"].as_array().expect("steps");
        let scripts: Vec<&str> = pushes.iter().filter_map(|s| s["run"].as_str()).collect();
        assert!(scripts.iter().filter(|r| r.contains("docker push")).count() >= 2);
        for r in scripts.iter().filter(|r| r.contains("docker push")) {
            assert!(r.contains("not pushed again"), "{r}");
        }
    }
}

/// octo's Terraform writes generated credentials into a Key Vault whose
/// firewall denies by default: every job that runs Terraform against an
/// environment admits its runner first and always removes it at the end;
/// no other job touches the firewall, and api-worker (private vault, no
/// generated secret) never does.
#[test]
fn terraform_jobs_pass_the_key_vault_firewall() {
    let octo = build_spec("specs/octo.kdl");
    let mut admitting = Vec::new();
    for (path, text) in workflows(&octo) {
        let doc: Value = serde_norway::from_str(text).expect("YAML");
        for (id, job) in doc["jobs"].as_object().expect("jobs") {
            let steps = job["steps"].as_array().expect("steps");
            let runs = |needle: &str| {
                steps
                    .iter()
                    .position(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
            };
            let terraform = runs("terraform -chdir=\"$TF_ROOT\" plan")
                .or(runs("terraform -chdir=\"$TF_ROOT\" apply"));
            let admit = runs("az keyvault network-rule add");
            let remove = runs("az keyvault network-rule remove");
            match terraform {
                Some(t) => {
                    let (Some(a), Some(r)) = (admit, remove) else {
                        panic!("{path} {id}: Terraform runs without the firewall admission");
                    };
                    assert!(a < t && t < r, "{path} {id}: admit, Terraform, remove");
                    assert!(
                        steps[r]["if"]
                            .as_str()
                            .is_some_and(|c| c.starts_with("always()")),
                        "{path} {id}: the rule must be removed whatever happens"
                    );
                    let vaults: Value = serde_json::from_str(
                        job["env"]["KEY_VAULTS"].as_str().expect("KEY_VAULTS"),
                    )
                    .expect("JSON");
                    assert_eq!(vaults["production"], "kv-octo-production");
                    admitting.push(format!("{path} {id}"));
                }
                None => assert!(admit.is_none() && remove.is_none(), "{path} {id}"),
            }
        }
    }
    assert_eq!(
        admitting,
        [
            ".github/workflows/drift.yml drift",
            ".github/workflows/infrastructure.yml plan-pull-request",
            ".github/workflows/infrastructure.yml plan",
            ".github/workflows/infrastructure.yml apply",
        ]
    );
    // The vault's Terraform ignores the transient rules.
    let kv = octo
        .get("terraform/modules/keyvault/main.tf")
        .expect("keyvault module");
    assert!(kv.contains("ignore_changes = [network_acls[0].ip_rules]"));

    let api_worker = build_spec("specs/api-worker.kdl");
    for (path, text) in workflows(&api_worker) {
        assert!(!text.contains("network-rule"), "{path}");
    }
}
