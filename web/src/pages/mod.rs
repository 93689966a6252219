//! One module per page.

pub mod barcodes;
pub mod batch;
pub mod batches;
pub mod customer;
pub mod overview;
pub mod upload;
