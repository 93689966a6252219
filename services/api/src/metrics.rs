//! Prometheus metrics: request counts and latency histograms by method, route pattern
//! (`/api/orders/{customer_id}`, never the raw path, so the label set stays small) and
//! status, plus the open event streams. Served as text at `/metrics`.

use crate::limits::Limit;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use std::time::Instant;

/// The api's metrics, in a registry of their own (so tests can run several apps).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// Event streams currently open.
    pub event_streams: IntGauge,
    /// Uploads by outcome (`queued`, `repeat`, `rejected`).
    pub uploads: IntCounterVec,
    /// Requests refused by a resource limit, by limit (`crate::limits::Limit`).
    pub limited: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let labels = ["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &labels,
        )
        .expect("static metric definition"); // the names and labels above are valid
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to the response head, by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &labels,
        )
        .expect("static metric definition");
        let event_streams = IntGauge::new("tiqets_api_event_streams", "Open event streams")
            .expect("static metric definition");
        let uploads = IntCounterVec::new(
            Opts::new("tiqets_api_uploads_total", "Uploads by outcome"),
            &["outcome"],
        )
        .expect("static metric definition");
        let limited = IntCounterVec::new(
            Opts::new(
                "tiqets_api_limited_total",
                "Requests refused with 429 by a resource limit",
            ),
            &["limit"],
        )
        .expect("static metric definition");
        let registry = Registry::new_custom(None, None).expect("no prefix, no labels");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(event_streams.clone()),
            Box::new(uploads.clone()),
            Box::new(limited.clone()),
        ] {
            registry.register(c).expect("each metric registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            event_streams,
            uploads,
            limited,
        }
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Everything in the Prometheus text format: these, then the process's own
    /// (`tiqets_telemetry::metrics`: its memory against its budget).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default() + &tiqets_telemetry::metrics::render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Middleware: times each request and counts it under its route pattern.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        metrics.observe(&method, &route, status, start.elapsed().as_secs_f64());
        if let Ok(res) = &res {
            if status == 429 {
                let limit = res.response().extensions().get::<Limit>().copied();
                let limit = limit.unwrap_or(Limit::Rate).as_str();
                metrics.limited.with_label_values(&[limit]).inc();
            }
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_pattern_and_status() {
        let m = Metrics::new();
        m.observe("GET", "/api/orders/{customer_id}", 404, 0.002);
        m.observe("GET", "/api/orders/{customer_id}", 404, 0.003);
        let text = m.render();
        assert!(
            text.contains(
                "http_requests_total{method=\"GET\",route=\"/api/orders/{customer_id}\",status=\"404\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("http_request_duration_seconds_bucket"),
            "{text}"
        );
    }
}
