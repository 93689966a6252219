//! Traces in memory, for tests that assert one trace id across services.
//!
//! A process has one global subscriber, so the first call installs it (with a simple,
//! synchronous span processor: a span is in the exporter as soon as it ends) and every
//! later call gets the same exporter. Tests tell their spans apart by trace id or by
//! attributes such as `batch_id`.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use std::sync::OnceLock;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();

/// The process-wide in-memory exporter, installed on first use together with the W3C
/// propagator and a `tracing` subscriber (logs to the test's output, `RUST_LOG`, default
/// `info`). Fails silently to install a subscriber when another one already is; spans are
/// then not recorded.
pub fn in_memory_spans() -> InMemorySpanExporter {
    EXPORTER
        .get_or_init(|| {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            let exporter = InMemorySpanExporter::default();
            let provider = SdkTracerProvider::builder()
                .with_simple_exporter(exporter.clone())
                .build();
            opentelemetry::global::set_tracer_provider(provider.clone());
            let filter =
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(tracing_subscriber::fmt::layer().with_test_writer())
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tests")))
                .try_init();
            exporter
        })
        .clone()
}

/// Finished spans whose string attribute `key` equals `value`.
pub fn spans_with(exporter: &InMemorySpanExporter, key: &str, value: &str) -> Vec<SpanData> {
    exporter
        .get_finished_spans()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| {
            s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == key && kv.value.as_str() == value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_recorded_in_memory() {
        let exporter = in_memory_spans();
        tracing::info_span!("unit", batch_id = "b-test").in_scope(|| {});
        let spans = spans_with(&exporter, "batch_id", "b-test");
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].name, "unit");
    }
}
