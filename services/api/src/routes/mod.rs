//! The endpoints, one module per resource, and how they are mounted.
//!
//! Every resource is a `web::resource` with explicit methods, so a wrong method gets 405
//! with `Allow` (turned into the JSON envelope by [`crate::error::json_errors`]).

pub mod batches;
pub mod changes;
pub mod completed;
pub mod dashboard;
pub mod delete;
pub mod downloads;
pub mod events;
pub mod health;
pub mod lookups;
pub mod process;
pub mod retry;
pub mod seed;
pub mod upload;

use crate::auth;
use crate::error::ApiError;
use crate::limits::RateLimit;
use crate::model::{all_into_api, IntoApi};
use crate::params::{BatchRef, Page};
use crate::state::AppState;
use actix_governor::Governor;
use actix_web::middleware::{from_fn, Condition};
use actix_web::web;
use tiqets_contract::{BatchStatus, Source, StatusEvent};
use tiqets_domain::FileKind;
use tiqets_store::{queries, BatchRecord, FileInfo};

/// Mounts every endpoint (not the OpenAPI document, mounted before them by
/// [`crate::startup`], and not the dashboard, which goes last).
///
/// Everything under `/api` but the welcome and the OpenAPI document sits behind the token
/// guard ([`auth`]), as middleware of the `/api` scope and of the `/api/events` resource:
/// it runs for whatever the router sends there, however the path was spelled.
///
/// `rate` (when set) limits each client's requests under `/api` (the welcome and the
/// OpenAPI document aside).
pub fn configure(cfg: &mut web::ServiceConfig, rate: Option<&RateLimit>) {
    // A limiter that never refuses stands in when there is no limit.
    let unlimited;
    let (limited, governor) = match rate {
        Some(conf) => (true, conf),
        None => {
            unlimited = crate::limits::rate_limit(1_000_000, u32::MAX).expect("a valid quota");
            (false, &unlimited)
        }
    };
    let rate = || Condition::new(limited, Governor::new(governor));
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(web::resource("/metrics").route(web::get().to(health::metrics)))
        .service(web::resource("/api/").route(web::get().to(process::welcome)))
        .service(
            web::resource("/api/events")
                .wrap(from_fn(auth::require_tokens_or_query))
                .wrap(rate())
                .route(web::get().to(events::events)),
        )
        .service(
            web::scope("/api")
                .wrap(from_fn(auth::require_tokens))
                .wrap(rate())
                .configure(guarded)
                .default_service(web::to(crate::error::not_found)),
        );
}

/// The endpoints behind the `/api` scope's guard (paths relative to `/api`).
fn guarded(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/process").route(web::get().to(process::process)))
        .service(web::resource("/customers/top").route(web::get().to(seed::top_customers)))
        .service(web::resource("/barcodes/unused").route(web::get().to(seed::unused_barcodes)))
        .service(
            web::resource("/barcodes/{barcode}").route(web::get().to(lookups::barcode_in_batch)),
        )
        .service(
            web::resource("/barcodes/{barcode}/history")
                .route(web::get().to(lookups::barcode_history)),
        )
        .service(web::resource("/orders/{customer_id}").route(web::get().to(seed::customer_orders)))
        .service(
            web::resource("/batches")
                .route(web::get().to(batches::list))
                .route(web::post().to(upload::upload)),
        )
        .service(
            web::resource("/batches/{batch_id}")
                .route(web::get().to(batches::one))
                .route(web::delete().to(delete::delete)),
        )
        .service(web::resource("/batches/{batch_id}/retry").route(web::post().to(retry::retry)))
        .service(web::resource("/batches/{batch_id}/orders").route(web::get().to(batches::orders)))
        .service(
            web::resource("/batches/{batch_id}/orders/{order_id}")
                .route(web::get().to(lookups::order)),
        )
        .service(web::resource("/batches/{batch_id}/issues").route(web::get().to(batches::issues)))
        .service(
            web::resource("/batches/{batch_id}/changes").route(web::get().to(changes::summary)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/orders")
                .route(web::get().to(changes::orders)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/barcodes")
                .route(web::get().to(changes::barcodes)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/customers")
                .route(web::get().to(changes::customers)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/orders.csv")
                .route(web::get().to(changes::orders_csv)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/barcodes.csv")
                .route(web::get().to(changes::barcodes_csv)),
        )
        .service(
            web::resource("/batches/{batch_id}/changes/customers.csv")
                .route(web::get().to(changes::customers_csv)),
        )
        .service(
            web::resource("/batches/{batch_id}/customers/top")
                .route(web::get().to(batches::top_customers)),
        )
        .service(
            web::resource("/batches/{batch_id}/barcodes/unused")
                .route(web::get().to(batches::unused_barcodes)),
        )
        .service(
            web::resource("/batches/{batch_id}/processed_orders.csv")
                .route(web::get().to(downloads::processed_orders)),
        )
        .service(
            web::resource("/batches/{batch_id}/issues.csv").route(web::get().to(downloads::issues)),
        );
}

/// The current batch (the last completed one), or 404 (`no_completed_batch`).
pub async fn current(state: &AppState) -> Result<BatchRecord, ApiError> {
    state.current.get(&state.pool).await?.ok_or_else(|| {
        ApiError::NoCompletedBatch(
            "no batch has completed yet: upload one with POST /api/batches or drop the files \
             into the input folder"
                .into(),
        )
    })
}

/// The batch a path names (`latest` is the current one), or 404.
///
/// A batch is recorded in PostgreSQL by the persister's status recorder a moment after its
/// `received` event; until then (or while the recorder is behind) its last status event on
/// NATS answers, so the status URL of an upload is valid as soon as it is returned.
pub async fn find(state: &AppState, batch: &BatchRef) -> Result<BatchRecord, ApiError> {
    let id = match batch {
        BatchRef::Latest => return current(state).await,
        BatchRef::Id(id) => id,
    };
    if let Some(record) = state.answers.record(id.as_str()) {
        return Ok(record);
    }
    if let Some(record) = queries::batch(&state.pool, id.as_str()).await? {
        state.answers.remember(&record);
        return Ok(record);
    }
    match state.bus.last_status(id).await {
        // Completed is recorded in PostgreSQL before it is published: a completed batch
        // that PostgreSQL does not hold was deleted.
        Ok(Some(event)) if event.status == BatchStatus::Completed => Err(ApiError::NotFound(
            format!("no batch with id {id}: it was deleted"),
        )),
        Ok(Some(event)) => Ok(record_of(event)),
        Ok(None) => Err(ApiError::NotFound(format!("no batch with id {id}"))),
        Err(e) => {
            tracing::warn!(error = %e, "batch not recorded yet, and its status stream is unreadable");
            Err(ApiError::NotFound(format!("no batch with id {id}")))
        }
    }
}

/// A batch as its last status event describes it.
fn record_of(e: StatusEvent) -> BatchRecord {
    let at = |s: BatchStatus| (e.status == s).then_some(e.at);
    let file = |kind: FileKind| {
        let name = match &e.source {
            Some(
                Source::Folder { orders, barcodes }
                | Source::Upload { orders, barcodes }
                | Source::Retry { orders, barcodes },
            ) => Some(
                if kind == FileKind::Orders {
                    orders
                } else {
                    barcodes
                }
                .clone(),
            ),
            None => None,
        };
        let stored = e.inputs.as_ref().map(|i| i.get(kind));
        name.map(|name| FileInfo {
            name,
            sha256: stored.map(|f| f.sha256.to_hex()),
            size: stored.map(|f| f.size),
        })
    };
    BatchRecord {
        id: e.batch_id.to_string(),
        name: e.name.clone(),
        status: e.status,
        attempt: e.attempt,
        reason: e.reason.clone(),
        created_at: e.at,
        updated_at: e.at,
        received_at: at(BatchStatus::Received),
        validating_at: at(BatchStatus::Validating),
        merging_at: at(BatchStatus::Merging),
        persisting_at: at(BatchStatus::Persisting),
        completed_at: at(BatchStatus::Completed),
        failed_at: at(BatchStatus::Failed),
        orders_file: file(FileKind::Orders),
        barcodes_file: file(FileKind::Barcodes),
        counts: e.counts.clone(),
        progress: e.progress.clone(),
    }
}

/// The batch a path names, which must be completed to have results: 404 or 409 otherwise.
pub async fn find_completed(state: &AppState, raw: &str) -> Result<BatchRecord, ApiError> {
    let batch = find(state, &BatchRef::parse(raw)?).await?;
    match batch.status {
        BatchStatus::Completed => Ok(batch),
        BatchStatus::Failed => Err(ApiError::Conflict(format!(
            "batch {} failed and has no results: {}",
            batch.id,
            batch.reason.as_deref().unwrap_or("no reason recorded")
        ))),
        status => Err(ApiError::Conflict(format!(
            "batch {} is {status}, not completed yet: its results are served once it \
             completes (follow it at /api/batches/{} or /api/events)",
            batch.id, batch.id
        ))),
    }
}

/// `page`'s records of `total`, as the API answers them: what `fetch(offset, limit)`
/// returns, or none past the end (without asking the database).
pub async fn page_of<R, T, Fut>(
    page: Page,
    total: u64,
    fetch: impl FnOnce(u64, u32) -> Fut,
) -> Result<Vec<T>, ApiError>
where
    R: IntoApi<T>,
    Fut: std::future::Future<Output = Result<Vec<R>, tiqets_store::StoreError>>,
{
    if page.offset() >= total {
        return Ok(Vec::new());
    }
    Ok(all_into_api(fetch(page.offset(), page.limit()).await?))
}
