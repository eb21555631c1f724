//! AWS: naming conventions and limits.
//!
//! Structure only so far (seed 004 fills it in): names are
//! `<platform>-<name>-<env>` with AWS's limits; the state backend is an S3
//! bucket with a DynamoDB lock table.

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
        Resource::Identity
        | Resource::Postgres
        | Resource::Redis
        | Resource::ServiceBus
        | Resource::Storage => p(format!("{platform}-{name}")),
    }
}

pub fn ports(kind: &DataKind) -> Vec<u16> {
    match kind {
        DataKind::Postgres(_) => vec![5432],
        DataKind::Redis(_) => vec![6379],
        DataKind::ServiceBus(_) | DataKind::KeyVault(_) | DataKind::Storage(_) => vec![443],
    }
}

pub fn state_backend(platform: &str) -> StateBackend {
    StateBackend::S3 {
        bucket: format!("{platform}-tfstate"),
        lock_table: format!("{platform}-tflock"),
    }
}

/// Data service kinds AWS has no counterpart for in platc yet.
pub fn unsupported(keyword: &str) -> Option<&'static str> {
    match keyword {
        "servicebus" => Some("`servicebus` is Azure Service Bus; on AWS messaging is not supported yet"),
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
