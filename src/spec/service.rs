//! `service NAME { … }`: a workload and its edges.

use kdl::KdlNode;

use super::keywords::ServiceKindKw;
use super::platform::once_has;
use super::reader::{NodeReader, Once, flag_node, per_env_node, unknown_node, value_node};
use super::value::{PerEnvValue, Quantity, Scalar};
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Spanned<String>,
    pub keyword: Span,
    pub kind: Option<Spanned<ServiceKindKw>>,
    /// `schedule=` of `kind cronjob`.
    pub schedule: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub replicas: Option<PerEnvValue<u32>>,
    pub autoscale: Option<AutoscaleDecl>,
    pub resources: ResourcesDecl,
    pub probe: Option<ProbeDecl>,
    pub expose: Option<ExposeDecl>,
    pub metrics: Option<MetricsDecl>,
    pub run_as_user: Option<Spanned<u32>>,
    pub kubernetes_api: Option<Spanned<bool>>,
    pub edges: Vec<EdgeDecl>,
    pub secrets: Vec<Spanned<String>>,
    pub config: Vec<ConfigDecl>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoscaleDecl {
    pub keyword: Span,
    pub max: Option<PerEnvValue<u32>>,
    pub cpu_percent: Option<Spanned<u32>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourcesDecl {
    pub cpu: Option<PerEnvValue<Quantity>>,
    pub memory: Option<PerEnvValue<Quantity>>,
    pub cpu_limit: Option<PerEnvValue<Quantity>>,
    pub memory_limit: Option<PerEnvValue<Quantity>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeDecl {
    pub keyword: Span,
    pub path: Spanned<String>,
    pub port: Option<Spanned<u16>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsDecl {
    pub keyword: Span,
    pub path: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExposeDecl {
    pub keyword: Span,
    pub path: Option<Spanned<String>>,
    pub tls: Option<Spanned<bool>>,
    pub host: Option<PerEnvValue<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKeyword {
    Calls,
    Uses,
    Publishes,
    Consumes,
}

impl EdgeKeyword {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKeyword::Calls => "calls",
            EdgeKeyword::Uses => "uses",
            EdgeKeyword::Publishes => "publishes",
            EdgeKeyword::Consumes => "consumes",
        }
    }
}

/// One edge: `calls a` (one per target), `uses main database=users` …
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeDecl {
    pub kind: Spanned<EdgeKeyword>,
    pub target: Spanned<String>,
    /// Span of the whole edge line.
    pub span: Span,
    pub database: Option<Spanned<String>>,
    pub container: Option<Spanned<String>>,
    pub topic: Option<Spanned<String>>,
    pub subscription: Option<Spanned<String>>,
    pub queue: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigDecl {
    pub key: Spanned<String>,
    pub value: PerEnvValue<Scalar>,
}

pub const CHILDREN: &[&str] = &[
    "kind",
    "image",
    "port",
    "replicas",
    "autoscale",
    "resources",
    "probe",
    "expose",
    "metrics",
    "run-as-user",
    "kubernetes-api",
    "calls",
    "uses",
    "publishes",
    "consumes",
    "secret",
    "config",
];
const REPEATABLE: &[&str] = &["calls", "uses", "publishes", "consumes", "secret", "config"];
pub const RESOURCES_CHILDREN: &[&str] = &["cpu", "memory", "cpu-limit", "memory-limit"];
pub const AUTOSCALE_CHILDREN: &[&str] = &["max", "cpu-percent"];

pub fn decode(node: &KdlNode, sink: &mut Sink) -> Option<ServiceDecl> {
    let mut r = NodeReader::new(node, "service NAME { image REPOSITORY; port 8080; … }");
    let name = r.req_arg::<String>(0, "a name", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut s = ServiceDecl {
        name: name?,
        keyword,
        kind: None,
        schedule: None,
        image: None,
        port: None,
        replicas: None,
        autoscale: None,
        resources: ResourcesDecl::default(),
        probe: None,
        expose: None,
        metrics: None,
        run_as_user: None,
        kubernetes_api: None,
        edges: Vec::new(),
        secrets: Vec::new(),
        config: Vec::new(),
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if !CHILDREN.contains(&key) {
            unknown_node(child, "`service`", CHILDREN, sink);
            continue;
        }
        if !REPEATABLE.contains(&key) && !once.first(child, "`service`", sink) {
            continue;
        }
        match key {
            "kind" => {
                let mut r = NodeReader::new(child, "kind web|worker|cronjob [schedule=\"CRON\"]");
                s.kind = r.req_arg(0, "a service kind", sink);
                s.schedule = r.prop("schedule", sink);
                r.finish(sink);
            }
            "image" => s.image = value_node(child, "an image repository", "image REPOSITORY", sink),
            "port" => s.port = value_node(child, "a port number", "port 8080", sink),
            "replicas" => {
                s.replicas = per_env_node(child, "a replica count", "replicas N [ENV=N …]", sink)
            }
            "run-as-user" => {
                s.run_as_user = value_node(child, "a user id", "run-as-user 1000", sink)
            }
            "kubernetes-api" => {
                s.kubernetes_api = flag_node(child, "kubernetes-api [#true|#false]", sink)
            }
            "autoscale" => s.autoscale = Some(decode_autoscale(child, sink)),
            "resources" => s.resources = decode_resources(child, sink),
            "probe" => {
                let mut r = NodeReader::new(child, "probe path=\"/healthz\" [port=N]");
                let path = r.req_prop::<String>("path", sink);
                let port = r.prop::<u16>("port", sink);
                let keyword = r.name_span();
                r.finish(sink);
                if let Some(path) = path {
                    s.probe = Some(ProbeDecl {
                        keyword,
                        path,
                        port,
                    });
                }
            }
            "metrics" => {
                let mut r = NodeReader::new(child, "metrics [path=\"/metrics\"] [port=N]");
                let path = r.prop::<String>("path", sink);
                let port = r.prop::<u16>("port", sink);
                let keyword = r.name_span();
                r.finish(sink);
                s.metrics = Some(MetricsDecl {
                    keyword,
                    path,
                    port,
                });
            }
            "expose" => s.expose = Some(decode_expose(child, sink)),
            "calls" => {
                let mut r = NodeReader::new(child, "calls SERVICE [SERVICE …]");
                if r.node().entries().iter().all(|e| e.name().is_some()) {
                    r.req_arg::<String>(0, "a service name", sink);
                }
                let targets = r.rest_args::<String>(0, "service name", sink);
                let kind = Spanned::new(EdgeKeyword::Calls, r.name_span());
                r.finish(sink);
                for target in targets {
                    s.edges.push(EdgeDecl {
                        kind: kind.clone(),
                        span: kind.span.join(target.span),
                        target,
                        database: None,
                        container: None,
                        topic: None,
                        subscription: None,
                        queue: None,
                    });
                }
            }
            "uses" | "publishes" | "consumes" => {
                let (kw, usage) = match key {
                    "uses" => (
                        EdgeKeyword::Uses,
                        "uses DATA [database=NAME | container=NAME]",
                    ),
                    "publishes" => (
                        EdgeKeyword::Publishes,
                        "publishes DATA topic=NAME | queue=NAME",
                    ),
                    _ => (
                        EdgeKeyword::Consumes,
                        "consumes DATA topic=NAME subscription=NAME | queue=NAME",
                    ),
                };
                let mut r = NodeReader::new(child, usage);
                let target = r.req_arg::<String>(0, "a data service name", sink);
                let database = r.prop::<String>("database", sink);
                let container = r.prop::<String>("container", sink);
                let topic = r.prop::<String>("topic", sink);
                let subscription = r.prop::<String>("subscription", sink);
                let queue = r.prop::<String>("queue", sink);
                let kind = Spanned::new(kw, r.name_span());
                let span = r.head_span();
                r.finish(sink);
                if let Some(target) = target {
                    s.edges.push(EdgeDecl {
                        kind,
                        target,
                        span,
                        database,
                        container,
                        topic,
                        subscription,
                        queue,
                    });
                }
            }
            "secret" => s
                .secrets
                .extend(value_node(child, "a secret name", "secret NAME", sink)),
            "config" => {
                let mut r = NodeReader::new(child, "config KEY VALUE [ENV=VALUE …]");
                let key = r.req_arg::<String>(0, "a key", sink);
                // The value is the second argument; read it as a per-environment value.
                let value = key.as_ref().and_then(|_| config_value(&mut r, sink));
                r.finish(sink);
                if let (Some(key), Some(value)) = (key, value) {
                    s.config.push(ConfigDecl { key, value });
                }
            }
            _ => unknown_node(child, "`service`", CHILDREN, sink),
        }
    }
    let needs_port = match &s.kind {
        Some(k) => k.value == ServiceKindKw::Web,
        None => !once_has(children, "kind"),
    };
    if !once_has(children, "image") {
        sink.push(
            Diagnostic::error("missing-node", keyword.join(s.name.span), format!("service `{}` has no `image`", s.name.value))
                .label("no `image` inside")
                .help("add `image REPOSITORY` (e.g. `image octo/frontend`, without a tag: CI tags images with the commit SHA)"),
        );
    }
    if needs_port && !once_has(children, "port") {
        sink.push(
            Diagnostic::error(
                "missing-node",
                keyword.join(s.name.span),
                format!("service `{}` has no `port`", s.name.value),
            )
            .label("web service without `port`")
            .help(
                "add `port 8080`, or `kind worker` for a background process that serves no traffic",
            ),
        );
    }
    Some(s)
}

/// `config KEY VALUE [ENV=VALUE …]`: the value is the second argument.
fn config_value(r: &mut NodeReader<'_>, sink: &mut Sink) -> Option<PerEnvValue<Scalar>> {
    // Reuse the per-environment reader by skipping the key: read argument 1 as default.
    let default = r.req_arg::<Scalar>(1, "a value", sink);
    let overrides = r.take_overrides::<Scalar>(sink);
    Some(PerEnvValue {
        default: default?,
        overrides,
    })
}

fn decode_autoscale(node: &KdlNode, sink: &mut Sink) -> AutoscaleDecl {
    let r = NodeReader::new(node, "autoscale { max N [ENV=N …]; cpu-percent 70 }");
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut a = AutoscaleDecl {
        keyword,
        max: None,
        cpu_percent: None,
    };
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if AUTOSCALE_CHILDREN.contains(&key) && !once.first(child, "`autoscale`", sink) {
            continue;
        }
        match key {
            "max" => a.max = per_env_node(child, "a replica count", "max N [ENV=N …]", sink),
            "cpu-percent" => {
                a.cpu_percent = value_node(child, "a percentage", "cpu-percent 70", sink)
            }
            _ => unknown_node(child, "`autoscale`", AUTOSCALE_CHILDREN, sink),
        }
    }
    if !once_has(children, "max") {
        sink.push(
            Diagnostic::error("missing-node", keyword, "`autoscale` needs a `max` node")
                .label("no `max` inside")
                .help("add `max N`: the most replicas the autoscaler may run (the minimum is `replicas`)"),
        );
    }
    a
}

fn decode_resources(node: &KdlNode, sink: &mut Sink) -> ResourcesDecl {
    let r = NodeReader::new(
        node,
        "resources { cpu \"100m\"; memory \"128Mi\"; cpu-limit \"500m\"; memory-limit \"256Mi\" }",
    );
    let children = r.children();
    r.finish_with_children(sink);
    let mut res = ResourcesDecl::default();
    let mut once = Once::default();
    for child in children {
        let key = child.name().value();
        if RESOURCES_CHILDREN.contains(&key) && !once.first(child, "`resources`", sink) {
            continue;
        }
        let usage = "QUANTITY [ENV=QUANTITY …]";
        match key {
            "cpu" => res.cpu = per_env_node(child, "a CPU quantity", usage, sink),
            "memory" => res.memory = per_env_node(child, "a memory quantity", usage, sink),
            "cpu-limit" => res.cpu_limit = per_env_node(child, "a CPU quantity", usage, sink),
            "memory-limit" => {
                res.memory_limit = per_env_node(child, "a memory quantity", usage, sink)
            }
            _ => unknown_node(child, "`resources`", RESOURCES_CHILDREN, sink),
        }
    }
    res
}

fn decode_expose(node: &KdlNode, sink: &mut Sink) -> ExposeDecl {
    let mut r = NodeReader::new(
        node,
        "expose [path=\"/\"] [tls=#false] { host HOST [ENV=HOST …] }",
    );
    let path = r.prop::<String>("path", sink);
    let tls = r.prop::<bool>("tls", sink);
    let keyword = r.name_span();
    let children = r.children();
    r.finish_with_children(sink);
    let mut e = ExposeDecl {
        keyword,
        path,
        tls,
        host: None,
    };
    let mut once = Once::default();
    for child in children {
        match child.name().value() {
            "host" if once.first(child, "`expose`", sink) => {
                e.host = per_env_node(child, "a host name", "host HOST [ENV=HOST …]", sink)
            }
            "host" => {}
            _ => unknown_node(child, "`expose`", &["host"], sink),
        }
    }
    if !once_has(children, "host") {
        sink.push(
            Diagnostic::error("missing-node", keyword, "`expose` needs a `host` node")
                .label("no `host` inside")
                .help("add `expose path=\"/\" { host shop.example.com }` (per environment: `host dev.example.com production=example.com`)"),
        );
    }
    e
}
