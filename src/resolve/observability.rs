//! The `observability` node: the LGTM stack's sizing per environment, SLOs
//! with their metrics, the alerts on them and the dashboards.
//!
//! Every reference is checked here so the emitters can trust the model: an
//! SLO names a service that exposes metrics, a latency SLO has a threshold
//! (and only a latency SLO has one), an alert names a declared SLO, a
//! service-health dashboard names a service, and dashboards that read logs
//! and traces have Loki and Tempo to read them from.

use super::Resolver;
use crate::diagnostic::{Diagnostic, suggest};
use crate::model::{
    Backend, BackendKind, DEFAULT_DURATION_METRIC, DEFAULT_REQUESTS_METRIC, Dashboard,
    DashboardKind, Observability, Service, Severity, Sli, Slo, SloAlert,
};
use crate::spec::Spanned;
use crate::spec::keywords::{DashboardKindKw, SeverityKw, SliKw};
use crate::spec::observability::{BackendDecl, ObservabilityDecl, SloDecl};
use crate::spec::service::ServiceDecl;

/// `for` of a burn-rate alert when the spec gives none: the two-window
/// condition already filters blips, so it only needs to hold briefly.
pub const BURN_RATE_FOR_MINUTES: u32 = 2;
/// `for` of a latency alert when the spec gives none ("sustained").
pub const LATENCY_FOR_MINUTES: u32 = 10;
/// Longest SLO window: Prometheus keeps 90 days at most in practice.
const MAX_WINDOW_DAYS: u64 = 90;
/// Longest latency threshold an SLO may state (a request histogram's last bucket).
const MAX_THRESHOLD_MS: u64 = 60_000;

pub(crate) fn observability(
    r: &mut Resolver<'_>,
    d: &ObservabilityDecl,
    services: &[Service],
    service_decls: &[ServiceDecl],
) -> Option<Observability> {
    let metrics = d
        .metrics
        .as_ref()
        .map(|b| backend(r, b, BackendKind::Prometheus, "metrics"));
    let logs = d
        .logs
        .as_ref()
        .map(|b| backend(r, b, BackendKind::Loki, "logs"));
    let traces = d
        .traces
        .as_ref()
        .map(|b| backend(r, b, BackendKind::Tempo, "traces"));
    let grafana = d.grafana.as_ref().is_some_and(|g| g.value);

    r.check_unique(d.slos.iter().map(|s| &s.name), "slo");
    let slos: Vec<Slo> = d
        .slos
        .iter()
        .filter_map(|s| slo(r, s, services, service_decls))
        .collect();

    r.check_unique(d.alerts.iter().map(|a| &a.name), "alert");
    let slo_names: Vec<&str> = d.slos.iter().map(|s| s.name.value.as_str()).collect();
    let mut alerts = Vec::new();
    for a in &d.alerts {
        r.check_label(&a.name, "alert name");
        let Some(target) = d.slos.iter().find(|s| s.name.value == a.slo.value) else {
            let help = if slo_names.is_empty() {
                "declare the objective first: `slo NAME service=SERVICE sli=error-rate objective=99.5 window=\"30d\"`".to_string()
            } else {
                suggest(&a.slo.value, &slo_names, "slos")
            };
            r.push(
                Diagnostic::error(
                    "unknown-slo",
                    a.slo.span,
                    format!(
                        "alert `{}` refers to unknown slo `{}`",
                        a.name.value, a.slo.value
                    ),
                )
                .label("no slo of this name")
                .help(help),
            );
            continue;
        };
        if let Some(f) = &a.for_
            && f.value.0 > 24 * 60
        {
            r.push(
                Diagnostic::error(
                    "out-of-range",
                    f.span,
                    format!("alert `{}` waits longer than a day", a.name.value),
                )
                .label("longer than 24h")
                .help("use a `for=` between 1m and 24h"),
            );
        }
        let default_for = if target.sli.value == SliKw::LatencyP95 {
            LATENCY_FOR_MINUTES
        } else {
            BURN_RATE_FOR_MINUTES
        };
        alerts.push(SloAlert {
            name: a.name.value.clone(),
            slo: a.slo.value.clone(),
            severity: match a.severity.value {
                SeverityKw::Critical => Severity::Critical,
                SeverityKw::Warning => Severity::Warning,
                SeverityKw::Info => Severity::Info,
            },
            for_minutes: a.for_.as_ref().map_or(default_for, |f| f.value.0),
        });
    }

    r.check_unique(d.dashboards.iter().map(|b| &b.name), "dashboard");
    let mut dashboards = Vec::new();
    for b in &d.dashboards {
        r.check_label(&b.name, "dashboard name");
        if b.title.value.trim().is_empty() {
            r.push(
                Diagnostic::error(
                    "empty-title",
                    b.title.span,
                    format!("dashboard `{}` has an empty title", b.name.value),
                )
                .label("empty")
                .help(
                    "give the dashboard the title Grafana shows, e.g. title=\"Platform overview\"",
                ),
            );
        }
        if !grafana {
            r.push(
                Diagnostic::error(
                    "dashboard-needs-grafana",
                    b.name.span,
                    format!(
                        "dashboard `{}` needs Grafana, which `observability` does not declare",
                        b.name.value
                    ),
                )
                .label("nothing would show it")
                .related(d.keyword, "add `grafana` here")
                .help("add the `grafana` node to `observability`, or remove the dashboard"),
            );
        }
        let kind = match b.kind.value {
            DashboardKindKw::ServiceHealth => {
                let Some(service) = &b.service else {
                    r.push(
                        Diagnostic::error(
                            "dashboard-needs-service",
                            b.kind.span,
                            format!(
                                "dashboard `{}` is a service-health dashboard but names no service",
                                b.name.value
                            ),
                        )
                        .label("which service?")
                        .help("add `service=NAME` naming the service whose health it shows"),
                    );
                    continue;
                };
                if !service_ref(
                    r,
                    service,
                    services,
                    &format!("dashboard `{}`", b.name.value),
                ) {
                    continue;
                }
                DashboardKind::ServiceHealth {
                    service: service.value.clone(),
                }
            }
            other => {
                if let Some(service) = &b.service {
                    r.push(
                        Diagnostic::error("dashboard-ignores-service", service.span, format!("dashboard `{}` is a {} dashboard, which covers every service", b.name.value, other.keyword()))
                            .label("not used by this kind")
                            .help("remove `service=`, or use kind=service-health for one service's dashboard"),
                    );
                }
                if other == DashboardKindKw::LogsTraces && (logs.is_none() || traces.is_none()) {
                    let missing = match (logs.is_none(), traces.is_none()) {
                        (true, true) => "`logs loki { … }` and `traces tempo { … }`",
                        (true, false) => "`logs loki { … }`",
                        _ => "`traces tempo { … }`",
                    };
                    r.push(
                        Diagnostic::error("dashboard-needs-backend", b.kind.span, format!("dashboard `{}` correlates logs and traces, but `observability` does not collect both", b.name.value))
                            .label("no logs or traces to show")
                            .related(d.keyword, "declared here")
                            .help(format!("add {missing} to `observability`")),
                    );
                }
                match other {
                    DashboardKindKw::PlatformOverview => DashboardKind::PlatformOverview,
                    _ => DashboardKind::LogsTraces,
                }
            }
        };
        dashboards.push(Dashboard {
            name: b.name.value.clone(),
            title: b.title.value.clone(),
            kind,
        });
    }

    let mut slos = slos;
    slos.sort_by(|a, b| a.name.cmp(&b.name));
    Some(Observability {
        // A missing `metrics` node is reported by the decoder.
        metrics: metrics?,
        logs,
        traces,
        grafana,
        slos,
        alerts,
        dashboards,
    })
}

fn backend<K>(r: &mut Resolver<'_>, b: &BackendDecl<K>, kind: BackendKind, what: &str) -> Backend {
    let (default_days, default_gb) = match kind {
        BackendKind::Prometheus | BackendKind::Loki => (7, 20),
        BackendKind::Tempo => (3, 10),
    };
    let retention_days = r.expand_or(
        b.retention_days.as_ref(),
        default_days,
        &format!("retention-days of {what}"),
    );
    if let Some(v) = &b.retention_days
        && let Some(bad) = v.all().find(|v| !(1..=3650).contains(&v.value))
    {
        r.push(
            Diagnostic::error(
                "out-of-range",
                bad.span,
                format!("retention-days {} of {what} is out of range", bad.value),
            )
            .label("expected 1 to 3650")
            .help("keep telemetry between 1 day and 10 years"),
        );
    }
    let storage_gb = r.expand_or(
        b.storage_gb.as_ref(),
        default_gb,
        &format!("storage-gb of {what}"),
    );
    if let Some(v) = &b.storage_gb
        && let Some(bad) = v.all().find(|v| !(1..=16384).contains(&v.value))
    {
        r.push(
            Diagnostic::error(
                "out-of-range",
                bad.span,
                format!("storage-gb {} of {what} is out of range", bad.value),
            )
            .label("expected 1 to 16384")
            .help("the volume is 1 GB to 16 TB"),
        );
    }
    Backend {
        kind,
        retention_days,
        storage_gb,
    }
}

/// Reports a reference to an unknown service; `true` when it exists.
fn service_ref(
    r: &mut Resolver<'_>,
    name: &Spanned<String>,
    services: &[Service],
    who: &str,
) -> bool {
    if services.iter().any(|s| s.name == name.value) {
        return true;
    }
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    r.push(
        Diagnostic::error(
            "unknown-service",
            name.span,
            format!("{who} refers to unknown service `{}`", name.value),
        )
        .label("no service of this name")
        .help(suggest(&name.value, &names, "services")),
    );
    false
}

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn metric_name_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn metric(r: &mut Resolver<'_>, v: Option<&Spanned<String>>, default: &str) -> String {
    let Some(v) = v else {
        return default.to_string();
    };
    if !metric_name_ok(&v.value) {
        r.push(
            Diagnostic::error(
                "invalid-metric-name",
                v.span,
                format!(
                    "`{}` is not a Prometheus metric name",
                    v.value.escape_debug()
                ),
            )
            .label("letters, digits, `_` and `:` only")
            .help(format!(
                "write the metric as the service exports it, e.g. `{default}`"
            )),
        );
    }
    v.value.clone()
}

fn slo(
    r: &mut Resolver<'_>,
    s: &SloDecl,
    services: &[Service],
    decls: &[ServiceDecl],
) -> Option<Slo> {
    r.check_label(&s.name, "slo name");
    let who = format!("slo `{}`", s.name.value);
    let service_ok = service_ref(r, &s.service, services, &who);
    if service_ok
        && services
            .iter()
            .any(|x| x.name == s.service.value && x.metrics.is_none())
    {
        let mut diag = Diagnostic::error(
            "slo-needs-metrics",
            s.service.span,
            format!(
                "{who} measures service `{}`, which exposes no metrics",
                s.service.value
            ),
        )
        .label("no metrics to compute the SLI from")
        .help(format!(
            "add `metrics path=\"/metrics\"` to service `{}`",
            s.service.value
        ));
        if let Some(decl) = decls.iter().find(|d| d.name.value == s.service.value) {
            diag = diag.related(decl.name.span, "declared here");
        }
        r.push(diag);
    }
    let objective = s.objective.value;
    if !(objective > 0.0 && objective < 100.0) {
        r.push(
            Diagnostic::error("out-of-range", s.objective.span, format!("objective {objective} of {who} is not a percentage below 100"))
                .label("expected more than 0 and less than 100")
                .help("an objective is the percentage of good events, e.g. objective=99.9 (100 leaves no error budget)"),
        );
    }
    let window_days = match s.window.value.whole_days() {
        Some(d @ 1..=MAX_WINDOW_DAYS) => u32::try_from(d).ok(),
        _ => None,
    };
    if window_days.is_none() {
        r.push(
            Diagnostic::error(
                "invalid-window",
                s.window.span,
                format!(
                    "the window of {who} is not a whole number of days from 1 to {MAX_WINDOW_DAYS}"
                ),
            )
            .label("expected days, e.g. \"30d\"")
            .help("SLOs are measured over whole days: window=\"30d\" (or \"7d\", \"28d\")"),
        );
    }
    let threshold_ms = match (s.sli.value, &s.threshold) {
        (SliKw::LatencyP95, None) => {
            r.push(
                Diagnostic::error(
                    "missing-threshold",
                    s.sli.span,
                    format!("{who} is a latency SLO without a threshold"),
                )
                .label("latency under what?")
                .help("add the latency a good request stays under, e.g. threshold=\"300ms\""),
            );
            None
        }
        (SliKw::LatencyP95, Some(t)) => {
            let ok = (1..=MAX_THRESHOLD_MS).contains(&t.value.millis);
            if !ok {
                r.push(
                    Diagnostic::error(
                        "out-of-range",
                        t.span,
                        format!("the threshold of {who} is out of range"),
                    )
                    .label("expected 1ms to 60s")
                    .help("write the latency a good request stays under, e.g. threshold=\"300ms\""),
                );
            }
            u32::try_from(t.value.millis).ok().filter(|_| ok)
        }
        (other, Some(t)) => {
            r.push(
                Diagnostic::error(
                    "threshold-not-applicable",
                    t.span,
                    format!(
                        "{who} is an {} SLO, which has no latency threshold",
                        other.keyword()
                    ),
                )
                .label("only for sli=latency-p95")
                .help("remove `threshold=`, or use sli=latency-p95 for a latency objective"),
            );
            None
        }
        (_, None) => None,
    };
    let requests_metric = metric(r, s.requests_metric.as_ref(), DEFAULT_REQUESTS_METRIC);
    let duration_metric = metric(r, s.duration_metric.as_ref(), DEFAULT_DURATION_METRIC);
    let sli = match s.sli.value {
        SliKw::Availability => Sli::Availability,
        SliKw::LatencyP95 => Sli::LatencyP95,
        SliKw::ErrorRate => Sli::ErrorRate,
    };
    let description = s.description.as_ref().map_or_else(
        || default_description(sli, &s.service.value, objective, threshold_ms),
        |d| d.value.clone(),
    );
    if !service_ok {
        return None;
    }
    Some(Slo {
        name: s.name.value.clone(),
        service: s.service.value.clone(),
        sli,
        objective,
        window_days: window_days.unwrap_or(30),
        threshold_ms: if sli == Sli::LatencyP95 {
            Some(threshold_ms.unwrap_or(0))
        } else {
            None
        },
        description,
        requests_metric,
        duration_metric,
    })
}

/// What an SLO promises, when the spec gives no business justification.
fn default_description(
    sli: Sli,
    service: &str,
    objective: f64,
    threshold_ms: Option<u32>,
) -> String {
    match sli {
        Sli::Availability => format!("{service} is up {objective}% of the time."),
        Sli::ErrorRate => format!("{objective}% of {service} requests succeed."),
        Sli::LatencyP95 => format!(
            "{objective}% of {service} requests answer within {} ms.",
            threshold_ms.unwrap_or(0)
        ),
    }
}
