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
    CloudKind, DashboardKind, DataKind, DeploySource, EdgeTarget, Endpoint, HighAvailability,
    Observability, Platform, SecretsBackend, ServiceKind, Sli,
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
    /// AWS: where the secrets live (Secrets Manager prefix per environment).
    secrets_store: String,
    /// What each edge opens besides the NetworkPolicies.
    edge_note: &'static str,
    /// AWS: each subnet's per-zone blocks, per environment.
    zonal_subnets: Vec<Row>,
    /// Data services running in the cluster, with their backups.
    in_cluster: Vec<InClusterRow>,
    observability: Option<ObservabilityCtx>,
    /// Image tags, release promotion, pinned actions, CI identities.
    delivery: DeliveryCtx,
    /// The operations CLI (`scripts/<platform>ctl`) and the runbook.
    cli_path: String,
    runbook_path: &'static str,
}

#[derive(Serialize)]
struct InClusterRow {
    kind: &'static str,
    name: String,
    workload: String,
    port: u16,
    volume: String,
    backup: Option<BackupRow>,
}

#[derive(Serialize)]
struct BackupRow {
    cronjob: String,
    schedule: String,
    pvc: String,
    retention: String,
    manual_job: String,
    primary_pod: String,
    user: String,
    databases: Vec<String>,
}

#[derive(Serialize)]
struct ObservabilityCtx {
    stack: Vec<Row>,
    slos: Vec<SloRow>,
    alerts: Vec<AlertRow>,
    dashboards: Vec<DashboardRow>,
    rules_path: String,
    monitors: Vec<String>,
    grafana: bool,
    logs: bool,
    traces: bool,
}

#[derive(Serialize)]
struct SloRow {
    name: String,
    service: String,
    sli: String,
    objective: String,
    window: String,
    description: String,
}

#[derive(Serialize)]
struct AlertRow {
    name: String,
    severity: &'static str,
    slo: String,
    when: String,
}

#[derive(Serialize)]
struct DashboardRow {
    title: String,
    file: String,
    shows: String,
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
                    what: deploy_what(p, &v.source),
                })
                .collect(),
            ci_variables: if azure {
                vec![
                    "`AZURE_CLIENT_ID`",
                    "`AZURE_TENANT_ID`",
                    "`AZURE_SUBSCRIPTION_ID`",
                ]
            } else {
                vec!["`AWS_ROLE_ARN`", "`AWS_REGION`"]
            },
            secrets_store: match p.cloud.kind {
                CloudKind::Aws => p
                    .environments
                    .iter()
                    .map(|e| format!("`{}…`", p.secret_prefix(e.id)))
                    .collect::<Vec<_>>()
                    .join(", "),
                CloudKind::Azure => String::new(),
            },
            edge_note: match p.cloud.kind {
                CloudKind::Azure => {
                    "(the\nNetworkPolicy on both sides, the NSG rule, the identity's role assignment)"
                }
                CloudKind::Aws => {
                    "(the\nNetworkPolicy on both sides; an IRSA role's policy where the edge calls an AWS API)"
                }
            },
            zonal_subnets: if azure { Vec::new() } else { zonal_subnets(p) },
            in_cluster: in_cluster(p),
            observability: p.observability.as_ref().map(|o| observability(p, o)),
            delivery: DeliveryCtx::new(p),
            cli_path: crate::emit::operations::cli_path(p),
            runbook_path: "docs/runbook.md",
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

#[derive(Serialize)]
struct DeliveryCtx {
    /// `stable` moves (mutable registry), or each release gets its own tag.
    moving_tag: Option<&'static str>,
    release_example: String,
    /// AWS: one CI role per GitHub Environment besides the repository's read-only role.
    aws: bool,
    /// The vault whose firewall admits the Terraform runner for the job.
    admitted_vault: Option<String>,
    actions: Vec<ActionRow>,
}

#[derive(Serialize)]
struct ActionRow {
    repo: &'static str,
    release: &'static str,
    sha: &'static str,
}

impl DeliveryCtx {
    fn new(p: &Platform) -> Self {
        let aws = p.cloud.kind == CloudKind::Aws;
        let tag = p.release_tag();
        DeliveryCtx {
            moving_tag: match tag {
                crate::model::ReleaseTag::Moving { tag } => Some(tag),
                crate::model::ReleaseTag::PerRelease { .. } => None,
            },
            release_example: tag.for_release("v1.4.0"),
            aws,
            admitted_vault: p.runner_admitted_vault().map(|v| v.name.clone()),
            actions: crate::emit::github::pinned_actions()
                .iter()
                // Login actions of the other cloud are never used.
                .filter(|a| aws || !a.repo.starts_with("aws-actions/"))
                .filter(|a| !aws || a.repo != "azure/login")
                .map(|a| ActionRow {
                    repo: a.repo,
                    release: a.release,
                    sha: a.sha,
                })
                .collect(),
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
            DataKind::Postgres(pg) if d.in_cluster().is_some() => {
                rows.push(row(format!("PostgreSQL `{}` (in cluster)", d.name), &|e| {
                    format!(
                        "{} GB volume, backups kept {} days",
                        pg.storage_gb.get(e),
                        pg.backup_retention_days.get(e)
                    )
                }))
            }
            DataKind::Redis(r) if d.in_cluster().is_some() => rows
                .push(row(format!("Redis `{}` (in cluster)", d.name), &|e| {
                    format!("{} GB volume", r.storage_gb.get(e))
                })),
            DataKind::Postgres(pg) => rows.push(row(format!("PostgreSQL `{}`", d.name), &|e| {
                let ha = match pg.high_availability.get(e) {
                    HighAvailability::None => "",
                    HighAvailability::SameZone => " (same-zone HA)",
                    HighAvailability::ZoneRedundant => " (zone-redundant HA)",
                };
                format!("{}, {} GB{ha}", pg.sku.get(e), pg.storage_gb.get(e))
            })),
            DataKind::Redis(r) => rows.push(row(format!("Redis `{}`", d.name), &|e| {
                r.sku.get(e).clone()
            })),
            DataKind::ServiceBus(sb) => rows.push(row(format!("Service Bus `{}`", d.name), &|e| {
                sb.sku.get(e).clone()
            })),
            DataKind::Storage(st) => rows.push(row(format!("Storage `{}`", d.name), &|e| {
                st.replication.get(e).clone()
            })),
            DataKind::KeyVault(_) => {}
        }
    }
    match p.delivery.registry.kind {
        // ECR has no tiers: one repository per service under the environment's namespace.
        crate::model::RegistryKind::Ecr => rows.push(row("ECR repositories".into(), &|e| {
            format!("`{}/…`", p.delivery.registry.cloud_name.get(e))
        })),
        crate::model::RegistryKind::Acr => rows.push(row(
            format!("Registry ({:?})", p.delivery.registry.kind).to_uppercase(),
            &|e| p.delivery.registry.sku.get(e).clone(),
        )),
    }
    if let Some(m) = &p.monitoring {
        rows.push(row("Log retention (days)".into(), &|e| {
            m.retention_days.get(e).to_string()
        }));
    }
    rows
}

fn zonal_subnets(p: &Platform) -> Vec<Row> {
    p.subnets
        .iter()
        .map(|s| Row {
            name: s.name.clone(),
            values: p
                .environments
                .iter()
                .map(|e| {
                    p.zone_subnets(s, e.id)
                        .iter()
                        .map(|z| format!("{} {}", z.zone, z.cidr))
                        .collect::<Vec<_>>()
                        .join("<br/>")
                })
                .collect(),
            purpose: if s.public {
                "public: load balancers, NAT gateways".into()
            } else {
                "private".into()
            },
        })
        .collect()
}

fn in_cluster(p: &Platform) -> Vec<InClusterRow> {
    p.in_cluster_data()
        .into_iter()
        .map(|(d, n)| {
            let volume = match &d.kind {
                DataKind::Postgres(pg) => {
                    per_env_text(p, |e| format!("{} GB", pg.storage_gb.get(e)))
                }
                DataKind::Redis(r) => per_env_text(p, |e| format!("{} GB", r.storage_gb.get(e))),
                _ => String::new(),
            };
            InClusterRow {
                kind: match &d.kind {
                    DataKind::Postgres(_) => "PostgreSQL",
                    _ => "Redis",
                },
                name: d.name.clone(),
                workload: n.workload.clone(),
                port: n.port,
                volume,
                backup: n.backup.as_ref().map(|b| BackupRow {
                    cronjob: b.cronjob.clone(),
                    schedule: b.schedule.clone(),
                    pvc: b.pvc.clone(),
                    retention: per_env_text(p, |e| format!("{} days", b.retention_days.get(e))),
                    manual_job: b.manual_job.clone(),
                    primary_pod: n.primary_pod.clone(),
                    user: n.admin_user.clone().unwrap_or_default(),
                    databases: n.databases.clone(),
                }),
            }
        })
        .collect()
}

fn observability(p: &Platform, o: &Observability) -> ObservabilityCtx {
    let backend = |label: &str, b: &crate::model::Backend| Row {
        name: label.to_string(),
        values: p
            .environments
            .iter()
            .map(|e| {
                format!(
                    "{} days, {} GB",
                    b.retention_days.get(e.id),
                    b.storage_gb.get(e.id)
                )
            })
            .collect(),
        purpose: String::new(),
    };
    let mut stack = vec![backend("Prometheus (metrics)", &o.metrics)];
    if let Some(l) = &o.logs {
        stack.push(backend("Loki (logs)", l));
    }
    if let Some(t) = &o.traces {
        stack.push(backend("Tempo (traces)", t));
    }
    let dir = crate::emit::observability::DIR;
    ObservabilityCtx {
        stack,
        slos: o
            .slos
            .iter()
            .map(|s| SloRow {
                name: s.name.clone(),
                service: s.service.clone(),
                sli: match s.sli {
                    Sli::Availability => "availability (scrape target up)".into(),
                    Sli::ErrorRate => format!("error rate (`{}` with a 5xx `code`)", s.requests_metric),
                    Sli::LatencyP95 => format!(
                        "P95 latency under {} ms (`{}`)",
                        s.threshold_ms.unwrap_or(0),
                        s.duration_metric
                    ),
                },
                objective: format!("{}%", s.objective),
                window: format!("{} days", s.window_days),
                description: s.description.clone(),
            })
            .collect(),
        alerts: o
            .alerts
            .iter()
            .filter_map(|a| {
                let slo = o.slo(&a.slo)?;
                Some(AlertRow {
                    name: a.prometheus_name(),
                    severity: a.severity.keyword(),
                    slo: a.slo.clone(),
                    when: match slo.sli {
                        Sli::LatencyP95 => format!(
                            "P95 above {} ms for {} min",
                            slo.threshold_ms.unwrap_or(0),
                            a.for_minutes
                        ),
                        _ => "error budget burning 14.4× too fast over 1 h (and 5 min), or 6× over 6 h (and 30 min)".into(),
                    },
                })
            })
            .collect(),
        dashboards: o
            .dashboards
            .iter()
            .map(|d| DashboardRow {
                title: d.title.clone(),
                file: format!("{dir}/dashboards/{}.json", d.name),
                shows: match &d.kind {
                    DashboardKind::PlatformOverview => {
                        "pods, nodes, restarts; request rate, error rate and P95 latency of every service; SLO budgets".into()
                    }
                    DashboardKind::ServiceHealth { service } => format!(
                        "`{service}`: SLO compliance and budget, requests by status, errors, P95, replicas, CPU, memory, error logs"
                    ),
                    DashboardKind::LogsTraces => {
                        "log volume and errors per service, logs linked to their traces in Tempo, recent traces".into()
                    }
                },
            })
            .collect(),
        rules_path: format!("{dir}/slo-rules.yaml"),
        monitors: p
            .services
            .iter()
            .filter(|s| s.metrics.is_some())
            .map(|s| s.name.clone())
            .collect(),
        grafana: o.grafana,
        logs: o.logs.is_some(),
        traces: o.traces.is_some(),
    }
}

fn deploy_what(p: &Platform, source: &DeploySource) -> String {
    let id = match p.cloud.kind {
        CloudKind::Aws => "IAM role ARN",
        CloudKind::Azure => "client id",
    };
    match source {
        DeploySource::IdentityClientId { service } => format!("{id} of `{service}`'s identity"),
        DeploySource::SecretsOperatorClientId => format!("{id} of the secrets operator's identity"),
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
    lines.push(format!(
        "  subgraph cluster[\"{} cluster {}\"]",
        p.cloud_label(),
        p.cluster.name
    ));
    lines.push(format!(
        "    ingress[\"{} ingress\"]",
        p.cluster.ingress.class_name()
    ));
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
