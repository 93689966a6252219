//! `tiqets-admin retry BATCH_ID`: queues a failed batch again from its stored input files, as
//! its next attempt, as `POST /api/batches/{id}/retry` does (`tiqets_intake::Publisher::retry`):
//! it reads the batch's record in PostgreSQL and publishes on NATS, then prints the attempt.

use anyhow::Context;
use tiqets_bus::Bus;
use tiqets_contract::Names;
use tiqets_intake::{Published, Publisher, RecordedBatch};

#[derive(clap::Args)]
pub struct Args {
    /// The failed batch to retry.
    batch_id: String,
    /// The database (read only: the batch's record).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/tiqets"
    )]
    database_url: String,
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Namespace: prefix of every subject, stream, consumer and bucket.
    #[arg(long, env = "TIQETS_NAMESPACE", default_value = tiqets_config::DEFAULT_NAMESPACE)]
    namespace: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let batch_id = crate::batch_id(&args.batch_id)?;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let pool = tiqets_store::connect(&args.database_url)?;
        let record = tiqets_store::queries::batch(&pool, batch_id.as_str())
            .await
            .context("cannot read the batch's record")?
            .ok_or_else(|| anyhow::anyhow!("no batch with id {batch_id}"))?;
        let (orders_name, barcodes_name) = record.input_names();
        let recorded = RecordedBatch {
            name: record.name,
            status: record.status,
            attempt: record.attempt,
            orders_name,
            barcodes_name,
        };
        let bus = Bus::connect(
            &args.nats_url,
            Names::new(args.namespace.clone()),
            "tiqets-admin-retry",
        )
        .await?;
        match Publisher::new(bus).retry(&batch_id, recorded).await? {
            Published::Queued { batch, .. } => {
                println!("batch {batch_id} queued again as attempt {}", batch.attempt);
                Ok(())
            }
            other => anyhow::bail!("not queued: {other:?}"),
        }
    })
}
