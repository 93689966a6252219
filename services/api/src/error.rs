//! Every failure as a JSON error (`{"status": "error", "code": …, "message": …}`) with the
//! right status and code ([`ErrorCode`], docs/api.md "Errors").
//!
//! [`ApiError`] is what handlers return. Causes a client cannot act on (a database error,
//! NATS) are logged with the request's span and answered with a message that says what to
//! do, never with the cause itself. The answers actix makes itself get the envelope in
//! [`framework`]: [`extractor_errors`] routes actix's own query, path, JSON and payload
//! errors through [`ApiError`], and [`json_errors`] turns any other 4xx/5xx that is not
//! JSON yet (a 405 from routing, a 413 from a payload limit) into the same envelope.

pub mod framework;

pub use framework::{code_for_status, extractor_errors, json_errors, not_found};

use crate::model::{ErrorBody, ErrorCode};
use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use tiqets_bus::BusError;
use tiqets_store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter (query, path, header) is malformed: the message says what is allowed.
    #[error("{0}")]
    BadRequest(String),
    /// An upload's multipart form is malformed or incomplete: the message says what to send.
    #[error("{0}")]
    InvalidUpload(String),
    /// A bearer token is required and missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    /// The current batch is asked for and none has completed yet (404).
    #[error("{0}")]
    NoCompletedBatch(String),
    /// The batch exists but is not in a state that has the answer (still running, or
    /// failed).
    #[error("{0}")]
    Conflict(String),
    /// Changes were asked for without `since`, and no completed batch precedes the batch.
    #[error("{0}")]
    NoPreviousBatch(String),
    /// The batch may not be deleted now (the current one without `force`, or running).
    #[error("{0}")]
    BatchInUse(String),
    /// A retry of a batch that is not failed, or whose input files are gone.
    #[error("{0}")]
    NotRetryable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The NATS stream or bucket that would hold the data is at its byte limit (507 with
    /// `Retry-After`): nothing was stored; try again once old data has expired.
    #[error("{0}")]
    Full(String),
    /// A resource limit is reached (429 with `Retry-After`): try again later.
    #[error("{1}")]
    TooMany(crate::limits::Limit, String),
    /// A dependency is down or the service is stopping: try again later.
    #[error("{0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("NATS: {0}")]
    Bus(#[from] BusError),
    /// A bug or an unexpected local failure; the cause is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }

    pub fn invalid_upload(message: impl Into<String>) -> ApiError {
        ApiError::InvalidUpload(message.into())
    }

    /// The code the client gets.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::InvalidParameter,
            ApiError::InvalidUpload(_) => ErrorCode::InvalidUpload,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::NoCompletedBatch(_) => ErrorCode::NoCompletedBatch,
            ApiError::Conflict(_) => ErrorCode::BatchNotCompleted,
            ApiError::NoPreviousBatch(_) => ErrorCode::NoPreviousBatch,
            ApiError::BatchInUse(_) => ErrorCode::BatchInUse,
            ApiError::NotRetryable(_) => ErrorCode::NotRetryable,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Full(_) => ErrorCode::StorageFull,
            ApiError::TooMany(..) => ErrorCode::TooManyRequests,
            ApiError::Unavailable(_) | ApiError::Bus(_) => ErrorCode::Unavailable,
            ApiError::Store(e) if e.is_transient() => ErrorCode::Unavailable,
            ApiError::Store(_) | ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message the client gets.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Store(e) if e.is_transient() => {
                "the database is unavailable; try again shortly".into()
            }
            ApiError::Bus(_) => "the message bus (NATS) is unavailable; try again shortly".into(),
            ApiError::Store(_) | ApiError::Internal(_) => {
                "internal error; the request id in the x-request-id header identifies it in the logs"
                    .into()
            }
            other => other.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    /// The code's status: one table for both ([`ErrorCode::status`]).
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"tiqets\""));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        if let ApiError::TooMany(..) | ApiError::Full(_) = self {
            response.insert_header((header::RETRY_AFTER, crate::limits::RETRY_AFTER_SECS));
        }
        let mut res = response.json(ErrorBody::new(self.code(), self.public_message()));
        if let ApiError::TooMany(limit, _) = self {
            res.extensions_mut().insert(*limit);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_say_what_is_wrong_and_server_errors_hide_the_cause() {
        let e = ApiError::bad_request("`limit` must be a whole number from 1 to 100");
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(
            e.public_message(),
            "`limit` must be a whole number from 1 to 100"
        );
        let e = ApiError::Internal("disk full at /secret/path".into());
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.public_message().contains("/secret/path"));
        let e = ApiError::Store(StoreError::Invalid("x".into()));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.code(), ErrorCode::Internal);
    }

    #[test]
    fn each_error_has_its_code_and_the_codes_status() {
        use crate::limits::Limit;
        let cases = [
            (ApiError::bad_request("x"), ErrorCode::InvalidParameter, 400),
            (ApiError::invalid_upload("x"), ErrorCode::InvalidUpload, 400),
            (
                ApiError::Unauthorized("x".into()),
                ErrorCode::Unauthorized,
                401,
            ),
            (ApiError::NotFound("x".into()), ErrorCode::NotFound, 404),
            (
                ApiError::NoCompletedBatch("x".into()),
                ErrorCode::NoCompletedBatch,
                404,
            ),
            (
                ApiError::Conflict("x".into()),
                ErrorCode::BatchNotCompleted,
                409,
            ),
            (
                ApiError::PayloadTooLarge("x".into()),
                ErrorCode::PayloadTooLarge,
                413,
            ),
            (
                ApiError::UnsupportedMediaType("x".into()),
                ErrorCode::UnsupportedMediaType,
                415,
            ),
            (
                ApiError::TooMany(Limit::Uploads, "x".into()),
                ErrorCode::TooManyRequests,
                429,
            ),
            (ApiError::Internal("x".into()), ErrorCode::Internal, 500),
            (
                ApiError::Unavailable("x".into()),
                ErrorCode::Unavailable,
                503,
            ),
            (ApiError::Full("x".into()), ErrorCode::StorageFull, 507),
        ];
        for (e, code, status) in cases {
            assert_eq!(e.code(), code, "{e:?}");
            assert_eq!(e.status_code().as_u16(), status, "{e:?}");
        }
    }
}
