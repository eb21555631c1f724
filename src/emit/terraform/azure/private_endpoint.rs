//! Private endpoints of a data module: one per private-link sub-resource,
//! registered in the private DNS zone the networking module created for it.
//!
//! Shared by every family that can sit behind a private endpoint (Key Vault,
//! Storage, Redis), so they all wire endpoints, zones and public access the
//! same way.

use super::context::{Azure, var};
use super::placement::{Placement, placement, private_links};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};
use crate::emit::terraform::module::ModuleCall;
use crate::emit::terraform::variable::{Variable, map_of};
use crate::model::DataService;

/// Whether the instances of a family sit behind private endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Every instance: public network access is off.
    Private,
    /// No instance: the public endpoint stays on, behind the firewall.
    Public,
    /// Some instances: decided per call by whether endpoints are given.
    Mixed,
}

/// How the given instances are exposed.
pub fn exposure(instances: &[&DataService]) -> Exposure {
    let private = instances
        .iter()
        .filter(|d| matches!(placement(d), Placement::PrivateEndpoint(_)))
        .count();
    match private {
        0 => Exposure::Public,
        n if n == instances.len() => Exposure::Private,
        _ => Exposure::Mixed,
    }
}

/// `public_network_access_enabled` for a family's resource.
pub fn public_access(exposure: Exposure) -> Expr {
    match exposure {
        Exposure::Private => Expr::bool(false),
        Exposure::Public => Expr::bool(true),
        Exposure::Mixed => Expr::raw("length(var.private_endpoints) == 0"),
    }
}

/// The module variables the endpoints read.
pub fn variables() -> Vec<Variable> {
    vec![
        Variable::new(
            "private_endpoints",
            map_of("string"),
            "Private endpoints to create, by private-link sub-resource, each with the ID of its private DNS zone.",
        )
        .default(Expr::object::<&str>([])),
        Variable::new(
            "private_endpoint_subnet_id",
            "string",
            "Subnet holding the private endpoints (required when private_endpoints is not empty).",
        )
        .default(Expr::null())
        .validation(
            Expr::raw("length(var.private_endpoints) == 0 || var.private_endpoint_subnet_id != null"),
            "Private endpoints need a subnet.",
        ),
    ]
}

/// `resource "azurerm_private_endpoint" "this"` for the resource at `target`
/// (e.g. `azurerm_key_vault.this`).
pub fn resource(target: &str) -> Block {
    Block::new("resource")
        .labels(["azurerm_private_endpoint", "this"])
        .attr("for_each", var("private_endpoints"))
        .blank()
        .attr(
            "name",
            Expr::template([
                TemplatePart::lit("pe-"),
                TemplatePart::interp("var.name"),
                TemplatePart::lit("-"),
                TemplatePart::interp("lower(each.key)"),
            ]),
        )
        .attr("location", var("location"))
        .attr("resource_group_name", var("resource_group_name"))
        .attr("subnet_id", var("private_endpoint_subnet_id"))
        .attr("tags", var("tags"))
        .blank()
        .block(
            Block::new("private_service_connection")
                .attr(
                    "name",
                    Expr::template([
                        TemplatePart::interp("var.name"),
                        TemplatePart::lit("-"),
                        TemplatePart::interp("lower(each.key)"),
                    ]),
                )
                .attr(
                    "private_connection_resource_id",
                    Expr::raw(format!("{target}.id")),
                )
                .attr("subresource_names", Expr::list([Expr::raw("each.key")]))
                .attr("is_manual_connection", false),
        )
        .blank()
        .block(
            Block::new("private_dns_zone_group")
                .attr("name", Expr::raw("lower(each.key)"))
                .attr(
                    "private_dns_zone_ids",
                    Expr::list([Expr::raw("each.value")]),
                ),
        )
}

/// Adds the endpoint arguments of one instance to its module call.
pub fn wire(az: &Azure, d: &DataService, call: ModuleCall) -> ModuleCall {
    let _ = az;
    let links = private_links(d);
    let Placement::PrivateEndpoint(subnet) = placement(d) else {
        return call;
    };
    let endpoints = Expr::object(links.iter().map(|l| {
        (
            l.subresource.to_string(),
            Expr::raw(format!(
                "module.networking.private_dns_zone_ids[\"{}\"]",
                l.zone_key
            )),
        )
    }));
    call.arg("private_endpoints", endpoints).arg(
        "private_endpoint_subnet_id",
        Expr::raw(format!("module.networking.subnet_ids[\"{subnet}\"]")),
    )
}
