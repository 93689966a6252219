//! TLS through the pool every service uses, against a private server that takes TCP
//! connections over TLS only (`hostssl … trust`, `host … reject`), with certificates made by
//! the test: each `sslmode` does what libpq's does, certificates are checked against
//! `sslrootcert` (and the host name for `verify-full`), a client certificate authenticates
//! its role, and unusable settings fail when the pool is made.

use tiqets_store::{connect_with, StoreError};
use tiqets_testkit::{OwnedPostgres, PostgresTls, TestPki};

const SSL_IN_USE: &str = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

struct Server {
    pki: TestPki,
    pg: OwnedPostgres,
}

impl Server {
    fn start() -> Server {
        let pki = TestPki::new().expect("test certificates");
        let pg = OwnedPostgres::start_tls(&PostgresTls {
            cert_file: pki.server_cert_file(),
            key_file: pki.server_key_file(),
            client_ca_file: Some(pki.ca_file()),
        })
        .expect("a PostgreSQL server with TLS");
        Server { pki, pg }
    }

    /// `postgres://<user>@<host>:<port>/postgres?<params>`.
    fn url(&self, user: &str, host: &str, params: &str) -> String {
        format!(
            "postgres://{user}@{host}:{}/postgres?{params}",
            self.pg.port()
        )
    }

    fn ca(&self) -> String {
        self.pki.ca_file().display().to_string()
    }
}

/// Connects with `url` and answers whether the connection uses TLS, and as whom.
async fn session(url: &str) -> Result<(bool, String), StoreError> {
    let pool = connect_with(url, 1)?;
    let client = pool.get().await?;
    let ssl: bool = client
        .query_one(SSL_IN_USE, &[])
        .await
        .map_err(|source| StoreError::Db {
            context: "pg_stat_ssl",
            source,
        })?
        .get(0);
    let user: String = client
        .query_one("SELECT current_user::text", &[])
        .await
        .map_err(|source| StoreError::Db {
            context: "current_user",
            source,
        })?
        .get(0);
    Ok((ssl, user))
}

async fn connects_with_tls(url: &str) {
    match session(url).await {
        Ok((ssl, _)) => assert!(ssl, "{url}: connected without TLS"),
        Err(e) => panic!("{url}: {e}"),
    }
}

async fn refused(url: &str) -> String {
    match session(url).await {
        Ok(_) => panic!("{url}: connected"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn every_sslmode_against_a_server_that_takes_tls_only() {
    let server = tokio::task::spawn_blocking(Server::start).await.unwrap();
    let ca = server.ca();
    let other = TestPki::new().unwrap();
    let other_ca = other.ca_file().display().to_string();

    // verify-full: the chain and the name (127.0.0.1, an IP address of the certificate).
    connects_with_tls(&server.url(
        "postgres",
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    connects_with_tls(&server.url(
        "postgres",
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;

    // disable: plain, which the server's pg_hba.conf refuses.
    let e = refused(&server.url("postgres", "127.0.0.1", "sslmode=disable")).await;
    assert!(e.contains("pg_hba.conf rejects connection"), "{e}");
    assert!(e.contains("no encryption"), "{e}");

    // Another CA: the certificate check fails, in verify-full and verify-ca, and in
    // require once a root certificate is given (libpq's rule).
    for mode in ["verify-full", "verify-ca", "require"] {
        let e = refused(&server.url(
            "postgres",
            "127.0.0.1",
            &format!("sslmode={mode}&sslrootcert={other_ca}"),
        ))
        .await;
        assert!(e.contains("invalid peer certificate"), "{mode}: {e}");
        assert!(e.contains("UnknownIssuer"), "{mode}: {e}");
    }
    // verify-full without sslrootcert: the system's roots, which do not know the test CA.
    let e = refused(&server.url("postgres", "127.0.0.1", "sslmode=verify-full")).await;
    assert!(e.contains("UnknownIssuer"), "{e}");

    // require without a root certificate: TLS, nothing checked; prefer (also the default)
    // takes the TLS the server offers.
    connects_with_tls(&server.url("postgres", "127.0.0.1", "sslmode=require")).await;
    connects_with_tls(&server.url("postgres", "127.0.0.1", "sslmode=prefer")).await;
    connects_with_tls(&server.url("postgres", "127.0.0.1", "application_name=t")).await;

    // A name the certificate does not hold (reached through hostaddr): verify-ca checks
    // the chain only, verify-full the name too.
    let misnamed = |mode: &str| {
        server.url(
            "postgres",
            "db.invalid",
            &format!("hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={ca}"),
        )
    };
    connects_with_tls(&misnamed("verify-ca")).await;
    let e = refused(&misnamed("verify-full")).await;
    assert!(e.contains("not valid for name \"db.invalid\""), "{e}");

    // A client certificate authenticates its role (`hostssl … cert`).
    let (_, admin) = session(&server.url(
        "postgres",
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    assert_eq!(admin, "postgres");
    let pool = connect_with(
        &server.url(
            "postgres",
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
        1,
    )
    .unwrap();
    pool.get()
        .await
        .unwrap()
        .batch_execute(&format!("CREATE ROLE {} LOGIN", OwnedPostgres::CERT_USER))
        .await
        .unwrap();
    let cert = server.pki.client_cert_file().display().to_string();
    let key = server.pki.client_key_file().display().to_string();
    let (ssl, user) = session(&server.url(
        OwnedPostgres::CERT_USER,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}"),
    ))
    .await
    .unwrap();
    assert!(ssl);
    assert_eq!(user, OwnedPostgres::CERT_USER);
    let e = refused(&server.url(
        OwnedPostgres::CERT_USER,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(
        e.contains("connection requires a valid client certificate"),
        "{e}"
    );
}

#[test]
fn unusable_settings_fail_when_the_pool_is_made() {
    let pki = TestPki::new().unwrap();
    let url = |params: &str| format!("postgres://postgres@127.0.0.1:1/postgres?{params}");
    let fails = |params: &str| {
        let e = connect_with(&url(params), 1).map(|_| ()).expect_err(params);
        assert!(!e.is_transient(), "{e}");
        e.to_string()
    };
    let e = fails("sslmode=verify");
    assert!(e.contains("sslmode=\"verify\""), "{e}");
    let missing = pki.dir().join("nowhere.pem");
    let e = fails(&format!(
        "sslmode=verify-ca&sslrootcert={}",
        missing.display()
    ));
    assert!(
        e.contains("sslrootcert=") && e.contains("nowhere.pem"),
        "{e}"
    );
    // A key where the CA should be.
    let e = fails(&format!(
        "sslmode=verify-full&sslrootcert={}",
        pki.client_key_file().display()
    ));
    assert!(e.contains("holds no PEM certificate"), "{e}");
    // A certificate with another's key.
    let e = fails(&format!(
        "sslmode=require&sslcert={}&sslkey={}",
        pki.client_cert_file().display(),
        pki.server_key_file().display()
    ));
    assert!(e.contains("sslcert=") && e.contains("sslkey="), "{e}");
    // Our parameters are gone before tokio-postgres reads the rest, which still works.
    connect_with(
        &url(&format!(
            "sslmode=verify-full&sslrootcert={}&connect_timeout=2",
            pki.ca_file().display()
        )),
        1,
    )
    .unwrap();
}
