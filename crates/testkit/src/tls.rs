//! Certificates made by the test: a CA, a server certificate for `localhost` and `127.0.0.1`
//! and a client certificate signed by it, as PEM files in a directory removed on drop.
//! Two [`TestPki`]s have different CAs (one's certificates do not verify against the
//! other's CA).

use crate::process::scratch_dir;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::io;
use std::path::{Path, PathBuf};

/// A CA and the certificates it signed, written to `ca.pem`, `server.pem` +
/// `server-key.pem` and `client.pem` + `client-key.pem`.
pub struct TestPki {
    dir: PathBuf,
}

impl TestPki {
    /// The common name of the client certificate (a PostgreSQL role name, too).
    pub const CLIENT_NAME: &'static str = "tiqets_client";
    /// The names the server certificate is valid for.
    pub const SERVER_NAMES: [&'static str; 2] = ["localhost", "127.0.0.1"];

    /// Makes a new CA and its certificates (ECDSA P-256 keys).
    pub fn new() -> io::Result<TestPki> {
        let dir = scratch_dir("pki")?;
        let pki = TestPki { dir };
        pki.generate().map_err(io::Error::other)?;
        Ok(pki)
    }

    fn generate(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(
            DnType::CommonName,
            format!("tiqets test CA {:08x}", rand::random::<u32>()),
        );
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let leaf = |names: Vec<String>, cn: &str, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(names)?;
            params.distinguished_name.push(DnType::CommonName, cn);
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate()?;
            let cert = params.signed_by(&key, &issuer)?;
            Ok::<_, rcgen::Error>((cert.pem(), key.serialize_pem()))
        };
        let (server, server_key) = leaf(
            TestPki::SERVER_NAMES.map(String::from).to_vec(),
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let (client, client_key) = leaf(
            Vec::new(),
            TestPki::CLIENT_NAME,
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        std::fs::write(self.ca_file(), ca_cert.pem())?;
        std::fs::write(self.server_cert_file(), server)?;
        std::fs::write(self.server_key_file(), server_key)?;
        std::fs::write(self.client_cert_file(), client)?;
        std::fs::write(self.client_key_file(), client_key)?;
        Ok(())
    }

    /// The directory of the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The server certificate (`localhost`, `127.0.0.1`).
    pub fn server_cert_file(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    /// The server certificate's private key (PKCS#8).
    pub fn server_key_file(&self) -> PathBuf {
        self.dir.join("server-key.pem")
    }

    /// The client certificate ([`TestPki::CLIENT_NAME`]).
    pub fn client_cert_file(&self) -> PathBuf {
        self.dir.join("client.pem")
    }

    /// The client certificate's private key (PKCS#8).
    pub fn client_key_file(&self) -> PathBuf {
        self.dir.join("client-key.pem")
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
