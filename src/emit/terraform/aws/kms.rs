//! `modules/kms`: the environment's customer-managed key.
//!
//! One rotating key per environment encrypts the EKS secrets envelope, the
//! CloudWatch log groups, the ECR repositories and the Secrets Manager
//! secrets. The key policy delegates to IAM (the account root statement) and
//! lets CloudWatch Logs use the key for this account's log groups only.

use super::policy::{Statement, document};
use super::{Output, Variable, aws_module, checkov_skip};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};

pub fn module() -> crate::emit::terraform::module::Module {
    let account_root = Expr::template([
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
        TemplatePart::lit(":iam::"),
        TemplatePart::interp("data.aws_caller_identity.current.account_id"),
        TemplatePart::lit(":root"),
    ]);
    let log_groups = Expr::template([
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
        TemplatePart::lit(":logs:"),
        TemplatePart::interp("data.aws_region.current.name"),
        TemplatePart::lit(":"),
        TemplatePart::interp("data.aws_caller_identity.current.account_id"),
        TemplatePart::lit(":log-group:*"),
    ]);
    let logs_service = Expr::template([
        TemplatePart::lit("logs."),
        TemplatePart::interp("data.aws_region.current.name"),
        TemplatePart::lit(".amazonaws.com"),
    ]);
    let key_policy = document(
        "key",
        None,
        &[
            Statement::allow("AccountAdministersKeyThroughIam", &["kms:*"])
                .resource("*")
                .principal("AWS", [account_root]),
            Statement::allow(
                "CloudWatchLogsUseKey",
                &[
                    "kms:Decrypt*",
                    "kms:Describe*",
                    "kms:Encrypt*",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                ],
            )
            .resource("*")
            .principal("Service", [logs_service])
            .condition(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                [log_groups],
            ),
        ],
    )
    .comment(checkov_skip(
        "CKV_AWS_109",
        "a key policy's resource \"*\" is this key; the root statement delegates to IAM policies",
    ))
    .comment(checkov_skip(
        "CKV_AWS_111",
        "a key policy's resource \"*\" is this key; the root statement delegates to IAM policies",
    ))
    .comment(checkov_skip(
        "CKV_AWS_356",
        "a key policy's resource \"*\" is this key; the root statement delegates to IAM policies",
    ));
    let main = super::spaced([
        Block::new("data")
            .label("aws_caller_identity")
            .label("current"),
        Block::new("data").label("aws_partition").label("current"),
        Block::new("data").label("aws_region").label("current"),
        key_policy,
        Block::new("resource")
            .label("aws_kms_key")
            .label("this")
            .attr("description", Expr::raw("var.description"))
            .attr("enable_key_rotation", true)
            .attr(
                "deletion_window_in_days",
                Expr::raw("var.deletion_window_in_days"),
            )
            .attr("policy", Expr::raw("data.aws_iam_policy_document.key.json")),
        Block::new("resource")
            .label("aws_kms_alias")
            .label("this")
            .attr(
                "name",
                Expr::template([
                    TemplatePart::lit("alias/"),
                    TemplatePart::interp("var.name"),
                ]),
            )
            .attr("target_key_id", Expr::raw("aws_kms_key.this.key_id")),
    ]);
    aws_module(
        "kms",
        main,
        vec![
            Variable::new("name", "string", "Alias of the key (without `alias/`)."),
            Variable::new("description", "string", "What the key encrypts."),
            Variable::new(
                "deletion_window_in_days",
                "number",
                "Days a scheduled deletion can still be cancelled.",
            )
            .default(30u32),
        ],
        vec![
            Output::new(
                "key_arn",
                Expr::raw("aws_kms_key.this.arn"),
                "ARN of the key.",
            ),
            Output::new(
                "key_id",
                Expr::raw("aws_kms_key.this.key_id"),
                "Id of the key.",
            ),
        ],
    )
}
