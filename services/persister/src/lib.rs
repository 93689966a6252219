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
//! - [`changes`](mod@changes): the change step, comparing a completed batch with the one
//!   completed before it.
//! - [`results`]: reading and checking a result object, line by line.
//! - [`sold`]: the sold barcodes' copy, after `completed`.
//! - [`output`]: output files, renamed into place when complete.
//! - [`recorder`]: the status handler.
//! - [`retention`]: deleting batches, on request (`{ns}.admin.delete`) and by the retention
//!   settings.
//! - [`records`]: answering what PostgreSQL holds of a batch (`{ns}.admin.record`).
//! - [`requests`]: answering core NATS requests in the persister's queue group.
//! - [`watchdog`]: failing batches in flight that stay silent too long.
//! - [`error`](mod@error): [`PersistError`].
//! - [`run`] / [`serve`]: start-up and the two consumer loops, until shutdown.

pub mod catalogue;
pub mod changes;
pub mod error;
pub mod output;
pub mod persist;
pub mod recorder;
pub mod records;
pub mod requests;
pub mod results;
pub mod retention;
pub mod settings;
pub mod sold;
pub mod watchdog;

pub use catalogue::SETTINGS;
pub use error::PersistError;
pub use persist::Persister;
pub use recorder::StatusRecorder;
pub use settings::{Settings, SettingsError};

use tiqets_bus::{run_consumer, run_work_with, Bus, ConsumerOptions};
use tiqets_contract::{Names, Stage};
use tiqets_service::{Dependencies, Endpoints, StartError};
use tiqets_store::Pool;
use tiqets_telemetry::health::Readiness;
use tokio_util::sync::CancellationToken;

/// Connects (waiting for NATS and PostgreSQL to come up), ensures the streams and the schema,
/// then serves until `shutdown` fires. Each consumer loop is a part of `readiness`.
pub async fn run(
    settings: Settings,
    readiness: Readiness,
    shutdown: CancellationToken,
) -> Result<(), StartError> {
    let endpoints = Endpoints {
        nats_url: &settings.common.nats_url,
        names: Names::new(settings.common.namespace.clone()),
        client_name: "tiqets-persister",
        database_url: &settings.database_url,
        db_pool_size: settings.db_pool_size,
    };
    let Some(Dependencies { bus, pool }) = Dependencies::connect(endpoints, &shutdown).await?
    else {
        return Ok(());
    };
    let names = bus.names().clone();
    let work = ConsumerOptions {
        ready: readiness.part(),
        ..ConsumerOptions::work(&names, Stage::Persist).paced(bus.pacing())
    };
    let status = ConsumerOptions {
        ready: readiness.part(),
        ..ConsumerOptions::status(&names)
    };
    serve(bus, pool, settings, work, status, shutdown).await;
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
    let remover = retention::Remover::new(bus.clone(), pool.clone(), &settings.output_dir);
    let persister = Persister::new(bus.clone(), pool.clone(), settings.output_dir)
        .with_retention(remover.clone(), settings.retention);
    let watchdog = settings
        .watchdog
        .serve(bus.clone(), pool.clone(), shutdown.clone());
    let recorder = StatusRecorder::new(bus.clone(), pool.clone());
    tokio::join!(
        watchdog,
        run_work_with(bus.clone(), &work, persister, shutdown.clone()),
        run_consumer(&bus, &status, &recorder, &shutdown),
        remover.serve(shutdown.clone()),
        records::serve(bus.clone(), pool.clone(), shutdown.clone()),
    );
}
