//! TLS to NATS: the CA that signs the server's certificate, an optional client certificate,
//! and whether TLS is required. Read from the environment by every service through
//! [`crate::Bus::connect`], as [`crate::NatsAuth`] is.
//!
//! A `tls://` URL, or a server that requires TLS, gives a TLS connection in any case
//! (async-nats upgrades it); without [`CA_FILE_VAR`] the server's certificate is checked
//! against the system's roots, with it against that file's certificates only. The host
//! name is always checked. Every file is read and parsed when the settings are checked
//! ([`NatsTls::check`], at each connect), so an unreadable or unusable one is an error
//! naming its variable.

use async_nats::rustls::pki_types::pem::PemObject;
use async_nats::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use async_nats::ConnectOptions;
use std::path::{Path, PathBuf};

/// `TIQETS_NATS_CA_FILE`: PEM file of the CA certificate(s) the server's certificate must
/// chain to (instead of the system's roots).
pub const CA_FILE_VAR: &str = tiqets_config::shared::NATS_CA_FILE.name;
/// `TIQETS_NATS_CERT_FILE`: PEM file of the client certificate (chain) presented to a server
/// that verifies clients.
pub const CERT_FILE_VAR: &str = tiqets_config::shared::NATS_CERT_FILE.name;
/// `TIQETS_NATS_KEY_FILE`: PEM file of that certificate's private key.
pub const KEY_FILE_VAR: &str = tiqets_config::shared::NATS_KEY_FILE.name;
/// `TIQETS_NATS_TLS`: `auto` (default: TLS for `tls://` URLs and servers that require it)
/// or `require` (TLS whatever the URL says; a server without TLS is refused).
pub const TLS_VAR: &str = tiqets_config::shared::NATS_TLS.name;

/// A client certificate and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// How a connection does TLS. The default is async-nats' own: TLS when the URL is `tls://`
/// or the server requires it, the certificate checked against the system's roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatsTls {
    /// TLS even for a `nats://` URL; a server that does not offer it is refused.
    pub require: bool,
    /// The only CA(s) the server's certificate may chain to.
    pub ca_file: Option<PathBuf>,
    /// Presented when the server asks for a client certificate.
    pub client_cert: Option<ClientCert>,
}

/// A TLS setting that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

impl NatsTls {
    /// Reads the process environment.
    pub fn from_env() -> Result<NatsTls, TlsError> {
        NatsTls::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; unset or blank variables count as unset. Only
    /// the values are checked here, the files by [`NatsTls::check`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<NatsTls, TlsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let path = |name: &str| get(name).map(PathBuf::from);
        let require = match get(TLS_VAR).as_deref().map(str::trim) {
            None | Some("auto") => false,
            Some("require") => true,
            Some(other) => {
                return Err(TlsError(format!(
                    "{TLS_VAR}={other:?}: use `auto` or `require`"
                )))
            }
        };
        let client_cert = match (path(CERT_FILE_VAR), path(KEY_FILE_VAR)) {
            (None, None) => None,
            (Some(cert_file), Some(key_file)) => Some(ClientCert {
                cert_file,
                key_file,
            }),
            (Some(_), None) => {
                return Err(TlsError(format!(
                    "{CERT_FILE_VAR} is set without {KEY_FILE_VAR}"
                )))
            }
            (None, Some(_)) => {
                return Err(TlsError(format!(
                    "{KEY_FILE_VAR} is set without {CERT_FILE_VAR}"
                )))
            }
        };
        Ok(NatsTls {
            require,
            ca_file: path(CA_FILE_VAR),
            client_cert,
        })
    }

    /// Whether anything differs from async-nats' defaults (for logs).
    pub fn is_configured(&self) -> bool {
        *self != NatsTls::default()
    }

    /// Reads every file and checks that it holds what it should: CA certificates usable as
    /// trust anchors, a certificate chain, a private key.
    pub fn check(&self) -> Result<(), TlsError> {
        if let Some(ca) = &self.ca_file {
            let mut roots = async_nats::rustls::RootCertStore::empty();
            for cert in certificates(ca, CA_FILE_VAR)? {
                roots.add(cert).map_err(|e| {
                    TlsError(format!(
                        "{CA_FILE_VAR}={}: not a usable CA certificate: {e}",
                        ca.display()
                    ))
                })?;
            }
        }
        if let Some(client) = &self.client_cert {
            certificates(&client.cert_file, CERT_FILE_VAR)?;
            let pem = read(&client.key_file, KEY_FILE_VAR)?;
            PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
                TlsError(format!(
                    "{KEY_FILE_VAR}={}: no usable PEM private key: {e}",
                    client.key_file.display()
                ))
            })?;
        }
        Ok(())
    }

    /// Adds the settings to `options` (async-nats reads the files again as it connects).
    pub fn apply(&self, mut options: ConnectOptions) -> ConnectOptions {
        if self.require {
            options = options.require_tls(true);
        }
        if let Some(ca) = &self.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some(client) = &self.client_cert {
            options =
                options.add_client_certificate(client.cert_file.clone(), client.key_file.clone());
        }
        options
    }
}

fn read(path: &Path, var: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path)
        .map_err(|e| TlsError(format!("{var}={}: cannot read it: {e}", path.display())))
}

/// The PEM certificates of a file, at least one.
fn certificates(path: &Path, var: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path, var)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("{var}={}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "{var}={}: holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<NatsTls, TlsError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        NatsTls::from_lookup(|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn nothing_set_is_the_default() {
        let tls = from(&[(TLS_VAR, " "), (CA_FILE_VAR, "")]).unwrap();
        assert_eq!(tls, NatsTls::default());
        assert!(!tls.is_configured());
        assert!(tls.check().is_ok());
    }

    #[test]
    fn every_setting_is_read() {
        let tls = from(&[
            (TLS_VAR, "require"),
            (CA_FILE_VAR, "/tls/ca.crt"),
            (CERT_FILE_VAR, "/tls/tls.crt"),
            (KEY_FILE_VAR, "/tls/tls.key"),
        ])
        .unwrap();
        assert_eq!(
            tls,
            NatsTls {
                require: true,
                ca_file: Some("/tls/ca.crt".into()),
                client_cert: Some(ClientCert {
                    cert_file: "/tls/tls.crt".into(),
                    key_file: "/tls/tls.key".into(),
                }),
            }
        );
        assert!(!from(&[(TLS_VAR, "auto")]).unwrap().require);
    }

    #[test]
    fn bad_values_and_half_pairs_name_the_variable() {
        let e = from(&[(TLS_VAR, "yes")]).unwrap_err().to_string();
        assert!(e.contains(TLS_VAR) && e.contains("require"), "{e}");
        let e = from(&[(CERT_FILE_VAR, "c")]).unwrap_err().to_string();
        assert!(e.contains(KEY_FILE_VAR), "{e}");
        assert!(from(&[(KEY_FILE_VAR, "k")]).is_err());
    }

    #[test]
    fn unreadable_or_unusable_files_name_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let e = NatsTls {
            ca_file: Some(missing),
            ..NatsTls::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with(CA_FILE_VAR) && e.contains("missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        let e = NatsTls {
            ca_file: Some(junk.clone()),
            ..NatsTls::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("holds no PEM certificate"), "{e}");
        let e = NatsTls {
            client_cert: Some(ClientCert {
                cert_file: junk.clone(),
                key_file: junk,
            }),
            ..NatsTls::default()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.starts_with(CERT_FILE_VAR), "{e}");
    }
}
