//! `tiqets generate`: deterministic, realistic data (the sample and the benchmark data).

use crate::exit::{input, output, Failure};
use anyhow::Context;
use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use tiqets_datagen::GenSummary;

#[derive(clap::Args)]
pub struct Args {
    /// Number of orders.
    #[arg(long, default_value_t = 1000)]
    orders: u64,
    /// Random seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folder to write orders.csv and barcodes.csv into.
    #[arg(long, default_value = "data/input")]
    out: PathBuf,
    /// Also inject a few malformed rows of every kind.
    #[arg(long)]
    malformed: bool,
    /// Print what was written as one JSON object instead of one line of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let opts = tiqets_datagen::GenOptions {
        orders: args.orders,
        seed: args.seed,
        malformed: args.malformed,
    };
    let summary = tiqets_datagen::generate(&opts, &args.out).map_err(|e| {
        if e.kind() == ErrorKind::InvalidInput {
            input(e) // too many orders
        } else {
            output(
                anyhow::Error::new(e).context(format!("cannot write into {}", args.out.display())),
            )
        }
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        serde_json::to_writer(&mut out, &summary)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        writeln!(out, "{}", line(&summary, &args.out))
    };
    written.context("cannot write to stdout").map_err(output)
}

/// What was written, in one line.
fn line(s: &GenSummary, out: &std::path::Path) -> String {
    let mut line = format!(
        "wrote {} orders of {} customers and {} barcodes ({} sold, {} unsold) into {}: \
         orders.csv {} rows, {} bytes; barcodes.csv {} rows, {} bytes",
        s.orders,
        s.customers,
        s.sold_barcodes + s.unsold_barcodes,
        s.sold_barcodes,
        s.unsold_barcodes,
        out.display(),
        s.order_rows,
        s.orders_bytes,
        s.barcode_rows,
        s.barcodes_bytes,
    );
    let malformed = s.malformed_order_rows + s.malformed_barcode_rows;
    if malformed > 0 {
        line.push_str(&format!("; {malformed} malformed rows injected"));
    }
    line
}
