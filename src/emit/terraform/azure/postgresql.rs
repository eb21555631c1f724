//! The `postgresql` family: Azure Database for PostgreSQL flexible server in
//! its delegated subnet (VNet integration, no public endpoint), the spec's
//! databases, zone-redundant HA where the environment asks for it, and the
//! administrator password generated at first apply and kept in Key Vault.
//!
//! Why no `random_password`: the pinned provider set is what the conformance
//! environment can install offline, and `random` is not in it. The password
//! is instead drawn from two UUIDv4s (`uuid()` is Terraform's own CSPRNG-backed
//! function: 244 random bits, with lower- and uppercase letters, digits and
//! hyphens) in a `terraform_data` resource at first apply, and
//! `ignore_changes` keeps it from then on. Like a `random_password` it lives
//! only in state (encrypted, Entra-ID-only storage) and in Key Vault, is
//! marked sensitive and is never output.

use super::context::{Azure, Part, call, common_variables, ident, located, skip, tagged, var};
use super::placement::{Placement, placement};
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, list_of};
use crate::model::{DataKind, DataService, HighAvailability, Postgres};

/// Storage sizes (GiB) a flexible server accepts.
const STORAGE_SIZES_GB: &[u32] = &[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];

/// Root variable holding the server's name (the networking module names the
/// server's private DNS zone after it).
pub fn name_var(az: &Azure, d: &DataService) -> String {
    format!("{}_name", az.data_call(d))
}

/// Key of the server's private DNS zone in the networking module.
pub fn zone_key(_az: &Azure, d: &DataService) -> String {
    format!("postgresql_{}", ident(&d.name))
}

pub fn part(az: &Azure, instances: &[(&DataService, &Postgres)]) -> Part {
    let mut part = Part {
        module: module(),
        calls: Vec::new(),
        tfvars: Vec::new(),
    };
    for (d, pg) in instances {
        let (c, vars) = instance(az, d, pg);
        part.calls.push(c);
        part.tfvars.extend(vars);
    }
    part
}

fn instance(az: &Azure, d: &DataService, pg: &Postgres) -> (ModuleCall, Vec<RootVar>) {
    let name = az.data_call(d);
    let v = |field: &str| format!("{name}_{field}");
    let tfvars = vec![
        RootVar::new(
            Variable::new(name_var(az, d), "string", format!("Name of the PostgreSQL flexible server `{}`.", d.name)),
            d.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(v("sku_name"), "string", format!("SKU of PostgreSQL server `{}` (tier_family_size).", d.name))
                .validation(
                    Expr::raw(format!("can(regex(\"^(B|GP|MO)_\", var.{}))", v("sku_name"))),
                    "The SKU must be a Burstable (B_), General Purpose (GP_) or Memory Optimized (MO_) SKU.",
                ),
            pg.sku.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(v("storage_gb"), "number", format!("Storage of PostgreSQL server `{}` in GiB.", d.name))
                .validation(
                    Expr::raw(format!(
                        "contains([{}], var.{})",
                        STORAGE_SIZES_GB.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
                        v("storage_gb")
                    )),
                    "The storage size must be one a flexible server offers.",
                ),
            pg.storage_gb.map(|n| Expr::from(*n)),
        ),
        RootVar::new(
            Variable::new(v("backup_retention_days"), "number", format!("Backup retention of PostgreSQL server `{}` in days.", d.name))
                .validation(
                    Expr::raw(format!("var.{0} >= 7 && var.{0} <= 35", v("backup_retention_days"))),
                    "Backup retention must be between 7 and 35 days.",
                ),
            pg.backup_retention_days.map(|n| Expr::from(*n)),
        ),
        RootVar::new(
            Variable::new(v("high_availability"), "string", format!("High availability of PostgreSQL server `{}`: None, SameZone or ZoneRedundant.", d.name))
                .validation(
                    Expr::raw(format!("contains([\"None\", \"SameZone\", \"ZoneRedundant\"], var.{})", v("high_availability"))),
                    "High availability must be None, SameZone or ZoneRedundant.",
                ),
            pg.high_availability.map(|ha| Expr::str(ha_mode(*ha))),
        ),
        RootVar::new(
            Variable::new(v("zone"), "string", format!("Availability zone of PostgreSQL server `{}` (null: Azure picks).", d.name)),
            az.per_env(|e| e.zones.first().map_or(Expr::null(), Expr::str)),
        ),
        RootVar::new(
            Variable::new(v("standby_zone"), "string", format!("Availability zone of the standby of PostgreSQL server `{}` (null without HA).", d.name)),
            az.per_env(|e| match pg.high_availability.get(e.id) {
                HighAvailability::None => Expr::null(),
                HighAvailability::SameZone => e.zones.first().map_or(Expr::null(), Expr::str),
                HighAvailability::ZoneRedundant => e.zones.get(1).map_or(Expr::null(), Expr::str),
            }),
        ),
    ];
    let subnet = match placement(d) {
        Placement::Injected(s) => Expr::raw(format!("module.networking.subnet_ids[\"{s}\"]")),
        _ => Expr::null(),
    };
    let mut c = call(name.clone(), "postgresql")
        .arg("name", var(&name_var(az, d)))
        .arg("postgresql_version", pg.version.as_str())
        .arg("sku_name", var(&v("sku_name")))
        .arg("storage_gb", var(&v("storage_gb")))
        .arg("backup_retention_days", var(&v("backup_retention_days")))
        .arg("high_availability", var(&v("high_availability")))
        .arg("zone", var(&v("zone")))
        .arg("standby_zone", var(&v("standby_zone")))
        .arg("delegated_subnet_id", subnet)
        .arg(
            "private_dns_zone_id",
            Expr::raw(format!(
                "module.networking.private_dns_zone_ids[\"{}\"]",
                zone_key(az, d)
            )),
        )
        .arg("administrator_login", pg.admin_user.as_str())
        .arg(
            "databases",
            Expr::str_list(pg.databases.iter().map(String::as_str)),
        );
    if let Some(vault) = az.vault_call() {
        c = c
            .arg("key_vault_id", Expr::raw(format!("module.{vault}.id")))
            .arg("password_secret_name", pg.password_secret.as_str());
    }
    (c, tfvars)
}

fn ha_mode(ha: HighAvailability) -> &'static str {
    match ha {
        HighAvailability::None => "None",
        HighAvailability::SameZone => "SameZone",
        HighAvailability::ZoneRedundant => "ZoneRedundant",
    }
}

/// Whether a data service is a managed PostgreSQL server.
pub fn managed(d: &DataService) -> Option<&Postgres> {
    match &d.kind {
        DataKind::Postgres(pg) => Some(pg),
        _ => None,
    }
}

fn module() -> Module {
    let mut m = Module::new("postgresql", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new(
            "name",
            "string",
            "Name of the flexible server (globally unique).",
        )
        .not_null(),
        Variable::new("postgresql_version", "string", "PostgreSQL major version.").not_null(),
        Variable::new(
            "sku_name",
            "string",
            "SKU (tier_family_size), e.g. B_Standard_B1ms.",
        )
        .not_null(),
        Variable::new("storage_gb", "number", "Storage in GiB.").not_null(),
        Variable::new(
            "backup_retention_days",
            "number",
            "Backup retention in days.",
        )
        .not_null(),
        Variable::new(
            "high_availability",
            "string",
            "None, SameZone or ZoneRedundant.",
        )
        .default("None")
        .validation(
            Expr::raw(
                "contains([\"None\", \"SameZone\", \"ZoneRedundant\"], var.high_availability)",
            ),
            "High availability must be None, SameZone or ZoneRedundant.",
        ),
        Variable::new(
            "zone",
            "string",
            "Availability zone of the primary (null: Azure picks).",
        )
        .default(Expr::null()),
        Variable::new(
            "standby_zone",
            "string",
            "Availability zone of the standby (with high availability).",
        )
        .default(Expr::null()),
        Variable::new(
            "delegated_subnet_id",
            "string",
            "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers.",
        )
        .not_null(),
        Variable::new(
            "private_dns_zone_id",
            "string",
            "Private DNS zone (<name>.private.postgres.database.azure.com) linked to the VNet.",
        )
        .not_null(),
        Variable::new("administrator_login", "string", "Administrator login name.").not_null(),
        Variable::new("databases", list_of("string"), "Databases to create.")
            .default(Expr::list([])),
        Variable::new(
            "key_vault_id",
            "string",
            "Key Vault that receives the administrator password.",
        )
        .not_null(),
        Variable::new(
            "password_secret_name",
            "string",
            "Key Vault secret name of the administrator password.",
        )
        .not_null(),
    ]);
    m.main = main_body();
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_postgresql_flexible_server.this.id"),
            "ID of the flexible server.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_postgresql_flexible_server.this.name"),
            "Name of the flexible server.",
        ),
        Output::new(
            "fqdn",
            Expr::raw("azurerm_postgresql_flexible_server.this.fqdn"),
            "Host name clients connect to (resolves to the private address inside the VNet).",
        ),
        Output::new(
            "password_secret_id",
            Expr::raw("azurerm_key_vault_secret.administrator_password.versionless_id"),
            "Key Vault secret (versionless ID) holding the administrator password.",
        ),
    ];
    m
}

fn main_body() -> Body {
    let password = Block::new("resource")
        .labels(["terraform_data", "administrator_password"])
        .comment("No `random` provider in the pinned set: two UUIDv4s (244 random bits, mixed case, digits, hyphens)\ndrawn once at first apply; ignore_changes keeps the value. It lives only in state and in Key Vault.")
        .attr(
            "input",
            Expr::call(
                "sensitive",
                [Expr::template([
                    TemplatePart::interp("uuid()"),
                    TemplatePart::lit("-"),
                    TemplatePart::interp("upper(uuid())"),
                ])],
            ),
        )
        .blank()
        .block(Block::new("lifecycle").attr("ignore_changes", Expr::list([Expr::raw("input")])));
    let server = located("azurerm_postgresql_flexible_server", "this", var("name"));
    let server = skip(
        server,
        "CKV_AZURE_136",
        "backup redundancy is not declared in the spec; backups stay zone-local",
    );
    let server = skip(
        server,
        "CKV2_AZURE_57",
        "VNet-integrated in a delegated subnet: the server has no public endpoint to put a private endpoint in front of",
    );
    let server = tagged(
        server
            .attr("version", var("postgresql_version"))
            .attr("sku_name", var("sku_name"))
            .attr("storage_mb", Expr::raw("var.storage_gb * 1024"))
            .attr("backup_retention_days", var("backup_retention_days"))
            .attr("zone", var("zone"))
            .attr("delegated_subnet_id", var("delegated_subnet_id"))
            .attr("private_dns_zone_id", var("private_dns_zone_id"))
            .attr("public_network_access_enabled", false)
            .attr("administrator_login", var("administrator_login"))
            .attr(
                "administrator_password",
                Expr::raw("terraform_data.administrator_password.output"),
            ),
    )
    .blank()
    .block(
        Block::new("dynamic")
            .label("high_availability")
            .attr(
                "for_each",
                Expr::raw("var.high_availability == \"None\" ? [] : [var.high_availability]"),
            )
            .block(
                Block::new("content")
                    .attr("mode", Expr::raw("high_availability.value"))
                    .attr("standby_availability_zone", var("standby_zone")),
            ),
    )
    .blank()
    .block(
        Block::new("lifecycle")
            .comment("A failover swaps the primary and standby zones.")
            .attr(
                "ignore_changes",
                Expr::list([
                    Expr::raw("zone"),
                    Expr::raw("high_availability[0].standby_availability_zone"),
                ]),
            ),
    );
    let databases = Block::new("resource")
        .labels(["azurerm_postgresql_flexible_server_database", "this"])
        .attr("for_each", Expr::call("toset", [var("databases")]))
        .blank()
        .attr("name", Expr::raw("each.value"))
        .attr(
            "server_id",
            Expr::raw("azurerm_postgresql_flexible_server.this.id"),
        )
        .attr("charset", "UTF8")
        .attr("collation", "en_US.utf8");
    let secret =
        Block::new("resource").labels(["azurerm_key_vault_secret", "administrator_password"]);
    let secret = skip(
        secret,
        "CKV_AZURE_41",
        "a generated credential rotated by re-applying; an expiry date would silently lock the services out",
    );
    let secret = secret
        .attr("name", var("password_secret_name"))
        .attr(
            "value",
            Expr::raw("terraform_data.administrator_password.output"),
        )
        .attr("key_vault_id", var("key_vault_id"))
        .attr("content_type", "password");
    Body::new()
        .block(password)
        .blank()
        .block(server)
        .blank()
        .block(databases)
        .blank()
        .block(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::azure::context::fixture;

    #[test]
    fn standby_zone_follows_the_high_availability_mode() {
        let p = fixture();
        let az = Azure::new(&p);
        let d = p
            .data_service("main")
            .unwrap_or_else(|| panic!("fixture has `main`"));
        let pg = managed(d).unwrap_or_else(|| panic!("`main` is PostgreSQL"));
        let (_, vars) = instance(&az, d, pg);
        let value = |name: &str, env: usize| {
            vars.iter()
                .find(|v| v.variable.name == name)
                .map(|v| v.values.get(crate::model::EnvId(env)).to_string())
                .unwrap_or_default()
        };
        assert_eq!(value("postgresql_main_high_availability", 0), "\"None\"");
        assert_eq!(value("postgresql_main_standby_zone", 0), "null");
        assert_eq!(
            value("postgresql_main_high_availability", 1),
            "\"SameZone\""
        );
        assert_eq!(value("postgresql_main_zone", 1), "\"1\"");
        assert_eq!(value("postgresql_main_standby_zone", 1), "\"1\"");
    }
}
