//! `docs/runbook.md`: the incident runbook, rendered from
//! `templates/runbook.md.j2` with a context read from the model.

use serde::Serialize;

use super::{cli_path, render};
use crate::emit::File;
use crate::model::{DashboardKind, DataKind, EdgeTarget, Platform, ServiceKind, Sli};

const TEMPLATE: &str = include_str!("../../../templates/runbook.md.j2");

#[derive(Serialize)]
struct Ctx {
    title: String,
    name: String,
    source: String,
    namespace: String,
    environments: Vec<String>,
    cli_path: String,
    example: Example,
    services: Vec<ServiceRow>,
    data: Vec<DataRow>,
    backups: Vec<BackupRow>,
    alerts: Vec<AlertRow>,
    dashboards: Vec<DashboardRow>,
}

/// The service the outage walkthrough uses: the most connected one.
#[derive(Serialize)]
struct Example {
    name: String,
    edges: Vec<String>,
    autoscaled: bool,
}

#[derive(Serialize)]
struct ServiceRow {
    name: String,
    depends: Vec<String>,
    dependents: Vec<String>,
    exposed: bool,
    probe: String,
}

#[derive(Serialize)]
struct DataRow {
    primary_pod: String,
    ready: String,
}

#[derive(Serialize)]
struct BackupRow {
    data: String,
    workload: String,
    cronjob: String,
    schedule: String,
    pvc: String,
    retention: String,
    manual_job: String,
    user: String,
    writers: Vec<String>,
}

/// One alert of the runbook's table (filled from the observability model).
#[derive(Serialize)]
pub struct AlertRow {
    pub name: String,
    pub severity: String,
    pub when: String,
    pub response: String,
}

#[derive(Serialize)]
pub struct DashboardRow {
    pub title: String,
}

/// The alerts on the spec's SLOs: when each fires and what to do first.
fn alerts(platform: &Platform) -> Vec<AlertRow> {
    let Some(obs) = &platform.observability else {
        return Vec::new();
    };
    let health = |service: &str| {
        obs.dashboards
            .iter()
            .find(
                |d| matches!(&d.kind, DashboardKind::ServiceHealth { service: s } if s == service),
            )
            .or_else(|| obs.dashboards.first())
            .map(|d| format!("open **{}**, then ", d.title))
            .unwrap_or_default()
    };
    obs.alerts
        .iter()
        .filter_map(|a| {
            let slo = obs.slo(&a.slo)?;
            let when = match slo.sli {
                Sli::LatencyP95 => format!(
                    "P95 latency of `{}` above {} ms for {} min (SLO `{}`: {}% within {} ms over {} days)",
                    slo.service,
                    slo.threshold_ms.unwrap_or(0),
                    a.for_minutes,
                    slo.name,
                    slo.objective,
                    slo.threshold_ms.unwrap_or(0),
                    slo.window_days
                ),
                Sli::Availability | Sli::ErrorRate => format!(
                    "`{}` burns its {}-day error budget (SLO `{}`: {}%) 14.4× too fast over 1 h, or 6× over 6 h",
                    slo.service, slo.window_days, slo.name, slo.objective
                ),
            };
            let response = format!(
                "{}follow *Service outage* for `{}`; roll back if it started with a deploy",
                health(&slo.service),
                slo.service
            );
            Some(AlertRow {
                name: a.prometheus_name(),
                severity: a.severity.keyword().to_string(),
                when,
                response,
            })
        })
        .collect()
}

pub fn emit(platform: &Platform) -> File {
    // Who depends on whom, in one pass (edges_to per service is quadratic).
    let mut dependents: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for e in &platform.edges {
        dependents
            .entry(e.to.name())
            .or_default()
            .push(format!("`{}`", e.from));
    }
    let services: Vec<ServiceRow> = platform
        .services
        .iter()
        .map(|s| ServiceRow {
            name: s.name.clone(),
            depends: platform
                .edges_from(&s.name)
                .map(|e| format!("`{}` ({})", e.to.name(), e.kind.keyword()))
                .collect(),
            dependents: dependents.remove(s.name.as_str()).unwrap_or_default(),
            exposed: s.expose.is_some(),
            probe: match (&s.probe, &s.kind) {
                (Some(p), _) => format!("`GET :{}{}`", p.port, p.path),
                (None, ServiceKind::CronJob { schedule }) => format!("CronJob `{schedule}`"),
                (None, _) => "—".into(),
            },
        })
        .collect();
    let example = services
        .iter()
        .max_by_key(|s| {
            (
                s.depends.len() + s.dependents.len(),
                std::cmp::Reverse(s.name.clone()),
            )
        })
        .map(|row| {
            let service = platform.service(&row.name);
            Example {
                name: row.name.clone(),
                edges: platform
                    .edges_from(&row.name)
                    .filter_map(|e| match &e.to {
                        EdgeTarget::Service { name, port } => {
                            let path = platform
                                .service(name)
                                .and_then(|t| t.probe.as_ref())
                                .map(|p| p.path.clone())
                                .unwrap_or_else(|| "/".into());
                            Some(format!("http://{name}:{port}{path}"))
                        }
                        EdgeTarget::Data { .. } => None,
                    })
                    .collect(),
                autoscaled: service.is_some_and(|s| s.autoscale.is_some()),
            }
        })
        .unwrap_or(Example {
            name: "<service>".into(),
            edges: Vec::new(),
            autoscaled: false,
        });
    let in_cluster = platform.in_cluster_data();
    let data = in_cluster
        .iter()
        .map(|(d, n)| DataRow {
            primary_pod: n.primary_pod.clone(),
            ready: match &d.kind {
                DataKind::Postgres(_) => {
                    format!("pg_isready -U {}", n.admin_user.clone().unwrap_or_default())
                }
                _ => "sh -c 'redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" ping'".into(),
            },
        })
        .collect();
    let backups = in_cluster
        .iter()
        .filter_map(|(d, n)| {
            let b = n.backup.as_ref()?;
            let retention = platform
                .environments
                .iter()
                .map(|e| format!("{}: {} days", e.name, b.retention_days.get(e.id)))
                .collect::<Vec<_>>()
                .join(", ");
            Some(BackupRow {
                data: d.name.clone(),
                workload: n.workload.clone(),
                cronjob: b.cronjob.clone(),
                schedule: b.schedule.clone(),
                pvc: b.pvc.clone(),
                retention,
                manual_job: b.manual_job.clone(),
                user: n.admin_user.clone().unwrap_or_default(),
                writers: platform.edges_to(&d.name).map(|e| e.from.clone()).collect(),
            })
        })
        .collect();
    let ctx = Ctx {
        title: platform.title.clone(),
        name: platform.name.clone(),
        source: platform.source.clone(),
        namespace: platform.namespace.clone(),
        environments: platform
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect(),
        cli_path: cli_path(platform),
        example,
        services,
        data,
        backups,
        alerts: alerts(platform),
        dashboards: platform
            .observability
            .iter()
            .flat_map(|o| &o.dashboards)
            .map(|d| DashboardRow {
                title: d.title.clone(),
            })
            .collect(),
    };
    File::new(platform, "docs/runbook.md", render(TEMPLATE, &ctx))
}
