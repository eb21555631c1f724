//! The in-cluster Service of a web service: a stable name and port for its
//! callers and the ingress controller. Workers and jobs serve nothing and
//! get none.

use serde_json::{Value, json};

use super::meta;
use super::workload::HTTP_PORT_NAME;
use crate::model::{Platform, Service, ServiceKind};

/// The Service of `service`, when it is a web service with a port.
pub fn service(platform: &Platform, service: &Service) -> Option<Value> {
    let port = service.port.filter(|_| service.kind == ServiceKind::Web)?;
    Some(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta::metadata(platform, &service.name, &service.name),
        "spec": {
            "type": "ClusterIP",
            "selector": meta::selector(&service.name),
            "ports": [{
                "name": HTTP_PORT_NAME,
                "port": port,
                "targetPort": HTTP_PORT_NAME,
                "protocol": "TCP",
            }],
        },
    }))
}
