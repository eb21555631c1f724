//! The `acr` family: the container registry CI pushes to and the cluster's
//! kubelet identity pulls from (AcrPull, granted in the aks module). The
//! admin user and anonymous pull stay off; the SKU is per environment.

use super::context::{Azure, Part, call, common_variables, located, skip, tagged, var};
use crate::emit::terraform::hcl::{Body, Expr};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::Variable;

/// Name of the registry's module call.
pub const CALL: &str = "acr";

pub fn part(az: &Azure) -> Part {
    let registry = &az.p.delivery.registry;
    let tfvars = vec![
        RootVar::new(
            Variable::new(
                "acr_name",
                "string",
                "Name of the container registry (globally unique, 5-50 letters and digits).",
            )
            .validation(
                Expr::raw("can(regex(\"^[a-zA-Z0-9]{5,50}$\", var.acr_name))"),
                "Registry names have 5 to 50 letters and digits.",
            ),
            registry.cloud_name.map(|s| Expr::str(s)),
        ),
        RootVar::new(
            Variable::new(
                "acr_sku",
                "string",
                "SKU of the container registry: Basic, Standard or Premium.",
            )
            .validation(
                Expr::raw("contains([\"Basic\", \"Standard\", \"Premium\"], var.acr_sku)"),
                "The SKU must be Basic, Standard or Premium.",
            ),
            registry.sku.map(|s| Expr::str(s)),
        ),
    ];
    let c = call(CALL, "acr")
        .arg("name", var("acr_name"))
        .arg("sku", var("acr_sku"));
    Part {
        module: module(),
        calls: vec![c],
        tfvars,
    }
}

fn module() -> Module {
    let mut m = Module::new("acr", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the registry (globally unique).").not_null(),
        Variable::new("sku", "string", "Basic, Standard or Premium.").not_null(),
    ]);
    let premium =
        "features that exist only on Premium, which the spec does not give every environment";
    let mut registry = located("azurerm_container_registry", "this", var("name"));
    registry = skip(
        registry,
        "CKV_AZURE_139",
        "GitHub-hosted runners push over the public endpoint (network rules need Premium); Entra ID auth only",
    );
    for id in [
        "CKV_AZURE_164",
        "CKV_AZURE_165",
        "CKV_AZURE_166",
        "CKV_AZURE_167",
        "CKV_AZURE_233",
        "CKV_AZURE_237",
    ] {
        registry = skip(registry, id, premium);
    }
    registry = skip(
        registry,
        "CKV_AZURE_163",
        "image scanning runs in CI (Trivy) before push",
    );
    registry = tagged(
        registry
            .attr("sku", var("sku"))
            .attr("admin_enabled", false)
            .attr("anonymous_pull_enabled", false),
    );
    m.main = Body::new().block(registry);
    m.outputs = vec![
        Output::new(
            "id",
            Expr::raw("azurerm_container_registry.this.id"),
            "ID of the registry.",
        ),
        Output::new(
            "name",
            Expr::raw("azurerm_container_registry.this.name"),
            "Name of the registry.",
        ),
        Output::new(
            "login_server",
            Expr::raw("azurerm_container_registry.this.login_server"),
            "Login server images are pushed to and pulled from.",
        ),
    ];
    m
}
