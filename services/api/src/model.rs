//! What the API answers, as JSON: the seed's envelope (`{"status": "success", "data": …}` or
//! `{"status": "error", "message": …}`) and the types inside it, each with its OpenAPI schema.
//!
//! Ids are JSON numbers, barcodes JSON strings (`000123` ≠ `123`), times RFC 3339 (UTC).

use actix_web::HttpResponse;
use serde::Serialize;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tiqets_bus::{BatchCounts, BatchStatus, Progress};
use tiqets_store::{BatchRecord, FileInfo, IssueRecord, OrderRecord, UnusedBarcode};
use utoipa::ToSchema;

/// `"success"`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessTag {
    Success,
}

/// `"error"`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ErrorTag {
    Error,
}

/// Every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"status": "error", "message": "`limit` must be a whole number from 1 to 100, not \"abc\""}))]
pub struct ErrorBody {
    pub status: ErrorTag,
    /// What was wrong, and what is allowed instead.
    pub message: String,
}

impl ErrorBody {
    pub fn new(message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            status: ErrorTag::Error,
            message: message.into(),
        }
    }
}

/// A successful answer around `data`.
#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    pub status: SuccessTag,
    pub data: T,
}

/// `200 OK` with `data` in the envelope.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope {
        status: SuccessTag::Success,
        data,
    })
}

/// The envelope around `data`, as JSON bytes (for answers that are cached).
pub fn envelope_bytes<T: Serialize>(data: T) -> Result<bytes::Bytes, crate::ApiError> {
    serde_json::to_vec(&Envelope {
        status: SuccessTag::Success,
        data,
    })
    .map(Into::into)
    .map_err(|e| crate::ApiError::Internal(format!("encoding an answer: {e}")))
}

/// `200 OK` with a JSON body made by [`envelope_bytes`].
pub fn ok_bytes(body: bytes::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// Declares the documented form of an envelope holding `$data` (what [`ok`] serializes).
macro_rules! envelope {
    ($(#[$meta:meta])* $name:ident => $data:ty) => {
        $(#[$meta])*
        #[derive(ToSchema)]
        #[allow(dead_code)] // only its schema is used
        pub struct $name {
            status: SuccessTag,
            data: $data,
        }
    };
}

envelope!(
    /// The top customers.
    TopCustomersResponse => Vec<TopCustomer>
);
envelope!(
    /// A page of unused barcodes.
    UnusedBarcodesResponse => UnusedBarcodesPage
);
envelope!(
    /// A customer's orders.
    CustomerOrdersResponse => Vec<CustomerOrder>
);
envelope!(
    /// A page of a batch's output rows.
    OrdersPageResponse => OrdersPage
);
envelope!(
    /// A page of a batch's validation report.
    IssuesPageResponse => IssuesPage
);
envelope!(
    /// One batch.
    BatchResponse => Batch
);
envelope!(
    /// A page of batches, newest first.
    BatchesPageResponse => BatchesPage
);
envelope!(
    /// What became of an upload.
    UploadResponse => UploadOutcome
);
envelope!(
    /// The process answers.
    HealthResponse => Health
);
envelope!(
    /// PostgreSQL and NATS answer.
    ReadyResponse => Readiness
);

/// A customer and the tickets (barcodes) of their output rows (rule 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"customer_id": 10, "ticket_count": 7}))]
pub struct TopCustomer {
    pub customer_id: u64,
    pub ticket_count: u64,
}

impl From<tiqets_domain::CustomerTickets> for TopCustomer {
    fn from(c: tiqets_domain::CustomerTickets) -> TopCustomer {
        TopCustomer {
            customer_id: c.customer_id,
            ticket_count: c.tickets,
        }
    }
}

/// A barcode that was not sold (`order_id` is always null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"barcode": "000123", "order_id": null, "line": 42}))]
pub struct UnusedBarcodeItem {
    pub barcode: String,
    #[schema(value_type = Option<u64>)]
    pub order_id: Option<u64>,
    /// Where it stands in `barcodes.csv` (1-based physical line).
    pub line: u64,
}

impl From<UnusedBarcode> for UnusedBarcodeItem {
    fn from(u: UnusedBarcode) -> UnusedBarcodeItem {
        UnusedBarcodeItem {
            barcode: u.barcode,
            order_id: None,
            line: u.line,
        }
    }
}

/// A page of unused barcodes, in `barcodes.csv` order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnusedBarcodesPage {
    /// The number of unused barcodes in the batch (as in the seed API).
    pub count: u64,
    pub barcodes: Vec<UnusedBarcodeItem>,
    pub page: u64,
    pub per_page: u64,
    /// The same number as `count`: items across all pages.
    pub total: u64,
}

/// One output row: a customer's order and its barcodes in `barcodes.csv` line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"customer_id": 10, "order_id": 1, "barcodes": ["000111", "222"]}))]
pub struct CustomerOrder {
    pub customer_id: u64,
    pub order_id: u64,
    pub barcodes: Vec<String>,
}

impl From<OrderRecord> for CustomerOrder {
    fn from(o: OrderRecord) -> CustomerOrder {
        CustomerOrder {
            customer_id: o.customer_id,
            order_id: o.order_id,
            barcodes: o.barcodes,
        }
    }
}

/// A page of output rows, sorted by customer_id then order_id.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrdersPage {
    pub orders: Vec<CustomerOrder>,
    pub page: u64,
    pub per_page: u64,
    /// Rows across all pages (with the filter applied).
    pub total: u64,
}

/// Which input file an issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IssueFile {
    Orders,
    Barcodes,
}

/// One line of the validation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"seq": 1, "file": "barcodes", "line": 7, "code": "duplicate_barcode", "message": "barcode 111 was already seen on line 3"}))]
pub struct IssueItem {
    /// Rank in report order (orders before barcodes, then by line), from 1.
    pub seq: u64,
    pub file: IssueFile,
    /// 1-based physical line where the record starts.
    pub line: u64,
    /// One of the issue codes (see `code` in the issues query).
    pub code: String,
    pub message: String,
}

impl From<IssueRecord> for IssueItem {
    fn from(i: IssueRecord) -> IssueItem {
        IssueItem {
            seq: i.seq,
            file: if i.file == "orders" {
                IssueFile::Orders
            } else {
                IssueFile::Barcodes
            },
            line: i.line,
            code: i.code,
            message: i.message,
        }
    }
}

/// A page of issues, in report order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuesPage {
    pub issues: Vec<IssueItem>,
    pub page: u64,
    pub per_page: u64,
    /// Issues across all pages (with the filters applied).
    pub total: u64,
}

/// Where a batch is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    Received,
    Validating,
    Merging,
    Persisting,
    Completed,
    Failed,
}

impl From<BatchStatus> for Status {
    fn from(s: BatchStatus) -> Status {
        match s {
            BatchStatus::Waiting => Status::Waiting,
            BatchStatus::Received => Status::Received,
            BatchStatus::Validating => Status::Validating,
            BatchStatus::Merging => Status::Merging,
            BatchStatus::Persisting => Status::Persisting,
            BatchStatus::Completed => Status::Completed,
            BatchStatus::Failed => Status::Failed,
        }
    }
}

/// An input file as received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InputFile {
    /// The path it was dropped at, or the name it was uploaded under (display only).
    pub name: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

impl From<FileInfo> for InputFile {
    fn from(f: FileInfo) -> InputFile {
        InputFile {
            name: f.name,
            sha256: f.sha256,
            size: f.size,
        }
    }
}

/// A batch's figures (complete once it completed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Counts {
    /// Valid rows of `orders.csv` / `barcodes.csv`.
    pub order_rows: u64,
    pub barcode_rows: u64,
    /// Rows of `processed_orders.csv`.
    pub orders_written: u64,
    /// Barcodes sold (in the output).
    pub tickets: u64,
    /// Customers with at least one output row.
    pub customers: u64,
    pub unused_barcodes: u64,
    pub issues: u64,
    /// Issues per code (codes without issues may be absent).
    pub issues_by_code: BTreeMap<String, u64>,
}

impl From<BatchCounts> for Counts {
    fn from(c: BatchCounts) -> Counts {
        Counts {
            order_rows: c.order_rows,
            barcode_rows: c.barcode_rows,
            orders_written: c.orders_written,
            tickets: c.tickets,
            customers: c.customers,
            unused_barcodes: c.unused_barcodes,
            issues: c.issues,
            issues_by_code: c
                .issues_by_code
                .into_iter()
                .map(|(code, n)| (code.as_str().to_string(), n))
                .collect(),
        }
    }
}

/// How far the running stage is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressInfo {
    /// `orders` or `barcodes`, when the stage reads one file.
    pub file: Option<String>,
    pub done_bytes: u64,
    pub total_bytes: u64,
    pub rows: u64,
}

impl From<Progress> for ProgressInfo {
    fn from(p: Progress) -> ProgressInfo {
        ProgressInfo {
            file: p.file.map(|f| f.as_str().to_string()),
            done_bytes: p.done_bytes,
            total_bytes: p.total_bytes,
            rows: p.rows,
        }
    }
}

/// A batch: one `orders.csv` with one `barcodes.csv`, or a file waiting for its partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Batch {
    /// `b` + 24 hex digits of the files' digests, or `w-…` for a waiting file.
    pub id: String,
    pub name: String,
    pub status: Status,
    /// 1 for the first run, +1 per retry of a failed batch (0 for a waiting file).
    pub attempt: u32,
    /// Why it failed (on `failed`), or what a waiting file waits for.
    pub reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
    #[schema(format = DateTime)]
    pub validating_at: Option<String>,
    #[schema(format = DateTime)]
    pub merging_at: Option<String>,
    #[schema(format = DateTime)]
    pub persisting_at: Option<String>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    #[schema(format = DateTime)]
    pub failed_at: Option<String>,
    pub orders_file: Option<InputFile>,
    pub barcodes_file: Option<InputFile>,
    pub counts: Option<Counts>,
    pub progress: Option<ProgressInfo>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Every OffsetDateTime the database returns is within RFC 3339's years.
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

impl From<BatchRecord> for Batch {
    fn from(b: BatchRecord) -> Batch {
        Batch {
            id: b.id,
            name: b.name,
            status: b.status.into(),
            attempt: b.attempt,
            reason: b.reason,
            created_at: rfc3339(b.created_at),
            updated_at: rfc3339(b.updated_at),
            received_at: b.received_at.map(rfc3339),
            validating_at: b.validating_at.map(rfc3339),
            merging_at: b.merging_at.map(rfc3339),
            persisting_at: b.persisting_at.map(rfc3339),
            completed_at: b.completed_at.map(rfc3339),
            failed_at: b.failed_at.map(rfc3339),
            orders_file: b.orders_file.map(Into::into),
            barcodes_file: b.barcodes_file.map(Into::into),
            counts: b.counts.map(Into::into),
            progress: b.progress.map(Into::into),
        }
    }
}

/// A page of batches, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchesPage {
    pub batches: Vec<Batch>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// What became of an upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"batch_id": "b3f1c2d4e5f60718293a4b5c6", "name": "monday", "status": "received", "repeat": false, "status_url": "/api/batches/b3f1c2d4e5f60718293a4b5c6", "message": "received; follow its progress at /api/batches/b3f1c2d4e5f60718293a4b5c6 or /api/events"}))]
pub struct UploadOutcome {
    pub batch_id: String,
    /// The batch's name (for a repeat, the name it was first given).
    pub name: String,
    /// `received` for a new batch; for a repeat, the status of the batch it repeats.
    pub status: Status,
    /// True when the files are byte-identical to an earlier batch that is completed or in
    /// progress: nothing is processed again.
    pub repeat: bool,
    /// Where the batch's status can be read.
    pub status_url: String,
    pub message: String,
}

/// The process answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// PostgreSQL and NATS both answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok`.
    pub postgres: String,
    /// `ok`.
    pub nats: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_the_seeds() {
        let json = serde_json::to_value(Envelope {
            status: SuccessTag::Success,
            data: vec![TopCustomer {
                customer_id: 1,
                ticket_count: 2,
            }],
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "success", "data": [{"customer_id": 1, "ticket_count": 2}]})
        );
        let json = serde_json::to_value(ErrorBody::new("no")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "error", "message": "no"})
        );
    }

    #[test]
    fn unused_barcodes_keep_leading_zeros_and_have_a_null_order() {
        let item: UnusedBarcodeItem = UnusedBarcode {
            position: 1,
            barcode: "000123".into(),
            line: 4,
        }
        .into();
        assert_eq!(
            serde_json::to_value(item).unwrap(),
            serde_json::json!({"barcode": "000123", "order_id": null, "line": 4})
        );
    }
}
