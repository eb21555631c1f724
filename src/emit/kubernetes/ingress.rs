//! Ingress for exposed services, served by the platform's ingress
//! controller. The host differs per environment, so the base carries the
//! first environment's and every overlay restates its own.

use serde_json::{Value, json};

use super::meta::{self, REASON_ANNOTATION, base_value, varies};
use super::workload::HTTP_PORT_NAME;
use crate::model::{EnvId, Expose, Platform, Service, ServiceKind};

fn exposed(service: &Service) -> Option<&Expose> {
    service
        .expose
        .as_ref()
        .filter(|_| service.kind == ServiceKind::Web && service.port.is_some())
}

/// `tls` and `rules` of the Ingress for one host.
fn host_spec(service: &Service, expose: &Expose, host: &str) -> (Option<Value>, Value) {
    let tls = expose
        .tls
        .then(|| json!([{ "hosts": [host], "secretName": expose.tls_secret }]));
    let rules = json!([{
        "host": host,
        "http": {
            "paths": [{
                "path": expose.path,
                "pathType": "Prefix",
                "backend": { "service": { "name": service.name, "port": { "name": HTTP_PORT_NAME } } },
            }],
        },
    }]);
    (tls, rules)
}

/// The Ingress of an exposed web service.
pub fn ingress(platform: &Platform, service: &Service) -> Option<Value> {
    let expose = exposed(service)?;
    let (tls, rules) = host_spec(service, expose, base_value(&expose.host).as_str());
    let mut spec = serde_json::Map::new();
    spec.insert(
        "ingressClassName".into(),
        json!(platform.cluster.ingress.class_name()),
    );
    if let Some(tls) = tls {
        spec.insert("tls".into(), tls);
    }
    spec.insert("rules".into(), rules);
    let mut metadata = meta::metadata(platform, &service.name, &service.name);
    if !expose.tls {
        metadata["annotations"] = json!({
            REASON_ANNOTATION: "served without TLS because the spec's `expose` turns TLS off",
        });
    }
    Some(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
    }))
}

/// The overlay patch restating the host, when hosts differ per environment.
/// `tls` and `rules` are lists without merge keys: the patch replaces them whole.
pub fn env_patch(platform: &Platform, service: &Service, env: EnvId) -> Option<Value> {
    let expose = exposed(service)?;
    if !varies(&expose.host) {
        return None;
    }
    let (tls, rules) = host_spec(service, expose, expose.host.get(env));
    let mut spec = serde_json::Map::new();
    if let Some(tls) = tls {
        spec.insert("tls".into(), tls);
    }
    spec.insert("rules".into(), rules);
    Some(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": { "name": service.name, "namespace": platform.namespace },
        "spec": spec,
    }))
}
