//! The error answers actix makes itself, in the API's envelope: its extractors' errors
//! (query, path, JSON) as [`ApiError`]s, and any other 4xx/5xx that is not JSON yet (a 405
//! from routing, a 413 from a payload limit) with the status's reason as the message.

use super::ApiError;
use crate::model::ErrorBody;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpResponse, ResponseError};

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
