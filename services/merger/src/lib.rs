//! The merger service: joins a validated batch's orders and barcodes with the domain rules
//! (`docs/processing-rules.md`, Results, rules 1–7: the same functions the CLI calls) and
//! hands the results to the persister as objects. See `docs/events.md` for the flow.
//!
//! # Layout
//! - [`catalogue`]: [`SETTINGS`], every variable it reads (`--help`).
//! - [`settings`]: [`Settings`] from the environment.
//! - [`service`]: [`run`], connect and consume until shutdown.
//! - [`handler`]: [`Merger`], the handling of one `MergeWork` (status, merge, result
//!   objects, `PersistWork`).
//! - [`reader`]: [`read_chunks`], a file's chunks back from the rows stream, in order.
//! - [`sequencer`]: [`Sequencer`], in-order, once-only release of chunks.
//! - [`books`]: chunks into the domain's books, checked against the announcement.
//! - [`partitioned`]: a batch too large for one step's memory, merged in partitions, a
//!   step per message, shared by the replicas.
//! - [`results`]: [`Merged`], the result files and the batch's figures.
//! - [`upload`](mod@upload): streaming a result file into the object store as it is written.
//! - [`error`](mod@error): [`MergeError`].

pub mod books;
pub mod catalogue;
pub mod error;
pub mod handler;
pub mod partitioned;
pub mod reader;
pub mod results;
pub mod sequencer;
pub mod service;
pub mod settings;
pub mod upload;

pub use catalogue::SETTINGS;
pub use error::MergeError;
pub use handler::Merger;
pub use reader::read_chunks;
pub use results::Merged;
pub use sequencer::Sequencer;
pub use service::run;
pub use settings::{Settings, SettingsError};
