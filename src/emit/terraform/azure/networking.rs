//! The `networking` family: virtual network, subnets, one NSG per subnet
//! with rules derived from the edges, private DNS zones linked to the VNet.
//!
//! NSG rules follow DESIGN principle 2: the cluster subnet accepts HTTPS from
//! the Internet only when a service is exposed (plus load balancer probes
//! and its own nodes and pods); a data subnet accepts the
//! cluster subnet on the ports of the data services placed in it, and only
//! when an edge reaches them; everything else from inside the VNet is denied.
//! Rules name subnets, not CIDRs: the module resolves names against the
//! environment's CIDRs, so rules are the same text in every environment.

use super::context::{Azure, Part, call, common_variables, located, tagged, var};
use super::placement::{Placement, placement, private_links, reachable};
use super::postgresql;
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{
    Variable, list_of, map_of, object_type, optional, optional_or,
};
use crate::model::{DataKind, DataService, Delegation};

/// Priority of the catch-all deny rule of every NSG.
const DENY_PRIORITY: u32 = 4000;

/// Every port, as a range (NSG rules list ranges; `*` is not a range).
const ANY_PORT: &str = "0-65535";

/// One inbound NSG rule, before resolution to CIDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The subnet whose NSG holds the rule.
    pub subnet: String,
    pub name: String,
    pub priority: u32,
    pub allow: bool,
    /// `Tcp` or `*`.
    pub protocol: &'static str,
    /// A subnet name or an Azure service tag (`Internet`, `VirtualNetwork`).
    pub source: String,
    /// A subnet name, or `*` where Azure rewrites nothing: load-balanced
    /// traffic keeps the frontend's public address as destination (AKS load
    /// balancer rules use floating IP), so it can match no subnet CIDR.
    pub destination: String,
    /// Destination port ranges (`443`, `0-65535`).
    pub ports: Vec<String>,
}

pub fn part(az: &Azure) -> Part {
    Part {
        module: module(),
        calls: vec![module_call(az)],
        tfvars: tfvars(az),
    }
}

/// The rules of one subnet's NSG, numbered from priority 100 in steps of 10.
struct Nsg<'a> {
    subnet: &'a str,
    rules: Vec<Rule>,
}

impl Nsg<'_> {
    fn rule(
        &mut self,
        name: String,
        protocol: &'static str,
        source: &str,
        destination: &str,
        ports: Vec<String>,
    ) {
        let priority = 100 + 10 * u32::try_from(self.rules.len()).unwrap_or(u32::MAX / 20);
        self.rules.push(Rule {
            subnet: self.subnet.to_string(),
            name,
            priority,
            allow: true,
            protocol,
            source: source.to_string(),
            destination: destination.to_string(),
            ports,
        });
    }

    /// Closes the NSG with the deny of everything else from inside the VNet
    /// (Internet traffic is denied by Azure's own default rule).
    fn deny_rest(mut self) -> Vec<Rule> {
        self.rules.push(Rule {
            subnet: self.subnet.to_string(),
            name: "deny-vnet-inbound".into(),
            priority: DENY_PRIORITY,
            allow: false,
            protocol: "*",
            source: "VirtualNetwork".into(),
            destination: self.subnet.to_string(),
            ports: vec![ANY_PORT.into()],
        });
        self.rules
    }
}

/// The inbound rules of every subnet's NSG, in subnet order.
pub fn rules(az: &Azure) -> Vec<Rule> {
    let p = az.p;
    let cluster = p.cluster.subnet.as_str();
    let mut out = Vec::new();
    for subnet in &p.subnets {
        let name = subnet.name.as_str();
        let mut nsg = Nsg {
            subnet: name,
            rules: Vec::new(),
        };
        if name == cluster {
            if p.services.iter().any(|s| s.expose.is_some()) {
                nsg.rule(
                    "allow-https-from-internet".into(),
                    "Tcp",
                    "Internet",
                    "*",
                    vec!["443".into()],
                );
            }
            // Load balancer health probes come from 168.63.129.16, which the
            // VirtualNetwork tag of the final deny also covers.
            nsg.rule(
                "allow-load-balancer-probes".into(),
                "*",
                "AzureLoadBalancer",
                "*",
                vec![ANY_PORT.into()],
            );
            nsg.rule(
                "allow-within-subnet".into(),
                "*",
                cluster,
                cluster,
                vec![ANY_PORT.into()],
            );
        } else {
            for d in az.managed_data() {
                if placement(d).subnet() == Some(name) && reachable(p, d) {
                    let ports = d.ports.iter().map(u16::to_string).collect();
                    nsg.rule(
                        format!("allow-{}-from-{cluster}", d.name),
                        "Tcp",
                        cluster,
                        name,
                        ports,
                    );
                }
            }
            if subnet.delegation == Some(Delegation::Postgresql) {
                // Primary and standby replicate inside the delegated subnet.
                nsg.rule(
                    "allow-within-subnet".into(),
                    "*",
                    name,
                    name,
                    vec![ANY_PORT.into()],
                );
            }
        }
        out.extend(nsg.deny_rest());
    }
    out
}

/// The service endpoint through which the cluster subnet reaches a public
/// data service (whose firewall admits that subnet), if it has one.
pub fn service_endpoint_of(az: &Azure, d: &DataService) -> Option<&'static str> {
    if placement(d) != Placement::Public || !reachable(az.p, d) {
        return None;
    }
    match d.kind {
        DataKind::KeyVault(_) => Some("Microsoft.KeyVault"),
        DataKind::Storage(_) => Some("Microsoft.Storage"),
        _ => None,
    }
}

/// Service endpoints of a subnet: the cluster subnet gets those of the public
/// data services it reaches.
fn service_endpoints(az: &Azure, subnet: &str) -> Vec<&'static str> {
    if subnet != az.p.cluster.subnet {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = az
        .managed_data()
        .filter_map(|d| service_endpoint_of(az, d))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Private DNS zones the VNet needs: key → zone name (an expression, since a
/// PostgreSQL zone is named after the server).
pub fn dns_zones(az: &Azure) -> Vec<(String, Expr)> {
    let mut zones: Vec<(String, Expr)> = Vec::new();
    for d in az.managed_data() {
        if let (DataKind::Postgres(_), Placement::Injected(_)) = (&d.kind, placement(d)) {
            zones.push((
                postgresql::zone_key(az, d),
                Expr::template([
                    TemplatePart::interp(format!("var.{}", postgresql::name_var(az, d))),
                    TemplatePart::lit(".private.postgres.database.azure.com"),
                ]),
            ));
        }
        for link in private_links(d) {
            if !zones.iter().any(|(k, _)| *k == link.zone_key) {
                zones.push((link.zone_key, Expr::str(link.zone_name)));
            }
        }
    }
    zones.sort_by(|a, b| a.0.cmp(&b.0));
    zones
}

fn module_call(az: &Azure) -> crate::emit::terraform::module::ModuleCall {
    let subnets = Expr::object(az.p.subnets.iter().map(|s| {
        let mut fields: Vec<(&str, Expr)> = Vec::new();
        if let Some(Delegation::Postgresql) = s.delegation {
            fields.push((
                "delegation",
                Expr::str("Microsoft.DBforPostgreSQL/flexibleServers"),
            ));
        }
        let endpoints = service_endpoints(az, &s.name);
        if !endpoints.is_empty() {
            fields.push(("service_endpoints", Expr::str_list(endpoints)));
        }
        (s.name.clone(), Expr::object(fields))
    }));
    let rules = Expr::object(rules(az).into_iter().map(|r| {
        (
            format!("{}-{}", r.subnet, r.name),
            Expr::object([
                ("subnet", Expr::str(&r.subnet)),
                ("name", Expr::str(&r.name)),
                ("priority", Expr::from(r.priority)),
                ("access", Expr::str(if r.allow { "Allow" } else { "Deny" })),
                ("protocol", Expr::str(r.protocol)),
                ("source", Expr::str(&r.source)),
                ("destination", Expr::str(&r.destination)),
                ("ports", Expr::str_list(r.ports)),
            ]),
        )
    }));
    call("networking", "networking")
        .arg("name", var("network_name"))
        .arg("address_space", var("network_address_space"))
        .arg("subnet_cidrs", var("subnet_cidrs"))
        .arg("subnets", subnets)
        .arg("security_rules", rules)
        .arg("private_dns_zones", Expr::object(dns_zones(az)))
}

fn tfvars(az: &Azure) -> Vec<RootVar> {
    vec![
        RootVar::new(
            Variable::new(
                "network_name",
                "string",
                "Name of the environment's virtual network.",
            ),
            az.per_env(|e| Expr::str(format!("vnet-{}-{}", az.p.name, e.name))),
        ),
        RootVar::new(
            Variable::new(
                "network_address_space",
                "string",
                "Address space (CIDR) of the environment's virtual network.",
            )
            .validation(
                Expr::raw("can(cidrhost(var.network_address_space, 0))"),
                "The address space must be an IPv4 CIDR.",
            ),
            az.per_env(|e| Expr::str(e.network.to_string())),
        ),
        RootVar::new(
            Variable::new(
                "subnet_cidrs",
                map_of("string"),
                "CIDR of each subnet, by subnet name.",
            ),
            az.per_env(|e| {
                Expr::object(
                    az.p.subnets
                        .iter()
                        .map(|s| (s.name.clone(), Expr::str(s.cidr.get(e.id).to_string()))),
                )
            }),
        ),
    ]
}

fn module() -> Module {
    let mut m = Module::new("networking", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("name", "string", "Name of the virtual network.").not_null(),
        Variable::new("address_space", "string", "Address space (CIDR) of the virtual network.").validation(
            Expr::raw("can(cidrhost(var.address_space, 0))"),
            "The address space must be an IPv4 CIDR.",
        ),
        Variable::new("subnet_cidrs", map_of("string"), "CIDR of each subnet, by subnet name.").validation(
            Expr::raw("alltrue([for cidr in values(var.subnet_cidrs) : can(cidrhost(cidr, 0))])"),
            "Every subnet CIDR must be an IPv4 CIDR.",
        ),
        Variable::new(
            "subnets",
            map_of(object_type([
                ("delegation", optional("string")),
                ("service_endpoints", optional_or(list_of("string"), Expr::list([]))),
            ])),
            "Subnets by name: the service the subnet is delegated to, and its service endpoints.",
        ),
        Variable::new(
            "security_rules",
            map_of(object_type([
                ("subnet", "string".into()),
                ("name", "string".into()),
                ("priority", "number".into()),
                ("access", "string".into()),
                ("protocol", "string".into()),
                ("source", "string".into()),
                ("destination", "string".into()),
                ("ports", list_of("string")),
            ])),
            "Inbound NSG rules; `subnet` names the NSG, `source` and `destination` are subnet names, service tags or `*`.",
        )
        .validation(
            Expr::raw("alltrue([for r in values(var.security_rules) : contains([\"Allow\", \"Deny\"], r.access) && r.priority >= 100 && r.priority <= 4096])"),
            "Rules need access Allow or Deny and a priority between 100 and 4096.",
        ),
        Variable::new("private_dns_zones", map_of("string"), "Private DNS zones to create and link to the VNet, by key.")
            .default(Expr::object::<&str>([])),
    ]);
    m.main = main_body();
    m.outputs = vec![
        Output::new(
            "vnet_id",
            Expr::raw("azurerm_virtual_network.this.id"),
            "ID of the virtual network.",
        ),
        Output::new(
            "vnet_name",
            Expr::raw("azurerm_virtual_network.this.name"),
            "Name of the virtual network.",
        ),
        Output::new(
            "subnet_ids",
            Expr::raw("{ for name, subnet in azurerm_subnet.this : name => subnet.id }"),
            "Subnet IDs by subnet name.",
        ),
        Output::new(
            "private_dns_zone_ids",
            Expr::raw("{ for key, zone in azurerm_private_dns_zone.this : key => zone.id }"),
            "Private DNS zone IDs by key, available once the zones are linked to the VNet.",
        )
        .depends_on(["azurerm_private_dns_zone_virtual_network_link.this"]),
    ];
    m
}

fn main_body() -> Body {
    let vnet = tagged(
        located("azurerm_virtual_network", "this", var("name"))
            .attr("address_space", Expr::list([var("address_space")])),
    );
    let subnet = Block::new("resource")
        .labels(["azurerm_subnet", "this"])
        .attr("for_each", var("subnets"))
        .blank()
        .attr(
            "name",
            Expr::template([TemplatePart::lit("snet-"), TemplatePart::interp("each.key")]),
        )
        .attr("resource_group_name", var("resource_group_name"))
        .attr(
            "virtual_network_name",
            Expr::raw("azurerm_virtual_network.this.name"),
        )
        .attr(
            "address_prefixes",
            Expr::list([Expr::raw("var.subnet_cidrs[each.key]")]),
        )
        .attr(
            "service_endpoints",
            Expr::raw("each.value.service_endpoints"),
        )
        .comment("NSG rules also apply to private endpoints in the subnet.")
        .attr("private_endpoint_network_policies", "Enabled")
        .blank()
        .block(
            Block::new("dynamic")
                .label("delegation")
                .attr(
                    "for_each",
                    Expr::raw("each.value.delegation == null ? [] : [each.value.delegation]"),
                )
                .block(
                    Block::new("content")
                        .attr("name", "delegation")
                        .blank()
                        .block(
                            Block::new("service_delegation")
                                .attr("name", Expr::raw("delegation.value"))
                                .attr(
                                    "actions",
                                    Expr::str_list([
                                        "Microsoft.Network/virtualNetworks/subnets/join/action",
                                    ]),
                                ),
                        ),
                ),
        );
    let nsg = tagged(
        Block::new("resource")
            .labels(["azurerm_network_security_group", "this"])
            .attr("for_each", var("subnets"))
            .blank()
            .attr(
                "name",
                Expr::template([TemplatePart::lit("nsg-"), TemplatePart::interp("each.key")]),
            )
            .attr("location", var("location"))
            .attr("resource_group_name", var("resource_group_name")),
    );
    let rule = Block::new("resource")
        .labels(["azurerm_network_security_rule", "this"])
        .attr("for_each", var("security_rules"))
        .blank()
        .attr("name", Expr::raw("each.value.name"))
        .attr("resource_group_name", var("resource_group_name"))
        .attr(
            "network_security_group_name",
            Expr::raw("azurerm_network_security_group.this[each.value.subnet].name"),
        )
        .attr("priority", Expr::raw("each.value.priority"))
        .attr("direction", "Inbound")
        .attr("access", Expr::raw("each.value.access"))
        .attr("protocol", Expr::raw("each.value.protocol"))
        .attr("source_port_range", "*")
        .attr(
            "source_address_prefix",
            Expr::raw("lookup(var.subnet_cidrs, each.value.source, each.value.source)"),
        )
        .attr(
            "destination_address_prefix",
            Expr::raw("lookup(var.subnet_cidrs, each.value.destination, each.value.destination)"),
        )
        .attr("destination_port_ranges", Expr::raw("each.value.ports"));
    let association = Block::new("resource")
        .labels(["azurerm_subnet_network_security_group_association", "this"])
        .attr("for_each", var("subnets"))
        .blank()
        .attr("subnet_id", Expr::raw("azurerm_subnet.this[each.key].id"))
        .attr(
            "network_security_group_id",
            Expr::raw("azurerm_network_security_group.this[each.key].id"),
        );
    let zone = tagged(
        Block::new("resource")
            .labels(["azurerm_private_dns_zone", "this"])
            .attr("for_each", var("private_dns_zones"))
            .blank()
            .attr("name", Expr::raw("each.value"))
            .attr("resource_group_name", var("resource_group_name")),
    );
    let link = tagged(
        Block::new("resource")
            .labels(["azurerm_private_dns_zone_virtual_network_link", "this"])
            .attr("for_each", var("private_dns_zones"))
            .blank()
            .attr(
                "name",
                Expr::template([
                    TemplatePart::interp("var.name"),
                    TemplatePart::lit("-"),
                    TemplatePart::interp("each.key"),
                ]),
            )
            .attr("resource_group_name", var("resource_group_name"))
            .attr(
                "private_dns_zone_name",
                Expr::raw("azurerm_private_dns_zone.this[each.key].name"),
            )
            .attr(
                "virtual_network_id",
                Expr::raw("azurerm_virtual_network.this.id"),
            )
            .attr("registration_enabled", false),
    );
    Body::new()
        .block(vnet)
        .blank()
        .block(subnet)
        .blank()
        .block(nsg)
        .blank()
        .block(rule)
        .blank()
        .block(association)
        .blank()
        .block(zone)
        .blank()
        .block(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::azure::context::fixture;

    #[test]
    fn cluster_subnet_takes_probes_and_itself_data_subnets_take_the_cluster() {
        let p = fixture();
        let az = Azure::new(&p);
        let got: Vec<String> = rules(&az)
            .into_iter()
            .map(|r| {
                let access = if r.allow { "allow" } else { "deny" };
                format!(
                    "{} {} {access} {} -> {} {}",
                    r.subnet,
                    r.priority,
                    r.source,
                    r.destination,
                    r.ports.join(",")
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "aks 100 allow AzureLoadBalancer -> * 0-65535",
                "aks 110 allow aks -> aks 0-65535",
                "aks 4000 deny VirtualNetwork -> aks 0-65535",
                "database 100 allow aks -> database 5432",
                "database 110 allow database -> database 0-65535",
                "database 4000 deny VirtualNetwork -> database 0-65535",
                "endpoints 100 allow aks -> endpoints 6380",
                "endpoints 4000 deny VirtualNetwork -> endpoints 0-65535",
            ],
            "no service is exposed, so no Internet rule"
        );
    }

    #[test]
    fn public_data_services_get_service_endpoints_and_zones_only_for_private_ones() {
        let p = fixture();
        let az = Azure::new(&p);
        assert_eq!(
            service_endpoints(&az, "aks"),
            vec!["Microsoft.KeyVault", "Microsoft.Storage"]
        );
        assert!(service_endpoints(&az, "database").is_empty());
        let zones: Vec<String> = dns_zones(&az).into_iter().map(|(k, _)| k).collect();
        assert_eq!(zones, vec!["postgresql_main", "rediscache"]);
    }
}
