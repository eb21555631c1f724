//! Vault secrets reach pods through the secrets backend the spec chose; no
//! value is ever written here (DESIGN principle 5).
//!
//! - External Secrets: one ClusterSecretStore for the cloud vault (workload
//!   identity of the operator's service account, usable only from the
//!   platform's namespace) and one ExternalSecret per service holding exactly
//!   the keys of its `secrets`.
//! - Secrets Store CSI: one SecretProviderClass per service, fetched with the
//!   service's own identity, mounted read-only and synced to a Secret so the
//!   container can read the values as environment variables.
//!
//! Either way the Kubernetes Secret is `<service>-secrets` with one key per
//! environment variable.

use serde_json::{Value, json};

use super::cloud::{self, VaultField};
use super::deploy_values::Target;
use super::meta::{self, PLACEHOLDER, base_value, varies};
use crate::emit::yaml::to_yaml;
use crate::model::{CloudKind, DeploySource, EnvId, PerEnv, Platform, SecretsBackend, Service};

/// Where the CSI driver mounts a service's secrets.
const CSI_MOUNT_PATH: &str = "/mnt/secrets-store";
const CSI_VOLUME: &str = "secrets-store";

fn uses_secrets(service: &Service) -> bool {
    !service.secrets.is_empty()
}

/// Name of the ClusterSecretStore: after the vault where the spec declares
/// one (Azure Key Vault), else after the cloud's secret store.
pub fn store_name(platform: &Platform) -> String {
    platform.secret_store_name()
}

/// The ClusterSecretStore, when External Secrets delivers any secret.
pub fn cluster_secret_store(platform: &Platform) -> Option<(Value, Vec<Target>)> {
    if platform.delivery.secrets != SecretsBackend::ExternalSecrets
        || !platform.services.iter().any(uses_secrets)
    {
        return None;
    }
    let name = store_name(platform);
    let vault = platform
        .vault()
        .map(|v| v.name.as_str())
        .unwrap_or_default();
    let addon = platform
        .addons()
        .into_iter()
        .find(|a| a.identity.is_some() && a.name == "external-secrets")?;
    let identity = addon.identity.as_ref()?;
    let (provider, fields) = cloud::secret_store_provider(
        platform.cloud.kind,
        &platform.cloud.region,
        &identity.service_account,
        &addon.namespace,
        PLACEHOLDER,
    );
    let mut targets = Vec::new();
    for (field, path) in fields {
        let key = match field {
            VaultField::Uri => deploy_key(
                platform,
                |s| matches!(s, DeploySource::VaultUri { data } if data == vault),
            ),
            VaultField::Tenant => deploy_key(platform, |s| matches!(s, DeploySource::TenantId)),
        };
        if let Some(key) = key {
            targets.push(Target::new(key, "ClusterSecretStore", &name, path));
        }
    }
    let mut metadata = json!({ "name": name, "labels": meta::labels(platform, &name) });
    if let Some(m) = metadata.as_object_mut() {
        m.remove("namespace");
    }
    let store = json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": metadata,
        "spec": {
            // Only ExternalSecrets of the platform's namespace may read the vault.
            "conditions": [{ "namespaces": [platform.namespace] }],
            "provider": provider,
        },
    });
    Some((store, targets))
}

/// Key of the first deploy value whose source matches.
pub fn deploy_key(platform: &Platform, matches: impl Fn(&DeploySource) -> bool) -> Option<String> {
    platform
        .deploy_values
        .iter()
        .find(|d| matches(&d.source))
        .map(|d| d.key.clone())
}

/// Each secret's name in the cloud store, per environment.
fn remote_keys(platform: &Platform, service: &Service) -> Vec<(String, PerEnv<String>)> {
    service
        .secrets
        .iter()
        .map(|s| {
            let names = platform
                .environments
                .iter()
                .map(|e| platform.secret_name(e.id, &s.vault_key))
                .collect();
            (s.env_var.clone(), PerEnv::from_values(names))
        })
        .collect()
}

fn external_secret_data(platform: &Platform, service: &Service, env: Option<EnvId>) -> Value {
    remote_keys(platform, service)
        .into_iter()
        .map(|(env_var, key)| {
            let key = match env {
                None => base_value(&key).clone(),
                Some(env) => key.get(env).clone(),
            };
            json!({ "secretKey": env_var, "remoteRef": { "key": key } })
        })
        .collect()
}

/// The per-service secret object (ExternalSecret or SecretProviderClass) and
/// the deploy values it needs.
pub fn service_secret(platform: &Platform, service: &Service) -> Option<(Value, Vec<Target>)> {
    if !uses_secrets(service) {
        return None;
    }
    let name = meta::secret_name(service);
    match platform.delivery.secrets {
        SecretsBackend::ExternalSecrets => {
            let store = store_name(platform);
            let object = json!({
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": meta::metadata(platform, &name, &service.name),
                "spec": {
                    "refreshInterval": "1h",
                    "secretStoreRef": { "kind": "ClusterSecretStore", "name": store },
                    "target": { "name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain" },
                    "data": external_secret_data(platform, service, None),
                },
            });
            Some((object, Vec::new()))
        }
        SecretsBackend::Csi => Some(secret_provider_class(platform, service, &name)),
    }
}

/// The `objects` parameter of a SecretProviderClass in environment `env`:
/// a YAML document in a string, as the provider expects. Each object is
/// aliased to its environment variable, which names the mounted file and the
/// key synced into the Secret.
fn csi_objects(platform: &Platform, service: &Service, env: EnvId) -> String {
    let kind = platform.cloud.kind;
    let objects: Vec<Value> = remote_keys(platform, service)
        .iter()
        .map(|(env_var, key)| cloud::csi_object(kind, key.get(env), env_var))
        .collect();
    match kind {
        CloudKind::Azure => {
            let entries = objects.iter().map(|o| Value::String(to_yaml(o))).collect();
            to_yaml(&json!({ "array": Value::Array(entries) }))
        }
        CloudKind::Aws => to_yaml(&Value::Array(objects)),
    }
}

fn secret_provider_class(
    platform: &Platform,
    service: &Service,
    name: &str,
) -> (Value, Vec<Target>) {
    let kind = platform.cloud.kind;
    let mut targets = Vec::new();
    let mut parameters = serde_json::Map::new();
    let mut deploy_param = |param: &str, key: Option<String>, targets: &mut Vec<Target>| {
        parameters.insert(param.into(), json!(PLACEHOLDER));
        if let Some(key) = key {
            targets.push(Target::new(
                key,
                "SecretProviderClass",
                name,
                &format!("spec.parameters.{param}"),
            ));
        }
    };
    match kind {
        CloudKind::Azure => {
            let vault = platform.vault().map(|v| v.name.clone()).unwrap_or_default();
            let client = service.identity.as_ref().map(|i| i.client_id_key.clone());
            deploy_param("clientID", client, &mut targets);
            deploy_param(
                "keyvaultName",
                deploy_key(
                    platform,
                    |s| matches!(s, DeploySource::VaultName { data } if *data == vault),
                ),
                &mut targets,
            );
            deploy_param(
                "tenantId",
                deploy_key(platform, |s| matches!(s, DeploySource::TenantId)),
                &mut targets,
            );
            parameters.insert("usePodIdentity".into(), json!("false"));
            parameters.insert("useVMManagedIdentity".into(), json!("false"));
        }
        CloudKind::Aws => {
            parameters.insert("region".into(), json!(platform.cloud.region));
            parameters.insert("usePodIdentity".into(), json!("false"));
        }
    }
    parameters.insert(
        "objects".into(),
        json!(csi_objects(platform, service, EnvId(0))),
    );
    let sync: Vec<Value> = service
        .secrets
        .iter()
        .map(|s| json!({ "objectName": s.env_var, "key": s.env_var }))
        .collect();
    let object = json!({
        "apiVersion": "secrets-store.csi.x-k8s.io/v1",
        "kind": "SecretProviderClass",
        "metadata": meta::metadata(platform, name, &service.name),
        "spec": {
            "provider": cloud::csi_provider(kind),
            "parameters": parameters,
            "secretObjects": [{
                "secretName": name,
                "type": "Opaque",
                "labels": meta::labels(platform, &service.name),
                "data": sync,
            }],
        },
    });
    (object, targets)
}

/// The overlay patch of a service's secret object where the cloud store
/// names secrets per environment (AWS: `<platform>/<env>/<key>`).
pub fn env_patch(platform: &Platform, service: &Service, env: EnvId) -> Option<Value> {
    if !uses_secrets(service)
        || !remote_keys(platform, service)
            .iter()
            .any(|(_, k)| varies(k))
    {
        return None;
    }
    let name = meta::secret_name(service);
    let metadata = json!({ "name": name, "namespace": platform.namespace });
    Some(match platform.delivery.secrets {
        SecretsBackend::ExternalSecrets => json!({
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": metadata,
            "spec": { "data": external_secret_data(platform, service, Some(env)) },
        }),
        SecretsBackend::Csi => json!({
            "apiVersion": "secrets-store.csi.x-k8s.io/v1",
            "kind": "SecretProviderClass",
            "metadata": metadata,
            "spec": { "parameters": { "objects": csi_objects(platform, service, env) } },
        }),
    })
}

/// The CSI volume of a service's pod, when the CSI driver delivers its secrets.
pub fn pod_volume(platform: &Platform, service: &Service) -> Option<Value> {
    (platform.delivery.secrets == SecretsBackend::Csi && uses_secrets(service)).then(|| {
        json!({
            "name": CSI_VOLUME,
            "csi": {
                "driver": "secrets-store.csi.k8s.io",
                "readOnly": true,
                "volumeAttributes": { "secretProviderClass": meta::secret_name(service) },
            },
        })
    })
}

/// The read-only mount of the CSI volume.
pub fn container_mount(platform: &Platform, service: &Service) -> Option<Value> {
    pod_volume(platform, service)
        .map(|_| json!({ "name": CSI_VOLUME, "mountPath": CSI_MOUNT_PATH, "readOnly": true }))
}
