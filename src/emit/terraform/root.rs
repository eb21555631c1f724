//! Environment roots: the per-environment wiring every cloud shares.
//!
//! A root is identical in every environment except for two files: its
//! `terraform.tfvars` (the environment's sizes, counts, SKUs, names and
//! CIDRs) and its `backend.tf` (its state key). That is how "changing one
//! environment's value changes only that environment's files" holds by
//! construction: every per-environment value of the model becomes a
//! [`RootVar`], declared once and given a value per environment.

use super::hcl::{Block, Body, Expr, print};
use super::module::{ModuleCall, outputs_body, variables_body};
use super::output::Output;
use super::variable::Variable;
use super::versions::{Provider, versions_body};
use crate::emit::File;
use crate::model::{EnvId, Environment, PerEnv, Platform};

/// Where environment roots live, relative to the output root.
pub const ENVIRONMENTS_DIR: &str = "terraform/environments";

/// A root variable whose value differs per environment (set in tfvars).
#[derive(Debug, Clone, PartialEq)]
pub struct RootVar {
    pub variable: Variable,
    pub values: PerEnv<Expr>,
}

impl RootVar {
    pub fn new(variable: Variable, values: PerEnv<Expr>) -> Self {
        RootVar { variable, values }
    }

    /// `var.<name>`.
    pub fn reference(&self) -> Expr {
        Expr::raw(format!("var.{}", self.variable.name))
    }
}

/// Everything an environment root holds, for every environment at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    /// Items before the module calls (data sources, locals, resources).
    pub preamble: Body,
    pub calls: Vec<ModuleCall>,
    /// Variables set per environment in `terraform.tfvars`.
    pub tfvars: Vec<RootVar>,
    /// Variables with a default that environments do not set (operator inputs).
    pub inputs: Vec<Variable>,
    pub outputs: Vec<Output>,
    pub providers: Vec<Provider>,
    /// `providers.tf` body (provider configuration blocks).
    pub provider_config: Body,
    /// The `backend` block of each environment.
    pub backend: PerEnv<Block>,
}

impl Root {
    /// The seven files of one environment's root.
    pub fn files(&self, platform: &Platform, env: &Environment) -> Vec<File> {
        let dir = format!("{ENVIRONMENTS_DIR}/{}", env.name);
        let main = {
            let mut body = self.preamble.clone();
            for call in &self.calls {
                body = body.blank().block(call.to_block());
            }
            body
        };
        let variables: Vec<Variable> = self
            .tfvars
            .iter()
            .map(|v| v.variable.clone())
            .chain(self.inputs.iter().cloned())
            .collect();
        let backend =
            Body::new().block(Block::new("terraform").block(self.backend.get(env.id).clone()));
        vec![
            File::new(platform, format!("{dir}/main.tf"), print(&main)),
            File::new(platform, format!("{dir}/backend.tf"), print(&backend)),
            File::new(
                platform,
                format!("{dir}/providers.tf"),
                print(&self.provider_config),
            ),
            File::new(
                platform,
                format!("{dir}/versions.tf"),
                print(&versions_body(&self.providers)),
            ),
            File::new(
                platform,
                format!("{dir}/variables.tf"),
                print(&variables_body(&variables)),
            ),
            File::new(
                platform,
                format!("{dir}/outputs.tf"),
                print(&outputs_body(&self.outputs)),
            ),
            File::new(
                platform,
                format!("{dir}/terraform.tfvars"),
                print(&tfvars_body(&self.tfvars, env.id)),
            ),
        ]
    }
}

/// `terraform.tfvars` of one environment: `name = value` per root variable.
/// Multi-line values are set apart by blank lines so the short ones align.
pub fn tfvars_body(vars: &[RootVar], env: EnvId) -> Body {
    let mut body = Body::new();
    for var in vars {
        let value = var.values.get(env).clone();
        let multiline = value.to_string().contains('\n');
        if multiline {
            body = body.blank();
        }
        body = body.attr(&var.variable.name, value);
        if multiline {
            body = body.blank();
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfvars_align_scalars_and_separate_objects() {
        let vars = vec![
            RootVar::new(
                Variable::new("environment", "string", "Env."),
                PerEnv::from_values(vec![Expr::str("dev")]),
            ),
            RootVar::new(
                Variable::new("node_count", "number", "Nodes."),
                PerEnv::from_values(vec![Expr::uint(1)]),
            ),
            RootVar::new(
                Variable::new("subnets", "map(string)", "Subnets."),
                PerEnv::from_values(vec![Expr::object([("aks", Expr::str("10.0.1.0/24"))])]),
            ),
        ];
        let text = print(&tfvars_body(&vars, EnvId(0)));
        assert_eq!(
            text,
            "environment = \"dev\"\nnode_count  = 1\n\nsubnets = {\n  aks = \"10.0.1.0/24\"\n}\n"
        );
    }
}
