//! Azure: naming conventions (Cloud Adoption Framework abbreviations) and limits.

use super::{NameParts, NameRule, Resource};
use crate::model::{DataKind, Hosting, StateBackend};

pub fn rule(res: Resource) -> NameRule {
    let r = |resource, max, alnum_only, shorten| NameRule {
        resource,
        max,
        alnum_only,
        shorten,
    };
    match res {
        Resource::ResourceGroup => r("Azure resource group", 90, false, false),
        Resource::Cluster => r("AKS cluster", 63, false, false),
        Resource::Registry => r("Azure Container Registry", 50, true, true),
        Resource::LogWorkspace => r("Log Analytics workspace", 63, false, false),
        Resource::Identity => r("user-assigned managed identity", 128, false, false),
        Resource::Postgres => r(
            "Azure Database for PostgreSQL flexible server",
            63,
            false,
            false,
        ),
        Resource::Redis => r("Azure Cache for Redis", 63, false, false),
        Resource::ServiceBus => r("Service Bus namespace", 50, false, false),
        Resource::KeyVault => r("Azure Key Vault", 24, false, true),
        Resource::Storage => r("Azure Storage account", 24, true, true),
    }
}

/// `rg-<platform>-<env>`, `aks-<platform>-<env>`, `cr<platform><env>`,
/// `log-<platform>-<env>`, `id-<platform>-<service>-<env>`,
/// `psql-<platform>-<name>-<env>`, `redis-…`, `sb-…`,
/// `kv-<platform>-<env>` (`kv-<platform>-<name>-<env>` when `name` is not
/// empty, i.e. when the platform declares several vaults),
/// `st<platform><name><env>`.
pub fn parts(res: Resource, platform: &str, name: &str, env: &str) -> NameParts {
    let p = |prefix: &str, core: String, suffix: String| NameParts {
        prefix: prefix.to_string(),
        core,
        suffix,
    };
    let dashed = |prefix: &str| p(prefix, platform.to_string(), format!("-{env}"));
    let named = |prefix: &str| p(prefix, format!("{platform}-{name}"), format!("-{env}"));
    match res {
        Resource::ResourceGroup => dashed("rg-"),
        Resource::Cluster => dashed("aks-"),
        Resource::LogWorkspace => dashed("log-"),
        Resource::Registry => p("cr", platform.to_string(), env.to_string()),
        Resource::Identity => named("id-"),
        Resource::Postgres => named("psql-"),
        Resource::Redis => named("redis-"),
        Resource::ServiceBus => named("sb-"),
        Resource::KeyVault if name.is_empty() => dashed("kv-"),
        Resource::KeyVault => named("kv-"),
        Resource::Storage => p("st", format!("{platform}{name}"), env.to_string()),
    }
}

pub fn ports(kind: &DataKind) -> Vec<u16> {
    match kind {
        DataKind::Postgres(_) => vec![5432],
        // Azure Cache for Redis serves TLS on 6380 (the non-TLS port stays disabled).
        DataKind::Redis(r) if r.hosting == Hosting::Managed => vec![6380],
        DataKind::Redis(_) => vec![6379],
        // AMQP over TLS, and AMQP over WebSockets / HTTPS.
        DataKind::ServiceBus(_) => vec![5671, 443],
        DataKind::KeyVault(_) | DataKind::Storage(_) => vec![443],
    }
}

/// `rg-<platform>-tfstate` / `st<platform>tfstate` (≤ 24, shortened like any
/// storage account) / container `tfstate`.
pub fn state_backend(platform: &str) -> StateBackend {
    let account = super::fit(
        NameParts {
            prefix: "st".into(),
            core: platform.into(),
            suffix: "tfstate".into(),
        },
        rule(Resource::Storage),
    )
    .unwrap_or_else(|e| e.name);
    StateBackend::AzureStorage {
        resource_group: format!("rg-{platform}-tfstate"),
        storage_account: account,
        container: "tfstate".into(),
    }
}

pub fn default_sku(what: &str) -> &'static str {
    match what {
        "postgres" => "B_Standard_B1ms",
        "redis" => "Basic/C0",
        "servicebus" => "Standard",
        "registry" => "Basic",
        _ => "Standard",
    }
}
