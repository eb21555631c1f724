//! Data services: sizing per environment, cloud names, endpoints and ports.

use super::Resolver;
use super::cloud::{self, Resource};
use super::cron::check_cron;
use super::infra::subnet_ref;
use crate::diagnostic::Diagnostic;
use crate::model::{
    CloudKind, DataKind, DataService, Delegation, Endpoint, HighAvailability, Hosting, KeyVault,
    PerEnv, Postgres, Redis, ServiceBus, Storage, Subnet, Topic,
};
use crate::spec::data::{DataDecl, DataKindDecl};
use crate::spec::keywords::{HaKw, HostingKw};
use crate::spec::network::SubnetDecl;
use crate::spec::{PerEnvValue, Spanned};

/// Key Vault soft-delete retention: 90 days (the maximum) in production-like
/// environments (those with `approval=#true`), 7 days (the minimum) elsewhere
/// so that dev vaults can be recreated quickly.
pub const SOFT_DELETE_PRODUCTION: u32 = 90;
pub const SOFT_DELETE_OTHER: u32 = 7;

const STORAGE_REPLICATION: &[&str] = &["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"];
const SERVICEBUS_SKUS: &[&str] = &["Basic", "Standard", "Premium"];

fn hosting(h: Option<&Spanned<HostingKw>>) -> Hosting {
    match h.map(|h| h.value) {
        Some(HostingKw::InCluster) => Hosting::InCluster,
        _ => Hosting::Managed,
    }
}

pub(crate) fn data_services(
    r: &mut Resolver<'_>,
    decls: &[DataDecl],
    subnets: &[Subnet],
    _subnet_decls: &[SubnetDecl],
) -> Vec<DataService> {
    r.check_unique(decls.iter().map(|d| &d.name), "data service");
    let vaults = decls
        .iter()
        .filter(|d| matches!(d.kind, DataKindDecl::KeyVault(_)))
        .count();
    let mut delegated_users: Vec<(String, Spanned<String>)> = Vec::new();
    let mut out = Vec::new();
    for d in decls {
        r.check_label(&d.name, &format!("{} name", d.keyword.value));
        if let Some(why) = cloud::unsupported(r.cloud, d.keyword.value) {
            r.push(
                Diagnostic::error(
                    "wrong-cloud",
                    d.keyword.span,
                    format!("`{}` is not available on this cloud", d.keyword.value),
                )
                .label("not available")
                .help(why),
            );
            continue;
        }
        let who = format!("{} `{}`", d.keyword.value, d.name.value);
        let mut injected: Option<Spanned<String>> = None;
        let mut private_endpoint: Option<Spanned<String>> = None;
        let (kind, resource) = match &d.kind {
            DataKindDecl::Postgres(p) => {
                let hosting = hosting(p.hosting.as_ref());
                injected = p.subnet.clone();
                let sku_default = cloud::default_sku(r.cloud, "postgres").to_string();
                let sku = sku_or(r, p.sku.as_ref(), &sku_default, &format!("sku of {who}"));
                let storage_gb =
                    r.expand_or(p.storage_gb.as_ref(), 32, &format!("storage-gb of {who}"));
                if let Some(s) = &p.storage_gb {
                    for v in s.all() {
                        if !(32..=16384).contains(&v.value) && hosting == Hosting::Managed {
                            r.push(
                                Diagnostic::error(
                                    "out-of-range",
                                    v.span,
                                    format!("storage-gb {} of {who} is out of range", v.value),
                                )
                                .label("expected 32 to 16384")
                                .help("managed PostgreSQL storage is 32 GB to 16 TB"),
                            );
                        }
                    }
                }
                let ha_spanned = match &p.high_availability {
                    Some(v) => r.expand_spanned(v, &format!("high-availability of {who}")),
                    None => vec![Spanned::new(HaKw::None, d.name.span); r.envs.len()],
                };
                let sku_values: Vec<String> = sku.iter().map(|(_, s)| s.clone()).collect();
                for (i, ha) in ha_spanned.iter().enumerate() {
                    if ha.value == HaKw::None {
                        continue;
                    }
                    let env = r.envs[i].name.value.clone();
                    if r.cloud == CloudKind::Azure
                        && sku_values.get(i).is_some_and(|s| s.starts_with("B_"))
                    {
                        r.push(
                            Diagnostic::error("invalid-sku", ha.span, format!("{who} is Burstable ({}) in `{env}`, which has no high availability", sku_values[i]))
                                .label("HA needs General Purpose or Memory Optimized")
                                .help(format!("use a GP_ or MO_ SKU in `{env}` (e.g. `sku B_Standard_B1ms {env}=GP_Standard_D2s_v3`) or drop HA there")),
                        );
                    }
                    if ha.value == HaKw::ZoneRedundant && !r.envs[i].has_zones {
                        r.push(
                            Diagnostic::error(
                                "ha-without-zones",
                                ha.span,
                                format!(
                                    "zone-redundant HA of {who} in `{env}`, which has no zones"
                                ),
                            )
                            .label("needs availability zones")
                            .help(format!(
                                "add zones=\"1 2 3\" to environment `{env}` or use `same-zone`"
                            )),
                        );
                    }
                }
                let high_availability = PerEnv::from_values(
                    ha_spanned
                        .iter()
                        .map(|h| match h.value {
                            HaKw::None => HighAvailability::None,
                            HaKw::SameZone => HighAvailability::SameZone,
                            HaKw::ZoneRedundant => HighAvailability::ZoneRedundant,
                        })
                        .collect(),
                );
                let backup = r.expand_spanned(
                    p.backup_retention_days
                        .as_ref()
                        .unwrap_or(&PerEnvValue::uniform(Spanned::new(7, d.name.span))),
                    &format!("backup-retention-days of {who}"),
                );
                // Managed servers keep backups 7 to 35 days; an in-cluster dump
                // job deletes its own dumps after any number of days up to a year.
                let (lo, hi, why) = match hosting {
                    Hosting::Managed => {
                        (7, 35, "managed PostgreSQL keeps backups for 7 to 35 days")
                    }
                    Hosting::InCluster => (1, 365, "the backup job keeps dumps for 1 to 365 days"),
                };
                if let Some(b) = &p.backup_retention_days
                    && let Some(bad) = b.all().find(|v| !(lo..=hi).contains(&v.value))
                {
                    r.push(
                        Diagnostic::error(
                            "out-of-range",
                            bad.span,
                            format!(
                                "backup-retention-days {} of {who} is out of range",
                                bad.value
                            ),
                        )
                        .label(format!("expected {lo} to {hi}"))
                        .help(why),
                    );
                }
                if hosting == Hosting::InCluster {
                    in_cluster_ignores(
                        r,
                        &who,
                        &[
                            (p.subnet.as_ref().map(|x| x.span), "subnet"),
                            (p.sku.as_ref().map(|x| x.default.span), "sku"),
                            (
                                p.high_availability.as_ref().map(|x| x.default.span),
                                "high-availability",
                            ),
                        ],
                    );
                    in_cluster_storage(r, &who, p.storage_gb.as_ref());
                }
                r.check_unique(p.databases.iter(), "database");
                for db in &p.databases {
                    r.check_label(db, "database name");
                }
                if let Some(s) = &p.backup_schedule {
                    if hosting == Hosting::Managed {
                        r.push(
                            Diagnostic::error("managed-backup-schedule", s.span, format!("{who} is managed: the cloud schedules its backups"))
                                .label("only for `hosting in-cluster`")
                                .help("remove `backup-schedule`; set `backup-retention-days` to keep backups longer"),
                        );
                    } else {
                        check_cron(r, s);
                    }
                }
                let admin_user = p
                    .admin_user
                    .as_ref()
                    .map_or_else(|| "psqladmin".to_string(), |u| u.value.clone());
                if let Some(u) = &p.admin_user {
                    let reserved = [
                        "admin",
                        "administrator",
                        "root",
                        "azure_superuser",
                        "azure_pg_admin",
                        "guest",
                        "public",
                        "postgres",
                    ];
                    let ok = u.value.starts_with(|c: char| c.is_ascii_lowercase())
                        && u.value.len() <= 63
                        && u.value
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    if !ok || reserved.contains(&u.value.as_str()) {
                        r.push(
                            Diagnostic::error("invalid-name", u.span, format!("`{}` cannot be the administrator of {who}", u.value.escape_debug()))
                                .label(if ok { "reserved name" } else { "not a PostgreSQL user name" })
                                .help("use lowercase letters, digits and `_`, not a reserved name (admin, root, postgres …); default `psqladmin`"),
                        );
                    }
                }
                (
                    DataKind::Postgres(Postgres {
                        version: p
                            .version
                            .as_ref()
                            .map_or_else(|| "16".to_string(), |v| v.value.clone()),
                        hosting,
                        sku,
                        storage_gb,
                        high_availability,
                        backup_retention_days: PerEnv::from_values(
                            backup.iter().map(|b| b.value).collect(),
                        ),
                        backup_schedule: p.backup_schedule.as_ref().map(|s| s.value.clone()),
                        databases: dedup_keep_order(p.databases.iter().map(|d| d.value.clone())),
                        password_secret: format!("{}-admin-password", d.name.value),
                        admin_user,
                    }),
                    Resource::Postgres,
                )
            }
            DataKindDecl::Redis(x) => {
                injected = x.subnet.clone();
                let hosting = hosting(x.hosting.as_ref());
                let sku_default = cloud::default_sku(r.cloud, "redis").to_string();
                let sku = sku_or(r, x.sku.as_ref(), &sku_default, &format!("sku of {who}"));
                if r.cloud == CloudKind::Azure
                    && hosting == Hosting::Managed
                    && let Some(s) = &x.sku
                {
                    for v in s.all() {
                        if !azure_redis_sku_ok(&v.value) {
                            r.push(
                                    Diagnostic::error("invalid-sku", v.span, format!("`{}` is not an Azure Cache for Redis SKU", v.value.escape_debug()))
                                        .label("expected FAMILY/CAPACITY")
                                        .help("write `Basic/C0`…`Basic/C6`, `Standard/C0`…`Standard/C6` or `Premium/P1`…`Premium/P5`"),
                                );
                        }
                    }
                }
                if hosting == Hosting::InCluster {
                    in_cluster_ignores(
                        r,
                        &who,
                        &[
                            (x.subnet.as_ref().map(|s| s.span), "subnet"),
                            (x.sku.as_ref().map(|s| s.default.span), "sku"),
                        ],
                    );
                    in_cluster_storage(r, &who, x.storage_gb.as_ref());
                }
                let storage_gb =
                    r.expand_or(x.storage_gb.as_ref(), 8, &format!("storage-gb of {who}"));
                (
                    DataKind::Redis(Redis {
                        hosting,
                        sku,
                        access_key_secret: format!("{}-access-key", d.name.value),
                        storage_gb,
                    }),
                    Resource::Redis,
                )
            }
            DataKindDecl::ServiceBus(x) => {
                let sku = sku_or(r, x.sku.as_ref(), "Standard", &format!("sku of {who}"));
                if let Some(s) = &x.sku {
                    for v in s.all() {
                        if !SERVICEBUS_SKUS.contains(&v.value.as_str()) {
                            r.push(
                                Diagnostic::error(
                                    "invalid-sku",
                                    v.span,
                                    format!("unknown Service Bus SKU `{}`", v.value.escape_debug()),
                                )
                                .label("not a Service Bus SKU")
                                .help(crate::diagnostic::suggest(
                                    &v.value,
                                    SERVICEBUS_SKUS,
                                    "SKUs",
                                )),
                            );
                        } else if v.value == "Basic" && !x.topics.is_empty() {
                            r.push(
                                Diagnostic::error(
                                    "invalid-sku",
                                    v.span,
                                    format!(
                                        "{who} declares topics, which the Basic tier does not have"
                                    ),
                                )
                                .label("Basic has queues only")
                                .help("use `Standard` or `Premium` for topics and subscriptions"),
                            );
                        }
                    }
                }
                r.check_unique(x.topics.iter().map(|t| &t.name), "topic");
                r.check_unique(x.queues.iter(), "queue");
                let mut topics = Vec::new();
                for t in &x.topics {
                    r.check_label(&t.name, "topic name");
                    r.check_unique(t.subscriptions.iter(), "subscription");
                    for s in &t.subscriptions {
                        r.check_label(s, "subscription name");
                    }
                    topics.push(Topic {
                        name: t.name.value.clone(),
                        subscriptions: t.subscriptions.iter().map(|s| s.value.clone()).collect(),
                    });
                }
                for q in &x.queues {
                    r.check_label(q, "queue name");
                }
                (
                    DataKind::ServiceBus(ServiceBus {
                        sku,
                        topics,
                        queues: x.queues.iter().map(|q| q.value.clone()).collect(),
                    }),
                    Resource::ServiceBus,
                )
            }
            DataKindDecl::KeyVault(x) => {
                private_endpoint = x.private_endpoint.clone();
                let purge: Vec<bool> = r.envs.iter().map(|e| e.approval).collect();
                let _days: Vec<u32> = r
                    .envs
                    .iter()
                    .map(|e| {
                        if e.approval {
                            SOFT_DELETE_PRODUCTION
                        } else {
                            SOFT_DELETE_OTHER
                        }
                    })
                    .collect();
                (
                    DataKind::KeyVault(KeyVault {
                        soft_delete_days: if purge.iter().any(|p| *p) {
                            SOFT_DELETE_PRODUCTION
                        } else {
                            SOFT_DELETE_OTHER
                        },
                        purge_protection: PerEnv::from_values(purge),
                    }),
                    Resource::KeyVault,
                )
            }
            DataKindDecl::Storage(x) => {
                private_endpoint = x.private_endpoint.clone();
                r.check_unique(x.containers.iter(), "container");
                r.check_unique(x.queues.iter(), "queue");
                for c in x.containers.iter().chain(&x.queues) {
                    if r.check_label(c, "container or queue name") && c.value.len() < 3 {
                        r.push(
                            Diagnostic::error("invalid-name", c.span, format!("`{}` is too short: storage containers and queues need 3 to 63 characters", c.value))
                                .label("at least 3 characters")
                                .help("use a longer name"),
                        );
                    }
                }
                let replication = sku_or(
                    r,
                    x.replication.as_ref(),
                    "LRS",
                    &format!("replication of {who}"),
                );
                if let Some(rep) = &x.replication {
                    for v in rep.all() {
                        if !STORAGE_REPLICATION.contains(&v.value.as_str()) {
                            r.push(
                                Diagnostic::error(
                                    "invalid-sku",
                                    v.span,
                                    format!(
                                        "unknown storage replication `{}`",
                                        v.value.escape_debug()
                                    ),
                                )
                                .label("not a replication kind")
                                .help(crate::diagnostic::suggest(
                                    &v.value,
                                    STORAGE_REPLICATION,
                                    "values",
                                )),
                            );
                        }
                    }
                }
                (
                    DataKind::Storage(Storage {
                        containers: x.containers.iter().map(|c| c.value.clone()).collect(),
                        queues: x.queues.iter().map(|q| q.value.clone()).collect(),
                        replication,
                    }),
                    Resource::Storage,
                )
            }
        };
        let name_part = if resource == Resource::KeyVault && vaults <= 1 {
            ""
        } else {
            d.name.value.as_str()
        };
        // An in-cluster data service is no cloud resource: its name is the workload's.
        let cloud_name = if cloud::is_in_cluster(&kind) {
            PerEnv::uniform_of(d.name.value.clone(), r.envs.len())
        } else {
            r.cloud_name(resource, name_part, d.name.span, &who)
        };

        // Where workloads reach it.
        let mut endpoint_subnet: Option<&Subnet> = None;
        if let Some(s) = &injected
            && let Some(sub) = subnet_ref(r, s, subnets, &who)
        {
            endpoint_subnet = Some(sub);
            if matches!(kind, DataKind::Postgres(ref p) if p.hosting == Hosting::Managed)
                && r.cloud == CloudKind::Azure
            {
                if sub.delegation != Some(Delegation::Postgresql) {
                    r.push(
                            Diagnostic::error("subnet-delegation", s.span, format!("{who} needs a subnet delegated to PostgreSQL, but `{}` is not delegated", sub.name))
                                .label("not delegated")
                                .help(format!("declare it as `subnet {} index={} delegate=postgresql`", sub.name, sub.index)),
                        );
                }
                if let Some((other, _)) =
                    delegated_users.iter().find(|(_, sn)| sn.value == sub.name)
                {
                    r.push(
                        Diagnostic::error(
                            "subnet-delegation",
                            s.span,
                            format!(
                                "subnet `{}` is already used by postgres `{other}`",
                                sub.name
                            ),
                        )
                        .label("delegated subnets hold one server")
                        .help("give each PostgreSQL server its own delegated subnet"),
                    );
                }
                delegated_users.push((d.name.value.clone(), s.clone()));
            }
        }
        if let Some(s) = &private_endpoint
            && let Some(sub) = subnet_ref(r, s, subnets, &who)
        {
            endpoint_subnet = Some(sub);
            if !sub.private_endpoints {
                r.push(
                    Diagnostic::error(
                        "subnet-not-for-endpoints",
                        s.span,
                        format!("subnet `{}` does not host private endpoints", sub.name),
                    )
                    .label("not marked for private endpoints")
                    .help(format!(
                        "declare it as `subnet {} index={} private-endpoints=#true`",
                        sub.name, sub.index
                    )),
                );
            }
            if sub.delegation.is_some() {
                r.push(
                        Diagnostic::error("delegated-subnet", s.span, format!("subnet `{}` is delegated to PostgreSQL and cannot hold private endpoints", sub.name))
                            .label("delegated subnet")
                            .help("use a subnet marked `private-endpoints=#true`"),
                    );
            }
        }
        let in_cluster = cloud::is_in_cluster(&kind);
        let endpoint = if in_cluster {
            PerEnv::uniform_of(
                Endpoint::InCluster {
                    workload: d.name.value.clone(),
                },
                r.envs.len(),
            )
        } else if let Some(sub) = endpoint_subnet {
            sub.cidr.map(|c| Endpoint::Subnet { cidr: *c })
        } else {
            PerEnv::uniform_of(Endpoint::Public, r.envs.len())
        };
        let ports = if in_cluster {
            cloud::in_cluster_port(&kind)
        } else {
            cloud::ports(r.cloud, &kind)
        };
        out.push(DataService {
            name: d.name.value.clone(),
            kind,
            subnet: injected.map(|s| s.value),
            private_endpoint: private_endpoint.map(|s| s.value),
            cloud_name,
            endpoint,
            ports,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Reports settings of the managed offering given to an in-cluster data service.
fn in_cluster_ignores(
    r: &mut Resolver<'_>,
    who: &str,
    given: &[(Option<crate::spec::Span>, &str)],
) {
    for (span, what) in given {
        let Some(span) = span else { continue };
        r.push(
            Diagnostic::error(
                "in-cluster-ignores",
                *span,
                format!("{who} runs in the cluster, where `{what}` does not apply"),
            )
            .label("describes the managed offering")
            .help(format!(
                "remove `{what}`, or drop `hosting in-cluster` to use the cloud's managed service"
            )),
        );
    }
}

/// Volume sizes of an in-cluster data service: 1 GB to 16 TB (an EBS or managed disk).
fn in_cluster_storage(r: &mut Resolver<'_>, who: &str, v: Option<&PerEnvValue<u32>>) {
    if let Some(v) = v
        && let Some(bad) = v.all().find(|v| !(1..=16384).contains(&v.value))
    {
        r.push(
            Diagnostic::error(
                "out-of-range",
                bad.span,
                format!("storage-gb {} of {who} is out of range", bad.value),
            )
            .label("expected 1 to 16384")
            .help("the data volume is 1 GB to 16 TB"),
        );
    }
}

/// Names in declaration order without repeats (repeats are reported as duplicates).
fn dedup_keep_order(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

fn sku_or(
    r: &mut Resolver<'_>,
    v: Option<&PerEnvValue<String>>,
    default: &str,
    what: &str,
) -> PerEnv<String> {
    r.expand_or(v, default.to_string(), what)
}

/// `Basic/C0`…`C6`, `Standard/C0`…`C6`, `Premium/P1`…`P5`.
fn azure_redis_sku_ok(s: &str) -> bool {
    let Some((tier, cap)) = s.split_once('/') else {
        return false;
    };
    let (family, n) = cap.split_at(cap.len().min(1));
    let Ok(n) = n.parse::<u32>() else {
        return false;
    };
    match tier {
        "Basic" | "Standard" => family == "C" && n <= 6,
        "Premium" => family == "P" && (1..=5).contains(&n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_skus() {
        assert!(azure_redis_sku_ok("Basic/C0"));
        assert!(azure_redis_sku_ok("Premium/P1"));
        assert!(!azure_redis_sku_ok("Premium/C1"));
        assert!(!azure_redis_sku_ok("Basic"));
        assert!(!azure_redis_sku_ok("Basic/"));
        assert!(!azure_redis_sku_ok("Ünï/C0"));
    }
}
