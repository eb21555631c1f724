//! What edges imply: the edge list, grants, identities, secrets,
//! environment variables and deploy values (DESIGN principle 2: edges are
//! the only source of access).
//!
//! Derived facts, per service:
//!
//! * **Edges** — `calls S` → `Service { S, port of S }`; `uses D [database=|container=]`,
//!   `publishes D topic=|queue=`, `consumes D topic= subscription=|queue=` →
//!   `Data { D, detail }` where detail is the database, container, topic,
//!   queue, or (for `consumes … topic= subscription=`) the subscription.
//! * **Grants** — uses keyvault → `SecretsRead`; uses storage →
//!   `BlobReadWrite { container }`; publishes topic → `TopicSend`; consumes
//!   topic → `SubscriptionReceive`; publishes/consumes queue (Service Bus or
//!   storage) → `QueueSend`/`QueueReceive`; uses postgres/redis → `Connect`.
//!   With the CSI secrets backend the pod itself reads the vault, so a
//!   service with secrets also gets `SecretsRead` on the vault (with External
//!   Secrets the operator reads it instead).
//! * **Identity** — when the service has a grant other than `Connect` or (on
//!   Azure) any secret: `id-<platform>-<service>-<env>` (Azure),
//!   `<platform>-<env>-<service>` (AWS IAM role for IRSA), namespace = platform
//!   namespace, service account = service name, client id in deploy value
//!   `identity_client_id_<service_snake>`.
//! * **Secrets** — `secret NAME` → vault key NAME, env var UPPER_SNAKE(NAME);
//!   uses postgres → `<pg>-admin-password` as `DATABASE_PASSWORD`; uses redis →
//!   `<redis>-access-key` as `REDIS_PASSWORD`.
//! * **Environment variables** — config entries (literal), secrets, `<TARGET>_URL`
//!   per `calls` (`http://<target>:<port>`), and per data service used:
//!   postgres `DATABASE_HOST` (deploy), `DATABASE_PORT`, `DATABASE_NAME`,
//!   `DATABASE_USER`; redis `REDIS_HOST` (deploy), `REDIS_PORT`; servicebus
//!   `SERVICEBUS_NAMESPACE` (deploy); keyvault `KEY_VAULT_URI` (deploy);
//!   storage `STORAGE_BLOB_ENDPOINT` (uses) / `STORAGE_QUEUE_ENDPOINT`
//!   (publishes/consumes) (deploy). When a service reaches two data services of
//!   the same kind, their variables are prefixed with `<NAME>_`. In-cluster
//!   databases and caches get literal hosts (the workload name). A clash with a
//!   config key (or between derived names) is an error. `AZURE_CLIENT_ID` is
//!   injected by the workload-identity webhook, so it is not added.
//! * **Deploy values** — `cluster_name`, `oidc_issuer`,
//!   `registry_login_server`; `identity_client_id_<service>` per identity;
//!   when any service has secrets: `tenant_id` (Azure), `vault_uri_<vault>`,
//!   `vault_name_<vault>` and (External Secrets) `secrets_operator_client_id`;
//!   per data service a service reaches: `database_host_<pg>`,
//!   `cache_host_<redis>`, `messaging_namespace_<sb>`, `vault_uri_<kv>`,
//!   `blob_endpoint_<st>`, `queue_endpoint_<st>`.

use std::collections::BTreeMap;

use super::Resolver;
use super::cloud::Resource;
use super::names::{snake, upper_snake};
use crate::diagnostic::{Diagnostic, suggest};
use crate::model::{
    Access, CloudKind, DataKind, DataService, Delivery, DeploySource, DeployValue, Edge, EdgeKind,
    EdgeTarget, EnvValue, EnvVar, Grant, Hosting, Identity, PerEnv, SecretOrigin, SecretRef,
    SecretsBackend, Service,
};
use crate::spec::data::DataDecl;
use crate::spec::service::{EdgeDecl, EdgeKeyword, ServiceDecl};
use crate::spec::{Span, Spanned};

pub(crate) struct Wired {
    pub services: Vec<Service>,
    pub edges: Vec<Edge>,
    pub deploy_values: Vec<DeployValue>,
}

/// Deploy-value key of a source.
pub fn deploy_key(source: &DeploySource) -> String {
    match source {
        DeploySource::IdentityClientId { service } => {
            format!("identity_client_id_{}", snake(service))
        }
        DeploySource::SecretsOperatorClientId => "secrets_operator_client_id".into(),
        DeploySource::TenantId => "tenant_id".into(),
        DeploySource::VaultUri { data } => format!("vault_uri_{}", snake(data)),
        DeploySource::VaultName { data } => format!("vault_name_{}", snake(data)),
        DeploySource::DatabaseHost { data } => format!("database_host_{}", snake(data)),
        DeploySource::CacheHost { data } => format!("cache_host_{}", snake(data)),
        DeploySource::MessagingNamespace { data } => format!("messaging_namespace_{}", snake(data)),
        DeploySource::BlobEndpoint { data } => format!("blob_endpoint_{}", snake(data)),
        DeploySource::QueueEndpoint { data } => format!("queue_endpoint_{}", snake(data)),
        DeploySource::RegistryLoginServer => "registry_login_server".into(),
        DeploySource::ClusterName => "cluster_name".into(),
        DeploySource::OidcIssuer => "oidc_issuer".into(),
    }
}

/// One resolved data edge.
struct DataEdge {
    data: String,
    detail: Option<String>,
    access: Access,
}

/// Deploy values, keyed by key (unique, sorted).
#[derive(Default)]
struct DeployValues(BTreeMap<String, DeploySource>);

impl DeployValues {
    fn add(&mut self, source: DeploySource) -> String {
        let key = deploy_key(&source);
        self.0.entry(key.clone()).or_insert(source);
        key
    }
}

/// One environment variable being assembled, with where it came from.
struct PendingVar {
    name: String,
    value: EnvValue,
    span: Span,
    origin: String,
    is_config: bool,
}

pub(crate) fn wire(
    r: &mut Resolver<'_>,
    namespace: &str,
    mut services: Vec<Service>,
    decls: &[ServiceDecl],
    data: &[DataService],
    data_decls: &[DataDecl],
    delivery: &Delivery,
) -> Wired {
    let mut dv = DeployValues::default();
    dv.add(DeploySource::ClusterName);
    dv.add(DeploySource::OidcIssuer);
    dv.add(DeploySource::RegistryLoginServer);
    let mut edges = Vec::new();
    let service_names: Vec<&str> = decls.iter().map(|d| d.name.value.as_str()).collect();
    let data_names: Vec<&str> = data.iter().map(|d| d.name.as_str()).collect();
    let vault = data
        .iter()
        .find(|d| matches!(d.kind, DataKind::KeyVault(_)));
    let mut any_secrets = false;

    for (svc, decl) in services.iter_mut().zip(decls) {
        let who = format!("service `{}`", decl.name.value);
        let mut grants: Vec<Grant> = Vec::new();
        let mut secrets: Vec<(SecretRef, Span)> = Vec::new();
        let mut vars: Vec<PendingVar> = Vec::new();
        let mut seen_edges: Vec<(EdgeKind, EdgeTarget, Span)> = Vec::new();
        // Data services this service reaches, with the edges' details, in order.
        let mut reached: Vec<(&DataService, EdgeKeyword, Span, Option<String>)> = Vec::new();

        // Config entries (already expanded by `services`; keys are unique there).
        for c in &svc.config {
            let span = decl
                .config
                .iter()
                .find(|d| d.key.value == c.key)
                .map_or(decl.name.span, |d| d.key.span);
            if vars.iter().any(|v| v.is_config && v.name == c.key) {
                continue;
            }
            vars.push(PendingVar {
                name: c.key.clone(),
                value: EnvValue::Literal {
                    value: c.value.clone(),
                },
                span,
                origin: format!("config `{}`", c.key),
                is_config: true,
            });
        }
        for e in &decl.edges {
            let (kind, target) = match e.kind.value {
                EdgeKeyword::Calls => {
                    let Some(port) = call_target(r, e, decls, &service_names, &data_names, &who)
                    else {
                        continue;
                    };
                    vars.push(PendingVar {
                        name: format!("{}_URL", upper_snake(&e.target.value)),
                        value: EnvValue::Literal {
                            value: PerEnv::uniform_of(
                                format!("http://{}:{port}", e.target.value),
                                r.envs.len(),
                            ),
                        },
                        span: e.target.span,
                        origin: format!("`calls {}`", e.target.value),
                        is_config: false,
                    });
                    (
                        EdgeKind::Calls,
                        EdgeTarget::Service {
                            name: e.target.value.clone(),
                            port,
                        },
                    )
                }
                kw => {
                    let Some(target) = data.iter().find(|d| d.name == e.target.value) else {
                        unknown_data_target(r, e, &service_names, &data_names, &who);
                        continue;
                    };
                    let decl_d = data_decls.iter().find(|d| d.name.value == e.target.value);
                    let Some(de) = data_edge(r, e, target, decl_d) else {
                        continue;
                    };
                    grants.push(Grant {
                        data: de.data.clone(),
                        access: de.access.clone(),
                    });
                    reached.push((target, kw, e.span, de.detail.clone()));
                    let kind = match kw {
                        EdgeKeyword::Uses => EdgeKind::Uses,
                        EdgeKeyword::Publishes => EdgeKind::Publishes,
                        _ => EdgeKind::Consumes,
                    };
                    (
                        kind,
                        EdgeTarget::Data {
                            name: de.data,
                            detail: de.detail,
                        },
                    )
                }
            };
            if let Some((_, _, first)) = seen_edges
                .iter()
                .find(|(k, t, _)| *k == kind && *t == target)
            {
                let first = *first;
                r.push(
                    Diagnostic::error(
                        "duplicate-edge",
                        e.span,
                        format!(
                            "{who} declares `{} {}` twice",
                            kind.keyword(),
                            e.target.value
                        ),
                    )
                    .label("repeated edge")
                    .related(first, "first declared here")
                    .help("remove one of the two"),
                );
                continue;
            }
            seen_edges.push((kind, target.clone(), e.span));
            edges.push(Edge {
                from: decl.name.value.clone(),
                kind,
                to: target,
            });
        }

        // Named secrets.
        for s in &decl.secrets {
            // A repeated `secret` is reported as a duplicate name by `services`.
            if secrets.iter().any(|(x, _)| x.vault_key == s.value) {
                continue;
            }
            secrets.push((
                SecretRef {
                    vault_key: s.value.clone(),
                    env_var: upper_snake(&s.value),
                    origin: SecretOrigin::Named,
                },
                s.span,
            ));
        }
        // Data-service variables and implied secrets, once per data service.
        let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        for (d, _, _, _) in &reached {
            if !distinct.contains(&d.name.as_str()) {
                distinct.push(&d.name);
                *per_kind.entry(d.kind.keyword()).or_default() += 1;
            }
        }
        let mut done: Vec<&str> = Vec::new();
        for (d, kw, span, detail) in &reached {
            let prefix = if per_kind.get(d.kind.keyword()).copied().unwrap_or(0) > 1 {
                format!("{}_", upper_snake(&d.name))
            } else {
                String::new()
            };
            let origin = format!("`{} {}`", kw.as_str(), d.name);
            let mut var = |name: &str, value: EnvValue| {
                vars.push(PendingVar {
                    name: format!("{prefix}{name}"),
                    value,
                    span: *span,
                    origin: origin.clone(),
                    is_config: false,
                });
            };
            let lit = |s: String| EnvValue::Literal {
                value: PerEnv::uniform_of(s, r.envs.len()),
            };
            let first_time = !done.contains(&d.name.as_str());
            match &d.kind {
                DataKind::Postgres(p) => {
                    if first_time {
                        let host = if p.hosting == Hosting::InCluster {
                            lit(d.name.clone())
                        } else {
                            EnvValue::Deploy {
                                key: dv.add(DeploySource::DatabaseHost {
                                    data: d.name.clone(),
                                }),
                            }
                        };
                        var("DATABASE_HOST", host);
                        var(
                            "DATABASE_PORT",
                            lit(d.ports.first().copied().unwrap_or(5432).to_string()),
                        );
                        var("DATABASE_USER", lit(p.admin_user.clone()));
                        secrets.push((
                            SecretRef {
                                vault_key: p.password_secret.clone(),
                                env_var: format!("{prefix}DATABASE_PASSWORD"),
                                origin: SecretOrigin::DataService {
                                    name: d.name.clone(),
                                },
                            },
                            *span,
                        ));
                    }
                    // Checked for collisions below: two databases of one server clash here.
                    var(
                        "DATABASE_NAME",
                        lit(detail.clone().unwrap_or_else(|| "postgres".into())),
                    );
                }
                DataKind::Redis(x) if first_time => {
                    let host = if x.hosting == Hosting::InCluster {
                        lit(d.name.clone())
                    } else {
                        EnvValue::Deploy {
                            key: dv.add(DeploySource::CacheHost {
                                data: d.name.clone(),
                            }),
                        }
                    };
                    var("REDIS_HOST", host);
                    var(
                        "REDIS_PORT",
                        lit(d.ports.first().copied().unwrap_or(6379).to_string()),
                    );
                    secrets.push((
                        SecretRef {
                            vault_key: x.access_key_secret.clone(),
                            env_var: format!("{prefix}REDIS_PASSWORD"),
                            origin: SecretOrigin::DataService {
                                name: d.name.clone(),
                            },
                        },
                        *span,
                    ));
                }
                DataKind::ServiceBus(_) if first_time => {
                    let key = dv.add(DeploySource::MessagingNamespace {
                        data: d.name.clone(),
                    });
                    var("SERVICEBUS_NAMESPACE", EnvValue::Deploy { key });
                }
                DataKind::KeyVault(_) if first_time => {
                    let key = dv.add(DeploySource::VaultUri {
                        data: d.name.clone(),
                    });
                    var("KEY_VAULT_URI", EnvValue::Deploy { key });
                }
                DataKind::Storage(_) => {
                    let (source, name) = if *kw == EdgeKeyword::Uses {
                        (
                            DeploySource::BlobEndpoint {
                                data: d.name.clone(),
                            },
                            "STORAGE_BLOB_ENDPOINT",
                        )
                    } else {
                        (
                            DeploySource::QueueEndpoint {
                                data: d.name.clone(),
                            },
                            "STORAGE_QUEUE_ENDPOINT",
                        )
                    };
                    let key = dv.add(source);
                    let exists = vars.iter().any(|v| v.name == format!("{prefix}{name}"));
                    if !exists {
                        vars.push(PendingVar {
                            name: format!("{prefix}{name}"),
                            value: EnvValue::Deploy { key },
                            span: *span,
                            origin: origin.clone(),
                            is_config: false,
                        });
                    }
                }
                _ => {}
            }
            done.push(&d.name);
        }
        // Secrets need a vault.
        if !secrets.is_empty() {
            any_secrets = true;
            if vault.is_none() && r.cloud == CloudKind::Azure {
                let (s, span) = &secrets[0];
                let why = match &s.origin {
                    SecretOrigin::Named => format!("secret `{}`", s.vault_key),
                    SecretOrigin::DataService { name } => format!("the password of `{name}`"),
                };
                r.push(
                    Diagnostic::error("secrets-without-vault", *span, format!("{who} needs {why} from a vault, but the spec declares no `keyvault`"))
                        .label("needs a vault")
                        .help("add `keyvault NAME` (e.g. `keyvault vault`): secrets live in the vault and reach pods through the secrets backend"),
                );
            }
            if let (Some(v), SecretsBackend::Csi) = (vault, delivery.secrets) {
                grants.push(Grant {
                    data: v.name.clone(),
                    access: Access::SecretsRead,
                });
            }
        }
        secrets.sort_by(|a, b| a.0.cmp(&b.0));
        // Two secrets with the same vault key (named twice is caught earlier).
        for (s, span) in &secrets {
            vars.push(PendingVar {
                name: s.env_var.clone(),
                value: EnvValue::Secret {
                    vault_key: s.vault_key.clone(),
                },
                span: *span,
                origin: match &s.origin {
                    SecretOrigin::Named => format!("`secret {}`", s.vault_key),
                    SecretOrigin::DataService { name } => format!("the password of `{name}`"),
                },
                is_config: false,
            });
        }
        svc.env = check_vars(r, vars, &who);
        svc.secrets = secrets.into_iter().map(|(s, _)| s).collect();
        grants.sort();
        grants.dedup();
        // On AWS a role exists only for AWS API access (IRSA): with External
        // Secrets the operator, not the pod, reads Secrets Manager.
        let needs_identity = grants.iter().any(|g| g.access != Access::Connect)
            || (!svc.secrets.is_empty() && r.cloud == CloudKind::Azure);
        if needs_identity {
            let cloud_name = r.cloud_name(
                Resource::Identity,
                &decl.name.value,
                decl.name.span,
                &format!("the identity of {who}"),
            );
            let client_id_key = dv.add(DeploySource::IdentityClientId {
                service: decl.name.value.clone(),
            });
            svc.identity = Some(Identity {
                cloud_name,
                namespace: namespace.to_string(),
                service_account: decl.name.value.clone(),
                grants,
                client_id_key,
            });
        }
    }
    if any_secrets {
        // The Azure Key Vault provider needs the directory; AWS's needs only the region.
        if r.cloud == CloudKind::Azure {
            dv.add(DeploySource::TenantId);
        }
        if let Some(v) = vault {
            dv.add(DeploySource::VaultUri {
                data: v.name.clone(),
            });
            dv.add(DeploySource::VaultName {
                data: v.name.clone(),
            });
        }
        if delivery.secrets == SecretsBackend::ExternalSecrets {
            dv.add(DeploySource::SecretsOperatorClientId);
        }
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    edges.sort();
    Wired {
        services,
        edges,
        deploy_values: dv
            .0
            .into_iter()
            .map(|(key, source)| DeployValue { key, source })
            .collect(),
    }
}

/// Rejects duplicate names; returns the variables sorted by name.
fn check_vars(r: &mut Resolver<'_>, vars: Vec<PendingVar>, who: &str) -> Vec<EnvVar> {
    let mut out: Vec<PendingVar> = Vec::new();
    for v in vars {
        if let Some(first) = out.iter().find(|o| o.name == v.name) {
            // Report at the user's config key when one is involved.
            let (here, there) = if first.is_config && !v.is_config {
                (first, &v)
            } else {
                (&v, first)
            };
            let help = if here.is_config {
                format!(
                    "rename the config key: platc sets `{}` from {}",
                    v.name, there.origin
                )
            } else {
                "each environment variable must come from one place; rename the secret or split the edge".to_string()
            };
            let d = Diagnostic::error(
                "env-var-clash",
                here.span,
                format!(
                    "{who}: environment variable `{}` would come from both {} and {}",
                    v.name, here.origin, there.origin
                ),
            )
            .label(format!("sets `{}`", v.name))
            .related(there.span, format!("also sets `{}`", v.name))
            .help(help);
            r.push(d);
            continue;
        }
        out.push(v);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.into_iter()
        .map(|v| EnvVar {
            name: v.name,
            value: v.value,
        })
        .collect()
}

/// Resolves `calls S`; returns S's port.
fn call_target(
    r: &mut Resolver<'_>,
    e: &EdgeDecl,
    decls: &[ServiceDecl],
    service_names: &[&str],
    data_names: &[&str],
    who: &str,
) -> Option<u16> {
    let t = &e.target;
    if data_names.contains(&t.value.as_str()) {
        r.push(
            Diagnostic::error("wrong-edge-kind", t.span, format!("{who} `calls` `{}`, which is a data service", t.value))
                .label("not a service")
                .help(format!("services are called, data services are used: write `uses {}` (or `publishes`/`consumes` for messaging)", t.value)),
        );
        return None;
    }
    let Some(target) = decls.iter().find(|d| d.name.value == t.value) else {
        r.push(
            Diagnostic::error(
                "unknown-service",
                t.span,
                format!("{who} calls unknown service `{}`", t.value),
            )
            .label("no service of this name")
            .help(suggest(&t.value, service_names, "services")),
        );
        return None;
    };
    if target.name.value == who_name(who) {
        r.push(
            Diagnostic::error("calls-itself", t.span, format!("{who} calls itself"))
                .label("self-edge")
                .help("a service reaches itself without an edge; remove it from `calls`"),
        );
        return None;
    }
    let is_web = target
        .kind
        .as_ref()
        .is_none_or(|k| k.value == crate::spec::keywords::ServiceKindKw::Web);
    match (&target.port, is_web) {
        (Some(p), true) => Some(p.value),
        _ => {
            let kind = target.kind.as_ref().map_or("worker", |k| k.value.keyword());
            r.push(
                Diagnostic::error("calls-without-port", t.span, format!("{who} calls `{}`, a {kind} with no port", t.value))
                    .label("nothing listens")
                    .related(target.name.span, "declared here")
                    .help(format!("hand work to a {kind} through a queue (`publishes QUEUE …` here, `consumes …` there), or give it a port")),
            );
            None
        }
    }
}

fn who_name(who: &str) -> &str {
    who.trim_start_matches("service `").trim_end_matches('`')
}

fn unknown_data_target(
    r: &mut Resolver<'_>,
    e: &EdgeDecl,
    service_names: &[&str],
    data_names: &[&str],
    who: &str,
) {
    let t = &e.target;
    let kw = e.kind.value.as_str();
    if service_names.contains(&t.value.as_str()) {
        r.push(
            Diagnostic::error(
                "wrong-edge-kind",
                t.span,
                format!("{who} `{kw}` `{}`, which is a service", t.value),
            )
            .label("not a data service")
            .help(format!("services are called: write `calls {}`", t.value)),
        );
        return;
    }
    r.push(
        Diagnostic::error(
            "unknown-data-service",
            t.span,
            format!("{who} {kw} unknown data service `{}`", t.value),
        )
        .label("no data service of this name")
        .help(suggest(&t.value, data_names, "data services")),
    );
}

fn not_allowed(
    r: &mut Resolver<'_>,
    prop: &Option<Spanned<String>>,
    key: &str,
    e: &EdgeDecl,
    target: &DataService,
    help: &str,
) -> bool {
    if let Some(p) = prop {
        r.push(
            Diagnostic::error(
                "wrong-edge-kind",
                p.span,
                format!(
                    "`{} {}` cannot name a {key}: `{}` is a {}",
                    e.kind.value.as_str(),
                    target.name,
                    target.name,
                    target.kind.keyword()
                ),
            )
            .label(format!("no `{key}=` here"))
            .help(help.to_string()),
        );
        return true;
    }
    false
}

/// Checks that a named entity exists in a list; reports with a suggestion.
fn member(
    r: &mut Resolver<'_>,
    value: &Spanned<String>,
    list: &[String],
    what: &str,
    owner: &str,
) -> bool {
    if list.contains(&value.value) {
        return true;
    }
    let names: Vec<&str> = list.iter().map(String::as_str).collect();
    r.push(
        Diagnostic::error(
            "unknown-reference",
            value.span,
            format!("{owner} has no {what} `{}`", value.value),
        )
        .label(format!("unknown {what}"))
        .help(suggest(&value.value, &names, &format!("{what}s"))),
    );
    false
}

const MESSAGING_HELP: &str = "services send with `publishes NAME topic=T` (or `queue=Q`) and receive with `consumes NAME topic=T subscription=S` (or `queue=Q`)";

fn data_edge(
    r: &mut Resolver<'_>,
    e: &EdgeDecl,
    d: &DataService,
    _decl: Option<&DataDecl>,
) -> Option<DataEdge> {
    let kw = e.kind.value;
    let owner = format!("{} `{}`", d.kind.keyword(), d.name);
    let mut bad = false;
    let de = |detail: Option<String>, access: Access| DataEdge {
        data: d.name.clone(),
        detail,
        access,
    };
    match (kw, &d.kind) {
        (EdgeKeyword::Uses, DataKind::ServiceBus(_)) => {
            r.push(
                Diagnostic::error(
                    "wrong-edge-kind",
                    e.kind.span,
                    format!(
                        "`uses {}`: a Service Bus is published to or consumed from",
                        d.name
                    ),
                )
                .label("use publishes/consumes")
                .help(MESSAGING_HELP),
            );
            None
        }
        (EdgeKeyword::Uses, kind) => {
            for (prop, key) in [
                (&e.topic, "topic"),
                (&e.subscription, "subscription"),
                (&e.queue, "queue"),
            ] {
                bad |= not_allowed(r, prop, key, e, d, MESSAGING_HELP);
            }
            match kind {
                DataKind::Postgres(p) => {
                    bad |= not_allowed(
                        r,
                        &e.container,
                        "container",
                        e,
                        d,
                        "`container=` is for storage; name a database with `database=`",
                    );
                    let db = match &e.database {
                        Some(db) => {
                            if !member(r, db, &p.databases, "database", &owner) {
                                return None;
                            }
                            Some(db.value.clone())
                        }
                        None if p.databases.len() == 1 => p.databases.first().cloned(),
                        None if p.databases.is_empty() => None,
                        None => {
                            let list: Vec<&str> = p.databases.iter().map(String::as_str).collect();
                            r.push(
                                Diagnostic::error(
                                    "missing-property",
                                    e.span,
                                    format!("`uses {}` must say which database", d.name),
                                )
                                .label("several databases")
                                .help(format!(
                                    "add `database=NAME` with one of {}",
                                    crate::diagnostic::list_or(&dedup(list))
                                )),
                            );
                            return None;
                        }
                    };
                    (!bad).then(|| de(db, Access::Connect))
                }
                DataKind::Storage(s) => {
                    bad |= not_allowed(
                        r,
                        &e.database,
                        "database",
                        e,
                        d,
                        "storage holds containers: write `container=NAME`",
                    );
                    let container = match &e.container {
                        Some(c) => {
                            if !member(r, c, &s.containers, "container", &owner) {
                                return None;
                            }
                            Some(c.value.clone())
                        }
                        None => None,
                    };
                    (!bad).then(|| de(container.clone(), Access::BlobReadWrite { container }))
                }
                DataKind::Redis(_) | DataKind::KeyVault(_) => {
                    bad |= not_allowed(
                        r,
                        &e.database,
                        "database",
                        e,
                        d,
                        &format!("write just `uses {}`", d.name),
                    );
                    bad |= not_allowed(
                        r,
                        &e.container,
                        "container",
                        e,
                        d,
                        &format!("write just `uses {}`", d.name),
                    );
                    let access = if matches!(kind, DataKind::KeyVault(_)) {
                        Access::SecretsRead
                    } else {
                        Access::Connect
                    };
                    (!bad).then(|| de(None, access))
                }
                DataKind::ServiceBus(_) => None,
            }
        }
        (
            EdgeKeyword::Publishes | EdgeKeyword::Consumes,
            DataKind::ServiceBus(_) | DataKind::Storage(_),
        ) => {
            let help = "`database=` and `container=` belong to `uses`";
            bad |= not_allowed(r, &e.database, "database", e, d, help);
            bad |= not_allowed(r, &e.container, "container", e, d, help);
            let publishes = kw == EdgeKeyword::Publishes;
            let (topics, queues): (Vec<&crate::model::Topic>, &Vec<String>) = match &d.kind {
                DataKind::ServiceBus(sb) => (sb.topics.iter().collect(), &sb.queues),
                DataKind::Storage(st) => {
                    bad |= not_allowed(
                        r,
                        &e.topic,
                        "topic",
                        e,
                        d,
                        "storage has queues, not topics: write `queue=NAME`",
                    );
                    bad |= not_allowed(
                        r,
                        &e.subscription,
                        "subscription",
                        e,
                        d,
                        "storage has queues, not topics: write `queue=NAME`",
                    );
                    (Vec::new(), &st.queues)
                }
                _ => return None,
            };
            if bad {
                return None;
            }
            match (&e.topic, &e.queue) {
                (Some(_), Some(q)) => {
                    r.push(
                        Diagnostic::error(
                            "wrong-edge-kind",
                            q.span,
                            format!(
                                "`{} {}` names both a topic and a queue",
                                kw.as_str(),
                                d.name
                            ),
                        )
                        .label("one or the other")
                        .help("write one edge per topic or queue"),
                    );
                    None
                }
                (None, None) => {
                    r.push(
                        Diagnostic::error(
                            "missing-property",
                            e.span,
                            format!("`{} {}` must name a topic or a queue", kw.as_str(), d.name),
                        )
                        .label("topic= or queue= missing")
                        .help(MESSAGING_HELP),
                    );
                    None
                }
                (None, Some(q)) => {
                    if publishes {
                        bad |= not_allowed(
                            r,
                            &e.subscription,
                            "subscription",
                            e,
                            d,
                            "queues have no subscriptions",
                        );
                    } else {
                        bad |= not_allowed(
                            r,
                            &e.subscription,
                            "subscription",
                            e,
                            d,
                            "queues have no subscriptions; write `consumes NAME queue=Q`",
                        );
                    }
                    if bad || !member(r, q, queues, "queue", &owner) {
                        return None;
                    }
                    let access = if publishes {
                        Access::QueueSend {
                            queue: q.value.clone(),
                        }
                    } else {
                        Access::QueueReceive {
                            queue: q.value.clone(),
                        }
                    };
                    Some(de(Some(q.value.clone()), access))
                }
                (Some(t), None) => {
                    let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
                    if !member(r, t, &names, "topic", &owner) {
                        return None;
                    }
                    let topic = topics.iter().find(|x| x.name == t.value)?;
                    if publishes {
                        if not_allowed(
                            r,
                            &e.subscription,
                            "subscription",
                            e,
                            d,
                            "publishers send to the topic; subscriptions are read with `consumes`",
                        ) {
                            return None;
                        }
                        return Some(de(
                            Some(t.value.clone()),
                            Access::TopicSend {
                                topic: t.value.clone(),
                            },
                        ));
                    }
                    let Some(sub) = &e.subscription else {
                        r.push(
                            Diagnostic::error("missing-property", e.span, format!("`consumes {} topic={}` must name a subscription", d.name, t.value))
                                .label("subscription= missing")
                                .help(format!("consumers read a topic through a subscription: add `subscription=NAME` ({})", if topic.subscriptions.is_empty() { "declare one with `topic NAME { subscription NAME }`".to_string() } else { format!("one of {}", crate::diagnostic::list_or(&dedup(topic.subscriptions.iter().map(String::as_str).collect()))) })),
                        );
                        return None;
                    };
                    if !member(
                        r,
                        sub,
                        &topic.subscriptions,
                        "subscription",
                        &format!("topic `{}` of {owner}", t.value),
                    ) {
                        return None;
                    }
                    Some(de(
                        Some(sub.value.clone()),
                        Access::SubscriptionReceive {
                            topic: t.value.clone(),
                            subscription: sub.value.clone(),
                        },
                    ))
                }
            }
        }
        (EdgeKeyword::Publishes | EdgeKeyword::Consumes, _) => {
            r.push(
                Diagnostic::error(
                    "wrong-edge-kind",
                    e.kind.span,
                    format!(
                        "`{} {}`: `{}` is a {}, which has no topics or queues",
                        kw.as_str(),
                        d.name,
                        d.name,
                        d.kind.keyword()
                    ),
                )
                .label(format!("not a {} target", kw.as_str()))
                .help(format!(
                    "write `uses {}`; `{}` is for servicebus topics/queues and storage queues",
                    d.name,
                    kw.as_str()
                )),
            );
            None
        }
        (EdgeKeyword::Calls, _) => None,
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v.dedup();
    v
}
