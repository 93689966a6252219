//! The seed's endpoints, same paths, parameters and envelope, answering for the current
//! batch (the last completed one).

use crate::error::ApiError;
use crate::model::{
    all_into_api, envelope_bytes, CustomerOrder, CustomerOrdersResponse, ErrorBody,
    TopCustomersResponse, UnusedBarcodesResponse,
};
use crate::params::{self, LimitQuery, PageQuery};
use crate::routes::{batches, current};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use tiqets_store::queries;

/// The top customers of the current batch: most tickets first, ties by smaller customer_id.
#[utoipa::path(
    get,
    path = "/api/customers/top",
    tag = "current batch",
    params(LimitQuery),
    responses(
        (status = 200, description = "The top customers", body = TopCustomersResponse,
            example = json!({"status": "success", "data": [{"customer_id": 10, "ticket_count": 7}, {"customer_id": 3, "ticket_count": 5}]})),
        (status = 400, description = "`limit` is not a whole number from 1 to 100", body = ErrorBody),
        (status = 404, description = "No batch has completed yet", body = ErrorBody),
    )
)]
pub async fn top_customers(
    state: web::Data<AppState>,
    query: web::Query<LimitQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let batch = current(&state).await?;
    batches::top_answer(&state, &batch, limit).await
}

/// The unused barcodes of the current batch, a page at a time, in `barcodes.csv` order.
#[utoipa::path(
    get,
    path = "/api/barcodes/unused",
    tag = "current batch",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of unused barcodes", body = UnusedBarcodesResponse,
            example = json!({"status": "success", "data": {"count": 2, "barcodes": [{"barcode": "000123", "order_id": null, "line": 9}, {"barcode": "77", "order_id": null, "line": 12}], "page": 1, "per_page": 100, "total": 2}})),
        (status = 400, description = "`page` or `per_page` out of range", body = ErrorBody),
        (status = 404, description = "No batch has completed yet", body = ErrorBody),
    )
)]
pub async fn unused_barcodes(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let batch = current(&state).await?;
    batches::unused_answer(&state, &batch, page).await
}

/// A customer's orders in the current batch, by order_id, each with its barcodes in
/// `barcodes.csv` line order (at most 10,000; page through
/// `/api/batches/latest/orders?customer_id=` for more).
#[utoipa::path(
    get,
    path = "/api/orders/{customer_id}",
    tag = "current batch",
    params(("customer_id" = u64, Path, minimum = 1, maximum = 9223372036854775807_u64, description = "The customer")),
    responses(
        (status = 200, description = "The customer's orders", body = CustomerOrdersResponse,
            example = json!({"status": "success", "data": [{"customer_id": 10, "order_id": 1, "barcodes": ["000111", "222"]}]})),
        (status = 400, description = "`customer_id` is not an id", body = ErrorBody),
        (status = 404, description = "The customer has no orders in the current batch, or no batch has completed yet", body = ErrorBody),
    )
)]
pub async fn customer_orders(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = params::id("customer_id", &path)?;
    let batch = current(&state).await?;
    let compute = async {
        let orders: Vec<CustomerOrder> =
            all_into_api(queries::customer_orders(&state.pool, &batch.id, customer_id).await?);
        if orders.is_empty() {
            // An error: not remembered, asked again next time.
            return Err(ApiError::NotFound(format!(
                "customer {customer_id} has no orders in the current batch ({})",
                batch.id
            )));
        }
        envelope_bytes(orders)
    };
    state
        .answer(&batch.id, format!("customer:{customer_id}"), compute)
        .await
}
