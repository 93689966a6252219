//! The app's state as reducers: plain data and `reduce` functions, no rendering and no
//! browser calls, so native unit tests exercise them.

pub mod batches;
pub mod changes;
pub mod delete;
pub mod fetch;
pub mod paging;
pub mod reload;
pub mod search;
pub mod upload;
