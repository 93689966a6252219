//! One module per page.

pub mod barcode;
pub mod barcodes;
pub mod batch;
pub mod batches;
pub mod changes;
pub mod customer;
pub mod order;
pub mod overview;
pub mod upload;
