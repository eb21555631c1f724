//! Data services: `postgres`, `redis`, `servicebus`, `keyvault`, `storage`.

use kdl::KdlNode;

use super::keywords::{HaKw, HostingKw};
use super::reader::{NodeReader, Once, per_env_node, unknown_node, value_node};
use super::value::PerEnvValue;
use super::{Span, Spanned};
use crate::diagnostic::Sink;

/// Top-level node names that declare a data service.
pub const KINDS: &[&str] = &["postgres", "redis", "servicebus", "keyvault", "storage"];

#[derive(Debug, Clone, PartialEq)]
pub struct DataDecl {
    pub name: Spanned<String>,
    /// The kind keyword (`postgres` …) and its span.
    pub keyword: Spanned<&'static str>,
    pub kind: DataKindDecl,
}

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum DataKindDecl {
    Postgres(PostgresDecl),
    Redis(RedisDecl),
    ServiceBus(ServiceBusDecl),
    KeyVault(KeyVaultDecl),
    Storage(StorageDecl),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostgresDecl {
    pub version: Option<Spanned<String>>,
    pub hosting: Option<Spanned<HostingKw>>,
    pub subnet: Option<Spanned<String>>,
    pub sku: Option<PerEnvValue<String>>,
    pub storage_gb: Option<PerEnvValue<u32>>,
    pub high_availability: Option<PerEnvValue<HaKw>>,
    pub backup_retention_days: Option<PerEnvValue<u32>>,
    pub backup_schedule: Option<Spanned<String>>,
    pub admin_user: Option<Spanned<String>>,
    pub databases: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RedisDecl {
    pub hosting: Option<Spanned<HostingKw>>,
    pub subnet: Option<Spanned<String>>,
    pub sku: Option<PerEnvValue<String>>,
    pub storage_gb: Option<PerEnvValue<u32>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceBusDecl {
    pub sku: Option<PerEnvValue<String>>,
    pub topics: Vec<TopicDecl>,
    pub queues: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopicDecl {
    pub name: Spanned<String>,
    pub subscriptions: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyVaultDecl {
    pub private_endpoint: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct StorageDecl {
    pub private_endpoint: Option<Spanned<String>>,
    pub replication: Option<PerEnvValue<String>>,
    pub containers: Vec<Spanned<String>>,
    pub queues: Vec<Spanned<String>>,
}

pub const POSTGRES_CHILDREN: &[&str] = &[
    "version",
    "hosting",
    "subnet",
    "sku",
    "storage-gb",
    "high-availability",
    "backup-retention-days",
    "backup-schedule",
    "admin-user",
    "database",
];
pub const REDIS_CHILDREN: &[&str] = &["hosting", "subnet", "sku", "storage-gb"];
pub const SERVICEBUS_CHILDREN: &[&str] = &["sku", "topic", "queue"];
pub const KEYVAULT_CHILDREN: &[&str] = &["private-endpoint"];
pub const STORAGE_CHILDREN: &[&str] = &["private-endpoint", "replication", "container", "queue"];

/// Child nodes that may repeat (lists).
const REPEATABLE: &[&str] = &["database", "topic", "queue", "container"];

fn name_node(
    node: &KdlNode,
    what: &str,
    usage: &'static str,
    sink: &mut Sink,
) -> Option<Spanned<String>> {
    value_node(node, what, usage, sink)
}

/// Decodes a data service node whose name is one of [`KINDS`].
pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<DataDecl> {
    let (keyword, usage, allowed): (&'static str, &'static str, &[&str]) = match node.name().value()
    {
        "postgres" => (
            "postgres",
            "postgres NAME { sku …; database NAME … }",
            POSTGRES_CHILDREN,
        ),
        "redis" => ("redis", "redis NAME { sku \"Basic/C0\" … }", REDIS_CHILDREN),
        "servicebus" => (
            "servicebus",
            "servicebus NAME { topic NAME { subscription NAME }; queue NAME }",
            SERVICEBUS_CHILDREN,
        ),
        "keyvault" => (
            "keyvault",
            "keyvault NAME [{ private-endpoint SUBNET }]",
            KEYVAULT_CHILDREN,
        ),
        "storage" => (
            "storage",
            "storage NAME { container NAME; queue NAME }",
            STORAGE_CHILDREN,
        ),
        _ => return None,
    };
    let mut r = NodeReader::new(node, usage);
    let name = r.req_arg::<String>(0, "a name", sink);
    let keyword = Spanned::new(keyword, r.name_span());
    let children = r.children();
    r.finish_with_children(sink);
    let parent = format!("`{}`", keyword.value);
    let mut once = Once::default();
    let mut pg = PostgresDecl::default();
    let mut redis = RedisDecl::default();
    let mut sb = ServiceBusDecl::default();
    let mut kv = KeyVaultDecl::default();
    let mut st = StorageDecl::default();
    for child in children {
        let key = child.name().value();
        if !allowed.contains(&key) {
            unknown_node(child, &parent, allowed, sink);
            continue;
        }
        if !REPEATABLE.contains(&key) && !once.first(child, &parent, sink) {
            continue;
        }
        let sku_usage = "sku SKU [ENV=SKU …]";
        match (keyword.value, key) {
            ("postgres", "version") => {
                pg.version = value_node(child, "a version", "version \"16\"", sink)
            }
            ("postgres", "hosting") => {
                pg.hosting = value_node(child, "a hosting", "hosting managed|in-cluster", sink)
            }
            ("postgres", "subnet") => {
                pg.subnet = name_node(child, "a subnet name", "subnet NAME", sink)
            }
            ("postgres", "sku") => pg.sku = per_env_node(child, "a SKU", sku_usage, sink),
            ("postgres", "storage-gb") => {
                pg.storage_gb = per_env_node(child, "a size in GB", "storage-gb N [ENV=N …]", sink)
            }
            ("postgres", "high-availability") => {
                pg.high_availability = per_env_node(
                    child,
                    "a high-availability mode",
                    "high-availability none [ENV=zone-redundant …]",
                    sink,
                )
            }
            ("postgres", "backup-retention-days") => {
                pg.backup_retention_days = per_env_node(
                    child,
                    "a number of days",
                    "backup-retention-days N [ENV=N …]",
                    sink,
                )
            }
            ("postgres", "backup-schedule") => {
                pg.backup_schedule = value_node(
                    child,
                    "a cron schedule",
                    "backup-schedule \"0 3 * * *\"",
                    sink,
                )
            }
            ("postgres", "admin-user") => {
                pg.admin_user = name_node(child, "a user name", "admin-user NAME", sink)
            }
            ("postgres", "database") => {
                pg.databases
                    .extend(name_node(child, "a database name", "database NAME", sink))
            }
            ("redis", "hosting") => {
                redis.hosting = value_node(child, "a hosting", "hosting managed|in-cluster", sink)
            }
            ("redis", "subnet") => {
                redis.subnet = name_node(child, "a subnet name", "subnet NAME", sink)
            }
            ("redis", "sku") => {
                redis.sku = per_env_node(
                    child,
                    "a SKU",
                    "sku \"Basic/C0\" [ENV=\"Premium/P1\" …]",
                    sink,
                )
            }
            ("redis", "storage-gb") => {
                redis.storage_gb =
                    per_env_node(child, "a size in GB", "storage-gb N [ENV=N …]", sink)
            }
            ("servicebus", "sku") => sb.sku = per_env_node(child, "a SKU", sku_usage, sink),
            ("servicebus", "queue") => {
                sb.queues
                    .extend(name_node(child, "a queue name", "queue NAME", sink))
            }
            ("servicebus", "topic") => sb.topics.extend(decode_topic(child, sink)),
            ("keyvault", "private-endpoint") | ("storage", "private-endpoint") => {
                let pe = name_node(child, "a subnet name", "private-endpoint SUBNET", sink);
                if keyword.value == "keyvault" {
                    kv.private_endpoint = pe;
                } else {
                    st.private_endpoint = pe;
                }
            }
            ("storage", "replication") => {
                st.replication =
                    per_env_node(child, "a replication", "replication LRS [ENV=ZRS …]", sink)
            }
            ("storage", "container") => {
                st.containers
                    .extend(name_node(child, "a container name", "container NAME", sink))
            }
            ("storage", "queue") => {
                st.queues
                    .extend(name_node(child, "a queue name", "queue NAME", sink))
            }
            _ => unknown_node(child, &parent, allowed, sink),
        }
    }
    let kind = match keyword.value {
        "postgres" => DataKindDecl::Postgres(pg),
        "redis" => DataKindDecl::Redis(redis),
        "servicebus" => DataKindDecl::ServiceBus(sb),
        "keyvault" => DataKindDecl::KeyVault(kv),
        _ => DataKindDecl::Storage(st),
    };
    Some(DataDecl {
        name: name?,
        keyword,
        kind,
    })
}

fn decode_topic(node: &KdlNode, sink: &mut Sink) -> Option<TopicDecl> {
    let mut r = NodeReader::new(node, "topic NAME [{ subscription NAME }]");
    let name = r.req_arg::<String>(0, "a name", sink);
    let children = r.children();
    r.finish_with_children(sink);
    let mut subscriptions = Vec::new();
    for child in children {
        if child.name().value() == "subscription" {
            subscriptions.extend(value_node(
                child,
                "a subscription name",
                "subscription NAME",
                sink,
            ));
        } else {
            unknown_node(child, "`topic`", &["subscription"], sink);
        }
    }
    Some(TopicDecl {
        name: name?,
        subscriptions,
    })
}

impl DataDecl {
    /// Span of the whole declaration head, for messages about the service as a whole.
    pub fn span(&self) -> Span {
        self.keyword.span.join(self.name.span)
    }
}
