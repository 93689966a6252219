//! `tiqets generate`: deterministic, realistic data (the sample and the benchmark data).

use anyhow::Context;
use std::path::PathBuf;

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
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let opts = tiqets_datagen::GenOptions {
        orders: args.orders,
        seed: args.seed,
        malformed: args.malformed,
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let summary = tiqets_datagen::generate(&opts, &args.out)
        .with_context(|| format!("cannot write into {}", args.out.display()))?;
    eprintln!("{summary:?}");
    Ok(())
}
