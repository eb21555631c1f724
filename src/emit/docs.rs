//! The generated `README.md` of an output tree: architecture diagram,
//! environment, subnet and sizing tables, and how to apply the tree.
//!
//! Prose is rendered with minijinja from `templates/README.md.j2` (embedded
//! at build time so the binary needs no files at run time); every fact comes
//! from a typed context built here from the model.

use minijinja::Environment as Jinja;
use serde::Serialize;

use super::File;
use crate::model::{
    DataKind, DeploySource, EdgeTarget, Endpoint, HighAvailability, Platform, SecretsBackend,
    ServiceKind,
};

const README: &str = include_str!("../../templates/README.md.j2");

pub fn emit(platform: &Platform) -> Vec<File> {
    let ctx = ReadmeContext::new(platform);
    let mut env = Jinja::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let body = env
        .render_str(README, minijinja::value::Serde(&ctx))
        .unwrap_or_else(|err| format!("README template error: {err}\n"));
    vec![File::new(platform, "README.md", body)]
}

#[derive(Serialize)]
struct ReadmeContext {
    title: String,
    name: String,
    cloud: &'static str,
    region: String,
    source: String,
    namespace: String,
    diagram: String,
    environments: Vec<EnvRow>,
    subnets: Vec<Row>,
    sizing: Vec<Row>,
    services: Vec<ServiceRow>,
    addons: Vec<crate::model::Addon>,
    deploy_values: Vec<DeployRow>,
    ci_variables: Vec<&'static str>,
    secrets_rotation: &'static str,
}

#[derive(Serialize)]
struct EnvRow {
    name: String,
    network: String,
    branch: String,
    approval: bool,
    zones: Vec<String>,
}

#[derive(Serialize)]
struct Row {
    name: String,
    values: Vec<String>,
    purpose: String,
}

#[derive(Serialize)]
struct ServiceRow {
    name: String,
    kind: &'static str,
    port: String,
    replicas: String,
    edges: Vec<String>,
}

#[derive(Serialize)]
struct DeployRow {
    key: String,
    what: String,
}

impl ReadmeContext {
    fn new(p: &Platform) -> Self {
        let azure = p.cloud.kind == crate::model::CloudKind::Azure;
        ReadmeContext {
            title: p.title.clone(),
            name: p.name.clone(),
            cloud: if azure { "Azure" } else { "AWS" },
            region: p.cloud.region.clone(),
            source: p.source.clone(),
            namespace: p.namespace.clone(),
            diagram: diagram(p),
            environments: p
                .environments
                .iter()
                .map(|e| EnvRow {
                    name: e.name.clone(),
                    network: e.network.to_string(),
                    branch: e.branch.clone(),
                    approval: e.approval,
                    zones: e.zones.clone(),
                })
                .collect(),
            subnets: p
                .subnets
                .iter()
                .map(|s| Row {
                    name: s.name.clone(),
                    values: s.cidr.iter().map(|(_, c)| c.to_string()).collect(),
                    purpose: subnet_purpose(p, &s.name),
                })
                .collect(),
            sizing: sizing(p),
            services: p
                .services
                .iter()
                .map(|s| ServiceRow {
                    name: s.name.clone(),
                    kind: match s.kind {
                        ServiceKind::Web => "web",
                        ServiceKind::Worker => "worker",
                        ServiceKind::CronJob { .. } => "cronjob",
                    },
                    port: s.port.map_or("—".into(), |p| p.to_string()),
                    replicas: per_env_text(p, |e| s.replicas.get(e).to_string()),
                    edges: p
                        .edges_from(&s.name)
                        .map(|e| format!("{} {}", e.kind.keyword(), e.to.name()))
                        .collect(),
                })
                .collect(),
            addons: p.addons(),
            deploy_values: p
                .deploy_values
                .iter()
                .map(|v| DeployRow {
                    key: v.key.clone(),
                    what: deploy_what(&v.source),
                })
                .collect(),
            ci_variables: if azure {
                vec!["`AZURE_CLIENT_ID`", "`AZURE_TENANT_ID`", "`AZURE_SUBSCRIPTION_ID`"]
            } else {
                vec!["`AWS_ROLE_ARN`", "`AWS_REGION`"]
            },
            secrets_rotation: match p.delivery.secrets {
                SecretsBackend::ExternalSecrets => {
                    "External Secrets refreshes the Kubernetes Secret within its refresh interval; restart the deployment to load it."
                }
                SecretsBackend::Csi => {
                    "the Secrets Store CSI driver syncs it on rotation; restart the deployment to load it."
                }
            },
        }
    }
}

/// `2` when uniform, else `dev 1 · staging 2 · production 3`.
fn per_env_text(p: &Platform, f: impl Fn(crate::model::EnvId) -> String) -> String {
    let values: Vec<String> = p.environments.iter().map(|e| f(e.id)).collect();
    if values.windows(2).all(|w| w[0] == w[1]) {
        return values.first().cloned().unwrap_or_default();
    }
    p.environments
        .iter()
        .zip(values)
        .map(|(e, v)| format!("{} {v}", e.name))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn subnet_purpose(p: &Platform, subnet: &str) -> String {
    let mut uses = Vec::new();
    if p.cluster.subnet == subnet {
        uses.push(format!("cluster `{}` nodes", p.cluster.name));
    }
    for d in &p.data {
        if d.subnet.as_deref() == Some(subnet) {
            uses.push(format!("{} `{}`", d.kind.keyword(), d.name));
        }
        if d.private_endpoint.as_deref() == Some(subnet) {
            uses.push(format!("private endpoint of `{}`", d.name));
        }
    }
    if let Some(s) = p.subnet(subnet)
        && s.delegation.is_some()
    {
        uses.push("delegated".into());
    }
    if uses.is_empty() {
        "—".into()
    } else {
        uses.join(", ")
    }
}

fn sizing(p: &Platform) -> Vec<Row> {
    let envs = &p.environments;
    let row = |name: String, f: &dyn Fn(crate::model::EnvId) -> String| Row {
        name,
        values: envs.iter().map(|e| f(e.id)).collect(),
        purpose: String::new(),
    };
    let mut rows = Vec::new();
    for pool in &p.cluster.node_pools {
        rows.push(row(
            format!("{} nodes (`{}` pool)", p.cluster.name, pool.name),
            &|e| {
                let (n, max) = (pool.count.get(e), pool.max_count.get(e));
                let size = pool.vm_size.get(e);
                if max > n {
                    format!("{n} × {size} (autoscale to {max})")
                } else {
                    format!("{n} × {size}")
                }
            },
        ));
    }
    for d in &p.data {
        match &d.kind {
            DataKind::Postgres(pg) => rows.push(row(format!("PostgreSQL `{}`", d.name), &|e| {
                let ha = match pg.high_availability.get(e) {
                    HighAvailability::None => "",
                    HighAvailability::SameZone => " (same-zone HA)",
                    HighAvailability::ZoneRedundant => " (zone-redundant HA)",
                };
                format!("{}, {} GB{ha}", pg.sku.get(e), pg.storage_gb.get(e))
            })),
            DataKind::Redis(r) => {
                rows.push(row(format!("Redis `{}`", d.name), &|e| r.sku.get(e).clone()))
            }
            DataKind::ServiceBus(sb) => rows.push(row(format!("Service Bus `{}`", d.name), &|e| {
                sb.sku.get(e).clone()
            })),
            DataKind::Storage(st) => rows.push(row(format!("Storage `{}`", d.name), &|e| {
                st.replication.get(e).clone()
            })),
            DataKind::KeyVault(_) => {}
        }
    }
    rows.push(row(
        format!("Registry ({:?})", p.delivery.registry.kind).to_uppercase(),
        &|e| p.delivery.registry.sku.get(e).clone(),
    ));
    if let Some(m) = &p.monitoring {
        rows.push(row("Log retention (days)".into(), &|e| {
            m.retention_days.get(e).to_string()
        }));
    }
    rows
}

fn deploy_what(source: &DeploySource) -> String {
    match source {
        DeploySource::IdentityClientId { service } => format!("client id of `{service}`'s identity"),
        DeploySource::SecretsOperatorClientId => "client id of the secrets operator's identity".into(),
        DeploySource::TenantId => "directory (tenant) id".into(),
        DeploySource::VaultUri { data } => format!("URI of vault `{data}`"),
        DeploySource::VaultName { data } => format!("name of vault `{data}`"),
        DeploySource::DatabaseHost { data } => format!("host of database server `{data}`"),
        DeploySource::CacheHost { data } => format!("host of cache `{data}`"),
        DeploySource::MessagingNamespace { data } => format!("namespace host of `{data}`"),
        DeploySource::BlobEndpoint { data } => format!("blob endpoint of `{data}`"),
        DeploySource::QueueEndpoint { data } => format!("queue endpoint of `{data}`"),
        DeploySource::RegistryLoginServer => "registry login server".into(),
        DeploySource::ClusterName => "cluster name".into(),
        DeploySource::OidcIssuer => "cluster OIDC issuer URL".into(),
    }
}

/// Mermaid flowchart: ingress, services, data services, edges.
fn diagram(p: &Platform) -> String {
    let id = |prefix: &str, name: &str| format!("{prefix}_{}", name.replace('-', "_"));
    let mut lines = vec!["flowchart LR".to_string()];
    lines.push("  users([Users])".into());
    lines.push(format!("  subgraph cluster[\"{} cluster {}\"]", p.cloud_label(), p.cluster.name));
    lines.push(format!("    ingress[\"{} ingress\"]", p.cluster.ingress.class_name()));
    for s in &p.services {
        let kind = match s.kind {
            ServiceKind::Web => String::new(),
            ServiceKind::Worker => " (worker)".into(),
            ServiceKind::CronJob { .. } => " (cronjob)".into(),
        };
        lines.push(format!("    {}[\"{}{kind}\"]", id("svc", &s.name), s.name));
    }
    lines.push("  end".into());
    for d in &p.data {
        let place = match d.endpoint.iter().next().map(|(_, e)| e) {
            Some(Endpoint::Subnet { .. }) => "private",
            Some(Endpoint::InCluster { .. }) => "in cluster",
            _ => "public endpoint",
        };
        lines.push(format!(
            "  {}[(\"{} {}<br/>{place}\")]",
            id("data", &d.name),
            d.kind.keyword(),
            d.name
        ));
    }
    lines.push("  users -->|HTTPS| ingress".into());
    for s in &p.services {
        if s.expose.is_some() {
            lines.push(format!("  ingress --> {}", id("svc", &s.name)));
        }
    }
    for e in &p.edges {
        let (to, label) = match &e.to {
            EdgeTarget::Service { name, port } => (id("svc", name), format!("calls :{port}")),
            EdgeTarget::Data { name, detail } => (
                id("data", name),
                match detail {
                    Some(d) => format!("{} {d}", e.kind.keyword()),
                    None => e.kind.keyword().to_string(),
                },
            ),
        };
        lines.push(format!("  {} -->|{label}| {to}", id("svc", &e.from)));
    }
    lines.join("\n")
}

impl Platform {
    fn cloud_label(&self) -> &'static str {
        match self.cloud.kind {
            crate::model::CloudKind::Azure => "AKS",
            crate::model::CloudKind::Aws => "EKS",
        }
    }
}
