//! The error answers actix makes itself, in the API's envelope: its extractors' errors
//! (query, path, JSON) as [`ApiError`]s, and any other 4xx/5xx that is not JSON yet (a 405
//! from routing, a 413 from a payload limit, a 416 from the dashboard's files) with the code
//! of its status.

use super::ApiError;
use crate::model::{ErrorBody, ErrorCode};
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

/// The code of an error answer actix made itself (routing, payload limits, the dashboard's
/// files), from its status.
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyRequests,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
        StatusCode::INSUFFICIENT_STORAGE => ErrorCode::StorageFull,
        s if s.is_client_error() => ErrorCode::InvalidRequest,
        _ => ErrorCode::Internal,
    }
}

/// An `ErrorHandlers` default handler: a 4xx/5xx response that is not JSON yet gets the
/// error envelope, with the status's reason as the message and [`code_for_status`] as the
/// code; its other headers (`Allow`, `WWW-Authenticate`, …) are kept.
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
    let mut new = new.json(ErrorBody::new(code_for_status(status), message));
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
    fn actix_answers_get_the_code_of_their_status() {
        let code = |s: u16| code_for_status(StatusCode::from_u16(s).unwrap());
        assert_eq!(code(401), ErrorCode::Unauthorized);
        assert_eq!(code(404), ErrorCode::NotFound);
        assert_eq!(code(405), ErrorCode::MethodNotAllowed);
        assert_eq!(code(413), ErrorCode::PayloadTooLarge);
        assert_eq!(code(415), ErrorCode::UnsupportedMediaType);
        assert_eq!(code(429), ErrorCode::TooManyRequests);
        assert_eq!(code(503), ErrorCode::Unavailable);
        assert_eq!(code(507), ErrorCode::StorageFull);
        assert_eq!(code(400), ErrorCode::InvalidRequest);
        assert_eq!(code(416), ErrorCode::InvalidRequest);
        assert_eq!(code(500), ErrorCode::Internal);
        assert_eq!(code(502), ErrorCode::Internal);
    }

    #[actix_web::test]
    async fn json_errors_give_actix_own_405_and_413_the_envelope_with_a_code() {
        use actix_web::middleware::ErrorHandlers;
        use actix_web::{test, App};
        let app = test::init_service(
            App::new()
                .wrap(ErrorHandlers::new().default_handler(json_errors))
                .app_data(web::PayloadConfig::new(4))
                .service(
                    web::resource("/small")
                        .route(web::post().to(|body: web::Bytes| async move { body })),
                ),
        )
        .await;
        let req = test::TestRequest::delete().uri("/small").to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(
            body,
            serde_json::json!({"status": "error", "code": "method_not_allowed",
                "message": "method DELETE is not allowed on /small; allowed: POST"})
        );
        let req = test::TestRequest::post()
            .uri("/small")
            .set_payload("too long")
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(
            body,
            serde_json::json!({"status": "error", "code": "payload_too_large",
                "message": "the request body is too large"})
        );
    }
}
