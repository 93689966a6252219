//! What can go wrong validating a batch, and what the consumer loop does about it.

use tiqets_bus::BusError;
use tiqets_domain::FatalError;

/// Why a file could not be validated.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The file itself is unusable (`docs/processing-rules.md`, Fatal file errors): the
    /// batch fails with this reason.
    #[error(transparent)]
    File(#[from] FatalError),
    /// NATS said no; the work is retried.
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("reading object {key}: {message}")]
    Read { key: String, message: String },
    #[error("publishing chunk {seq} to {subject}: {message}")]
    Publish {
        subject: String,
        seq: u32,
        message: String,
    },
    #[error("the validation task of {file} stopped: {message}")]
    Task { file: &'static str, message: String },
}

impl ValidateError {
    /// The fatal file error, if that is what this is.
    pub fn as_file_error(&self) -> Option<&FatalError> {
        match self {
            ValidateError::File(e) => Some(e),
            _ => None,
        }
    }
}

impl tiqets_contract::Failure for ValidateError {
    /// A file error fails the batch (the handler reports it); anything else was NATS or a
    /// task, and a later delivery may succeed.
    fn is_transient(&self) -> bool {
        !matches!(self, ValidateError::File(_))
    }
}
