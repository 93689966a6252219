//! Bearer tokens. With `TIQETS_API_TOKEN` set, every write under `/api/` needs
//! `Authorization: Bearer <token>`; with `TIQETS_API_READ_TOKEN` set, reads under `/api/`
//! need it too (the write token is accepted for reads as well). Writes are never less
//! protected than reads: with only a read token set, writes need that token.
//! `/api/openapi.json`, the health endpoints and the dashboard stay open. A browser's
//! `EventSource` cannot send headers, so `/api/events` also accepts `?access_token=`.

use crate::error::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

/// The configured tokens.
#[derive(Clone, Default)]
pub struct Tokens {
    pub write: Option<String>,
    pub read: Option<String>,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Open,
    Read,
    Write,
}

fn access(method: &Method, path: &str) -> Access {
    if !path.starts_with("/api/") || path == "/api/openapi.json" {
        return Access::Open;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Access::Read
    } else {
        Access::Write
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
            Access::Open => None,
            Access::Read => read.map(|r| [Some(r), write].into_iter().flatten().collect()),
            Access::Write => write.or(read).map(|t| vec![t]),
        }
    }

    /// Whether `presented` grants a request with `method` on `path`.
    fn allows(&self, method: &Method, path: &str, presented: Option<&str>) -> Result<(), ApiError> {
        let kind = access(method, path);
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

/// The bearer token of a request: the `Authorization` header, or `access_token` in the
/// query of `/api/events`.
fn presented(req: &ServiceRequest) -> Option<String> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
    header.or_else(|| {
        (req.path() == "/api/events")
            .then(|| {
                web::Query::<std::collections::HashMap<String, String>>::from_query(
                    req.query_string(),
                )
                .ok()?
                .get("access_token")
                .cloned()
            })
            .flatten()
    })
}

/// Middleware: answers 401 when a request lacks the token it needs.
pub async fn require_tokens(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let tokens = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|s| s.tokens.clone())
        .unwrap_or_default();
    match tokens.allows(req.method(), req.path(), presented(&req).as_deref()) {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
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
        assert!(t.allows(&Method::POST, "/api/batches", None).is_ok());
        assert!(t.allows(&Method::GET, "/api/batches", None).is_ok());
    }

    #[test]
    fn a_write_token_guards_writes_only() {
        let t = tokens(Some("w"), None);
        assert!(t.allows(&Method::POST, "/api/batches", None).is_err());
        assert!(t.allows(&Method::POST, "/api/batches", Some("x")).is_err());
        assert!(t.allows(&Method::POST, "/api/batches", Some("w")).is_ok());
        assert!(t.allows(&Method::GET, "/api/batches", None).is_ok());
    }

    #[test]
    fn a_read_token_guards_reads_and_the_write_token_reads_too() {
        let t = tokens(Some("w"), Some("r"));
        assert!(t.allows(&Method::GET, "/api/batches", None).is_err());
        assert!(t.allows(&Method::GET, "/api/batches", Some("r")).is_ok());
        assert!(t.allows(&Method::GET, "/api/batches", Some("w")).is_ok());
        assert!(t.allows(&Method::POST, "/api/batches", Some("r")).is_err());
        assert!(t.allows(&Method::GET, "/api/openapi.json", None).is_ok());
        assert!(t.allows(&Method::GET, "/healthz", None).is_ok());
        assert!(t.allows(&Method::GET, "/", None).is_ok());
        let only_read = tokens(None, Some("r"));
        assert!(only_read
            .allows(&Method::POST, "/api/batches", None)
            .is_err());
        assert!(only_read
            .allows(&Method::POST, "/api/batches", Some("r"))
            .is_ok());
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
