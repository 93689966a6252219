//! `GET /api/events`: server-sent events of every batch status change.
//!
//! Each client gets an ordered consumer (ephemeral, in-order, no acks) on the status stream
//! filtered to `{ns}.status.*`, created before the response starts, so every status
//! published after the client saw the response headers reaches it. An event is
//!
//! ```text
//! id: <stream sequence>
//! event: status
//! data: <StatusEvent as JSON, one line>
//! ```
//!
//! A client reconnecting with `Last-Event-ID` resumes right after that event (the browser's
//! `EventSource` does this by itself). Idle streams get a comment line every
//! `TIQETS_SSE_HEARTBEAT_SECS` so proxies keep them open; every stream ends on shutdown.

use crate::error::ApiError;
use crate::limits::Limit;
use crate::model::ErrorBody;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use bytes::Bytes;
use futures::{stream, Stream, StreamExt};
use tiqets_bus::BusError;
use tiqets_contract::StatusEvent;

/// Tells the browser how long to wait before reconnecting.
const RETRY_MS: u32 = 2000;

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Bus(BusError::Read {
        what: "the status stream".into(),
        message: e.to_string(),
    })
}

/// One SSE frame for a status message, or `None` when the payload is not a status event.
pub fn frame(seq: u64, payload: &[u8]) -> Option<Bytes> {
    let event: StatusEvent = serde_json::from_slice(payload).ok()?;
    // Re-encoded: one line, whatever the publisher sent.
    let data = serde_json::to_string(&event).ok()?;
    Some(Bytes::from(format!(
        "id: {seq}\nevent: status\ndata: {data}\n\n"
    )))
}

/// A live stream of status events (see the module doc). The `data` of each `status` event
/// is a status event: `batch_id`, `name`, `status`, `attempt`, `at`, and when known
/// `reason`, `counts`, `progress`, `source`, `inputs`, `supersedes`.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "batches",
    params(
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id"),
        ("access_token" = Option<String>, Query, description = "The read token, for clients that cannot send headers (only when a read token is configured)"),
    ),
    responses(
        (status = 200, description = "An endless text/event-stream of `status` events", content_type = "text/event-stream", body = String,
            example = "id: 42\nevent: status\ndata: {\"batch_id\":\"b3f1c2d4e5f60718293a4b5c6\",\"name\":\"monday\",\"status\":\"validating\",\"attempt\":1,\"at\":\"2026-11-24T10:00:00Z\"}\n\n"),
        (status = 400, description = "`Last-Event-ID` is not a number", body = ErrorBody),
        (status = 429, description = "Too many open event streams: try again after `Retry-After` seconds", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn events(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let last_id = match req.headers().get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request("`Last-Event-ID` must be an event id (a whole number)")
                })?,
        ),
    };
    let Some(slot) = state.event_streams.try_take() else {
        return Err(ApiError::TooMany(
            Limit::EventStreams,
            "too many open event streams (TIQETS_API_MAX_EVENT_STREAMS); try again shortly".into(),
        ));
    };
    let deliver_policy = match last_id {
        Some(id) => DeliverPolicy::ByStartSequence {
            start_sequence: id + 1,
        },
        None => DeliverPolicy::New,
    };
    let names = state.bus.names();
    let status_stream = state
        .bus
        .jetstream()
        .get_stream(names.status_stream())
        .await
        .map_err(unavailable)?;
    let consumer = status_stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: names.status_all(),
            deliver_policy,
            ..Default::default()
        })
        .await
        .map_err(unavailable)?;
    let messages = consumer.messages().await.map_err(unavailable)?;

    let events = messages
        .take_while(|m| {
            if let Err(e) = m {
                // The client reconnects with Last-Event-ID and misses nothing.
                tracing::warn!(error = %e, "status stream broke; ending the event stream");
            }
            std::future::ready(m.is_ok())
        })
        .filter_map(|m| async move {
            let msg = m.ok()?;
            let seq = msg.info().ok()?.stream_sequence;
            let frame = frame(seq, &msg.payload);
            if frame.is_none() {
                tracing::warn!(seq, subject = %msg.subject, "not a status event; skipped");
            }
            frame
        });
    let heartbeats = heartbeat(state.sse_heartbeat);
    let first = Bytes::from(format!("retry: {RETRY_MS}\n: connected\n\n"));
    let gauge = GaugeGuard::new(state.metrics.event_streams.clone());
    let shutdown = state.shutdown.clone().cancelled_owned();
    let body = stream::once(async move { first })
        .chain(stream::select(events, heartbeats))
        .take_until(shutdown)
        .map(move |b| {
            let _open = (&gauge, &slot);
            Ok::<_, std::io::Error>(b)
        });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

fn heartbeat(every: std::time::Duration) -> impl Stream<Item = Bytes> {
    stream::unfold((), move |()| async move {
        tokio::time::sleep(every).await;
        Some((Bytes::from_static(b": keep-alive\n\n"), ()))
    })
}

/// Counts an open stream while it lives.
struct GaugeGuard(prometheus::IntGauge);

impl GaugeGuard {
    fn new(gauge: prometheus::IntGauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_event_is_one_frame_with_its_sequence_as_id() {
        let payload = br#"{"batch_id": "b1", "name": "x",
            "status": "merging", "attempt": 1, "at": "2026-11-24T10:00:00Z"}"#;
        let f = frame(7, payload).unwrap();
        let text = std::str::from_utf8(&f).unwrap();
        assert!(text.starts_with("id: 7\nevent: status\ndata: {"), "{text}");
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "{text}");
        assert!(frame(8, b"not json").is_none());
    }
}
