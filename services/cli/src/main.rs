//! `tiqets`: the order processor on the command line, embedded (no NATS, no database).
//!
//! - `tiqets process [DIR]` applies the rules of `docs/processing-rules.md` to
//!   `DIR/orders.csv` + `DIR/barcodes.csv` (see [`process`]).
//! - `tiqets generate` writes realistic test data (see [`generate`]).
//!
//! The setup steps of a deployment (`migrate`, `setup-nats`) are `tiqets-admin`'s
//! (`services/admin`): this binary needs no NATS or PostgreSQL client, and builds from few
//! crates.
//!
//! Exit codes: 0 when it ran (issues or not), 2 on a usage or fatal file error.

mod generate;
mod process;
mod progress;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => process::run(args),
        Command::Generate(args) => generate::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
