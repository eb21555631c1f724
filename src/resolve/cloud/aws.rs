//! AWS: naming conventions and limits.
//!
//! Every environment-scoped name starts with `<platform>-<env>`: the
//! cluster and the registry namespace are exactly that, and IAM roles are
//! `<platform>-<env>-<name>`, because the environment's CI role may manage
//! only the roles under that prefix (see the bootstrap root). The state
//! backend is one S3 bucket per platform and region, `<platform>-tfstate-<region>`
//! (bucket names are global), locked by the DynamoDB table `<platform>-tflock`.

use super::{NameParts, NameRule, Resource};
use crate::model::{DataKind, StateBackend};

pub fn rule(res: Resource) -> NameRule {
    let r = |resource, max, shorten| NameRule {
        resource,
        max,
        alnum_only: false,
        shorten,
    };
    match res {
        Resource::ResourceGroup => r("resource group tag", 128, false),
        Resource::Cluster => r("EKS cluster", 100, false),
        Resource::Registry => r("ECR repository prefix", 256, false),
        Resource::LogWorkspace => r("CloudWatch log group", 512, false),
        Resource::Identity => r("IAM role", 64, false),
        Resource::Postgres => r("RDS DB instance identifier", 63, false),
        Resource::Redis => r("ElastiCache replication group id", 40, false),
        Resource::ServiceBus => r("SNS/SQS name", 80, false),
        Resource::KeyVault => r("Secrets Manager prefix", 512, false),
        // S3 bucket names are global; shorten like Azure storage accounts.
        Resource::Storage => r("S3 bucket", 63, true),
    }
}

pub fn parts(res: Resource, platform: &str, name: &str, env: &str) -> NameParts {
    let p = |core: String| NameParts {
        prefix: String::new(),
        core,
        suffix: format!("-{env}"),
    };
    match res {
        Resource::ResourceGroup
        | Resource::Cluster
        | Resource::Registry
        | Resource::LogWorkspace
        | Resource::KeyVault => p(platform.to_string()),
        // Under the environment's IAM prefix, which its CI role may manage.
        Resource::Identity => NameParts {
            prefix: format!("{platform}-{env}-"),
            core: name.to_string(),
            suffix: String::new(),
        },
        Resource::Postgres | Resource::Redis | Resource::ServiceBus | Resource::Storage => {
            p(format!("{platform}-{name}"))
        }
    }
}

pub fn ports(kind: &DataKind) -> Vec<u16> {
    match kind {
        DataKind::Postgres(_) => vec![5432],
        DataKind::Redis(_) => vec![6379],
        DataKind::ServiceBus(_) | DataKind::KeyVault(_) | DataKind::Storage(_) => vec![443],
    }
}

pub fn state_backend(platform: &str, region: &str) -> StateBackend {
    StateBackend::S3 {
        bucket: state_bucket(platform, region),
        lock_table: format!("{platform}-tflock"),
    }
}

/// The S3 bucket of the Terraform state (global namespace: the region keeps
/// one platform's buckets in two regions apart).
pub fn state_bucket(platform: &str, region: &str) -> String {
    format!("{platform}-tfstate-{region}")
}

/// S3 bucket names: 3 to 63 characters.
pub const BUCKET_MAX: usize = 63;
/// IAM role names: at most 64 characters.
pub const ROLE_MAX: usize = 64;

/// Suffixes of the IAM roles the Terraform creates for every environment
/// under `<platform>-<env>` (cluster, nodes, EKS add-on controllers, VPC
/// flow logs, the secrets operator); the longest decides whether the prefix
/// fits. The AWS Terraform's tests check that every role it names is here.
pub const ENVIRONMENT_ROLE_SUFFIXES: &[&str] = &[
    "-cluster",
    "-node",
    "-vpc-cni",
    "-ebs-csi",
    "-flow-logs",
    "-eso",
];

/// Data service kinds AWS has no counterpart for in platc yet.
pub fn unsupported(keyword: &str) -> Option<&'static str> {
    match keyword {
        "servicebus" => {
            Some("`servicebus` is Azure Service Bus; on AWS messaging is not supported yet")
        }
        "keyvault" => Some(
            "on AWS secrets live in AWS Secrets Manager, one prefix per environment: remove `keyvault` (services name their secrets with `secret NAME`)",
        ),
        "storage" => Some(
            "`storage` is an Azure Storage account; on AWS object storage (S3) is not supported yet",
        ),
        _ => None,
    }
}

pub fn default_sku(what: &str) -> &'static str {
    match what {
        "postgres" => "db.t4g.micro",
        "redis" => "cache.t4g.micro",
        "registry" => "standard",
        _ => "standard",
    }
}
