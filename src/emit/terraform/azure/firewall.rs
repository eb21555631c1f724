//! Firewalls of data services that keep their public endpoint (the spec
//! gives them no private endpoint): default Deny, trusted Azure services
//! bypass, and the cluster subnet admitted through its service endpoint.
//!
//! No public address is admitted by Terraform. Storage never needs one:
//! Terraform manages it through Azure Resource Manager only. A vault that
//! receives generated credentials does: its secrets are data-plane objects,
//! so the infrastructure workflow admits its runner's address for the
//! duration of a run and Terraform ignores that transient rule (see the
//! keyvault module).

use super::context::Azure;
use super::networking;
use super::placement::{Placement, placement};
use crate::emit::terraform::hcl::Expr;
use crate::emit::terraform::module::ModuleCall;
use crate::emit::terraform::variable::{Variable, list_of};
use crate::model::DataService;

/// The firewall arguments of one instance's module call (none when the
/// instance sits behind a private endpoint or in a subnet).
pub fn args(az: &Azure, d: &DataService, c: ModuleCall) -> ModuleCall {
    if placement(d) != Placement::Public {
        return c;
    }
    let cluster = &az.p.cluster.subnet;
    let subnets = if networking::service_endpoint_of(az, d).is_some() {
        Expr::list([Expr::raw(format!(
            "module.networking.subnet_ids[\"{cluster}\"]"
        ))])
    } else {
        Expr::list([])
    };
    c.arg("allowed_subnet_ids", subnets)
}

/// The firewall variables of a module whose resource can be public.
pub fn variables() -> Vec<Variable> {
    vec![
        Variable::new(
            "allowed_subnet_ids",
            list_of("string"),
            "Subnets admitted through the firewall (they need the service endpoint).",
        )
        .default(Expr::list([])),
    ]
}
