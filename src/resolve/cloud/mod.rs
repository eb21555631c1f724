//! Cloud-specific facts: resource naming rules and ports.
//!
//! The model is cloud-neutral; everything that differs between clouds is
//! decided here, one file per cloud ([`azure`], [`aws`]). The resolver asks
//! for a [`Resource`]'s name in an environment and gets either the name or a
//! [`NameTooLong`] it turns into a diagnostic.

pub mod aws;
pub mod azure;

use crate::model::{CloudKind, DataKind, Hosting, StateBackend};

/// A cloud resource whose name platc computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Azure resource group of one environment.
    ResourceGroup,
    Cluster,
    /// Container registry of one environment.
    Registry,
    /// Log workspace of the `monitoring` node.
    LogWorkspace,
    /// Cloud identity of one service.
    Identity,
    Postgres,
    Redis,
    ServiceBus,
    KeyVault,
    Storage,
}

/// How a cloud constrains one resource's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRule {
    /// The resource as the cloud calls it ("Azure Storage account").
    pub resource: &'static str,
    pub max: usize,
    /// Only lowercase letters and digits (no hyphens).
    pub alnum_only: bool,
    /// Too-long names are shortened deterministically (middle truncated, hash
    /// appended) instead of rejected: used for tight, globally unique names.
    pub shorten: bool,
}

/// A composed name exceeds the resource's limit (and the resource is not shortened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTooLong {
    pub name: String,
    pub rule: NameRule,
}

/// Parts of a name: `prefix` + `core` + `suffix`; only `core` is shortened.
pub struct NameParts {
    pub prefix: String,
    pub core: String,
    pub suffix: String,
}

/// The name rule of a resource on a cloud.
pub fn rule(cloud: CloudKind, res: Resource) -> NameRule {
    match cloud {
        CloudKind::Azure => azure::rule(res),
        CloudKind::Aws => aws::rule(res),
    }
}

/// The name of `res` for platform `platform`, object `name` (data service,
/// service; ignored by per-environment singletons) in environment `env`.
pub fn name(
    cloud: CloudKind,
    res: Resource,
    platform: &str,
    name: &str,
    env: &str,
) -> Result<String, NameTooLong> {
    let parts = match cloud {
        CloudKind::Azure => azure::parts(res, platform, name, env),
        CloudKind::Aws => aws::parts(res, platform, name, env),
    };
    fit(parts, rule(cloud, res))
}

/// Applies a rule to composed parts.
pub fn fit(parts: NameParts, rule: NameRule) -> Result<String, NameTooLong> {
    let clean = |s: &str| -> String {
        if rule.alnum_only {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .flat_map(|c| c.to_lowercase())
                .collect()
        } else {
            s.to_string()
        }
    };
    let (prefix, core, suffix) = (
        clean(&parts.prefix),
        clean(&parts.core),
        clean(&parts.suffix),
    );
    let full = format!("{prefix}{core}{suffix}");
    if full.len() <= rule.max {
        return Ok(full);
    }
    if !rule.shorten {
        return Err(NameTooLong { name: full, rule });
    }
    let hash = format!("{:08x}", fnv1a(&full));
    let hash = &hash[..4];
    let fixed = prefix.len() + suffix.len() + hash.len();
    if fixed < rule.max {
        let keep = rule.max - fixed;
        let mut core_cut: String = core.chars().take(keep).collect();
        if !rule.alnum_only {
            while core_cut.ends_with('-') {
                core_cut.pop();
            }
            // The hash follows the core directly; keep one hyphen before a suffix.
        }
        return Ok(format!("{prefix}{core_cut}{hash}{suffix}"));
    }
    // Even the fixed parts are too long: cut the whole name and append the hash.
    let mut cut: String = full.chars().take(rule.max.saturating_sub(4)).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    Ok(format!("{cut}{hash}"))
}

/// 32-bit FNV-1a: a small stable hash for shortened names.
pub fn fnv1a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// TCP ports workloads use to reach a data service.
pub fn ports(cloud: CloudKind, kind: &DataKind) -> Vec<u16> {
    match cloud {
        CloudKind::Azure => azure::ports(kind),
        CloudKind::Aws => aws::ports(kind),
    }
}

/// The Terraform state backend of a platform.
pub fn state_backend(cloud: CloudKind, platform: &str, region: &str) -> StateBackend {
    match cloud {
        CloudKind::Azure => azure::state_backend(platform),
        CloudKind::Aws => aws::state_backend(platform, region),
    }
}

/// Whether a data service kind exists on a cloud (`None`) or why not (`Some(help)`).
pub fn unsupported(cloud: CloudKind, keyword: &str) -> Option<&'static str> {
    match cloud {
        CloudKind::Azure => None,
        CloudKind::Aws => aws::unsupported(keyword),
    }
}

/// Default SKU of a managed data service (`postgres`, `redis`, `servicebus`) and of the registry.
pub fn default_sku(cloud: CloudKind, what: &str) -> &'static str {
    match cloud {
        CloudKind::Azure => azure::default_sku(what),
        CloudKind::Aws => aws::default_sku(what),
    }
}

/// Port of an in-cluster database or cache.
pub fn in_cluster_port(kind: &DataKind) -> Vec<u16> {
    match kind {
        DataKind::Postgres(_) => vec![5432],
        DataKind::Redis(_) => vec![6379],
        _ => vec![443],
    }
}

/// Whether a data service is hosted in the cluster.
pub fn is_in_cluster(kind: &DataKind) -> bool {
    match kind {
        DataKind::Postgres(p) => p.hosting == Hosting::InCluster,
        DataKind::Redis(r) => r.hosting == Hosting::InCluster,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_names() {
        let n = |r| name(CloudKind::Azure, r, "octo", "assets", "production").unwrap();
        assert_eq!(n(Resource::ResourceGroup), "rg-octo-production");
        assert_eq!(n(Resource::Cluster), "aks-octo-production");
        assert_eq!(n(Resource::Storage), "stoctoassetsproduction");
        assert_eq!(n(Resource::Registry), "croctoproduction");
        assert_eq!(n(Resource::Postgres), "psql-octo-assets-production");
        assert_eq!(n(Resource::Identity), "id-octo-assets-production");
    }

    #[test]
    fn shortened_names_fit_and_are_stable() {
        let a = name(
            CloudKind::Azure,
            Resource::Storage,
            "a-very-long-platform",
            "results",
            "production",
        )
        .unwrap();
        assert!(a.len() <= 24, "{a}");
        assert!(a.starts_with("st") && a.ends_with("production"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        let b = name(
            CloudKind::Azure,
            Resource::Storage,
            "a-very-long-platform",
            "results",
            "production",
        )
        .unwrap();
        assert_eq!(a, b);
        let kv = name(
            CloudKind::Azure,
            Resource::KeyVault,
            "api-worker-platform",
            "",
            "production",
        )
        .unwrap();
        assert!(
            kv.len() <= 24 && !kv.contains("--") && !kv.ends_with('-'),
            "{kv}"
        );
        let long_env = "a".repeat(60);
        let odd = name(CloudKind::Azure, Resource::Storage, "p", "n", &long_env).unwrap();
        assert!(odd.len() <= 24);
    }

    #[test]
    fn too_long_names_are_reported() {
        let long = "x".repeat(60);
        let err = name(CloudKind::Azure, Resource::Postgres, "octo", &long, "dev").unwrap_err();
        assert_eq!(err.rule.max, 63);
    }
}
