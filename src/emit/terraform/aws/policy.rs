//! IAM policy documents as `data "aws_iam_policy_document"` blocks.
//!
//! Policies are built as HCL blocks (not `jsonencode` of hand-written JSON)
//! so Terraform validates every key and checkov reads each statement. The
//! builders here are the only place a statement, a principal or a condition
//! is spelled; the per-family files say what to allow, not how to write it.

use crate::emit::terraform::hcl::{Block, Expr};

/// One `statement { … }`.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub sid: String,
    pub deny: bool,
    pub actions: Vec<String>,
    /// Resource expressions (references or templates); strings are literals.
    pub resources: Vec<Expr>,
    pub principals: Option<(String, Vec<Expr>)>,
    pub conditions: Vec<Condition>,
}

/// `condition { test = …; variable = …; values = […] }`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub test: String,
    pub variable: Expr,
    pub values: Vec<Expr>,
}

impl Statement {
    pub fn allow(sid: &str, actions: &[&str]) -> Self {
        Statement {
            sid: sid.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            ..Statement::default()
        }
    }

    pub fn deny(sid: &str, actions: &[&str]) -> Self {
        Statement {
            deny: true,
            ..Statement::allow(sid, actions)
        }
    }

    pub fn resource(mut self, r: impl Into<Expr>) -> Self {
        self.resources.push(r.into());
        self
    }

    pub fn resources(mut self, rs: impl IntoIterator<Item = Expr>) -> Self {
        self.resources.extend(rs);
        self
    }

    pub fn principal(mut self, kind: &str, identifiers: impl IntoIterator<Item = Expr>) -> Self {
        self.principals = Some((kind.to_string(), identifiers.into_iter().collect()));
        self
    }

    pub fn condition(
        mut self,
        test: &str,
        variable: impl Into<Expr>,
        values: impl IntoIterator<Item = Expr>,
    ) -> Self {
        self.conditions.push(Condition {
            test: test.to_string(),
            variable: variable.into(),
            values: values.into_iter().collect(),
        });
        self
    }

    fn block(&self) -> Block {
        let mut b = Block::new("statement").attr("sid", self.sid.as_str());
        if self.deny {
            b = b.attr("effect", "Deny");
        }
        b = b.attr("actions", Expr::str_list(self.actions.iter().cloned()));
        if !self.resources.is_empty() {
            b = b.attr("resources", Expr::list(self.resources.iter().cloned()));
        }
        if let Some((kind, ids)) = &self.principals {
            b = b.block(
                Block::new("principals")
                    .attr("type", kind.as_str())
                    .attr("identifiers", Expr::list(ids.iter().cloned())),
            );
        }
        for c in &self.conditions {
            b = b.block(
                Block::new("condition")
                    .attr("test", c.test.as_str())
                    .attr("variable", c.variable.clone())
                    .attr("values", Expr::list(c.values.iter().cloned())),
            );
        }
        b
    }
}

/// `data "aws_iam_policy_document" "<name>" { statement … }`, with an
/// optional `for_each` (statements may then use `each.*`).
pub fn document(name: &str, for_each: Option<Expr>, statements: &[Statement]) -> Block {
    let mut b = Block::new("data")
        .label("aws_iam_policy_document")
        .label(name);
    if let Some(fe) = for_each {
        b = b.attr("for_each", fe).blank();
    }
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            b = b.blank();
        }
        b = b.block(s.block());
    }
    b
}

/// The trust statement of an IRSA role: the cluster's OIDC provider may
/// issue web identities for exactly one Kubernetes service account.
/// `provider_arn` and `issuer` are expressions (the issuer without `https://`);
/// `subject` is the `system:serviceaccount:NS:SA` expression.
pub fn irsa_trust(provider_arn: &str, issuer: &str, subject: Expr) -> Statement {
    Statement::allow(
        "AssumeFromServiceAccount",
        &["sts:AssumeRoleWithWebIdentity"],
    )
    .principal("Federated", [Expr::raw(provider_arn)])
    .condition(
        "StringEquals",
        Expr::template([
            crate::emit::terraform::hcl::TemplatePart::interp(issuer),
            crate::emit::terraform::hcl::TemplatePart::lit(":sub"),
        ]),
        [subject],
    )
    .condition(
        "StringEquals",
        Expr::template([
            crate::emit::terraform::hcl::TemplatePart::interp(issuer),
            crate::emit::terraform::hcl::TemplatePart::lit(":aud"),
        ]),
        [Expr::str("sts.amazonaws.com")],
    )
}

/// A service principal trust (`eks.amazonaws.com` …).
pub fn service_trust(service: &str) -> Statement {
    Statement::allow("AssumeFromService", &["sts:AssumeRole"])
        .principal("Service", [Expr::str(service)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::hcl::{Body, print};

    #[test]
    fn prints_a_document_with_principals_and_conditions() {
        let doc = document(
            "trust",
            None,
            &[irsa_trust(
                "var.oidc_provider_arn",
                "var.oidc_issuer",
                Expr::str("system:serviceaccount:a:b"),
            )],
        );
        let text = print(&Body::new().block(doc));
        assert!(text.contains("data \"aws_iam_policy_document\" \"trust\" {"));
        assert!(text.contains("variable = \"${var.oidc_issuer}:sub\""));
        assert!(text.contains("actions = [\"sts:AssumeRoleWithWebIdentity\"]"));
    }
}
