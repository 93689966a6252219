//! What changed between two completed batches (docs/processing-rules.md, "Changes between
//! two batches"): the nine counts, pages of changed orders, barcodes and customers, and
//! their CSV files.
//!
//! `since` defaults to the completed batch before; the persister stores those changes when
//! the batch completes, so they are read from indexes. Any other `since` (or changes not
//! stored yet) are computed when asked, by the same comparison streamed from both batches'
//! results (`tiqets_store::changes::compare`): memory stays bounded by the page asked for.

use crate::error::ApiError;
use crate::model::{
    ok, BarcodeChangeItem, BarcodeChangesResponse, ChangeSummary, Changes, ChangesPage,
    ChangesResponse, CustomerChangeItem, CustomerChangesResponse, ErrorBody, OrderChangeItem,
    OrderChangesResponse, OrderSide,
};
use crate::params::{
    BarcodeKindQuery, BatchPath, ChangesAsk, ChangesQuery, Checked, CustomerKindQuery,
    OrderKindQuery, Page, PageQuery, SinceQuery,
};
use crate::routes::completed::CompletedBatch;
use crate::routes::find_completed;
use crate::state::AppState;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use bytes::Bytes;
use futures::{stream, StreamExt};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tiqets_domain::diff::Summary;
use tiqets_store::changes::{compare, ChangeRow, Table};
use tiqets_store::queries::changes::{
    changes_page, previous_completed, stored_summary, stream_changes,
};
use tiqets_store::{split_barcodes, BatchRecord};

/// The two batches compared, and whether their changes are stored.
struct Compared {
    batch_id: String,
    since: String,
    summary: Summary,
    stored: bool,
}

/// The batch `since` names (completed, not `batch` itself), or the completed batch before
/// `batch` (409 when there is none); and the counts, stored or computed.
async fn compared(
    state: &AppState,
    batch: &BatchRecord,
    since: Option<&tiqets_contract::BatchId>,
) -> Result<Compared, ApiError> {
    let since = match since {
        Some(id) => {
            let other = find_completed(state, id.as_str()).await?;
            if other.id == batch.id {
                return Err(ApiError::bad_request(format!(
                    "`since` must name another batch than {}",
                    batch.id
                )));
            }
            other.id
        }
        None => previous_completed(&state.pool, &batch.id)
            .await?
            .ok_or_else(|| {
                ApiError::NoPreviousBatch(format!(
                    "batch {} is the first completed batch: there is no earlier one to compare \
                     it with (name one with ?since=)",
                    batch.id
                ))
            })?,
    };
    let stored = stored_summary(&state.pool, &batch.id, &since).await?;
    let (summary, stored) = match stored {
        Some(s) => (s, true),
        None => {
            let all = [Table::Orders, Table::Barcodes, Table::Customers];
            (
                compare(&state.pool, &since, &batch.id, &all, |_| {}).await?,
                false,
            )
        }
    };
    state.confirm(&batch.id).await?;
    state.confirm(&since).await?;
    Ok(Compared {
        batch_id: batch.id.clone(),
        since,
        summary,
        stored,
    })
}

fn summary_of(s: &Summary) -> ChangeSummary {
    ChangeSummary {
        orders_added: s.orders_added,
        orders_removed: s.orders_removed,
        orders_changed: s.orders_changed,
        barcodes_sold: s.barcodes_sold,
        barcodes_unsold: s.barcodes_unsold,
        barcodes_moved: s.barcodes_moved,
        barcodes_added: s.barcodes_added,
        barcodes_removed: s.barcodes_removed,
        customers_changed: s.customers_changed,
    }
}

/// The count of `kind` (all of `table`'s kinds when None).
fn total(s: &Summary, table: Table, kind: Option<&str>) -> u64 {
    match kind {
        Some(k) => s.count(k),
        None => kinds(table).iter().map(|k| s.count(k)).sum(),
    }
}

/// The kinds of `table`.
fn kinds(table: Table) -> &'static [&'static str] {
    let all = &tiqets_store::queries::changes::KINDS;
    match table {
        Table::Orders => &all[0..3],
        Table::Barcodes => &all[3..8],
        Table::Customers => &all[8..9],
    }
}

fn check_kind(table: Table, kind: Option<&'static str>) -> Result<Option<&'static str>, ApiError> {
    match kind {
        Some(k) if !kinds(table).contains(&k) => Err(ApiError::bad_request(format!(
            "`kind` must be one of {} here, not {k:?}",
            kinds(table).join(", ")
        ))),
        other => Ok(other),
    }
}

/// The changes of a comparison that is not stored, a page of them: every change is
/// streamed past, and only the page is kept (customers: the first `offset + limit` by
/// |delta|, in a heap).
async fn computed_page(
    state: &AppState,
    c: &Compared,
    table: Table,
    kind: Option<&str>,
    page: Page,
) -> Result<Vec<ChangeRow>, ApiError> {
    let (offset, limit) = (page.offset(), u64::from(page.limit()));
    let mut seen = 0u64;
    let mut kept = Vec::new();
    let mut heap = BinaryHeap::new();
    compare(&state.pool, &c.since, &c.batch_id, &[table], |row| {
        if kind.is_some_and(|k| k != row.kind()) {
            return;
        }
        if let ChangeRow::Customer {
            customer_id,
            before,
            after,
        } = row
        {
            // Largest |delta| first, then by id: the heap's top is the last of those kept.
            heap.push((Reverse(before.abs_diff(after)), customer_id, before, after));
            if heap.len() as u64 > offset + limit {
                heap.pop();
            }
            return;
        }
        if (offset..offset + limit).contains(&seen) {
            kept.push(row);
        }
        seen += 1;
    })
    .await?;
    if table == Table::Customers {
        let mut all = heap.into_sorted_vec();
        let from = (offset as usize).min(all.len());
        kept = all
            .drain(from..)
            .map(|(_, customer_id, before, after)| ChangeRow::Customer {
                customer_id,
                before,
                after,
            })
            .collect();
    }
    Ok(kept)
}

fn side(s: Option<tiqets_store::changes::Side>) -> Option<OrderSide> {
    s.map(|s| OrderSide {
        customer_id: s.customer_id,
        barcodes: split_barcodes(&s.barcodes),
    })
}

fn order_item(row: ChangeRow) -> Option<OrderChangeItem> {
    match row {
        ChangeRow::Order {
            kind,
            order_id,
            old,
            new,
        } => Some(OrderChangeItem {
            kind: kind.into(),
            order_id,
            old: side(old),
            new: side(new),
        }),
        _ => None,
    }
}

/// A barcode's state on each side, from its kind.
fn states(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "barcodes_sold" => ("unused", "sold"),
        "barcodes_unsold" => ("sold", "unused"),
        "barcodes_moved" => ("sold", "sold"),
        "barcodes_added" => ("absent", "unused"),
        _ => ("unused", "absent"),
    }
}

fn barcode_item(row: ChangeRow) -> Option<BarcodeChangeItem> {
    match row {
        ChangeRow::Barcode {
            kind,
            barcode,
            old_order_id,
            new_order_id,
        } => {
            let (mut old_state, mut new_state) = states(kind);
            if old_order_id.is_some() {
                old_state = "sold";
            }
            if new_order_id.is_some() {
                new_state = "sold";
            }
            Some(BarcodeChangeItem {
                kind: kind.into(),
                barcode,
                old_state: old_state.into(),
                old_order_id,
                new_state: new_state.into(),
                new_order_id,
            })
        }
        _ => None,
    }
}

fn customer_item(row: ChangeRow) -> Option<CustomerChangeItem> {
    match row {
        ChangeRow::Customer {
            customer_id,
            before,
            after,
        } => Some(CustomerChangeItem {
            customer_id,
            before,
            after,
            delta: after as i64 - before as i64,
        }),
        _ => None,
    }
}

/// A page of `table`'s changes, as the API answers it.
async fn page_answer<T: serde::Serialize>(
    state: &AppState,
    batch: &BatchRecord,
    ask: ChangesAsk,
    page: Page,
    table: Table,
    item: fn(ChangeRow) -> Option<T>,
) -> Result<HttpResponse, ApiError> {
    let kind = check_kind(table, ask.kind)?;
    let c = compared(state, batch, ask.since.as_ref()).await?;
    let total = total(&c.summary, table, kind);
    let rows = if page.offset() >= total {
        Vec::new()
    } else if c.stored {
        let (offset, limit) = (page.offset(), page.limit());
        changes_page(
            &state.pool,
            table,
            &c.batch_id,
            &c.since,
            kind,
            offset,
            limit,
        )
        .await?
    } else {
        computed_page(state, &c, table, kind, page).await?
    };
    state.confirm(&c.batch_id).await?;
    Ok(ok(ChangesPage {
        batch_id: c.batch_id,
        since: c.since,
        kind: kind.map(Into::into),
        items: rows.into_iter().filter_map(item).collect::<Vec<T>>(),
        page: page.page,
        per_page: page.per_page,
        total,
    }))
}

/// The nine counts of what changed from `since` (default: the completed batch before) to
/// this completed batch.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/changes",
    tag = "changes",
    params(BatchPath, SinceQuery),
    responses(
        (status = 200, description = "The counts", body = ChangesResponse),
        (status = 400, description = "`since` is not a batch id", body = ErrorBody),
    )
)]
pub async fn summary(
    state: web::Data<AppState>,
    Checked(ask): Checked<ChangesQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let c = compared(&state, &batch, ask.since.as_ref()).await?;
    Ok(ok(Changes {
        batch_id: c.batch_id,
        since: c.since,
        summary: summary_of(&c.summary),
    }))
}

/// Changed orders, by order id, a page at a time (of one kind, or all).
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/changes/orders",
    tag = "changes",
    params(BatchPath, SinceQuery, OrderKindQuery, PageQuery),
    responses(
        (status = 200, description = "A page of changed orders", body = OrderChangesResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = ErrorBody),
    )
)]
pub async fn orders(
    state: web::Data<AppState>,
    Checked(ask): Checked<ChangesQuery>,
    Checked(page): Checked<PageQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    page_answer(&state, &batch, ask, page, Table::Orders, order_item).await
}

/// Changed barcodes, by barcode (byte order), a page at a time (of one kind, or all).
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/changes/barcodes",
    tag = "changes",
    params(BatchPath, SinceQuery, BarcodeKindQuery, PageQuery),
    responses(
        (status = 200, description = "A page of changed barcodes", body = BarcodeChangesResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = ErrorBody),
    )
)]
pub async fn barcodes(
    state: web::Data<AppState>,
    Checked(ask): Checked<ChangesQuery>,
    Checked(page): Checked<PageQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    page_answer(&state, &batch, ask, page, Table::Barcodes, barcode_item).await
}

/// Customers whose ticket count changed, largest |delta| first, then by customer id.
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/changes/customers",
    tag = "changes",
    params(BatchPath, SinceQuery, CustomerKindQuery, PageQuery),
    responses(
        (status = 200, description = "A page of changed customers", body = CustomerChangesResponse),
        (status = 400, description = "A parameter is out of range or unknown", body = ErrorBody),
    )
)]
pub async fn customers(
    state: web::Data<AppState>,
    Checked(ask): Checked<ChangesQuery>,
    Checked(page): Checked<PageQuery>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    page_answer(&state, &batch, ask, page, Table::Customers, customer_item).await
}

/// The header of each change file, as `tiqets diff --output` writes them.
fn csv_header(table: Table) -> &'static str {
    match table {
        Table::Orders => tiqets_domain::diff::csv::ORDERS_HEADER,
        Table::Barcodes => tiqets_domain::diff::csv::BARCODES_HEADER,
        Table::Customers => tiqets_domain::diff::csv::CUSTOMERS_HEADER,
    }
}

fn csv_side(s: &Option<tiqets_store::changes::Side>) -> Option<(u64, &str)> {
    s.as_ref().map(|s| (s.customer_id, s.barcodes.as_str()))
}

fn csv_line(out: &mut Vec<u8>, row: &ChangeRow) {
    use tiqets_domain::diff::csv;
    match row {
        ChangeRow::Order {
            kind,
            order_id,
            old,
            new,
        } => {
            csv::order_line(out, kind, *order_id, csv_side(old), csv_side(new));
        }
        ChangeRow::Barcode {
            kind,
            barcode,
            old_order_id,
            new_order_id,
        } => csv::barcode_line(out, kind, barcode, *old_order_id, *new_order_id),
        ChangeRow::Customer {
            customer_id,
            before,
            after,
        } => csv::customer_line(out, *customer_id, *before, *after),
    }
}

/// One table's changes as CSV, streamed (stored changes from the server; others as the
/// comparison produces them).
async fn csv_download(
    state: &AppState,
    batch: &BatchRecord,
    ask: ChangesAsk,
    table: Table,
    name: &'static str,
) -> Result<HttpResponse, ApiError> {
    let kind = check_kind(table, ask.kind)?;
    let c = compared(state, batch, ask.since.as_ref()).await?;
    let header = stream::once(async move {
        Ok::<_, std::io::Error>(Bytes::from_static(csv_header(table).as_bytes()))
    });
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name.to_string())],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if c.stored {
        let client = state.hold(&c.batch_id).await?;
        let rows = stream_changes(&client, table, &c.batch_id, &c.since, kind).await?;
        let body = rows.ready_chunks(1024).map(move |chunk| {
            let _connection = &client;
            let mut out = Vec::with_capacity(chunk.len() * 48);
            for row in chunk {
                match row {
                    Ok(row) => csv_line(&mut out, &row),
                    Err(e) => {
                        tracing::error!(error = %e, "download interrupted");
                        return Err(std::io::Error::other("download interrupted"));
                    }
                }
            }
            Ok(Bytes::from(out))
        });
        return Ok(response.streaming(header.chain(body)));
    }
    // Not stored: computed whole into the body (customers sorted by |delta| need all).
    let mut rows = Vec::new();
    compare(&state.pool, &c.since, &c.batch_id, &[table], |row| {
        if kind.is_none_or(|k| k == row.kind()) {
            rows.push(row)
        }
    })
    .await?;
    if table == Table::Customers {
        rows.sort_by_key(|r| match r {
            ChangeRow::Customer {
                customer_id,
                before,
                after,
            } => (Reverse(before.abs_diff(*after)), *customer_id),
            _ => (Reverse(0), 0),
        });
    }
    let mut out = Vec::new();
    rows.iter().for_each(|r| csv_line(&mut out, r));
    Ok(response.streaming(header.chain(stream::once(async move { Ok(Bytes::from(out)) }))))
}

macro_rules! download {
    ($name:ident, $path:literal, $table:expr, $kinds:ty, $file:literal, $what:literal) => {
        #[doc = concat!("Downloads ", $what, " as CSV (`", $file, "`, as `tiqets diff --output` writes it).")]
        #[utoipa::path(
            get,
            path = $path,
            tag = "downloads",
            params(BatchPath, SinceQuery, $kinds),
            responses(
                (status = 200, description = "The changes, streamed", content_type = "text/csv", body = String),
                (status = 400, description = "A parameter is out of range or unknown", body = ErrorBody),
            )
        )]
        pub async fn $name(
            state: web::Data<AppState>,
            Checked(ask): Checked<ChangesQuery>,
            CompletedBatch(batch): CompletedBatch,
        ) -> Result<HttpResponse, ApiError> {
            csv_download(&state, &batch, ask, $table, $file).await
        }
    };
}

download!(
    orders_csv,
    "/api/batches/{batch_id}/changes/orders.csv",
    Table::Orders,
    OrderKindQuery,
    "changes_orders.csv",
    "the changed orders"
);
download!(
    barcodes_csv,
    "/api/batches/{batch_id}/changes/barcodes.csv",
    Table::Barcodes,
    BarcodeKindQuery,
    "changes_barcodes.csv",
    "the changed barcodes"
);
download!(
    customers_csv,
    "/api/batches/{batch_id}/changes/customers.csv",
    Table::Customers,
    CustomerKindQuery,
    "changes_customers.csv",
    "the changed customers"
);
