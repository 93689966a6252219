//! The persister: stores merged batches in PostgreSQL and records the pipeline's status.
//!
//! Two durable consumers run side by side:
//! - `persister` on `{ns}.work.persist`: [`Persister`] streams the merger's result objects
//!   into PostgreSQL with COPY (its tables loaded side by side, made the results in one
//!   transaction), writes
//!   `TIQETS_OUTPUT_DIR/{batch_id}/processed_orders.csv` and `issues.csv`, and publishes
//!   `persisting` then `completed`.
//! - `status-recorder` on `{ns}.status.*`: [`StatusRecorder`] records every status event in
//!   `batches`, forward only.
//!
//! # Layout
//! - [`catalogue`]: [`SETTINGS`], every variable it reads (`--help`).
//! - [`settings`]: configuration from the environment.
//! - [`persist`]: the persist handler.
//! - [`results`]: reading and checking a result object, line by line.
//! - [`output`]: output files, renamed into place when complete.
//! - [`recorder`]: the status handler.
//! - [`error`](mod@error): [`PersistError`].
//! - [`run`] / [`serve`]: start-up and the two consumer loops, until shutdown.

pub mod catalogue;
pub mod error;
pub mod output;
pub mod persist;
pub mod recorder;
pub mod results;
pub mod settings;

pub use catalogue::SETTINGS;
pub use error::PersistError;
pub use persist::Persister;
pub use recorder::StatusRecorder;
pub use settings::{Settings, SettingsError};

use thiserror::Error;
use tiqets_bus::{run_consumer, run_work_with, setup, Bus, ConsumerOptions, Names, Stage};
use tiqets_store::{Pool, StoreError};
use tiqets_telemetry::shutdown::until_ready;
use tokio_util::sync::CancellationToken;

/// Why the persister could not start.
#[derive(Debug, Error)]
pub enum RunError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("NATS: {0}")]
    Bus(#[from] tiqets_bus::BusError),
}

/// Connects (waiting for NATS and PostgreSQL to come up), ensures the streams and the schema,
/// then serves until `shutdown` fires.
pub async fn run(settings: Settings, shutdown: CancellationToken) -> Result<(), RunError> {
    let names = Names::new(settings.namespace.clone());
    let Some(bus) =
        Bus::connect_retrying(&settings.nats_url, names, "tiqets-persister", &shutdown).await
    else {
        return Ok(());
    };
    let pool = tiqets_store::connect_with(&settings.database_url, settings.db_pool_size)?;
    let setup = || setup::ensure(&bus);
    if until_ready(&shutdown, "NATS setup", setup, |_| true)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let migrate = || tiqets_store::migrate(&pool);
    if until_ready(&shutdown, "migrations", migrate, StoreError::is_transient)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let names = bus.names().clone();
    serve(
        bus,
        pool,
        settings,
        ConsumerOptions::work(&names, Stage::Persist),
        ConsumerOptions::status(&names),
        shutdown,
    )
    .await;
    Ok(())
}

/// Runs both consumers until `shutdown` fires and they have drained.
pub async fn serve(
    bus: Bus,
    pool: Pool,
    settings: Settings,
    work: ConsumerOptions,
    status: ConsumerOptions,
    shutdown: CancellationToken,
) {
    let persister = Persister::new(bus.clone(), pool.clone(), settings.output_dir);
    let recorder = StatusRecorder::new(pool);
    tokio::join!(
        run_work_with(bus.clone(), &work, persister, shutdown.clone()),
        run_consumer(&bus, &status, &recorder, &shutdown),
    );
}
