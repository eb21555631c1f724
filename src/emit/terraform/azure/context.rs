//! What every Azure family needs while it builds its module and root wiring:
//! the platform, per-environment value helpers, the arguments every module
//! call shares, and the names of module calls other families refer to.

use crate::emit::terraform::hcl::{Block, Expr};
use crate::emit::terraform::module::{Module, ModuleCall};
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, map_of};
use crate::emit::terraform::versions::{AZURERM, Provider};
use crate::model::{CloudKind, DataKind, DataService, Environment, Hosting, PerEnv, Platform};
use crate::resolve::cloud::{self, Resource};

/// Providers every Azure module and root pins.
pub const PROVIDERS: &[Provider] = &[AZURERM];

/// What one family contributes: its module directory, the root's calls to
/// it (one per instance) and the root variables those calls read.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub module: Module,
    pub calls: Vec<ModuleCall>,
    pub tfvars: Vec<RootVar>,
}

/// The Azure view of a platform.
pub struct Azure<'a> {
    pub p: &'a Platform,
}

impl<'a> Azure<'a> {
    pub fn new(p: &'a Platform) -> Self {
        Azure { p }
    }

    /// One expression per environment, in environment order.
    pub fn per_env(&self, f: impl Fn(&Environment) -> Expr) -> PerEnv<Expr> {
        PerEnv::from_values(self.p.environments.iter().map(f).collect())
    }

    /// A root variable set per environment from a model value.
    pub fn tfvar<T>(
        &self,
        variable: Variable,
        values: &PerEnv<T>,
        f: impl Fn(&T) -> Expr,
    ) -> RootVar {
        RootVar::new(variable, values.map(f))
    }

    /// The environment's resource group (created by the bootstrap root).
    pub fn resource_group(&self, env: &Environment) -> String {
        azure_name(Resource::ResourceGroup, &self.p.name, "", &env.name)
    }

    /// Name of an add-on's user-assigned identity in one environment.
    pub fn addon_identity_name(&self, stem: &str, env: &Environment) -> String {
        azure_name(Resource::Identity, &self.p.name, stem, &env.name)
    }

    /// Managed data services (in-cluster ones get no cloud resources).
    pub fn managed_data(&self) -> impl Iterator<Item = &'a DataService> + 'a {
        self.p.data.iter().filter(|d| match &d.kind {
            DataKind::Postgres(pg) => pg.hosting == Hosting::Managed,
            DataKind::Redis(r) => r.hosting == Hosting::Managed,
            _ => true,
        })
    }

    /// The module call name of a data service: `<family>_<name>`.
    pub fn data_call(&self, d: &DataService) -> String {
        format!("{}_{}", family_of(&d.kind), ident(&d.name))
    }

    /// The vault module call, when the platform has a vault.
    pub fn vault_call(&self) -> Option<String> {
        self.p.vault().map(|v| self.data_call(v))
    }

    /// Whether the platform runs a monitoring workspace.
    pub fn has_monitoring(&self) -> bool {
        self.p.monitoring.is_some()
    }
}

/// Module directory of a data service kind.
pub fn family_of(kind: &DataKind) -> &'static str {
    match kind {
        DataKind::Postgres(_) => "postgresql",
        DataKind::Redis(_) => "redis",
        DataKind::ServiceBus(_) => "servicebus",
        DataKind::KeyVault(_) => "keyvault",
        DataKind::Storage(_) => "storage",
    }
}

/// A Terraform identifier from a spec name (`order-placed` → `order_placed`).
pub fn ident(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A name by the resolver's Azure naming rules (one source for every name).
pub fn azure_name(res: Resource, platform: &str, name: &str, env: &str) -> String {
    cloud::name(CloudKind::Azure, res, platform, name, env).unwrap_or_else(|e| e.name)
}

/// `var.<name>`.
pub fn var(name: &str) -> Expr {
    Expr::raw(format!("var.{name}"))
}

/// A reference such as `module.aks.id` or `azurerm_subnet.this["aks"].id`.
pub fn reference(text: impl Into<String>) -> Expr {
    Expr::raw(text)
}

/// The variables every Azure module takes: where its resources go and their tags.
pub fn common_variables() -> Vec<Variable> {
    vec![
        Variable::new(
            "resource_group_name",
            "string",
            "Resource group the module's resources are created in.",
        )
        .not_null(),
        Variable::new(
            "location",
            "string",
            "Azure region of the module's resources.",
        )
        .not_null(),
        Variable::new("tags", map_of("string"), "Tags applied to every resource.")
            .default(Expr::object::<&str>([])),
    ]
}

/// A module call with the shared arguments (resource group, region, tags).
pub fn call(name: impl Into<String>, module: &str) -> ModuleCall {
    ModuleCall::new(name, module)
        .arg(
            "resource_group_name",
            reference("data.azurerm_resource_group.main.name"),
        )
        .arg(
            "location",
            reference("data.azurerm_resource_group.main.location"),
        )
        .arg("tags", reference("local.tags"))
}

/// `resource "<kind>" "<name>"` with `name`, `location`, `resource_group_name`
/// set from the module's variables; `name` is the given expression.
pub fn located(kind: &str, label: &str, name: Expr) -> Block {
    Block::new("resource")
        .label(kind)
        .label(label)
        .attr("name", name)
        .attr("location", var("location"))
        .attr("resource_group_name", var("resource_group_name"))
}

/// `tags = var.tags`, appended after the resource's own arguments.
pub fn tagged(block: Block) -> Block {
    block.attr("tags", var("tags"))
}

/// An inline `#checkov:skip=<id>:<reason>` comment (checkov reads it inside
/// the resource block it belongs to).
pub fn skip(block: Block, id: &str, reason: &str) -> Block {
    block.comment(format!("checkov:skip={id}:{reason}"))
}

/// A spec exercising every Azure family and access kind, for unit tests.
#[cfg(test)]
pub fn fixture() -> Platform {
    match crate::compile_source("fixture.kdl", include_str!("fixture.kdl")) {
        Ok(p) => p,
        Err(d) => panic!("fixture does not compile:\n{}", d.render_human(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_replace_punctuation() {
        assert_eq!(ident("order-placed"), "order_placed");
        assert_eq!(ident("Main.DB"), "main_db");
    }
}
