//! The TLS parameters of a database URL ([`DbTls`]) and [`split_url`], which takes them out
//! of it, leaving tokio-postgres what it understands.

use super::mode::SslMode;
use crate::error::{Result, StoreError};
use std::path::PathBuf;

/// Where the trusted root certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file of CA certificates (`sslrootcert=<path>`).
    File(PathBuf),
    /// The system's store (`sslrootcert=system`, or a `verify-*` mode without `sslrootcert`).
    System,
}

/// The TLS parameters of a database URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbTls {
    pub mode: SslMode,
    pub root_cert: Option<RootCerts>,
    /// `sslcert`: the client's certificate (chain), PEM.
    pub client_cert: Option<PathBuf>,
    /// `sslkey`: the client certificate's private key, PEM.
    pub client_key: Option<PathBuf>,
}

/// The parameters [`split_url`] takes out of a URL.
const OURS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

pub(super) fn tls_error(message: String) -> StoreError {
    StoreError::Tls(message)
}

/// Splits a database URL (`postgres://…?sslmode=…` or `host=… sslmode=…`) into what
/// tokio-postgres parses (without `sslmode`, `sslrootcert`, `sslcert`, `sslkey`; the mode is
/// set on its `Config` from [`DbTls::mode`]) and the TLS parameters. The last of a repeated
/// parameter wins, as in libpq. Nothing is read from disk here.
pub fn split_url(url: &str) -> Result<(String, DbTls)> {
    let mut tls = DbTls::default();
    let rest = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|p| url.strip_prefix(p));
    let remaining = match rest {
        Some(rest) => split_uri(url, rest, &mut tls)?,
        None => split_key_values(url, &mut tls)?,
    };
    Ok((remaining, tls))
}

/// Records one of [`OURS`].
fn take(tls: &mut DbTls, key: &str, value: &str) -> Result<()> {
    let path = |v: &str| (!v.is_empty()).then(|| PathBuf::from(v));
    match key {
        "sslmode" => {
            tls.mode = SslMode::parse(value).ok_or_else(|| {
                tls_error(format!(
                    "sslmode={value:?}: use one of {}",
                    SslMode::ALL.map(SslMode::as_str).join(", ")
                ))
            })?;
        }
        "sslrootcert" => {
            tls.root_cert = match value {
                "" => None,
                "system" => Some(RootCerts::System),
                file => Some(RootCerts::File(PathBuf::from(file))),
            };
        }
        "sslcert" => tls.client_cert = path(value),
        "sslkey" => tls.client_key = path(value),
        _ => unreachable!("only the parameters of OURS are taken"),
    }
    Ok(())
}

/// `postgres://…`: the query starts at the first `?` after the credentials (tokio-postgres
/// reads the credentials up to the first `@`, the host up to `/` or `?`, the database name
/// up to `?`), its pairs are `&`-separated and percent-encoded.
fn split_uri(url: &str, rest: &str, tls: &mut DbTls) -> Result<String> {
    let prefix = url.len() - rest.len();
    let after_credentials = rest.find('@').map_or(0, |at| at + 1);
    let Some(q) = rest[after_credentials..].find('?') else {
        return Ok(url.to_string());
    };
    let query_at = prefix + after_credentials + q;
    let mut kept = Vec::new();
    for pair in url[query_at + 1..].split('&') {
        let ours = pair
            .split_once('=')
            .map(|(k, v)| Ok::<_, StoreError>((decode(k)?, decode(v)?)))
            .transpose()?
            .filter(|(k, _)| OURS.contains(&k.as_str()));
        match ours {
            Some((key, value)) => take(tls, &key, &value)?,
            None => kept.push(pair),
        }
    }
    let mut remaining = url[..query_at].to_string();
    if !kept.is_empty() {
        remaining.push('?');
        remaining.push_str(&kept.join("&"));
    }
    Ok(remaining)
}

fn decode(s: &str) -> Result<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            tls_error(format!(
                "{s:?} in the database URL is not UTF-8 once decoded"
            ))
        })
}

/// `key=value key='quoted value'`, as tokio-postgres reads it (blanks around `=`, values
/// quoted with `'`, `\` escaping the next character). Our pairs are cut out; anything this
/// cannot read is left to tokio-postgres, which reports it.
fn split_key_values(s: &str, tls: &mut DbTls) -> Result<String> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map_or(s.len(), |&(pos, _)| pos);
    let mut remaining = String::new();
    let mut copied_to = 0; // byte offset in `s` up to which `remaining` holds the input
    let mut i = 0;
    loop {
        while chars.get(i).is_some_and(|&(_, c)| c.is_whitespace()) {
            i += 1;
        }
        let start = i;
        while chars
            .get(i)
            .is_some_and(|&(_, c)| !c.is_whitespace() && c != '=')
        {
            i += 1;
        }
        if i == start {
            break;
        }
        let key = &s[at(start)..at(i)];
        while chars.get(i).is_some_and(|&(_, c)| c.is_whitespace()) {
            i += 1;
        }
        if chars.get(i).map(|&(_, c)| c) != Some('=') {
            break;
        }
        i += 1;
        while chars.get(i).is_some_and(|&(_, c)| c.is_whitespace()) {
            i += 1;
        }
        let mut value = String::new();
        let quoted = chars.get(i).map(|&(_, c)| c) == Some('\'');
        if quoted {
            i += 1;
        }
        let mut closed = !quoted;
        while let Some(&(_, c)) = chars.get(i) {
            if quoted && c == '\'' {
                i += 1;
                closed = true;
                break;
            }
            if !quoted && c.is_whitespace() {
                break;
            }
            i += 1;
            if c == '\\' {
                if let Some(&(_, next)) = chars.get(i) {
                    value.push(next);
                    i += 1;
                }
            } else {
                value.push(c);
            }
        }
        if !closed {
            break;
        }
        if OURS.contains(&key) {
            take(tls, key, &value)?;
            remaining.push_str(&s[copied_to..at(start)]);
            copied_to = at(i);
        }
    }
    remaining.push_str(&s[copied_to..]);
    Ok(remaining)
}
