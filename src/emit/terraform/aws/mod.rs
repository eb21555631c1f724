//! The AWS target of the Terraform emitter.
//!
//! Same shape as the Azure target: one module per resource family under
//! `terraform/modules/<family>/` (kms, vpc, eks, iam, ecr, secrets), one root
//! per environment under `terraform/environments/<env>/` wiring them together
//! with the environment's sizing in `terraform.tfvars`, and a one-time
//! `terraform/bootstrap/` root (S3 state bucket, DynamoDB lock table, GitHub
//! OIDC provider, one CI role per environment).
//!
//! Modules are generic (every value is a typed, described variable); the
//! roots carry the values, all read from the model. Only the `aws` provider
//! is used, so every root validates offline against the provider mirror.

mod bootstrap;
mod ecr;
mod eks;
mod iam;
mod kms;
mod networking;
mod policy;
mod root;
mod secrets;

use crate::emit::File;
use crate::emit::terraform::hcl::{Block, Body, Expr};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::variable::Variable;
use crate::emit::terraform::versions::AWS;
use crate::model::{EnvId, Platform};

/// Terraform ≥ 1.11: write-only attributes keep generated passwords out of
/// plans and state (added to the shared version pin where they are used).
pub const WRITE_ONLY_TERRAFORM: &str = ">= 1.11";

/// Every file of the AWS Terraform tree.
pub fn emit(platform: &Platform) -> Vec<File> {
    let mut files = Vec::new();
    for module in [
        kms::module(),
        networking::module(),
        eks::module(platform),
        iam::module(platform),
        ecr::module(),
        secrets::module(),
    ] {
        files.extend(module.files(platform));
    }
    files.extend(root::files(platform));
    files.extend(bootstrap::files(platform));
    files
}

/// A module of the AWS provider.
pub(crate) fn aws_module(
    name: &str,
    main: Body,
    variables: Vec<Variable>,
    outputs: Vec<Output>,
) -> Module {
    let mut m = Module::new(name, &[AWS]);
    m.main = main;
    m.variables = variables;
    m.outputs = outputs;
    m
}

/// Blocks separated by blank lines.
pub(crate) fn spaced(blocks: impl IntoIterator<Item = Block>) -> Body {
    crate::emit::terraform::module::separated(blocks)
}

/// `<platform>-<env>`: the stem of every environment-scoped AWS name that no
/// other layer reads (VPC, KMS alias, log groups).
pub(crate) fn env_stem(platform: &Platform, env: EnvId) -> String {
    match platform.environments.get(env.0) {
        Some(e) => format!("{}-{}", platform.name, e.name),
        None => platform.name.clone(),
    }
}

/// An inline checkov skip, written inside the resource it applies to.
pub(crate) fn checkov_skip(check: &str, reason: &str) -> String {
    format!("checkov:skip={check}:{reason}")
}

/// A `map(...)` literal from key/value pairs, keys quoted when needed.
pub(crate) fn map_of(entries: impl IntoIterator<Item = (String, Expr)>) -> Expr {
    Expr::object(entries)
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests;
