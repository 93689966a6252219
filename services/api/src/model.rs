//! What the API answers, as JSON: the seed's envelope (`{"status": "success", "data": …}` or
//! `{"status": "error", "code": …, "message": …}`) and the types inside it, each with its OpenAPI schema.
//! The types themselves are in `tiqets-api-types` (shared with the dashboard); the
//! conversions from the store's records are here ([`IntoApi`]).
//!
//! Ids are JSON numbers, barcodes JSON strings (`000123` ≠ `123`), times RFC 3339 (UTC).

use actix_web::HttpResponse;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tiqets_contract::{BatchCounts, BatchStatus, Progress};
use tiqets_store::{BatchRecord, FileInfo, IssueRecord, OrderRecord, UnusedBarcode};
use utoipa::ToSchema;

pub use tiqets_api_types::{
    Analytics, Batch, BatchesPage, Counts, CustomerOrder, Envelope, ErrorBody, ErrorCode, ErrorTag,
    InputFile, IssueFile, IssueItem, IssuesPage, OrdersPage, ProcessResult, ProgressInfo, Status,
    SuccessTag, TopCustomer, UnusedBarcodeItem, UnusedBarcodes, UnusedBarcodesPage, UploadOutcome,
};
pub use tiqets_api_types::{
    BarcodeChangeItem, BarcodeChangesPage, BarcodeHistory, BarcodeHistoryItem, BarcodeLookup,
    ChangeSummary, Changes, ChangesPage, CustomerChangeItem, CustomerChangesPage, Deleted,
    OrderChangeItem, OrderChangesPage, OrderLookup, OrderSide,
};

/// A store or bus value as the API answers it (the types are another crate's, so this is
/// not `From`).
pub trait IntoApi<T> {
    fn into_api(self) -> T;
}

/// Every record of `records` as the API answers it.
pub fn all_into_api<R: IntoApi<T>, T>(records: Vec<R>) -> Vec<T> {
    records.into_iter().map(IntoApi::into_api).collect()
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
    /// What changed between two batches: the nine counts.
    ChangesResponse => Changes
);
envelope!(
    /// A page of changed orders.
    OrderChangesResponse => OrderChangesPage
);
envelope!(
    /// A page of changed barcodes.
    BarcodeChangesResponse => BarcodeChangesPage
);
envelope!(
    /// A page of changed customers.
    CustomerChangesResponse => CustomerChangesPage
);
envelope!(
    /// A barcode in one batch.
    BarcodeLookupResponse => BarcodeLookup
);
envelope!(
    /// A barcode in every completed batch.
    BarcodeHistoryResponse => BarcodeHistory
);
envelope!(
    /// One order of a batch.
    OrderLookupResponse => OrderLookup
);
envelope!(
    /// What deleting a batch removed.
    DeletedResponse => Deleted
);
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
    /// The latest processed result, as the original backend's `/api/process` answers.
    ProcessResponse => ProcessResult
);
envelope!(
    /// The process answers.
    HealthResponse => Health
);
envelope!(
    /// PostgreSQL and NATS answer.
    ReadyResponse => Readiness
);

impl IntoApi<TopCustomer> for tiqets_domain::CustomerTickets {
    fn into_api(self) -> TopCustomer {
        TopCustomer {
            customer_id: self.customer_id,
            ticket_count: self.tickets,
        }
    }
}

impl IntoApi<UnusedBarcodeItem> for UnusedBarcode {
    fn into_api(self) -> UnusedBarcodeItem {
        UnusedBarcodeItem {
            barcode: self.barcode,
            order_id: None,
            line: self.line,
        }
    }
}

impl IntoApi<CustomerOrder> for OrderRecord {
    fn into_api(self) -> CustomerOrder {
        CustomerOrder {
            customer_id: self.customer_id,
            order_id: self.order_id,
            barcodes: self.barcodes,
        }
    }
}

impl IntoApi<IssueItem> for IssueRecord {
    fn into_api(self) -> IssueItem {
        IssueItem {
            seq: self.seq,
            file: if self.file == "orders" {
                IssueFile::Orders
            } else {
                IssueFile::Barcodes
            },
            line: self.line,
            code: self.code,
            message: self.message,
        }
    }
}

impl IntoApi<Status> for BatchStatus {
    fn into_api(self) -> Status {
        match self {
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

impl IntoApi<InputFile> for FileInfo {
    fn into_api(self) -> InputFile {
        InputFile {
            name: self.name,
            sha256: self.sha256,
            size: self.size,
        }
    }
}

impl IntoApi<Counts> for BatchCounts {
    fn into_api(self) -> Counts {
        Counts {
            order_rows: self.order_rows,
            barcode_rows: self.barcode_rows,
            orders_written: self.orders_written,
            tickets: self.tickets,
            customers: self.customers,
            unused_barcodes: self.unused_barcodes,
            issues: self.issues,
            issues_by_code: self
                .issues_by_code
                .into_iter()
                .map(|(code, n)| (code.as_str().to_string(), n))
                .collect(),
            issues_not_itemised: self
                .issues_not_itemised
                .into_iter()
                .map(IntoApi::into_api)
                .collect(),
        }
    }
}

impl IntoApi<tiqets_api_types::NotItemised> for tiqets_domain::NotItemised {
    fn into_api(self) -> tiqets_api_types::NotItemised {
        tiqets_api_types::NotItemised {
            file: self.file.as_str().to_string(),
            code: self.code.as_str().to_string(),
            count: self.count,
            limit: self.limit,
        }
    }
}

impl IntoApi<ProgressInfo> for Progress {
    fn into_api(self) -> ProgressInfo {
        ProgressInfo {
            file: self.file.map(|f| f.as_str().to_string()),
            done_bytes: self.done_bytes,
            total_bytes: self.total_bytes,
            rows: self.rows,
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Every OffsetDateTime the database returns is within RFC 3339's years.
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

impl IntoApi<Batch> for BatchRecord {
    fn into_api(self) -> Batch {
        Batch {
            id: self.id,
            name: self.name,
            status: self.status.into_api(),
            attempt: self.attempt,
            reason: self.reason,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            received_at: self.received_at.map(rfc3339),
            validating_at: self.validating_at.map(rfc3339),
            merging_at: self.merging_at.map(rfc3339),
            persisting_at: self.persisting_at.map(rfc3339),
            completed_at: self.completed_at.map(rfc3339),
            failed_at: self.failed_at.map(rfc3339),
            orders_file: self.orders_file.map(IntoApi::into_api),
            barcodes_file: self.barcodes_file.map(IntoApi::into_api),
            counts: self.counts.map(IntoApi::into_api),
            progress: self.progress.map(IntoApi::into_api),
        }
    }
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
    fn the_shared_types_name_statuses_and_issue_codes_as_the_pipeline_does() {
        // The dashboard reads these from tiqets-api-types: they must not drift from the
        // pipeline's own lists.
        let codes = tiqets_domain::IssueCode::ALL.map(|c| c.as_str());
        assert_eq!(tiqets_api_types::ISSUE_CODES, codes);
        for status in BatchStatus::ALL {
            assert_eq!(status.into_api().as_str(), status.as_str());
        }
    }

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
        let json = serde_json::to_value(ErrorBody::new(ErrorCode::Internal, "no")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "error", "code": "internal", "message": "no"})
        );
    }

    #[test]
    fn unused_barcodes_keep_leading_zeros_and_have_a_null_order() {
        let item: UnusedBarcodeItem = UnusedBarcode {
            position: 1,
            barcode: "000123".into(),
            line: 4,
        }
        .into_api();
        assert_eq!(
            serde_json::to_value(item).unwrap(),
            serde_json::json!({"barcode": "000123", "order_id": null, "line": 4})
        );
    }
}
