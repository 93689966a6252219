//! The store's error type.

use thiserror::Error;

/// Everything that can go wrong talking to PostgreSQL.
#[derive(Debug, Error)]
pub enum StoreError {
    /// `DATABASE_URL` could not be parsed.
    #[error("invalid database url: {}", describe(.0))]
    Config(#[source] tokio_postgres::Error),
    /// The TLS parameters of `DATABASE_URL` (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`)
    /// are invalid, or a certificate file they name cannot be read or used.
    #[error("database TLS settings: {0}")]
    Tls(String),
    /// No connection could be had from the pool (server down, pool exhausted, timeout,
    /// refused by the server or by a certificate check).
    #[error("no database connection: {}", describe_pool(.0))]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed.
    #[error("database error in {context}: {}", describe(source))]
    Db {
        context: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// An applied migration differs from the one embedded in this binary.
    #[error("migration {version} ({name}) was applied with a different checksum; refusing to run")]
    MigrationChanged { version: i32, name: &'static str },
    /// The database has migrations this binary does not know (it is older than the schema).
    #[error("database schema is at version {found}, newer than this binary's {known}")]
    SchemaTooNew { found: i32, known: i32 },
    /// Data handed to the batch writer breaks an invariant (e.g. rows out of order).
    #[error("invalid batch data: {0}")]
    Invalid(String),
}

impl tiqets_contract::Failure for StoreError {
    fn is_transient(&self) -> bool {
        StoreError::is_transient(self)
    }
}

impl StoreError {
    /// True when retrying later may succeed (the server or the network was the problem),
    /// false when the same input will fail the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Pool(_) => true,
            StoreError::Db { source, .. } => is_transient_db(source),
            StoreError::Config(_)
            | StoreError::Tls(_)
            | StoreError::MigrationChanged { .. }
            | StoreError::SchemaTooNew { .. }
            | StoreError::Invalid(_) => false,
        }
    }
}

fn is_transient_db(e: &tokio_postgres::Error) -> bool {
    let Some(code) = e.code() else {
        // No SQLSTATE: the connection broke or the server went away.
        return true;
    };
    let c = code.code();
    // 08: connection exception, 40: transaction rollback (serialization, deadlock),
    // 53: insufficient resources, 57: operator intervention (shutdown, cancel), 58: system.
    ["08", "40", "53", "57", "58"]
        .iter()
        .any(|p| c.starts_with(p))
}

/// The server's message when there is one (the driver's own text is only "db error"),
/// else the driver's text with its causes (an unknown URL parameter, why a TLS handshake
/// failed, …), which its own text leaves out too.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return format!("{}: {}", d.severity(), d.message());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The pool's error, with the server's message when the server refused the connection
/// (`pg_hba.conf rejects connection …`, a wrong password), which the driver's own text
/// ("db error") leaves out.
fn describe_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(source) => {
            format!("opening a connection: {}", describe(source))
        }
        other => other.to_string(),
    }
}

/// Attaches `context` to a driver error.
pub(crate) fn db(context: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Db { context, source }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
