//! `tiqets-admin`: the setup steps of a deployment, run once before the services start and
//! again after an upgrade (compose's `nats-setup` and `migrate` services, the Kubernetes
//! `nats-setup` and `db-migrate` Jobs, `scripts/stack up`).
//!
//! - `tiqets-admin migrate` applies the PostgreSQL schema migrations (see [`migrate`]).
//! - `tiqets-admin setup-nats` creates the NATS streams, consumers and bucket (see
//!   [`setup_nats`]).
//! - `tiqets-admin delete-batch` deletes a batch through a running persister (see
//!   [`delete_batch`]).
//! - `tiqets-admin retry` queues a failed batch again from its stored inputs (see
//!   [`retry`]).
//! - `tiqets-admin replay-status` puts dead-lettered status events back, to be recorded
//!   again (see [`replay_status`]).
//!
//! They live apart from the `tiqets` command line so that the embedded processor builds
//! without the NATS and PostgreSQL clients.
//!
//! Exit codes: 0 when done, 2 on a usage error or a failure (unreachable server, refused
//! credentials, …).

mod delete_batch;
mod migrate;
mod replay_status;
mod retry;
mod setup_nats;

use anyhow::Context as _;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tiqets-admin",
    version,
    about = "Tiqets order processor: NATS and PostgreSQL setup, deleting and retrying a batch, replaying dead-lettered status events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the PostgreSQL schema migrations (as the schema's owner role).
    Migrate(migrate::Args),
    /// Create the NATS streams, durable consumers and file bucket of a namespace.
    SetupNats(setup_nats::Args),
    /// Delete a completed or failed batch: its rows, change records and output files.
    DeleteBatch(delete_batch::Args),
    /// Queue a failed batch again from its stored input files, as its next attempt.
    Retry(retry::Args),
    /// Put dead-lettered status events back on their subjects, to be recorded again.
    ReplayStatus(replay_status::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Migrate(args) => migrate::run(args),
        Command::SetupNats(args) => setup_nats::run(args),
        Command::DeleteBatch(args) => delete_batch::run(args),
        Command::Retry(args) => retry::run(args),
        Command::ReplayStatus(args) => replay_status::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The single-threaded runtime each command runs its requests on.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A batch id given on the command line.
fn batch_id(arg: &str) -> anyhow::Result<tiqets_contract::BatchId> {
    tiqets_contract::BatchId::parse(arg).map_err(|_| anyhow::anyhow!("{arg:?} is not a batch id"))
}
