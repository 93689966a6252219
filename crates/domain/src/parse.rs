//! Reading one file: header matching, record checks and field validation
//! (`docs/processing-rules.md`: Reading the files, Values, Issues), streaming chunk by chunk.
//! Yields valid typed rows and one issue per rejected record.
//!
//! The [`FileParser`] (`parser`) reads the header (`header`), checks each record (`record`)
//! and types its fields by the file's [`Schema`] (`schema`), giving [`Parsed`] rows
//! (`rows`) or a [`FatalError`] (`fatal`).

mod fatal;
mod header;
mod parser;
mod record;
mod rows;
mod schema;

pub use fatal::{FatalError, FatalProblem};
pub use parser::{BarcodesParser, FileParser, OrdersParser};
pub use rows::{BarcodeRow, OrderRow, OwnedBarcodeRow, Parsed};
pub use schema::{Barcodes, Orders, Schema};
