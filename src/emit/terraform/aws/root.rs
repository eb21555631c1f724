//! `environments/<env>/`: one root per environment.
//!
//! `main.tf` is the same wiring in every environment; everything that
//! differs (CIDRs, zones, sizing, names) is in `terraform.tfvars`, read from
//! the model. State lives in the bootstrap's S3 bucket under the
//! environment's key, locked in its DynamoDB table. Every deploy value of
//! the model is a root output of the same name.

use super::bootstrap::ci_role_name;
use super::iam::roles;
use super::{Output, Variable, env_stem, map_of, spaced};
use crate::emit::File;
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::ModuleCall;
use crate::emit::terraform::root::{Root, RootVar};
use crate::emit::terraform::versions::AWS;
use crate::model::{DeploySource, EnvId, NodePoolMode, PerEnv, Platform, StateBackend};

/// Days control plane and flow logs are kept (a year, for audit).
const LOG_RETENTION_DAYS: u32 = 365;
/// Root volume of every node.
const NODE_DISK_GB: u32 = 50;

/// State object key of an environment in the state bucket.
pub fn state_key(platform: &Platform, env: EnvId) -> String {
    let name = platform
        .environments
        .get(env.0)
        .map(|e| e.name.as_str())
        .unwrap_or("default");
    format!("environments/{name}/terraform.tfstate")
}

/// The roots of every environment.
pub fn files(platform: &Platform) -> Vec<File> {
    let backend = PerEnv::from_values(
        platform
            .environments
            .iter()
            .map(|e| match &platform.delivery.state {
                StateBackend::S3 { bucket, lock_table } => Block::new("backend")
                    .label("s3")
                    .attr("bucket", bucket.as_str())
                    .attr("key", state_key(platform, e.id))
                    .attr("region", platform.cloud.region.as_str())
                    .attr("dynamodb_table", lock_table.as_str())
                    .attr("encrypt", true),
                // The resolver pairs `cloud aws` with `state s3` only.
                StateBackend::AzureStorage { .. } => Block::new("backend").label("local"),
            })
            .collect(),
    );
    let provider_config = Body::new().block(
        Block::new("provider")
            .label("aws")
            .attr("region", Expr::raw("var.region"))
            .blank()
            .block(Block::new("default_tags").attr(
                "tags",
                Expr::object([
                    ("platform", Expr::str(&platform.name)),
                    ("environment", Expr::raw("var.environment")),
                    ("managed-by", Expr::str("platc")),
                ]),
            )),
    );
    let root = Root {
        preamble: spaced([
            Block::new("data").label("aws_caller_identity").label("current"),
            Block::new("data").label("aws_partition").label("current"),
        ]),
        calls: calls(),
        tfvars: tfvars(platform),
        inputs: vec![
            Variable::new(
                "api_public_cidrs",
                "list(string)",
                "CIDRs allowed to reach the cluster API publicly; empty keeps it private (deploy from inside the VPC).",
            )
            .default(Expr::list([])),
        ],
        outputs: outputs(platform),
        providers: vec![AWS],
        provider_config,
        backend,
    };
    platform
        .environments
        .iter()
        .flat_map(|env| root.files(platform, env))
        .collect()
}

fn calls() -> Vec<ModuleCall> {
    let ci_role_arn = Expr::template([
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
        TemplatePart::lit(":iam::"),
        TemplatePart::interp("data.aws_caller_identity.current.account_id"),
        TemplatePart::lit(":role/"),
        TemplatePart::interp("var.ci_role_name"),
    ]);
    vec![
        ModuleCall::new("kms", "kms")
            .arg("name", Expr::raw("var.name"))
            .arg(
                "description",
                Expr::template([
                    TemplatePart::lit("Encrypts the secrets, logs and images of "),
                    TemplatePart::interp("var.name"),
                ]),
            ),
        ModuleCall::new("vpc", "vpc")
            .arg("name", Expr::raw("var.name"))
            .arg("cidr", Expr::raw("var.cidr"))
            .arg("subnets", Expr::raw("var.subnets"))
            .arg("kms_key_arn", Expr::raw("module.kms.key_arn"))
            .arg("log_retention_days", Expr::raw("var.log_retention_days")),
        ModuleCall::new("eks", "eks")
            .arg("name", Expr::raw("var.cluster_name"))
            .arg("role_prefix", Expr::raw("var.name"))
            .arg("kubernetes_version", Expr::raw("var.kubernetes_version"))
            .arg(
                "subnet_ids",
                Expr::raw("module.vpc.subnet_ids[var.cluster_subnet]"),
            )
            .arg("node_pools", Expr::raw("var.node_pools"))
            .arg("kms_key_arn", Expr::raw("module.kms.key_arn"))
            .arg("log_retention_days", Expr::raw("var.log_retention_days"))
            .arg("admin_role_arns", Expr::list([ci_role_arn]))
            .arg("api_public_cidrs", Expr::raw("var.api_public_cidrs")),
        ModuleCall::new("iam", "iam")
            .arg("role_names", Expr::raw("var.role_names"))
            .arg(
                "oidc_provider_arn",
                Expr::raw("module.eks.oidc_provider_arn"),
            )
            .arg("oidc_issuer", Expr::raw("module.eks.oidc_issuer"))
            .arg("secret_prefix", Expr::raw("var.secret_prefix"))
            .arg("kms_key_arn", Expr::raw("module.kms.key_arn")),
        ModuleCall::new("ecr", "ecr")
            .arg("namespace", Expr::raw("var.registry_namespace"))
            .arg("repositories", Expr::raw("var.repositories"))
            .arg("kms_key_arn", Expr::raw("module.kms.key_arn")),
        ModuleCall::new("secrets", "secrets")
            .arg("secrets", Expr::raw("var.secrets"))
            .arg("kms_key_arn", Expr::raw("module.kms.key_arn"))
            .arg(
                "recovery_window_in_days",
                Expr::raw("var.secret_recovery_days"),
            ),
    ]
}

/// One root variable, its value in each environment computed by `value`.
fn var(
    platform: &Platform,
    name: &str,
    ty: &str,
    description: &str,
    value: impl Fn(EnvId) -> Expr,
) -> RootVar {
    RootVar::new(
        Variable::new(name, ty, description),
        PerEnv::from_values(platform.environments.iter().map(|e| value(e.id)).collect()),
    )
}

fn tfvars(platform: &Platform) -> Vec<RootVar> {
    let subnets = |env: EnvId| {
        let mut entries = Vec::new();
        for subnet in &platform.subnets {
            for zs in platform.zone_subnets(subnet, env) {
                entries.push((
                    format!("{}-{}", subnet.name, zs.zone),
                    Expr::object([
                        ("name", Expr::str(&subnet.name)),
                        ("zone", Expr::str(&zs.zone)),
                        ("cidr", Expr::str(zs.cidr.to_string())),
                        ("public", Expr::bool(subnet.public)),
                    ]),
                ));
            }
        }
        map_of(entries)
    };
    let pools = |env: EnvId| {
        map_of(platform.cluster.node_pools.iter().map(|p| {
            (
                p.name.clone(),
                Expr::object([
                    (
                        "instance_types",
                        Expr::str_list([p.vm_size.get(env).clone()]),
                    ),
                    (
                        "capacity_type",
                        Expr::str(if p.mode == NodePoolMode::Spot {
                            "SPOT"
                        } else {
                            "ON_DEMAND"
                        }),
                    ),
                    ("min_size", Expr::from(*p.count.get(env))),
                    ("max_size", Expr::from(*p.max_count.get(env))),
                    ("disk_gb", Expr::from(NODE_DISK_GB)),
                    (
                        "labels",
                        Expr::object([("platc.dev/node-pool", Expr::str(&p.name))]),
                    ),
                ]),
            )
        }))
    };
    let secrets = |env: EnvId| {
        map_of(platform.stored_secrets().into_iter().map(|s| {
            let description = if s.generated {
                format!("{} (generated by Terraform)", s.vault_key)
            } else {
                format!("{} (value written by an operator)", s.vault_key)
            };
            (
                s.vault_key.clone(),
                Expr::object([
                    ("name", Expr::str(platform.secret_name(env, &s.vault_key))),
                    ("description", Expr::str(description)),
                    ("generated", Expr::bool(s.generated)),
                ]),
            )
        }))
    };
    let role_names = |env: EnvId| {
        map_of(roles(platform).into_iter().map(|r| {
            let name = r
                .names
                .iter()
                .find(|(id, _)| *id == env)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (r.key, Expr::str(name))
        }))
    };
    let mut repositories: Vec<String> = platform.services.iter().map(|s| s.image.clone()).collect();
    repositories.sort();
    repositories.dedup();
    let env_name = |env: EnvId| Expr::str(&platform.environments[env.0].name);
    vec![
        var(
            platform,
            "region",
            "string",
            "AWS region of the environment.",
            |_| Expr::str(&platform.cloud.region),
        ),
        var(
            platform,
            "environment",
            "string",
            "Name of the environment.",
            env_name,
        ),
        var(
            platform,
            "name",
            "string",
            "Name stem and IAM prefix of the environment's resources (`<platform>-<env>`).",
            |env| Expr::str(env_stem(platform, env)),
        ),
        var(
            platform,
            "cidr",
            "string",
            "The environment's VPC address space.",
            |env| Expr::str(platform.environments[env.0].network.to_string()),
        ),
        var(
            platform,
            "subnets",
            "map(object({ name = string, zone = string, cidr = string, public = bool }))",
            "Zonal subnets keyed `<subnet>-<zone>`.",
            subnets,
        ),
        var(
            platform,
            "cluster_name",
            "string",
            "Name of the EKS cluster.",
            |env| Expr::str(platform.cluster.cloud_name.get(env)),
        ),
        var(
            platform,
            "cluster_subnet",
            "string",
            "Spec subnet the cluster's nodes run in.",
            |_| Expr::str(&platform.cluster.subnet),
        ),
        var(
            platform,
            "kubernetes_version",
            "string",
            "Kubernetes minor version.",
            |_| Expr::str(&platform.cluster.kubernetes_version),
        ),
        var(
            platform,
            "node_pools",
            "map(object({ instance_types = list(string), capacity_type = string, min_size = number, max_size = number, disk_gb = number, labels = map(string) }))",
            "Managed node groups and their sizing in this environment.",
            pools,
        ),
        var(
            platform,
            "log_retention_days",
            "number",
            "Days control plane and flow logs are kept.",
            |_| Expr::from(LOG_RETENTION_DAYS),
        ),
        var(
            platform,
            "registry_namespace",
            "string",
            "ECR namespace of this environment's images.",
            |env| Expr::str(platform.delivery.registry.cloud_name.get(env)),
        ),
        var(
            platform,
            "repositories",
            "list(string)",
            "Image repository paths, one per service.",
            |_| Expr::str_list(repositories.iter().cloned()),
        ),
        var(
            platform,
            "secret_prefix",
            "string",
            "Secrets Manager name prefix of this environment.",
            |env| Expr::str(platform.secret_prefix(env)),
        ),
        var(
            platform,
            "secrets",
            "map(object({ name = string, description = string, generated = bool }))",
            "The environment's secrets by vault key.",
            secrets,
        ),
        var(
            platform,
            "secret_recovery_days",
            "number",
            "Days a deleted secret can be restored.",
            |env| {
                Expr::from(if platform.environments[env.0].approval {
                    30u32
                } else {
                    7u32
                })
            },
        ),
        var(
            platform,
            "role_names",
            "map(string)",
            "IAM role name of each workload identity.",
            role_names,
        ),
        var(
            platform,
            "ci_role_name",
            "string",
            "The environment's CI role (created by the bootstrap root); granted cluster-admin.",
            |env| Expr::str(ci_role_name(platform, env)),
        ),
    ]
}

/// The value of a deploy value on AWS.
fn deploy_value(platform: &Platform, source: &DeploySource) -> Expr {
    match source {
        DeploySource::IdentityClientId { service } => {
            Expr::raw(format!("module.iam.role_arns[\"{service}\"]"))
        }
        DeploySource::SecretsOperatorClientId => {
            let key = platform
                .addons()
                .into_iter()
                .find(|a| a.identity.is_some())
                .map(|a| a.name)
                .unwrap_or_else(|| "external-secrets".into());
            Expr::raw(format!("module.iam.role_arns[\"{key}\"]"))
        }
        DeploySource::TenantId => Expr::raw("data.aws_caller_identity.current.account_id"),
        DeploySource::VaultUri { .. } | DeploySource::VaultName { .. } => {
            Expr::raw("var.secret_prefix")
        }
        DeploySource::DatabaseHost { data } | DeploySource::CacheHost { data } => {
            Expr::str(format!("{data}.{}.svc.cluster.local", platform.namespace))
        }
        DeploySource::MessagingNamespace { .. }
        | DeploySource::BlobEndpoint { .. }
        | DeploySource::QueueEndpoint { .. } => Expr::str(""),
        DeploySource::RegistryLoginServer => Expr::raw("module.ecr.registry"),
        DeploySource::ClusterName => Expr::raw("module.eks.cluster_name"),
        DeploySource::OidcIssuer => Expr::raw("module.eks.oidc_issuer_url"),
    }
}

fn outputs(platform: &Platform) -> Vec<Output> {
    let mut out: Vec<Output> = platform
        .deploy_values
        .iter()
        .map(|v| {
            Output::new(
                v.key.clone(),
                deploy_value(platform, &v.source),
                format!(
                    "Deploy value `{}` (written to deploy-values.env by the deploy workflow).",
                    v.key
                ),
            )
        })
        .collect();
    for (name, value, description) in [
        (
            "vpc_id",
            "module.vpc.vpc_id",
            "Id of the environment's VPC.",
        ),
        (
            "cluster_endpoint",
            "module.eks.cluster_endpoint",
            "API server endpoint of the cluster.",
        ),
        (
            "nat_public_ips",
            "module.vpc.nat_public_ips",
            "Egress addresses of the NAT gateways.",
        ),
        (
            "kms_key_arn",
            "module.kms.key_arn",
            "The environment's KMS key.",
        ),
    ] {
        if !out.iter().any(|o| o.name == name) {
            out.push(Output::new(name, Expr::raw(value), description));
        }
    }
    out
}
