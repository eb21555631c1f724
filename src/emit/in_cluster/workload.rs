//! The StatefulSet of an in-cluster database or cache, its headless Service
//! and its ServiceAccount.
//!
//! Restricted Pod Security throughout: the official images run as their own
//! non-root user, the root filesystem is read-only (the server writes only to
//! its data volume and to in-memory scratch directories), no capabilities, no
//! service-account token. The data volume comes from a volumeClaimTemplate on
//! the encrypted StorageClass.

use serde_json::{Value, json};

use super::{labels, metadata, skips, storage_class};
use crate::model::{DataKind, DataService, EnvId, InClusterNames, Platform};

/// Requests and limits of the data containers (cpu, memory, cpu limit, memory limit).
fn resources(data: &DataService) -> Value {
    let (cpu, mem, cpu_l, mem_l) = match data.kind {
        DataKind::Postgres(_) => ("250m", "512Mi", "1", "1Gi"),
        _ => ("100m", "128Mi", "500m", "256Mi"),
    };
    json!({ "requests": { "cpu": cpu, "memory": mem }, "limits": { "cpu": cpu_l, "memory": mem_l } })
}

fn storage_gb(data: &DataService, env: EnvId) -> u32 {
    match &data.kind {
        DataKind::Postgres(p) => *p.storage_gb.get(env),
        DataKind::Redis(r) => *r.storage_gb.get(env),
        _ => 1,
    }
}

pub fn service_account(platform: &Platform, name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(platform, name, name),
        "automountServiceAccountToken": false,
    })
}

/// Headless Service: stable DNS for the StatefulSet's pod (`<name>:<port>`).
pub fn service(platform: &Platform, names: &InClusterNames) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(platform, &names.workload, &names.workload),
        "spec": {
            "clusterIP": "None",
            "selector": { "app.kubernetes.io/name": names.workload },
            "ports": [{ "name": "tcp", "port": names.port, "targetPort": names.port, "protocol": "TCP" }],
        },
    })
}

/// Name of the ConfigMap creating the additional databases.
fn init_config_name(names: &InClusterNames) -> String {
    format!("{}-init", names.workload)
}

/// A ConfigMap with `CREATE DATABASE` for every database after the first
/// (the image creates the first from `POSTGRES_DB`).
pub fn init_config(platform: &Platform, names: &InClusterNames) -> Option<Value> {
    if names.databases.len() < 2 {
        return None;
    }
    let sql: String = names.databases[1..]
        .iter()
        .map(|db| format!("CREATE DATABASE \"{db}\";\n"))
        .collect();
    Some(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(platform, &init_config_name(names), &names.workload),
        "data": { "10-databases.sql": sql },
    }))
}

fn volume_claim(platform: &Platform, names: &InClusterNames, gb: u32) -> Value {
    json!([{
        "metadata": { "name": names.data_volume, "labels": labels(platform, &names.workload) },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class(platform),
            "resources": { "requests": { "storage": format!("{gb}Gi") } },
        },
    }])
}

fn container(data: &DataService, names: &InClusterNames) -> Value {
    let password =
        json!({ "secretKeyRef": { "name": names.credentials_secret, "key": names.password_key } });
    let security = json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": { "drop": ["ALL"] },
    });
    match &data.kind {
        DataKind::Postgres(_) => {
            let user = names.admin_user.clone().unwrap_or_default();
            let db = names
                .databases
                .first()
                .cloned()
                .unwrap_or_else(|| user.clone());
            let ready = json!({ "exec": { "command": ["pg_isready", "-U", user, "-d", db] } });
            let mut mounts = vec![
                json!({ "name": names.data_volume, "mountPath": "/var/lib/postgresql/data" }),
                json!({ "name": "run", "mountPath": "/var/run/postgresql" }),
                json!({ "name": "tmp", "mountPath": "/tmp" }),
            ];
            if names.databases.len() > 1 {
                mounts.push(json!({ "name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": true }));
            }
            json!({
                "name": "postgres",
                "image": names.image,
                "imagePullPolicy": "Always",
                "ports": [{ "name": "tcp", "containerPort": names.port, "protocol": "TCP" }],
                "env": [
                    { "name": "POSTGRES_USER", "value": user },
                    { "name": "POSTGRES_DB", "value": db },
                    { "name": "POSTGRES_PASSWORD", "valueFrom": password },
                    { "name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata" },
                ],
                "readinessProbe": { "exec": ready["exec"], "periodSeconds": 10, "timeoutSeconds": 5 },
                "livenessProbe": { "exec": ready["exec"], "initialDelaySeconds": 30, "periodSeconds": 20, "timeoutSeconds": 5 },
                "resources": resources(data),
                "securityContext": security,
                "volumeMounts": mounts,
            })
        }
        _ => {
            let ping = json!({ "exec": { "command": ["sh", "-c", "redis-cli --no-auth-warning -a \"$REDIS_PASSWORD\" ping"] } });
            json!({
                "name": "redis",
                "image": names.image,
                "imagePullPolicy": "Always",
                "args": ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data", "--protected-mode", "yes"],
                "ports": [{ "name": "tcp", "containerPort": names.port, "protocol": "TCP" }],
                "env": [{ "name": "REDIS_PASSWORD", "valueFrom": password }],
                "readinessProbe": { "exec": ping["exec"], "periodSeconds": 10, "timeoutSeconds": 5 },
                "livenessProbe": { "exec": ping["exec"], "initialDelaySeconds": 15, "periodSeconds": 20, "timeoutSeconds": 5 },
                "resources": resources(data),
                "securityContext": security,
                "volumeMounts": [
                    { "name": names.data_volume, "mountPath": "/data" },
                    { "name": "tmp", "mountPath": "/tmp" },
                ],
            })
        }
    }
}

pub fn stateful_set(
    platform: &Platform,
    data: &DataService,
    names: &InClusterNames,
    env: EnvId,
) -> Value {
    let uid = names.run_as_user;
    let mut volumes =
        vec![json!({ "name": "tmp", "emptyDir": { "medium": "Memory", "sizeLimit": "64Mi" } })];
    if matches!(data.kind, DataKind::Postgres(_)) {
        volumes.push(
            json!({ "name": "run", "emptyDir": { "medium": "Memory", "sizeLimit": "16Mi" } }),
        );
        if names.databases.len() > 1 {
            volumes
                .push(json!({ "name": "init", "configMap": { "name": init_config_name(names) } }));
        }
    }
    let mut meta = metadata(platform, &names.workload, &names.workload);
    meta["annotations"] = skips(&[
        (
            "CKV_K8S_43",
            "official image pinned to its major-version tag; the digest is updated by re-running platc",
        ),
        (
            "CKV_K8S_35",
            "the server reads its password from an environment variable; the Secret is synced from the vault by External Secrets and never stored in git",
        ),
        (
            "CKV_K8S_40",
            "runs as the official image's own non-root user (restricted Pod Security); remapping its UID would break the data directory's ownership",
        ),
    ]);
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta,
        "spec": {
            "serviceName": names.workload,
            "replicas": 1,
            "selector": { "matchLabels": { "app.kubernetes.io/name": names.workload } },
            "template": {
                "metadata": { "labels": labels(platform, &names.workload) },
                "spec": {
                    "serviceAccountName": names.workload,
                    "automountServiceAccountToken": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": uid,
                        "runAsGroup": uid,
                        "fsGroup": uid,
                        "fsGroupChangePolicy": "OnRootMismatch",
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "terminationGracePeriodSeconds": 60,
                    "containers": [container(data, names)],
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": volume_claim(platform, names, storage_gb(data, env)),
        },
    })
}

/// The StatefulSet's per-environment values (the data volume's size).
pub fn stateful_set_patch(
    platform: &Platform,
    data: &DataService,
    names: &InClusterNames,
    env: EnvId,
) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": { "name": names.workload, "namespace": platform.namespace },
        "spec": { "volumeClaimTemplates": volume_claim(platform, names, storage_gb(data, env)) },
    })
}
