//! Cross-origin requests (actix-cors), for dashboards served from another origin, such as
//! the original React dashboard. `TIQETS_API_CORS_ORIGINS` is a comma-separated list of
//! origins (`https://dash.example.com,http://localhost:5173`) or `*`; empty (the default)
//! adds nothing, for same-origin use.
//!
//! Preflights are answered for the API's methods and headers, `Authorization` included, so
//! the read and write tokens work from an allowed origin. Credentials (cookies) are never
//! allowed: the API's tokens are headers, and with `*` they would open it to any page. A
//! request whose `Origin` names the API's own host is same-origin and always allowed (the
//! bundled dashboard's uploads carry an `Origin`).

use actix_cors::Cors;
use actix_web::http::{header, Method};

/// How long a browser may keep a preflight's answer.
const MAX_AGE_SECS: usize = 3600;

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CorsOrigins {
    /// Only the API's own origin (no CORS headers at all).
    #[default]
    SameOrigin,
    /// `*`: every origin, without credentials.
    Any,
    /// These origins (`scheme://host[:port]`), compared exactly.
    List(Vec<String>),
}

impl CorsOrigins {
    /// Reads `TIQETS_API_CORS_ORIGINS`; an origin that is not `http(s)://host[:port]` is an
    /// error naming it.
    pub fn parse(raw: &str) -> Result<CorsOrigins, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(CorsOrigins::SameOrigin);
        }
        if raw == "*" {
            return Ok(CorsOrigins::Any);
        }
        let origins = raw
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| valid_origin(o).map(str::to_string))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CorsOrigins::List(origins))
    }

    /// Whether any cross-origin request is allowed.
    pub fn enabled(&self) -> bool {
        *self != CorsOrigins::SameOrigin
    }

    /// The middleware (a no-op builder when [`CorsOrigins::enabled`] is false).
    pub fn middleware(&self) -> Cors {
        let cors = Cors::default()
            .allowed_methods([Method::GET, Method::HEAD, Method::POST])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::HeaderName::from_static("last-event-id"),
                header::HeaderName::from_static("traceparent"),
            ])
            .expose_headers([
                header::HeaderName::from_static("x-request-id"),
                header::RETRY_AFTER,
                header::LOCATION,
                header::CONTENT_DISPOSITION,
            ])
            .max_age(MAX_AGE_SECS);
        match self {
            CorsOrigins::SameOrigin => cors,
            CorsOrigins::Any => cors.allow_any_origin().send_wildcard(),
            CorsOrigins::List(origins) => origins
                .iter()
                .fold(cors, |cors, o| cors.allowed_origin(o))
                .allowed_origin_fn(same_origin),
        }
    }
}

/// Whether `origin` names the host the request was sent to.
fn same_origin(origin: &header::HeaderValue, req: &actix_web::dev::RequestHead) -> bool {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((host, authority), (Some(h), Some(a)) if h.eq_ignore_ascii_case(a))
}

/// `origin` when it is `http(s)://host[:port]` with nothing after.
fn valid_origin(origin: &str) -> Result<&str, String> {
    let bad = || {
        format!(
            "TIQETS_API_CORS_ORIGINS: {origin:?} is not an origin \
             (expected scheme://host[:port], e.g. https://dash.example.com, or *)"
        )
    };
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    let host_ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !matches!(scheme, "http" | "https") || !host_ok {
        return Err(bad());
    }
    origin.parse::<actix_web::http::Uri>().map_err(|_| bad())?;
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_a_list_a_star_or_nothing() {
        assert_eq!(CorsOrigins::parse("").unwrap(), CorsOrigins::SameOrigin);
        assert_eq!(CorsOrigins::parse(" * ").unwrap(), CorsOrigins::Any);
        assert_eq!(
            CorsOrigins::parse("http://localhost:5173, https://dash.example.com").unwrap(),
            CorsOrigins::List(vec![
                "http://localhost:5173".into(),
                "https://dash.example.com".into()
            ])
        );
        for bad in [
            "localhost:5173",
            "ftp://x",
            "http://x/",
            "http://x/path",
            "http://",
            "*,http://x",
        ] {
            let e = CorsOrigins::parse(bad).unwrap_err();
            assert!(e.contains("TIQETS_API_CORS_ORIGINS"), "{bad}: {e}");
        }
    }
}
