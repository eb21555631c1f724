//! HorizontalPodAutoscaler (where the spec declares `autoscale`) and
//! PodDisruptionBudget (where a service can run more than one replica).
//!
//! The PDB allows one pod down at a time (`maxUnavailable: 1`): in an
//! environment running a single replica it still lets a node drain, so the
//! same object serves every environment (environments change values, not
//! structure).

use serde_json::{Value, json};

use super::meta::{self, base_value};
use crate::model::{EnvId, Platform, Service, ServiceKind};

fn long_running(service: &Service) -> bool {
    !matches!(service.kind, ServiceKind::CronJob { .. })
}

/// Minimum and maximum replicas in `env`; the maximum never below the minimum.
fn bounds(service: &Service, env: EnvId) -> Option<(u32, u32)> {
    let autoscale = service.autoscale.as_ref()?;
    let min = *service.replicas.get(env);
    Some((min, (*autoscale.max.get(env)).max(min)))
}

/// The HPA of a service that declares `autoscale`.
pub fn hpa(platform: &Platform, service: &Service) -> Option<Value> {
    let autoscale = service
        .autoscale
        .as_ref()
        .filter(|_| long_running(service))?;
    let min = *base_value(&service.replicas);
    let max = (*base_value(&autoscale.max)).max(min);
    Some(json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta::metadata(platform, &service.name, &service.name),
        "spec": {
            "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": service.name },
            "minReplicas": min,
            "maxReplicas": max,
            "metrics": [{
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": { "type": "Utilization", "averageUtilization": autoscale.cpu_percent },
                },
            }],
        },
    }))
}

/// The overlay patch of the HPA's bounds, when they differ per environment.
pub fn env_patch(platform: &Platform, service: &Service, env: EnvId) -> Option<Value> {
    if !long_running(service) {
        return None;
    }
    let (min, max) = bounds(service, env)?;
    let per_env: Vec<(u32, u32)> = platform
        .environments
        .iter()
        .filter_map(|e| bounds(service, e.id))
        .collect();
    let min_varies = per_env.iter().any(|b| b.0 != per_env[0].0);
    let max_varies = per_env.iter().any(|b| b.1 != per_env[0].1);
    let mut spec = serde_json::Map::new();
    if min_varies {
        spec.insert("minReplicas".into(), json!(min));
    }
    if max_varies {
        spec.insert("maxReplicas".into(), json!(max));
    }
    if spec.is_empty() {
        return None;
    }
    Some(json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": { "name": service.name, "namespace": platform.namespace },
        "spec": spec,
    }))
}

/// Whether a long-running service can run more than one pod in some
/// environment (replicas above one, or an autoscaler): such a service gets a
/// PDB and spreads its pods over nodes.
pub fn runs_several(service: &Service) -> bool {
    long_running(service)
        && (service.replicas.max().is_some_and(|r| *r > 1) || service.autoscale.is_some())
}

/// The PDB of a service that runs more than one replica in some environment.
pub fn pdb(platform: &Platform, service: &Service) -> Option<Value> {
    if !runs_several(service) {
        return None;
    }
    Some(json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta::metadata(platform, &service.name, &service.name),
        "spec": {
            "maxUnavailable": 1,
            "selector": { "matchLabels": meta::selector(&service.name) },
        },
    }))
}
