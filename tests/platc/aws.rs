//! The AWS target and specs/shopmicro.kdl (seed 004): every component the
//! seed names lands in the output, the layers agree on the facts they share
//! (zonal subnets, IAM role names, secret names), the observability objects
//! validate against their CRD schemas, and the dashboards are the seed's.

use std::path::Path;

use platc::model::{CloudKind, EnvId, Platform};
use platc::output::FileSet;
use serde_json::Value;

const SPEC: &str = "specs/shopmicro.kdl";

fn build(path: &str) -> (Platform, FileSet) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match platc::build(path, &text) {
        Ok(built) => built,
        Err(platc::Error::Spec(d)) => panic!("{path} does not compile:\n{}", d.render_human(false)),
        Err(platc::Error::Path(e)) => panic!("{path}: {e}"),
    }
}

fn file<'a>(files: &'a FileSet, path: &str) -> &'a str {
    files
        .get(path)
        .unwrap_or_else(|| panic!("{path} not generated"))
}

/// The YAML documents of a generated file (its header comment is YAML too).
fn yaml_docs(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .map(|doc| serde_norway::from_str::<Value>(doc).unwrap_or_else(|e| panic!("{e}: {doc}")))
        .collect()
}

/// Each component of seed 004 and where it is: (component, file, text it holds).
const COMPONENTS: &[(&str, &str, &str)] = &[
    (
        "VPC module",
        "terraform/modules/vpc/main.tf",
        "resource \"aws_vpc\"",
    ),
    (
        "public and private subnets",
        "terraform/modules/vpc/main.tf",
        "resource \"aws_subnet\"",
    ),
    (
        "NAT and routing",
        "terraform/modules/vpc/main.tf",
        "resource \"aws_nat_gateway\"",
    ),
    (
        "EKS cluster",
        "terraform/modules/eks/main.tf",
        "resource \"aws_eks_cluster\"",
    ),
    (
        "EKS node groups",
        "terraform/modules/eks/main.tf",
        "resource \"aws_eks_node_group\"",
    ),
    (
        "EBS CSI add-on",
        "terraform/modules/eks/main.tf",
        "aws-ebs-csi-driver",
    ),
    (
        "IRSA OIDC provider",
        "terraform/modules/eks/main.tf",
        "resource \"aws_iam_openid_connect_provider\"",
    ),
    (
        "IAM roles (IRSA)",
        "terraform/modules/iam/main.tf",
        "sts:AssumeRoleWithWebIdentity",
    ),
    (
        "ECR repositories",
        "terraform/modules/ecr/main.tf",
        "resource \"aws_ecr_repository\"",
    ),
    (
        "S3 state backend",
        "terraform/environments/dev/backend.tf",
        "backend \"s3\"",
    ),
    (
        "DynamoDB state lock",
        "terraform/bootstrap/main.tf",
        "resource \"aws_dynamodb_table\"",
    ),
    (
        "S3 state bucket",
        "terraform/bootstrap/main.tf",
        "resource \"aws_s3_bucket\"",
    ),
    (
        "secrets in Secrets Manager",
        "terraform/modules/secrets/main.tf",
        "resource \"aws_secretsmanager_secret\"",
    ),
    (
        "frontend",
        "kubernetes/base/frontend.yaml",
        "kind: Deployment",
    ),
    (
        "backend",
        "kubernetes/base/backend.yaml",
        "kind: Deployment",
    ),
    (
        "ML service",
        "kubernetes/base/ml-service.yaml",
        "kind: Deployment",
    ),
    (
        "HPA (backend)",
        "kubernetes/base/backend.yaml",
        "kind: HorizontalPodAutoscaler",
    ),
    (
        "pod anti-affinity",
        "kubernetes/base/backend.yaml",
        "podAntiAffinity",
    ),
    (
        "ingress routing",
        "kubernetes/base/frontend.yaml",
        "kind: Ingress",
    ),
    (
        "NetworkPolicies",
        "kubernetes/base/network-policies.yaml",
        "kind: NetworkPolicy",
    ),
    (
        "PostgreSQL",
        "kubernetes/base/data/db.yaml",
        "kind: StatefulSet",
    ),
    (
        "PostgreSQL backup CronJob",
        "kubernetes/base/data/db.yaml",
        "name: db-backup",
    ),
    (
        "Redis",
        "kubernetes/base/data/cache.yaml",
        "kind: StatefulSet",
    ),
    (
        "encrypted EBS volumes",
        "kubernetes/base/data/storage-class.yaml",
        "encrypted: 'true'",
    ),
    (
        "Prometheus, Grafana",
        "kubernetes/addons/kube-prometheus-stack/values.yaml",
        "grafana:",
    ),
    ("Loki", "kubernetes/addons/loki/values.yaml", "SingleBinary"),
    ("Tempo", "kubernetes/addons/tempo/values.yaml", "otlp"),
    (
        "ServiceMonitors",
        "kubernetes/base/observability/monitors.yaml",
        "kind: ServiceMonitor",
    ),
    (
        "SLOs and alerts",
        "kubernetes/base/observability/slo-rules.yaml",
        "kind: PrometheusRule",
    ),
    (
        "Platform overview dashboard",
        "kubernetes/base/observability/dashboards/platform-overview.json",
        "\"title\": \"Platform overview\"",
    ),
    (
        "Backend service health dashboard",
        "kubernetes/base/observability/dashboards/backend-health.json",
        "\"title\": \"Backend service health\"",
    ),
    (
        "Logs and trace correlation dashboard",
        "kubernetes/base/observability/dashboards/logs-traces.json",
        "\"title\": \"Logs and trace correlation\"",
    ),
    ("image build and push", ".github/workflows/ci.yml", "docker"),
    (
        "Terraform validation",
        ".github/workflows/infrastructure.yml",
        "terraform",
    ),
    (
        "drift detection",
        ".github/workflows/drift.yml",
        "-detailed-exitcode",
    ),
    (
        "development deployment",
        ".github/workflows/deploy.yml",
        "deploy-dev",
    ),
    (
        "incident runbook (backend outage, rollback)",
        "docs/runbook.md",
        "kubectl rollout undo deployment/backend -n shopmicro",
    ),
    (
        "manual backup trigger",
        "README.md",
        "kubectl create job --from=cronjob/db-backup db-backup-manual -n shopmicro",
    ),
    ("restore procedure", "docs/runbook.md", "pg_restore"),
    (
        "shopctl verification CLI",
        "scripts/shopmicroctl",
        "verify()",
    ),
];

#[test]
fn every_seed_component_is_in_the_output() {
    let (_, files) = build(SPEC);
    let missing: Vec<String> = COMPONENTS
        .iter()
        .filter(|(_, path, needle)| !files.get(path).is_some_and(|t| t.contains(needle)))
        .map(|(what, path, needle)| format!("{what}: `{needle}` not in {path}"))
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn zonal_subnets_agree_between_model_and_terraform() {
    let (p, files) = build(SPEC);
    assert_eq!(p.cloud.kind, CloudKind::Aws);
    for env in &p.environments {
        let tfvars = file(
            &files,
            &format!("terraform/environments/{}/terraform.tfvars", env.name),
        );
        for subnet in &p.subnets {
            let zones = p.zone_subnets(subnet, env.id);
            assert_eq!(zones.len(), env.zones.len(), "{} {}", env.name, subnet.name);
            for z in zones {
                assert!(subnet.cidr.get(env.id).contains(&z.cidr));
                assert!(
                    tfvars.contains(&format!("\"{}\"", z.cidr))
                        && tfvars.contains(&format!("\"{}\"", z.zone)),
                    "{}: {} {} not in tfvars",
                    env.name,
                    z.zone,
                    z.cidr
                );
            }
        }
    }
    // The spec's comments: a /22 of the public /20 and a /20 of the private /18 per zone.
    let dev = file(&files, "terraform/environments/dev/terraform.tfvars");
    for cidr in [
        "10.40.0.0/22",
        "10.40.4.0/22",
        "10.40.64.0/20",
        "10.40.80.0/20",
    ] {
        assert!(dev.contains(cidr), "{cidr}");
    }
    let production = file(&files, "terraform/environments/production/terraform.tfvars");
    assert!(production.contains("eu-west-1c") && production.contains("10.42.96.0/20"));
    assert!(!dev.contains("eu-west-1c"));
}

#[test]
fn iam_roles_exist_only_for_aws_access_and_stay_under_the_ci_prefix() {
    let (p, files) = build(SPEC);
    // No service calls an AWS API: the secrets operator is the only workload role.
    assert!(p.services.iter().all(|s| s.identity.is_none()));
    for env in &p.environments {
        let tfvars = file(
            &files,
            &format!("terraform/environments/{}/terraform.tfvars", env.name),
        );
        let block = tfvars
            .split("role_names = {")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .unwrap_or_else(|| panic!("{}: no role_names", env.name));
        let roles: Vec<&str> = block.lines().filter(|l| l.contains('=')).collect();
        assert_eq!(roles.len(), 1, "{roles:?}");
        let prefix = format!("\"{}-{}-", p.name, env.name);
        for role in roles {
            assert!(role.contains(&prefix), "{role} is outside {prefix}");
        }
        // The bootstrap lets each environment's CI role manage exactly that prefix.
        let bootstrap = file(&files, "terraform/bootstrap/main.tf");
        assert!(
            bootstrap.contains(&format!("prefix  = \"{}-{}-\"", p.name, env.name)),
            "{}",
            env.name
        );
    }
}

#[test]
fn secret_names_agree_between_terraform_and_external_secrets() {
    let (p, files) = build(SPEC);
    for env in &p.environments {
        let tfvars = file(
            &files,
            &format!("terraform/environments/{}/terraform.tfvars", env.name),
        );
        for s in p.stored_secrets() {
            let name = p.secret_name(env.id, &s.vault_key);
            assert!(name.starts_with(&format!("{}/{}/", p.name, env.name)));
            assert!(
                tfvars.contains(&format!("\"{name}\"")),
                "{name} not created in {}",
                env.name
            );
        }
    }
    let first = p.secret_name(EnvId(0), "db-admin-password");
    assert!(file(&files, "kubernetes/base/data/db.yaml").contains(&first));
}

#[test]
fn backend_state_is_s3_with_dynamodb_locking() {
    let (p, files) = build(SPEC);
    for env in &p.environments {
        let backend = file(
            &files,
            &format!("terraform/environments/{}/backend.tf", env.name),
        );
        assert!(
            backend.contains("bucket         = \"shopmicro-tfstate-eu-west-1\""),
            "{backend}"
        );
        assert!(
            backend.contains("dynamodb_table = \"shopmicro-tflock\""),
            "{backend}"
        );
        assert!(backend.contains(&format!(
            "key            = \"environments/{}/terraform.tfstate\"",
            env.name
        )));
        assert!(backend.contains("encrypt        = true"));
    }
}

fn schema(kind: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas/crds/monitoring.coreos.com")
        .join(format!("{kind}_v1.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn observability_objects_validate_against_their_crd_schemas() {
    let (_, files) = build(SPEC);
    let rule = schema("prometheusrule");
    let monitor = schema("servicemonitor");
    let mut checked = 0;
    for path in [
        "kubernetes/base/observability/slo-rules.yaml",
        "kubernetes/base/observability/monitors.yaml",
    ] {
        for doc in yaml_docs(file(&files, path)) {
            let validator = match doc["kind"].as_str() {
                Some("PrometheusRule") => &rule,
                Some("ServiceMonitor") => &monitor,
                other => panic!("{path}: unexpected kind {other:?}"),
            };
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{path}: {errors:?}");
            checked += 1;
        }
    }
    // One rule object; a monitor for each service with metrics (backend, ml-service).
    assert_eq!(checked, 3);
}

#[test]
fn slo_rules_record_every_window_and_alert_as_declared() {
    let (_, files) = build(SPEC);
    let rule = &yaml_docs(file(&files, "kubernetes/base/observability/slo-rules.yaml"))[0];
    let groups = rule["spec"]["groups"].as_array().expect("groups");
    let records: Vec<&str> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .filter_map(|r| r["record"].as_str())
        .collect();
    for window in ["5m", "30m", "1h", "6h", "30d"] {
        assert!(
            records.contains(&format!("slo:sli_error:ratio_rate{window}").as_str()),
            "{window}"
        );
    }
    let alerts: Vec<&Value> = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .filter(|r| r.get("alert").is_some())
        .collect();
    let names: Vec<&str> = alerts.iter().filter_map(|a| a["alert"].as_str()).collect();
    assert_eq!(names, ["HighErrorRate", "HighLatency"]);
    // Multi-window burn rates on the 99.5% error SLO: 14.4 × 0.5% and 6 × 0.5%.
    let errors = alerts[0]["expr"].as_str().unwrap();
    assert!(
        errors.contains("> 0.072") && errors.contains("> 0.03"),
        "{errors}"
    );
    assert_eq!(alerts[0]["labels"]["severity"], "critical");
    // Sustained latency: P95 above 300 ms for 10 minutes.
    assert!(alerts[1]["expr"].as_str().unwrap().ends_with("> 0.3"));
    assert_eq!(alerts[1]["for"], "10m");
    assert!(
        alerts[1]["annotations"]["description"]
            .as_str()
            .unwrap()
            .contains("conversion")
    );
}

#[test]
fn dashboards_are_the_seeds_with_their_panels() {
    let (p, files) = build(SPEC);
    let obs = p.observability.as_ref().expect("observability");
    assert_eq!(obs.dashboards.len(), 3);
    let expect: &[(&str, &[&str], &[&str])] = &[
        (
            "platform-overview",
            &["API latency", "API error rate"],
            &["prometheus"],
        ),
        (
            "backend-health",
            &["Latency P95", "Error ratio", "Replicas"],
            &["prometheus", "loki"],
        ),
        ("logs-traces", &["Logs", "traces"], &["loki", "tempo"]),
    ];
    for (name, panels, sources) in expect {
        let text = file(
            &files,
            &format!("kubernetes/base/observability/dashboards/{name}.json"),
        );
        let model: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let titles: Vec<&str> = model["panels"]
            .as_array()
            .expect("panels")
            .iter()
            .filter_map(|p| p["title"].as_str())
            .collect();
        for want in *panels {
            assert!(
                titles.iter().any(|t| t.contains(want)),
                "{name}: no panel `{want}` in {titles:?}"
            );
        }
        let used: Vec<&str> = model["panels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["datasource"]["type"].as_str())
            .collect();
        for source in *sources {
            assert!(used.contains(source), "{name}: no {source} panel");
        }
        // Provisioned by the kustomization of the observability directory.
        let kustomization = file(&files, "kubernetes/base/observability/kustomization.yaml");
        assert!(kustomization.contains(&format!("{name}.json=dashboards/{name}.json")));
    }
}

#[test]
fn azure_specs_have_no_observability_stack() {
    for spec in ["specs/octo.kdl", "specs/api-worker.kdl"] {
        let (p, files) = build(spec);
        assert!(p.observability.is_none(), "{spec}");
        assert!(
            !p.addons()
                .iter()
                .any(|a| a.namespace == platc::model::OBSERVABILITY_NAMESPACE)
        );
        assert!(
            files
                .paths()
                .all(|f| !f.starts_with("kubernetes/base/observability/")),
            "{spec}"
        );
    }
}
