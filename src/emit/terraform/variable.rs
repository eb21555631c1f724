//! Input variables: typed, described, validated where a check is cheap.
//!
//! Every module and root declares its inputs through [`Variable`] so no
//! variable can be emitted without a type and a description, whatever the
//! cloud.

use super::hcl::{Block, Expr};

/// One `variable "name" { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    /// Type expression, e.g. `string`, `map(string)`, `object({ … })`.
    pub ty: Expr,
    pub description: String,
    pub default: Option<Expr>,
    /// `nullable = false` for inputs whose absence would be a bug.
    pub nullable: Option<bool>,
    pub sensitive: bool,
    pub validations: Vec<Validation>,
}

/// A `validation { condition, error_message }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: String,
}

impl Variable {
    /// A required variable of type `ty` (a type expression such as `string`).
    pub fn new(
        name: impl Into<String>,
        ty: impl Into<TypeExpr>,
        description: impl Into<String>,
    ) -> Self {
        Variable {
            name: name.into(),
            ty: ty.into().0,
            description: description.into(),
            default: None,
            nullable: None,
            sensitive: false,
            validations: Vec::new(),
        }
    }

    /// Gives the variable a default, making it optional.
    pub fn default(mut self, value: impl Into<Expr>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Rejects `null` (the variable must be given a value).
    pub fn not_null(mut self) -> Self {
        self.nullable = Some(false);
        self
    }

    /// Marks the value sensitive (redacted in plans).
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Adds a validation; `condition` is a boolean expression over `var.<name>`.
    pub fn validation(mut self, condition: Expr, error_message: impl Into<String>) -> Self {
        self.validations.push(Validation {
            condition,
            error_message: error_message.into(),
        });
        self
    }

    /// The `variable` block.
    pub fn to_block(&self) -> Block {
        let mut block = Block::new("variable")
            .label(&self.name)
            .attr("description", self.description.as_str())
            .attr("type", self.ty.clone());
        if let Some(default) = &self.default {
            block = block.attr("default", default.clone());
        }
        if let Some(nullable) = self.nullable {
            block = block.attr("nullable", nullable);
        }
        if self.sensitive {
            block = block.attr("sensitive", true);
        }
        for v in &self.validations {
            block = block.blank().block(
                Block::new("validation")
                    .attr("condition", v.condition.clone())
                    .attr("error_message", v.error_message.as_str()),
            );
        }
        block
    }
}

/// A Terraform type expression. Plain strings are type keywords
/// (`string`, `number`, `list(string)`), never string literals.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr(pub Expr);

impl From<&str> for TypeExpr {
    fn from(s: &str) -> Self {
        TypeExpr(Expr::raw(s))
    }
}

impl From<Expr> for TypeExpr {
    fn from(e: Expr) -> Self {
        TypeExpr(e)
    }
}

/// `object({ field = type, … })`; fields are `(name, type keyword or expression)`.
pub fn object_type<'a>(fields: impl IntoIterator<Item = (&'a str, TypeExpr)>) -> TypeExpr {
    TypeExpr(Expr::call(
        "object",
        [Expr::object(fields.into_iter().map(|(k, t)| (k, t.0)))],
    ))
}

/// `map(<inner>)`.
pub fn map_of(inner: impl Into<TypeExpr>) -> TypeExpr {
    TypeExpr(Expr::call("map", [inner.into().0]))
}

/// `list(<inner>)`.
pub fn list_of(inner: impl Into<TypeExpr>) -> TypeExpr {
    TypeExpr(Expr::call("list", [inner.into().0]))
}

/// `optional(<inner>)`, for object fields.
pub fn optional(inner: impl Into<TypeExpr>) -> TypeExpr {
    TypeExpr(Expr::call("optional", [inner.into().0]))
}

/// `optional(<inner>, <default>)`, for object fields with a default.
pub fn optional_or(inner: impl Into<TypeExpr>, default: Expr) -> TypeExpr {
    TypeExpr(Expr::call("optional", [inner.into().0, default]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::hcl::{Body, print};

    #[test]
    fn variable_block_has_type_description_and_validation() {
        let v = Variable::new("node_count", "number", "Nodes at start.")
            .validation(Expr::raw("var.node_count >= 1"), "At least one node.");
        let text = print(&Body::new().block(v.to_block()));
        assert_eq!(
            text,
            "variable \"node_count\" {\n  description = \"Nodes at start.\"\n  type        = number\n\n  validation {\n    condition     = var.node_count >= 1\n    error_message = \"At least one node.\"\n  }\n}\n"
        );
    }

    #[test]
    fn object_types_print_one_field_per_line() {
        let ty = map_of(object_type([
            ("vm_size", "string".into()),
            ("count", "number".into()),
        ]));
        let v = Variable::new("pools", ty, "Pools.").default(Expr::object::<&str>([]));
        let text = print(&Body::new().block(v.to_block()));
        assert!(
            text.contains("type = map(object({\n    vm_size = string\n    count   = number\n  }))"),
            "{text}"
        );
    }
}
