//! One tracing span per request (tracing-actix-web), joined to the OpenTelemetry setup of
//! `tiqets-telemetry`: a request carrying a W3C `traceparent` continues that trace, and the
//! span is exported with the others. Every response carries the request's id in
//! `x-request-id`, which also names the span's `request_id` field in the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The response header holding the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

struct HeaderExtractor<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The root span of a request: tracing-actix-web's fields (method, route, status, request
/// id, …), with the caller's trace as parent when it sent one.
pub struct ApiRootSpan;

impl RootSpanBuilder for ApiRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let span = tracing_actix_web::root_span!(request);
        let cx = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract(&HeaderExtractor(request.headers()))
        });
        if cx.span().span_context().is_valid() {
            // Fails only when the span is disabled; then there is nothing to join.
            let _ = span.set_parent(cx);
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Middleware (inside `TracingLogger`): copies the request id into `x-request-id`.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
            res.headers_mut().insert(REQUEST_ID, value);
        }
    }
    Ok(res)
}
