//! `tiqets`: the order processor on the command line, embedded (no NATS, no database), and
//! the NATS and PostgreSQL setup steps of a deployment.
//!
//! - `tiqets process [DIR]` applies the rules of `docs/processing-rules.md` to
//!   `DIR/orders.csv` + `DIR/barcodes.csv` (see [`process`]).
//! - `tiqets generate` writes realistic test data (see [`generate`]).
//! - `tiqets migrate` applies the PostgreSQL schema migrations (see [`migrate`]).
//! - `tiqets setup-nats` creates the NATS streams, consumers and bucket (see [`setup_nats`]).
//!
//! Exit codes: 0 when it ran (issues or not), 2 on a usage or fatal file error.

mod generate;
mod migrate;
mod process;
mod setup_nats;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tiqets", version, about = "Tiqets order processor")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn orders.csv + barcodes.csv into processed_orders.csv, issues.csv and the top customers.
    Process(process::Args),
    /// Write a realistic, deterministic orders.csv + barcodes.csv pair.
    Generate(generate::Args),
    /// Apply the PostgreSQL schema migrations (as the schema's owner role).
    Migrate(migrate::Args),
    /// Create the NATS streams, durable consumers and file bucket of a namespace.
    SetupNats(setup_nats::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => process::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::SetupNats(args) => setup_nats::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
