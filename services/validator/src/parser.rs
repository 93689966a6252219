//! Either file's streaming parser behind one type, feeding a [`ChunkCutter`].

use crate::cutter::ChunkCutter;
use tiqets_domain::{BarcodesParser, FatalError, FileKind, OrdersParser};

/// The domain's parser for `orders.csv` or `barcodes.csv`.
pub enum FileParser {
    Orders(OrdersParser),
    Barcodes(BarcodesParser),
}

impl FileParser {
    pub fn new(file: FileKind) -> FileParser {
        match file {
            FileKind::Orders => FileParser::Orders(OrdersParser::new()),
            FileKind::Barcodes => FileParser::Barcodes(BarcodesParser::new()),
        }
    }

    /// Parses the next piece of the file into `cutter`.
    pub fn push(&mut self, piece: &[u8], cutter: &mut ChunkCutter) -> Result<(), FatalError> {
        match self {
            FileParser::Orders(p) => p.push(piece, &mut |r| cutter.push_order(r)),
            FileParser::Barcodes(p) => p.push(piece, &mut |r| cutter.push_barcode(r)),
        }
    }

    /// Ends the file (a file without a usable header fails here).
    pub fn finish(&mut self, cutter: &mut ChunkCutter) -> Result<(), FatalError> {
        match self {
            FileParser::Orders(p) => p.finish(&mut |r| cutter.push_order(r)),
            FileParser::Barcodes(p) => p.finish(&mut |r| cutter.push_barcode(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiqets_contract::{BatchId, ChunkRows, RowChunk};

    fn parse(file: FileKind, text: &str, piece: usize) -> Result<Vec<RowChunk>, FatalError> {
        let id = BatchId::parse("b1").unwrap();
        let mut cutter = ChunkCutter::new(&id, 1, file, 64);
        let mut parser = FileParser::new(file);
        for p in text.as_bytes().chunks(piece) {
            parser.push(p, &mut cutter)?;
        }
        parser.finish(&mut cutter)?;
        let (cuts, _) = cutter.finish();
        Ok(cuts
            .iter()
            .map(|c| RowChunk::decode(&c.bytes).unwrap())
            .collect())
    }

    #[test]
    fn pieces_of_any_size_give_the_same_chunks() {
        let text = "barcode,order_id\n111,1\n\"22\n2\",2\n333,\nbad!,3\n444,4\n";
        let whole = parse(FileKind::Barcodes, text, text.len()).unwrap();
        for piece in 1..8 {
            assert_eq!(parse(FileKind::Barcodes, text, piece).unwrap(), whole);
        }
        let rows: usize = whole.iter().map(|c| c.row_count()).sum();
        let issues: usize = whole.iter().map(|c| c.issues.len()).sum();
        assert_eq!((rows, issues), (3, 2));
        assert!(matches!(&whole[0].rows, ChunkRows::Barcodes(r) if r[0].barcode == "111"));
    }

    #[test]
    fn a_missing_column_is_a_fatal_error_naming_the_file() {
        let e = parse(FileKind::Orders, "order_id,name\n1,x\n", 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "orders.csv: missing required column `customer_id`"
        );
        let e = parse(FileKind::Barcodes, "", 4).unwrap_err();
        assert!(e.to_string().starts_with("barcodes.csv: "), "{e}");
    }
}
