//! `tiqets diff OLD_DIR NEW_DIR`: what changed between two exports, by the rules of
//! `docs/processing-rules.md` (Changes between two batches), compared by `tiqets_domain::diff`.

use crate::exit::{input, output, Failure};
use crate::input::Source;
use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use tiqets_domain::diff::{
    compare_barcodes, compare_customers, compare_orders, csv, BarcodeChange, CustomerChange,
    OrderChange, OrderState, Snapshot, Summary,
};
use tiqets_domain::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Folder holding the earlier export's orders.csv and barcodes.csv.
    old: PathBuf,
    /// Folder holding the later export's orders.csv and barcodes.csv.
    new: PathBuf,
    /// Print the nine counts as one JSON object, {"summary": {...}}.
    #[arg(long)]
    json: bool,
    /// Also write changes_orders.csv, changes_barcodes.csv and changes_customers.csv here.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Compares the two exports and prints (and with `--output` writes) what changed.
pub fn run(args: Args) -> Result<(), Failure> {
    let old = process(&args.old)?;
    let new = process(&args.new)?;
    let (old, new) = (Snapshot::of(&old), Snapshot::of(&new));
    let mut files = match &args.output {
        Some(dir) => Some(Files::create(dir)?),
        None => None,
    };
    let mut summary = Summary::default();
    let mut customers = Vec::new();
    let mut written = Ok(());
    let unsorted = compare_orders(old.orders(), new.orders(), &mut summary, |c| {
        if let (Some(f), Ok(())) = (files.as_mut(), &written) {
            written = f.order(&c);
        }
    })
    .and_then(|()| {
        compare_barcodes(old.barcodes(), new.barcodes(), &mut summary, |c| {
            if let (Some(f), Ok(())) = (files.as_mut(), &written) {
                written = f.barcode(&c);
            }
        })
    })
    .and_then(|()| {
        compare_customers(old.customers(), new.customers(), &mut summary, |c| {
            customers.push(c)
        })
    });
    // The snapshots are sorted by construction: a failure here is a bug, not an input.
    unsorted.context("comparing the exports").map_err(output)?;
    if let Some(mut f) = files {
        written.and_then(|()| f.customers(customers))?;
    }
    let out = &mut std::io::stdout().lock();
    let printed = if args.json {
        // The counts in the order of `Summary`'s fields (a `json!` map would sort them).
        serde_json::to_string(&summary)
            .map_err(std::io::Error::from)
            .and_then(|counts| writeln!(out, "{{\"summary\":{counts}}}"))
    } else {
        write_text(out, &summary)
    };
    printed.context("cannot write the summary").map_err(output)
}

fn process(dir: &Path) -> Result<Outcome, Failure> {
    if !dir.is_dir() {
        return Err(input(anyhow::anyhow!("{} is not a folder", dir.display())));
    }
    let orders = Source::new(dir.join("orders.csv"));
    let barcodes = Source::new(dir.join("barcodes.csv"));
    // The comparison reads no issue: none need be itemised.
    crate::input::process(&orders, &barcodes, tiqets_domain::IssueLimit::new(1), true)
}

fn write_text(out: &mut impl Write, s: &Summary) -> std::io::Result<()> {
    writeln!(
        out,
        "orders: {} added, {} removed, {} changed",
        s.orders_added, s.orders_removed, s.orders_changed
    )?;
    writeln!(
        out,
        "barcodes: {} sold, {} unsold, {} moved to another order, {} added, {} removed",
        s.barcodes_sold, s.barcodes_unsold, s.barcodes_moved, s.barcodes_added, s.barcodes_removed
    )?;
    writeln!(
        out,
        "customers: {} with a different number of tickets",
        s.customers_changed
    )
}

/// The three change files.
struct Files {
    orders: CsvFile,
    barcodes: CsvFile,
    customers: CsvFile,
    line: Vec<u8>,
}

impl Files {
    fn create(dir: &Path) -> Result<Files, Failure> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(output)?;
        Ok(Files {
            orders: CsvFile::create(dir.join("changes_orders.csv"), csv::ORDERS_HEADER)?,
            barcodes: CsvFile::create(dir.join("changes_barcodes.csv"), csv::BARCODES_HEADER)?,
            customers: CsvFile::create(dir.join("changes_customers.csv"), csv::CUSTOMERS_HEADER)?,
            line: Vec::new(),
        })
    }

    fn order(&mut self, c: &OrderChange<'_>) -> Result<(), Failure> {
        let l = &mut self.line;
        l.clear();
        csv::order_line(l, c.kind.as_str(), c.order_id, side(c.old), side(c.new));
        self.orders.write(l)
    }

    fn barcode(&mut self, c: &BarcodeChange<'_>) -> Result<(), Failure> {
        let l = &mut self.line;
        l.clear();
        let (old, new) = (c.old_order_id(), c.new_order_id());
        csv::barcode_line(l, c.kind.as_str(), c.barcode, old, new);
        self.barcodes.write(l)
    }

    /// Writes the customers, largest change first (by its size, then customer id), and
    /// flushes every file.
    fn customers(&mut self, mut all: Vec<CustomerChange>) -> Result<(), Failure> {
        all.sort_by_key(|c| (std::cmp::Reverse(c.delta().unsigned_abs()), c.customer_id));
        let l = &mut self.line;
        for c in all {
            l.clear();
            csv::customer_line(l, c.customer_id, c.before, c.after);
            self.customers.write(l)?;
        }
        self.orders.flush()?;
        self.barcodes.flush()?;
        self.customers.flush()
    }
}

/// One output file, buffered; its path names it in errors.
struct CsvFile {
    path: PathBuf,
    w: BufWriter<File>,
}

impl CsvFile {
    /// Creates (or truncates) the file and writes its header.
    fn create(path: PathBuf, header: &str) -> Result<CsvFile, Failure> {
        let f = File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(output)?;
        let mut file = CsvFile {
            path,
            w: BufWriter::with_capacity(1 << 20, f),
        };
        file.write(header.as_bytes())?;
        Ok(file)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let written = self.w.write_all(bytes);
        written
            .with_context(|| format!("cannot write {}", self.path.display()))
            .map_err(output)
    }

    fn flush(&mut self) -> Result<(), Failure> {
        let flushed = self.w.flush();
        flushed
            .with_context(|| format!("cannot write {}", self.path.display()))
            .map_err(output)
    }
}

/// An order's (customer id, barcode list) in one batch.
fn side(s: Option<&OrderState>) -> Option<(u64, &str)> {
    s.map(|s| (s.customer_id, s.barcodes.as_str()))
}
