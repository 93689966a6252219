//! Why persisting a batch failed, and whether trying again can help.

use std::path::PathBuf;
use thiserror::Error;
use tiqets_bus::BusError;
use tiqets_store::StoreError;

#[derive(Debug, Error)]
pub enum PersistError {
    /// The persist work names no object for a result file the persister needs.
    #[error("the persist work has no {0}")]
    MissingResult(&'static str),
    /// A result object could not be read.
    #[error("reading object {key}: {message}")]
    Object {
        key: String,
        message: String,
        /// False when the object is gone for good (not found).
        transient: bool,
    },
    /// A result file breaks its format.
    #[error("{file} line {line}: {message}")]
    BadRow {
        file: &'static str,
        line: u64,
        message: String,
    },
    /// A result file does not match what the persist work says of it (digest, size, rows,
    /// counts).
    #[error("{file}: {message}")]
    Mismatch { file: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output directory could not be written.
    #[error("writing {path}: {source}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl tiqets_contract::Failure for PersistError {
    /// Whether a later delivery may succeed: a dependency (NATS, PostgreSQL, the disk) was
    /// the problem, not the batch's data.
    fn is_transient(&self) -> bool {
        match self {
            PersistError::Object { transient, .. } => *transient,
            PersistError::Store(e) => e.is_transient(),
            PersistError::Output { .. } | PersistError::Bus(_) => true,
            PersistError::MissingResult(_)
            | PersistError::BadRow { .. }
            | PersistError::Mismatch { .. } => false,
        }
    }
}
