//! The seed's envelope: `{"status": "success", "data": …}` or
//! `{"status": "error", "code": …, "message": …}` (the seed's error with a [`ErrorCode`]
//! added).

use crate::ErrorCode;
use serde::{Deserialize, Serialize};

/// `"success"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SuccessTag {
    Success,
}

/// `"error"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ErrorTag {
    Error,
}

/// Every 4xx and 5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"status": "error", "code": "invalid_parameter", "message": "`limit` must be a whole number from 1 to 100, not \"abc\""})))]
pub struct ErrorBody {
    pub status: ErrorTag,
    /// What kind of failure it is, for a client to match on.
    pub code: ErrorCode,
    /// What was wrong, and what is allowed instead (for people; it may be reworded).
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            status: ErrorTag::Error,
            code,
            message: message.into(),
        }
    }
}

/// A successful answer around `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub status: SuccessTag,
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn new(data: T) -> Envelope<T> {
        Envelope {
            status: SuccessTag::Success,
            data,
        }
    }
}

/// Either envelope, as a client reads an answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Answer<T> {
    Success(Envelope<T>),
    Error(ErrorBody),
}

impl<T> Answer<T> {
    /// The data, or the error's message.
    pub fn into_result(self) -> Result<T, String> {
        match self {
            Answer::Success(e) => Ok(e.data),
            Answer::Error(e) => Err(e.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_envelopes_are_the_seeds() {
        let ok = serde_json::to_value(Envelope::new(vec![1, 2])).unwrap();
        assert_eq!(ok, json!({"status": "success", "data": [1, 2]}));
        let err = serde_json::to_value(ErrorBody::new(ErrorCode::NotFound, "no")).unwrap();
        assert_eq!(
            err,
            json!({"status": "error", "code": "not_found", "message": "no"})
        );
    }

    #[test]
    fn a_client_reads_either_answer() {
        let ok: Answer<Vec<u32>> =
            serde_json::from_value(json!({"status": "success", "data": [3]})).unwrap();
        assert_eq!(ok.into_result(), Ok(vec![3]));
        let err: Answer<Vec<u32>> = serde_json::from_value(
            json!({"status": "error", "code": "invalid_parameter", "message": "bad"}),
        )
        .unwrap();
        assert_eq!(err.into_result(), Err("bad".to_string()));
    }
}
