//! Outputs: described, and marked sensitive when they carry a secret.

use super::hcl::{Block, Expr};

/// One `output "name" { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: String,
    pub sensitive: bool,
    /// Resources the value must wait for (`depends_on`).
    pub depends_on: Vec<String>,
}

impl Output {
    pub fn new(name: impl Into<String>, value: Expr, description: impl Into<String>) -> Self {
        Output {
            name: name.into(),
            value,
            description: description.into(),
            sensitive: false,
            depends_on: Vec::new(),
        }
    }

    /// Makes the output wait for `resources` (e.g. a DNS zone's VNet link).
    pub fn depends_on<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.depends_on
            .extend(resources.into_iter().map(Into::into));
        self
    }

    /// Redacts the value in plans and `terraform output`.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn to_block(&self) -> Block {
        let mut block = Block::new("output")
            .label(&self.name)
            .attr("description", self.description.as_str())
            .attr("value", self.value.clone());
        if self.sensitive {
            block = block.attr("sensitive", true);
        }
        if !self.depends_on.is_empty() {
            block = block.attr(
                "depends_on",
                Expr::list(self.depends_on.iter().map(Expr::raw)),
            );
        }
        block
    }
}
