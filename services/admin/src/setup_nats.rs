//! `tiqets-admin setup-nats`: creates the namespace's streams, durable consumers and file bucket
//! (idempotent), with every stream's and the bucket's byte limit (`TIQETS_NATS_MAX_BYTES_*`,
//! set on existing ones too).
//!
//! The services only look these up: with the least-privilege NATS users
//! (`deploy/k8s/base/nats/nats.conf`) none of them may create or delete a stream or a
//! durable consumer, so a deployment runs this once as the `setup` user (compose's
//! `nats-setup` service, a Kubernetes Job) before the services start, and again after an
//! upgrade. Against an unauthenticated server the services still create what is missing
//! themselves.

use tiqets_bus::setup::ByteLimits;
use tiqets_bus::{setup, Bus};
use tiqets_contract::Names;

#[derive(clap::Args)]
pub struct Args {
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Namespace: prefix of every subject, stream, consumer and bucket.
    #[arg(long, env = "TIQETS_NAMESPACE", default_value = tiqets_config::DEFAULT_NAMESPACE)]
    namespace: String,
    /// Copies of every stream and of the file bucket on a JetStream cluster (3 in the
    /// Kubernetes prod overlay); existing streams with fewer are raised.
    #[arg(long, env = "TIQETS_NATS_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    replicas: u8,
    /// Most bytes of the work stream (full: new work is refused until some is done).
    #[arg(long, env = "TIQETS_NATS_MAX_BYTES_WORK", default_value_t = ByteLimits::default().work, value_parser = bytes)]
    max_bytes_work: i64,
    /// Most bytes of the validated row chunks (full: a validation is refused and retried).
    #[arg(long, env = "TIQETS_NATS_MAX_BYTES_ROWS", default_value_t = ByteLimits::default().rows, value_parser = bytes)]
    max_bytes_rows: i64,
    /// Most bytes of status events (full: the oldest go).
    #[arg(long, env = "TIQETS_NATS_MAX_BYTES_STATUS", default_value_t = ByteLimits::default().status, value_parser = bytes)]
    max_bytes_status: i64,
    /// Most bytes of dead letters (full: the oldest go).
    #[arg(long, env = "TIQETS_NATS_MAX_BYTES_DEAD", default_value_t = ByteLimits::default().dead, value_parser = bytes)]
    max_bytes_dead: i64,
    /// Most bytes of the file bucket (full: new inputs are refused until old ones expire).
    #[arg(long, env = "TIQETS_NATS_MAX_BYTES_FILES", default_value_t = ByteLimits::default().files, value_parser = bytes)]
    max_bytes_files: i64,
}

/// A byte limit: a whole number from 1 MiB to 1 PiB.
fn bytes(raw: &str) -> Result<i64, String> {
    match raw.trim().parse::<i64>() {
        Ok(n) if (1 << 20..=1 << 50).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of bytes from 1048576 to {}, not {raw:?}",
            1i64 << 50
        )),
    }
}

/// Connects with `TIQETS_NATS_USER` + `TIQETS_NATS_PASSWORD` (when set) and ensures the
/// setup.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        tiqets_config::env::is_valid_namespace(&args.namespace),
        "TIQETS_NAMESPACE={:?}: use 1-64 ASCII letters, digits, '-' or '_'",
        args.namespace
    );
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let names = Names::new(args.namespace.clone());
        let bus = Bus::connect(&args.nats_url, names, "tiqets-setup-nats").await?;
        let limits = ByteLimits {
            work: args.max_bytes_work,
            rows: args.max_bytes_rows,
            status: args.max_bytes_status,
            dead: args.max_bytes_dead,
            files: args.max_bytes_files,
        };
        setup::ensure_with(&bus, usize::from(args.replicas), Some(&limits))
            .await
            .map_err(|e| {
                let hint = if e.is_full() {
                    " (JetStream reserves each stream's byte limit when it is made: lower \
                     TIQETS_NATS_MAX_BYTES_* or give the server more `max_file_store`)"
                } else {
                    ""
                };
                anyhow::anyhow!("{e}{hint}")
            })?;
        eprintln!(
            "streams, consumers and bucket of namespace {:?} are in place on {} ({} replica(s), \
             at most {} bytes in all)",
            args.namespace,
            args.nats_url,
            args.replicas,
            limits.work + limits.rows + limits.status + limits.dead + limits.files
        );
        anyhow::Ok(())
    })
}
