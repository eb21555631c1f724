//! `modules/vpc`: the environment's VPC, its zonal subnets, internet and NAT
//! gateways, route tables and flow logs.
//!
//! Every subnet the spec declares exists once per availability zone (CIDRs
//! from [`crate::model::Platform::zone_subnets`], passed in as the `subnets`
//! map). Public subnets route to an internet gateway and hold one NAT gateway
//! per zone; private subnets route through their zone's NAT gateway, so a
//! zone outage never cuts another zone's egress. Nothing launched into any
//! subnet gets a public IP by default, the default security group denies all
//! traffic, and all traffic is recorded in VPC flow logs (KMS-encrypted).

use super::policy::{Statement, document, service_trust};
use super::{Output, Variable, aws_module, spaced};
use crate::emit::terraform::hcl::{Block, Expr, TemplatePart};

pub fn module() -> crate::emit::terraform::module::Module {
    let name_tag = |suffix: &str| {
        Expr::object([(
            "Name",
            Expr::template([TemplatePart::interp("var.name"), TemplatePart::lit(suffix)]),
        )])
    };
    let main = spaced([
        Block::new("locals")
            .attr(
                "public",
                Expr::raw("{ for key, s in var.subnets : key => s if s.public }"),
            )
            .attr(
                "private",
                Expr::raw("{ for key, s in var.subnets : key => s if !s.public }"),
            )
            .attr("zones", Expr::raw("toset([for s in var.subnets : s.zone])"))
            .comment("One NAT gateway per zone, in the zone's first public subnet (by key).")
            .attr(
                "nat_subnet",
                Expr::raw(
                    "{ for zone in local.zones : zone => sort([for key, s in local.public : key if s.zone == zone])[0] }",
                ),
            ),
        Block::new("resource")
            .label("aws_vpc")
            .label("this")
            .attr("cidr_block", Expr::raw("var.cidr"))
            .attr("enable_dns_support", true)
            .attr("enable_dns_hostnames", true)
            .attr("tags", Expr::object([("Name", Expr::raw("var.name"))])),
        Block::new("resource")
            .label("aws_default_security_group")
            .label("this")
            .comment("No rules: nothing may use the default security group.")
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr("tags", name_tag("-default-deny")),
        Block::new("resource")
            .label("aws_subnet")
            .label("this")
            .attr("for_each", Expr::raw("var.subnets"))
            .blank()
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr("cidr_block", Expr::raw("each.value.cidr"))
            .attr("availability_zone", Expr::raw("each.value.zone"))
            .attr("map_public_ip_on_launch", false)
            .attr(
                "tags",
                Expr::raw(
                    "merge({ Name = \"${var.name}-${each.key}\" }, each.value.public ? { \"kubernetes.io/role/elb\" = \"1\" } : { \"kubernetes.io/role/internal-elb\" = \"1\" })",
                ),
            ),
        Block::new("resource")
            .label("aws_internet_gateway")
            .label("this")
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr("tags", Expr::object([("Name", Expr::raw("var.name"))])),
        Block::new("resource")
            .label("aws_eip")
            .label("nat")
            .attr("for_each", Expr::raw("local.nat_subnet"))
            .blank()
            .attr("domain", "vpc")
            .attr(
                "tags",
                Expr::object([(
                    "Name",
                    Expr::template([
                        TemplatePart::interp("var.name"),
                        TemplatePart::lit("-nat-"),
                        TemplatePart::interp("each.key"),
                    ]),
                )]),
            ),
        Block::new("resource")
            .label("aws_nat_gateway")
            .label("this")
            .attr("for_each", Expr::raw("local.nat_subnet"))
            .blank()
            .attr("allocation_id", Expr::raw("aws_eip.nat[each.key].id"))
            .attr("subnet_id", Expr::raw("aws_subnet.this[each.value].id"))
            .attr(
                "tags",
                Expr::object([(
                    "Name",
                    Expr::template([TemplatePart::interp("var.name"), TemplatePart::lit("-"), TemplatePart::interp("each.key")]),
                )]),
            )
            .blank()
            .attr("depends_on", Expr::list([Expr::raw("aws_internet_gateway.this")])),
        Block::new("resource")
            .label("aws_route_table")
            .label("public")
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr("tags", name_tag("-public")),
        Block::new("resource")
            .label("aws_route")
            .label("public_internet")
            .attr("route_table_id", Expr::raw("aws_route_table.public.id"))
            .attr("destination_cidr_block", "0.0.0.0/0")
            .attr("gateway_id", Expr::raw("aws_internet_gateway.this.id")),
        Block::new("resource")
            .label("aws_route_table_association")
            .label("public")
            .attr("for_each", Expr::raw("local.public"))
            .blank()
            .attr("subnet_id", Expr::raw("aws_subnet.this[each.key].id"))
            .attr("route_table_id", Expr::raw("aws_route_table.public.id")),
        Block::new("resource")
            .label("aws_route_table")
            .label("private")
            .attr("for_each", Expr::raw("local.zones"))
            .blank()
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr(
                "tags",
                Expr::object([(
                    "Name",
                    Expr::template([
                        TemplatePart::interp("var.name"),
                        TemplatePart::lit("-private-"),
                        TemplatePart::interp("each.key"),
                    ]),
                )]),
            ),
        Block::new("resource")
            .label("aws_route")
            .label("private_nat")
            .attr("for_each", Expr::raw("local.zones"))
            .blank()
            .attr("route_table_id", Expr::raw("aws_route_table.private[each.key].id"))
            .attr("destination_cidr_block", "0.0.0.0/0")
            .attr("nat_gateway_id", Expr::raw("aws_nat_gateway.this[each.key].id")),
        Block::new("resource")
            .label("aws_route_table_association")
            .label("private")
            .attr("for_each", Expr::raw("local.private"))
            .blank()
            .attr("subnet_id", Expr::raw("aws_subnet.this[each.key].id"))
            .attr("route_table_id", Expr::raw("aws_route_table.private[each.value.zone].id")),
        Block::new("resource")
            .label("aws_cloudwatch_log_group")
            .label("flow_logs")
            .attr(
                "name",
                Expr::template([TemplatePart::lit("/aws/vpc/"), TemplatePart::interp("var.name"), TemplatePart::lit("/flow-logs")]),
            )
            .attr("retention_in_days", Expr::raw("var.log_retention_days"))
            .attr("kms_key_id", Expr::raw("var.kms_key_arn")),
        document("flow_logs_trust", None, &[service_trust("vpc-flow-logs.amazonaws.com")]),
        document(
            "flow_logs",
            None,
            &[Statement::allow(
                "WriteFlowLogs",
                &["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            )
            .resource(Expr::template([
                TemplatePart::interp("aws_cloudwatch_log_group.flow_logs.arn"),
                TemplatePart::lit(":*"),
            ]))],
        ),
        Block::new("resource")
            .label("aws_iam_role")
            .label("flow_logs")
            .attr(
                "name",
                Expr::template([TemplatePart::interp("var.name"), TemplatePart::lit("-flow-logs")]),
            )
            .attr("assume_role_policy", Expr::raw("data.aws_iam_policy_document.flow_logs_trust.json")),
        Block::new("resource")
            .label("aws_iam_role_policy")
            .label("flow_logs")
            .attr("name", "write-flow-logs")
            .attr("role", Expr::raw("aws_iam_role.flow_logs.id"))
            .attr("policy", Expr::raw("data.aws_iam_policy_document.flow_logs.json")),
        Block::new("resource")
            .label("aws_flow_log")
            .label("this")
            .attr("vpc_id", Expr::raw("aws_vpc.this.id"))
            .attr("traffic_type", "ALL")
            .attr("log_destination", Expr::raw("aws_cloudwatch_log_group.flow_logs.arn"))
            .attr("iam_role_arn", Expr::raw("aws_iam_role.flow_logs.arn")),
    ]);
    aws_module(
        "vpc",
        main,
        vec![
            Variable::new(
                "name",
                "string",
                "Name stem of the VPC and everything in it.",
            ),
            Variable::new("cidr", "string", "The environment's address space."),
            Variable::new(
                "subnets",
                "map(object({ name = string, zone = string, cidr = string, public = bool }))",
                "Zonal subnets keyed `<subnet>-<zone>`: the spec's subnet, its availability zone and CIDR, and whether it routes to the internet.",
            ),
            Variable::new(
                "kms_key_arn",
                "string",
                "KMS key encrypting the flow log group.",
            ),
            Variable::new("log_retention_days", "number", "Days flow logs are kept."),
        ],
        vec![
            Output::new("vpc_id", Expr::raw("aws_vpc.this.id"), "Id of the VPC."),
            Output::new(
                "subnet_ids",
                Expr::raw(
                    "{ for name in distinct([for s in var.subnets : s.name]) : name => [for key, s in var.subnets : aws_subnet.this[key].id if s.name == name] }",
                ),
                "Subnet ids of each spec subnet (one per zone), by subnet name.",
            ),
            Output::new(
                "nat_public_ips",
                Expr::raw("[for eip in aws_eip.nat : eip.public_ip]"),
                "Egress addresses of the NAT gateways (for allow-lists elsewhere).",
            ),
        ],
    )
}
