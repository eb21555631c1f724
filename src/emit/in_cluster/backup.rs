//! The scheduled PostgreSQL dump (the CronJob the runbook's manual backup
//! is created from): `pg_dump` of every database in custom format to an
//! encrypted PersistentVolumeClaim, pruning dumps past the environment's
//! retention.
//!
//! Default-deny applies to the job like to every pod, so it gets its own
//! pair of NetworkPolicies: egress from the job to the database port, and
//! ingress on the database from the job. The operations CLI's restore pod
//! carries the job's labels and so reaches the database the same way.

use serde_json::{Value, json};

use super::{labels, metadata, skips, storage_class};
use crate::model::{BackupJob, EnvId, InClusterNames, Platform};

/// The job's script: one dump per database, then pruning; fails on any error.
const SCRIPT: &str = r#"set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for db in $DATABASES; do
  pg_dump --format=custom --file="/backups/${db}-${stamp}.dump" "$db"
  echo "dumped $db to /backups/${db}-${stamp}.dump"
done
find /backups -name '*.dump' -type f -mtime "+$RETENTION_DAYS" -print -delete
ls -lh /backups
"#;

fn retention_env(b: &BackupJob, env: EnvId) -> Value {
    json!({ "name": "RETENTION_DAYS", "value": b.retention_days.get(env).to_string() })
}

fn pvc(platform: &Platform, b: &BackupJob, env: EnvId) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(platform, &b.pvc, &b.cronjob),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class(platform),
            "resources": { "requests": { "storage": format!("{}Gi", b.storage_gb.get(env)) } },
        },
    })
}

fn cronjob(platform: &Platform, names: &InClusterNames, b: &BackupJob, env: EnvId) -> Value {
    let uid = names.run_as_user;
    let user = names.admin_user.clone().unwrap_or_default();
    let mut meta = metadata(platform, &b.cronjob, &b.cronjob);
    meta["annotations"] = skips(&[
        (
            "CKV_K8S_43",
            "official image pinned to its major-version tag; the digest is updated by re-running platc",
        ),
        (
            "CKV_K8S_35",
            "pg_dump reads the password from PGPASSWORD; the Secret is synced from the vault by External Secrets and never stored in git",
        ),
        (
            "CKV_K8S_40",
            "runs as the official image's own non-root user (restricted Pod Security), the owner of the dumps",
        ),
    ]);
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta,
        "spec": {
            "schedule": b.schedule,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": { "labels": labels(platform, &b.cronjob) },
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 3600,
                    "template": {
                        "metadata": { "labels": labels(platform, &b.cronjob) },
                        "spec": {
                            "serviceAccountName": b.cronjob,
                            "automountServiceAccountToken": false,
                            "restartPolicy": "OnFailure",
                            "securityContext": {
                                "runAsNonRoot": true,
                                "runAsUser": uid,
                                "runAsGroup": uid,
                                "fsGroup": uid,
                                "seccompProfile": { "type": "RuntimeDefault" },
                            },
                            "containers": [{
                                "name": "pg-dump",
                                "image": names.image,
                                "imagePullPolicy": "Always",
                                "command": ["/bin/sh", "-c", SCRIPT],
                                "env": [
                                    { "name": "PGHOST", "value": names.workload },
                                    { "name": "PGPORT", "value": names.port.to_string() },
                                    { "name": "PGUSER", "value": user },
                                    { "name": "PGPASSWORD", "valueFrom": { "secretKeyRef": {
                                        "name": names.credentials_secret, "key": names.password_key } } },
                                    { "name": "DATABASES", "value": names.databases.join(" ") },
                                    retention_env(b, env),
                                ],
                                "resources": {
                                    "requests": { "cpu": "100m", "memory": "256Mi" },
                                    "limits": { "cpu": "500m", "memory": "512Mi" },
                                },
                                "securityContext": {
                                    "allowPrivilegeEscalation": false,
                                    "readOnlyRootFilesystem": true,
                                    "capabilities": { "drop": ["ALL"] },
                                },
                                "volumeMounts": [
                                    { "name": "backups", "mountPath": "/backups" },
                                    { "name": "tmp", "mountPath": "/tmp" },
                                ],
                            }],
                            "volumes": [
                                { "name": "backups", "persistentVolumeClaim": { "claimName": b.pvc } },
                                { "name": "tmp", "emptyDir": { "medium": "Memory", "sizeLimit": "16Mi" } },
                            ],
                        },
                    },
                },
            },
        },
    })
}

fn network_policies(platform: &Platform, names: &InClusterNames, b: &BackupJob) -> Vec<Value> {
    let port = json!([{ "protocol": "TCP", "port": names.port }]);
    let pods = |name: &str| json!({ "podSelector": { "matchLabels": { "app.kubernetes.io/name": name } } });
    vec![
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata(platform, &b.cronjob, &b.cronjob),
            "spec": {
                "podSelector": { "matchLabels": { "app.kubernetes.io/name": b.cronjob } },
                "policyTypes": ["Egress"],
                "egress": [{ "to": [pods(&names.workload)], "ports": port }],
            },
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata(platform, &format!("{}-from-backup", names.workload), &names.workload),
            "spec": {
                "podSelector": { "matchLabels": { "app.kubernetes.io/name": names.workload } },
                "policyTypes": ["Ingress"],
                "ingress": [{ "from": [pods(&b.cronjob)], "ports": port }],
            },
        }),
    ]
}

/// The backup's objects with environment `env`'s values.
pub fn objects(
    platform: &Platform,
    names: &InClusterNames,
    b: &BackupJob,
    env: EnvId,
) -> Vec<Value> {
    let mut out = vec![
        super::workload::service_account(platform, &b.cronjob),
        pvc(platform, b, env),
        cronjob(platform, names, b, env),
    ];
    out.extend(network_policies(platform, names, b));
    out
}

/// Per-environment patches: the backup volume's size and the retention.
pub fn patches(platform: &Platform, b: &BackupJob, env: EnvId) -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": { "name": b.pvc, "namespace": platform.namespace },
            "spec": { "resources": { "requests": { "storage": format!("{}Gi", b.storage_gb.get(env)) } } },
        }),
        json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": { "name": b.cronjob, "namespace": platform.namespace },
            "spec": { "jobTemplate": { "spec": { "template": { "spec": {
                "containers": [{ "name": "pg-dump", "env": [retention_env(b, env)] }],
            } } } } },
        }),
    ]
}
