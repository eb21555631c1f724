//! The `platform` header and the environments.

use std::str::FromStr;

use ipnet::Ipv4Net;

use super::{Env, Resolver};
use crate::diagnostic::Diagnostic;
use crate::model::{Cloud, EnvId, Environment};
use crate::spec::environment::EnvironmentDecl;
use crate::spec::platform::PlatformDecl;
use crate::spec::{Span, Spanned};

pub(crate) struct Header {
    pub name: String,
    pub title: String,
    pub cloud: Cloud,
    pub repository: String,
    pub namespace: String,
}

pub(crate) fn platform(r: &mut Resolver<'_>, decl: &PlatformDecl, _source: &str) -> Header {
    r.check_label(&decl.name, "platform name");
    let namespace = match &decl.namespace {
        Some(ns) => {
            r.check_label(ns, "namespace");
            let reserved = [
                "default",
                "kube-system",
                "kube-public",
                "kube-node-lease",
                "ingress-nginx",
                "external-secrets",
            ];
            if reserved.contains(&ns.value.as_str()) {
                r.push(
                    Diagnostic::error(
                        "reserved-namespace",
                        ns.span,
                        format!("namespace `{}` is reserved", ns.value),
                    )
                    .label("used by Kubernetes or a cluster add-on")
                    .help(
                        "give the platform's services their own namespace, e.g. the platform name",
                    ),
                );
            }
            ns.value.clone()
        }
        None => decl.name.value.clone(),
    };
    let repository = decl.repository.as_ref().map(|repo| {
        let ok = repo.value.split_once('/').is_some_and(|(owner, name)| {
            let part = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            part(owner) && part(name)
        });
        if !ok {
            r.push(
                Diagnostic::error("invalid-repository", repo.span, format!("`{}` is not a GitHub repository name", repo.value.escape_debug()))
                    .label("expected OWNER/REPO")
                    .help("write the repository as `\"owner/name\"`, e.g. `repository \"octo-org/octo-eshop\"`"),
            );
        }
        repo.value.clone()
    });
    let region = decl.cloud.as_ref().map(|c| c.region.clone());
    if let Some(region) = &region
        && (region.value.is_empty()
            || !region
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        r.push(
                Diagnostic::error("invalid-region", region.span, format!("`{}` is not a region name", region.value.escape_debug()))
                    .label("not a region")
                    .help("write the cloud's region identifier, e.g. `westeurope` (Azure) or `eu-west-1` (AWS)"),
            );
    }
    Header {
        name: decl.name.value.clone(),
        title: decl
            .title
            .as_ref()
            .map_or_else(|| decl.name.value.clone(), |t| t.value.clone()),
        cloud: Cloud {
            kind: r.cloud,
            region: region.map(|r| r.value).unwrap_or_default(),
        },
        repository: repository.unwrap_or_default(),
        namespace,
    }
}

/// Parses an IPv4 CIDR; reports and returns `None` when it is not one.
pub(crate) fn parse_cidr(
    r: &mut Resolver<'_>,
    text: &Spanned<String>,
    what: &str,
) -> Option<Ipv4Net> {
    match Ipv4Net::from_str(text.value.trim()) {
        Ok(net) if net.trunc() == net => Some(net),
        Ok(net) => {
            r.push(
                Diagnostic::error(
                    "invalid-cidr",
                    text.span,
                    format!("{what} `{net}` has host bits set"),
                )
                .label("not a network address")
                .help(format!("write the network address: `{}`", net.trunc())),
            );
            None
        }
        Err(_) => {
            r.push(
                Diagnostic::error(
                    "invalid-cidr",
                    text.span,
                    format!("{what} `{}` is not an IPv4 CIDR", text.value.escape_debug()),
                )
                .label("expected ADDRESS/PREFIX")
                .help("write an IPv4 network in CIDR notation, e.g. \"10.0.0.0/16\""),
            );
            None
        }
    }
}

pub(crate) fn environments(r: &mut Resolver<'_>, decls: &[EnvironmentDecl]) -> Vec<Environment> {
    r.check_unique(decls.iter().map(|d| &d.name), "environment");
    let mut out = Vec::new();
    let mut networks: Vec<(Ipv4Net, Span, String)> = Vec::new();
    for (i, d) in decls.iter().enumerate() {
        r.check_label(&d.name, "environment name");
        let network = parse_cidr(
            r,
            &d.network,
            &format!("network of environment `{}`", d.name.value),
        );
        if let Some(net) = network {
            if net.prefix_len() > 29 {
                r.push(
                    Diagnostic::error(
                        "network-too-small",
                        d.network.span,
                        format!(
                            "network `{net}` of environment `{}` is too small for subnets",
                            d.name.value
                        ),
                    )
                    .label(format!("/{} leaves no room", net.prefix_len()))
                    .help("give the environment a /16 to /24 network, e.g. \"10.0.0.0/16\""),
                );
            }
            if let Some((other, span, env)) = networks
                .iter()
                .find(|(o, _, _)| o.contains(&net.network()) || net.contains(&o.network()))
            {
                let (other, span, env) = (*other, *span, env.clone());
                r.push(
                    Diagnostic::error(
                        "overlapping-networks",
                        d.network.span,
                        format!("network `{net}` of environment `{}` overlaps `{other}` of environment `{env}`", d.name.value),
                    )
                    .label("overlaps")
                    .related(span, format!("`{env}` uses {other}"))
                    .help("give every environment its own address space (e.g. 10.0.0.0/16, 10.10.0.0/16, 10.20.0.0/16) so networks can be peered"),
                );
            }
            networks.push((net, d.network.span, d.name.value.clone()));
        }
        let zones: Vec<String> = d.zones.as_ref().map_or_else(Vec::new, |z| {
            z.value.split_whitespace().map(str::to_string).collect()
        });
        if let Some(z) = &d.zones {
            let bad = zones
                .iter()
                .find(|z| !(z.len() <= 2 && z.chars().all(|c| c.is_ascii_digit())));
            if let Some(bad) = bad {
                r.push(
                    Diagnostic::error(
                        "invalid-zones",
                        z.span,
                        format!("`{bad}` is not an availability zone"),
                    )
                    .label("expected zone numbers")
                    .help("list zone numbers separated by spaces: zones=\"1 2 3\""),
                );
            }
        }
        let branch = d
            .branch
            .as_ref()
            .map_or_else(|| "main".to_string(), |b| b.value.clone());
        if let Some(b) = &d.branch
            && (b.value.is_empty()
                || b.value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c)))
        {
            r.push(
                Diagnostic::error(
                    "invalid-branch",
                    b.span,
                    format!("`{}` is not a git branch name", b.value.escape_debug()),
                )
                .label("not a branch name")
                .help("write the branch that deploys to this environment, e.g. branch=main"),
            );
        }
        r.envs.push(Env {
            name: d.name.clone(),
            approval: d.approval.as_ref().is_some_and(|a| a.value),
            has_zones: !zones.is_empty(),
        });
        out.push(Environment {
            id: EnvId(i),
            name: d.name.value.clone(),
            network: network.unwrap_or_default(),
            branch,
            approval: d.approval.as_ref().is_some_and(|a| a.value),
            zones,
        });
    }
    out
}
