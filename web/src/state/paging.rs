//! Pages of a list: which page, how many, and the query string that asks for one.

/// Where a paginated list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: u64,
    pub per_page: u64,
    /// Items across all pages.
    pub total: u64,
}

impl Paging {
    /// The number of pages (at least 1, so an empty list is "page 1 of 1").
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }

    pub fn has_previous(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// The 1-based positions of the first and last items shown (`0, 0` when empty).
    pub fn shown(&self) -> (u64, u64) {
        if self.total == 0 {
            return (0, 0);
        }
        let first = (self.page - 1) * self.per_page + 1;
        (
            first.min(self.total),
            (self.page * self.per_page).min(self.total),
        )
    }
}

/// A query string (`?page=2&per_page=50&code=x`) from its parameters, leaving out the empty
/// ones; values are percent-encoded.
pub fn query(params: &[(&str, String)]) -> String {
    let parts: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_a_list() {
        let p = Paging {
            page: 2,
            per_page: 50,
            total: 163,
        };
        assert_eq!(p.pages(), 4);
        assert!(p.has_previous() && p.has_next());
        assert_eq!(p.shown(), (51, 100));
        let last = Paging { page: 4, ..p };
        assert!(!last.has_next());
        assert_eq!(last.shown(), (151, 163));
        let empty = Paging {
            page: 1,
            per_page: 50,
            total: 0,
        };
        assert_eq!(empty.pages(), 1);
        assert_eq!(empty.shown(), (0, 0));
        assert!(!empty.has_previous() && !empty.has_next());
    }

    #[test]
    fn query_strings_skip_empty_values_and_encode() {
        assert_eq!(
            query(&[
                ("page", "2".into()),
                ("code", String::new()),
                ("name", "a b&c".into())
            ]),
            "?page=2&name=a%20b%26c"
        );
        assert_eq!(query(&[("code", String::new())]), "");
    }
}
