//! A batch's changes since an older batch: the three tables (orders, barcodes, customers),
//! the kinds each can be filtered by and what they mean, the summary's counts in groups,
//! and the addresses of the tables' pages and CSV files.

use crate::state::paging::{encode, query};
use tiqets_api_types::ChangeSummary;

/// One table of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Orders,
    Barcodes,
    Customers,
}

impl Table {
    /// Its path segment: `orders`, `barcodes`, `customers`.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Orders => "orders",
            Table::Barcodes => "barcodes",
            Table::Customers => "customers",
        }
    }

    /// The kinds it can be filtered by (none for customers).
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Table::Orders => &ORDER_KINDS,
            Table::Barcodes => &BARCODE_KINDS,
            Table::Customers => &[],
        }
    }
}

pub const ORDER_KINDS: [&str; 3] = ["orders_added", "orders_removed", "orders_changed"];

pub const BARCODE_KINDS: [&str; 5] = [
    "barcodes_sold",
    "barcodes_unsold",
    "barcodes_moved",
    "barcodes_added",
    "barcodes_removed",
];

/// A kind as one word: `barcodes_moved` → `moved`.
pub fn kind_label(kind: &str) -> &str {
    kind.split_once('_').map_or(kind, |(_, word)| word)
}

/// What a kind means, in a few words.
pub fn kind_hint(kind: &str) -> &'static str {
    match kind {
        "orders_added" => "in the new output only",
        "orders_removed" => "in the old output only",
        "orders_changed" => "another customer or other barcodes",
        "barcodes_sold" => "unused before, sold now",
        "barcodes_unsold" => "sold before, unused now",
        "barcodes_moved" => "sold in both, to another order",
        "barcodes_added" => "absent before",
        "barcodes_removed" => "absent now",
        "customers_changed" => "another ticket count",
        _ => "",
    }
}

/// The nine counts in their three groups: a title, and each count's kind and figure.
pub fn groups(s: &ChangeSummary) -> [(&'static str, Vec<(&'static str, u64)>); 3] {
    [
        (
            "Orders",
            vec![
                ("orders_added", s.orders_added),
                ("orders_removed", s.orders_removed),
                ("orders_changed", s.orders_changed),
            ],
        ),
        (
            "Barcodes",
            vec![
                ("barcodes_sold", s.barcodes_sold),
                ("barcodes_unsold", s.barcodes_unsold),
                ("barcodes_moved", s.barcodes_moved),
                ("barcodes_added", s.barcodes_added),
                ("barcodes_removed", s.barcodes_removed),
            ],
        ),
        (
            "Customers",
            vec![("customers_changed", s.customers_changed)],
        ),
    ]
}

/// The path (under the API's base) of one page of a table, `kind` empty for every kind.
pub fn page_path(
    batch: &str,
    table: Table,
    since: &str,
    kind: &str,
    page: u64,
    per_page: u64,
) -> String {
    format!(
        "/batches/{}/changes/{}{}",
        encode(batch),
        table.as_str(),
        query(&[
            ("since", since.to_string()),
            ("kind", kind.to_string()),
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ])
    )
}

/// The path (under the API's base) of a table's CSV file, with the same filters.
pub fn csv_path(batch: &str, table: Table, since: &str, kind: &str) -> String {
    format!(
        "/batches/{}/changes/{}.csv{}",
        encode(batch),
        table.as_str(),
        query(&[("since", since.to_string()), ("kind", kind.to_string())])
    )
}

/// The name the browser saves a table's CSV file under: `changes_barcodes_moved.csv`.
pub fn csv_name(table: Table, kind: &str) -> String {
    if kind.is_empty() {
        format!("changes_{}.csv", table.as_str())
    } else {
        format!("changes_{kind}.csv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_their_words() {
        assert_eq!(Table::Orders.kinds().len(), 3);
        assert_eq!(Table::Barcodes.kinds().len(), 5);
        assert!(Table::Customers.kinds().is_empty());
        assert_eq!(kind_label("barcodes_moved"), "moved");
        assert_eq!(kind_label("orders_added"), "added");
        assert_eq!(kind_label("odd"), "odd");
        for kind in ORDER_KINDS.iter().chain(&BARCODE_KINDS) {
            assert!(!kind_hint(kind).is_empty(), "{kind}");
        }
    }

    #[test]
    fn the_nine_counts_in_three_groups() {
        let s = ChangeSummary {
            orders_added: 1,
            orders_removed: 2,
            orders_changed: 3,
            barcodes_sold: 4,
            barcodes_unsold: 5,
            barcodes_moved: 6,
            barcodes_added: 7,
            barcodes_removed: 8,
            customers_changed: 9,
        };
        let all: Vec<u64> = groups(&s)
            .iter()
            .flat_map(|(_, counts)| counts.iter().map(|(_, n)| *n))
            .collect();
        assert_eq!(all, (1..=9).collect::<Vec<u64>>());
        assert_eq!(groups(&s)[1].1[2], ("barcodes_moved", 6));
    }

    #[test]
    fn addresses_keep_the_filters() {
        assert_eq!(
            page_path("b-2", Table::Barcodes, "b-1", "barcodes_moved", 2, 25),
            "/batches/b-2/changes/barcodes?since=b-1&kind=barcodes_moved&page=2&per_page=25"
        );
        assert_eq!(
            page_path("b-2", Table::Customers, "b-1", "", 1, 10),
            "/batches/b-2/changes/customers?since=b-1&page=1&per_page=10"
        );
        assert_eq!(
            csv_path("b-2", Table::Orders, "b-1", ""),
            "/batches/b-2/changes/orders.csv?since=b-1"
        );
        assert_eq!(
            csv_path("b-2", Table::Orders, "", "orders_added"),
            "/batches/b-2/changes/orders.csv?kind=orders_added"
        );
        assert_eq!(csv_name(Table::Orders, ""), "changes_orders.csv");
        assert_eq!(
            csv_name(Table::Barcodes, "barcodes_sold"),
            "changes_barcodes_sold.csv"
        );
    }
}
