//! `versions.tf`: the Terraform and provider pins every module and root carries.
//!
//! The pins are the ones the conformance environment can `terraform init`
//! offline (Terraform 1.11, azurerm 4.79, aws 5.100), so a generated tree
//! never asks for a provider nobody can install.

use super::hcl::{Block, Body, Expr};

/// Terraform versions every generated configuration accepts.
pub const REQUIRED_VERSION: &str = ">= 1.9, < 2.0";

/// A provider a configuration needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// Local name, e.g. `azurerm`.
    pub name: &'static str,
    /// Registry source, e.g. `hashicorp/azurerm`.
    pub source: &'static str,
    /// Version constraint.
    pub version: &'static str,
}

pub const AZURERM: Provider = Provider {
    name: "azurerm",
    source: "hashicorp/azurerm",
    version: "~> 4.79",
};

pub const AWS: Provider = Provider {
    name: "aws",
    source: "hashicorp/aws",
    version: "~> 5.100",
};

/// The `terraform { required_version … required_providers { … } }` block,
/// plus any extra items (a root adds its `backend` elsewhere).
pub fn terraform_block(providers: &[Provider]) -> Block {
    let required = providers
        .iter()
        .fold(Block::new("required_providers"), |b, p| {
            b.attr(
                p.name,
                Expr::object([
                    ("source", Expr::str(p.source)),
                    ("version", Expr::str(p.version)),
                ]),
            )
        });
    Block::new("terraform")
        .attr("required_version", REQUIRED_VERSION)
        .blank()
        .block(required)
}

/// The body of a `versions.tf` file.
pub fn versions_body(providers: &[Provider]) -> Body {
    Body::new().block(terraform_block(providers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::hcl::print;

    #[test]
    fn pins_terraform_and_providers() {
        let text = print(&versions_body(&[AZURERM]));
        assert_eq!(
            text,
            "terraform {\n  required_version = \">= 1.9, < 2.0\"\n\n  required_providers {\n    azurerm = {\n      source  = \"hashicorp/azurerm\"\n      version = \"~> 4.79\"\n    }\n  }\n}\n"
        );
    }
}
