//! The validator service: reads each batch's two files from the object store, row by row,
//! through the domain parser (`docs/processing-rules.md`), and publishes the valid typed
//! rows and the row issues as binary chunks for the merger. See `docs/events.md` for the
//! flow.
//!
//! # Layout
//! - [`catalogue`]: [`SETTINGS`], every variable it reads (`--help`).
//! - [`settings`]: [`Settings`] from the environment.
//! - [`service`]: [`run`], connect and consume until shutdown.
//! - [`handler`]: [`Validator`], the handling of one `ValidateWork` (status, both files at
//!   once, `MergeWork` or `failed`).
//! - [`file`]: [`validate_file`], one object streamed through the parser into chunks.
//! - [`parser`]: either file's domain parser behind one type.
//! - [`cutter`]: [`ChunkCutter`], deterministic cutting of rows into chunks.
//! - [`publisher`]: [`ChunkPublisher`], publishing chunks with a window of pending acks.
//! - [`progress`]: live `validating` progress updates.
//! - [`error`](mod@error): [`ValidateError`].

pub mod catalogue;
pub mod cutter;
pub mod error;
pub mod file;
pub mod handler;
pub mod parser;
pub mod progress;
pub mod publisher;
pub mod service;
pub mod settings;

pub use catalogue::SETTINGS;
pub use cutter::{ChunkCutter, Cut};
pub use error::ValidateError;
pub use file::{validate_file, FileJob};
pub use handler::Validator;
pub use publisher::ChunkPublisher;
pub use service::run;
pub use settings::{Settings, SettingsError};
