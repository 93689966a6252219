//! Writing the planned files: `orders.csv` in order id order, `barcodes.csv` in the
//! shuffled order, each extra row at its place.

use crate::plan::{unpack, Plan, Unusual};
use crate::{GenSummary, BARCODES_HEADER, ORDERS_HEADER};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

impl Plan {
    pub(crate) fn write_files(
        &self,
        orders_path: &Path,
        barcodes_path: &Path,
    ) -> io::Result<GenSummary> {
        let mut summary = self.summary.clone();
        summary.order_rows = self.write_orders(orders_path)?;
        summary.barcode_rows = self.write_barcodes(barcodes_path)?;
        Ok(summary)
    }

    /// Writes `orders.csv`, returning the number of records after the header.
    fn write_orders(&self, path: &Path) -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        // With the extra column, every record starts with its channel.
        let channel: &[u8] = if self.channel_column {
            w.write_all(b"channel,")?;
            b"web,"
        } else {
            b""
        };
        w.write_all(ORDERS_HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        let mut records = 0u64;
        let mut extras = self.order_extras.iter().peekable();
        let mut unusual = self.unusual_orders.iter().peekable();
        let mut line = Vec::with_capacity(64);
        let mut order_buf = itoa::Buffer::new();
        let mut customer_buf = itoa::Buffer::new();
        for (i, &customer) in self.customer_of.iter().enumerate() {
            while let Some(extra) = extras.next_if(|e| e.pos == i as u64) {
                if is_record(&extra.bytes) {
                    w.write_all(channel)?;
                    records += 1;
                }
                w.write_all(&extra.bytes)?;
            }
            let order = i as u64 + 1;
            let o = order_buf.format(order).as_bytes();
            let c = customer_buf.format(customer).as_bytes();
            line.clear();
            line.extend_from_slice(channel);
            match unusual.next_if(|u| u.0 == order).map(|u| u.1) {
                None => write_fields(&mut line, o, b"", c, b""),
                Some(Unusual::PandasFloat) => write_fields(&mut line, o, b".0", c, b".0"),
                Some(Unusual::Padded) => {
                    line.extend_from_slice(b" \t");
                    write_fields(&mut line, o, b" ", c, b"  ");
                }
                Some(Unusual::Quoted) => write_quoted(&mut line, o, c),
            }
            w.write_all(&line)?;
            records += 1;
        }
        for extra in extras {
            if is_record(&extra.bytes) {
                w.write_all(channel)?;
                records += 1;
            }
            w.write_all(&extra.bytes)?;
        }
        w.flush()?;
        Ok(records)
    }

    /// Writes `barcodes.csv`, returning the number of records after the header.
    fn write_barcodes(&self, path: &Path) -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        w.write_all(BARCODES_HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        let mut records = 0u64;
        let mut extras = self.barcode_extras.iter().peekable();
        let mut unusual = self.unusual_barcodes.iter().peekable();
        let mut line = Vec::with_capacity(64);
        let mut barcode_buf = [0u8; 13];
        let mut order_buf = itoa::Buffer::new();
        for (i, &row) in self.rows.iter().enumerate() {
            while let Some(extra) = extras.next_if(|e| e.pos == i as u64) {
                w.write_all(&extra.bytes)?;
                records += is_record(&extra.bytes) as u64;
            }
            let (barcode, order) = unpack(row);
            let len = self.codec.render(barcode, &mut barcode_buf);
            let b = &barcode_buf[..len];
            let o: &[u8] = if order == 0 {
                b""
            } else {
                order_buf.format(order).as_bytes()
            };
            line.clear();
            match unusual.next_if(|u| u.0 == i as u64).map(|u| u.1) {
                None => write_fields(&mut line, b, b"", o, b""),
                Some(Unusual::PandasFloat) if order != 0 => {
                    write_fields(&mut line, b, b"", o, b".0")
                }
                Some(Unusual::PandasFloat | Unusual::Padded) => {
                    line.extend_from_slice(b"  ");
                    write_fields(&mut line, b, b" ", o, b" ");
                }
                Some(Unusual::Quoted) => write_quoted(&mut line, b, o),
            }
            w.write_all(&line)?;
            records += 1;
        }
        for extra in extras {
            w.write_all(&extra.bytes)?;
            records += is_record(&extra.bytes) as u64;
        }
        w.flush()?;
        Ok(records)
    }
}

/// `a` `a_suffix` `,` `b` `b_suffix` `\n`
fn write_fields(line: &mut Vec<u8>, a: &[u8], a_suffix: &[u8], b: &[u8], b_suffix: &[u8]) {
    line.extend_from_slice(a);
    line.extend_from_slice(a_suffix);
    line.push(b',');
    line.extend_from_slice(b);
    line.extend_from_slice(b_suffix);
    line.push(b'\n');
}

/// `"a","b"` and a newline.
fn write_quoted(line: &mut Vec<u8>, a: &[u8], b: &[u8]) {
    line.push(b'"');
    line.extend_from_slice(a);
    line.extend_from_slice(b"\",\"");
    line.extend_from_slice(b);
    line.extend_from_slice(b"\"\n");
}

fn is_record(bytes: &[u8]) -> bool {
    !bytes.iter().all(|b| b.is_ascii_whitespace())
}
