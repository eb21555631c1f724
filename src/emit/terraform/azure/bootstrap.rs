//! `terraform/bootstrap/`: the one-time root an administrator applies with
//! local state before any environment exists (seed 000's "bootstrap script",
//! as Terraform). It creates
//!
//! - the remote state store the environment roots' `azurerm` backend names
//!   (resource group, storage account with Entra ID auth only, versioning and
//!   soft delete, private container);
//! - every environment's resource group, so the CI identity's grants can be
//!   scoped to them instead of the subscription;
//! - the CI identity: a user-assigned identity federated with GitHub Actions
//!   OIDC for exactly the subjects the workflows log in with
//!   ([`crate::model::Platform::ci_subjects`]; no secret exists), with
//!   Contributor and AKS RBAC Cluster Admin on each environment's resource
//!   group, Role Based Access Control Administrator there constrained to the
//!   exact roles the environment roots assign, and Storage Blob Data
//!   Contributor on the state container only.

use super::context::{Azure, PROVIDERS, reference, skip, var};
use super::roles::{self, AKS_RBAC_CLUSTER_ADMIN, CONTRIBUTOR, RBAC_ADMINISTRATOR};
use crate::emit::File;
use crate::emit::terraform::hcl::{Block, Body, Expr, print};
use crate::emit::terraform::module::{outputs_body, variables_body};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::variable::{Variable, map_of};
use crate::emit::terraform::versions::versions_body;
use crate::model::StateBackend;

/// Where the bootstrap root lives.
pub const DIR: &str = "terraform/bootstrap";

/// GitHub Actions' OIDC token issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

pub fn files(az: &Azure) -> Vec<File> {
    let p = az.p;
    let (state_rg, account, container) = match &p.delivery.state {
        StateBackend::AzureStorage {
            resource_group,
            storage_account,
            container,
        } => (
            resource_group.clone(),
            storage_account.clone(),
            container.clone(),
        ),
        StateBackend::S3 { bucket, .. } => (
            format!("rg-{}-tfstate", p.name),
            bucket.clone(),
            "tfstate".to_string(),
        ),
    };
    let variables = vec![
        Variable::new(
            "subscription_id",
            "string",
            "Azure subscription to bootstrap; null reads ARM_SUBSCRIPTION_ID.",
        )
        .default(Expr::null()),
        Variable::new(
            "location",
            "string",
            "Azure region of the bootstrap resources.",
        )
        .not_null(),
        Variable::new(
            "state_resource_group_name",
            "string",
            "Resource group of the Terraform state store.",
        )
        .not_null(),
        Variable::new(
            "state_storage_account_name",
            "string",
            "Storage account holding the environments' Terraform state (globally unique).",
        )
        .validation(
            Expr::raw("can(regex(\"^[a-z0-9]{3,24}$\", var.state_storage_account_name))"),
            "Storage account names have 3 to 24 lowercase letters and digits.",
        ),
        Variable::new(
            "state_container_name",
            "string",
            "Blob container of the state files.",
        )
        .not_null(),
        Variable::new(
            "environment_resource_groups",
            map_of("string"),
            "Resource group of each environment, by environment name.",
        ),
        Variable::new(
            "ci_identity_name",
            "string",
            "Name of the identity GitHub Actions deploys as.",
        )
        .not_null(),
        Variable::new(
            "ci_subjects",
            map_of("string"),
            "GitHub Actions OIDC subjects trusted to sign in as the CI identity, by federated credential name.",
        )
        .validation(
            Expr::raw("alltrue([for subject in values(var.ci_subjects) : startswith(subject, \"repo:\")])"),
            "Subjects are GitHub OIDC subject claims (repo:owner/repo:...).",
        ),
    ];
    let tfvars = Body::new()
        .attr("location", p.cloud.region.as_str())
        .attr("state_resource_group_name", state_rg.as_str())
        .attr("state_storage_account_name", account.as_str())
        .attr("state_container_name", container.as_str())
        .attr("ci_identity_name", format!("id-{}-github", p.name))
        .blank()
        .attr(
            "environment_resource_groups",
            Expr::object(
                p.environments
                    .iter()
                    .map(|e| (e.name.clone(), Expr::str(az.resource_group(e)))),
            ),
        )
        .blank()
        .attr(
            "ci_subjects",
            Expr::object(
                p.ci_subjects()
                    .into_iter()
                    .map(|s| (s.name, Expr::str(s.claim))),
            ),
        );
    let outputs = vec![
        Output::new(
            "azure_client_id",
            Expr::raw("azurerm_user_assigned_identity.ci.client_id"),
            "Client ID of the CI identity: repository variable AZURE_CLIENT_ID.",
        ),
        Output::new(
            "azure_tenant_id",
            Expr::raw("data.azurerm_client_config.current.tenant_id"),
            "Entra ID tenant: repository variable AZURE_TENANT_ID.",
        ),
        Output::new(
            "azure_subscription_id",
            Expr::raw("data.azurerm_client_config.current.subscription_id"),
            "Subscription: repository variable AZURE_SUBSCRIPTION_ID.",
        ),
        Output::new(
            "state_storage_account_name",
            Expr::raw("azurerm_storage_account.state.name"),
            "Storage account the environment roots keep their state in.",
        ),
        Output::new(
            "environment_resource_groups",
            Expr::raw(
                "{ for env, group in azurerm_resource_group.environment : env => group.name }",
            ),
            "Resource group of each environment.",
        ),
    ];
    vec![
        File::new(p, format!("{DIR}/main.tf"), print(&main_body(az))),
        File::new(p, format!("{DIR}/providers.tf"), print(&providers_body())),
        File::new(
            p,
            format!("{DIR}/versions.tf"),
            print(&versions_body(PROVIDERS)),
        ),
        File::new(
            p,
            format!("{DIR}/variables.tf"),
            print(&variables_body(&variables)),
        ),
        File::new(
            p,
            format!("{DIR}/outputs.tf"),
            print(&outputs_body(&outputs)),
        ),
        File::new(p, format!("{DIR}/terraform.tfvars"), print(&tfvars)),
    ]
}

fn providers_body() -> Body {
    Body::new()
        .comment("Run once by an administrator (Owner or User Access Administrator on the subscription),\nsigned in with the Azure CLI. State stays local: keep terraform.tfstate safe.")
        .block(
            Block::new("provider")
                .label("azurerm")
                .attr("subscription_id", var("subscription_id"))
                .attr("storage_use_azuread", true)
                .blank()
                .block(Block::new("features").block(Block::new("storage").attr("data_plane_available", false))),
        )
}

fn main_body(az: &Azure) -> Body {
    let p = az.p;
    let delegable = roles::assigned_roles(p);
    let role_names = delegable
        .iter()
        .map(|r| r.name)
        .collect::<Vec<_>>()
        .join(", ");
    let locals = Block::new("locals")
        .attr(
            "tags",
            Expr::object([
                ("platform", Expr::str(&p.name)),
                ("managed-by", Expr::str("platc")),
                ("purpose", Expr::str("terraform-bootstrap")),
            ]),
        )
        .blank()
        .comment(format!("The CI identity may assign exactly the roles the environment roots assign: {role_names}."))
        .attr("delegable_roles_condition", Expr::str(roles::delegation_condition(&delegable)));
    let state_rg = Block::new("resource")
        .labels(["azurerm_resource_group", "state"])
        .attr("name", var("state_resource_group_name"))
        .attr("location", var("location"))
        .attr("tags", reference("local.tags"));
    let runners = "GitHub-hosted runners (dynamic addresses) reach the state over the public endpoint; Entra ID auth only, shared keys off";
    let mut account = Block::new("resource").labels(["azurerm_storage_account", "state"]);
    account = skip(account, "CKV_AZURE_59", runners);
    account = skip(account, "CKV2_AZURE_33", runners);
    account = skip(
        account,
        "CKV2_AZURE_1",
        "encrypted at rest with Microsoft-managed keys plus infrastructure encryption; no customer key is declared",
    );
    let logging = "the bootstrap precedes any log workspace; classic Storage Analytics needs the disabled account keys";
    account = skip(account, "CKV_AZURE_33", logging);
    let account = account
        .attr("name", var("state_storage_account_name"))
        .attr("resource_group_name", reference("azurerm_resource_group.state.name"))
        .attr("location", var("location"))
        .attr("account_tier", "Standard")
        .attr("account_kind", "StorageV2")
        .attr("account_replication_type", "GRS")
        .attr("min_tls_version", "TLS1_2")
        .attr("https_traffic_only_enabled", true)
        .attr("allow_nested_items_to_be_public", false)
        .attr("shared_access_key_enabled", false)
        .attr("default_to_oauth_authentication", true)
        .attr("local_user_enabled", false)
        .attr("cross_tenant_replication_enabled", false)
        .attr("infrastructure_encryption_enabled", true)
        .attr("tags", reference("local.tags"))
        .blank()
        .block(
            Block::new("blob_properties")
                .attr("versioning_enabled", true)
                .blank()
                .block(Block::new("delete_retention_policy").attr("days", 30))
                .blank()
                .block(Block::new("container_delete_retention_policy").attr("days", 30)),
        )
        .blank()
        .block(
            Block::new("sas_policy")
                .comment("Shared keys are off, so no SAS can be signed; the policy bounds any that ever could.")
                .attr("expiration_period", "00.01:00:00"),
        )
        .blank()
        .block(
            Block::new("lifecycle")
                .comment("Every environment's state lives here.")
                .attr("prevent_destroy", true),
        );
    let container = skip(
        Block::new("resource").labels(["azurerm_storage_container", "state"]),
        "CKV2_AZURE_21",
        logging,
    )
    .attr("name", var("state_container_name"))
    .attr(
        "storage_account_id",
        reference("azurerm_storage_account.state.id"),
    )
    .attr("container_access_type", "private");
    let env_rg = Block::new("resource")
        .labels(["azurerm_resource_group", "environment"])
        .attr("for_each", var("environment_resource_groups"))
        .blank()
        .attr("name", reference("each.value"))
        .attr("location", var("location"))
        .attr(
            "tags",
            Expr::call(
                "merge",
                [
                    reference("local.tags"),
                    Expr::object([("environment", reference("each.key"))]),
                ],
            ),
        );
    let identity = Block::new("resource")
        .labels(["azurerm_user_assigned_identity", "ci"])
        .attr("name", var("ci_identity_name"))
        .attr("location", var("location"))
        .attr(
            "resource_group_name",
            reference("azurerm_resource_group.state.name"),
        )
        .attr("tags", reference("local.tags"));
    let federated = Block::new("resource")
        .labels(["azurerm_federated_identity_credential", "github"])
        .comment("Pull requests, each GitHub Environment and each deploy branch: where the workflows log in from.")
        .attr("for_each", var("ci_subjects"))
        .blank()
        .attr("name", reference("each.key"))
        .attr("user_assigned_identity_id", reference("azurerm_user_assigned_identity.ci.id"))
        .attr("audience", Expr::str_list([super::identity::TOKEN_AUDIENCE]))
        .attr("issuer", GITHUB_ISSUER)
        .attr("subject", reference("each.value"));
    let grant = |label: &str, role: &str| {
        Block::new("resource")
            .labels(["azurerm_role_assignment", label])
            .attr("for_each", reference("azurerm_resource_group.environment"))
            .blank()
            .attr("scope", reference("each.value.id"))
            .attr("role_definition_name", role)
            .attr(
                "principal_id",
                reference("azurerm_user_assigned_identity.ci.principal_id"),
            )
            .attr("principal_type", "ServicePrincipal")
    };
    let contributor = grant("ci_contributor", CONTRIBUTOR);
    let delegation = grant("ci_role_delegation", RBAC_ADMINISTRATOR)
        .attr("condition_version", "2.0")
        .attr("condition", reference("local.delegable_roles_condition"));
    let cluster_admin = grant("ci_cluster_admin", AKS_RBAC_CLUSTER_ADMIN);
    let state = Block::new("resource")
        .labels(["azurerm_role_assignment", "ci_state"])
        .attr("scope", reference("azurerm_storage_container.state.id"))
        .attr(
            "role_definition_name",
            roles::STORAGE_BLOB_DATA_CONTRIBUTOR.name,
        )
        .attr(
            "principal_id",
            reference("azurerm_user_assigned_identity.ci.principal_id"),
        )
        .attr("principal_type", "ServicePrincipal");
    Body::new()
        .block(Block::new("data").labels(["azurerm_client_config", "current"]))
        .blank()
        .block(locals)
        .blank()
        .block(state_rg)
        .blank()
        .block(account)
        .blank()
        .block(container)
        .blank()
        .block(env_rg)
        .blank()
        .block(identity)
        .blank()
        .block(federated)
        .blank()
        .block(contributor)
        .blank()
        .block(delegation)
        .blank()
        .block(cluster_admin)
        .blank()
        .block(state)
}
