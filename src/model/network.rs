//! Subnets, with every environment's CIDR computed once.

use ipnet::Ipv4Net;
use serde::Serialize;

use super::PerEnv;

/// A subnet that exists in every environment's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subnet {
    pub name: String,
    /// The spec's index (the `n` of the n-th block of `prefix` inside the network).
    pub index: u32,
    pub prefix: u8,
    /// The subnet's CIDR in each environment.
    pub cidr: PerEnv<Ipv4Net>,
    /// Service delegation (a PostgreSQL flexible server needs its own subnet).
    pub delegation: Option<Delegation>,
    /// The subnet hosts private endpoints.
    pub private_endpoints: bool,
    /// Public subnets route to the internet directly (AWS: load balancers, NAT).
    pub public: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delegation {
    Postgresql,
}
