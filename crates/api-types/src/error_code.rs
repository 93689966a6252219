//! The `code` of an error answer: a closed set of snake_case names a client can match on,
//! where the `message` beside it is for people and may be reworded.

use serde::{Deserialize, Serialize};

/// What kind of failure an error answer reports. Each code comes with one HTTP status
/// ([`ErrorCode::status`]), but two codes may share a status (400, 404): the code says
/// which situation it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a query parameter, path segment or header is malformed or out of range.
    InvalidParameter,
    /// 400: an upload's multipart form is malformed, lacks a file, repeats or adds a
    /// part, has an empty file or an invalid `name`.
    InvalidUpload,
    /// 400 (or another 4xx): a request refused for a reason no other code names, such as
    /// a `Range` the dashboard's file cannot satisfy (416); the HTTP status says which.
    InvalidRequest,
    /// 401: a bearer token is required and was not sent, or is wrong.
    Unauthorized,
    /// 404: no such resource, batch or customer.
    NotFound,
    /// 404: the current batch is asked for, and no batch has completed yet.
    NoCompletedBatch,
    /// 405: the resource exists but not with this method (see `Allow`).
    MethodNotAllowed,
    /// 409: the batch exists but has no results: it is still running, or it failed.
    BatchNotCompleted,
    /// 409: changes were asked for without `since`, and no completed batch precedes this one.
    NoPreviousBatch,
    /// 409: the batch may not be deleted now: it is the current batch (delete it with
    /// `?force=true`), or it is still being processed.
    BatchInUse,
    /// 409: a retry of a batch that is not failed, or whose input files are no longer
    /// stored (drop or upload them again).
    NotRetryable,
    /// 413: the request body, or a file in it, is over the limit.
    PayloadTooLarge,
    /// 415: an upload that is not `multipart/form-data`.
    UnsupportedMediaType,
    /// 429: a resource limit is reached (request rate, uploads or event streams at once,
    /// the upload spool); try again after `Retry-After` seconds.
    TooManyRequests,
    /// 500: an unexpected failure; the `x-request-id` header finds it in the logs.
    Internal,
    /// 503: PostgreSQL or NATS does not answer, or the service is stopping; try again
    /// after `Retry-After` seconds.
    Unavailable,
    /// 507: the pipeline's file store is full; nothing was stored; try again after
    /// `Retry-After` seconds, once older files have expired.
    StorageFull,
}

impl ErrorCode {
    /// Every code, in the order of their statuses.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidParameter,
        ErrorCode::InvalidUpload,
        ErrorCode::InvalidRequest,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::NoCompletedBatch,
        ErrorCode::MethodNotAllowed,
        ErrorCode::BatchNotCompleted,
        ErrorCode::NoPreviousBatch,
        ErrorCode::BatchInUse,
        ErrorCode::NotRetryable,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::TooManyRequests,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
        ErrorCode::StorageFull,
    ];

    /// The code as it is sent.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::InvalidUpload => "invalid_upload",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NoCompletedBatch => "no_completed_batch",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::BatchNotCompleted => "batch_not_completed",
            ErrorCode::NoPreviousBatch => "no_previous_batch",
            ErrorCode::BatchInUse => "batch_in_use",
            ErrorCode::NotRetryable => "not_retryable",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::StorageFull => "storage_full",
        }
    }

    /// The HTTP status of an answer with this code (`invalid_request`'s is 400 or the
    /// other 4xx the server refused with).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidParameter | ErrorCode::InvalidUpload | ErrorCode::InvalidRequest => {
                400
            }
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound | ErrorCode::NoCompletedBatch => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::BatchNotCompleted
            | ErrorCode::NoPreviousBatch
            | ErrorCode::BatchInUse
            | ErrorCode::NotRetryable => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::StorageFull => 507,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sent_as_their_snake_case_names_and_read_back() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            assert_eq!(code.to_string(), code.as_str());
            let back: ErrorCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, code);
        }
        assert_eq!(
            serde_json::to_value(ErrorCode::BatchNotCompleted).unwrap(),
            "batch_not_completed"
        );
        assert!(serde_json::from_str::<ErrorCode>("\"teapot\"").is_err());
    }

    #[test]
    fn every_code_is_listed_once_in_status_order_with_an_error_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        let statuses: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.status()).collect();
        assert!(statuses.windows(2).all(|w| w[0] <= w[1]), "{statuses:?}");
        assert!(statuses.iter().all(|s| (400..600).contains(s)));
        assert_eq!(ErrorCode::NoCompletedBatch.status(), 404);
        assert_eq!(ErrorCode::BatchNotCompleted.status(), 409);
        assert_eq!(ErrorCode::StorageFull.status(), 507);
    }
}
