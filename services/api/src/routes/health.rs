//! `/healthz` (the process answers), `/readyz` (PostgreSQL and NATS answer, and the
//! service is not stopping) and `/metrics` (Prometheus text).

use crate::error::ApiError;
use crate::model::{ok, ErrorBody, Health, HealthResponse, Readiness, ReadyResponse};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use std::time::Duration;

/// How long each dependency may take to answer a readiness check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process answers (no dependency is checked).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process answers", body = HealthResponse,
        example = json!({"status": "success", "data": {"status": "ok"}})))
)]
pub async fn healthz() -> HttpResponse {
    ok(Health {
        status: "ok".into(),
    })
}

async fn postgres(state: &AppState) -> Result<(), String> {
    let check = async {
        let client = state.pool.get().await.map_err(|e| e.to_string())?;
        client
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {CHECK_TIMEOUT:?}")),
    }
}

async fn nats(state: &AppState) -> Result<(), String> {
    if !state.bus.is_connected() {
        return Err("not connected".into());
    }
    match tokio::time::timeout(CHECK_TIMEOUT, state.bus.client().flush()).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {CHECK_TIMEOUT:?}")),
    }
}

/// Readiness: PostgreSQL and NATS answer, and the service is not shutting down.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = ReadyResponse,
            example = json!({"status": "success", "data": {"postgres": "ok", "nats": "ok"}})),
        (status = 503, description = "A dependency does not answer, or the service is stopping", body = ErrorBody),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.shutdown.is_cancelled() {
        return Err(ApiError::Unavailable("shutting down".into()));
    }
    let (pg, bus) = tokio::join!(postgres(&state), nats(&state));
    let mut down = Vec::new();
    if let Err(e) = pg {
        tracing::warn!(error = %e, "readiness: PostgreSQL");
        down.push("PostgreSQL");
    }
    if let Err(e) = bus {
        tracing::warn!(error = %e, "readiness: NATS");
        down.push("NATS");
    }
    if !down.is_empty() {
        return Err(ApiError::Unavailable(format!(
            "not ready: {} not reachable",
            down.join(" and ")
        )));
    }
    Ok(ok(Readiness {
        postgres: "ok".into(),
        nats: "ok".into(),
    }))
}

/// Request counts and latency histograms by route and status, in the Prometheus text
/// format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
