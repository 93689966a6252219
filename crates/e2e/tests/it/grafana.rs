//! The Grafana pipeline dashboard (`deploy/k8s/components/observability/grafana/pipeline.json`)
//! queries only metrics the services really export: every metric name in its PromQL is one
//! the consumer loop or the api registers (histograms through `_bucket`, `_sum`, `_count`).

use prometheus::core::Collector;
use std::collections::BTreeSet;
use std::path::Path;

/// Every family name the consumers and the api expose.
fn exported() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let m = tiqets_bus::metrics::consumer_metrics();
    let collectors: [&dyn Collector; 9] = [
        &m.messages,
        &m.failures,
        &m.redeliveries,
        &m.duration,
        &m.rows,
        &m.issues,
        &m.in_flight,
        &m.pending,
        &m.ack_pending,
    ];
    for c in collectors {
        for d in c.desc() {
            names.insert(d.fq_name.clone());
        }
    }
    let api = tiqets_api::metrics::Metrics::new();
    api.observe("GET", "/api/batches", 200, 0.01);
    api.uploads.with_label_values(&["queued"]).inc();
    for line in api.render().lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            names.insert(rest.split(' ').next().unwrap().to_string());
        }
    }
    let histograms: Vec<String> = names.iter().cloned().collect();
    for h in histograms {
        for suffix in ["_bucket", "_sum", "_count"] {
            names.insert(format!("{h}{suffix}"));
        }
    }
    // Prometheus's own series of every scrape target.
    names.insert("up".into());
    names
}

/// The metric names a PromQL expression reads: identifiers followed by `{`, `[` or `)`,
/// that are not functions, keywords or the label names of `by (…)` (label matchers are
/// followed by `=`, so they never count).
fn queried(expr: &str) -> BTreeSet<String> {
    const NOT_METRICS: [&str; 13] = [
        "sum",
        "rate",
        "increase",
        "max",
        "histogram_quantile",
        "by",
        "le",
        "stage",
        "outcome",
        "code",
        "route",
        "status",
        "job",
    ];
    let mut out = BTreeSet::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            // Skip label values.
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &expr[start..i];
            let next = expr[i..].trim_start().chars().next();
            if !NOT_METRICS.contains(&word)
                && !word.starts_with("__")
                && !expr[..start].ends_with('$')
                && matches!(next, Some('{') | Some('[') | Some(')'))
            {
                out.insert(word.to_string());
            }
            continue;
        }
        i += 1;
    }
    out
}

#[test]
fn the_pipeline_dashboard_queries_only_exported_metrics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/k8s/components/observability/grafana/pipeline.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let exported = exported();
    let mut used = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            let names = queried(expr);
            assert!(!names.is_empty(), "no metric found in {expr}");
            for name in names {
                assert!(
                    exported.contains(&name),
                    "panel {:?} queries {name}, which no service exports ({expr})",
                    panel["title"]
                );
                used.insert(name);
            }
        }
    }
    // The panels the issue asks for are there.
    for needed in [
        "tiqets_consumer_messages_total",
        "tiqets_consumer_rows_total",
        "tiqets_batch_issues_total",
        "tiqets_consumer_pending",
        "http_request_duration_seconds_bucket",
    ] {
        assert!(used.contains(needed), "no panel queries {needed}");
    }
}

#[test]
fn metric_names_are_found_in_promql() {
    let names = queried(
        r#"histogram_quantile(0.95, sum by (le, stage) (rate(tiqets_consumer_handle_duration_seconds_bucket{stage=~"a|b"}[$__rate_interval])))"#,
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["tiqets_consumer_handle_duration_seconds_bucket"]
    );
    let names = queried(r#"max by (stage) (tiqets_consumer_pending)"#);
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["tiqets_consumer_pending"]
    );
}
