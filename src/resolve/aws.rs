//! Rules that hold only on AWS: what EKS and the VPC require of the spec,
//! and what the AWS target does not offer.
//!
//! The spec language is the same on every cloud; these checks run after
//! the cloud-neutral resolution (for `cloud aws` only) and point at the
//! spec's own words, so a spec that compiles here is one the AWS Terraform
//! can apply: every environment spreads over two to four availability zones,
//! every subnet still holds a valid AWS subnet per zone, there is a public
//! subnet for the NAT gateways and load balancers while the nodes stay
//! private, data services run in the cluster, and the names platc derives
//! from the platform fit AWS's limits. (Image names are already checked on
//! every cloud with the rules ECR repositories follow.)

use super::Resolver;
use super::cloud::aws::{BUCKET_MAX, ENVIRONMENT_ROLE_SUFFIXES, ROLE_MAX, state_bucket};
use crate::diagnostic::Diagnostic;
use crate::model::{ZONE_SLOT_BITS, ZONE_SLOTS};
use crate::spec::Spec;
use crate::spec::data::DataKindDecl;
use crate::spec::keywords::{HostingKw, SecretsKw};

/// Fewest availability zones of an environment (EKS needs subnets in two).
pub const MIN_ZONES: usize = 2;
/// Smallest AWS subnet: a /28 per zone, so a spec subnet is at most a /26.
pub const MAX_SUBNET_PREFIX: u8 = 28 - ZONE_SLOT_BITS;
/// VPC CIDR blocks are /16 to /28.
pub const MIN_VPC_PREFIX: u8 = 16;

pub(crate) fn check(r: &mut Resolver<'_>, spec: &Spec) {
    zones(r, spec);
    networks(r, spec);
    subnets(r, spec);
    instance_types(r, spec);
    data(r, spec);
    delivery(r, spec);
    names(r, spec);
}

fn zones(r: &mut Resolver<'_>, spec: &Spec) {
    for e in &spec.environments {
        let Some(z) = &e.zones else {
            r.push(
                Diagnostic::error("aws-zones-required", e.name.span, format!("environment `{}` has no availability zones", e.name.value))
                    .label("no `zones=`")
                    .help(format!("add zones=\"1 2\" to environment `{}`: EKS needs subnets in at least two availability zones (zone 1 is the region's `a` zone)", e.name.value)),
            );
            continue;
        };
        let list: Vec<&str> = z.value.split_whitespace().collect();
        if list.len() < MIN_ZONES {
            r.push(
                Diagnostic::error("aws-too-few-zones", z.span, format!("environment `{}` has {} availability zone(s); EKS needs at least {MIN_ZONES}", e.name.value, list.len()))
                    .label("too few zones")
                    .help("list two or more zones, e.g. zones=\"1 2\""),
            );
        } else if list.len() > ZONE_SLOTS {
            r.push(
                Diagnostic::error("aws-too-many-zones", z.span, format!("environment `{}` lists {} availability zones; at most {ZONE_SLOTS} are supported", e.name.value, list.len()))
                    .label(format!("more than {ZONE_SLOTS}"))
                    .help(format!("each subnet is cut into {ZONE_SLOTS} zone slots: list at most {ZONE_SLOTS} zones, e.g. zones=\"1 2 3\"")),
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        for zone in &list {
            if seen.contains(zone) {
                r.push(
                    Diagnostic::error(
                        "invalid-zones",
                        z.span,
                        format!(
                            "zone `{zone}` is listed twice in environment `{}`",
                            e.name.value
                        ),
                    )
                    .label("repeated zone")
                    .help("list each zone once, e.g. zones=\"1 2 3\""),
                );
                break;
            }
            if zone.parse::<u8>().is_ok_and(|n| !(1..=26).contains(&n)) {
                r.push(
                    Diagnostic::error(
                        "invalid-zones",
                        z.span,
                        format!(
                            "zone `{zone}` of environment `{}` is not an AWS zone number",
                            e.name.value
                        ),
                    )
                    .label("expected 1 to 26")
                    .help("zones are numbered from 1 (the region's `a` zone): zones=\"1 2 3\""),
                );
                break;
            }
            seen.push(zone);
        }
    }
}

fn networks(r: &mut Resolver<'_>, spec: &Spec) {
    for e in &spec.environments {
        let prefix = e
            .network
            .value
            .trim()
            .split_once('/')
            .and_then(|(_, p)| p.parse::<u8>().ok());
        if let Some(p) = prefix
            && p < MIN_VPC_PREFIX
        {
            r.push(
                Diagnostic::error("aws-network-too-large", e.network.span, format!("network of environment `{}` is a /{p}; an AWS VPC is at most a /{MIN_VPC_PREFIX}", e.name.value))
                    .label(format!("larger than /{MIN_VPC_PREFIX}"))
                    .help("give the environment a /16 to /24 network, e.g. \"10.40.0.0/16\""),
            );
        }
    }
}

fn subnets(r: &mut Resolver<'_>, spec: &Spec) {
    for s in &spec.subnets {
        if let Some(p) = &s.prefix
            && p.value > MAX_SUBNET_PREFIX
            && p.value <= 32
        {
            let zone_prefix = p.value.saturating_add(ZONE_SLOT_BITS);
            r.push(
                Diagnostic::error("aws-subnet-too-small", p.span, format!("subnet `{}` is a /{}: its zone slots would be /{zone_prefix}, smaller than AWS's smallest subnet (/28)", s.name.value, p.value))
                    .label(format!("at most /{MAX_SUBNET_PREFIX} on AWS"))
                    .help(format!("on AWS each subnet is split into {ZONE_SLOTS} zone slots (prefix + {ZONE_SLOT_BITS}); use prefix={MAX_SUBNET_PREFIX} or less")),
            );
        }
        let azure_props = [
            (s.delegate.as_ref().map(|p| p.span), "delegate="),
            (
                s.private_endpoints.as_ref().map(|p| p.span),
                "private-endpoints=",
            ),
        ];
        for (span, what) in azure_props {
            let Some(span) = span else { continue };
            r.push(
                Diagnostic::error("azure-only", span, format!("`{what}` of subnet `{}` is an Azure setting", s.name.value))
                    .label("not on AWS")
                    .help(format!("remove `{what}`: on AWS in-cluster data services need no delegated subnet and no private endpoints")),
            );
        }
    }
    let public = spec
        .subnets
        .iter()
        .find(|s| s.public.as_ref().is_some_and(|p| p.value));
    if public.is_none() {
        let span = spec
            .subnets
            .first()
            .map(|s| s.span)
            .or(spec.cluster.as_ref().map(|c| c.keyword))
            .unwrap_or(r.platform_span);
        let exposed: Vec<&str> = spec
            .services
            .iter()
            .filter(|s| s.expose.is_some())
            .map(|s| s.name.value.as_str())
            .collect();
        let why = if exposed.is_empty() {
            "the NAT gateways that give the private nodes egress live in a public subnet"
                .to_string()
        } else {
            format!(
                "the load balancer of {} and the NAT gateways live in a public subnet",
                exposed
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        r.push(
            Diagnostic::error(
                "aws-no-public-subnet",
                span,
                "the network has no public subnet",
            )
            .label("no subnet with `public=#true`")
            .help(format!(
                "{why}: add `subnet public index=0 prefix=20 public=#true` to `network`"
            )),
        );
    }
    if let Some(c) = &spec.cluster
        && let Some(sn) = &c.subnet
        && let Some(decl) = spec.subnets.iter().find(|s| s.name.value == sn.value)
        && let Some(p) = decl.public.as_ref().filter(|p| p.value)
    {
        r.push(
            Diagnostic::error("public-cluster-subnet", sn.span, format!("cluster `{}` would put its nodes in the public subnet `{}`", c.name.value, sn.value))
                .label("nodes must stay private")
                .related(p.span, "public here")
                .help("give the cluster a private subnet (without `public=#true`); load balancers use the public one"),
        );
    }
}

/// An EC2 instance type: `family.size`, lowercase (`t3.medium`, `m7g.2xlarge`).
pub fn instance_type_ok(s: &str) -> bool {
    let Some((family, size)) = s.split_once('.') else {
        return false;
    };
    family.starts_with(|c: char| c.is_ascii_lowercase())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !size.is_empty()
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

fn instance_types(r: &mut Resolver<'_>, spec: &Spec) {
    let Some(c) = &spec.cluster else { return };
    for pool in &c.node_pools {
        let Some(vm) = &pool.vm_size else { continue };
        if let Some(bad) = vm.all().find(|v| !instance_type_ok(&v.value)) {
            r.push(
                Diagnostic::error(
                    "invalid-vm-size",
                    bad.span,
                    format!(
                        "`{}` of node pool `{}` is not an EC2 instance type",
                        bad.value.escape_debug(),
                        pool.name.value
                    ),
                )
                .label("expected FAMILY.SIZE")
                .help("write an EC2 instance type such as `t3.medium` or `m5.large`"),
            );
        }
    }
}

fn data(r: &mut Resolver<'_>, spec: &Spec) {
    for d in &spec.data {
        let hosting = match &d.kind {
            DataKindDecl::Postgres(p) => p.hosting.as_ref(),
            DataKindDecl::Redis(x) => x.hosting.as_ref(),
            _ => continue,
        };
        if hosting.is_none_or(|h| h.value == HostingKw::Managed) {
            let span = hosting.map_or(d.span(), |h| h.span);
            r.push(
                Diagnostic::error("unsupported-on-cloud", span, format!("{} `{}` is a managed service, which the AWS target does not offer yet", d.keyword.value, d.name.value))
                    .label(if hosting.is_some() { "managed" } else { "managed by default" })
                    .help(format!("add `hosting in-cluster` to {} `{}`: it runs as a StatefulSet on an encrypted EBS volume", d.keyword.value, d.name.value)),
            );
        }
    }
    if let Some(m) = &spec.monitoring {
        r.push(
            Diagnostic::error("wrong-cloud", m.keyword.join(m.name.span), "`monitoring` is Azure Monitor (Log Analytics, Application Insights)")
                .label("not on AWS")
                .help("use `observability { metrics prometheus { … }; logs loki { … }; … }`, which runs in the cluster"),
        );
    }
}

fn delivery(r: &mut Resolver<'_>, spec: &Spec) {
    if let Some(s) = spec.delivery.as_ref().and_then(|d| d.secrets.as_ref())
        && s.value == SecretsKw::Csi
    {
        r.push(
            Diagnostic::error("unsupported-on-cloud", s.span, "the Secrets Store CSI backend is not offered on AWS yet")
                .label("not on AWS")
                .help("use `secrets external-secrets`: the operator reads AWS Secrets Manager through its own IRSA role"),
        );
    }
}

/// An AWS region code: `eu-west-1`, `us-gov-west-1`.
pub fn region_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn names(r: &mut Resolver<'_>, spec: &Spec) {
    if let Some(cloud) = spec.platform.as_ref().and_then(|p| p.cloud.as_ref())
        && !region_ok(&cloud.region.value)
    {
        r.push(
            Diagnostic::error(
                "invalid-region",
                cloud.region.span,
                format!(
                    "`{}` is not an AWS region",
                    cloud.region.value.escape_debug()
                ),
            )
            .label("expected an AWS region code")
            .help("write the region code, e.g. region=eu-west-1 or region=us-east-2"),
        );
    }
    let platform = r.platform.clone();
    let bucket = state_bucket(&platform, &r.region);
    if bucket.len() > BUCKET_MAX {
        let over = bucket.len() - BUCKET_MAX;
        r.push(
            Diagnostic::error("aws-name-too-long", r.platform_span, format!("the Terraform state bucket `{bucket}` has {} characters; S3 allows {BUCKET_MAX}", bucket.len()))
                .label(format!("{over} characters too long"))
                .help(format!("shorten the platform name by {over} characters")),
        );
    }
    let longest = ENVIRONMENT_ROLE_SUFFIXES
        .iter()
        .copied()
        .max_by_key(|s| s.len())
        .unwrap_or("");
    for e in &spec.environments {
        let role = format!("{platform}-{}{longest}", e.name.value);
        let len = role.len();
        if len > ROLE_MAX {
            let over = len - ROLE_MAX;
            r.push(
                Diagnostic::error("aws-name-too-long", e.name.span, format!("the IAM role `{role}` of environment `{}` has {len} characters; IAM allows {ROLE_MAX}", e.name.value))
                    .label(format!("{over} characters too long"))
                    .related(r.platform_span, "the platform name is part of it")
                    .help(format!("shorten the environment or platform name by {over} characters")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types() {
        for ok in ["t3.medium", "m5.large", "m7g.2xlarge", "u-6tb1.metal"] {
            assert!(instance_type_ok(ok), "{ok}");
        }
        for bad in [
            "Standard_D2s_v3",
            "t3",
            "T3.medium",
            "t3.",
            ".large",
            "t3.me dium",
        ] {
            assert!(!instance_type_ok(bad), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-2"] {
            assert!(region_ok(ok), "{ok}");
        }
        for bad in [
            "westeurope",
            "EU-WEST-1",
            "eu-west",
            "eu--1",
            "europe-west-1",
        ] {
            assert!(!region_ok(bad), "{bad}");
        }
    }
}
