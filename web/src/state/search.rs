//! The header's search: what a typed text may be, and in which order a number is tried
//! (a barcode, then an order of the current batch, then a customer).

/// What the search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Not all digits: only a barcode can be that.
    Barcode(String),
    /// All digits: a barcode, an order id or a customer id.
    Number(String),
}

/// The query of a typed text, trimmed (`None` when nothing is left).
pub fn classify(text: &str) -> Option<Query> {
    let q = text.trim();
    if q.is_empty() {
        None
    } else if q.bytes().all(|b| b.is_ascii_digit()) {
        Some(Query::Number(q.to_string()))
    } else {
        Some(Query::Barcode(q.to_string()))
    }
}

/// Where the search stands, as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Searching {
    #[default]
    Idle,
    /// Asking the API what a number is.
    Busy,
    /// The API failed with something other than "not found".
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_numbers_and_anything_else_a_barcode() {
        assert_eq!(classify("  "), None);
        assert_eq!(classify(" 88 "), Some(Query::Number("88".into())));
        assert_eq!(
            classify("0123456789"),
            Some(Query::Number("0123456789".into()))
        );
        assert_eq!(classify("AB-12"), Some(Query::Barcode("AB-12".into())));
        assert_eq!(classify("12 34"), Some(Query::Barcode("12 34".into())));
        assert_eq!(classify("-5"), Some(Query::Barcode("-5".into())));
        assert_eq!(Searching::default(), Searching::Idle);
    }
}
