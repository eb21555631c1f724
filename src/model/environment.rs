//! Environments: one platform, resized.

use ipnet::Ipv4Net;
use serde::Serialize;

use super::EnvId;

/// A deployment environment (dev, staging, production …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environment {
    pub id: EnvId,
    pub name: String,
    /// The environment's whole address space (VNet / VPC CIDR).
    pub network: Ipv4Net,
    /// Git branch that deploys to this environment.
    pub branch: String,
    /// Deployments need a reviewer's approval (GitHub Environment protection).
    pub approval: bool,
    /// Availability zones; empty means a single-zone environment.
    pub zones: Vec<String>,
}

impl Environment {
    pub fn has_zones(&self) -> bool {
        !self.zones.is_empty()
    }
}
