//! The bus crate's error type: every variant says what it was doing and on which name.

/// Something went wrong talking to NATS.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to NATS at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("cannot set up {what} {name}: {message}")]
    Setup {
        what: &'static str,
        name: String,
        message: String,
    },
    #[error("publishing to {subject} failed: {message}")]
    Publish { subject: String, message: String },
    #[error("reading {what} failed: {message}")]
    Read { what: String, message: String },
    #[error("cannot encode a message for {subject}: {source}")]
    Encode {
        subject: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot decode {what}: {message}")]
    Decode { what: String, message: String },
    #[error("object {key} in bucket {bucket}: {message}")]
    Object {
        bucket: String,
        key: String,
        message: String,
    },
}

impl BusError {
    /// Whether JetStream refused because a stream or the bucket is at its byte (or message)
    /// limit, or the server has no storage left: the data is not lost, the write can be
    /// tried again once room is made (`tiqets-admin setup-nats` sets the limits).
    pub fn is_full(&self) -> bool {
        let message = match self {
            BusError::Publish { message, .. }
            | BusError::Object { message, .. }
            | BusError::Setup { message, .. } => message,
            _ => return false,
        };
        [
            "maximum bytes exceeded",
            "maximum messages exceeded",
            "insufficient storage",
            "insufficient resources",
        ]
        .iter()
        .any(|m| message.contains(m))
    }

    pub(crate) fn setup(what: &'static str, name: &str, err: impl std::fmt::Display) -> BusError {
        BusError::Setup {
            what,
            name: name.to_string(),
            message: err.to_string(),
        }
    }

    pub(crate) fn publish(subject: &str, err: impl std::fmt::Display) -> BusError {
        BusError::Publish {
            subject: subject.to_string(),
            message: err.to_string(),
        }
    }

    pub(crate) fn read(what: impl Into<String>, err: impl std::fmt::Display) -> BusError {
        BusError::Read {
            what: what.into(),
            message: err.to_string(),
        }
    }
}
