//! The `identity` family: one user-assigned managed identity per workload
//! that needs cloud access (services with an identity in the model, and
//! add-ons such as the secrets operator), each federated with its Kubernetes
//! service account through the cluster's OIDC issuer (workload identity), and
//! the role assignments derived from the model's grants.
//!
//! Grants become data-plane roles on the narrowest scope Azure offers: the
//! vault for secrets, the blob container, the storage queue, the Service Bus
//! topic, subscription or queue. `Connect` grants need no role (network and
//! credentials only).

use super::context::{Azure, Part, call, common_variables, tagged, var};
use super::roles::{self, Role};
use super::servicebus;
use crate::emit::terraform::hcl::{Block, Body, Expr, TemplatePart};
use crate::emit::terraform::module::Module;
use crate::emit::terraform::output::Output;
use crate::emit::terraform::root::RootVar;
use crate::emit::terraform::variable::{Variable, map_of, object_type};
use crate::model::{Access, DataKind, DeploySource, Grant, PerEnv};

/// Name of the identity module call.
pub const CALL: &str = "identity";

/// Audience of Entra ID workload identity federation tokens.
pub const TOKEN_AUDIENCE: &str = "api://AzureADTokenExchange";

/// One workload identity: the key it has in the module's maps.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub key: String,
    pub namespace: String,
    pub service_account: String,
    pub names: PerEnv<String>,
}

/// One role assignment of a workload identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub key: String,
    pub identity: String,
    pub role: Role,
    /// Reference to the scope (a module output).
    pub scope: String,
}

/// Every workload identity: services first (in model order), then add-ons.
pub fn workloads(az: &Azure) -> Vec<Workload> {
    let mut out: Vec<Workload> =
        az.p.services
            .iter()
            .filter_map(|s| {
                s.identity.as_ref().map(|id| Workload {
                    key: s.name.clone(),
                    namespace: id.namespace.clone(),
                    service_account: id.service_account.clone(),
                    names: id.cloud_name.clone(),
                })
            })
            .collect();
    for addon in az.p.addons() {
        if let Some(id) = &addon.identity {
            out.push(Workload {
                key: addon.name.clone(),
                namespace: addon.namespace.clone(),
                service_account: id.service_account.clone(),
                names: PerEnv::from_values(
                    az.p.environments
                        .iter()
                        .map(|e| az.addon_identity_name(&id.cloud_name_stem, e))
                        .collect(),
                ),
            });
        }
    }
    out
}

/// The workload key whose client id a deploy value carries.
pub fn workload_for(az: &Azure, source: &DeploySource, key: &str) -> Option<String> {
    match source {
        DeploySource::IdentityClientId { service } => Some(service.clone()),
        DeploySource::SecretsOperatorClientId => {
            az.p.addons()
                .into_iter()
                .find(|a| a.identity.as_ref().is_some_and(|i| i.client_id_key == key))
                .map(|a| a.name)
        }
        _ => None,
    }
}

/// The role and scope of one grant, or `None` when it needs no role.
fn grant_role(az: &Azure, g: &Grant) -> Option<(Role, String, String)> {
    let d = az.p.data_service(&g.data)?;
    let module = az.data_call(d);
    let m = |output: &str| format!("module.{module}.{output}");
    let keyed = |output: &str, key: &str| format!("module.{module}.{output}[\"{key}\"]");
    let detail = |s: &str| format!("{}-{s}", g.data);
    match (&g.access, &d.kind) {
        (Access::SecretsRead, DataKind::KeyVault(_)) => {
            Some((roles::KEY_VAULT_SECRETS_USER, m("id"), g.data.clone()))
        }
        (Access::BlobReadWrite { container: Some(c) }, DataKind::Storage(_)) => Some((
            roles::STORAGE_BLOB_DATA_CONTRIBUTOR,
            keyed("container_ids", c),
            detail(c),
        )),
        (Access::BlobReadWrite { container: None }, DataKind::Storage(_)) => Some((
            roles::STORAGE_BLOB_DATA_CONTRIBUTOR,
            m("id"),
            g.data.clone(),
        )),
        (Access::QueueSend { queue }, DataKind::Storage(_)) => Some((
            roles::STORAGE_QUEUE_DATA_MESSAGE_SENDER,
            keyed("queue_ids", queue),
            detail(queue),
        )),
        (Access::QueueReceive { queue }, DataKind::Storage(_)) => Some((
            roles::STORAGE_QUEUE_DATA_MESSAGE_PROCESSOR,
            keyed("queue_ids", queue),
            detail(queue),
        )),
        (Access::QueueSend { queue }, DataKind::ServiceBus(_)) => Some((
            roles::SERVICE_BUS_DATA_SENDER,
            keyed("queue_ids", queue),
            detail(queue),
        )),
        (Access::QueueReceive { queue }, DataKind::ServiceBus(_)) => Some((
            roles::SERVICE_BUS_DATA_RECEIVER,
            keyed("queue_ids", queue),
            detail(queue),
        )),
        (Access::TopicSend { topic }, DataKind::ServiceBus(_)) => Some((
            roles::SERVICE_BUS_DATA_SENDER,
            keyed("topic_ids", topic),
            detail(topic),
        )),
        (
            Access::SubscriptionReceive {
                topic,
                subscription,
            },
            DataKind::ServiceBus(_),
        ) => Some((
            roles::SERVICE_BUS_DATA_RECEIVER,
            keyed(
                "subscription_ids",
                &servicebus::subscription_key(topic, subscription),
            ),
            detail(&format!("{topic}-{subscription}")),
        )),
        _ => None,
    }
}

/// Short, stable tag of a role for assignment keys.
fn role_tag(role: Role) -> &'static str {
    match role.name {
        "Key Vault Secrets User" => "secrets-user",
        "Storage Blob Data Contributor" => "blob-contributor",
        "Storage Queue Data Message Sender" => "queue-sender",
        "Storage Queue Data Message Processor" => "queue-processor",
        "Azure Service Bus Data Sender" => "bus-sender",
        "Azure Service Bus Data Receiver" => "bus-receiver",
        _ => "role",
    }
}

/// Every role assignment of every workload identity.
pub fn assignments(az: &Azure) -> Vec<Assignment> {
    let mut out = Vec::new();
    for s in &az.p.services {
        let Some(id) = &s.identity else { continue };
        for g in &id.grants {
            if let Some((role, scope, what)) = grant_role(az, g) {
                out.push(Assignment {
                    key: format!("{}-{}-{what}", s.name, role_tag(role)),
                    identity: s.name.clone(),
                    role,
                    scope,
                });
            }
        }
    }
    // The secrets operator reads the vault for every service.
    if let Some(vault) = az.p.vault() {
        for w in workloads(az) {
            let operator = az.p.deploy_values.iter().any(|dv| {
                matches!(dv.source, DeploySource::SecretsOperatorClientId)
                    && workload_for(az, &dv.source, &dv.key).as_deref() == Some(w.key.as_str())
            });
            if operator {
                out.push(Assignment {
                    key: format!("{}-secrets-user-{}", w.key, vault.name),
                    identity: w.key.clone(),
                    role: roles::KEY_VAULT_SECRETS_USER,
                    scope: format!("module.{}.id", az.data_call(vault)),
                });
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

pub fn part(az: &Azure) -> Option<Part> {
    let ws = workloads(az);
    if ws.is_empty() {
        return None;
    }
    let names = az.per_env(|e| {
        Expr::object(
            ws.iter()
                .map(|w| (w.key.clone(), Expr::str(w.names.get(e.id)))),
        )
    });
    let tfvars = vec![RootVar::new(
        Variable::new(
            "identity_names",
            map_of("string"),
            "Name of each workload's user-assigned identity, by workload.",
        ),
        names,
    )];
    let workloads = Expr::object(ws.iter().map(|w| {
        (
            w.key.clone(),
            Expr::object([
                ("namespace", Expr::str(&w.namespace)),
                ("service_account", Expr::str(&w.service_account)),
            ]),
        )
    }));
    let assignments = Expr::object(assignments(az).into_iter().map(|a| {
        (
            a.key,
            Expr::object([
                ("identity", Expr::str(a.identity)),
                ("role", Expr::str(a.role.name)),
                ("scope", Expr::raw(a.scope)),
            ]),
        )
    }));
    let c = call(CALL, "identity")
        .arg("names", var("identity_names"))
        .arg(
            "oidc_issuer_url",
            Expr::raw(format!("module.{}.oidc_issuer_url", super::aks::CALL)),
        )
        .arg("workloads", workloads)
        .arg("role_assignments", assignments);
    Some(Part {
        module: module(),
        calls: vec![c],
        tfvars,
    })
}

fn module() -> Module {
    let mut m = Module::new("identity", super::context::PROVIDERS);
    m.variables = common_variables();
    m.variables.extend([
        Variable::new("names", map_of("string"), "Name of each workload's identity, by workload key.").validation(
            Expr::raw("alltrue([for key in keys(var.workloads) : contains(keys(var.names), key)])"),
            "Every workload needs an identity name.",
        ),
        Variable::new("oidc_issuer_url", "string", "OIDC issuer of the cluster whose service accounts are federated.")
            .not_null(),
        Variable::new(
            "workloads",
            map_of(object_type([("namespace", "string".into()), ("service_account", "string".into())])),
            "Workloads by key: the Kubernetes service account each identity is federated with.",
        ),
        Variable::new(
            "role_assignments",
            map_of(object_type([
                ("identity", "string".into()),
                ("role", "string".into()),
                ("scope", "string".into()),
            ])),
            "Data-plane role assignments by key: which workload's identity gets which role on which scope.",
        )
        .default(Expr::object::<&str>([]))
        .validation(
            Expr::raw("alltrue([for a in values(var.role_assignments) : contains(keys(var.workloads), a.identity)])"),
            "Every role assignment must name a workload.",
        ),
    ]);
    let identity = tagged(
        Block::new("resource")
            .labels(["azurerm_user_assigned_identity", "this"])
            .attr("for_each", var("workloads"))
            .blank()
            .attr("name", Expr::raw("var.names[each.key]"))
            .attr("location", var("location"))
            .attr("resource_group_name", var("resource_group_name")),
    );
    let federation = Block::new("resource")
        .labels(["azurerm_federated_identity_credential", "this"])
        .attr("for_each", var("workloads"))
        .blank()
        .attr("name", "kubernetes-service-account")
        .attr(
            "user_assigned_identity_id",
            Expr::raw("azurerm_user_assigned_identity.this[each.key].id"),
        )
        .attr("audience", Expr::str_list([TOKEN_AUDIENCE]))
        .attr("issuer", var("oidc_issuer_url"))
        .attr(
            "subject",
            Expr::template([
                TemplatePart::lit("system:serviceaccount:"),
                TemplatePart::interp("each.value.namespace"),
                TemplatePart::lit(":"),
                TemplatePart::interp("each.value.service_account"),
            ]),
        );
    let assignment = Block::new("resource")
        .labels(["azurerm_role_assignment", "this"])
        .attr("for_each", var("role_assignments"))
        .blank()
        .attr("scope", Expr::raw("each.value.scope"))
        .attr("role_definition_name", Expr::raw("each.value.role"))
        .attr(
            "principal_id",
            Expr::raw("azurerm_user_assigned_identity.this[each.value.identity].principal_id"),
        )
        .attr("principal_type", "ServicePrincipal");
    m.main = Body::new()
        .block(identity)
        .blank()
        .block(federation)
        .blank()
        .block(assignment);
    m.outputs = vec![
        Output::new(
            "client_ids",
            Expr::raw(
                "{ for key, identity in azurerm_user_assigned_identity.this : key => identity.client_id }",
            ),
            "Client ID of each workload's identity (the service account's azure.workload.identity/client-id).",
        ),
        Output::new(
            "principal_ids",
            Expr::raw(
                "{ for key, identity in azurerm_user_assigned_identity.this : key => identity.principal_id }",
            ),
            "Principal (object) ID of each workload's identity.",
        ),
    ];
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::terraform::azure::context::fixture;

    #[test]
    fn grants_become_roles_on_the_narrowest_scope() {
        let p = fixture();
        let az = Azure::new(&p);
        let got: Vec<(String, &str, String)> = assignments(&az)
            .into_iter()
            .map(|a| (a.identity, a.role.name, a.scope))
            .collect();
        let row = |i: &str, r: &'static str, s: &str| (i.to_string(), r, s.to_string());
        assert_eq!(
            got,
            vec![
                row(
                    "api",
                    "Storage Blob Data Contributor",
                    "module.storage_files.container_ids[\"uploads\"]"
                ),
                row(
                    "api",
                    "Azure Service Bus Data Sender",
                    "module.servicebus_bus.queue_ids[\"q1\"]"
                ),
                row(
                    "api",
                    "Azure Service Bus Data Sender",
                    "module.servicebus_bus.topic_ids[\"t1\"]"
                ),
                row("api", "Key Vault Secrets User", "module.keyvault_vault.id"),
                row(
                    "worker",
                    "Azure Service Bus Data Receiver",
                    "module.servicebus_bus.queue_ids[\"q1\"]"
                ),
                row(
                    "worker",
                    "Azure Service Bus Data Receiver",
                    "module.servicebus_bus.subscription_ids[\"t1/s1\"]"
                ),
                row(
                    "worker",
                    "Storage Queue Data Message Processor",
                    "module.storage_files.queue_ids[\"jobs\"]"
                ),
            ]
        );
    }

    #[test]
    fn every_service_identity_is_a_workload() {
        let p = fixture();
        let az = Azure::new(&p);
        let keys: Vec<String> = workloads(&az).into_iter().map(|w| w.key).collect();
        assert_eq!(keys, vec!["api", "worker"], "CSI has no operator identity");
    }
}
