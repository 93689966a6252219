//! The byte-parsing pieces of the multipart upload (`POST /api/batches`), which cannot be
//! called without a running api (its handler needs the NATS publisher): the multipart
//! parser exactly as `routes::upload` sets it up (`actix_multipart::Multipart::new` over
//! the request's headers and body, the parts' names and file names from their
//! Content-Disposition), and `tiqets_api::spool::spool`, which writes each file part to an
//! anonymous file while hashing it, under the per-file limit and the shared spool budget.
//!
//! Two inputs in one: (1) any body under a `multipart/form-data` content type with a
//! boundary, both from the input; (2) a well-formed form built from the input (parts with
//! names, file names, content types and any content), cut into pieces.
//!
//! Invariants: nothing panics; the form reads the same twice; a spooled part reads back
//! as exactly the bytes of the part, with their SHA-256 and size; spooling refuses a part
//! exactly when its bytes pass the file limit (`TooLarge`) or the budget (`Full`), or the
//! body fails (`Body`); the budget holds exactly the bytes of the spooled files alive and
//! is given back when they are dropped. A built form reads back as its parts: names, file
//! names and contents.

#![no_main]

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use actix_web::web::Bytes;
use futures::StreamExt;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use tiqets_api::limits::SpoolBudget;
use tiqets_api::spool::{spool, SpoolError};
use tiqets_contract::Sha256;
use tiqets_fuzz::{hash, Rng};
use tokio::io::AsyncReadExt;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn spool_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tiqets-fuzz-spool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the spool folder");
        dir
    })
}

/// One part as read into memory: its name, file name, and the pieces its stream gave
/// (`None` for an error, which ends it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    name: Option<String>,
    filename: Option<String>,
    pieces: Vec<Option<Vec<u8>>>,
}

impl Part {
    fn bytes(&self) -> Vec<u8> {
        self.pieces.iter().flatten().flatten().copied().collect()
    }
}

fn multipart(content_type: &[u8], body: &[Bytes]) -> Option<Multipart> {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_bytes(content_type).ok()?);
    let pieces: Vec<Bytes> = body.to_vec(); // the stream must own them ('static)
    let stream = futures::stream::iter(pieces.into_iter().map(Ok::<_, PayloadError>));
    Some(Multipart::new(&headers, stream))
}

/// Reads every part into memory; `true` with them when the form ended without an error.
async fn read_form(content_type: &[u8], body: &[Bytes]) -> (Vec<Part>, bool) {
    let Some(mut form) = multipart(content_type, body) else {
        return (Vec::new(), false);
    };
    let mut parts = Vec::new();
    while let Some(field) = form.next().await {
        let Ok(mut field) = field else {
            return (parts, false);
        };
        let mut part = Part {
            name: field.name().map(str::to_string),
            filename: field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(str::to_string),
            pieces: Vec::new(),
        };
        while let Some(piece) = field.next().await {
            match piece {
                Ok(b) => part.pieces.push(Some(b.to_vec())),
                Err(_) => {
                    part.pieces.push(None);
                    break;
                }
            }
        }
        let failed = part.pieces.last() == Some(&None);
        parts.push(part);
        if failed {
            return (parts, false);
        }
    }
    (parts, true)
}

/// What spooling a part must give, from its pieces: the size, or the refusal.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Size(u64),
    TooLarge,
    Full,
    Body,
}

fn expected(part: &Part, max: u64, budget_left: u64) -> Want {
    let mut size = 0u64;
    for piece in &part.pieces {
        let Some(bytes) = piece else {
            return Want::Body;
        };
        size += bytes.len() as u64;
        if size > max {
            return Want::TooLarge;
        }
        if size > budget_left {
            return Want::Full;
        }
    }
    Want::Size(size)
}

/// Reads the form again as the upload route does, spooling every part, and checks each
/// against the in-memory reading.
async fn spool_form(content_type: &[u8], body: &[Bytes], parts: &[Part], max: u64, budget: u64) {
    let Some(mut form) = multipart(content_type, body) else {
        return;
    };
    let budget = SpoolBudget::new(budget);
    let mut kept = Vec::new();
    let mut held = 0u64;
    for part in parts {
        let Some(Ok(field)) = form.next().await else {
            panic!("the form read differently the second time");
        };
        assert_eq!(field.name(), part.name.as_deref());
        let want = expected(part, max, budget.max() - held);
        match spool(field, spool_dir(), max, &budget).await {
            Ok(mut s) => {
                assert_eq!(want, Want::Size(s.size), "{part:?}");
                let mut back = Vec::new();
                s.file
                    .read_to_end(&mut back)
                    .await
                    .expect("the spool file reads back");
                assert_eq!(back, part.bytes(), "the spool file holds other bytes");
                assert_eq!(s.sha256, Sha256::of(&back));
                held += s.size;
                assert_eq!(
                    budget.used(),
                    held,
                    "the budget does not hold the spooled bytes"
                );
                kept.push(s);
            }
            Err(SpoolError::TooLarge { max: m }) => {
                assert_eq!((want, m), (Want::TooLarge, max), "{part:?}");
                break;
            }
            Err(SpoolError::Full { .. }) => {
                assert_eq!(want, Want::Full, "{part:?}");
                break;
            }
            Err(SpoolError::Body(_)) => {
                assert_eq!(want, Want::Body, "{part:?}");
                break;
            }
            Err(SpoolError::Io(e)) => panic!("spool I/O error: {e}"),
        }
        assert_eq!(budget.used(), held, "a refused part kept budget");
    }
    drop(kept);
    assert_eq!(budget.used(), 0, "the budget was not given back");
}

fn limits(u: &mut Unstructured<'_>) -> Result<(u64, u64)> {
    Ok((u.int_in_range(0..=600)?, u.int_in_range(0..=2000)?))
}

/// Cuts `body` into pieces of 1 to 128 bytes, their sizes from `size`.
fn cut(body: &[u8], mut size: impl FnMut() -> usize) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let n = size().clamp(1, 128).min(rest.len());
        out.push(Bytes::copy_from_slice(&rest[..n]));
        rest = &rest[n..];
    }
    out
}

/// (1) Any body. The input: the file limit (2 bytes, little-endian, modulo 601), the
/// budget (2 bytes, modulo 2001), the boundary's length (1 byte) and the boundary, then the
/// body, cut into pieces as its hash says.
fn raw(data: &[u8]) {
    let [m0, m1, b0, b1, len, rest @ ..] = data else {
        return;
    };
    let max = u64::from(u16::from_le_bytes([*m0, *m1])) % 601;
    let budget = u64::from(u16::from_le_bytes([*b0, *b1])) % 2001;
    let (boundary, body) = rest.split_at(usize::from(*len).min(rest.len()));
    let mut content_type = b"multipart/form-data; boundary=".to_vec();
    content_type.extend_from_slice(boundary);
    let mut rng = Rng::new(hash(body));
    let body = cut(body, || rng.size(128));
    let rt = runtime();
    let (parts, _) = rt.block_on(read_form(&content_type, &body));
    let again = rt.block_on(read_form(&content_type, &body));
    assert_eq!(parts, again.0, "the form reads differently twice");
    rt.block_on(spool_form(&content_type, &body, &parts, max, budget));
}

fn text(
    u: &mut Unstructured<'_>,
    chars: &[u8],
    len: std::ops::RangeInclusive<usize>,
) -> Result<String> {
    let n = u.int_in_range(len)?;
    (0..n)
        .map(|_| u.choose(chars).map(|&c| c as char))
        .collect()
}

/// (2) A well-formed form.
fn built(u: &mut Unstructured<'_>) -> Result<()> {
    const BCHARS: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+_,-./:=?";
    const NAME: &[u8] = b"abcdefghijklmnopqrstuvwxyz_";
    const FILE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._- ()";
    let (max, budget) = limits(u)?;
    let boundary = text(u, BCHARS, 1..=69)?;
    let delimiter = format!("\r\n--{boundary}");
    let mut body = Vec::new();
    if u.arbitrary()? {
        body.extend_from_slice(b"a preamble\r\n");
    }
    let n = u.int_in_range(0..=4)?;
    let mut want = Vec::new();
    for _ in 0..n {
        let name = match u.int_in_range(0..=3)? {
            0 => "orders".to_string(),
            1 => "barcodes".to_string(),
            2 => "name".to_string(),
            _ => text(u, NAME, 1..=12)?,
        };
        let filename = if u.arbitrary()? {
            Some(text(u, FILE, 1..=40)?)
        } else {
            None
        };
        let content: Vec<u8> = u.arbitrary()?;
        if content
            .windows(delimiter.len())
            .any(|w| w == delimiter.as_bytes())
        {
            return Ok(());
        }
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = &filename {
            disposition += &format!("; filename=\"{f}\"");
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if u.arbitrary()? {
            body.extend_from_slice(b"Content-Type: text/csv\r\n");
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
        want.push((Some(name), filename, content));
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let body = cut(&body, || {
        usize::from(u.int_in_range(1..=128u8).unwrap_or(128))
    });
    let content_type = format!("multipart/form-data; boundary=\"{boundary}\"");
    let rt = runtime();
    let (parts, ok) = rt.block_on(read_form(content_type.as_bytes(), &body));
    let got: Vec<_> = parts
        .iter()
        .map(|p| (p.name.clone(), p.filename.clone(), p.bytes()))
        .collect();
    assert_eq!(got, want, "a well-formed form read back differently");
    assert!(ok, "a well-formed form failed");
    rt.block_on(spool_form(
        content_type.as_bytes(),
        &body,
        &parts,
        max,
        budget,
    ));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    raw(data);
    let _ = built(&mut Unstructured::new(data));
});
