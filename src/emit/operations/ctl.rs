//! `scripts/<platform>ctl`: the environment validation CLI (the seed's
//! `shopctl`), rendered from `templates/ctl.sh.j2`.

use serde::Serialize;
use serde_json::json;

use super::{cli_path, render};
use crate::emit::File;
use crate::model::{CloudKind, EdgeTarget, Platform, SecretsBackend, ServiceKind};

const TEMPLATE: &str = include_str!("../../../templates/ctl.sh.j2");

/// Resources of the short-lived backup shell pod (restricted namespaces need them).
const SHELL_RESOURCES: (&str, &str) = ("100m", "256Mi");

#[derive(Serialize)]
struct Ctx {
    cli: String,
    title: String,
    cloud: &'static str,
    namespace: String,
    environments: Vec<EnvCtx>,
    deployments: Vec<String>,
    services: Vec<String>,
    statefulsets: Vec<crate::model::InClusterNames>,
    autoscaled: Vec<String>,
    backups: Vec<BackupCtx>,
    external_secrets: bool,
    edges: Vec<EdgeCtx>,
}

#[derive(Serialize)]
struct EnvCtx {
    name: String,
    urls: Vec<String>,
}

#[derive(Serialize)]
struct EdgeCtx {
    from: String,
    to: String,
    port: u16,
    probe: String,
}

#[derive(Serialize)]
struct BackupCtx {
    cronjob: String,
    schedule: String,
    manual_job: String,
    shell_pod: String,
    image: String,
    labels: String,
    overrides: String,
    database: String,
    host: String,
    integrity: String,
}

pub fn emit(platform: &Platform) -> File {
    let path = cli_path(platform);
    let cli = path.rsplit('/').next().unwrap_or(&path).to_string();
    let environments = platform
        .environments
        .iter()
        .map(|env| EnvCtx {
            name: env.name.clone(),
            urls: platform
                .services
                .iter()
                .filter_map(|s| s.expose.as_ref())
                .map(|e| {
                    let scheme = if e.tls { "https" } else { "http" };
                    format!("{scheme}://{}{}", e.host.get(env.id), e.path)
                })
                .collect(),
        })
        .collect();
    let long_running: Vec<_> = platform
        .services
        .iter()
        .filter(|s| !matches!(s.kind, ServiceKind::CronJob { .. }))
        .collect();
    let edges = platform
        .edges
        .iter()
        .filter_map(|e| match &e.to {
            EdgeTarget::Service { name, port } => {
                let path = platform
                    .service(name)
                    .and_then(|s| s.probe.as_ref())
                    .map(|p| p.path.clone())
                    .unwrap_or_else(|| "/".into());
                let url = format!("http://{name}:{port}{path}");
                Some(EdgeCtx {
                    from: e.from.clone(),
                    to: name.clone(),
                    port: *port,
                    probe: format!("wget -qO- -T 5 {url} || curl -fsS -m 5 {url}"),
                })
            }
            EdgeTarget::Data { .. } => None,
        })
        .collect();
    let in_cluster = platform.in_cluster_data();
    let backups = in_cluster
        .iter()
        .filter_map(|(_, names)| names.backup.as_ref().map(|b| (names, b)))
        .take(1)
        .map(|(names, b)| backup_ctx(platform, names, b))
        .collect();
    let ctx = Ctx {
        cli,
        title: platform.title.clone(),
        cloud: match platform.cloud.kind {
            CloudKind::Aws => "aws",
            CloudKind::Azure => "azure",
        },
        namespace: platform.namespace.clone(),
        environments,
        deployments: long_running.iter().map(|s| s.name.clone()).collect(),
        services: long_running
            .iter()
            .filter(|s| s.port.is_some())
            .map(|s| s.name.clone())
            .chain(in_cluster.iter().map(|(_, n)| n.workload.clone()))
            .collect(),
        statefulsets: in_cluster.iter().map(|(_, n)| n.clone()).collect(),
        autoscaled: platform
            .services
            .iter()
            .filter(|s| s.autoscale.is_some())
            .map(|s| s.name.clone())
            .collect(),
        backups,
        external_secrets: platform.delivery.secrets == SecretsBackend::ExternalSecrets
            && (platform.services.iter().any(|s| !s.secrets.is_empty()) || !in_cluster.is_empty()),
        edges,
    };
    File::new(platform, path, render(TEMPLATE, &ctx))
}

fn backup_ctx(
    platform: &Platform,
    names: &crate::model::InClusterNames,
    b: &crate::model::BackupJob,
) -> BackupCtx {
    let shell_pod = format!("{}-shell", b.cronjob);
    let user = names.admin_user.clone().unwrap_or_default();
    let database = names
        .databases
        .first()
        .cloned()
        .unwrap_or_else(|| user.clone());
    let overrides = json!({
        "apiVersion": "v1",
        "spec": {
            "securityContext": {
                "runAsNonRoot": true,
                "runAsUser": names.run_as_user,
                "runAsGroup": names.run_as_user,
                "fsGroup": names.run_as_user,
                "seccompProfile": { "type": "RuntimeDefault" },
            },
            "containers": [{
                "name": shell_pod,
                "image": names.image,
                "command": ["sleep", "3600"],
                "env": [
                    { "name": "PGHOST", "value": names.workload },
                    { "name": "PGUSER", "value": user },
                    { "name": "PGDATABASE", "value": database },
                    { "name": "PGPASSWORD", "valueFrom": { "secretKeyRef": {
                        "name": names.credentials_secret, "key": names.password_key } } },
                ],
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": { "drop": ["ALL"] },
                },
                "resources": {
                    "requests": { "cpu": SHELL_RESOURCES.0, "memory": SHELL_RESOURCES.1 },
                    "limits": { "cpu": SHELL_RESOURCES.0, "memory": SHELL_RESOURCES.1 },
                },
                "volumeMounts": [{ "name": "backups", "mountPath": "/backups" }],
            }],
            "volumes": [{ "name": "backups", "persistentVolumeClaim": { "claimName": b.pvc } }],
        },
    });
    BackupCtx {
        cronjob: b.cronjob.clone(),
        schedule: b.schedule.clone(),
        manual_job: b.manual_job.clone(),
        shell_pod,
        image: names.image.clone(),
        labels: format!(
            "app.kubernetes.io/name={},app.kubernetes.io/part-of={}",
            b.cronjob, platform.name
        ),
        overrides: overrides.to_string(),
        database,
        host: names.workload.clone(),
        integrity: "psql -At -c \"select 'tables in public: ' || count(*) from information_schema.tables where table_schema = 'public'\"".into(),
    }
}
