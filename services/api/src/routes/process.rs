//! The original backend's own endpoints: `GET /api/` (a welcome, its clients' liveness
//! check) and `GET /api/process` (every output row with the analytics, in its nesting).
//!
//! The original processed the files on that call; here the pipeline processes every pair
//! dropped or uploaded by itself, so `/api/process` answers the latest processed result:
//! the current batch (the last completed one). `?wait=` lets a client that just dropped a
//! pair wait for it. The whole answer is streamed from PostgreSQL (two server-side row
//! streams, about 64 KiB per body chunk), so memory stays flat whatever the batch size;
//! `?page=`/`?per_page=` answer one page of both lists instead.

use crate::error::ApiError;
use crate::model::{
    envelope_bytes, Analytics, ErrorBody, ProcessResponse, ProcessResult, UnusedBarcodes,
};
use crate::params::{Checked, Page, ProcessAsk, ProcessQuery};
use crate::routes::{batches, current, page_of};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use bytes::Bytes;
use futures::{stream, Stream, StreamExt, TryStreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use tiqets_store::{queries, BatchRecord, OrderRecord, StoreError, UnusedBarcode};

/// Rows gathered into one body chunk, at most.
const ROWS_PER_CHUNK: usize = 1024;
/// How many top customers the answer holds (as the original's).
const TOP: u32 = 5;
/// The longest a waiting answer goes without asking PostgreSQL again (in case a status
/// event was missed).
const RECHECK: Duration = Duration::from_secs(1);

/// A welcome: the api answers. Links to the OpenAPI document.
#[utoipa::path(
    get,
    path = "/api/",
    tag = "current batch",
    responses(
        (status = 200, description = "The api answers", content_type = "application/json", body = Object,
            example = json!({"message": "Welcome to the Tiqets Order Processor API!", "openapi": "/api/openapi.json"})),
    )
)]
pub async fn welcome() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "message": "Welcome to the Tiqets Order Processor API!",
        "openapi": "/api/openapi.json",
    }))
}

/// The latest processed result: every output row (sorted by customer_id, then order_id,
/// barcodes in `barcodes.csv` line order), the top 5 customers and the unused barcodes, as
/// the original backend's `/api/process` nests them. Streamed; about 60 bytes per order
/// plus 12 per barcode. With `page`/`per_page`, one page of the orders and of the unused
/// barcodes.
#[utoipa::path(
    get,
    path = "/api/process",
    tag = "current batch",
    params(ProcessQuery),
    responses(
        (status = 200, description = "The latest processed result", body = ProcessResponse,
            example = json!({"status": "success", "data": {"batch_id": "b3f1c2d4e5f60718293a4b5c6", "total_orders": 2,
                "orders": [{"customer_id": 101, "order_id": 1, "barcodes": ["1001", "1002"]}, {"customer_id": 102, "order_id": 2, "barcodes": ["1003"]}],
                "analytics": {"top_customers": [{"customer_id": 101, "ticket_count": 2}, {"customer_id": 102, "ticket_count": 1}],
                    "unused_barcodes": {"count": 1, "barcodes": [{"barcode": "1004", "order_id": null, "line": 5}]}}}})),
        (status = 400, description = "`wait`, `page` or `per_page` out of range", body = ErrorBody),
        (status = 404, description = "No batch has completed yet", body = ErrorBody),
    )
)]
pub async fn process(
    state: web::Data<AppState>,
    Checked(ask): Checked<ProcessQuery>,
) -> Result<HttpResponse, ApiError> {
    if !ask.wait.is_zero() {
        wait_for_batches(&state, ask.wait).await?;
    }
    let batch = current(&state).await?;
    let top = batches::top_of(&state.pool, &batch.id, TOP).await?;
    match ask {
        ProcessAsk {
            page: Some(page), ..
        } => paged(&state, batch, top, page).await,
        _ => streamed(&state, batch, top).await,
    }
}

/// Waits, at most `max`, until no batch is on its way and one has completed.
async fn wait_for_batches(state: &AppState, max: Duration) -> Result<(), ApiError> {
    let deadline = Instant::now() + max;
    let mut waited = false;
    loop {
        // Registered before asking, so an end between the question and the wait wakes it.
        let ended = state.current.ended.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        let none_yet =
            || async { Ok::<_, ApiError>(state.current.get(&state.pool).await?.is_none()) };
        if !queries::batch_in_flight(&state.pool).await? && !none_yet().await? {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        waited = true;
        tokio::select! {
            _ = &mut ended => {}
            _ = tokio::time::sleep(left.min(RECHECK)) => {}
            _ = state.shutdown.cancelled() => break,
        }
    }
    if waited {
        // The batch may have completed between two events: read the current one afresh.
        state.current.forget();
    }
    Ok(())
}

/// One page of both lists, as one (cached) JSON answer.
async fn paged(
    state: &AppState,
    batch: BatchRecord,
    top: Vec<crate::model::TopCustomer>,
    page: Page,
) -> Result<HttpResponse, ApiError> {
    let key = format!("process:{}:{}", page.page, page.per_page);
    let compute = async {
        let total_orders = batch.counts.as_ref().map_or(0, |c| c.orders_written);
        let orders = page_of(page, total_orders, |offset, limit| {
            queries::orders_at_position(&state.pool, &batch.id, offset, limit)
        })
        .await?;
        let unused = batches::unused_of(&state.pool, &batch, page).await?;
        envelope_bytes(ProcessResult {
            batch_id: batch.id.clone(),
            total_orders,
            page: Some(page.page),
            per_page: Some(page.per_page),
            orders,
            analytics: Analytics {
                top_customers: top,
                unused_barcodes: UnusedBarcodes {
                    count: unused.count,
                    barcodes: unused.barcodes,
                },
            },
        })
    };
    state.answer(&batch.id, key, compute).await
}

/// The whole answer, streamed: the head, the orders, the analytics up to the unused
/// barcodes, those, and the closing brackets. The unused barcodes' stream is opened (on a
/// second pooled connection) only once the orders are sent.
async fn streamed(
    state: &AppState,
    batch: BatchRecord,
    top: Vec<crate::model::TopCustomer>,
) -> Result<HttpResponse, ApiError> {
    let counts = batch.counts.clone().unwrap_or_default();
    // Held until the whole body is sent (the unused barcodes come on another connection).
    let guard = std::sync::Arc::new(state.hold(&batch.id).await?);
    let orders = queries::stream_orders(&guard, &batch.id).await?;
    let orders = db_rows(orders, guard.clone());
    let head = format!(
        r#"{{"status":"success","data":{{"batch_id":{},"total_orders":{},"orders":["#,
        json!(batch.id),
        counts.orders_written
    );
    let middle = format!(
        r#"],"analytics":{{"top_customers":{},"unused_barcodes":{{"count":{},"barcodes":["#,
        serde_json::to_string(&top)
            .map_err(|e| ApiError::Internal(format!("encoding the top customers: {e}")))?,
        counts.unused_barcodes
    );
    let pool = state.pool.clone();
    let id = batch.id.clone();
    let unused = stream::once(async move {
        let client = pool.get().await.map_err(StoreError::from)?;
        let rows = queries::stream_unused(&client, &id).await?;
        Ok::<_, StoreError>(db_rows(rows, client))
    })
    .try_flatten();
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(json_rows(orders, write_order))
        .chain(stream::once(async move { Ok(Bytes::from(middle)) }))
        .chain(json_rows(unused, write_unused))
        .chain(stream::once(async move {
            drop(guard);
            Ok(Bytes::from_static(b"]}}}}"))
        }));
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// A row stream that keeps `client`, the pooled connection the rows come through, as long
/// as it lives.
fn db_rows<T, K: 'static>(
    rows: impl Stream<Item = Result<T, StoreError>> + 'static,
    client: K,
) -> impl Stream<Item = Result<T, StoreError>> + 'static {
    rows.map(move |row| {
        let _connection = &client;
        row
    })
}

/// JSON array elements, comma-separated across chunks. A database failure cuts the body
/// short (the status line is gone), which the client sees as a broken answer.
fn json_rows<T: 'static>(
    rows: impl Stream<Item = Result<T, StoreError>> + 'static,
    write: fn(&mut Vec<u8>, &T),
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let mut first = true;
    rows.ready_chunks(ROWS_PER_CHUNK).map(move |chunk| {
        let mut out = Vec::with_capacity(chunk.len() * 64);
        for row in chunk {
            match row {
                Ok(row) => {
                    if !std::mem::take(&mut first) {
                        out.push(b',');
                    }
                    write(&mut out, &row);
                }
                Err(e) => {
                    tracing::error!(error = %e, "process answer interrupted");
                    return Err(std::io::Error::other("process answer interrupted"));
                }
            }
        }
        Ok(Bytes::from(out))
    })
}

/// A JSON string (barcodes are printable text; escaped all the same).
fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `{"customer_id":…,"order_id":…,"barcodes":["…",…]}`
fn write_order(out: &mut Vec<u8>, order: &OrderRecord) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b"{\"customer_id\":");
    out.extend_from_slice(n.format(order.customer_id).as_bytes());
    out.extend_from_slice(b",\"order_id\":");
    out.extend_from_slice(n.format(order.order_id).as_bytes());
    out.extend_from_slice(b",\"barcodes\":[");
    for (i, b) in order.barcodes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, b);
    }
    out.extend_from_slice(b"]}");
}

/// `{"barcode":"…","order_id":null,"line":…}`
fn write_unused(out: &mut Vec<u8>, unused: &UnusedBarcode) {
    out.extend_from_slice(b"{\"barcode\":");
    write_str(out, &unused.barcode);
    out.extend_from_slice(b",\"order_id\":null,\"line\":");
    out.extend_from_slice(itoa::Buffer::new().format(unused.line).as_bytes());
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IntoApi;

    #[test]
    fn rows_are_the_json_of_the_api_types() {
        let order = OrderRecord {
            customer_id: 101,
            order_id: 1,
            barcodes: vec!["1001".into(), "a\"b".into()],
        };
        let mut out = Vec::new();
        write_order(&mut out, &order);
        let api: crate::model::CustomerOrder = serde_json::from_slice(&out).unwrap();
        assert_eq!(api, order.clone().into_api());
        let unused = UnusedBarcode {
            position: 1,
            barcode: "0042".into(),
            line: 7,
        };
        let mut out = Vec::new();
        write_unused(&mut out, &unused);
        let api: crate::model::UnusedBarcodeItem = serde_json::from_slice(&out).unwrap();
        assert_eq!(api, unused.into_api());
    }
}
