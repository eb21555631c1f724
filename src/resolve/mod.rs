//! Resolution: raw spec structs → the validated [`Platform`] model.
//!
//! Resolves names and references, expands per-environment values, computes
//! subnet CIDRs and cloud resource names, and derives edges, grants,
//! identities, secrets, environment variables and deploy values. Every
//! semantic problem becomes a diagnostic pointing at the spec; all of them
//! are collected before failing.

mod aws;
pub mod cloud;
mod credentials;
mod cron;
mod data;
mod delivery;
mod environments;
mod extra_files;
mod infra;
mod names;
mod observability;
mod services;
mod wiring;

use crate::diagnostic::{Diagnostic, Diagnostics, Sink, suggest};
use crate::model::{CloudKind, EnvId, PerEnv, Platform};
use crate::spec::{self, PerEnvValue, Span, Spanned};

/// Decodes and resolves one spec. `display_path` is how the spec is named in
/// diagnostics and file headers (as given on the command line).
pub fn compile_source(display_path: &str, text: &str) -> Result<Platform, Diagnostics> {
    let mut sink = Sink::new();
    let decoded = spec::decode(text, &mut sink);
    let platform = match decoded {
        Some(spec) if !sink.has_errors() => resolve(display_path, &spec, &mut sink).map(|mut p| {
            if !sink.has_errors() {
                p.extra_files = extra_files::render(&p, &spec.extra_files, display_path, &mut sink);
            }
            p
        }),
        _ => None,
    };
    match platform {
        Some(p) if !sink.has_errors() => Ok(p),
        _ => {
            if !sink.has_errors() {
                // Defensive: resolution gave up without saying why.
                sink.push(Diagnostic::error_unplaced(
                    "internal",
                    "the spec could not be resolved",
                ));
            }
            Err(Diagnostics::new(display_path, text, sink.into_vec()))
        }
    }
}

/// One declared environment, as the resolver needs it.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub name: Spanned<String>,
    /// Deployments need approval: production-like.
    pub approval: bool,
    pub has_zones: bool,
}

/// State shared by the resolution steps.
pub(crate) struct Resolver<'s> {
    pub sink: &'s mut Sink,
    pub cloud: CloudKind,
    pub platform: String,
    pub platform_span: Span,
    /// The cloud region as written (names that must be unique across regions include it).
    pub region: String,
    pub envs: Vec<Env>,
}

impl Resolver<'_> {
    pub fn push(&mut self, d: Diagnostic) {
        self.sink.push(d);
    }

    pub fn env_names(&self) -> Vec<&str> {
        self.envs.iter().map(|e| e.name.value.as_str()).collect()
    }

    /// Expands a per-environment value into one spanned value per
    /// environment; overrides naming unknown environments are reported.
    pub fn expand_spanned<T: Clone>(&mut self, v: &PerEnvValue<T>, what: &str) -> Vec<Spanned<T>> {
        let mut out: Vec<Spanned<T>> = vec![v.default.clone(); self.envs.len()];
        for o in &v.overrides {
            match self.envs.iter().position(|e| e.name.value == o.env.value) {
                Some(i) => out[i] = o.value.clone(),
                None => {
                    let names = self.env_names();
                    let help = format!(
                        "an override is written `ENVIRONMENT=VALUE`; {}",
                        suggest(&o.env.value, &names, "environments")
                    );
                    self.push(
                        Diagnostic::error(
                            "unknown-environment",
                            o.env.span,
                            format!("{what}: override for unknown environment `{}`", o.env.value),
                        )
                        .label("no environment of this name")
                        .help(help),
                    );
                }
            }
        }
        out
    }

    pub fn expand<T: Clone>(&mut self, v: &PerEnvValue<T>, what: &str) -> PerEnv<T> {
        PerEnv::from_values(
            self.expand_spanned(v, what)
                .into_iter()
                .map(|s| s.value)
                .collect(),
        )
    }

    /// Expands an optional value node, or uses `default` everywhere.
    pub fn expand_or<T: Clone>(
        &mut self,
        v: Option<&PerEnvValue<T>>,
        default: T,
        what: &str,
    ) -> PerEnv<T> {
        match v {
            Some(v) => self.expand(v, what),
            None => PerEnv::uniform_of(default, self.envs.len()),
        }
    }

    /// Name of the environment `id`.
    pub fn env_name(&self, id: EnvId) -> &str {
        self.envs.get(id.0).map_or("", |e| e.name.value.as_str())
    }

    /// A per-environment cloud name; a too-long name is reported at `span`.
    pub fn cloud_name(
        &mut self,
        res: cloud::Resource,
        name: &str,
        span: Span,
        what: &str,
    ) -> PerEnv<String> {
        let mut out = Vec::new();
        let mut reported = false;
        for i in 0..self.envs.len() {
            let env = self.envs[i].name.value.clone();
            match cloud::name(self.cloud, res, &self.platform, name, &env) {
                Ok(n) => out.push(n),
                Err(e) => {
                    if !reported {
                        reported = true;
                        let over = e.name.len() - e.rule.max;
                        self.push(
                            Diagnostic::error(
                                "name-too-long",
                                span,
                                format!(
                                    "{what} becomes the {} `{}` in environment `{env}`: {} characters, but the limit is {}",
                                    e.rule.resource,
                                    e.name,
                                    e.name.len(),
                                    e.rule.max
                                ),
                            )
                            .label(format!("{over} characters too long"))
                            .related(self.platform_span, "the platform name is part of it")
                            .help(format!("shorten this name (or the platform or environment name) by {over} characters")),
                        );
                    }
                    out.push(e.name);
                }
            }
        }
        PerEnv::from_values(out)
    }
}

fn resolve(display_path: &str, spec: &spec::Spec, sink: &mut Sink) -> Option<Platform> {
    credentials::check(&spec.strings, sink);
    let platform_decl = spec.platform.as_ref()?;
    let cloud_decl = platform_decl.cloud.as_ref()?;
    let cloud = match cloud_decl.kind.value {
        spec::keywords::CloudKw::Azure => CloudKind::Azure,
        spec::keywords::CloudKw::Aws => CloudKind::Aws,
    };
    let mut r = Resolver {
        sink,
        cloud,
        platform: platform_decl.name.value.clone(),
        platform_span: platform_decl.name.span,
        region: cloud_decl.region.value.clone(),
        envs: Vec::new(),
    };
    let header = environments::platform(&mut r, platform_decl, display_path);
    let environments = environments::environments(&mut r, &spec.environments);
    let subnets = infra::subnets(&mut r, &spec.subnets, &environments);
    let cluster = infra::cluster(
        &mut r,
        spec.cluster.as_ref()?,
        &subnets,
        &environments,
        &spec.subnets,
    );
    let data = data::data_services(&mut r, &spec.data, &subnets, &spec.subnets);
    let monitoring = spec
        .monitoring
        .as_ref()
        .map(|m| delivery::monitoring(&mut r, m));
    let delivery = delivery::delivery(&mut r, spec.delivery.as_ref()?);
    let services = services::services(&mut r, &spec.services, &spec.data);
    let wired = wiring::wire(
        &mut r,
        &header.namespace,
        services,
        &spec.services,
        &data,
        &spec.data,
        &delivery,
    );
    if r.cloud == CloudKind::Aws {
        aws::check(&mut r, spec);
    }
    let observability = spec
        .observability
        .as_ref()
        .and_then(|o| observability::observability(&mut r, o, &wired.services, &spec.services));
    Some(Platform {
        name: header.name,
        title: header.title,
        cloud: header.cloud,
        repository: header.repository,
        namespace: header.namespace,
        source: display_path.to_string(),
        environments,
        subnets,
        cluster: cluster?,
        data,
        monitoring,
        observability,
        services: wired.services,
        edges: wired.edges,
        delivery,
        deploy_values: wired.deploy_values,
        extra_files: Vec::new(),
    })
}
