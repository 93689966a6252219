//! TLS to PostgreSQL, with libpq's meaning of `sslmode` (docs/operations.md, "TLS").
//!
//! tokio-postgres knows only `sslmode=disable|prefer|require` and refuses parameters it does
//! not know, so [`split_url`] takes `sslmode`, `sslrootcert`, `sslcert` and `sslkey` out of
//! the database URL (or `key=value` string) and [`DbTls::client_config`] builds the rustls
//! configuration that does what libpq does with them:
//!
//! | `sslmode` | TLS | certificate chain checked against | host name checked |
//! |---|---|---|---|
//! | `disable` | never | — | — |
//! | `prefer` (default) | when the server offers it | `sslrootcert` when given, else not checked | no |
//! | `require` | always | `sslrootcert` when given, else not checked | no |
//! | `verify-ca` | always | `sslrootcert`, else the system's roots | no |
//! | `verify-full` | always | `sslrootcert`, else the system's roots | yes |
//!
//! `sslrootcert=system` names the system's roots explicitly. `sslcert` + `sslkey` (PEM files)
//! give a client certificate. Certificates are read once, when the pool is made: an
//! unreadable or unusable file is an error then, naming the parameter and the file.

use crate::error::{Result, StoreError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How much TLS a connection needs (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SslMode {
    /// Plain connections only.
    Disable,
    /// TLS when the server offers it, plain otherwise.
    #[default]
    Prefer,
    /// TLS always; the certificate is checked only when `sslrootcert` is given.
    Require,
    /// TLS, the certificate chain checked.
    VerifyCa,
    /// TLS, the certificate chain and the host name checked.
    VerifyFull,
}

impl SslMode {
    /// Every mode, in libpq's order.
    pub const ALL: [SslMode; 5] = [
        SslMode::Disable,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// The value of `sslmode`.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(value: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// What tokio-postgres is told: never, when offered, or always TLS (the checks of the
    /// `verify-*` modes are the connector's).
    pub fn driver_mode(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Driver;
        match self {
            SslMode::Disable => Driver::Disable,
            SslMode::Prefer => Driver::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Driver::Require,
        }
    }
}

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

fn tls_error(message: String) -> StoreError {
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

impl DbTls {
    /// The rustls configuration for these parameters (`None` for `sslmode=disable`), with
    /// every certificate file read and checked now.
    pub fn client_config(&self) -> Result<Option<ClientConfig>> {
        if self.mode == SslMode::Disable {
            return Ok(None);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(format!("TLS versions: {e}")))?;
        let roots = match (&self.root_cert, self.mode) {
            (Some(RootCerts::File(path)), _) => Some(roots_from_file(path)?),
            (Some(RootCerts::System), _) | (None, SslMode::VerifyCa | SslMode::VerifyFull) => {
                Some(system_roots()?)
            }
            (None, _) => None,
        };
        let builder = match (roots, self.mode) {
            (Some(roots), SslMode::VerifyFull) => builder.with_root_certificates(roots),
            (roots, _) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly {
                    roots: roots.map(Arc::new),
                    provider,
                })),
        };
        let config = match (&self.client_cert, &self.client_key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain = certificates(cert, "sslcert")?;
                let key_der = private_key(key)?;
                builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                    tls_error(format!(
                        "sslcert={} with sslkey={}: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?
            }
            (Some(_), None) => return Err(tls_error("sslcert is set without sslkey".into())),
            (None, Some(_)) => return Err(tls_error("sslkey is set without sslcert".into())),
        };
        Ok(Some(config))
    }
}

fn read(path: &Path, parameter: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        tls_error(format!(
            "{parameter}={}: cannot read it: {e}",
            path.display()
        ))
    })
}

/// The PEM certificates of a file, at least one.
fn certificates(path: &Path, parameter: &str) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read(path, parameter)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| tls_error(format!("{parameter}={}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(tls_error(format!(
            "{parameter}={}: holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let pem = read(path, "sslkey")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        tls_error(format!(
            "sslkey={}: no usable PEM private key: {e}",
            path.display()
        ))
    })
}

fn roots_from_file(path: &Path) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path, "sslrootcert")? {
        roots.add(cert).map_err(|e| {
            tls_error(format!(
                "sslrootcert={}: not a usable CA certificate: {e}",
                path.display()
            ))
        })?;
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let errors: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
        return Err(tls_error(format!(
            "no system root certificates found{}; name a CA file with sslrootcert",
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            }
        )));
    }
    Ok(roots)
}

/// Checks the server's certificate chain against `roots` (when there are roots) but not the
/// host name: `verify-ca`, and `prefer`/`require` (with `sslrootcert`, or without any check).
/// The handshake's signatures are always verified, so the server holds the key of the
/// certificate it presents.
#[derive(Debug)]
struct ChainOnly {
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(url: &str) -> (String, DbTls) {
        split_url(url).unwrap()
    }

    #[test]
    fn a_url_without_parameters_is_left_alone() {
        let url = "postgres://u:p@db:5432/tiqets";
        assert_eq!(split(url), (url.to_string(), DbTls::default()));
    }

    #[test]
    fn our_parameters_leave_the_url_and_the_others_stay() {
        let (rest, tls) = split(
            "postgres://u:p@db/tiqets?application_name=x&sslmode=verify-full\
             &sslrootcert=%2Fetc%2Ftls%2Fca.crt&connect_timeout=3&sslcert=c.pem&sslkey=k.pem",
        );
        assert_eq!(
            rest,
            "postgres://u:p@db/tiqets?application_name=x&connect_timeout=3"
        );
        assert_eq!(
            tls,
            DbTls {
                mode: SslMode::VerifyFull,
                root_cert: Some(RootCerts::File("/etc/tls/ca.crt".into())),
                client_cert: Some("c.pem".into()),
                client_key: Some("k.pem".into()),
            }
        );
        let (rest, tls) = split("postgresql://db/tiqets?sslmode=require");
        assert_eq!(rest, "postgresql://db/tiqets");
        assert_eq!(tls.mode, SslMode::Require);
    }

    #[test]
    fn a_question_mark_in_the_password_is_not_the_query() {
        let (rest, tls) = split("postgres://u:p?x@db/tiqets?sslmode=disable");
        assert_eq!(rest, "postgres://u:p?x@db/tiqets");
        assert_eq!(tls.mode, SslMode::Disable);
    }

    #[test]
    fn every_mode_parses_and_the_last_wins() {
        for mode in SslMode::ALL {
            let (_, tls) = split(&format!("postgres://db/t?sslmode={}", mode.as_str()));
            assert_eq!(tls.mode, mode);
        }
        let (_, tls) = split("postgres://db/t?sslmode=require&sslmode=disable");
        assert_eq!(tls.mode, SslMode::Disable);
        let (_, tls) = split("postgres://db/t?sslrootcert=system");
        assert_eq!(tls.root_cert, Some(RootCerts::System));
    }

    #[test]
    fn an_unknown_mode_is_refused_with_the_choices() {
        let e = split_url("postgres://db/t?sslmode=verify").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("sslmode=\"verify\""), "{text}");
        assert!(text.contains("verify-ca, verify-full"), "{text}");
        assert!(!e.is_transient());
        assert!(split_url("host=db sslmode=allow").is_err());
    }

    #[test]
    fn key_value_strings_lose_our_pairs_too() {
        let (rest, tls) = split(
            "host=db sslmode = verify-ca user=u sslrootcert='/etc/my certs/ca.pem' \
             password='it\\'s' sslkey=k\\ey",
        );
        assert_eq!(rest, "host=db  user=u  password='it\\'s' ");
        assert_eq!(tls.mode, SslMode::VerifyCa);
        assert_eq!(
            tls.root_cert,
            Some(RootCerts::File("/etc/my certs/ca.pem".into()))
        );
        assert_eq!(tls.client_key, Some("key".into()));
        let s = "host=db user=u";
        assert_eq!(split(s).0, s);
    }

    #[test]
    fn disable_needs_no_configuration_and_the_others_get_one() {
        let tls = |mode| DbTls {
            mode,
            ..DbTls::default()
        };
        assert!(tls(SslMode::Disable).client_config().unwrap().is_none());
        assert!(tls(SslMode::Prefer).client_config().unwrap().is_some());
        assert!(tls(SslMode::Require).client_config().unwrap().is_some());
    }

    #[test]
    fn unreadable_or_unusable_files_are_named() {
        let dir = std::env::temp_dir().join(format!("tiqets-store-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let config = |root: &Path, cert: Option<&Path>, key: Option<&Path>| {
            DbTls {
                mode: SslMode::VerifyFull,
                root_cert: Some(RootCerts::File(root.to_path_buf())),
                client_cert: cert.map(Path::to_path_buf),
                client_key: key.map(Path::to_path_buf),
            }
            .client_config()
            .map(|_| ())
            .unwrap_err()
            .to_string()
        };
        let e = config(&missing, None, None);
        assert!(
            e.contains("sslrootcert=") && e.contains("missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        let e = config(&not_pem, None, None);
        assert!(e.contains("holds no PEM certificate"), "{e}");
        let e = DbTls {
            mode: SslMode::Require,
            client_cert: Some(not_pem.clone()),
            ..DbTls::default()
        }
        .client_config()
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(e.contains("sslcert is set without sslkey"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
