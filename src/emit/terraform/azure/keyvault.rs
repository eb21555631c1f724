//! The `keyvault` family: Key Vault in RBAC mode, soft delete and purge
//! protection from the model, network ACLs denying by default, and a
//! private endpoint where the model places one.
//!
//! When Terraform itself writes secrets (generated database passwords, cache
//! access keys), the principal running Terraform is granted Key Vault
//! Secrets Officer on this vault only, and the vault's `id` output waits for
//! that grant so no secret is written before it exists. When it does so
//! through the public endpoint ([`crate::model::Platform::runner_admitted_vault`]),
//! the workflows admit their runner to the firewall for the job and the
//! vault ignores those transient `ip_rules`.

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use super::diagnostics;
use super::firewall;
use super::private_endpoint::{self, Exposure, exposure, public_access};
use crate::emit::terraform::hcl::{Block, Body, Expr};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::Variable;
use crate::model::{DataService, KeyVault};

pub fn part(az: &Azure, instances: &[(&DataService, &KeyVault)]) -> Part {
    let ds: Vec<&DataService> = instances.iter().map(|(d, _)| *d).collect();
    let writes_secrets = az.p.stored_secrets().iter().any(|s| s.generated);
    let purgeable = instances
        .iter()
        .any(|(_, kv)| kv.purge_protection.iter().any(|(_, on)| !on));
    let mut part = Part {
        module: module(az, exposure(&ds), writes_secrets, purgeable),
        calls: Vec::new(),
        tfvars: Vec::new(),
    };
    for (d, kv) in instances {
        let (c, vars) = instance(az, d, kv);
        part.calls.push(c);
        part.tfvars.extend(vars);
    }
    part
}

fn instance(az: &Azure, d: &DataService, kv: &KeyVault) -> (ModuleCall, Vec<RootVar>) {
    let name = az.data_call(d);
    let v = |field: &str| format!("{name}_{field}");
    let tfvars = vec![
        RootVar::new(
            Variable::new(
                v("name"),
                "string",
                format!(
                    "Name of Key Vault `{}` (globally unique, 3-24 characters).",
                    d.name
                ),
            )
            .validation(
                Expr::raw(format!(
                    "length(var.{0}) >= 3 && length(var.{0}) <= 24",
                    v("name")
                )),
                "Key Vault names have 3 to 24 characters.",
            ),
            d.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(
                v("purge_protection"),
                "bool",
                format!(
                    "Purge protection of Key Vault `{}` (cannot be turned off once on).",
                    d.name
                ),
            ),
            kv.purge_protection.map(|b| Expr::bool(*b)),
        ),
    ];
    let mut c = call(name.clone(), "keyvault")
        .arg("name", var(&v("name")))
        .arg(
            "tenant_id",
            Expr::raw("data.azurerm_client_config.current.tenant_id"),
        )
        .arg("soft_delete_retention_days", kv.soft_delete_days)
        .arg("purge_protection_enabled", var(&v("purge_protection")));
    c = firewall::args(az, d, c);
    c = private_endpoint::wire(az, d, c);
    if az.has_monitoring() {
        c = diagnostics::wire(c);
    }
    (c, tfvars)
}

fn module(az: &Azure, exposure: Exposure, writes_secrets: bool, purgeable: bool) -> Module {
    let mut m = Module::new("keyvault", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the vault (globally unique).").not_null(),
        Variable::new("tenant_id", "string", "Entra ID tenant of the vault.").not_null(),
        Variable::new(
            "soft_delete_retention_days",
            "number",
            "Days deleted secrets stay recoverable.",
        )
        .default(90)
        .validation(
            Expr::raw(
                "var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90",
            ),
            "Soft delete retention must be between 7 and 90 days.",
        ),
        Variable::new(
            "purge_protection_enabled",
            "bool",
            "Forbid purging deleted vaults and secrets before retention ends.",
        )
        .not_null(),
    ]);
    m.variables.extend(firewall::variables());
    if exposure != Exposure::Public {
        m.variables.extend(private_endpoint::variables());
    }
    if az.has_monitoring() {
        m.variables.push(diagnostics::variable());
    }

    let mut main = Body::new();
    if writes_secrets {
        main = main
            .block(Block::new("data").labels(["azurerm_client_config", "current"]))
            .blank();
    }
    let mut vault = located("azurerm_key_vault", "this", var("name"));
    if exposure == Exposure::Public {
        vault = skip(
            vault,
            "CKV2_AZURE_32",
            "the spec gives this vault no private endpoint: firewall default Deny, cluster subnet via service endpoint, Entra ID RBAC only",
        );
    }
    if purgeable {
        let why = "purge protection is set per environment by the spec (on where it matters); other vaults stay purgeable so they can be recreated";
        vault = skip(vault, "CKV_AZURE_110", why);
        vault = skip(vault, "CKV_AZURE_42", why);
    }
    vault = tagged(
        vault
            .attr("tenant_id", var("tenant_id"))
            .attr("sku_name", "standard")
            .attr("rbac_authorization_enabled", true)
            .attr(
                "soft_delete_retention_days",
                var("soft_delete_retention_days"),
            )
            .attr("purge_protection_enabled", var("purge_protection_enabled"))
            .attr("public_network_access_enabled", public_access(exposure)),
    )
    .blank()
    .block(
        Block::new("network_acls")
            .attr("default_action", "Deny")
            .attr("bypass", "AzureServices")
            .attr("ip_rules", Expr::list([]))
            .attr("virtual_network_subnet_ids", var("allowed_subnet_ids")),
    );
    if az.p.runner_admitted_vault().is_some() {
        vault = vault.blank().block(
            Block::new("lifecycle")
                .comment("Terraform reads and writes generated credentials through the public endpoint: the\ninfrastructure and drift workflows admit their runner's address for the job (az keyvault\nnetwork-rule add, then remove), a transient rule that is not drift.")
                .attr("ignore_changes", Expr::list([Expr::raw("network_acls[0].ip_rules")])),
        );
    }
    main = main.block(vault);
    if writes_secrets {
        main = main.blank().block(
            Block::new("resource")
                .labels(["azurerm_role_assignment", "terraform_secrets_officer"])
                .comment("Terraform writes generated credentials (database passwords, cache keys) into this vault.")
                .attr("scope", Expr::raw("azurerm_key_vault.this.id"))
                .attr("role_definition_name", "Key Vault Secrets Officer")
                .attr("principal_id", Expr::raw("data.azurerm_client_config.current.object_id")),
        );
    }
    if exposure != Exposure::Public {
        main = main
            .blank()
            .block(private_endpoint::resource("azurerm_key_vault.this"));
    }
    if az.has_monitoring() {
        main = main.blank().block(diagnostics::setting(
            "audit",
            Expr::raw("azurerm_key_vault.this.id"),
            &[("category_group", "audit")],
        ));
    }
    m.main = main;

    let mut id = Output::new(
        "id",
        Expr::raw("azurerm_key_vault.this.id"),
        "ID of the vault (available once Terraform may write secrets into it).",
    );
    if writes_secrets {
        id = id.depends_on(["azurerm_role_assignment.terraform_secrets_officer"]);
    }
    m.outputs = vec![
        id,
        Output::new(
            "name",
            Expr::raw("azurerm_key_vault.this.name"),
            "Name of the vault.",
        ),
        Output::new(
            "vault_uri",
            Expr::raw("azurerm_key_vault.this.vault_uri"),
            "URI of the vault's data plane.",
        ),
    ];
    m
}
