//! Steps several workflows share: checkout, Terraform setup and init.
//!
//! Terraform steps read the root directory from the job's `TF_ROOT`
//! environment variable, so the same fixed script serves a literal
//! environment, a matrix entry and a dispatch input alike.

use serde_json::{Value, json};

use super::actions::{CHECKOUT, SETUP_TERRAFORM};

/// Terraform CLI release the workflows install (the version the generated
/// roots are validated with).
pub const TERRAFORM_VERSION: &str = "1.11.4";

/// Checkout without leaving the job token in `.git/config`: no later step
/// pushes, so none needs it.
pub fn checkout() -> Value {
    json!({
        "name": "Check out",
        "uses": CHECKOUT.uses(),
        "with": {"persist-credentials": false},
    })
}

/// Installs Terraform without the output wrapper (the wrapper would mix its
/// own lines into `terraform output -json`).
pub fn setup_terraform() -> Value {
    json!({
        "name": "Set up Terraform",
        "uses": SETUP_TERRAFORM.uses(),
        "with": {
            "terraform_version": TERRAFORM_VERSION,
            "terraform_wrapper": false,
        },
    })
}

/// `terraform init` of the root in `$TF_ROOT` (backend and providers).
pub fn terraform_init() -> Value {
    json!({
        "name": "Terraform init",
        "run": "terraform -chdir=\"$TF_ROOT\" init -input=false\n",
    })
}
