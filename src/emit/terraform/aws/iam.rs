//! `modules/iam`: IRSA roles of the workloads and of the cluster add-ons that
//! call AWS (the External Secrets operator).
//!
//! Each role trusts exactly one Kubernetes service account through the
//! cluster's OIDC provider, and its permissions come from the model: a
//! service's grants (derived from its edges) and an add-on's job. Reading
//! secrets is limited to the environment's Secrets Manager prefix and
//! decrypting to the environment's key; an edge that needs no AWS API (a
//! connection to an in-cluster database) grants nothing.

use super::policy::{Statement, document, irsa_trust};
use super::{Output, Variable, aws_module, env_stem, spaced};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};
use crate::model::{Access, EnvId, Platform};

/// One IRSA role of the module.
pub struct Role {
    /// Map key and resource label (`external-secrets`, a service name).
    pub key: String,
    pub namespace: String,
    pub service_account: String,
    pub read_secrets: bool,
    /// The role's name in each environment.
    pub names: Vec<(EnvId, String)>,
}

/// The roles of a platform, add-ons first, then services in model order.
pub fn roles(platform: &Platform) -> Vec<Role> {
    let mut out = Vec::new();
    for addon in platform.addons() {
        let Some(identity) = addon.identity else {
            continue;
        };
        out.push(Role {
            read_secrets: addon.name == "external-secrets",
            names: platform
                .environments
                .iter()
                .map(|e| {
                    (
                        e.id,
                        format!("{}-{}", env_stem(platform, e.id), identity.cloud_name_stem),
                    )
                })
                .collect(),
            key: addon.name,
            namespace: addon.namespace,
            service_account: identity.service_account,
        });
    }
    for service in &platform.services {
        let Some(identity) = &service.identity else {
            continue;
        };
        out.push(Role {
            key: service.name.clone(),
            namespace: identity.namespace.clone(),
            service_account: identity.service_account.clone(),
            read_secrets: identity
                .grants
                .iter()
                .any(|g| g.access == Access::SecretsRead),
            names: identity
                .cloud_name
                .iter()
                .map(|(id, n)| (id, n.clone()))
                .collect(),
        });
    }
    out
}

fn secrets_arn() -> Expr {
    Expr::template([
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
        TemplatePart::lit(":secretsmanager:"),
        TemplatePart::interp("data.aws_region.current.name"),
        TemplatePart::lit(":"),
        TemplatePart::interp("data.aws_caller_identity.current.account_id"),
        TemplatePart::lit(":secret:"),
        TemplatePart::interp("var.secret_prefix"),
        TemplatePart::lit("*"),
    ])
}

pub fn module(platform: &Platform) -> crate::emit::terraform::module::Module {
    let roles = roles(platform);
    let role_map = Expr::object(roles.iter().map(|r| {
        (
            r.key.clone(),
            Expr::object([
                ("namespace", Expr::str(&r.namespace)),
                ("service_account", Expr::str(&r.service_account)),
            ]),
        )
    }));
    let mut blocks = vec![
        Block::new("data")
            .label("aws_caller_identity")
            .label("current"),
        Block::new("data").label("aws_partition").label("current"),
        Block::new("data").label("aws_region").label("current"),
        Block::new("locals")
            .comment("Kubernetes service account of each role.")
            .attr("roles", role_map),
        document(
            "trust",
            Some(Expr::raw("local.roles")),
            &[irsa_trust(
                "var.oidc_provider_arn",
                "var.oidc_issuer",
                Expr::template([
                    TemplatePart::lit("system:serviceaccount:"),
                    TemplatePart::interp("each.value.namespace"),
                    TemplatePart::lit(":"),
                    TemplatePart::interp("each.value.service_account"),
                ]),
            )],
        ),
        Block::new("resource")
            .label("aws_iam_role")
            .label("this")
            .attr("for_each", Expr::raw("local.roles"))
            .blank()
            .attr("name", Expr::raw("var.role_names[each.key]"))
            .attr(
                "assume_role_policy",
                Expr::raw("data.aws_iam_policy_document.trust[each.key].json"),
            ),
    ];
    for role in roles.iter().filter(|r| r.read_secrets) {
        blocks.push(document(
            &role.key,
            None,
            &[
                Statement::allow(
                    "ReadEnvironmentSecrets",
                    &[
                        "secretsmanager:DescribeSecret",
                        "secretsmanager:GetSecretValue",
                    ],
                )
                .resource(secrets_arn()),
                Statement::allow("DecryptEnvironmentSecrets", &["kms:Decrypt"])
                    .resource(Expr::raw("var.kms_key_arn")),
            ],
        ));
        blocks.push(
            Block::new("resource")
                .label("aws_iam_role_policy")
                .label(role.key.as_str())
                .attr("name", "read-secrets")
                .attr(
                    "role",
                    Expr::raw(format!("aws_iam_role.this[\"{}\"].id", role.key)),
                )
                .attr(
                    "policy",
                    Expr::raw(format!("data.aws_iam_policy_document.{}.json", role.key)),
                ),
        );
    }
    aws_module(
        "iam",
        spaced(blocks),
        vec![
            Variable::new(
                "role_names",
                "map(string)",
                "IAM role name of each workload identity, by identity key.",
            ),
            Variable::new(
                "oidc_provider_arn",
                "string",
                "ARN of the cluster's IAM OIDC provider.",
            ),
            Variable::new(
                "oidc_issuer",
                "string",
                "The cluster's OIDC issuer without `https://`.",
            ),
            Variable::new(
                "secret_prefix",
                "string",
                "Secrets Manager name prefix of the environment; secret readers are limited to it.",
            ),
            Variable::new(
                "kms_key_arn",
                "string",
                "KMS key the environment's secrets are encrypted with.",
            ),
        ],
        vec![Output::new(
            "role_arns",
            Expr::raw("{ for key, role in aws_iam_role.this : key => role.arn }"),
            "Role ARN of each workload identity, by identity key (annotated on its service account).",
        )],
    )
}
