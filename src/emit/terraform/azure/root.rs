//! Environment roots on Azure: the environment's resource group (created
//! by the bootstrap root), the module calls of every family the spec uses,
//! the `azurerm` backend with one state key per environment, and the
//! outputs other layers consume.
//!
//! Every [`crate::model::DeployValue`] key is an output of exactly that name
//! (the deploy workflow turns `terraform output -json` into the overlay's
//! `deploy-values.env`); secrets are never among them.

use super::context::{Azure, PROVIDERS, Part, reference};
use super::identity;
use super::{acr, aks, monitoring};
use crate::emit::terraform::hcl::{Block, Body, Expr};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::{Root, RootVar};
use crate::emit::terraform::variable::{Variable, list_of};
use crate::model::{DeploySource, PerEnv, StateBackend};

/// The Terraform state key of an environment.
pub fn state_key(platform: &str, env: &str) -> String {
    format!("{platform}/{env}.tfstate")
}

pub fn build(az: &Azure, parts: &[Part]) -> Root {
    let p = az.p;
    let mut tfvars = vec![
        RootVar::new(
            Variable::new(
                "environment",
                "string",
                "Name of the environment this root deploys.",
            ),
            az.per_env(|e| Expr::str(&e.name)),
        ),
        RootVar::new(
            Variable::new(
                "resource_group_name",
                "string",
                "Resource group of the environment (created by terraform/bootstrap).",
            ),
            az.per_env(|e| Expr::str(az.resource_group(e))),
        ),
    ];
    tfvars.extend(parts.iter().flat_map(|part| part.tfvars.iter().cloned()));

    let mut inputs = vec![
        Variable::new(
            "subscription_id",
            "string",
            "Azure subscription to deploy into; null reads ARM_SUBSCRIPTION_ID.",
        )
        .default(Expr::null()),
    ];
    if p.monitoring.as_ref().is_some_and(|m| !m.alerts.is_empty()) {
        inputs.push(
            Variable::new(
                monitoring::EMAILS_VAR,
                list_of("string"),
                "E-mail addresses alerts notify.",
            )
            .default(Expr::list([])),
        );
    }

    let preamble = Body::new()
        .block(Block::new("data").labels(["azurerm_client_config", "current"]))
        .blank()
        .block(
            Block::new("data")
                .labels(["azurerm_resource_group", "main"])
                .comment("Created by terraform/bootstrap, which also grants the CI identity on it.")
                .attr("name", reference("var.resource_group_name")),
        )
        .blank()
        .block(Block::new("locals").attr(
            "tags",
            Expr::object([
                ("platform", Expr::str(&p.name)),
                ("environment", reference("var.environment")),
                ("managed-by", Expr::str("platc")),
            ]),
        ));

    let provider_config = Body::new()
        .comment("Credentials come from the environment: in CI the bootstrap's CI identity through GitHub OIDC\n(ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID), locally the Azure CLI.")
        .block(
            Block::new("provider")
                .label("azurerm")
                .attr("subscription_id", reference("var.subscription_id"))
                .attr("storage_use_azuread", true)
                .blank()
                .block(
                    Block::new("features").block(
                        Block::new("storage")
                            .comment("Containers and queues are managed through Azure Resource Manager, never the firewalled data plane.")
                            .attr("data_plane_available", false),
                    ),
                ),
        );

    let backend = PerEnv::from_values(
        p.environments
            .iter()
            .map(|e| backend_block(az, &e.name))
            .collect(),
    );

    Root {
        preamble,
        calls: parts
            .iter()
            .flat_map(|part| part.calls.iter().cloned())
            .collect(),
        tfvars,
        inputs,
        outputs: outputs(az),
        providers: PROVIDERS.to_vec(),
        provider_config,
        backend,
    }
}

fn backend_block(az: &Azure, env: &str) -> Block {
    let block = Block::new("backend").label("azurerm");
    match &az.p.delivery.state {
        StateBackend::AzureStorage {
            resource_group,
            storage_account,
            container,
        } => block
            .attr("resource_group_name", resource_group.as_str())
            .attr("storage_account_name", storage_account.as_str())
            .attr("container_name", container.as_str())
            .attr("key", state_key(&az.p.name, env))
            .attr("use_azuread_auth", true),
        StateBackend::S3 { .. } => {
            block.comment("The spec names an S3 state backend, which an Azure root cannot use.")
        }
    }
}

/// The value of a deploy value's output.
pub fn deploy_value(az: &Azure, source: &DeploySource, key: &str) -> Expr {
    let data = |name: &str, output: &str| match az.p.data_service(name) {
        Some(d) => Expr::raw(format!("module.{}.{output}", az.data_call(d))),
        None => Expr::null(),
    };
    match source {
        DeploySource::IdentityClientId { .. } | DeploySource::SecretsOperatorClientId => {
            match identity::workload_for(az, source, key) {
                Some(w) => Expr::raw(format!("module.{}.client_ids[\"{w}\"]", identity::CALL)),
                None => Expr::null(),
            }
        }
        DeploySource::TenantId => Expr::raw("data.azurerm_client_config.current.tenant_id"),
        DeploySource::VaultUri { data: d } => data(d, "vault_uri"),
        DeploySource::VaultName { data: d } => data(d, "name"),
        DeploySource::DatabaseHost { data: d } => data(d, "fqdn"),
        DeploySource::CacheHost { data: d } => data(d, "hostname"),
        DeploySource::MessagingNamespace { data: d } => data(d, "fully_qualified_namespace"),
        DeploySource::BlobEndpoint { data: d } => data(d, "primary_blob_endpoint"),
        DeploySource::QueueEndpoint { data: d } => data(d, "primary_queue_endpoint"),
        DeploySource::RegistryLoginServer => {
            Expr::raw(format!("module.{}.login_server", acr::CALL))
        }
        DeploySource::ClusterName => Expr::raw(format!("module.{}.name", aks::CALL)),
        DeploySource::OidcIssuer => Expr::raw(format!("module.{}.oidc_issuer_url", aks::CALL)),
    }
}

fn describe(source: &DeploySource) -> String {
    match source {
        DeploySource::IdentityClientId { service } => {
            format!("Client ID of service `{service}`'s workload identity.")
        }
        DeploySource::SecretsOperatorClientId => {
            "Client ID of the secrets operator's workload identity.".into()
        }
        DeploySource::TenantId => "Entra ID tenant of the platform's identities.".into(),
        DeploySource::VaultUri { data } => format!("URI of Key Vault `{data}`."),
        DeploySource::VaultName { data } => format!("Name of Key Vault `{data}`."),
        DeploySource::DatabaseHost { data } => format!("Host name of PostgreSQL server `{data}`."),
        DeploySource::CacheHost { data } => format!("Host name of Redis cache `{data}`."),
        DeploySource::MessagingNamespace { data } => {
            format!("Fully qualified Service Bus namespace `{data}`.")
        }
        DeploySource::BlobEndpoint { data } => {
            format!("Blob endpoint of storage account `{data}`.")
        }
        DeploySource::QueueEndpoint { data } => {
            format!("Queue endpoint of storage account `{data}`.")
        }
        DeploySource::RegistryLoginServer => "Login server of the container registry.".into(),
        DeploySource::ClusterName => "Name of the AKS cluster.".into(),
        DeploySource::OidcIssuer => "OIDC issuer URL of the AKS cluster.".into(),
    }
}

/// Deploy values first (their keys are a contract), then what operators and
/// workflows need besides (resource group, cluster, registry).
fn outputs(az: &Azure) -> Vec<Output> {
    let mut out: Vec<Output> =
        az.p.deploy_values
            .iter()
            .map(|dv| {
                Output::new(
                    &dv.key,
                    deploy_value(az, &dv.source, &dv.key),
                    format!("{} Deploy value `{}`.", describe(&dv.source), dv.key),
                )
            })
            .collect();
    let extras = [
        (
            "resource_group_name",
            Expr::raw("data.azurerm_resource_group.main.name"),
            "Resource group of the environment (`az aks get-credentials --resource-group`).",
        ),
        (
            "cluster_name",
            Expr::raw(format!("module.{}.name", aks::CALL)),
            "Name of the AKS cluster.",
        ),
        (
            "registry_name",
            Expr::raw(format!("module.{}.name", acr::CALL)),
            "Name of the container registry (`az acr login --name`).",
        ),
    ];
    for (name, value, description) in extras {
        if !out.iter().any(|o| o.name == name) {
            out.push(Output::new(name, value, description));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::azure::context::fixture;

    #[test]
    fn every_deploy_value_reads_a_module_output() {
        let p = fixture();
        let az = Azure::new(&p);
        assert!(!p.deploy_values.is_empty());
        for dv in &p.deploy_values {
            let value = deploy_value(&az, &dv.source, &dv.key);
            assert_ne!(value, Expr::null(), "{} has no value", dv.key);
        }
    }

    #[test]
    fn state_keys_name_platform_and_environment() {
        assert_eq!(state_key("octo", "dev"), "octo/dev.tfstate");
    }
}
