//! What `tiqets process` tells: the issues on stderr, and the summary (the top customers and
//! the unused barcodes, or one JSON object).

use std::io::Write;
use std::path::Path;
use tiqets_domain::{IssueCode, Outcome};

/// Issues printed one by one on stderr before the rest are only counted.
const ISSUES_SHOWN: usize = 20;

/// Logs the first issues on stderr, what was not itemised, then a count per code.
pub fn log_issues(outcome: &Outcome, issues_path: &Path) {
    let (issues, counts) = (outcome.issues(), outcome.issue_counts());
    if counts.total() == 0 {
        return;
    }
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for issue in issues.iter().take(ISSUES_SHOWN) {
        let _ = writeln!(err, "{issue}");
    }
    if issues.len() > ISSUES_SHOWN {
        let _ = writeln!(
            err,
            "… and {} more issues, listed in {}",
            issues.len() - ISSUES_SHOWN,
            issues_path.display()
        );
    }
    for n in outcome.not_itemised() {
        let _ = writeln!(err, "{}", n.message());
    }
    let by_code: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(code, n)| format!("{n} {code}"))
        .collect();
    let _ = writeln!(err, "{} issues: {}", counts.total(), by_code.join(", "));
}

/// The text summary: one `customer_id, tickets` line per top customer, then the number of
/// unused barcodes.
pub fn write_text(out: &mut impl Write, outcome: &Outcome, top: usize) -> std::io::Result<()> {
    for c in outcome.top_customers(top) {
        writeln!(out, "{}, {}", c.customer_id, c.tickets)?;
    }
    writeln!(out, "{}", outcome.unused_count())
}

/// The summary as one JSON object on one line.
pub fn write_json(
    out: &mut impl Write,
    outcome: &Outcome,
    top: usize,
    output: &Path,
    issues_file: &Path,
) -> std::io::Result<()> {
    let issues: serde_json::Map<String, serde_json::Value> = outcome
        .issue_counts()
        .iter()
        .map(|(code, n): (IssueCode, u64)| (code.as_str().to_string(), n.into()))
        .collect();
    let summary = serde_json::json!({
        "orders_written": outcome.orders_written(),
        "tickets": outcome.tickets(),
        "top_customers": outcome.top_customers(top),
        "unused_barcodes": outcome.unused_count(),
        "issues": issues,
        "issues_not_itemised": outcome.not_itemised(),
        "output": output.display().to_string(),
        "issues_file": issues_file.display().to_string(),
    });
    serde_json::to_writer(&mut *out, &summary)?;
    writeln!(out)
}
