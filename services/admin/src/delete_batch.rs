//! `tiqets-admin delete-batch BATCH_ID [--force]`: deletes a batch that completed or
//! failed, as `DELETE /api/batches/{id}` does: it asks a running persister over NATS
//! (`{ns}.admin.delete`), which removes the batch's rows, change records, output folder and
//! objects,
//! and prints what was freed.

use anyhow::Context;
use std::time::Duration;
use tiqets_bus::Bus;
use tiqets_contract::{DeleteReply, DeleteRequest, Names};

#[derive(clap::Args)]
pub struct Args {
    /// The batch to delete.
    batch_id: String,
    /// Delete it even when it is the current batch (the last completed); the batch
    /// completed before it becomes current.
    #[arg(long)]
    force: bool,
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Namespace: prefix of every subject, stream, consumer and bucket.
    #[arg(long, env = "TIQETS_NAMESPACE", default_value = tiqets_config::DEFAULT_NAMESPACE)]
    namespace: String,
}

/// How long to wait for a persister's answer.
const TIMEOUT: Duration = Duration::from_secs(120);

pub fn run(args: Args) -> anyhow::Result<()> {
    let batch_id = crate::batch_id(&args.batch_id)?;
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let names = Names::new(args.namespace.clone());
        let bus = Bus::connect(&args.nats_url, names, "tiqets-admin-delete").await?;
        let request = serde_json::to_vec(&DeleteRequest {
            batch_id: batch_id.clone(),
            force: args.force,
        })?;
        let sent = async_nats::Request::new()
            .payload(request.into())
            .timeout(Some(TIMEOUT));
        let answer = bus
            .client()
            .send_request(bus.names().admin_delete(), sent)
            .await
            .context("no persister answered (is one running on this namespace?)")?;
        match serde_json::from_slice::<DeleteReply>(&answer.payload)
            .context("a persister's reply")?
        {
            DeleteReply::Deleted { freed } => {
                println!(
                    "deleted batch {batch_id}: {} rows, {} bytes of tables and indexes, {} bytes \
                     of files, {} bytes of objects",
                    freed.rows, freed.database_bytes, freed.file_bytes, freed.object_bytes
                );
                Ok(())
            }
            DeleteReply::NotFound { message }
            | DeleteReply::InUse { message }
            | DeleteReply::Failed { message } => anyhow::bail!(message),
        }
    })
}
