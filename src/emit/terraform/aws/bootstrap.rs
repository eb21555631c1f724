//! `terraform/bootstrap/`: the one-time root an administrator applies with
//! local state before anything else.
//!
//! It creates what the environment roots need to exist first: the S3 state
//! bucket (versioned, KMS-encrypted, public access blocked, TLS only), the
//! DynamoDB lock table (encrypted, point-in-time recovery), the GitHub OIDC
//! provider, and one CI role per environment that only a workflow job running
//! in that GitHub Environment of this repository can assume. The CI role may
//! manage everything Terraform creates, but IAM only under the environment's
//! own name prefix, so a dev job can never change production's identities.

use super::policy::{Statement, document};
use super::{Output, checkov_skip, env_stem, spaced};
use crate::emit::File;
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart, print};
use crate::emit::terraform::versions::{AWS, terraform_block};
use crate::model::{EnvId, Platform, StateBackend};

const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// IAM role the workflows of environment `env` assume (`AWS_ROLE_ARN`).
pub fn ci_role_name(platform: &Platform, env: EnvId) -> String {
    match platform.environments.get(env.0) {
        Some(e) => format!("{}-ci-{}", platform.name, e.name),
        None => format!("{}-ci", platform.name),
    }
}

fn arn(parts: &[&str]) -> Expr {
    // `arn:<partition>:<service>:<region>:<account>:<rest>` with the partition and account interpolated.
    let mut out = vec![
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
    ];
    for p in parts {
        match *p {
            "ACCOUNT" => out.push(TemplatePart::interp(
                "data.aws_caller_identity.current.account_id",
            )),
            "EACH_PREFIX" => out.push(TemplatePart::interp("each.value.prefix")),
            lit => out.push(TemplatePart::lit(lit)),
        }
    }
    Expr::template(out)
}

pub fn files(platform: &Platform) -> Vec<File> {
    let dir = "terraform/bootstrap";
    let (bucket, lock_table) = match &platform.delivery.state {
        StateBackend::S3 { bucket, lock_table } => (bucket.clone(), lock_table.clone()),
        StateBackend::AzureStorage {
            storage_account, ..
        } => (storage_account.clone(), format!("{}-tflock", platform.name)),
    };
    let subjects = platform.ci_subjects();
    let environments = Expr::object(platform.environments.iter().map(|e| {
        let context = format!("environment:{}", e.name);
        let subject = subjects
            .iter()
            .find(|s| s.context == context)
            .map(|s| s.claim.clone())
            .unwrap_or_else(|| format!("repo:{}:{context}", platform.repository));
        (
            e.name.clone(),
            Expr::object([
                ("role", Expr::str(ci_role_name(platform, e.id))),
                (
                    "prefix",
                    Expr::str(format!("{}-", env_stem(platform, e.id))),
                ),
                ("subject", Expr::str(subject)),
            ]),
        )
    }));
    // Jobs outside a GitHub Environment: pull-request plans, image pushes, drift checks.
    let repository_subjects: Vec<Expr> = subjects
        .iter()
        .filter(|s| !s.context.starts_with("environment:"))
        .map(|s| Expr::str(&s.claim))
        .collect();
    let account_root = arn(&[":iam::", "ACCOUNT", ":root"]);
    let versions = Body::new()
        .comment("Local state: this root creates the remote state store itself. Keep terraform.tfstate safe (or migrate it into the bucket after the first apply).")
        .block(terraform_block(&[AWS]));
    let providers = Body::new().block(
        Block::new("provider")
            .label("aws")
            .attr("region", platform.cloud.region.as_str())
            .blank()
            .block(Block::new("default_tags").attr(
                "tags",
                Expr::object([
                    ("platform", Expr::str(&platform.name)),
                    ("managed-by", Expr::str("platc")),
                ]),
            )),
    );
    let state_objects = Expr::template([
        TemplatePart::interp("aws_s3_bucket.state.arn"),
        TemplatePart::lit("/environments/"),
        TemplatePart::interp("each.key"),
        TemplatePart::lit("/*"),
    ]);
    let main = spaced([
        Block::new("data").label("aws_caller_identity").label("current"),
        Block::new("data").label("aws_partition").label("current"),
        Block::new("locals")
            .comment("Each environment's CI role, the IAM name prefix it may manage, and the only OIDC subject it trusts.")
            .attr("environments", environments),
        // Encryption key of the state.
        document(
            "state_key",
            None,
            &[Statement::allow("AccountAdministersKeyThroughIam", &["kms:*"])
                .resource("*")
                .principal("AWS", [account_root])],
        )
        .comment(checkov_skip("CKV_AWS_109", "a key policy's resource \"*\" is this key; access is delegated to IAM"))
        .comment(checkov_skip("CKV_AWS_111", "a key policy's resource \"*\" is this key; access is delegated to IAM"))
        .comment(checkov_skip("CKV_AWS_356", "a key policy's resource \"*\" is this key; access is delegated to IAM")),
        Block::new("resource")
            .label("aws_kms_key")
            .label("state")
            .attr("description", format!("Encrypts the Terraform state of {}", platform.name))
            .attr("enable_key_rotation", true)
            .attr("deletion_window_in_days", 30u32)
            .attr("policy", Expr::raw("data.aws_iam_policy_document.state_key.json")),
        Block::new("resource")
            .label("aws_kms_alias")
            .label("state")
            .attr("name", format!("alias/{}-tfstate", platform.name))
            .attr("target_key_id", Expr::raw("aws_kms_key.state.key_id")),
        // State bucket.
        Block::new("resource")
            .label("aws_s3_bucket")
            .label("state")
            .comment(checkov_skip("CKV_AWS_18", "state access is audited through CloudTrail; an access-log bucket would itself need one"))
            .comment(checkov_skip("CKV_AWS_144", "single-region platform; versioning and deletion protection guard the state"))
            .comment(checkov_skip("CKV2_AWS_62", "nothing consumes state change events"))
            .attr("bucket", bucket.as_str())
            .blank()
            .block(Block::new("lifecycle").attr("prevent_destroy", true)),
        Block::new("resource")
            .label("aws_s3_bucket_versioning")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .blank()
            .block(Block::new("versioning_configuration").attr("status", "Enabled")),
        Block::new("resource")
            .label("aws_s3_bucket_server_side_encryption_configuration")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .blank()
            .block(
                Block::new("rule")
                    .attr("bucket_key_enabled", true)
                    .blank()
                    .block(
                        Block::new("apply_server_side_encryption_by_default")
                            .attr("sse_algorithm", "aws:kms")
                            .attr("kms_master_key_id", Expr::raw("aws_kms_key.state.arn")),
                    ),
            ),
        Block::new("resource")
            .label("aws_s3_bucket_public_access_block")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .attr("block_public_acls", true)
            .attr("block_public_policy", true)
            .attr("ignore_public_acls", true)
            .attr("restrict_public_buckets", true),
        Block::new("resource")
            .label("aws_s3_bucket_ownership_controls")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .blank()
            .block(Block::new("rule").attr("object_ownership", "BucketOwnerEnforced")),
        Block::new("resource")
            .label("aws_s3_bucket_lifecycle_configuration")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .blank()
            .block(
                Block::new("rule")
                    .attr("id", "expire-old-state-versions")
                    .attr("status", "Enabled")
                    .blank()
                    .block(Block::new("filter"))
                    .blank()
                    .block(Block::new("noncurrent_version_expiration").attr("noncurrent_days", 90u32))
                    .blank()
                    .block(
                        Block::new("abort_incomplete_multipart_upload").attr("days_after_initiation", 7u32),
                    ),
            ),
        document(
            "state_bucket",
            None,
            &[Statement::deny("DenyInsecureTransport", &["s3:*"])
                .resources([
                    Expr::raw("aws_s3_bucket.state.arn"),
                    Expr::template([TemplatePart::interp("aws_s3_bucket.state.arn"), TemplatePart::lit("/*")]),
                ])
                .principal("*", [Expr::str("*")])
                .condition("Bool", "aws:SecureTransport", [Expr::str("false")])],
        ),
        Block::new("resource")
            .label("aws_s3_bucket_policy")
            .label("state")
            .attr("bucket", Expr::raw("aws_s3_bucket.state.id"))
            .attr("policy", Expr::raw("data.aws_iam_policy_document.state_bucket.json"))
            .blank()
            .attr("depends_on", Expr::list([Expr::raw("aws_s3_bucket_public_access_block.state")])),
        // Lock table.
        Block::new("resource")
            .label("aws_dynamodb_table")
            .label("lock")
            .attr("name", lock_table.as_str())
            .attr("billing_mode", "PAY_PER_REQUEST")
            .attr("hash_key", "LockID")
            .attr("deletion_protection_enabled", true)
            .blank()
            .block(Block::new("attribute").attr("name", "LockID").attr("type", "S"))
            .blank()
            .block(Block::new("point_in_time_recovery").attr("enabled", true))
            .blank()
            .block(
                Block::new("server_side_encryption")
                    .attr("enabled", true)
                    .attr("kms_key_arn", Expr::raw("aws_kms_key.state.arn")),
            ),
        // GitHub OIDC and the CI roles.
        Block::new("resource")
            .label("aws_iam_openid_connect_provider")
            .label("github")
            .comment("AWS trusts GitHub's OIDC issuer through its own certificate store; no thumbprint is pinned.")
            .attr("url", format!("https://{GITHUB_ISSUER}"))
            .attr("client_id_list", Expr::str_list(["sts.amazonaws.com"])),
        document(
            "ci_trust",
            Some(Expr::raw("local.environments")),
            &[Statement::allow("GitHubEnvironmentOnly", &["sts:AssumeRoleWithWebIdentity"])
                .principal("Federated", [Expr::raw("aws_iam_openid_connect_provider.github.arn")])
                .condition(
                    "StringEquals",
                    format!("{GITHUB_ISSUER}:aud"),
                    [Expr::str("sts.amazonaws.com")],
                )
                .condition("StringEquals", format!("{GITHUB_ISSUER}:sub"), [Expr::raw("each.value.subject")])],
        ),
        Block::new("resource")
            .label("aws_iam_role")
            .label("ci")
            .attr("for_each", Expr::raw("local.environments"))
            .blank()
            .attr("name", Expr::raw("each.value.role"))
            .attr("max_session_duration", 3600u32)
            .attr("assume_role_policy", Expr::raw("data.aws_iam_policy_document.ci_trust[each.key].json")),
        Block::new("resource")
            .label("aws_iam_role_policy_attachment")
            .label("ci_power_user")
            .attr("for_each", Expr::raw("local.environments"))
            .blank()
            .comment("Everything except IAM, Organizations and account settings; IAM is granted below, by name prefix.")
            .attr("role", Expr::raw("aws_iam_role.ci[each.key].name"))
            .attr(
                "policy_arn",
                Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(":iam::aws:policy/PowerUserAccess"),
                ]),
            ),
        document(
            "ci",
            Some(Expr::raw("local.environments")),
            &[
                Statement::allow(
                    "ManageEnvironmentRoles",
                    &[
                        "iam:AttachRolePolicy",
                        "iam:CreateRole",
                        "iam:DeleteRole",
                        "iam:DeleteRolePolicy",
                        "iam:DetachRolePolicy",
                        "iam:GetRole",
                        "iam:GetRolePolicy",
                        "iam:ListAttachedRolePolicies",
                        "iam:ListInstanceProfilesForRole",
                        "iam:ListRolePolicies",
                        "iam:PassRole",
                        "iam:PutRolePolicy",
                        "iam:TagRole",
                        "iam:UntagRole",
                        "iam:UpdateAssumeRolePolicy",
                        "iam:UpdateRole",
                    ],
                )
                .resource(arn(&[":iam::", "ACCOUNT", ":role/", "EACH_PREFIX", "*"])),
                Statement::allow(
                    "ManageClusterOidcProviders",
                    &[
                        "iam:CreateOpenIDConnectProvider",
                        "iam:DeleteOpenIDConnectProvider",
                        "iam:GetOpenIDConnectProvider",
                        "iam:TagOpenIDConnectProvider",
                        "iam:UntagOpenIDConnectProvider",
                        "iam:UpdateOpenIDConnectProviderThumbprint",
                    ],
                )
                .resource(Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(":iam::"),
                    TemplatePart::interp("data.aws_caller_identity.current.account_id"),
                    TemplatePart::lit(format!(":oidc-provider/oidc.eks.{}.amazonaws.com/*", platform.cloud.region)),
                ])),
                Statement::allow("CreateServiceLinkedRoles", &["iam:CreateServiceLinkedRole"])
                    .resource(arn(&[":iam::", "ACCOUNT", ":role/aws-service-role/*"])),
                Statement::allow("ReadOwnState", &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"])
                    .resource(state_objects.clone()),
                Statement::allow("UseStateKey", &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
                    .resource(Expr::raw("aws_kms_key.state.arn")),
            ],
        ),
        Block::new("resource")
            .label("aws_iam_role_policy")
            .label("ci")
            .attr("for_each", Expr::raw("local.environments"))
            .blank()
            .attr("name", "environment-iam-and-state")
            .attr("role", Expr::raw("aws_iam_role.ci[each.key].id"))
            .attr("policy", Expr::raw("data.aws_iam_policy_document.ci[each.key].json")),
        document(
            "ci_repository_trust",
            None,
            // Jobs outside a GitHub Environment: pull-request plans, image pushes, drift checks.
            &[Statement::allow("GitHubRepositoryJobs", &["sts:AssumeRoleWithWebIdentity"])
                .principal("Federated", [Expr::raw("aws_iam_openid_connect_provider.github.arn")])
                .condition("StringEquals", format!("{GITHUB_ISSUER}:aud"), [Expr::str("sts.amazonaws.com")])
                .condition("StringEquals", format!("{GITHUB_ISSUER}:sub"), repository_subjects)],
        ),
        Block::new("resource")
            .label("aws_iam_role")
            .label("ci_repository")
            .attr("name", format!("{}-ci", platform.name))
            .attr("max_session_duration", 3600u32)
            .attr("assume_role_policy", Expr::raw("data.aws_iam_policy_document.ci_repository_trust.json")),
        Block::new("resource")
            .label("aws_iam_role_policy_attachment")
            .label("ci_repository_read_only")
            .comment("Plans and drift checks read every resource; they change none.")
            .attr("role", Expr::raw("aws_iam_role.ci_repository.name"))
            .attr(
                "policy_arn",
                Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(":iam::aws:policy/ReadOnlyAccess"),
                ]),
            ),
        document("ci_repository", None, &{
            let mut statements = vec![
                Statement::allow("LockState", &["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"])
                    .resource(Expr::raw("aws_dynamodb_table.lock.arn")),
                Statement::allow("DecryptState", &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
                    .resource(Expr::raw("aws_kms_key.state.arn")),
                Statement::allow("RegistryLogin", &["ecr:GetAuthorizationToken"]).resource("*"),
                Statement::allow(
                    "PushImages",
                    &[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:CompleteLayerUpload",
                        "ecr:DescribeImages",
                        "ecr:InitiateLayerUpload",
                        "ecr:PutImage",
                        "ecr:UploadLayerPart",
                    ],
                )
                .resource(Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(format!(":ecr:{}:", platform.cloud.region)),
                    TemplatePart::interp("data.aws_caller_identity.current.account_id"),
                    TemplatePart::lit(format!(":repository/{}-*", platform.name)),
                ])),
            ];
            // Plans open the ephemeral generated passwords; the call reads no resource.
            if platform.stored_secrets().iter().any(|s| s.generated) {
                statements.push(Statement::allow("PlanGeneratedSecrets", &["secretsmanager:GetRandomPassword"]).resource("*"));
            }
            statements
        })
        .comment(checkov_skip("CKV_AWS_356", "ecr:GetAuthorizationToken and secretsmanager:GetRandomPassword have no resource-level permissions; pushes are limited to the platform's repositories")),
        Block::new("resource")
            .label("aws_iam_role_policy")
            .label("ci_repository")
            .attr("name", "state-lock-and-image-push")
            .attr("role", Expr::raw("aws_iam_role.ci_repository.id"))
            .attr("policy", Expr::raw("data.aws_iam_policy_document.ci_repository.json")),
    ]);
    let outputs = spaced(
        [
            Output::new("state_bucket", Expr::raw("aws_s3_bucket.state.id"), "S3 bucket holding every environment's state."),
            Output::new("lock_table", Expr::raw("aws_dynamodb_table.lock.name"), "DynamoDB table locking the state."),
            Output::new(
                "ci_role_arns",
                Expr::raw("{ for env, role in aws_iam_role.ci : env => role.arn }"),
                "CI role of each environment: store it as the `AWS_ROLE_ARN` variable of the GitHub Environment of the same name.",
            ),
            Output::new(
                "ci_repository_role_arn",
                Expr::raw("aws_iam_role.ci_repository.arn"),
                "Read-only CI role of jobs outside GitHub Environments (plans, drift, image pushes): store it as the repository variable `AWS_ROLE_ARN`.",
            ),
            Output::new(
                "github_oidc_provider_arn",
                Expr::raw("aws_iam_openid_connect_provider.github.arn"),
                "The GitHub Actions OIDC provider.",
            ),
        ]
        .iter()
        .map(Output::to_block),
    );
    vec![
        File::new(platform, format!("{dir}/versions.tf"), print(&versions)),
        File::new(platform, format!("{dir}/providers.tf"), print(&providers)),
        File::new(platform, format!("{dir}/main.tf"), print(&main)),
        File::new(platform, format!("{dir}/outputs.tf"), print(&outputs)),
    ]
}
