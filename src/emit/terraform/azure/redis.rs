//! The `redis` family: Azure Cache for Redis, TLS 1.2 only on port 6380,
//! reachable through a private endpoint in the spec's subnet, its access key
//! stored in Key Vault for the services that use it.
//!
//! The model writes the SKU as `Family/Capacity` (`Basic/C0`, `Premium/P1`);
//! [`Redis::sku_name`] and [`Redis::family_capacity`] split it, and each part
//! becomes its own per-environment variable.

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use super::private_endpoint;
use crate::emit::terraform::hcl::{Block, Body, Expr};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::Variable;
use crate::model::{DataService, Redis};

pub fn part(az: &Azure, instances: &[(&DataService, &Redis)]) -> Part {
    let mut part = Part {
        module: module(),
        calls: Vec::new(),
        tfvars: Vec::new(),
    };
    for (d, r) in instances {
        let (c, vars) = instance(az, d, r);
        part.calls.push(c);
        part.tfvars.extend(vars);
    }
    part
}

fn instance(az: &Azure, d: &DataService, r: &Redis) -> (ModuleCall, Vec<RootVar>) {
    let name = az.data_call(d);
    let v = |field: &str| format!("{name}_{field}");
    let tfvars = vec![
        RootVar::new(
            Variable::new(
                v("name"),
                "string",
                format!("Name of the Azure Cache for Redis `{}`.", d.name),
            ),
            d.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(
                v("sku_name"),
                "string",
                format!(
                    "SKU of Redis cache `{}`: Basic, Standard or Premium.",
                    d.name
                ),
            )
            .validation(
                Expr::raw(format!(
                    "contains([\"Basic\", \"Standard\", \"Premium\"], var.{})",
                    v("sku_name")
                )),
                "The SKU must be Basic, Standard or Premium.",
            ),
            r.sku.map(|s| Expr::str(Redis::sku_name(s))),
        ),
        RootVar::new(
            Variable::new(
                v("family"),
                "string",
                format!(
                    "SKU family of Redis cache `{}`: C (Basic/Standard) or P (Premium).",
                    d.name
                ),
            )
            .validation(
                Expr::raw(format!("contains([\"C\", \"P\"], var.{})", v("family"))),
                "The family must be C or P.",
            ),
            r.sku.map(|s| Expr::str(Redis::family_capacity(s).0)),
        ),
        RootVar::new(
            Variable::new(
                v("capacity"),
                "number",
                format!(
                    "Size of Redis cache `{}` within its family (C0-C6, P1-P5).",
                    d.name
                ),
            )
            .validation(
                Expr::raw(format!("var.{0} >= 0 && var.{0} <= 6", v("capacity"))),
                "The capacity must be between 0 and 6.",
            ),
            r.sku.map(|s| Expr::from(Redis::family_capacity(s).1)),
        ),
    ];
    let mut c = call(name.clone(), "redis")
        .arg("name", var(&v("name")))
        .arg("sku_name", var(&v("sku_name")))
        .arg("family", var(&v("family")))
        .arg("capacity", var(&v("capacity")));
    c = private_endpoint::wire(az, d, c);
    if let Some(vault) = az.vault_call() {
        c = c
            .arg("key_vault_id", Expr::raw(format!("module.{vault}.id")))
            .arg("access_key_secret_name", r.access_key_secret.as_str());
    }
    (c, tfvars)
}

fn module() -> Module {
    let mut m = Module::new("redis", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the cache (globally unique).").not_null(),
        Variable::new("sku_name", "string", "Basic, Standard or Premium.").not_null(),
        Variable::new("family", "string", "C (Basic/Standard) or P (Premium).").not_null(),
        Variable::new("capacity", "number", "Size within the family.").not_null(),
        Variable::new(
            "key_vault_id",
            "string",
            "Key Vault that receives the access key.",
        )
        .not_null(),
        Variable::new(
            "access_key_secret_name",
            "string",
            "Key Vault secret name of the access key.",
        )
        .not_null(),
    ]);
    m.variables.extend(private_endpoint::variables());
    let cache = located("azurerm_redis_cache", "this", var("name"));
    let cache = skip(
        cache,
        "CKV_AZURE_230",
        "replication follows the SKU each environment's tfvars set (Basic has none)",
    );
    let cache = tagged(
        cache
            .attr("sku_name", var("sku_name"))
            .attr("family", var("family"))
            .attr("capacity", var("capacity"))
            .attr("redis_version", "6")
            .attr("minimum_tls_version", "1.2")
            .attr("non_ssl_port_enabled", false)
            .attr("public_network_access_enabled", false),
    );
    let secret = skip(
        Block::new("resource").labels(["azurerm_key_vault_secret", "access_key"]),
        "CKV_AZURE_41",
        "the access key is Azure's; it rotates with the cache, an expiry date would only lock the services out",
    )
    .attr("name", var("access_key_secret_name"))
    .attr("value", Expr::raw("azurerm_redis_cache.this.primary_access_key"))
    .attr("key_vault_id", var("key_vault_id"))
    .attr("content_type", "access-key");
    m.main = Body::new()
        .block(cache)
        .blank()
        .block(private_endpoint::resource("azurerm_redis_cache.this"))
        .blank()
        .block(secret);
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_redis_cache.this.id"),
            "ID of the cache.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_redis_cache.this.name"),
            "Name of the cache.",
        ),
        Output::new(
            "hostname",
            Expr::raw("azurerm_redis_cache.this.hostname"),
            "Host name clients connect to (TLS port 6380; private address inside the VNet).",
        ),
        Output::new(
            "ssl_port",
            Expr::raw("azurerm_redis_cache.this.ssl_port"),
            "TLS port.",
        ),
    ];
    m
}
