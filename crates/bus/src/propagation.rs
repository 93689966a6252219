//! W3C trace context in NATS headers, so one batch is one trace across services.
//!
//! Publishers inject the current span's context (`traceparent`, `tracestate`) with the
//! globally installed propagator (`tiqets-telemetry` installs `TraceContextPropagator`);
//! consumers extract it and make it the parent of their handling span.

use async_nats::HeaderMap;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Writes propagation fields into a NATS header map.
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value);
    }
}

/// Reads propagation fields from a NATS header map.
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

/// Injects `cx` into `headers`.
pub fn inject_context(cx: &opentelemetry::Context, headers: &mut HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut HeaderInjector(headers))
    });
}

/// Injects the current tracing span's context into `headers` (nothing when no
/// OpenTelemetry layer is installed).
pub fn inject_current(headers: &mut HeaderMap) {
    inject_context(&tracing::Span::current().context(), headers);
}

/// A header map holding only the current trace context.
pub fn traced_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    inject_current(&mut headers);
    headers
}

/// The trace context carried by `headers` (an empty context when there is none).
pub fn extract(headers: &HeaderMap) -> opentelemetry::Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// Makes the context carried by `headers` the parent of `span`, so the span joins the
/// publisher's trace. Without a trace context in the headers the span keeps its own.
pub fn continue_trace(span: &tracing::Span, headers: Option<&HeaderMap>) {
    if let Some(headers) = headers {
        let cx = extract(headers);
        if cx.span().span_context().is_valid() {
            // Fails only when the span is disabled; then there is nothing to link.
            let _ = span.set_parent(cx);
        }
    }
}

/// The trace id carried by `headers`, as 32 hex digits.
pub fn trace_id(headers: &HeaderMap) -> Option<String> {
    let cx = extract(headers);
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::propagation::TraceContextPropagator;

    #[test]
    fn trace_context_round_trips_through_nats_headers() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let sc = SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let cx = opentelemetry::Context::new().with_remote_span_context(sc);
        let mut headers = HeaderMap::new();
        inject_context(&cx, &mut headers);
        assert_eq!(
            headers.get("traceparent").map(|v| v.as_str()),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        assert_eq!(
            trace_id(&headers).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(trace_id(&HeaderMap::new()), None);
    }
}
