//! Child modules: one directory per resource family.
//!
//! A [`Module`] holds what a family's directory contains; it turns into the
//! four files every module has (`main.tf`, `variables.tf`, `outputs.tf`,
//! `versions.tf`). Module code never holds an environment's value: roots pass
//! those in, so one module serves every environment.

use super::hcl::{Block, Body, Expr, print};
use super::output::Output;
use super::variable::Variable;
use super::versions::{Provider, versions_body};
use crate::emit::File;
use crate::model::Platform;

/// Where modules live, relative to the output root.
pub const MODULES_DIR: &str = "terraform/modules";

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// Directory name under `terraform/modules/` (the family: `aks`, `networking` …).
    pub name: String,
    pub main: Body,
    pub variables: Vec<Variable>,
    pub outputs: Vec<Output>,
    pub providers: Vec<Provider>,
}

impl Module {
    pub fn new(name: impl Into<String>, providers: &[Provider]) -> Self {
        Module {
            name: name.into(),
            main: Body::new(),
            variables: Vec::new(),
            outputs: Vec::new(),
            providers: providers.to_vec(),
        }
    }

    /// The module's four files.
    pub fn files(&self, platform: &Platform) -> Vec<File> {
        let dir = format!("{MODULES_DIR}/{}", self.name);
        vec![
            File::new(platform, format!("{dir}/main.tf"), print(&self.main)),
            File::new(
                platform,
                format!("{dir}/variables.tf"),
                print(&variables_body(&self.variables)),
            ),
            File::new(
                platform,
                format!("{dir}/outputs.tf"),
                print(&outputs_body(&self.outputs)),
            ),
            File::new(
                platform,
                format!("{dir}/versions.tf"),
                print(&versions_body(&self.providers)),
            ),
        ]
    }

    /// The variable named `name`, if the module declares it.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// Problems with a call passing `args` to this module: unknown arguments
    /// and required variables left out. Empty when the call is complete.
    pub fn call_problems(&self, args: &[(String, Expr)]) -> Vec<String> {
        let mut problems: Vec<String> = args
            .iter()
            .filter(|(name, _)| self.variable(name).is_none())
            .map(|(name, _)| format!("module {}: no variable {name}", self.name))
            .collect();
        problems.extend(
            self.variables
                .iter()
                .filter(|v| v.default.is_none() && !args.iter().any(|(n, _)| n == &v.name))
                .map(|v| {
                    format!(
                        "module {}: required variable {} not passed",
                        self.name, v.name
                    )
                }),
        );
        problems
    }
}

/// A `module "<name>" { source = …; <args> }` call from a root at
/// `terraform/<kind>/<name>/` (two levels below `terraform/`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleCall {
    /// The call's name (`module.<name>` in references).
    pub name: String,
    /// The module directory it instantiates.
    pub module: String,
    pub args: Vec<(String, Expr)>,
    /// Extra items after the arguments (`depends_on`, comments).
    pub trailer: Body,
}

impl ModuleCall {
    pub fn new(name: impl Into<String>, module: impl Into<String>) -> Self {
        ModuleCall {
            name: name.into(),
            module: module.into(),
            args: Vec::new(),
            trailer: Body::new(),
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.args.push((name.into(), value.into()));
        self
    }

    pub fn to_block(&self) -> Block {
        let mut block = Block::new("module")
            .label(&self.name)
            .attr("source", format!("../../modules/{}", self.module))
            .blank();
        for (name, value) in &self.args {
            block = block.attr(name, value.clone());
        }
        if !self.trailer.is_empty() {
            block = block.blank().with_body(self.trailer.clone());
        }
        block
    }
}

/// `variables.tf`: one block per variable, blank-line separated.
pub fn variables_body(variables: &[Variable]) -> Body {
    separated(variables.iter().map(Variable::to_block))
}

/// `outputs.tf`: one block per output, blank-line separated.
pub fn outputs_body(outputs: &[Output]) -> Body {
    separated(outputs.iter().map(Output::to_block))
}

/// Blocks with a blank line between each.
pub fn separated(blocks: impl IntoIterator<Item = Block>) -> Body {
    let mut body = Body::new();
    for block in blocks {
        body = body.blank().block(block);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_problems_names_unknown_and_missing_arguments() {
        let mut module = Module::new("aks", &[]);
        module
            .variables
            .push(Variable::new("name", "string", "Name."));
        module
            .variables
            .push(Variable::new("tags", "map(string)", "Tags.").default(Expr::object::<&str>([])));
        let call = ModuleCall::new("aks", "aks").arg("nme", "x");
        let problems = module.call_problems(&call.args);
        assert_eq!(
            problems,
            vec![
                "module aks: no variable nme",
                "module aks: required variable name not passed"
            ]
        );
    }

    #[test]
    fn call_block_points_two_levels_up() {
        let call = ModuleCall::new("storage_assets", "storage")
            .arg("name", Expr::raw("var.storage_assets_name"));
        let text = print(&Body::new().block(call.to_block()));
        assert_eq!(
            text,
            "module \"storage_assets\" {\n  source = \"../../modules/storage\"\n\n  name = var.storage_assets_name\n}\n"
        );
    }
}
