//! Services: kind, image, sizing, probes, exposure and configuration.
//! Edges and what they imply are added by [`super::wiring`].

use super::Resolver;
use super::cron::check_cron;
use super::names::is_env_var_name;
use crate::diagnostic::Diagnostic;
use crate::model::{
    Autoscale, ConfigEntry, Expose, Metrics, PerEnv, Probe, Resources, Service, ServiceKind,
};
use crate::spec::data::DataDecl;
use crate::spec::keywords::ServiceKindKw;
use crate::spec::service::ServiceDecl;
use crate::spec::{PerEnvValue, Quantity, Span, Spanned};

/// Container defaults when `resources` omits a value (every container gets
/// requests and limits).
pub const DEFAULT_CPU: &str = "100m";
pub const DEFAULT_MEMORY: &str = "128Mi";
pub const DEFAULT_CPU_LIMIT: &str = "500m";
pub const DEFAULT_MEMORY_LIMIT: &str = "256Mi";
/// UID containers run as unless `run-as-user` says otherwise.
pub const DEFAULT_UID: u32 = 1000;
/// Autoscaler CPU target unless `cpu-percent` says otherwise.
pub const DEFAULT_CPU_PERCENT: u32 = 70;

pub(crate) fn services(
    r: &mut Resolver<'_>,
    decls: &[ServiceDecl],
    data: &[DataDecl],
) -> Vec<Service> {
    r.check_unique(decls.iter().map(|d| &d.name), "service");
    for s in decls {
        if let Some(d) = data.iter().find(|d| d.name.value == s.name.value) {
            r.push(
                Diagnostic::error(
                    "duplicate-name",
                    s.name.span,
                    format!(
                        "service `{}` has the name of {} `{}`",
                        s.name.value, d.keyword.value, d.name.value
                    ),
                )
                .label("name already used")
                .related(d.name.span, "declared here")
                .help(
                    "services and data services share one namespace of names; rename one of them",
                ),
            );
        }
    }
    let services: Vec<Service> = decls.iter().map(|d| service(r, d)).collect();
    // Two services exposed on the same host and path would fight over one Ingress rule.
    let mut seen: std::collections::BTreeMap<(String, String), (Span, &str)> = Default::default();
    for (s, d) in services.iter().zip(decls) {
        let (Some(e), Some(ed)) = (&s.expose, &d.expose) else {
            continue;
        };
        let span = ed.host.as_ref().map_or(ed.keyword, |h| h.default.span);
        for (id, host) in e.host.iter() {
            if let Some((first, other)) = seen.get(&(host.clone(), e.path.clone())) {
                let (first, other) = (*first, other.to_string());
                let env = r.env_name(id).to_string();
                r.push(
                    Diagnostic::error("duplicate-route", span, format!("service `{}` is exposed at {host}{} in `{env}`, like service `{other}`", s.name, e.path))
                        .label("same host and path")
                        .related(first, format!("`{other}` is exposed here"))
                        .help("give each exposed service its own host or path"),
                );
                break;
            }
        }
        for (_, host) in e.host.iter() {
            seen.entry((host.clone(), e.path.clone()))
                .or_insert((span, &d.name.value));
        }
    }
    services
}

fn check_port(r: &mut Resolver<'_>, port: &Spanned<u16>, what: &str) {
    if port.value == 0 {
        r.push(
            Diagnostic::error(
                "invalid-port",
                port.span,
                format!("{what} is 0, which is not a usable port"),
            )
            .label("expected 1 to 65535")
            .help("use a TCP port from 1 to 65535 (unprivileged: 1024 and above)"),
        );
    }
}

fn check_path(r: &mut Resolver<'_>, path: &Spanned<String>, what: &str) {
    if !path.value.starts_with('/')
        || path
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        r.push(
            Diagnostic::error(
                "invalid-path",
                path.span,
                format!("{what} `{}` is not an HTTP path", path.value.escape_debug()),
            )
            .label("expected /…")
            .help("write an absolute path without spaces, e.g. \"/healthz\""),
        );
    }
}

/// A host name: dot-separated DNS labels, at most 253 characters.
fn host_ok(h: &str) -> bool {
    h.len() <= 253
        && h.split('.').count() >= 2
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Checks an image reference: a repository path, without registry, tag or digest.
fn check_image(r: &mut Resolver<'_>, image: &Spanned<String>) {
    let v = &image.value;
    let (repo, tag) = match v.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (v.as_str(), None),
    };
    if tag == Some("latest") {
        r.push(
            Diagnostic::error("latest-tag", image.span, format!("image `{v}` uses the `latest` tag"))
                .label("mutable tag")
                .help(format!("write the repository only (`image {repo}`): CI tags every image with the commit SHA, so deployments are reproducible")),
        );
        return;
    }
    if let Some(tag) = tag {
        r.push(
            Diagnostic::error("image-tag", image.span, format!("image `{v}` names a tag (`{tag}`)"))
                .label("tag given")
                .help(format!("write the repository only (`image {repo}`): CI tags every image with the commit SHA")),
        );
        return;
    }
    if v.contains('@') {
        r.push(
            Diagnostic::error(
                "image-tag",
                image.span,
                format!("image `{v}` names a digest"),
            )
            .label("digest given")
            .help("write the repository only: CI builds, tags and pins the image"),
        );
        return;
    }
    let first = repo.split('/').next().unwrap_or("");
    if repo.contains('/') && (first.contains('.') || first == "localhost") {
        r.push(
            Diagnostic::error("image-registry", image.span, format!("image `{v}` names a registry (`{first}`)"))
                .label("registry given")
                .help("write the repository path only; the registry is the platform's (`delivery { registry … }`)"),
        );
        return;
    }
    let ok = !repo.is_empty()
        && repo.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
        });
    if !ok {
        r.push(
            Diagnostic::error(
                "invalid-image",
                image.span,
                format!("`{}` is not an image repository path", v.escape_debug()),
            )
            .label("invalid repository")
            .help("use lowercase path components separated by `/`, e.g. `octo/frontend`"),
        );
    }
}

fn quantities(
    r: &mut Resolver<'_>,
    v: Option<&PerEnvValue<Quantity>>,
    default: &str,
    what: &str,
) -> PerEnv<String> {
    match v {
        Some(v) => r.expand(v, what).map(|q| q.0.clone()),
        None => PerEnv::uniform_of(default.to_string(), r.envs.len()),
    }
}

fn service(r: &mut Resolver<'_>, d: &ServiceDecl) -> Service {
    let name = &d.name.value;
    r.check_label(&d.name, "service name");
    let who = format!("service `{name}`");
    let kind_kw = d.kind.as_ref().map_or(ServiceKindKw::Web, |k| k.value);
    let kind = match kind_kw {
        ServiceKindKw::Web => ServiceKind::Web,
        ServiceKindKw::Worker => ServiceKind::Worker,
        ServiceKindKw::Cronjob => match &d.schedule {
            Some(s) => {
                check_cron(r, s);
                ServiceKind::CronJob {
                    schedule: s.value.clone(),
                }
            }
            None => {
                let span = d.kind.as_ref().map_or(d.keyword, |k| k.span);
                r.push(
                    Diagnostic::error(
                        "missing-property",
                        span,
                        format!("{who} is a cronjob without a schedule"),
                    )
                    .label("no schedule=")
                    .help("write `kind cronjob schedule=\"0 3 * * *\"`"),
                );
                ServiceKind::CronJob {
                    schedule: String::new(),
                }
            }
        },
    };
    if let (Some(s), false) = (&d.schedule, kind_kw == ServiceKindKw::Cronjob) {
        r.push(
            Diagnostic::error(
                "schedule-without-cronjob",
                s.span,
                format!("{who} has a schedule but is not a cronjob"),
            )
            .label("only for cronjobs")
            .help("write `kind cronjob schedule=…` or remove `schedule=`"),
        );
    }
    if let Some(image) = &d.image {
        check_image(r, image);
    }
    let port = d.port.clone();
    if let Some(p) = &port {
        check_port(r, p, &format!("port of {who}"));
        if kind_kw != ServiceKindKw::Web {
            r.push(
                Diagnostic::error(
                    "port-on-worker",
                    p.span,
                    format!(
                        "{who} is a {} and serves no traffic, but declares a port",
                        kind_kw.keyword()
                    ),
                )
                .label("no Service for workers and jobs")
                .help("remove `port`, or remove `kind` to make it a web service"),
            );
        }
    }
    let service_port = port
        .as_ref()
        .filter(|_| kind_kw == ServiceKindKw::Web)
        .map(|p| p.value);
    let replicas_s = match &d.replicas {
        Some(v) => r.expand_spanned(v, &format!("replicas of {who}")),
        None => vec![Spanned::new(1, d.name.span); r.envs.len()],
    };
    let replicas = PerEnv::from_values(replicas_s.iter().map(|s| s.value).collect());
    let autoscale = d.autoscale.as_ref().and_then(|a| {
        if kind_kw == ServiceKindKw::Cronjob {
            r.push(
                Diagnostic::error("autoscale-on-cronjob", a.keyword, format!("{who} is a cronjob and cannot autoscale"))
                    .label("not for cronjobs")
                    .help("remove `autoscale`"),
            );
        }
        let max = r.expand_spanned(a.max.as_ref()?, &format!("autoscale max of {who}"));
        for (i, (m, rep)) in max.iter().zip(&replicas_s).enumerate() {
            if rep.value > m.value {
                let env = r.env_name(crate::model::EnvId(i)).to_string();
                r.push(
                    Diagnostic::error("replicas-exceed-max", m.span, format!("{who} runs {} replicas in `{env}` but autoscale max is {}", rep.value, m.value))
                        .label(format!("max {} < replicas {}", m.value, rep.value))
                        .related(rep.span, "replicas (the autoscaler's minimum)")
                        .help("the autoscaler scales between `replicas` and `max`: raise max or lower replicas"),
                );
                break;
            }
        }
        let cpu_percent = a.cpu_percent.as_ref().map_or(DEFAULT_CPU_PERCENT, |c| c.value);
        if let Some(c) = &a.cpu_percent
            && !(1..=100).contains(&c.value) {
                r.push(
                    Diagnostic::error("out-of-range", c.span, format!("cpu-percent {} is out of range", c.value))
                        .label("expected 1 to 100")
                        .help("the autoscaler's CPU target is a percentage of the CPU request, e.g. 70"),
                );
            }
        Some(Autoscale {
            max: PerEnv::from_values(max.iter().map(|m| m.value).collect()),
            cpu_percent,
        })
    });
    let resources = Resources {
        cpu: quantities(
            r,
            d.resources.cpu.as_ref(),
            DEFAULT_CPU,
            &format!("cpu of {who}"),
        ),
        memory: quantities(
            r,
            d.resources.memory.as_ref(),
            DEFAULT_MEMORY,
            &format!("memory of {who}"),
        ),
        cpu_limit: quantities(
            r,
            d.resources.cpu_limit.as_ref(),
            DEFAULT_CPU_LIMIT,
            &format!("cpu-limit of {who}"),
        ),
        memory_limit: quantities(
            r,
            d.resources.memory_limit.as_ref(),
            DEFAULT_MEMORY_LIMIT,
            &format!("memory-limit of {who}"),
        ),
    };
    let probe = d.probe.as_ref().and_then(|p| {
        check_path(r, &p.path, "probe path");
        let port = side_port(
            r,
            p.port.as_ref(),
            service_port,
            port.as_ref(),
            p.keyword,
            "probe",
            &who,
        )?;
        Some(Probe {
            path: p.path.value.clone(),
            port,
        })
    });
    let metrics = d.metrics.as_ref().and_then(|m| {
        if let Some(path) = &m.path {
            check_path(r, path, "metrics path");
        }
        let port = side_port(
            r,
            m.port.as_ref(),
            service_port,
            port.as_ref(),
            m.keyword,
            "metrics",
            &who,
        )?;
        Some(Metrics {
            path: m
                .path
                .as_ref()
                .map_or_else(|| "/metrics".to_string(), |p| p.value.clone()),
            port,
        })
    });
    let expose = d.expose.as_ref().and_then(|e| {
        if service_port.is_none() {
            r.push(
                Diagnostic::error("expose-without-port", e.keyword, format!("{who} is exposed but has no port"))
                    .label("nothing to route to")
                    .help("only web services (with `port`) can be exposed"),
            );
        }
        let path = e.path.clone().unwrap_or_else(|| Spanned::new("/".to_string(), e.keyword));
        check_path(r, &path, "expose path");
        let hosts = r.expand_spanned(e.host.as_ref()?, &format!("host of {who}"));
        let mut reported = false;
        for h in &hosts {
            if !reported && !host_ok(&h.value) {
                reported = true;
                r.push(
                    Diagnostic::error("invalid-host", h.span, format!("`{}` is not a host name", h.value.escape_debug()))
                        .label("expected a DNS name")
                        .help("write a lowercase DNS name such as `shop.example.com` (no scheme, port or path)"),
                );
            }
        }
        Some(Expose {
            host: PerEnv::from_values(hosts.into_iter().map(|h| h.value).collect()),
            path: path.value,
            tls: e.tls.as_ref().is_none_or(|t| t.value),
            tls_secret: format!("{name}-tls"),
        })
    });
    let mut config = Vec::new();
    r.check_unique(d.config.iter().map(|c| &c.key), "config key");
    for c in &d.config {
        if !is_env_var_name(&c.key.value) {
            r.push(
                Diagnostic::error(
                    "invalid-config-key",
                    c.key.span,
                    format!(
                        "config key `{}` is not an environment variable name",
                        c.key.value.escape_debug()
                    ),
                )
                .label("expected [A-Za-z_][A-Za-z0-9_]*")
                .help(format!(
                    "config entries become environment variables; e.g. `{}`",
                    super::names::upper_snake(&c.key.value)
                )),
            );
        }
        let value = r.expand(&c.value, &format!("config {} of {who}", c.key.value));
        config.push(ConfigEntry {
            key: c.key.value.clone(),
            value: value.map(|s| s.0.clone()),
        });
    }
    config.sort_by(|a, b| a.key.cmp(&b.key));
    r.check_unique(d.secrets.iter(), "secret");
    for s in &d.secrets {
        r.check_label(s, "secret name");
    }
    let run_as_user = d.run_as_user.as_ref().map_or(DEFAULT_UID, |u| u.value);
    if let Some(u) = &d.run_as_user
        && u.value == 0
    {
        r.push(
                Diagnostic::error("run-as-root", u.span, format!("{who} would run as root"))
                    .label("UID 0 is root")
                    .help("containers run as a non-root user; use the image's unprivileged UID (default 1000)"),
            );
    }
    Service {
        name: name.clone(),
        kind,
        image: d
            .image
            .as_ref()
            .map(|i| i.value.clone())
            .unwrap_or_default(),
        port: service_port,
        replicas,
        autoscale,
        resources,
        probe,
        expose,
        config,
        secrets: Vec::new(),
        env: Vec::new(),
        identity: None,
        run_as_user,
        needs_kubernetes_api: d.kubernetes_api.as_ref().is_some_and(|k| k.value),
        metrics,
    }
}

/// The port of a probe or metrics endpoint: `port=` or the service port.
fn side_port(
    r: &mut Resolver<'_>,
    explicit: Option<&Spanned<u16>>,
    service_port: Option<u16>,
    service_port_decl: Option<&Spanned<u16>>,
    keyword: Span,
    what: &str,
    who: &str,
) -> Option<u16> {
    match (explicit, service_port) {
        (Some(p), Some(sp)) if p.value == sp => {
            let mut d = Diagnostic::error(
                "duplicate-port",
                p.span,
                format!("{what} port={} of {who} repeats the service port", p.value),
            )
            .label("same as `port`")
            .help(format!(
                "omit `port=`: the {what} uses the service port by default"
            ));
            if let Some(decl) = service_port_decl {
                d = d.related(decl.span, "service port");
            }
            r.push(d);
            Some(p.value)
        }
        (Some(p), _) => {
            check_port(r, p, &format!("{what} port of {who}"));
            Some(p.value)
        }
        (None, Some(sp)) => Some(sp),
        (None, None) => {
            r.push(
                Diagnostic::error(
                    "missing-property",
                    keyword,
                    format!("{what} of {who} needs a port: the service has none"),
                )
                .label("no port to use")
                .help(format!("write `{what} … port=N`")),
            );
            None
        }
    }
}
