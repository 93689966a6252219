//! The start-up of the services that hold both connections (the persister and the api):
//! [`Dependencies::connect`] connects to NATS (waiting until it answers), ensures the
//! namespace's streams, connects to PostgreSQL and applies the migrations, each step retried
//! with back-off while its server is not up, and gives up early when shutdown fires.
//!
//! The stateless stages start through `tiqets_bus::consumer::serve_stage`, which needs NATS
//! only.

use tiqets_bus::{setup, Bus, BusError};
use tiqets_contract::Names;
use tiqets_store::{Pool, StoreError};
use tiqets_telemetry::shutdown::until_ready;
use tokio_util::sync::CancellationToken;

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("NATS: {0}")]
    Bus(#[from] BusError),
}

/// Where a service connects to.
pub struct Endpoints<'a> {
    pub nats_url: &'a str,
    pub names: Names,
    /// The NATS connection's name (`tiqets-api`, `tiqets-persister`).
    pub client_name: &'a str,
    pub database_url: &'a str,
    pub db_pool_size: usize,
}

/// The connections a service works with.
pub struct Dependencies {
    pub bus: Bus,
    pub pool: Pool,
}

impl Dependencies {
    /// Connects to NATS and PostgreSQL, waiting (with back-off) while they are not up yet,
    /// creates the namespace's streams if missing and applies the schema migrations.
    /// `Ok(None)` when `shutdown` fired first.
    pub async fn connect(
        to: Endpoints<'_>,
        shutdown: &CancellationToken,
    ) -> Result<Option<Dependencies>, StartError> {
        let Some(bus) =
            Bus::connect_retrying(to.nats_url, to.names, to.client_name, shutdown).await
        else {
            return Ok(None);
        };
        let setup = || setup::ensure(&bus);
        if until_ready(shutdown, "NATS setup", setup, |_| true)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let pool = tiqets_store::connect_with(to.database_url, to.db_pool_size)?;
        let migrate = || tiqets_store::migrate(&pool);
        if until_ready(shutdown, "migrations", migrate, StoreError::is_transient)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(Some(Dependencies { bus, pool }))
    }
}
