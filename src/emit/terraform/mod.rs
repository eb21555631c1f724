//! The Terraform emitter: modules per resource family, one root per
//! environment, and a bootstrap root for the state store and CI identity.
//!
//! Cloud-neutral plumbing lives here (variables, outputs, provider pins,
//! module calls, per-environment tfvars); each cloud target builds its
//! families on top of it. All HCL goes through [`hcl`], so the output is
//! exactly what `terraform fmt` writes.

pub mod aws;
pub mod azure;
pub mod hcl;
pub mod module;
pub mod output;
pub mod root;
pub mod variable;
pub mod versions;

use super::File;
use crate::model::{CloudKind, Platform};

pub fn emit(platform: &Platform) -> Vec<File> {
    match platform.cloud.kind {
        CloudKind::Azure => azure::emit(platform),
        CloudKind::Aws => aws::emit(platform),
    }
}
