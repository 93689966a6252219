//! `unused_barcodes.csv`: the header `barcode,line`, then one line per unused barcode (rule
//! 3) in `barcodes.csv` order, with the line it stands on there. Table data for the
//! persister, not an output of the command line.

use super::read::{field_count, number, text, ResultFormat};
use super::{csv_field, write_file};
use crate::merge::Outcome;
use crate::records::Record;
use std::io::{self, Write};

/// The header line of `unused_barcodes.csv`.
pub const HEADER: &str = "barcode,line\n";

/// Appends one line of `unused_barcodes.csv`.
pub fn format_unused(out: &mut Vec<u8>, barcode: &str, line: u64) {
    csv_field(out, barcode);
    out.push(b',');
    out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
    out.push(b'\n');
}

/// Writes the whole `unused_barcodes.csv` of `outcome`, header included.
pub fn write_unused(outcome: &Outcome, w: &mut impl Write) -> io::Result<()> {
    let unused = outcome.unused_with_lines();
    write_file(w, HEADER, unused, |out, (barcode, line)| {
        format_unused(out, &barcode, line)
    })
}

/// One line of `unused_barcodes.csv`, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnusedLine<'a> {
    pub barcode: &'a str,
    /// Where it stands in `barcodes.csv`.
    pub line: u64,
}

/// `unused_barcodes.csv`, for [`super::ResultReader`].
pub struct UnusedBarcodesCsv;

impl ResultFormat for UnusedBarcodesCsv {
    const HEADER: &'static str = HEADER;
    type Line<'a> = UnusedLine<'a>;

    fn read<'a>(record: &Record<'a>) -> Result<UnusedLine<'a>, String> {
        field_count(record, 2)?;
        let barcode = text(record.field(0))?;
        let line = number(record.field(1))?;
        Ok(UnusedLine { barcode, line })
    }
}
