//! Batches: the list, one batch, and a completed batch's results (orders, issues, top
//! customers, unused barcodes). A path's `{batch_id}` may be `latest`: the current batch.

use crate::error::ApiError;
use crate::model::{
    all_into_api, envelope_bytes, ok, Batch, BatchResponse, BatchesPage, BatchesPageResponse,
    ErrorBody, IntoApi, IssuesPage, IssuesPageResponse, OrdersPage, OrdersPageResponse,
    TopCustomer, TopCustomersResponse, UnusedBarcodesPage, UnusedBarcodesResponse,
};
use crate::params::{
    BatchPath, BatchRef, Checked, CustomerFilter, FileParam, IssueFilter, LimitQuery, Page,
    PageQuery,
};
use crate::routes::completed::CompletedBatch;
use crate::routes::find;
use crate::routes::page_of;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use tiqets_store::{queries, BatchRecord, Pool};

/// The top `limit` customers of a batch.
pub async fn top_of(pool: &Pool, batch_id: &str, limit: u32) -> Result<Vec<TopCustomer>, ApiError> {
    Ok(all_into_api(
        queries::top_customers(pool, batch_id, limit).await?,
    ))
}

/// A page of a completed batch's unused barcodes.
pub async fn unused_of(
    pool: &Pool,
    batch: &BatchRecord,
    page: Page,
) -> Result<UnusedBarcodesPage, ApiError> {
    let total = batch.counts.as_ref().map_or(0, |c| c.unused_barcodes);
    let barcodes = page_of(page, total, |offset, limit| {
        queries::unused_barcodes_page(pool, &batch.id, offset, limit)
    })
    .await?;
    Ok(UnusedBarcodesPage {
        count: total,
        barcodes,
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// The top customers of a completed batch, as a (cached) answer.
pub async fn top_answer(
    state: &AppState,
    batch: &BatchRecord,
    limit: u32,
) -> Result<HttpResponse, ApiError> {
    let compute = async { envelope_bytes(top_of(&state.pool, &batch.id, limit).await?) };
    state
        .answer(&batch.id, format!("top:{limit}"), compute)
        .await
}

/// A page of a completed batch's unused barcodes, as a (cached) answer.
pub async fn unused_answer(
    state: &AppState,
    batch: &BatchRecord,
    page: Page,
) -> Result<HttpResponse, ApiError> {
    let compute = async { envelope_bytes(unused_of(&state.pool, batch, page).await?) };
    let key = format!("unused:{}:{}", page.page, page.per_page);
    state.answer(&batch.id, key, compute).await
}

/// Batches, newest first (waiting files, running, completed and failed batches alike).
#[utoipa::path(
    get,
    path = "/api/batches",
    tag = "batches",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of batches", body = BatchesPageResponse),
        (status = 400, description = "`page` or `per_page` out of range", body = ErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    Checked(page): Checked<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let total = queries::count_batches(&state.pool).await?;
    let batches = page_of::<_, Batch, _>(page, total, |offset, limit| {
        queries::list_batches(&state.pool, offset, limit)
    })
    .await?;
    Ok(ok(BatchesPage {
        batches,
        page: page.page,
        per_page: page.per_page,
        total,
    }))
}

/// One batch: status, timestamps, input files, counts, progress; `latest` is the current
/// batch.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}",
    tag = "batches",
    params(BatchPath),
    responses(
        (status = 200, description = "The batch", body = BatchResponse),
        (status = 400, description = "Not a batch id", body = ErrorBody),
        (status = 404, description = "No such batch (or, for `latest`, none completed yet)", body = ErrorBody),
    )
)]
pub async fn one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let batch = find(&state, &BatchRef::parse(&path)?).await?;
    Ok(ok(IntoApi::<Batch>::into_api(batch)))
}

/// A completed batch's output rows (sorted by customer_id, then order_id), a page at a
/// time, optionally of one customer.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/orders",
    tag = "batches",
    params(BatchPath, PageQuery, CustomerFilter),
    responses(
        (status = 200, description = "A page of output rows", body = OrdersPageResponse),
        (status = 400, description = "A parameter is out of range", body = ErrorBody),
    )
)]
pub async fn orders(
    state: web::Data<AppState>,
    Checked(page): Checked<PageQuery>,
    Checked(customer): Checked<CustomerFilter>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let compute = async {
        let total = match customer {
            Some(c) => queries::count_customer_orders(&state.pool, &batch.id, c).await?,
            None => batch.counts.as_ref().map_or(0, |c| c.orders_written),
        };
        let orders = page_of(page, total, |offset, limit| {
            queries::orders_at(&state.pool, &batch.id, customer, offset, limit)
        })
        .await?;
        envelope_bytes(OrdersPage {
            orders,
            page: page.page,
            per_page: page.per_page,
            total,
        })
    };
    let key = format!("orders:{customer:?}:{}:{}", page.page, page.per_page);
    state.answer(&batch.id, key, compute).await
}

/// A completed batch's validation report in report order (orders before barcodes, then
/// by line), a page at a time, optionally of one code and/or one file.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/issues",
    tag = "batches",
    params(BatchPath, PageQuery, IssueFilter),
    responses(
        (status = 200, description = "A page of issues", body = IssuesPageResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = ErrorBody),
    )
)]
pub async fn issues(
    state: web::Data<AppState>,
    Checked(page): Checked<PageQuery>,
    Checked((code, file)): Checked<IssueFilter>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let code = code.map(|c| c.as_str());
    let file = file.map(|f| match f {
        FileParam::Orders => "orders",
        FileParam::Barcodes => "barcodes",
    });
    let compute = async {
        let counts = batch.counts.clone().unwrap_or_default();
        // The counts hold every issue; the pages list the itemised ones.
        let not_itemised: Vec<_> = counts
            .issues_not_itemised
            .iter()
            .filter(|n| code.is_none_or(|c| n.code.as_str() == c))
            .filter(|n| file.is_none_or(|f| n.file.as_str() == f))
            .copied()
            .collect();
        let left_out: u64 = not_itemised.iter().map(|n| n.count).sum();
        let total = match (code, file) {
            (None, None) => counts.issues.saturating_sub(left_out),
            (Some(c), None) => {
                let n = counts.issues_by_code.iter().find(|(k, _)| k.as_str() == c);
                n.map_or(0, |(_, n)| *n).saturating_sub(left_out)
            }
            _ => queries::count_issues(&state.pool, &batch.id, code, file).await?,
        };
        let issues = page_of(page, total, |offset, limit| {
            queries::issues_at(&state.pool, &batch.id, code, file, offset, limit)
        })
        .await?;
        envelope_bytes(IssuesPage {
            issues,
            page: page.page,
            per_page: page.per_page,
            total,
            not_itemised: not_itemised.into_iter().map(IntoApi::into_api).collect(),
        })
    };
    let key = format!("issues:{code:?}:{file:?}:{}:{}", page.page, page.per_page);
    state.answer(&batch.id, key, compute).await
}

/// A completed batch's top customers.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/customers/top",
    tag = "batches",
    params(BatchPath, LimitQuery),
    responses(
        (status = 200, description = "The top customers", body = TopCustomersResponse),
        (status = 400, description = "`limit` is not a whole number from 1 to 100", body = ErrorBody),
    )
)]
pub async fn top_customers(
    state: web::Data<AppState>,
    Checked(limit): Checked<LimitQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    top_answer(&state, &batch, limit).await
}

/// A completed batch's unused barcodes, a page at a time, in `barcodes.csv` order.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/barcodes/unused",
    tag = "batches",
    params(BatchPath, PageQuery),
    responses(
        (status = 200, description = "A page of unused barcodes", body = UnusedBarcodesResponse),
        (status = 400, description = "`page` or `per_page` out of range", body = ErrorBody),
    )
)]
pub async fn unused_barcodes(
    state: web::Data<AppState>,
    Checked(page): Checked<PageQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    unused_answer(&state, &batch, page).await
}
