//! `modules/secrets`: the environment's secrets in AWS Secrets Manager.
//!
//! Every secret the platform uses exists here under the environment's prefix
//! ([`crate::model::Platform::secret_name`]), encrypted with the
//! environment's key. Credentials of data services are generated here by
//! AWS (`aws_secretsmanager_random_password`, an ephemeral resource) and
//! written through a write-only attribute, so the value never enters the
//! Terraform plan or state. Secrets a service names are created empty; an
//! operator writes their value (the spec never holds one). Workloads read
//! them through the External Secrets operator.

use super::{Output, Variable, aws_module, checkov_skip, spaced};
use crate::emit::terraform::hcl::{Block, Expr};

pub fn module() -> crate::emit::terraform::module::Module {
    let main = spaced([
        Block::new("terraform")
            .comment("Write-only attributes (secret_string_wo) need Terraform 1.11.")
            .attr("required_version", super::WRITE_ONLY_TERRAFORM),
        Block::new("resource")
            .label("aws_secretsmanager_secret")
            .label("this")
            .attr("for_each", Expr::raw("var.secrets"))
            .blank()
            .comment(checkov_skip(
                "CKV2_AWS_57",
                "rotation is a new secret version written by the operator or by re-generation; no rotation Lambda can reach in-cluster databases",
            ))
            .attr("name", Expr::raw("each.value.name"))
            .attr("description", Expr::raw("each.value.description"))
            .attr("kms_key_id", Expr::raw("var.kms_key_arn"))
            .attr("recovery_window_in_days", Expr::raw("var.recovery_window_in_days")),
        Block::new("ephemeral")
            .label("aws_secretsmanager_random_password")
            .label("generated")
            .attr("for_each", Expr::raw("{ for key, s in var.secrets : key => s if s.generated }"))
            .blank()
            .attr("password_length", 32u32)
            .comment("Credentials end up in connection URLs: letters and digits only.")
            .attr("exclude_punctuation", true),
        Block::new("resource")
            .label("aws_secretsmanager_secret_version")
            .label("generated")
            .attr("for_each", Expr::raw("{ for key, s in var.secrets : key => s if s.generated }"))
            .blank()
            .attr("secret_id", Expr::raw("aws_secretsmanager_secret.this[each.key].id"))
            .comment("Write-only: the value is never stored in the plan or state. Bump the version to regenerate.")
            .attr(
                "secret_string_wo",
                Expr::raw("ephemeral.aws_secretsmanager_random_password.generated[each.key].random_password"),
            )
            .attr("secret_string_wo_version", Expr::raw("var.generation")),
    ]);
    aws_module(
        "secrets",
        main,
        vec![
            Variable::new(
                "secrets",
                "map(object({ name = string, description = string, generated = bool }))",
                "Secrets by vault key: full Secrets Manager name, what it holds, and whether Terraform generates the value.",
            ),
            Variable::new("kms_key_arn", "string", "KMS key encrypting the secrets."),
            Variable::new(
                "recovery_window_in_days",
                "number",
                "Days a deleted secret can still be restored.",
            )
            .default(30u32),
            Variable::new(
                "generation",
                "number",
                "Generation of the generated credentials; increase it to generate new values.",
            )
            .default(1u32),
        ],
        vec![Output::new(
            "secret_arns",
            Expr::raw("{ for key, s in aws_secretsmanager_secret.this : key => s.arn }"),
            "ARN of each secret, by vault key.",
        )],
    )
}
