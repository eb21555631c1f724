//! Data services that run inside the cluster (`hosting in-cluster`): the
//! Kubernetes names every layer uses for them.
//!
//! The Kubernetes emitter creates the StatefulSet, its Service and the backup
//! CronJob under these names; the runbook, the verification script and the
//! README tell an operator to run commands against the same names. Computed
//! here once so the prose can never point at an object that does not exist.

use serde::Serialize;

use super::{DataKind, DataService, Endpoint, Hosting, PerEnv, Platform};

/// Kubernetes names of one in-cluster data service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InClusterNames {
    /// StatefulSet and Service name (the data service's name).
    pub workload: String,
    /// The first (primary) pod.
    pub primary_pod: String,
    /// `volumeClaimTemplates` name of the data volume.
    pub data_volume: String,
    pub port: u16,
    /// Container image (official image, pinned to the spec's major version).
    pub image: String,
    /// UID the image's server runs as (non-root).
    pub run_as_user: u32,
    /// Kubernetes Secret (filled from the vault) holding the credentials.
    pub credentials_secret: String,
    /// Key of the password inside [`Self::credentials_secret`].
    pub password_key: String,
    /// Administrator user (PostgreSQL), if any.
    pub admin_user: Option<String>,
    /// Databases to create and back up (PostgreSQL), in spec order.
    pub databases: Vec<String>,
    /// Backup CronJob, for databases with a backup schedule.
    pub backup: Option<BackupJob>,
}

/// The scheduled dump of an in-cluster database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupJob {
    /// CronJob name (`<data>-backup`).
    pub cronjob: String,
    pub schedule: String,
    /// PersistentVolumeClaim the dumps are written to (`<data>-backups`).
    pub pvc: String,
    /// Dumps older than this many days are deleted by the job.
    pub retention_days: PerEnv<u32>,
    /// Size of the backup volume (the database's storage, once more).
    pub storage_gb: PerEnv<u32>,
    /// Name the manual trigger's Job gets (`kubectl create job --from=cronjob/…`).
    pub manual_job: String,
}

impl DataService {
    /// The Kubernetes names of this data service when it runs in the cluster.
    pub fn in_cluster(&self) -> Option<InClusterNames> {
        let hosted_here = match &self.kind {
            DataKind::Postgres(p) => p.hosting == Hosting::InCluster,
            DataKind::Redis(r) => r.hosting == Hosting::InCluster,
            _ => false,
        } || self
            .endpoint
            .iter()
            .any(|(_, e)| matches!(e, Endpoint::InCluster { .. }));
        if !hosted_here {
            return None;
        }
        let backup = match &self.kind {
            DataKind::Postgres(p) => p.backup_schedule.as_ref().map(|schedule| BackupJob {
                cronjob: format!("{}-backup", self.name),
                schedule: schedule.clone(),
                pvc: format!("{}-backups", self.name),
                retention_days: p.backup_retention_days.clone(),
                storage_gb: p.storage_gb.clone(),
                manual_job: format!("{}-backup-manual", self.name),
            }),
            _ => None,
        };
        let (image, run_as_user, admin_user, databases) = match &self.kind {
            DataKind::Postgres(p) => (
                format!("postgres:{}-alpine", p.version),
                70,
                Some(p.admin_user.clone()),
                p.databases.clone(),
            ),
            // The official Redis image's `redis` user.
            _ => ("redis:7.4-alpine".to_string(), 999, None, Vec::new()),
        };
        Some(InClusterNames {
            workload: self.name.clone(),
            primary_pod: format!("{}-0", self.name),
            data_volume: "data".into(),
            port: self.ports.first().copied().unwrap_or(0),
            image,
            run_as_user,
            credentials_secret: format!("{}-credentials", self.name),
            password_key: "password".into(),
            admin_user,
            databases,
            backup,
        })
    }
}

impl Platform {
    /// The in-cluster data services with their Kubernetes names, in model order.
    pub fn in_cluster_data(&self) -> Vec<(&DataService, InClusterNames)> {
        self.data
            .iter()
            .filter_map(|d| d.in_cluster().map(|n| (d, n)))
            .collect()
    }
}
