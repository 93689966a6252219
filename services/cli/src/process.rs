//! `tiqets process`: one batch, embedded, same rules as the pipeline.

use crate::exit::{output, Failure};
use crate::input::{is_stdin, Source};
use crate::output::Sink;
use crate::report;
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use tiqets_domain::{IssueLimit, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding orders.csv and barcodes.csv.
    #[arg(default_value = "data/input")]
    dir: PathBuf,
    /// orders.csv to read (default: DIR/orders.csv); `-` reads stdin.
    #[arg(long)]
    orders: Option<PathBuf>,
    /// barcodes.csv to read (default: DIR/barcodes.csv); `-` reads stdin.
    #[arg(long)]
    barcodes: Option<PathBuf>,
    /// Where to write the output rows; `-` writes them to stdout, and the summary to stderr.
    #[arg(long, default_value = "data/output/processed_orders.csv")]
    output: PathBuf,
    /// Where to write the issues (columns file,line,code,message).
    #[arg(long, default_value = "data/output/issues.csv")]
    issues: PathBuf,
    /// How many top customers to print.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Print the summary as one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
    /// Print no summary and no issues (errors are still printed).
    #[arg(long, short, conflicts_with = "json")]
    quiet: bool,
    /// Exit with 1 when any issue was found (the outputs are still written).
    #[arg(long)]
    fail_on_issues: bool,
    /// Issues listed per code per file; the others are counted, and issues.csv says how
    /// many. 0 lists every issue.
    #[arg(long, value_name = "N", default_value_t = u64::from(IssueLimit::DEFAULT))]
    issue_limit: u64,
}

impl Args {
    /// A usage error clap cannot see, if any.
    pub fn usage_error(&self) -> Option<&'static str> {
        let stdin = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_stdin);
        (stdin(&self.orders) && stdin(&self.barcodes))
            .then_some("--orders - and --barcodes - cannot both read stdin: give one as a file")
    }
}

/// Processes the batch and writes its outputs; `Ok(true)` when it had issues and
/// `--fail-on-issues` was given.
pub fn run(args: Args) -> Result<bool, Failure> {
    let orders = Source::new(args.orders.clone().unwrap_or(args.dir.join("orders.csv")));
    let barcodes = Source::new(
        args.barcodes
            .clone()
            .unwrap_or(args.dir.join("barcodes.csv")),
    );
    let limit = IssueLimit::new(args.issue_limit);
    let outcome = crate::input::process(&orders, &barcodes, limit, args.quiet)?;

    let rows_to_stdout = is_stdin(&args.output);
    let sink = if rows_to_stdout {
        Sink::Stdout
    } else {
        Sink::File(&args.output)
    };
    crate::output::write_all(sink, &args.issues, &outcome)?;
    if !args.quiet {
        report::log_issues(&outcome, &args.issues);
        // The summary goes where the rows do not.
        let written = if rows_to_stdout {
            summary(&args, &outcome, &mut std::io::stderr().lock())
        } else {
            summary(&args, &outcome, &mut std::io::stdout().lock())
        };
        written
            .context("cannot write the summary")
            .map_err(output)?;
    }
    let failed = args.fail_on_issues && outcome.issue_counts().total() > 0;
    // The process ends right after this: its memory goes back to the system in one piece.
    // Freeing the outcome first would free each of possibly millions of issue messages,
    // and the allocator would hand every emptied page back one by one.
    std::mem::forget(outcome);
    Ok(failed)
}

fn summary(args: &Args, outcome: &Outcome, out: &mut impl Write) -> std::io::Result<()> {
    if args.json {
        report::write_json(out, outcome, args.top, &args.output, &args.issues)
    } else {
        report::write_text(out, outcome, args.top)
    }
}
