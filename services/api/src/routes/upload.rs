//! `POST /api/batches`: a multipart upload of `orders` and `barcodes` (and optionally a
//! `name`) becomes one batch, through the same publishing path as the input folder
//! (`tiqets_intake::Publisher`). Each file is spooled to an anonymous temporary file while it
//! is hashed (never whole in memory), then streamed into the object store. A file over
//! `TIQETS_UPLOAD_MAX_BYTES` is refused with 413 before anything is published, so nothing
//! is left behind. The names the client gives its files are kept for display only, never
//! used as paths.

use crate::error::ApiError;
use crate::limits::{Limit, Reservation};
use crate::model::{ErrorBody, IntoApi, Status, UploadOutcome, UploadResponse};
use crate::spool::{spool, SpoolError, Spooled};
use crate::state::{AppState, UploadLimits};
use actix_multipart::{Field, Multipart};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures::StreamExt;
use std::cell::Cell;
use std::rc::Rc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tiqets_contract::{BatchStatus, Source};
use tiqets_intake::{Input, PairRequest, PublishError, Published};
use utoipa::ToSchema;

/// The longest accepted batch name, in characters.
const MAX_NAME_CHARS: usize = 100;
/// The most of a refused body read (and thrown away) so that the client gets the answer
/// instead of a connection reset in the middle of sending.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// The multipart form of an upload: no other parts.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)] // for the schema: `additionalProperties: false`
#[allow(dead_code)] // only its schema is used
pub struct UploadForm {
    /// `orders.csv`: `order_id,customer_id` (1 byte to `TIQETS_UPLOAD_MAX_BYTES`).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    orders: Vec<u8>,
    /// `barcodes.csv`: `barcode,order_id` (1 byte to `TIQETS_UPLOAD_MAX_BYTES`).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    barcodes: Vec<u8>,
    /// The batch's name (default `upload-<UTC time>`): at most 100 characters, no control
    /// characters, not only spaces; surrounding spaces are dropped.
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: Option<String>,
}

/// The parts read so far.
#[derive(Default)]
struct Form {
    orders: Option<(Spooled, String)>,
    barcodes: Option<(Spooled, String)>,
    name: Option<String>,
}

/// Uploads a batch: both files, streamed into the pipeline. Answers 202 with the batch id
/// and where to follow it; a pair byte-identical to a completed batch is not processed
/// again and answers 200 with that batch.
#[utoipa::path(
    post,
    path = "/api/batches",
    tag = "batches",
    request_body(content = inline(UploadForm), content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Received: the batch is queued for validation (or, for a repeat, still in progress)", body = UploadResponse,
            headers(("location" = String, description = "The batch's status URL"))),
        (status = 200, description = "A repeat of a completed batch: nothing is processed again; `data` names that batch", body = UploadResponse),
        (status = 400, description = "A part is missing, repeated, empty or unexpected, or the name is invalid", body = ErrorBody),
        (status = 413, description = "A file is larger than the upload limit", body = ErrorBody),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody),
        (status = 507, description = "The pipeline's file store is at its byte limit: nothing was stored; try again after `Retry-After` seconds", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 429, description = "Too many uploads in progress, or the upload spool is full: try again after `Retry-After` seconds", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limits = &state.uploads;
    let Some(_slot) = limits.slots.try_take() else {
        state.metrics.uploads.with_label_values(&["rejected"]).inc();
        return Err(ApiError::TooMany(
            Limit::Uploads,
            "too many uploads in progress (TIQETS_UPLOAD_MAX_CONCURRENT); try again shortly".into(),
        ));
    };
    let result = receive(&req, payload, limits).await;
    let form = match result {
        Ok(form) => form,
        Err(e) => {
            state.metrics.uploads.with_label_values(&["rejected"]).inc();
            return Err(e);
        }
    };
    let (orders, orders_name) = form.orders.ok_or_else(|| missing("orders"))?;
    let (barcodes, barcodes_name) = form.barcodes.ok_or_else(|| missing("barcodes"))?;
    let name = form.name.unwrap_or_else(default_name);
    let request = PairRequest {
        name: name.clone(),
        source: Source::Upload {
            orders: orders_name,
            barcodes: barcodes_name,
        },
        supersedes: None,
    };
    // The spool files (and their share of the budget) live until published.
    let ((orders, _orders_spool), (barcodes, _barcodes_spool)) = (input(orders), input(barcodes));
    let published = state
        .publisher
        .publish_pair(request, orders, barcodes)
        .await
        .map_err(|e| match e {
            PublishError::Bus(e) if e.is_full() => {
                tracing::warn!(error = %e, "upload refused: the pipeline's storage is full");
                state
                    .metrics
                    .limited
                    .with_label_values(&["nats_bytes"])
                    .inc();
                ApiError::Full(
                    "the pipeline's file store is full; nothing was stored: try again once \
                     older batches' files have expired, or raise TIQETS_NATS_MAX_BYTES_FILES"
                        .into(),
                )
            }
            PublishError::Bus(e) => ApiError::Bus(e),
            e @ PublishError::Unconfirmed { .. } => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        })?;
    let outcome = match published {
        Published::Queued { .. } => "queued",
        Published::Repeat { .. } => "repeat",
    };
    state.metrics.uploads.with_label_values(&[outcome]).inc();
    Ok(answer(published, name))
}

fn input(s: Spooled) -> (Input<tokio::fs::File>, Reservation) {
    let input = Input {
        reader: s.file,
        sha256: s.sha256,
        size: s.size,
    };
    (input, s.reserved)
}

fn missing(part: &str) -> ApiError {
    ApiError::invalid_upload(format!(
        "missing part `{part}`: send multipart/form-data with the files `orders` and `barcodes` (and optionally `name`)"
    ))
}

fn default_name() -> String {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    format!("upload-{}", now.format(&Rfc3339).unwrap_or_default())
}

/// The answer to a published pair: 202 with its status URL when queued; for a repeat, 200
/// (completed) or 202 (in progress) naming the batch it repeats.
pub(crate) fn answer(published: Published, name: String) -> HttpResponse {
    let (outcome, status_code) = match published {
        Published::Queued { batch, .. } => {
            let id = batch.batch_id.to_string();
            let url = format!("/api/batches/{id}");
            let message = format!(
                "received; follow its progress at {url} or /api/events (attempt {})",
                batch.attempt
            );
            (
                UploadOutcome {
                    batch_id: id,
                    name,
                    status: Status::Received,
                    repeat: false,
                    status_url: url,
                    message,
                },
                actix_web::http::StatusCode::ACCEPTED,
            )
        }
        Published::Repeat {
            batch_id,
            status,
            original_name,
        } => {
            let id = batch_id.to_string();
            let url = format!("/api/batches/{id}");
            let message = format!(
                "byte-identical to batch {id} ({original_name:?}), which is {status}; not processed again"
            );
            let code = if status == BatchStatus::Completed {
                actix_web::http::StatusCode::OK
            } else {
                actix_web::http::StatusCode::ACCEPTED
            };
            (
                UploadOutcome {
                    batch_id: id,
                    name: original_name,
                    status: status.into_api(),
                    repeat: true,
                    status_url: url,
                    message,
                },
                code,
            )
        }
    };
    HttpResponse::build(status_code)
        .insert_header((header::LOCATION, outcome.status_url.clone()))
        .json(crate::model::Envelope {
            status: crate::model::SuccessTag::Success,
            data: outcome,
        })
}

/// Reads the form, spooling the files. On a file over the limit (or past the spool
/// budget), reads (and drops) what is left of the body, up to [`DRAIN_LIMIT`], before
/// answering 413 (or 429).
async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    limits: &UploadLimits,
) -> Result<Form, ApiError> {
    let max = limits.max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max.saturating_mul(2).saturating_add(1 << 20)) {
        return Err(too_large(max));
    }
    if req
        .mime_type()
        .ok()
        .flatten()
        .map(|m| m.essence_str().to_string())
        != Some("multipart/form-data".to_string())
    {
        return Err(ApiError::UnsupportedMediaType(
            "send multipart/form-data with the files `orders` and `barcodes` (and optionally `name`)"
                .into(),
        ));
    }
    // Count what is read, so that draining a refused body can be cut off.
    let read = Rc::new(Cell::new(0u64));
    let cap = Rc::new(Cell::new(u64::MAX));
    let counted = {
        let (read, cap) = (read.clone(), cap.clone());
        payload.map(move |chunk| {
            if let Ok(bytes) = &chunk {
                read.set(read.get() + bytes.len() as u64);
                if read.get() > cap.get() {
                    return Err(PayloadError::Overflow);
                }
            }
            chunk
        })
    };
    let mut multipart = Multipart::new(req.headers(), counted);
    let mut form = Form::default();
    let result = read_parts(&mut multipart, limits, &mut form).await;
    if matches!(
        result,
        Err(ApiError::PayloadTooLarge(_) | ApiError::TooMany(Limit::Spool, _))
    ) {
        cap.set(read.get().saturating_add(DRAIN_LIMIT));
        drain(&mut multipart).await;
    }
    result.map(|()| form)
}

fn too_large(max: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "each file may have at most {max} bytes (TIQETS_UPLOAD_MAX_BYTES)"
    ))
}

async fn read_parts(
    multipart: &mut Multipart,
    limits: &UploadLimits,
    form: &mut Form,
) -> Result<(), ApiError> {
    while let Some(field) = multipart.next().await {
        let field = field
            .map_err(|e| ApiError::invalid_upload(format!("malformed multipart body: {e}")))?;
        let part = field.name().unwrap_or_default().to_string();
        match part.as_str() {
            "orders" | "barcodes" => {
                let slot = if part == "orders" {
                    &mut form.orders
                } else {
                    &mut form.barcodes
                };
                if slot.is_some() {
                    return Err(ApiError::invalid_upload(format!(
                        "part `{part}` is sent twice"
                    )));
                }
                let file_name = display_name(&field, &part);
                let spooled = spool(field, &limits.dir, limits.max_bytes, &limits.spool)
                    .await
                    .map_err(|e| match e {
                        SpoolError::TooLarge { max } => too_large(max),
                        SpoolError::Full { max } => ApiError::TooMany(
                            Limit::Spool,
                            format!(
                                "the upload spool is full: uploads in progress hold its \
                                     {max} bytes (TIQETS_UPLOAD_SPOOL_MAX_BYTES); try again \
                                     shortly"
                            ),
                        ),
                        SpoolError::Body(m) => {
                            ApiError::invalid_upload(format!("reading part `{part}`: {m}"))
                        }
                        SpoolError::Io(e) => ApiError::Internal(format!("spooling {part}: {e}")),
                    })?;
                if spooled.size == 0 {
                    return Err(ApiError::invalid_upload(format!(
                        "part `{part}` is empty: it must hold the CSV file with its header line"
                    )));
                }
                *slot = Some((spooled, file_name));
            }
            "name" => {
                if form.name.is_some() {
                    return Err(ApiError::invalid_upload("part `name` is sent twice"));
                }
                form.name = Some(read_name(field).await?);
            }
            other => {
                return Err(ApiError::invalid_upload(format!(
                    "unexpected part {other:?}: send the files `orders` and `barcodes` (and optionally `name`)"
                )));
            }
        }
    }
    Ok(())
}

/// The file name the client gave, for display: control characters dropped, at most 200
/// characters, the part's name when none was given.
fn display_name(field: &Field, part: &str) -> String {
    let given = field
        .content_disposition()
        .and_then(|cd| cd.get_filename())
        .unwrap_or_default();
    let clean: String = given
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if clean.trim().is_empty() {
        format!("{part}.csv")
    } else {
        clean
    }
}

async fn read_name(mut field: Field) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::invalid_upload(format!("reading part `name`: {e}")))?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_NAME_CHARS * 4 {
            break;
        }
    }
    let name = String::from_utf8(bytes).unwrap_or_default();
    let ok = !name.trim().is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control);
    if ok {
        Ok(name.trim().to_string())
    } else {
        Err(ApiError::invalid_upload(format!(
            "`name` must be UTF-8 text of at most {MAX_NAME_CHARS} characters, without control characters and not only spaces"
        )))
    }
}

/// Reads the rest of a refused body without keeping it (the counting stream ends it with
/// an error past [`DRAIN_LIMIT`]).
async fn drain(multipart: &mut Multipart) {
    while let Some(Ok(mut field)) = multipart.next().await {
        while let Some(Ok(_)) = field.next().await {}
    }
}
