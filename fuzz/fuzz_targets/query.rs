//! The api's query parameters (`tiqets_api::params`): any query string read as each query
//! struct the way the `Checked` extractor reads it (`web::Query::<T>::from_query`), then
//! checked (`Check::check`); and the `{batch_id}` path parameter (`BatchRef::parse`).
//!
//! Invariants: a value is accepted exactly when it is a whole number written in plain
//! digits within its documented range (a missing one takes its default), and then it is
//! that number: `limit` 1 to 100 (default 5), `page` 1 to 1000000000 (default 1),
//! `per_page` 1 to 1000 (default 100), `wait` 0 to 60 s, `customer_id` 1 to
//! 9223372036854775807; a page's offset stays far inside PostgreSQL's bigint; `code` and
//! `file` are accepted exactly when they name a code or a file; a refusal is a 400 whose
//! message names the parameter; `latest` or a batch id (1 to 100 ASCII letters, digits, `-`,
//! `_`) is the only batch accepted, as written.

#![no_main]

use actix_web::web::Query;
use libfuzzer_sys::fuzz_target;
use tiqets_api::params::{
    BatchRef, Check, CustomerFilter, FileParam, IssueFilter, LimitQuery, PageQuery, ProcessQuery,
    MAX_ID,
};
use tiqets_api::ApiError;
use tiqets_domain::IssueCode;

/// The oracle: plain digits (nothing else, not empty) whose value is in `min..=max`.
fn number(raw: Option<&str>, default: u64, min: u64, max: u64) -> Option<u64> {
    let Some(raw) = raw else {
        return Some(default);
    };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u128 = 0;
    for b in raw.bytes() {
        v = (v * 10 + u128::from(b - b'0')).min(u128::from(u64::MAX) + 1);
    }
    (u128::from(min)..=u128::from(max))
        .contains(&v)
        .then_some(v as u64)
}

fn refused(e: ApiError, name: &str) {
    assert!(matches!(e, ApiError::BadRequest(_)), "{e:?}");
    let m = e.public_message();
    assert!(
        m.contains(&format!("`{name}`")),
        "{m:?} does not name `{name}`"
    );
}

fn check_number(got: Result<u64, ApiError>, want: Option<u64>, name: &str) {
    match (got, want) {
        (Ok(g), Some(w)) => assert_eq!(g, w, "`{name}`"),
        (Err(e), None) => refused(e, name),
        (g, w) => panic!("`{name}`: got {g:?}, want {w:?}"),
    }
}

fn query(s: &str) {
    if let Ok(q) = Query::<LimitQuery>::from_query(s) {
        let want = number(q.limit.as_deref(), 5, 1, 100);
        check_number(q.check().map(u64::from), want, "limit");
    }
    if let Ok(q) = Query::<PageQuery>::from_query(s) {
        let page = number(q.page.as_deref(), 1, 1, 1_000_000_000);
        let per_page = number(q.per_page.as_deref(), 100, 1, 1000);
        match q.check() {
            Ok(p) => {
                assert_eq!((Some(p.page), Some(p.per_page)), (page, per_page));
                assert!(p.offset() <= 999_999_999 * 1000 && p.offset() < i64::MAX as u64);
                assert_eq!(u64::from(p.limit()), p.per_page);
            }
            Err(e) => {
                let name = if page.is_none() { "page" } else { "per_page" };
                assert!(per_page.is_none() || page.is_none(), "refused {e:?}");
                refused(e, name);
            }
        }
    }
    if let Ok(q) = Query::<ProcessQuery>::from_query(s) {
        let wait = number(q.wait.as_deref(), 0, 0, 60);
        let paged = q.page.is_some() || q.per_page.is_some();
        let page = number(q.page.as_deref(), 1, 1, 1_000_000_000);
        let per_page = number(q.per_page.as_deref(), 100, 1, 1000);
        match q.check() {
            Ok(ask) => {
                assert_eq!(Some(ask.wait.as_secs()), wait);
                assert!(ask.wait.as_secs() <= 60);
                match ask.page {
                    Some(p) => {
                        assert!(paged);
                        assert_eq!((Some(p.page), Some(p.per_page)), (page, per_page));
                    }
                    None => assert!(!paged),
                }
            }
            Err(e) => {
                assert!(wait.is_none() || (paged && (page.is_none() || per_page.is_none())));
                let name = if wait.is_none() {
                    "wait"
                } else if page.is_none() {
                    "page"
                } else {
                    "per_page"
                };
                refused(e, name);
            }
        }
    }
    if let Ok(q) = Query::<CustomerFilter>::from_query(s) {
        let want = q
            .customer_id
            .as_deref()
            .map(|r| number(Some(r), 0, 1, MAX_ID));
        match (q.check(), want) {
            (Ok(None), None) => {}
            (Ok(Some(id)), Some(Some(w))) => assert_eq!(id, w),
            (Err(e), Some(None)) => refused(e, "customer_id"),
            (g, w) => panic!("`customer_id`: got {g:?}, want {w:?}"),
        }
    }
    if let Ok(q) = Query::<IssueFilter>::from_query(s) {
        let code = q.code.as_deref().map(IssueCode::parse);
        let file = q.file.as_deref().map(|f| match f {
            "orders" => Some(FileParam::Orders),
            "barcodes" => Some(FileParam::Barcodes),
            _ => None,
        });
        match q.check() {
            Ok((c, f)) => {
                assert_eq!(c, code.flatten());
                assert_eq!(c.is_some(), q.code.is_some());
                if let Some(c) = c {
                    assert_eq!(Some(c.as_str()), q.code.as_deref());
                }
                assert_eq!(f, file.flatten());
                assert_eq!(f.is_some(), q.file.is_some());
            }
            Err(e) => {
                let name = if code == Some(None) { "code" } else { "file" };
                assert!(code == Some(None) || file == Some(None), "refused {e:?}");
                refused(e, name);
            }
        }
    }
}

fn batch(raw: &str) {
    let is_id = (1..=100).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match BatchRef::parse(raw) {
        Ok(BatchRef::Latest) => assert_eq!(raw, "latest"),
        Ok(BatchRef::Id(id)) => {
            assert!(is_id && raw != "latest", "{raw:?} taken as a batch id");
            assert_eq!(id.as_str(), raw);
        }
        Err(e) => {
            assert!(!is_id, "{raw:?} refused");
            refused(e, "batch_id");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    query(s);
    batch(s);
});
