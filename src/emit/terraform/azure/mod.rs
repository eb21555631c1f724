//! The Azure target (azurerm 4.x): one module per resource family the spec
//! uses, one root per environment wiring them, and the bootstrap root.
//!
//! Each family file builds a [`Part`]: its module (environment-free code),
//! the root's call(s) to it and the root variables those calls read, with
//! one value per environment. The root assembles the parts; every
//! environment's root is then the same code with its own tfvars and state key.

mod acr;
mod aks;
mod bootstrap;
mod context;
mod diagnostics;
mod firewall;
mod identity;
mod keyvault;
mod monitoring;
mod networking;
mod placement;
mod postgresql;
mod private_endpoint;
mod redis;
mod roles;
mod root;
mod servicebus;
mod storage;

pub use context::{Azure, Part};
pub use root::state_key;

use crate::emit::File;
use crate::model::{DataKind, DataService, Platform};

pub fn emit(platform: &Platform) -> Vec<File> {
    let az = Azure::new(platform);
    let parts = parts(&az);
    let mut files = Vec::new();
    for part in &parts {
        files.extend(part.module.files(platform));
    }
    let root = root::build(&az, &parts);
    for env in &platform.environments {
        files.extend(root.files(platform, env));
    }
    files.extend(bootstrap::files(&az));
    files
}

/// The families the platform uses, in the order their calls appear in a root.
pub fn parts(az: &Azure) -> Vec<Part> {
    let p = az.p;
    let mut parts = vec![networking::part(az)];
    if let Some(m) = &p.monitoring {
        parts.push(monitoring::part(az, m));
    }
    parts.push(acr::part(az));
    parts.push(aks::part(az));
    let managed: Vec<&DataService> = az.managed_data().collect();
    let of = |f: fn(&DataService) -> bool| managed.iter().copied().filter(move |d| f(d));
    let vaults: Vec<_> = of(|d| matches!(d.kind, DataKind::KeyVault(_)))
        .filter_map(|d| match &d.kind {
            DataKind::KeyVault(kv) => Some((d, kv)),
            _ => None,
        })
        .collect();
    if !vaults.is_empty() {
        parts.push(keyvault::part(az, &vaults));
    }
    let servers: Vec<_> = of(|d| matches!(d.kind, DataKind::Postgres(_)))
        .filter_map(|d| postgresql::managed(d).map(|pg| (d, pg)))
        .collect();
    if !servers.is_empty() {
        parts.push(postgresql::part(az, &servers));
    }
    let caches: Vec<_> = of(|d| matches!(d.kind, DataKind::Redis(_)))
        .filter_map(|d| match &d.kind {
            DataKind::Redis(r) => Some((d, r)),
            _ => None,
        })
        .collect();
    if !caches.is_empty() {
        parts.push(redis::part(az, &caches));
    }
    let buses: Vec<_> = of(|d| matches!(d.kind, DataKind::ServiceBus(_)))
        .filter_map(|d| match &d.kind {
            DataKind::ServiceBus(sb) => Some((d, sb)),
            _ => None,
        })
        .collect();
    if !buses.is_empty() {
        parts.push(servicebus::part(az, &buses));
    }
    let accounts: Vec<_> = of(|d| matches!(d.kind, DataKind::Storage(_)))
        .filter_map(|d| match &d.kind {
            DataKind::Storage(s) => Some((d, s)),
            _ => None,
        })
        .collect();
    if !accounts.is_empty() {
        parts.push(storage::part(az, &accounts));
    }
    parts.extend(identity::part(az));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::azure::context::fixture;

    #[test]
    fn every_module_call_passes_exactly_the_module_variables() {
        let p = fixture();
        let az = Azure::new(&p);
        for part in parts(&az) {
            for call in &part.calls {
                assert_eq!(
                    part.module.call_problems(&call.args),
                    Vec::<String>::new(),
                    "call {}",
                    call.name
                );
            }
        }
    }

    #[test]
    fn every_root_variable_has_a_value_in_every_environment_and_is_used() {
        let p = fixture();
        let az = Azure::new(&p);
        let parts = parts(&az);
        let root = root::build(&az, &parts);
        let main: String = root
            .calls
            .iter()
            .map(|c| {
                crate::emit::terraform::hcl::print(
                    &crate::emit::terraform::hcl::Body::new().block(c.to_block()),
                )
            })
            .collect::<String>()
            + &crate::emit::terraform::hcl::print(&root.preamble);
        for var in &root.tfvars {
            assert_eq!(
                var.values.iter().count(),
                p.environments.len(),
                "{}",
                var.variable.name
            );
            assert!(
                main.contains(&format!("var.{}", var.variable.name)),
                "{} is unused",
                var.variable.name
            );
        }
    }

    #[test]
    fn only_the_families_the_platform_uses_are_emitted() {
        let p = fixture();
        let modules: Vec<String> = parts(&Azure::new(&p))
            .into_iter()
            .map(|part| part.module.name)
            .collect();
        assert_eq!(
            modules,
            vec![
                "networking",
                "acr",
                "aks",
                "keyvault",
                "postgresql",
                "redis",
                "servicebus",
                "storage",
                "identity"
            ],
            "no monitoring node in the fixture"
        );
    }
}
