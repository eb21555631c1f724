//! The `storage` family: a StorageV2 account with Entra ID authorization only
//! (shared keys off), TLS 1.2, no anonymous blob access, soft delete and
//! versioning, a firewall denying by default or a private endpoint, and the
//! spec's containers and queues.
//!
//! Containers and queues are created through Azure Resource Manager
//! (`storage_account_id`), so applying never needs the data plane behind the
//! firewall.

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use super::diagnostics;
use super::firewall;
use super::private_endpoint::{self, Exposure, exposure, public_access};
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, list_of};
use crate::model::{DataService, Storage};

/// Days deleted blobs and containers stay recoverable.
const SOFT_DELETE_DAYS: u32 = 7;

pub fn part(az: &Azure, instances: &[(&DataService, &Storage)]) -> Part {
    let ds: Vec<&DataService> = instances.iter().map(|(d, _)| *d).collect();
    let mut part = Part {
        module: module(az, exposure(&ds), local_replication(instances)),
        calls: Vec::new(),
        tfvars: Vec::new(),
    };
    for (d, s) in instances {
        let (c, vars) = instance(az, d, s);
        part.calls.push(c);
        part.tfvars.extend(vars);
    }
    part
}

fn instance(az: &Azure, d: &DataService, s: &Storage) -> (ModuleCall, Vec<RootVar>) {
    let name = az.data_call(d);
    let v = |field: &str| format!("{name}_{field}");
    let tfvars = vec![
        RootVar::new(
            Variable::new(v("name"), "string", format!("Name of storage account `{}` (globally unique, 3-24 lowercase letters and digits).", d.name))
                .validation(
                    Expr::raw(format!("can(regex(\"^[a-z0-9]{{3,24}}$\", var.{}))", v("name"))),
                    "Storage account names have 3 to 24 lowercase letters and digits.",
                ),
            d.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(v("replication"), "string", format!("Replication of storage account `{}`: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS.", d.name))
                .validation(
                    Expr::raw(format!(
                        "contains([\"LRS\", \"ZRS\", \"GRS\", \"RAGRS\", \"GZRS\", \"RAGZRS\"], var.{})",
                        v("replication")
                    )),
                    "Replication must be LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS.",
                ),
            s.replication.map(|s| Expr::str(s)),
        ),
    ];
    let mut c = call(name.clone(), "storage")
        .arg("name", var(&v("name")))
        .arg("replication_type", var(&v("replication")))
        .arg(
            "containers",
            Expr::str_list(s.containers.iter().map(String::as_str)),
        )
        .arg(
            "queues",
            Expr::str_list(s.queues.iter().map(String::as_str)),
        );
    c = firewall::args(az, d, c);
    c = private_endpoint::wire(az, d, c);
    if az.has_monitoring() {
        c = diagnostics::wire(c);
    }
    (c, tfvars)
}

/// Whether some environment keeps an account's data in one region only.
fn local_replication(instances: &[(&DataService, &Storage)]) -> bool {
    const GEO: &[&str] = &["GRS", "RAGRS", "GZRS", "RAGZRS"];
    instances.iter().any(|(_, s)| {
        s.replication
            .iter()
            .any(|(_, r)| !GEO.contains(&r.as_str()))
    })
}

fn module(az: &Azure, exposure: Exposure, local_replication: bool) -> Module {
    let mut m = Module::new("storage", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new(
            "name",
            "string",
            "Name of the storage account (globally unique).",
        )
        .not_null(),
        Variable::new(
            "replication_type",
            "string",
            "Replication: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS.",
        )
        .not_null(),
        Variable::new(
            "containers",
            list_of("string"),
            "Private blob containers to create.",
        )
        .default(Expr::list([])),
        Variable::new("queues", list_of("string"), "Storage queues to create.")
            .default(Expr::list([])),
    ]);
    m.variables.extend(firewall::variables());
    if exposure != Exposure::Public {
        m.variables.extend(private_endpoint::variables());
    }
    if az.has_monitoring() {
        m.variables.push(diagnostics::variable());
    }
    let logging = if az.has_monitoring() {
        "reads, writes and deletes are logged through Azure Monitor diagnostic settings, not classic Storage Analytics (which needs the disabled account keys)"
    } else {
        "the spec declares no log workspace; classic Storage Analytics needs the disabled account keys"
    };

    let mut account = located("azurerm_storage_account", "this", var("name"));
    account = skip(
        account,
        "CKV2_AZURE_1",
        "encrypted at rest with Microsoft-managed keys plus infrastructure encryption; no customer key is declared",
    );
    if local_replication {
        account = skip(
            account,
            "CKV_AZURE_206",
            "replication is set per environment by the spec, and some environments keep one region (LRS/ZRS)",
        );
    }
    account = skip(account, "CKV_AZURE_33", logging);
    if exposure != Exposure::Private {
        account = skip(
            account,
            "CKV_AZURE_59",
            "the spec gives this account no private endpoint: firewall default Deny, cluster subnet via service endpoint, Entra ID only",
        );
    }
    if exposure == Exposure::Public {
        account = skip(
            account,
            "CKV2_AZURE_33",
            "the spec gives this account no private endpoint subnet",
        );
    }
    account = tagged(
        account
            .attr("account_tier", "Standard")
            .attr("account_kind", "StorageV2")
            .attr("account_replication_type", var("replication_type"))
            .attr("min_tls_version", "TLS1_2")
            .attr("https_traffic_only_enabled", true)
            .attr("allow_nested_items_to_be_public", false)
            .attr("shared_access_key_enabled", false)
            .attr("default_to_oauth_authentication", true)
            .attr("local_user_enabled", false)
            .attr("cross_tenant_replication_enabled", false)
            .attr("infrastructure_encryption_enabled", true)
            .attr("public_network_access_enabled", public_access(exposure)),
    )
    .blank()
    .block(
        Block::new("blob_properties")
            .attr("versioning_enabled", true)
            .blank()
            .block(Block::new("delete_retention_policy").attr("days", SOFT_DELETE_DAYS))
            .blank()
            .block(Block::new("container_delete_retention_policy").attr("days", SOFT_DELETE_DAYS)),
    )
    .blank()
    .block(
        Block::new("network_rules")
            .attr("default_action", "Deny")
            .attr("bypass", Expr::str_list(["AzureServices"]))
            .attr("virtual_network_subnet_ids", var("allowed_subnet_ids")),
    )
    .blank()
    .block(
        Block::new("sas_policy")
            .comment("Shared keys are off, so no SAS can be signed; the policy bounds any that ever could.")
            .attr("expiration_period", "00.01:00:00"),
    );
    let container = skip(
        Block::new("resource").labels(["azurerm_storage_container", "this"]),
        "CKV2_AZURE_21",
        logging,
    )
    .attr("for_each", Expr::call("toset", [var("containers")]))
    .blank()
    .attr("name", Expr::raw("each.value"))
    .attr(
        "storage_account_id",
        Expr::raw("azurerm_storage_account.this.id"),
    )
    .attr("container_access_type", "private");
    let queue = Block::new("resource")
        .labels(["azurerm_storage_queue", "this"])
        .attr("for_each", Expr::call("toset", [var("queues")]))
        .blank()
        .attr("name", Expr::raw("each.value"))
        .attr(
            "storage_account_id",
            Expr::raw("azurerm_storage_account.this.id"),
        );
    let mut main = Body::new()
        .block(account)
        .blank()
        .block(container)
        .blank()
        .block(queue);
    if exposure != Exposure::Public {
        main = main
            .blank()
            .block(private_endpoint::resource("azurerm_storage_account.this"));
    }
    if az.has_monitoring() {
        let logs = [
            ("category", "StorageRead"),
            ("category", "StorageWrite"),
            ("category", "StorageDelete"),
        ];
        for service in ["blob", "queue"] {
            main = main.blank().block(diagnostics::setting(
                service,
                Expr::template([
                    TemplatePart::interp("azurerm_storage_account.this.id"),
                    TemplatePart::lit(format!("/{service}Services/default")),
                ]),
                &logs,
            ));
        }
    }
    m.main = main;
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_storage_account.this.id"),
            "ID of the storage account.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_storage_account.this.name"),
            "Name of the storage account.",
        ),
        Output::new(
            "primary_blob_endpoint",
            Expr::raw("azurerm_storage_account.this.primary_blob_endpoint"),
            "Blob service endpoint.",
        ),
        Output::new(
            "primary_queue_endpoint",
            Expr::raw("azurerm_storage_account.this.primary_queue_endpoint"),
            "Queue service endpoint.",
        ),
        Output::new(
            "container_ids",
            Expr::raw(
                "{ for name, container in azurerm_storage_container.this : name => container.id }",
            ),
            "Resource Manager IDs of the containers by name (role assignment scopes).",
        ),
        Output::new(
            "queue_ids",
            Expr::raw("{ for name, queue in azurerm_storage_queue.this : name => queue.id }"),
            "Resource Manager IDs of the queues by name (role assignment scopes).",
        ),
    ];
    m
}
