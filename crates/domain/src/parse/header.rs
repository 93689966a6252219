//! Reading the header (`docs/processing-rules.md`, Reading the files): where the required
//! columns are, which extra ones are ignored, or why the file is unusable.

use super::fatal::{FatalError, FatalProblem};
use super::record::{text, Columns};
use crate::issue::{shown, FileKind, Issue, IssueCode};
use crate::records::Split;
use crate::value::trim;

/// Matches the header's column names (ignoring case and surrounding spaces) to the file's
/// required columns; an `extra_column` issue lists the others.
pub(super) fn read_header(
    file: FileKind,
    split: Split<'_>,
) -> Result<(Columns, Option<Issue>), FatalError> {
    let fatal = |problem| FatalError { file, problem };
    let record = match split {
        Split::Broken { why, .. } => return Err(fatal(FatalProblem::HeaderBroken(why.describe()))),
        Split::Record(r) => r,
    };
    if std::str::from_utf8(record.raw()).is_err() {
        return Err(fatal(FatalProblem::HeaderNotText));
    }
    let names: Vec<String> = (0..record.len())
        .map(|i| trim(text(record.field(i))).to_lowercase())
        .collect();
    let required = file.required_columns();
    let position = |want: &str| names.iter().position(|n| n == want);
    let (first, second) = match (position(required[0]), position(required[1])) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => {
            let missing = [(a, required[0]), (b, required[1])]
                .into_iter()
                .filter(|(pos, _)| pos.is_none())
                .map(|(_, name)| name)
                .collect();
            let found = names.iter().take(20).cloned().collect();
            return Err(fatal(FatalProblem::MissingColumns { missing, found }));
        }
    };
    let extra: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != first && *i != second)
        .map(|(_, n)| shown(n))
        .collect();
    let issue = (!extra.is_empty()).then(|| {
        let listed = if extra.len() > 10 {
            format!("{}, … ({} in all)", extra[..10].join(", "), extra.len())
        } else {
            extra.join(", ")
        };
        let noun = if extra.len() == 1 {
            "column"
        } else {
            "columns"
        };
        Issue::new(
            file,
            record.line,
            IssueCode::ExtraColumn,
            format!("extra {noun} ignored: {listed}"),
        )
    });
    let columns = Columns {
        first,
        second,
        count: names.len(),
    };
    Ok((columns, issue))
}
