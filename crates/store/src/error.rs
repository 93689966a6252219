//! The store's error type.

use thiserror::Error;

/// Everything that can go wrong talking to PostgreSQL.
#[derive(Debug, Error)]
pub enum StoreError {
    /// `DATABASE_URL` could not be parsed.
    #[error("invalid database url: {0}")]
    Config(#[source] tokio_postgres::Error),
    /// No connection could be had from the pool (server down, pool exhausted, timeout).
    #[error("no database connection: {0}")]
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

impl StoreError {
    /// True when retrying later may succeed (the server or the network was the problem),
    /// false when the same input will fail the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Pool(_) => true,
            StoreError::Db { source, .. } => is_transient_db(source),
            StoreError::Config(_)
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

/// The server's message when there is one (the driver's own text is only "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => e.to_string(),
    }
}

/// Attaches `context` to a driver error.
pub(crate) fn db(context: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |source| StoreError::Db { context, source }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
