//! [`DbTls::client_config`]: the rustls configuration that enforces the parameters, with
//! every certificate file read and checked when the pool is made.

use super::mode::SslMode;
use super::params::{tls_error, DbTls, RootCerts};
use super::verify::ChainOnly;
use crate::error::Result;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
use std::sync::Arc;

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
