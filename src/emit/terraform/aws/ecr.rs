//! `modules/ecr`: one private repository per service image.
//!
//! Repositories live under the environment's registry namespace (the
//! model's registry name, e.g. `shopmicro-dev/shopmicro/backend`), so every
//! environment of one account has its own images. Tags are immutable (a
//! commit SHA always names the same image), every push is scanned, images
//! are encrypted with the environment's KMS key, and untagged layers expire.

use super::{Output, Variable, aws_module, spaced};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};

pub fn module() -> crate::emit::terraform::module::Module {
    let rule = Expr::object([
        ("rulePriority", Expr::uint(1)),
        ("description", Expr::str("Expire untagged images")),
        (
            "selection",
            Expr::object([
                ("tagStatus", Expr::str("untagged")),
                ("countType", Expr::str("sinceImagePushed")),
                ("countUnit", Expr::str("days")),
                ("countNumber", Expr::raw("var.untagged_expiry_days")),
            ]),
        ),
        ("action", Expr::object([("type", Expr::str("expire"))])),
    ]);
    let lifecycle = Expr::call(
        "jsonencode",
        [Expr::object([("rules", Expr::list([rule]))])],
    );
    let main = spaced([
        Block::new("data")
            .label("aws_caller_identity")
            .label("current"),
        Block::new("data").label("aws_region").label("current"),
        Block::new("resource")
            .label("aws_ecr_repository")
            .label("this")
            .attr("for_each", Expr::raw("toset(var.repositories)"))
            .blank()
            .attr(
                "name",
                Expr::template([
                    TemplatePart::interp("var.namespace"),
                    TemplatePart::lit("/"),
                    TemplatePart::interp("each.value"),
                ]),
            )
            .attr("image_tag_mutability", "IMMUTABLE")
            .blank()
            .block(Block::new("image_scanning_configuration").attr("scan_on_push", true))
            .blank()
            .block(
                Block::new("encryption_configuration")
                    .attr("encryption_type", "KMS")
                    .attr("kms_key", Expr::raw("var.kms_key_arn")),
            ),
        Block::new("resource")
            .label("aws_ecr_lifecycle_policy")
            .label("this")
            .attr("for_each", Expr::raw("aws_ecr_repository.this"))
            .blank()
            .attr("repository", Expr::raw("each.value.name"))
            .attr("policy", lifecycle),
    ]);
    aws_module(
        "ecr",
        main,
        vec![
            Variable::new(
                "namespace",
                "string",
                "Registry namespace of the environment (repository name prefix).",
            ),
            Variable::new(
                "repositories",
                "list(string)",
                "Image repository paths, one per service (e.g. `shop/backend`).",
            ),
            Variable::new("kms_key_arn", "string", "KMS key encrypting the images."),
            Variable::new(
                "untagged_expiry_days",
                "number",
                "Days after which untagged images are deleted.",
            )
            .default(14u32),
        ],
        vec![
            Output::new(
                "registry",
                Expr::template([
                    TemplatePart::interp("data.aws_caller_identity.current.account_id"),
                    TemplatePart::lit(".dkr.ecr."),
                    TemplatePart::interp("data.aws_region.current.name"),
                    TemplatePart::lit(".amazonaws.com/"),
                    TemplatePart::interp("var.namespace"),
                ]),
                "Registry host and namespace; an image is `<registry>/<repository>:<tag>`.",
            ),
            Output::new(
                "repository_urls",
                Expr::raw(
                    "{ for path, repo in aws_ecr_repository.this : path => repo.repository_url }",
                ),
                "URL of each repository, by image path.",
            ),
        ],
    )
}
