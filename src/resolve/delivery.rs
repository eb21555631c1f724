//! Delivery (CI, registry, state, secrets backend) and monitoring.

use super::Resolver;
use super::cloud::{self, Resource};
use crate::diagnostic::{Diagnostic, suggest};
use crate::model::{
    Alert, CloudKind, Delivery, Monitoring, Registry, RegistryKind, Scanner, SecretsBackend,
    Severity, Signal,
};
use crate::spec::delivery::DeliveryDecl;
use crate::spec::keywords::{RegistryKw, ScannerKw, SecretsKw, SeverityKw, SignalKw, StateKw};
use crate::spec::monitoring::MonitoringDecl;

const ACR_SKUS: &[&str] = &["Basic", "Standard", "Premium"];

pub(crate) fn delivery(r: &mut Resolver<'_>, d: &DeliveryDecl) -> Delivery {
    let scan = d.scan.as_ref().map(|s| match s.value {
        ScannerKw::Trivy => Scanner::Trivy,
    });
    let (kind, kind_span, sku_decl) = match &d.registry {
        Some(reg) => (reg.kind.value, Some(reg.kind.span), reg.sku.as_ref()),
        None => (
            if r.cloud == CloudKind::Aws {
                RegistryKw::Ecr
            } else {
                RegistryKw::Acr
            },
            None,
            None,
        ),
    };
    let expected = match r.cloud {
        CloudKind::Azure => RegistryKw::Acr,
        CloudKind::Aws => RegistryKw::Ecr,
    };
    if kind != expected
        && let Some(span) = kind_span
    {
        r.push(
            Diagnostic::error(
                "wrong-cloud",
                span,
                format!("registry `{}` does not exist on this cloud", kind.keyword()),
            )
            .label("wrong registry for the cloud")
            .help(format!("use `registry {}`", expected.keyword())),
        );
    }
    let default_sku = cloud::default_sku(r.cloud, "registry").to_string();
    let sku = r.expand_or(sku_decl, default_sku, "registry sku");
    if kind == RegistryKw::Acr
        && let Some(s) = sku_decl
    {
        for v in s.all() {
            if !ACR_SKUS.contains(&v.value.as_str()) {
                r.push(
                    Diagnostic::error(
                        "invalid-sku",
                        v.span,
                        format!(
                            "unknown Azure Container Registry SKU `{}`",
                            v.value.escape_debug()
                        ),
                    )
                    .label("not an ACR SKU")
                    .help(suggest(&v.value, ACR_SKUS, "SKUs")),
                );
            }
        }
    }
    let cloud_name = r.cloud_name(
        Resource::Registry,
        "",
        r.platform_span,
        "the container registry",
    );
    if let Some(state) = &d.state {
        let fits = matches!(
            (state.value, r.cloud),
            (StateKw::AzureStorage, CloudKind::Azure) | (StateKw::S3, CloudKind::Aws)
        );
        if !fits {
            let want = if r.cloud == CloudKind::Azure {
                "azure-storage"
            } else {
                "s3"
            };
            r.push(
                Diagnostic::error(
                    "wrong-cloud",
                    state.span,
                    format!(
                        "state backend `{}` does not fit this cloud",
                        state.value.keyword()
                    ),
                )
                .label("wrong backend for the cloud")
                .help(format!("use `state {want}`")),
            );
        }
    }
    let secrets = match d.secrets.as_ref().map(|s| s.value) {
        Some(SecretsKw::Csi) => SecretsBackend::Csi,
        _ => SecretsBackend::ExternalSecrets,
    };
    Delivery {
        scan,
        registry: Registry {
            kind: match kind {
                RegistryKw::Acr => RegistryKind::Acr,
                RegistryKw::Ecr => RegistryKind::Ecr,
            },
            sku,
            cloud_name,
        },
        state: cloud::state_backend(r.cloud, &r.platform, &r.region),
        secrets,
    }
}

pub(crate) fn monitoring(r: &mut Resolver<'_>, m: &MonitoringDecl) -> Monitoring {
    r.check_label(&m.name, "monitoring name");
    let what = format!("retention-days of monitoring `{}`", m.name.value);
    let retention_days = r.expand_or(m.retention_days.as_ref(), 30, &what);
    if let Some(v) = &m.retention_days
        && let Some(bad) = v.all().find(|v| !(30..=730).contains(&v.value))
    {
        r.push(
            Diagnostic::error(
                "out-of-range",
                bad.span,
                format!("retention-days {} is out of range", bad.value),
            )
            .label("expected 30 to 730")
            .help("Log Analytics keeps logs 30 to 730 days"),
        );
    }
    r.check_unique(m.alerts.iter().map(|a| &a.name), "alert");
    let mut alerts = Vec::new();
    for a in &m.alerts {
        r.check_label(&a.name, "alert name");
        if a.threshold.value < 0.0 {
            r.push(
                Diagnostic::error(
                    "out-of-range",
                    a.threshold.span,
                    format!("alert `{}` has a negative threshold", a.name.value),
                )
                .label("below 0")
                .help("alerts fire when the signal is above the threshold; use 0 or more"),
            );
        }
        if a.window.value.0 > 24 * 60 {
            r.push(
                Diagnostic::error(
                    "out-of-range",
                    a.window.span,
                    format!("alert `{}` has a window longer than a day", a.name.value),
                )
                .label("longer than 24h")
                .help("use a window between 1m and 24h"),
            );
        }
        alerts.push(Alert {
            name: a.name.value.clone(),
            signal: match a.signal.value {
                SignalKw::PodRestarts => Signal::PodRestarts,
                SignalKw::NodeCpuPercent => Signal::NodeCpuPercent,
                SignalKw::NodeMemoryPercent => Signal::NodeMemoryPercent,
                SignalKw::UnavailableReplicas => Signal::UnavailableReplicas,
                SignalKw::Http5xxPercent => Signal::Http5xxPercent,
            },
            threshold: a.threshold.value,
            window_minutes: a.window.value.0,
            severity: match a.severity.value {
                SeverityKw::Critical => Severity::Critical,
                SeverityKw::Warning => Severity::Warning,
                SeverityKw::Info => Severity::Info,
            },
        });
    }
    alerts.sort_by(|a, b| a.name.cmp(&b.name));
    let cloud_name = r.cloud_name(
        Resource::LogWorkspace,
        "",
        m.name.span,
        &format!("monitoring `{}`", m.name.value),
    );
    Monitoring {
        name: m.name.value.clone(),
        retention_days,
        app_insights: m.app_insights.as_ref().is_some_and(|a| a.value),
        alerts,
        cloud_name,
    }
}
