//! Query and path parameters, checked by hand so that a bad value gets a message saying
//! what is allowed (`limit` of 0, 101 or `abc` → "`limit` must be a whole number from 1 to
//! 100"). The query structs take every value as text; their OpenAPI schemas say the types.
//! [`Checked`] is the extractor that hands a handler the checked values.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::future::{ready, Ready};
use tiqets_contract::BatchId;
use tiqets_domain::IssueCode;
use utoipa::IntoParams;

/// The largest id (`docs/processing-rules.md`, Values: 1 to 9223372036854775807).
pub const MAX_ID: u64 = i64::MAX as u64;
/// Default and largest `limit` of the top customers.
pub const DEFAULT_LIMIT: u64 = 5;
pub const MAX_LIMIT: u64 = 100;
/// Default and largest page size.
pub const DEFAULT_PER_PAGE: u64 = 100;
pub const MAX_PER_PAGE: u64 = 1000;
/// The largest page number (keeps every offset far inside PostgreSQL's bigint).
pub const MAX_PAGE_NUMBER: u64 = 1_000_000_000;

/// A whole number in `min..=max`, `default` when absent.
pub fn number(
    name: &str,
    raw: Option<&str>,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match raw.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "`{name}` must be a whole number from {min} to {max}, not {raw:?}"
        ))),
    }
}

/// An id (customer or order): 1 to 9223372036854775807.
pub fn id(name: &str, raw: &str) -> Result<u64, ApiError> {
    number(name, Some(raw), 0, 1, MAX_ID)
}

/// `?limit=` of the top customers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// How many customers, 1 to 100 (default 5).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

impl LimitQuery {
    pub fn limit(&self) -> Result<u32, ApiError> {
        number("limit", self.limit.as_deref(), DEFAULT_LIMIT, 1, MAX_LIMIT).map(|n| n as u32)
    }
}

/// A page: `page` from 1, `per_page` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u64,
    pub per_page: u64,
}

impl Page {
    /// How many items come before this page.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }

    pub fn limit(&self) -> u32 {
        self.per_page as u32
    }
}

/// `?page=&per_page=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1). A page past the end is empty.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000000)]
    pub page: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(Page {
            page: number("page", self.page.as_deref(), 1, 1, MAX_PAGE_NUMBER)?,
            per_page: number(
                "per_page",
                self.per_page.as_deref(),
                DEFAULT_PER_PAGE,
                1,
                MAX_PER_PAGE,
            )?,
        })
    }
}

/// The longest `?wait=` of `/api/process`, in seconds.
pub const MAX_WAIT_SECS: u64 = 60;

/// `?wait=`, `?page=` and `?per_page=` of `/api/process`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcessQuery {
    /// Seconds, 0 to 60 (default 0): while a batch is on its way (or none has completed
    /// yet), wait up to this long for it to end before answering.
    #[param(value_type = Option<u64>, minimum = 0, maximum = 60)]
    pub wait: Option<String>,
    /// Page number, from 1: answer one page of the orders and of the unused barcodes
    /// instead of all of them. A page past the end is empty.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000000)]
    pub page: Option<String>,
    /// Items per page, 1 to 1000 (default 100 when `page` is given).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
}

/// What `/api/process` was asked: how long to wait, and a page or everything.
#[derive(Debug, Clone, Copy)]
pub struct ProcessAsk {
    pub wait: std::time::Duration,
    pub page: Option<Page>,
}

impl Check for ProcessQuery {
    type Output = ProcessAsk;
    fn check(&self) -> Result<ProcessAsk, ApiError> {
        let wait = number("wait", self.wait.as_deref(), 0, 0, MAX_WAIT_SECS)?;
        let paged = self.page.is_some() || self.per_page.is_some();
        let page = PageQuery {
            page: self.page.clone(),
            per_page: self.per_page.clone(),
        };
        Ok(ProcessAsk {
            wait: std::time::Duration::from_secs(wait),
            page: if paged { Some(page.page()?) } else { None },
        })
    }
}

/// `?customer_id=` filter of a batch's orders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Only this customer's orders.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 9223372036854775807_u64)]
    pub customer_id: Option<String>,
}

impl CustomerFilter {
    pub fn customer_id(&self) -> Result<Option<u64>, ApiError> {
        self.customer_id
            .as_deref()
            .map(|raw| id("customer_id", raw))
            .transpose()
    }
}

/// Which input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileParam {
    Orders,
    Barcodes,
}

/// `?code=&file=` filters of a batch's issues.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueFilter {
    /// Only issues with this code.
    #[param(value_type = Option<tiqets_domain::IssueCode>)]
    pub code: Option<String>,
    /// Only issues of this file.
    #[param(value_type = Option<FileParam>)]
    pub file: Option<String>,
}

impl IssueFilter {
    /// The code, checked against the known codes.
    pub fn code(&self) -> Result<Option<IssueCode>, ApiError> {
        let Some(raw) = self.code.as_deref() else {
            return Ok(None);
        };
        IssueCode::parse(raw).map(Some).ok_or_else(|| {
            let known: Vec<&str> = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
            ApiError::bad_request(format!(
                "`code` must be one of {}, not {raw:?}",
                known.join(", ")
            ))
        })
    }

    pub fn file(&self) -> Result<Option<FileParam>, ApiError> {
        match self.file.as_deref() {
            None => Ok(None),
            Some("orders") => Ok(Some(FileParam::Orders)),
            Some("barcodes") => Ok(Some(FileParam::Barcodes)),
            Some(raw) => Err(ApiError::bad_request(format!(
                "`file` must be `orders` or `barcodes`, not {raw:?}"
            ))),
        }
    }
}

/// A query struct whose text values are checked into typed ones.
pub trait Check: DeserializeOwned + 'static {
    type Output;
    /// The values, or a 400 saying what is allowed.
    fn check(&self) -> Result<Self::Output, ApiError>;
}

impl Check for LimitQuery {
    type Output = u32;
    fn check(&self) -> Result<u32, ApiError> {
        self.limit()
    }
}

impl Check for PageQuery {
    type Output = Page;
    fn check(&self) -> Result<Page, ApiError> {
        self.page()
    }
}

impl Check for CustomerFilter {
    type Output = Option<u64>;
    fn check(&self) -> Result<Option<u64>, ApiError> {
        self.customer_id()
    }
}

impl Check for IssueFilter {
    type Output = (Option<IssueCode>, Option<FileParam>);
    fn check(&self) -> Result<Self::Output, ApiError> {
        Ok((self.code()?, self.file()?))
    }
}

/// An extractor: the query string read as `T` (a malformed one fails as `web::Query` does)
/// and checked. It is ready at once, so in a handler's arguments before a batch lookup its
/// 400 comes first.
pub struct Checked<T: Check>(pub T::Output);

impl<T: Check> FromRequest for Checked<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let query = web::Query::<T>::from_request(req, payload).into_inner();
        ready(query.and_then(|q| q.check().map(Checked).map_err(Into::into)))
    }
}

/// The `{batch_id}` path parameter, as the OpenAPI document describes it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BatchPath {
    /// A batch id, or `latest` for the current batch
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = "^[A-Za-z0-9_-]{1,100}$",
        example = "latest"
    )]
    pub batch_id: String,
}

/// A batch named in a path: its id, or `latest` for the current batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRef {
    Latest,
    Id(BatchId),
}

impl BatchRef {
    pub fn parse(raw: &str) -> Result<BatchRef, ApiError> {
        if raw == "latest" {
            return Ok(BatchRef::Latest);
        }
        BatchId::parse(raw).map(BatchRef::Id).map_err(|_| {
            ApiError::bad_request(format!(
                "`batch_id` must be a batch id (1-100 ASCII letters, digits, '-' or '_') or `latest`, not {raw:?}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(raw: Option<&str>) -> Result<u32, String> {
        LimitQuery {
            limit: raw.map(str::to_string),
        }
        .limit()
        .map_err(|e| e.public_message())
    }

    #[test]
    fn limits_are_1_to_100_default_5() {
        assert_eq!(limit(None), Ok(5));
        assert_eq!(limit(Some("1")), Ok(1));
        assert_eq!(limit(Some("100")), Ok(100));
        for bad in ["0", "101", "abc", "", "-1", "+5", "1.0", " 5"] {
            let e = limit(Some(bad)).unwrap_err();
            assert!(
                e.contains("`limit` must be a whole number from 1 to 100"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn pages_and_ids_are_bounded() {
        let q = PageQuery {
            page: Some("3".into()),
            per_page: Some("20".into()),
        };
        let p = q.page().unwrap();
        assert_eq!((p.offset(), p.limit()), (40, 20));
        let q = PageQuery {
            page: None,
            per_page: Some("1001".into()),
        };
        assert!(q.page().is_err());
        assert_eq!(id("customer_id", "9223372036854775807").unwrap(), MAX_ID);
        assert!(id("customer_id", "9223372036854775808").is_err());
        assert!(id("customer_id", "0").is_err());
        assert_eq!(id("customer_id", "007").unwrap(), 7);
    }

    #[test]
    fn issue_filters_name_the_allowed_values() {
        let f = IssueFilter {
            code: Some("nope".into()),
            file: Some("x".into()),
        };
        assert!(f
            .code()
            .unwrap_err()
            .public_message()
            .contains("duplicate_barcode"));
        assert!(f
            .file()
            .unwrap_err()
            .public_message()
            .contains("`orders` or `barcodes`"));
        let f = IssueFilter {
            code: Some("unknown_order".into()),
            file: Some("barcodes".into()),
        };
        assert_eq!(f.code().unwrap(), Some(IssueCode::UnknownOrder));
        assert_eq!(f.file().unwrap(), Some(FileParam::Barcodes));
        assert_eq!(BatchRef::parse("latest").unwrap(), BatchRef::Latest);
        assert!(BatchRef::parse("a.b").is_err());
    }
}

/// `?since=&kind=` of a batch's changes, as read (each endpoint documents the parameters
/// it takes: [`SinceQuery`] and one of the kind filters).
#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    pub since: Option<String>,
    pub kind: Option<String>,
}

/// `?since=` of a batch's changes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its schema is used
pub struct SinceQuery {
    /// The older batch to compare with (default: the completed batch before this one).
    #[param(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9_-]{1,100}$")]
    since: Option<String>,
}

/// An enum of text values, for a parameter's schema.
fn kinds_schema(kinds: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(kinds.iter().copied()))
        .build()
}

fn order_kinds() -> utoipa::openapi::Object {
    kinds_schema(&tiqets_store::queries::changes::KINDS[0..3])
}

fn barcode_kinds() -> utoipa::openapi::Object {
    kinds_schema(&tiqets_store::queries::changes::KINDS[3..8])
}

fn customer_kinds() -> utoipa::openapi::Object {
    kinds_schema(&tiqets_store::queries::changes::KINDS[8..9])
}

/// `?kind=` of the changed orders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its schema is used
pub struct OrderKindQuery {
    /// Only changes of this kind.
    #[param(schema_with = order_kinds)]
    kind: Option<String>,
}

/// `?kind=` of the changed barcodes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its schema is used
pub struct BarcodeKindQuery {
    /// Only changes of this kind.
    #[param(schema_with = barcode_kinds)]
    kind: Option<String>,
}

/// `?kind=` of the changed customers (there is one kind).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only its schema is used
pub struct CustomerKindQuery {
    /// Only changes of this kind.
    #[param(schema_with = customer_kinds)]
    kind: Option<String>,
}

/// The checked `?since=&kind=`: a batch id, and a kind of
/// `tiqets_store::queries::changes::KINDS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangesAsk {
    pub since: Option<BatchId>,
    pub kind: Option<&'static str>,
}

impl Check for ChangesQuery {
    type Output = ChangesAsk;
    fn check(&self) -> Result<ChangesAsk, ApiError> {
        let since = match self.since.as_deref() {
            None => None,
            Some(raw) => Some(BatchId::parse(raw).map_err(|_| {
                ApiError::bad_request(format!(
                    "`since` must be a batch id (1-100 ASCII letters, digits, '-' or '_'), not {raw:?}"
                ))
            })?),
        };
        let kinds = tiqets_store::queries::changes::KINDS;
        let kind = match self.kind.as_deref() {
            None => None,
            Some(raw) => Some(kinds.iter().copied().find(|k| *k == raw).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`kind` must be one of {}, not {raw:?}",
                    kinds.join(", ")
                ))
            })?),
        };
        Ok(ChangesAsk { since, kind })
    }
}

/// `?batch=` of a barcode lookup.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// The batch to look in (a batch id or `latest`, the default).
    #[param(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9_-]{1,100}$")]
    pub batch: Option<String>,
}

impl Check for BatchQuery {
    type Output = BatchRef;
    fn check(&self) -> Result<BatchRef, ApiError> {
        match self.batch.as_deref() {
            None => Ok(BatchRef::Latest),
            Some(raw) => BatchRef::parse(raw),
        }
    }
}

/// The longest barcode a lookup takes (`docs/processing-rules.md`, Values).
pub const MAX_BARCODE_LEN: usize = 64;

/// A barcode in a path: ASCII letters and digits.
pub fn barcode(raw: &str) -> Result<&str, ApiError> {
    if (1..=MAX_BARCODE_LEN).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Ok(raw)
    } else {
        Err(ApiError::bad_request(format!(
            "`barcode` must be 1-{MAX_BARCODE_LEN} ASCII letters and digits, not {raw:?}"
        )))
    }
}

/// `?force=` of a batch's deletion.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForceQuery {
    /// `true` to delete the current batch too (default `false`).
    #[param(value_type = Option<bool>)]
    pub force: Option<String>,
}

impl Check for ForceQuery {
    type Output = bool;
    fn check(&self) -> Result<bool, ApiError> {
        match self.force.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(raw) => Err(ApiError::bad_request(format!(
                "`force` must be true or false, not {raw:?}"
            ))),
        }
    }
}
