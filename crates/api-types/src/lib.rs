//! The HTTP API's JSON types, shared by the API (`services/api`) and the dashboard (`web/`).
//!
//! Plain serde types with no runtime and no I/O, so they build for wasm32 as well as for the
//! server. With the `openapi` feature each type also derives its utoipa schema, from which
//! the API's OpenAPI document is generated. Conversions from the store's records stay in
//! the API.

mod batch;
mod changes;
mod envelope;
mod error_code;
mod event;
mod process;
mod results;

pub use batch::{
    Batch, BatchesPage, Counts, InputFile, NotItemised, ProgressInfo, Status, UploadOutcome,
};
pub use changes::{
    BarcodeChangeItem, BarcodeChangesPage, BarcodeHistory, BarcodeHistoryItem, BarcodeLookup,
    ChangeSummary, Changes, ChangesPage, CustomerChangeItem, CustomerChangesPage, Deleted,
    OrderChangeItem, OrderChangesPage, OrderLookup, OrderSide,
};
pub use envelope::{Answer, Envelope, ErrorBody, ErrorTag, SuccessTag};
pub use error_code::ErrorCode;
pub use event::StatusUpdate;
pub use process::{Analytics, ProcessResult, UnusedBarcodes};
pub use results::{
    CustomerOrder, IssueFile, IssueItem, IssuesPage, OrdersPage, TopCustomer, UnusedBarcodeItem,
    UnusedBarcodesPage, ISSUE_CODES,
};
