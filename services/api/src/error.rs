//! Every failure as a JSON error (`{"status": "error", "message": …}`) with the right status.
//!
//! [`ApiError`] is what handlers return. Causes a client cannot act on (a database error,
//! NATS) are logged with the request's span and answered with a message that says what to
//! do, never with the cause itself. [`extractor_errors`] routes actix's own query, path,
//! JSON and payload errors through it, and [`json_errors`] turns any other 4xx/5xx that is
//! not JSON yet (a 405 from routing, a 413 from a payload limit) into the same envelope.

use crate::model::ErrorBody;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpResponse, ResponseError};
use tiqets_bus::BusError;
use tiqets_store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: the message says what is allowed.
    #[error("{0}")]
    BadRequest(String),
    /// A bearer token is required and missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    /// The resource exists but is not in a state that has the answer (a batch still
    /// running, or failed).
    #[error("{0}")]
    Conflict(String),
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
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooMany(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Full(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable(_) | ApiError::Bus(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
        let mut res = response.json(ErrorBody::new(self.public_message()));
        if let ApiError::TooMany(limit, _) = self {
            res.extensions_mut().insert(*limit);
        }
        res
    }
}

/// Query, path, JSON and payload extractor configurations whose errors are [`ApiError`]s
/// with a message naming the problem.
pub fn extractor_errors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default().error_handler(|e, _| {
            ApiError::bad_request(format!("invalid query string: {e}")).into()
        }),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(|e, _| ApiError::bad_request(format!("invalid path: {e}")).into()),
    )
    .app_data(
        web::JsonConfig::default()
            .error_handler(|e, _| ApiError::bad_request(format!("invalid JSON body: {e}")).into()),
    )
    .app_data(web::PayloadConfig::default());
}

/// An `ErrorHandlers` default handler: a 4xx/5xx response that is not JSON yet gets the
/// error envelope, with the status's reason as the message; its other headers (`Allow`,
/// `WWW-Authenticate`, …) are kept.
pub fn json_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, res) = res.into_parts();
    let status = res.status();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = res
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .map(|a| format!("; allowed: {a}"))
                .unwrap_or_default();
            format!(
                "method {} is not allowed on {}{allowed}",
                req.method(),
                req.path()
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::NOT_FOUND => format!("no such resource: {}", req.path()),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    };
    let mut new = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let mut new = new.json(ErrorBody::new(message));
    new.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// The app's default service: a JSON 404 naming the path.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!(
        "no such resource: {} {} (the API is described at /api/openapi.json)",
        req.method(),
        req.path()
    ))
    .error_response()
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
    }
}
