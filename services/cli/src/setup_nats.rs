//! `tiqets setup-nats`: creates the namespace's streams, durable consumers and file bucket
//! (idempotent; existing ones are left as they are).
//!
//! The services only look these up: with the least-privilege NATS users
//! (`deploy/k8s/base/nats/nats.conf`) none of them may create or delete a stream or a
//! durable consumer, so a deployment runs this once as the `setup` user (compose's
//! `nats-setup` service, a Kubernetes Job) before the services start, and again after an
//! upgrade. Against an unauthenticated server the services still create what is missing
//! themselves.

use anyhow::Context;
use tiqets_bus::{setup, Bus, Names};

#[derive(clap::Args)]
pub struct Args {
    /// NATS server.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Namespace: prefix of every subject, stream, consumer and bucket.
    #[arg(long, env = "TIQETS_NAMESPACE", default_value = Names::DEFAULT_NAMESPACE)]
    namespace: String,
    /// Copies of every stream and of the file bucket on a JetStream cluster (3 in the
    /// Kubernetes prod overlay); existing streams with fewer are raised.
    #[arg(long, env = "TIQETS_NATS_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    replicas: u8,
}

/// Connects with `TIQETS_NATS_USER` + `TIQETS_NATS_PASSWORD` (when set) and ensures the
/// setup.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        Names::is_valid_namespace(&args.namespace),
        "TIQETS_NAMESPACE={:?}: use 1-64 ASCII letters, digits, '-' or '_'",
        args.namespace
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let names = Names::new(args.namespace.clone());
        let bus = Bus::connect(&args.nats_url, names, "tiqets-setup-nats").await?;
        setup::ensure_replicated(&bus, usize::from(args.replicas)).await?;
        eprintln!(
            "streams, consumers and bucket of namespace {:?} are in place on {} ({} replica(s))",
            args.namespace, args.nats_url, args.replicas
        );
        anyhow::Ok(())
    })
}
