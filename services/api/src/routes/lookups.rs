//! Lookups by key: a barcode in a batch, a barcode's history over every completed batch,
//! and one order of a batch. Each is a few index probes (docs/data-model.md), remembered
//! like the other answers about completed batches (`crate::cache::Answers`).

/// The cache key prefix of a barcode's history (forgotten whenever a batch is deleted).
pub const HISTORY: &str = "history:";

use crate::error::ApiError;
use crate::model::{
    envelope_bytes, BarcodeHistory, BarcodeHistoryItem, BarcodeHistoryResponse, BarcodeLookup,
    BarcodeLookupResponse, ErrorBody, OrderLookup, OrderLookupResponse,
};
use crate::params::BatchRef;
use crate::params::{barcode, id, BatchPath, BatchQuery, Checked};
use crate::routes::completed::CompletedBatch;
use crate::routes::find_completed;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use time::format_description::well_known::Rfc3339;
use tiqets_store::queries::lookups;

/// The `{barcode}` path parameter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // only its schema is used
pub struct BarcodePath {
    /// 1-64 ASCII letters and digits.
    #[param(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9]{1,64}$",
        example = "11111111111"
    )]
    barcode: String,
}

/// The `{order_id}` path parameter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // only its schema is used
pub struct OrderPath {
    /// An order id, 1 to 9223372036854775807.
    #[param(minimum = 1, maximum = 9223372036854775807_u64)]
    order_id: u64,
}

/// A barcode in one completed batch (default: the current one): sold, with its order and
/// customer, or unused. 404 when the batch has it neither sold nor unused.
#[utoipa::path(
    get,
    path = "/api/barcodes/{barcode}",
    tag = "lookups",
    params(BarcodePath, BatchQuery),
    responses(
        (status = 200, description = "The barcode's state", body = BarcodeLookupResponse),
        (status = 400, description = "Not a barcode, or not a batch id", body = ErrorBody),
    )
)]
pub async fn barcode_in_batch(
    state: web::Data<AppState>,
    Checked(batch): Checked<BatchQuery>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = barcode(&path)?;
    let batch = match batch {
        BatchRef::Latest => find_completed(&state, "latest").await?,
        BatchRef::Id(id) => find_completed(&state, id.as_str()).await?,
    };
    let compute = async {
        let found = lookups::barcode(&state.pool, &batch.id, code).await?;
        let found = found.ok_or_else(|| {
            // An error: not remembered, asked again next time.
            ApiError::NotFound(format!(
                "barcode {code} is neither sold nor unused in batch {}",
                batch.id
            ))
        })?;
        envelope_bytes(BarcodeLookup {
            barcode: code.to_owned(),
            batch_id: batch.id.clone(),
            state: found.state.into(),
            order_id: found.order_id,
            customer_id: found.customer_id,
        })
    };
    state
        .answer(&batch.id, format!("barcode:{code}"), compute)
        .await
}

/// A barcode's state in every completed batch, oldest first (the newest 1,000 batches).
/// 404 when it is in none of them.
#[utoipa::path(
    get,
    path = "/api/barcodes/{barcode}/history",
    tag = "lookups",
    params(BarcodePath),
    responses(
        (status = 200, description = "The barcode's history", body = BarcodeHistoryResponse),
        (status = 400, description = "Not a barcode", body = ErrorBody),
    )
)]
pub async fn barcode_history(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = barcode(&path)?;
    // Remembered with the current batch: a batch completing makes another one current, and
    // a deletion forgets every history (`Answers::forget`).
    let current = crate::routes::current(&state).await?;
    let compute = async {
        let history = lookups::barcode_history(&state.pool, code).await?;
        if history.iter().all(|h| h.barcode.state == "absent") {
            return Err(ApiError::NotFound(format!(
                "barcode {code} is in no completed batch"
            )));
        }
        let batches = history
            .into_iter()
            .map(|h| BarcodeHistoryItem {
                batch_id: h.batch_id,
                name: h.name,
                completed_at: h.completed_at.and_then(|t| t.format(&Rfc3339).ok()),
                state: h.barcode.state.into(),
                order_id: h.barcode.order_id,
                customer_id: h.barcode.customer_id,
            })
            .collect();
        envelope_bytes(BarcodeHistory {
            barcode: code.to_owned(),
            batches,
        })
    };
    state
        .answer(&current.id, format!("{HISTORY}{code}"), compute)
        .await
}

/// One output order of a completed batch, with its barcodes. 404 when the batch's output
/// has no such order.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/orders/{order_id}",
    tag = "lookups",
    params(BatchPath, OrderPath),
    responses(
        (status = 200, description = "The order", body = OrderLookupResponse),
        (status = 400, description = "Not a batch id, or not an order id", body = ErrorBody),
    )
)]
pub async fn order(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let raw = req.match_info().get("order_id").unwrap_or_default();
    let order_id = id("order_id", raw)?;
    let compute = async {
        let found = lookups::order(&state.pool, &batch.id, order_id).await?;
        let found = found.ok_or_else(|| {
            ApiError::NotFound(format!(
                "order {order_id} is not in batch {}'s output",
                batch.id
            ))
        })?;
        envelope_bytes(OrderLookup {
            batch_id: batch.id.clone(),
            customer_id: found.customer_id,
            order_id: found.order_id,
            barcodes: found.barcodes,
        })
    };
    state
        .answer(&batch.id, format!("order:{order_id}"), compute)
        .await
}
