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
use tiqets_domain::{csv_field, ISSUES_HEADER, PROCESSED_HEADER};
use tiqets_store::{queries, IssueRecord, OrderRecord, StoreError};

/// Rows gathered into one body chunk, at most.
const ROWS_PER_CHUNK: usize = 1024;

/// Appends one line of `processed_orders.csv`: `customer_id,order_id,[b1, b2]`, the list
/// quoted when it holds a comma (as `tiqets_domain::format_row` writes it).
pub fn format_order(out: &mut Vec<u8>, order: &OrderRecord) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(n.format(order.customer_id).as_bytes());
    out.push(b',');
    out.extend_from_slice(n.format(order.order_id).as_bytes());
    out.push(b',');
    let quoted = order.barcodes.len() > 1;
    if quoted {
        out.push(b'"');
    }
    out.push(b'[');
    for (i, b) in order.barcodes.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(b.as_bytes());
    }
    out.push(b']');
    if quoted {
        out.push(b'"');
    }
    out.push(b'\n');
}

/// Appends one line of `issues.csv` (as `tiqets_domain::format_issue` writes it).
pub fn format_issue(out: &mut Vec<u8>, issue: &IssueRecord) {
    out.extend_from_slice(issue.file.as_bytes());
    out.push(b',');
    out.extend_from_slice(itoa::Buffer::new().format(issue.line).as_bytes());
    out.push(b',');
    out.extend_from_slice(issue.code.as_bytes());
    out.push(b',');
    csv_field(out, &issue.message);
    out.push(b'\n');
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
            body = String, example = "customer_id,order_id,barcodes\n10,1,\"[000111, 222]\"\n10,2,[333]\n"),
        (status = 400, description = "Not a batch id", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
        (status = 409, description = "The batch is not completed (running or failed)", body = ErrorBody),
    )
)]
pub async fn processed_orders(
    state: web::Data<AppState>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let client = state.pool.get().await.map_err(StoreError::from)?;
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
            body = String, example = "file,line,code,message\nbarcodes,7,duplicate_barcode,barcode 111 was already seen on line 3\n"),
        (status = 400, description = "Not a batch id", body = ErrorBody),
        (status = 404, description = "No such batch", body = ErrorBody),
        (status = 409, description = "The batch is not completed (running or failed)", body = ErrorBody),
    )
)]
pub async fn issues(
    state: web::Data<AppState>,
    CompletedBatch(batch): CompletedBatch,
) -> Result<HttpResponse, ApiError> {
    let client = state.pool.get().await.map_err(StoreError::from)?;
    let rows = queries::stream_issues(&client, &batch.id).await?;
    let body = csv_body(ISSUES_HEADER, rows, format_issue, client);
    Ok(csv_response("issues.csv").streaming(body))
}
