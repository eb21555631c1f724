//! `modules/eks`: the EKS cluster, its managed node groups, the IAM OIDC
//! provider for IRSA, and the EKS add-ons that need AWS permissions.
//!
//! Secure defaults: Kubernetes secrets are envelope-encrypted with the
//! environment's KMS key; the API endpoint is private, and public access is
//! off unless the environment lists CIDRs allowed to reach it; every control
//! plane log type goes to an encrypted log group; nodes have no SSH access
//! (no `remote_access`), require IMDSv2 with a hop limit of 1 (pods cannot
//! borrow the node's role) and encrypted gp3 root volumes. Cluster access is
//! granted through EKS access entries to named roles only (the environment's
//! CI role), never implicitly to whoever created the cluster. The VPC CNI
//! and EBS CSI controllers get their AWS permissions through IRSA roles, not
//! the node role, and the VPC CNI enforces NetworkPolicies.

use super::policy::{Statement, document, irsa_trust, service_trust};
use super::{Output, Variable, aws_module, spaced};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};
use crate::model::Platform;

/// A controller that runs under an IRSA role created with the cluster.
struct AddonRole {
    key: &'static str,
    namespace: &'static str,
    service_account: &'static str,
    /// AWS-managed policy name.
    policy: &'static str,
}

const ADDON_ROLES: &[AddonRole] = &[
    AddonRole {
        key: "vpc-cni",
        namespace: "kube-system",
        service_account: "aws-node",
        policy: "AmazonEKS_CNI_Policy",
    },
    AddonRole {
        key: "ebs-csi",
        namespace: "kube-system",
        service_account: "ebs-csi-controller-sa",
        policy: "AmazonEBSCSIDriverPolicy",
    },
];

fn managed_policy(name: &str) -> Expr {
    Expr::template([
        TemplatePart::lit("arn:"),
        TemplatePart::interp("data.aws_partition.current.partition"),
        TemplatePart::lit(format!(":iam::aws:policy/{name}")),
    ])
}

/// A role name under the environment's IAM prefix (the CI role may manage only those).
fn named(suffix: &str) -> Expr {
    Expr::template([
        TemplatePart::interp("var.role_prefix"),
        TemplatePart::lit(suffix),
    ])
}

fn attachment(label: &str, role: &str, policy: &str) -> Block {
    Block::new("resource")
        .label("aws_iam_role_policy_attachment")
        .label(label)
        .attr("role", Expr::raw(format!("aws_iam_role.{role}.name")))
        .attr("policy_arn", managed_policy(policy))
}

pub fn module(_platform: &Platform) -> crate::emit::terraform::module::Module {
    let addon_roles = Expr::object(ADDON_ROLES.iter().map(|r| {
        (
            r.key,
            Expr::object([
                ("namespace", Expr::str(r.namespace)),
                ("service_account", Expr::str(r.service_account)),
                ("policy", Expr::str(r.policy)),
            ]),
        )
    }));
    let mut blocks = vec![
        Block::new("data").label("aws_partition").label("current"),
        Block::new("locals")
            .comment("Controllers with their own IRSA role, bound to one service account each.")
            .attr("addon_roles", addon_roles)
            .attr(
                "oidc_issuer",
                Expr::raw("replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, \"https://\", \"\")"),
            ),
        // Control plane.
        Block::new("resource")
            .label("aws_cloudwatch_log_group")
            .label("cluster")
            .comment("The name EKS writes control plane logs to; created first so retention and encryption apply.")
            .attr(
                "name",
                Expr::template([
                    TemplatePart::lit("/aws/eks/"),
                    TemplatePart::interp("var.name"),
                    TemplatePart::lit("/cluster"),
                ]),
            )
            .attr("retention_in_days", Expr::raw("var.log_retention_days"))
            .attr("kms_key_id", Expr::raw("var.kms_key_arn")),
        document("cluster_trust", None, &[service_trust("eks.amazonaws.com")]),
        Block::new("resource")
            .label("aws_iam_role")
            .label("cluster")
            .attr("name", named("-cluster"))
            .attr("assume_role_policy", Expr::raw("data.aws_iam_policy_document.cluster_trust.json")),
        attachment("cluster", "cluster", "AmazonEKSClusterPolicy"),
        document(
            "cluster_kms",
            None,
            &[Statement::allow(
                "EnvelopeEncryption",
                &["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ListGrants"],
            )
            .resource(Expr::raw("var.kms_key_arn"))],
        ),
        Block::new("resource")
            .label("aws_iam_role_policy")
            .label("cluster_kms")
            .attr("name", "secrets-encryption")
            .attr("role", Expr::raw("aws_iam_role.cluster.id"))
            .attr("policy", Expr::raw("data.aws_iam_policy_document.cluster_kms.json")),
        Block::new("resource")
            .label("aws_eks_cluster")
            .label("this")
            .attr("name", Expr::raw("var.name"))
            .attr("version", Expr::raw("var.kubernetes_version"))
            .attr("role_arn", Expr::raw("aws_iam_role.cluster.arn"))
            .attr(
                "enabled_cluster_log_types",
                Expr::str_list(["api", "audit", "authenticator", "controllerManager", "scheduler"]),
            )
            .blank()
            .block(
                Block::new("vpc_config")
                    .attr("subnet_ids", Expr::raw("var.subnet_ids"))
                    .attr("endpoint_private_access", true)
                    .comment("Public access only when the environment lists CIDRs allowed to reach the API.")
                    .attr("endpoint_public_access", Expr::raw("length(var.api_public_cidrs) > 0"))
                    .attr(
                        "public_access_cidrs",
                        Expr::raw("length(var.api_public_cidrs) > 0 ? var.api_public_cidrs : null"),
                    ),
            )
            .blank()
            .block(
                Block::new("encryption_config")
                    .attr("resources", Expr::str_list(["secrets"]))
                    .blank()
                    .block(Block::new("provider").attr("key_arn", Expr::raw("var.kms_key_arn"))),
            )
            .blank()
            .block(
                Block::new("access_config")
                    .attr("authentication_mode", "API")
                    .attr("bootstrap_cluster_creator_admin_permissions", false),
            )
            .blank()
            .attr(
                "depends_on",
                Expr::list([
                    Expr::raw("aws_cloudwatch_log_group.cluster"),
                    Expr::raw("aws_iam_role_policy_attachment.cluster"),
                    Expr::raw("aws_iam_role_policy.cluster_kms"),
                ]),
            ),
        Block::new("resource")
            .label("aws_eks_access_entry")
            .label("admin")
            .attr("for_each", Expr::raw("toset(var.admin_role_arns)"))
            .blank()
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("principal_arn", Expr::raw("each.value"))
            .attr("type", "STANDARD"),
        Block::new("resource")
            .label("aws_eks_access_policy_association")
            .label("admin")
            .attr("for_each", Expr::raw("aws_eks_access_entry.admin"))
            .blank()
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("principal_arn", Expr::raw("each.value.principal_arn"))
            .attr(
                "policy_arn",
                Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
                ]),
            )
            .blank()
            .block(Block::new("access_scope").attr("type", "cluster")),
        // IRSA.
        Block::new("resource")
            .label("aws_iam_openid_connect_provider")
            .label("this")
            .comment("EKS issuers are trusted by AWS without a pinned thumbprint.")
            .attr("url", Expr::raw("aws_eks_cluster.this.identity[0].oidc[0].issuer"))
            .attr("client_id_list", Expr::str_list(["sts.amazonaws.com"])),
        document(
            "addon_trust",
            Some(Expr::raw("local.addon_roles")),
            &[irsa_trust(
                "aws_iam_openid_connect_provider.this.arn",
                "local.oidc_issuer",
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
            .label("addon")
            .attr("for_each", Expr::raw("local.addon_roles"))
            .blank()
            .attr(
                "name",
                Expr::template([
                    TemplatePart::interp("var.role_prefix"),
                    TemplatePart::lit("-"),
                    TemplatePart::interp("each.key"),
                ]),
            )
            .attr(
                "assume_role_policy",
                Expr::raw("data.aws_iam_policy_document.addon_trust[each.key].json"),
            ),
        Block::new("resource")
            .label("aws_iam_role_policy_attachment")
            .label("addon")
            .attr("for_each", Expr::raw("local.addon_roles"))
            .blank()
            .attr("role", Expr::raw("aws_iam_role.addon[each.key].name"))
            .attr(
                "policy_arn",
                Expr::template([
                    TemplatePart::lit("arn:"),
                    TemplatePart::interp("data.aws_partition.current.partition"),
                    TemplatePart::lit(":iam::aws:policy/"),
                    TemplatePart::interp("each.value.policy"),
                ]),
            ),
        // Nodes.
        document("node_trust", None, &[service_trust("ec2.amazonaws.com")]),
        Block::new("resource")
            .label("aws_iam_role")
            .label("node")
            .attr("name", named("-node"))
            .attr("assume_role_policy", Expr::raw("data.aws_iam_policy_document.node_trust.json")),
        attachment("node_worker", "node", "AmazonEKSWorkerNodePolicy"),
        attachment("node_registry", "node", "AmazonEC2ContainerRegistryReadOnly"),
        Block::new("resource")
            .label("aws_launch_template")
            .label("node")
            .attr("for_each", Expr::raw("var.node_pools"))
            .blank()
            .attr(
                "name_prefix",
                Expr::template([
                    TemplatePart::interp("var.name"),
                    TemplatePart::lit("-"),
                    TemplatePart::interp("each.key"),
                    TemplatePart::lit("-"),
                ]),
            )
            .attr("update_default_version", true)
            .blank()
            .block(
                Block::new("metadata_options")
                    .attr("http_endpoint", "enabled")
                    .attr("http_tokens", "required")
                    .attr("http_put_response_hop_limit", 1u32),
            )
            .blank()
            .block(
                Block::new("block_device_mappings")
                    .attr("device_name", "/dev/xvda")
                    .blank()
                    .block(
                        Block::new("ebs")
                            .attr("volume_size", Expr::raw("each.value.disk_gb"))
                            .attr("volume_type", "gp3")
                            .attr("encrypted", true)
                            .attr("delete_on_termination", true),
                    ),
            ),
        Block::new("resource")
            .label("aws_eks_node_group")
            .label("this")
            .attr("for_each", Expr::raw("var.node_pools"))
            .blank()
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("node_group_name", Expr::raw("each.key"))
            .attr("node_role_arn", Expr::raw("aws_iam_role.node.arn"))
            .attr("subnet_ids", Expr::raw("var.subnet_ids"))
            .attr("instance_types", Expr::raw("each.value.instance_types"))
            .attr("capacity_type", Expr::raw("each.value.capacity_type"))
            .attr("ami_type", "AL2023_x86_64_STANDARD")
            .attr("labels", Expr::raw("each.value.labels"))
            .blank()
            .block(
                Block::new("scaling_config")
                    .attr("desired_size", Expr::raw("each.value.min_size"))
                    .attr("min_size", Expr::raw("each.value.min_size"))
                    .attr("max_size", Expr::raw("each.value.max_size")),
            )
            .blank()
            .block(Block::new("update_config").attr("max_unavailable", 1u32))
            .blank()
            .block(
                Block::new("launch_template")
                    .attr("id", Expr::raw("aws_launch_template.node[each.key].id"))
                    .attr("version", Expr::raw("aws_launch_template.node[each.key].latest_version")),
            )
            .blank()
            .block(
                Block::new("lifecycle")
                    .comment("The group starts at min_size; a node autoscaler, once installed, owns the size between min and max.")
                    .attr("ignore_changes", Expr::list([Expr::raw("scaling_config[0].desired_size")])),
            )
            .blank()
            .attr(
                "depends_on",
                Expr::list([
                    Expr::raw("aws_iam_role_policy_attachment.node_worker"),
                    Expr::raw("aws_iam_role_policy_attachment.node_registry"),
                    Expr::raw("aws_eks_addon.vpc_cni"),
                ]),
            ),
        // Add-ons.
        Block::new("resource")
            .label("aws_eks_addon")
            .label("vpc_cni")
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("addon_name", "vpc-cni")
            .attr("service_account_role_arn", Expr::raw("aws_iam_role.addon[\"vpc-cni\"].arn"))
            .attr("resolve_conflicts_on_create", "OVERWRITE")
            .attr("resolve_conflicts_on_update", "OVERWRITE")
            .comment("The VPC CNI's network policy agent enforces the NetworkPolicies.")
            .attr(
                "configuration_values",
                Expr::call(
                    "jsonencode",
                    [Expr::object([("enableNetworkPolicy", Expr::str("true"))])],
                ),
            ),
        Block::new("resource")
            .label("aws_eks_addon")
            .label("kube_proxy")
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("addon_name", "kube-proxy")
            .attr("resolve_conflicts_on_create", "OVERWRITE")
            .attr("resolve_conflicts_on_update", "OVERWRITE"),
        Block::new("resource")
            .label("aws_eks_addon")
            .label("coredns")
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("addon_name", "coredns")
            .attr("resolve_conflicts_on_create", "OVERWRITE")
            .attr("resolve_conflicts_on_update", "OVERWRITE")
            .blank()
            .attr("depends_on", Expr::list([Expr::raw("aws_eks_node_group.this")])),
        Block::new("resource")
            .label("aws_eks_addon")
            .label("ebs_csi")
            .comment("Provisions the encrypted gp3 volumes of the PersistentVolumeClaims.")
            .attr("cluster_name", Expr::raw("aws_eks_cluster.this.name"))
            .attr("addon_name", "aws-ebs-csi-driver")
            .attr("service_account_role_arn", Expr::raw("aws_iam_role.addon[\"ebs-csi\"].arn"))
            .attr("resolve_conflicts_on_create", "OVERWRITE")
            .attr("resolve_conflicts_on_update", "OVERWRITE")
            .blank()
            .attr("depends_on", Expr::list([Expr::raw("aws_eks_node_group.this")])),
    ];
    let main = spaced(blocks.drain(..));
    aws_module(
        "eks",
        main,
        vec![
            Variable::new("name", "string", "Cluster name."),
            Variable::new("role_prefix", "string", "Name prefix of the cluster's IAM roles (the environment's IAM prefix)."),
            Variable::new("kubernetes_version", "string", "Kubernetes minor version, e.g. `1.31`."),
            Variable::new("subnet_ids", "list(string)", "Private subnets of the control plane ENIs and the nodes, one or more per zone."),
            Variable::new(
                "node_pools",
                "map(object({ instance_types = list(string), capacity_type = string, min_size = number, max_size = number, disk_gb = number, labels = map(string) }))",
                "Managed node groups by name: instance types, ON_DEMAND or SPOT, size bounds (the group starts at min_size), root volume size.",
            ),
            Variable::new("kms_key_arn", "string", "KMS key for secrets envelope encryption and the control plane log group."),
            Variable::new("log_retention_days", "number", "Days control plane logs are kept."),
            Variable::new("admin_role_arns", "list(string)", "IAM roles granted cluster-admin through EKS access entries (the environment's CI role)."),
            Variable::new(
                "api_public_cidrs",
                "list(string)",
                "CIDRs allowed to reach the public API endpoint; empty keeps the endpoint private only.",
            )
            .default(Expr::list([])),
        ],
        vec![
            Output::new("cluster_name", Expr::raw("aws_eks_cluster.this.name"), "Name of the cluster."),
            Output::new("cluster_endpoint", Expr::raw("aws_eks_cluster.this.endpoint"), "API server endpoint."),
            Output::new(
                "cluster_security_group_id",
                Expr::raw("aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
                "Security group EKS created for the control plane and nodes.",
            ),
            Output::new(
                "oidc_provider_arn",
                Expr::raw("aws_iam_openid_connect_provider.this.arn"),
                "ARN of the IAM OIDC provider (trust principal of IRSA roles).",
            ),
            Output::new(
                "oidc_issuer",
                Expr::raw("local.oidc_issuer"),
                "OIDC issuer without `https://` (the prefix of IRSA trust condition keys).",
            ),
            Output::new(
                "oidc_issuer_url",
                Expr::raw("aws_eks_cluster.this.identity[0].oidc[0].issuer"),
                "OIDC issuer URL of the cluster.",
            ),
            Output::new("node_role_arn", Expr::raw("aws_iam_role.node.arn"), "Role of the managed nodes."),
        ],
    )
}
