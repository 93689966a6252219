//! The connection pool.

use crate::error::{Result, StoreError};
use crate::tls;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Connections per pool unless told otherwise.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// A pool for `database_url` with [`DEFAULT_POOL_SIZE`] connections. Connections are opened
/// lazily, so this succeeds while the server is still down; the first query waits for it.
pub fn connect(database_url: &str) -> Result<Pool> {
    connect_with(database_url, DEFAULT_POOL_SIZE)
}

/// A pool of at most `max_size` connections. Waiting for a connection and opening one are
/// bounded (so a stopped server gives an error, never a hang); a connection that broke
/// (server restarted) is detected on check-out and replaced.
///
/// TLS follows the URL's `sslmode` with libpq's meaning (`prefer` when unset), and
/// `sslrootcert`, `sslcert`, `sslkey` ([`tls`]); the certificate files are read here, so an
/// unusable one fails now rather than at the first query.
pub fn connect_with(database_url: &str, max_size: usize) -> Result<Pool> {
    let (database_url, tls) = tls::split_url(database_url)?;
    let mut config = tokio_postgres::Config::from_str(&database_url).map_err(StoreError::Config)?;
    config.ssl_mode(tls.mode.driver_mode());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    if config.get_application_name().is_none() {
        config.application_name("tiqets");
    }
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match tls.client_config()? {
        None => Manager::from_config(config, NoTls, manager_config),
        Some(client) => {
            Manager::from_config(config, MakeRustlsConnect::new(client), manager_config)
        }
    };
    Pool::builder(manager)
        .max_size(max_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(30)))
        .create_timeout(Some(Duration::from_secs(10)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|e| StoreError::Invalid(format!("pool configuration: {e}")))
}
