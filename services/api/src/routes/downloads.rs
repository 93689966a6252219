//! A completed batch's `processed_orders.csv` and `issues.csv`, streamed from PostgreSQL as
//! the rows arrive (a server-side row stream, about 64 KiB per body chunk): memory stays
//! flat whatever the batch size. The bytes are exactly what `tiqets process` writes.

use crate::error::ApiError;
use crate::model::ErrorBody;
use crate::params::BatchPath;
use crate::routes::completed::CompletedBatch;
use crate::state::AppState;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use bytes::Bytes;
use futures::{stream, Stream, StreamExt};
use std::cell::RefCell;
use std::rc::Rc;
use tiqets_domain::output::{issues, processed, ISSUES_HEADER, PROCESSED_HEADER};
use tiqets_domain::{FileKind, NotItemised};
use tiqets_store::{queries, IssueRecord, OrderRecord, StoreError};

/// Rows gathered into one body chunk, at most.
const ROWS_PER_CHUNK: usize = 1024;

/// Appends one line of `processed_orders.csv`.
pub fn format_order(out: &mut Vec<u8>, order: &OrderRecord) {
    let (customer_id, order_id) = (order.customer_id, order.order_id);
    processed::format_order(out, customer_id, order_id, order.barcodes.iter());
}

/// Appends one line of `issues.csv`.
pub fn format_issue(out: &mut Vec<u8>, issue: &IssueRecord) {
    issues::format_issue_fields(out, &issue.file, issue.line, &issue.code, &issue.message);
}

/// A `processed_orders.csv` of two orders, for the OpenAPI document.
fn processed_example() -> String {
    let mut csv = PROCESSED_HEADER.as_bytes().to_vec();
    processed::format_order(&mut csv, 10, 1, ["000111", "222"].iter());
    processed::format_order(&mut csv, 10, 2, ["333"].iter());
    String::from_utf8_lossy(&csv).into_owned()
}

/// An `issues.csv` of one issue, for the OpenAPI document.
fn issues_example() -> String {
    let mut csv = ISSUES_HEADER.as_bytes().to_vec();
    let message = "barcode 111 was already seen on line 3";
    issues::format_issue_fields(&mut csv, "barcodes", 7, "duplicate_barcode", message);
    String::from_utf8_lossy(&csv).into_owned()
}

/// A CSV body: the header, then the rows formatted a chunk at a time. `keep` (the pooled
/// connection the rows come through) lives as long as the body.
fn csv_body<T: 'static, K: 'static>(
    header: &'static str,
    rows: impl Stream<Item = Result<T, StoreError>> + 'static,
    format: fn(&mut Vec<u8>, &T),
    keep: K,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let body = rows.ready_chunks(ROWS_PER_CHUNK).map(move |chunk| {
        let _connection = &keep;
        let mut out = Vec::with_capacity(chunk.len() * 48);
        for row in chunk {
            match row {
                Ok(row) => format(&mut out, &row),
                Err(e) => {
                    // The status line is gone: all that is left is to cut the body short.
                    tracing::error!(error = %e, "download interrupted");
                    return Err(std::io::Error::other("download interrupted"));
                }
            }
        }
        Ok(Bytes::from(out))
    });
    stream::once(async move { Ok(Bytes::from_static(header.as_bytes())) }).chain(body)
}

fn attachment(name: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.to_string())],
    }
}

fn csv_response(name: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(name))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

/// Downloads a completed batch's `processed_orders.csv` (`customer_id,order_id,barcodes`).
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/processed_orders.csv",
    tag = "downloads",
    params(BatchPath),
    responses(
        (status = 200, description = "The output file, streamed", content_type = "text/csv",
            body = String, example = processed_example),
        (status = 400, description = "Not a batch id", body = ErrorBody),
    )
)]
pub async fn processed_orders(
    state: web::Data<AppState>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let client = state.hold(&batch.id).await?;
    let rows = queries::stream_orders(&client, &batch.id).await?;
    let body = csv_body(PROCESSED_HEADER, rows, format_order, client);
    Ok(csv_response("processed_orders.csv").streaming(body))
}

/// Downloads a completed batch's validation report `issues.csv` (`file,line,code,message`).
#[utoipa::path(
    get,
    path = "/api/batches/{batch_id}/issues.csv",
    tag = "downloads",
    params(BatchPath),
    responses(
        (status = 200, description = "The validation report, streamed", content_type = "text/csv",
            body = String, example = issues_example),
        (status = 400, description = "Not a batch id", body = ErrorBody),
    )
)]
pub async fn issues(
    state: web::Data<AppState>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let not_itemised = batch.counts.clone().unwrap_or_default().issues_not_itemised;
    let client = state.hold(&batch.id).await?;
    let rows = queries::stream_issues(&client, &batch.id).await?;
    let rows = with_not_itemised(rows, not_itemised);
    let body = csv_body(ISSUES_HEADER, rows, format_report_line, client);
    Ok(csv_response("issues.csv").streaming(body))
}

/// A line of `issues.csv`: a stored issue, or the count of a code's issues not itemised.
enum ReportLine {
    Issue(IssueRecord),
    NotItemised(NotItemised),
}

fn format_report_line(out: &mut Vec<u8>, line: &ReportLine) {
    match line {
        ReportLine::Issue(issue) => format_issue(out, issue),
        ReportLine::NotItemised(n) => issues::format_not_itemised(out, n),
    }
}

/// The stored issues (orders', then barcodes', by line) with each file's
/// [`NotItemised`] lines after its issues, as `tiqets process` writes them
/// (`tiqets_domain::output::report_lines`).
fn with_not_itemised(
    rows: impl Stream<Item = Result<IssueRecord, StoreError>> + 'static,
    not_itemised: Vec<NotItemised>,
) -> impl Stream<Item = Result<ReportLine, StoreError>> + 'static {
    let of = |file: FileKind| -> Vec<Result<ReportLine, StoreError>> {
        let mine = not_itemised.iter().filter(|n| n.file == file);
        mine.map(|n| Ok(ReportLine::NotItemised(*n))).collect()
    };
    // The orders' lines go before the first barcodes issue, or at the end if none comes.
    let orders_after = Rc::new(RefCell::new(Some(of(FileKind::Orders))));
    let barcodes_after = of(FileKind::Barcodes);
    let pending = orders_after.clone();
    let rows = rows.flat_map(move |row| {
        let barcodes = matches!(&row, Ok(issue) if issue.file != FileKind::Orders.as_str());
        let mut lines = Vec::new();
        if barcodes {
            lines.extend(pending.borrow_mut().take().into_iter().flatten());
        }
        lines.push(row.map(ReportLine::Issue));
        stream::iter(lines)
    });
    let last = stream::once(async move {
        let orders = orders_after.borrow_mut().take().into_iter().flatten();
        stream::iter(orders.chain(barcodes_after))
    })
    .flatten();
    rows.chain(last)
}
