//! The Kubernetes cluster and its node pools.

use serde::Serialize;

use super::PerEnv;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    pub name: String,
    pub kubernetes_version: String,
    /// Name of the subnet the nodes (and, with a VNet CNI, the pods) live in.
    pub subnet: String,
    pub network_plugin: NetworkPlugin,
    pub network_policy: NetworkPolicyEngine,
    /// Maximum pods per node (sizes the subnet under a VNet CNI).
    pub max_pods: u32,
    pub node_pools: Vec<NodePool>,
    pub ingress: IngressController,
    /// Cloud resource name per environment (e.g. `aks-octo-dev`).
    pub cloud_name: PerEnv<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkPlugin {
    /// Azure CNI: pods get VNet addresses.
    Azure,
    Kubenet,
    /// Amazon VPC CNI.
    VpcCni,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkPolicyEngine {
    Calico,
    Azure,
    Cilium,
    /// The Amazon VPC CNI's network policy agent (EKS add-on `vpc-cni`
    /// with `enableNetworkPolicy`).
    VpcCni,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodePool {
    pub name: String,
    pub mode: NodePoolMode,
    pub vm_size: PerEnv<String>,
    /// Nodes at start (minimum when autoscaling).
    pub count: PerEnv<u32>,
    /// Autoscaler ceiling; equal to `count` when the pool does not autoscale.
    pub max_count: PerEnv<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodePoolMode {
    System,
    User,
    Spot,
}

/// The ingress controller installed as a cluster add-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngressController {
    Nginx,
}

impl IngressController {
    /// `ingressClassName` of the Ingress objects.
    pub fn class_name(self) -> &'static str {
        match self {
            IngressController::Nginx => "nginx",
        }
    }

    /// Namespace the controller runs in (NetworkPolicies admit traffic from it).
    pub fn namespace(self) -> &'static str {
        match self {
            IngressController::Nginx => "ingress-nginx",
        }
    }
}
