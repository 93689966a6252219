//! Bearer tokens. With `TIQETS_API_TOKEN` set, every write under `/api/` needs
//! `Authorization: Bearer <token>`; with `TIQETS_API_READ_TOKEN` set, reads under `/api/`
//! need it too (the write token is accepted for reads as well). Writes are never less
//! protected than reads: with only a read token set, writes need that token.
//! `/api/`, `/api/openapi.json`, the health endpoints and the dashboard stay open.
//!
//! Access is decided by what the router matched, never by the raw path: the guard is
//! middleware of the `/api` scope (and of the `/api/events` resource), so it runs for every
//! request the router sends into them, however the path was spelled (`/%61pi/batches` is
//! routed, and so guarded, as `/api/batches`). It fails closed: without the token
//! configuration in the app data it answers 500.
//!
//! A browser's `EventSource` cannot send headers, so `/api/events` also accepts
//! `?access_token=`. [`strip_query_token`], the outermost middleware, takes that parameter
//! out of every request's query before anything logs, traces or counts the request, and
//! keeps it in the request's extensions for the guard.

use crate::error::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, Uri};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};

/// The query parameter that may carry a token (only `/api/events` accepts it).
pub const QUERY_TOKEN: &str = "access_token";

/// The configured tokens.
#[derive(Clone, Default)]
pub struct Tokens {
    pub write: Option<String>,
    pub read: Option<String>,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

impl Access {
    fn of(method: &Method) -> Access {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            Access::Read
        } else {
            Access::Write
        }
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how much
/// of a guess was right.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Tokens {
    /// The tokens that grant `access`; `None` when it is open.
    fn accepted(&self, access: Access) -> Option<Vec<&str>> {
        let (write, read) = (self.write.as_deref(), self.read.as_deref());
        match access {
            Access::Read => read.map(|r| [Some(r), write].into_iter().flatten().collect()),
            Access::Write => write.or(read).map(|t| vec![t]),
        }
    }

    /// Whether `presented` grants a request with `method` under `/api`.
    fn allows(&self, method: &Method, presented: Option<&str>) -> Result<(), ApiError> {
        let kind = Access::of(method);
        let Some(accepted) = self.accepted(kind) else {
            return Ok(());
        };
        if presented.is_some_and(|p| accepted.iter().any(|t| same(t, p))) {
            return Ok(());
        }
        let what = if kind == Access::Write {
            "writes"
        } else {
            "reads"
        };
        Err(ApiError::Unauthorized(format!(
            "{what} need a token: send `Authorization: Bearer <token>`{}",
            if presented.is_some() {
                " (the token given is not valid)"
            } else {
                ""
            }
        )))
    }
}

/// A token taken out of the query by [`strip_query_token`].
#[derive(Clone)]
struct QueryToken(String);

/// The bearer token of the `Authorization` header.
fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Middleware (outermost): removes every `access_token` parameter from the query, keeping
/// the first value in the request's extensions. Logs, spans (`http.target`) and metrics
/// see the query without it.
pub async fn strip_query_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some((token, uri)) = without_query_token(req.uri()) {
        req.head_mut().uri = uri;
        if let Some(token) = token {
            req.extensions_mut().insert(QueryToken(token));
        }
    }
    next.call(req).await
}

/// The first `access_token` value of `uri`'s query and the URI without any of them; `None`
/// when the query has none.
fn without_query_token(uri: &Uri) -> Option<(Option<String>, Uri)> {
    let query = uri.query()?;
    let is_token = |pair: &str| {
        let name = pair.split_once('=').map_or(pair, |(n, _)| n);
        percent_decoded(name).as_deref() == Some(QUERY_TOKEN)
    };
    if !query.split('&').any(is_token) {
        return None;
    }
    let token = web::Query::<Vec<(String, String)>>::from_query(query)
        .ok()
        .and_then(|q| {
            q.into_inner()
                .into_iter()
                .find(|(n, _)| n == QUERY_TOKEN)
                .map(|(_, v)| v)
        });
    let kept: Vec<&str> = query.split('&').filter(|p| !is_token(p)).collect();
    let mut path_and_query = uri.path().to_string();
    if !kept.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&kept.join("&"));
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    // Rebuilding from valid parts with a subset of the query cannot fail; if it did, the
    // request goes on without its query rather than with the token in it.
    let uri = Uri::from_parts(parts)
        .or_else(|_| uri.path().parse())
        .unwrap_or_default();
    Some((token, uri))
}

/// A query parameter name, percent- and plus-decoded (`None` when it is not UTF-8).
fn percent_decoded(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The guard: answers 401 when a request lacks the token it needs, 500 when the token
/// configuration is missing. `query` allows a token from `?access_token=`.
async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
    query: bool,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(tokens) = req.app_data::<web::Data<Tokens>>().cloned() else {
        tracing::error!("the api has no token configuration; refusing the request");
        let e = ApiError::Internal("no token configuration".into());
        return Ok(req.into_response(e.error_response()).map_into_right_body());
    };
    let from_query = || {
        query
            .then(|| req.extensions().get::<QueryToken>().map(|t| t.0.clone()))
            .flatten()
    };
    let presented = bearer(&req).or_else(from_query);
    match tokens.allows(req.method(), presented.as_deref()) {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
}

/// Middleware of the `/api` scope: the `Authorization` header only.
pub async fn require_tokens(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, false).await
}

/// Middleware of `/api/events`: the header, or `?access_token=`.
pub async fn require_tokens_or_query(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(write: Option<&str>, read: Option<&str>) -> Tokens {
        Tokens {
            write: write.map(str::to_string),
            read: read.map(str::to_string),
        }
    }

    #[test]
    fn without_tokens_everything_is_open() {
        let t = tokens(None, None);
        assert!(t.allows(&Method::POST, None).is_ok());
        assert!(t.allows(&Method::GET, None).is_ok());
    }

    #[test]
    fn a_write_token_guards_writes_only() {
        let t = tokens(Some("w"), None);
        assert!(t.allows(&Method::POST, None).is_err());
        assert!(t.allows(&Method::PUT, Some("x")).is_err());
        assert!(t.allows(&Method::POST, Some("w")).is_ok());
        assert!(t.allows(&Method::GET, None).is_ok());
    }

    #[test]
    fn a_read_token_guards_reads_and_the_write_token_reads_too() {
        let t = tokens(Some("w"), Some("r"));
        assert!(t.allows(&Method::GET, None).is_err());
        assert!(t.allows(&Method::HEAD, None).is_err());
        assert!(t.allows(&Method::GET, Some("r")).is_ok());
        assert!(t.allows(&Method::GET, Some("w")).is_ok());
        assert!(t.allows(&Method::POST, Some("r")).is_err());
        let only_read = tokens(None, Some("r"));
        assert!(only_read.allows(&Method::POST, None).is_err());
        assert!(only_read.allows(&Method::POST, Some("r")).is_ok());
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }

    #[actix_web::test]
    async fn without_the_token_configuration_the_guard_fails_closed() {
        use actix_web::{middleware::from_fn, test, App, HttpResponse};
        let app = test::init_service(
            App::new().service(
                web::scope("/api")
                    .wrap(from_fn(require_tokens))
                    .route("/batches", web::get().to(HttpResponse::Ok)),
            ),
        )
        .await;
        for method in [Method::GET, Method::POST] {
            let req = test::TestRequest::default()
                .method(method.clone())
                .uri("/api/batches")
                .to_request();
            let res = test::call_service(&app, req).await;
            assert_eq!(res.status(), 500, "{method}");
            let body: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(body["code"], "internal", "{method}: {body}");
        }
    }

    #[test]
    fn query_tokens_are_taken_out_of_the_uri_in_any_spelling() {
        let strip = |s: &str| without_query_token(&s.parse::<Uri>().unwrap());
        assert!(strip("/api/events").is_none());
        assert!(strip("/api/events?after=1").is_none());
        let (token, uri) = strip("/api/events?access_token=s3cret").unwrap();
        assert_eq!(token.as_deref(), Some("s3cret"));
        assert_eq!(uri.to_string(), "/api/events");
        let (token, uri) =
            strip("/api/events?a=1&%61ccess_token=x%2By&b=2&access%5Ftoken=z").unwrap();
        assert_eq!(token.as_deref(), Some("x+y"));
        assert_eq!(uri.to_string(), "/api/events?a=1&b=2");
        assert_eq!(percent_decoded("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decoded("a%4").as_deref(), Some("a%4"));
    }
}
