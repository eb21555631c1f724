use super::emit;
use crate::emit::terraform::aws::fixture;

fn find<'a>(files: &'a [crate::emit::File], path: &str) -> &'a str {
    files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| panic!("no {path}"))
}

#[test]
fn slo_rules_hold_burn_rate_and_latency_alerts() {
    let files = emit(&fixture::platform(), &fixture::observability());
    let rules = find(&files, "kubernetes/base/observability/slo-rules.yaml");
    assert!(rules.contains("alert: HighErrorRate"), "{rules}");
    assert!(
        rules.contains("slo:sli_error:ratio_rate1h{slo=\"api-errors\"} > 0.072"),
        "{rules}"
    );
    assert!(rules.contains("alert: HighLatency"), "{rules}");
    assert!(
        rules.contains("slo:request_duration_seconds:p95_5m{slo=\"api-latency\"} > 0.3"),
        "{rules}"
    );
    assert!(rules.contains("for: 10m"), "{rules}");
}

#[test]
fn dashboards_are_json_with_the_seed_panels() {
    let files = emit(&fixture::platform(), &fixture::observability());
    for (name, titles) in [
        (
            "platform-overview",
            &[
                "API request rate",
                "API error rate (5xx)",
                "API latency (P95)",
            ][..],
        ),
        (
            "backend-health",
            &["Latency P95", "Error ratio (5xx)", "Error budget remaining"][..],
        ),
        (
            "logs-traces",
            &["Logs (a traceID opens its trace in Tempo)", "Recent traces"][..],
        ),
    ] {
        let text = find(
            &files,
            &format!("kubernetes/base/observability/dashboards/{name}.json"),
        );
        let v: serde_json::Value = serde_json::from_str(text).expect("dashboard is JSON");
        let panels: Vec<&str> = v["panels"]
            .as_array()
            .expect("panels")
            .iter()
            .filter_map(|p| p["title"].as_str())
            .collect();
        for t in titles {
            assert!(panels.contains(t), "{name}: no panel {t} in {panels:?}");
        }
    }
}

#[test]
fn monitors_scrape_services_with_metrics_only() {
    let files = emit(&fixture::platform(), &fixture::observability());
    let monitors = find(&files, "kubernetes/base/observability/monitors.yaml");
    assert_eq!(
        monitors.matches("kind: ServiceMonitor").count(),
        3,
        "{monitors}"
    );
}
