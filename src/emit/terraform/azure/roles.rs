//! The Azure built-in roles platc assigns, by name and definition ID.
//!
//! Role assignments name roles (readable in review); the bootstrap's
//! delegation condition needs their IDs. Both come from this one table, and
//! [`assigned_roles`] lists exactly the roles the environment roots assign,
//! so the CI identity may grant those and nothing else.

use super::context::Azure;
use super::identity;
use crate::model::Platform;

/// A built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Role {
    pub name: &'static str,
    /// Role definition GUID (the same in every tenant).
    pub id: &'static str,
}

pub const ACR_PULL: Role = Role {
    name: "AcrPull",
    id: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
};
pub const NETWORK_CONTRIBUTOR: Role = Role {
    name: "Network Contributor",
    id: "4d97b98b-1d4f-4787-a291-c67834d212e7",
};
pub const KEY_VAULT_SECRETS_USER: Role = Role {
    name: "Key Vault Secrets User",
    id: "4633458b-17de-408a-b874-0445c86b69e6",
};
pub const KEY_VAULT_SECRETS_OFFICER: Role = Role {
    name: "Key Vault Secrets Officer",
    id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
};
pub const STORAGE_BLOB_DATA_CONTRIBUTOR: Role = Role {
    name: "Storage Blob Data Contributor",
    id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
};
pub const STORAGE_QUEUE_DATA_MESSAGE_SENDER: Role = Role {
    name: "Storage Queue Data Message Sender",
    id: "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
};
pub const STORAGE_QUEUE_DATA_MESSAGE_PROCESSOR: Role = Role {
    name: "Storage Queue Data Message Processor",
    id: "8a0f0c08-91a1-4084-bc3d-661d67233fed",
};
pub const SERVICE_BUS_DATA_SENDER: Role = Role {
    name: "Azure Service Bus Data Sender",
    id: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
};
pub const SERVICE_BUS_DATA_RECEIVER: Role = Role {
    name: "Azure Service Bus Data Receiver",
    id: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
};

/// Roles the CI identity holds on each environment's resource group.
pub const CONTRIBUTOR: &str = "Contributor";
pub const RBAC_ADMINISTRATOR: &str = "Role Based Access Control Administrator";
pub const AKS_RBAC_CLUSTER_ADMIN: &str = "Azure Kubernetes Service RBAC Cluster Admin";

/// Every role an environment root assigns, sorted and without duplicates.
pub fn assigned_roles(p: &Platform) -> Vec<Role> {
    let az = Azure::new(p);
    let mut roles = vec![ACR_PULL, NETWORK_CONTRIBUTOR];
    if p.vault().is_some() && p.stored_secrets().iter().any(|s| s.generated) {
        roles.push(KEY_VAULT_SECRETS_OFFICER);
    }
    roles.extend(identity::assignments(&az).into_iter().map(|a| a.role));
    roles.sort();
    roles.dedup();
    roles
}

/// ABAC condition limiting a role-assignment delegation to `roles`: the
/// holder may create and delete assignments of those roles only.
pub fn delegation_condition(roles: &[Role]) -> String {
    let ids = roles.iter().map(|r| r.id).collect::<Vec<_>>().join(", ");
    format!(
        "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ids}}})) AND ((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ids}}}))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_lists_each_role_for_write_and_delete() {
        let c = delegation_condition(&[ACR_PULL, KEY_VAULT_SECRETS_USER]);
        assert_eq!(
            c.matches("7f951dda-4ed3-4680-a7ca-43fe172d538d, 4633458b-17de-408a-b874-0445c86b69e6")
                .count(),
            2
        );
        assert!(
            c.starts_with("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))")
        );
    }

    #[test]
    fn the_ci_identity_may_assign_every_role_the_roots_assign() {
        let p = crate::emit::terraform::azure::context::fixture();
        let names: Vec<&str> = assigned_roles(&p).into_iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            vec![
                "AcrPull",
                "Azure Service Bus Data Receiver",
                "Azure Service Bus Data Sender",
                "Key Vault Secrets Officer",
                "Key Vault Secrets User",
                "Network Contributor",
                "Storage Blob Data Contributor",
                "Storage Queue Data Message Processor",
            ]
        );
    }
}
