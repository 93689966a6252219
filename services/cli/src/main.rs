//! `tiqets`: the order processor on the command line, embedded (no NATS, no database).
//!
//! - `tiqets process [DIR]` applies the rules of `docs/processing-rules.md` to
//!   `DIR/orders.csv` + `DIR/barcodes.csv` (see [`process`]).
//! - `tiqets diff OLD_DIR NEW_DIR` compares two exports' results (see [`diff`]).
//! - `tiqets generate` writes realistic test data (see [`generate`]).
//!
//! The setup steps of a deployment (`migrate`, `setup-nats`) are `tiqets-admin`'s
//! (`services/admin`): this binary needs no NATS or PostgreSQL client, and builds from few
//! crates.
//!
//! Exit codes: see [`exit::HELP`].

mod alloc;
mod diff;
mod exit;
mod generate;
mod input;
mod output;
mod process;
mod progress;
mod report;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tiqets",
    version,
    about = "Tiqets order processor",
    after_help = exit::HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn orders.csv + barcodes.csv into processed_orders.csv, issues.csv and the top customers.
    #[command(after_help = exit::HELP)]
    Process(process::Args),
    /// Compare two exports: orders added, removed or changed, barcodes sold, moved, added or
    /// removed, customers whose ticket count changed.
    #[command(after_help = exit::HELP)]
    Diff(diff::Args),
    /// Write a realistic, deterministic orders.csv + barcodes.csv pair.
    #[command(after_help = exit::HELP)]
    Generate(generate::Args),
}

fn main() -> ExitCode {
    alloc::configure();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => {
            if let Some(problem) = args.usage_error() {
                let mut cmd = Cli::command();
                cmd.build(); // names the subcommand's usage `tiqets process`
                let process = cmd.find_subcommand_mut("process").expect("defined above");
                process
                    .error(clap::error::ErrorKind::ArgumentConflict, problem)
                    .exit();
            }
            process::run(args)
        }
        Command::Diff(args) => diff::run(args).map(|()| false),
        Command::Generate(args) => generate::run(args).map(|()| false),
    };
    match result {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(exit::ISSUES_FOUND),
        Err(failure) => failure.report(),
    }
}
