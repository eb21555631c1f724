//! The workload of a service: a Deployment (web, worker) or a CronJob.
//!
//! The pod runs restricted: non-root with the spec's UID, read-only root
//! filesystem (an emptyDir at /tmp for scratch files), every capability
//! dropped, no privilege escalation, seccomp RuntimeDefault, no
//! service-account token unless the service talks to the Kubernetes API,
//! requests and limits on the container. A service that runs several pods
//! prefers to spread them over nodes (pod anti-affinity); where the
//! environment has zones the overlay spreads them over zones too.
//!
//! The image is `<registry>/<image>:<tag>` where both registry and tag are
//! deploy values: the base writes placeholders and the overlay's
//! `replacements` put the registry login server and the commit SHA in (see
//! [`super::deploy_values`]).

use serde_json::{Map, Value, json};

use super::meta::{self, PLACEHOLDER, base_value, varies};
use super::{autoscaling, checkov, cloud, deploy_values, secrets};
use crate::model::{EnvId, EnvValue, Platform, Service, ServiceKind};

/// Name of the container port every Service and probe refers to.
pub const HTTP_PORT_NAME: &str = "http";

const TMP_VOLUME: &str = "tmp";

/// The workload object of a service.
pub fn workload(platform: &Platform, service: &Service) -> Value {
    let mut metadata = meta::metadata(platform, &service.name, &service.name);
    metadata["annotations"] = Value::Object(checkov::annotations(&checkov::workload_skips(
        platform, service,
    )));
    let template = pod_template(platform, service);
    match &service.kind {
        ServiceKind::CronJob { schedule } => json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata,
            "spec": {
                "schedule": schedule,
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "metadata": { "labels": meta::labels(platform, &service.name) },
                    "spec": { "backoffLimit": 2, "template": template },
                },
            },
        }),
        ServiceKind::Web | ServiceKind::Worker => {
            let mut spec = Map::new();
            // With an HPA the Deployment leaves replicas to it, so applying
            // the manifests never scales a running service down.
            if service.autoscale.is_none() {
                spec.insert("replicas".into(), json!(base_value(&service.replicas)));
            }
            spec.insert("revisionHistoryLimit".into(), json!(5));
            spec.insert(
                "selector".into(),
                json!({ "matchLabels": meta::selector(&service.name) }),
            );
            spec.insert(
                "strategy".into(),
                json!({ "type": "RollingUpdate", "rollingUpdate": { "maxSurge": 1, "maxUnavailable": 0 } }),
            );
            spec.insert("template".into(), template);
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": metadata,
                "spec": spec,
            })
        }
    }
}

/// Pod labels: the standard ones plus the cloud's workload-identity label.
fn pod_labels(platform: &Platform, service: &Service) -> Map<String, Value> {
    let mut labels = meta::labels(platform, &service.name);
    if service.identity.is_some()
        && let Some((key, value)) = cloud::identity_binding(platform.cloud.kind).pod_label
    {
        labels.insert(key.into(), json!(value));
    }
    labels
}

fn pod_template(platform: &Platform, service: &Service) -> Value {
    let uid = service.run_as_user;
    let mut volumes = vec![json!({ "name": TMP_VOLUME, "emptyDir": {} })];
    volumes.extend(secrets::pod_volume(platform, service));
    let mut spec = Map::new();
    spec.insert(
        "serviceAccountName".into(),
        json!(meta::service_account_name(service)),
    );
    spec.insert(
        "automountServiceAccountToken".into(),
        json!(service.needs_kubernetes_api),
    );
    if matches!(service.kind, ServiceKind::CronJob { .. }) {
        spec.insert("restartPolicy".into(), json!("OnFailure"));
    }
    spec.insert(
        "securityContext".into(),
        json!({
            "runAsNonRoot": true,
            "runAsUser": uid,
            "runAsGroup": uid,
            "fsGroup": uid,
            "seccompProfile": { "type": "RuntimeDefault" },
        }),
    );
    if autoscaling::runs_several(service) {
        // Replicas on different nodes where the scheduler can: one node
        // failing or draining never takes every pod of the service.
        spec.insert(
            "affinity".into(),
            json!({ "podAntiAffinity": { "preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100,
                "podAffinityTerm": {
                    "labelSelector": { "matchLabels": meta::selector(&service.name) },
                    "topologyKey": "kubernetes.io/hostname",
                },
            }] } }),
        );
    }
    spec.insert("containers".into(), json!([container(platform, service)]));
    spec.insert("volumes".into(), Value::Array(volumes));
    json!({
        "metadata": { "labels": pod_labels(platform, service) },
        "spec": spec,
    })
}

/// The committed image reference: registry and tag are placeholders that the
/// overlay's replacements overwrite (registry = first `/` segment, tag =
/// after the `:`).
pub fn image_placeholder(service: &Service) -> String {
    format!("{PLACEHOLDER}/{}:{PLACEHOLDER}", service.image)
}

fn container(platform: &Platform, service: &Service) -> Value {
    let uid = service.run_as_user;
    let mut c = Map::new();
    c.insert("name".into(), json!(service.name));
    c.insert("image".into(), json!(image_placeholder(service)));
    c.insert("imagePullPolicy".into(), json!("Always"));
    let mut ports = Vec::new();
    if let Some(port) = service.port {
        ports.push(json!({ "name": HTTP_PORT_NAME, "containerPort": port, "protocol": "TCP" }));
    }
    if let Some(metrics) = &service.metrics
        && Some(metrics.port) != service.port
    {
        ports.push(json!({ "name": "metrics", "containerPort": metrics.port, "protocol": "TCP" }));
    }
    if !ports.is_empty() {
        c.insert("ports".into(), Value::Array(ports));
    }
    let env = env_vars(service);
    if !env.is_empty() {
        c.insert("env".into(), Value::Array(env));
    }
    c.insert("resources".into(), resources(service, None));
    if let Some((liveness, readiness)) = probes(service) {
        c.insert("livenessProbe".into(), liveness);
        c.insert("readinessProbe".into(), readiness);
    }
    c.insert(
        "securityContext".into(),
        json!({
            "allowPrivilegeEscalation": false,
            "privileged": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "runAsUser": uid,
            "runAsGroup": uid,
            "capabilities": { "drop": ["ALL"] },
            "seccompProfile": { "type": "RuntimeDefault" },
        }),
    );
    let mut mounts = vec![json!({ "name": TMP_VOLUME, "mountPath": "/tmp" })];
    mounts.extend(secrets::container_mount(platform, service));
    c.insert("volumeMounts".into(), Value::Array(mounts));
    Value::Object(c)
}

/// The container's environment, sorted by name: plain values from the
/// service's ConfigMap, secrets from its Secret, deploy values from the
/// deploy-values ConfigMap.
fn env_vars(service: &Service) -> Vec<Value> {
    let mut vars: Vec<(String, Value)> = super::config::literals(service)
        .into_iter()
        .map(|(name, _)| {
            (
                name.to_string(),
                json!({ "configMapKeyRef": { "name": meta::config_map_name(service), "key": name } }),
            )
        })
        .collect();
    for var in &service.env {
        let source = match &var.value {
            EnvValue::Literal { .. } => continue,
            EnvValue::Secret { .. } => {
                json!({ "secretKeyRef": { "name": meta::secret_name(service), "key": var.name } })
            }
            EnvValue::Deploy { key } => {
                json!({ "configMapKeyRef": { "name": deploy_values::CONFIG_MAP, "key": key } })
            }
        };
        vars.push((var.name.clone(), source));
    }
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars.into_iter()
        .map(|(name, source)| json!({ "name": name, "valueFrom": source }))
        .collect()
}

/// Requests and limits: the base's (first environment) when `env` is `None`,
/// otherwise only the quantities that differ per environment.
fn resources(service: &Service, env: Option<EnvId>) -> Value {
    let r = &service.resources;
    let pick = |v: &crate::model::PerEnv<String>| -> Option<Value> {
        match env {
            None => Some(json!(base_value(v))),
            Some(env) => varies(v).then(|| json!(v.get(env))),
        }
    };
    let mut requests = Map::new();
    let mut limits = Map::new();
    if let Some(v) = pick(&r.cpu) {
        requests.insert("cpu".into(), v);
    }
    if let Some(v) = pick(&r.memory) {
        requests.insert("memory".into(), v);
    }
    if let Some(v) = pick(&r.cpu_limit) {
        limits.insert("cpu".into(), v);
    }
    if let Some(v) = pick(&r.memory_limit) {
        limits.insert("memory".into(), v);
    }
    let mut out = Map::new();
    if !limits.is_empty() {
        out.insert("limits".into(), Value::Object(limits));
    }
    if !requests.is_empty() {
        out.insert("requests".into(), Value::Object(requests));
    }
    Value::Object(out)
}

/// Liveness and readiness probes: the spec's HTTP probe, or a TCP probe on
/// the service's port when it declares none.
fn probes(service: &Service) -> Option<(Value, Value)> {
    let action = match (&service.probe, service.port) {
        (Some(probe), _) => json!({ "httpGet": { "path": probe.path, "port": probe.port } }),
        (None, Some(port)) => json!({ "tcpSocket": { "port": port } }),
        (None, None) => return None,
    };
    if matches!(service.kind, ServiceKind::CronJob { .. }) {
        return None;
    }
    let mut liveness = action.clone();
    liveness["initialDelaySeconds"] = json!(10);
    liveness["periodSeconds"] = json!(20);
    liveness["failureThreshold"] = json!(3);
    let mut readiness = action;
    readiness["periodSeconds"] = json!(10);
    readiness["failureThreshold"] = json!(3);
    Some((liveness, readiness))
}

/// The strategic-merge patch of a service's workload in environment `env`:
/// replicas and resources that differ per environment, and the zone spread
/// where the environment has zones. `None` when nothing differs.
pub fn env_patch(platform: &Platform, service: &Service, env: EnvId) -> Option<Value> {
    let mut pod_spec = Map::new();
    let container = json!({ "name": service.name, "resources": resources(service, Some(env)) });
    if container["resources"]
        .as_object()
        .is_some_and(|r| !r.is_empty())
    {
        pod_spec.insert("containers".into(), json!([container]));
    }
    let zoned = platform
        .environments
        .get(env.0)
        .is_some_and(|e| e.has_zones());
    let (kind, api) = match service.kind {
        ServiceKind::CronJob { .. } => ("CronJob", "batch/v1"),
        _ => ("Deployment", "apps/v1"),
    };
    let mut spec = Map::new();
    if kind == "Deployment" {
        if zoned {
            pod_spec.insert(
                "topologySpreadConstraints".into(),
                json!([{
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": { "matchLabels": meta::selector(&service.name) },
                    "matchLabelKeys": ["pod-template-hash"],
                }]),
            );
        }
        if service.autoscale.is_none() && varies(&service.replicas) {
            spec.insert("replicas".into(), json!(service.replicas.get(env)));
        }
    }
    if !pod_spec.is_empty() {
        let template = json!({ "spec": pod_spec });
        match kind {
            "CronJob" => {
                spec.insert(
                    "jobTemplate".into(),
                    json!({ "spec": { "template": template } }),
                );
            }
            _ => {
                spec.insert("template".into(), template);
            }
        }
    }
    if spec.is_empty() {
        return None;
    }
    Some(json!({
        "apiVersion": api,
        "kind": kind,
        "metadata": { "name": service.name, "namespace": platform.namespace },
        "spec": spec,
    }))
}
