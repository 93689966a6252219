//! The exit codes, one meaning each (also in `tiqets --help`, the README and
//! docs/operations.md).

use std::process::ExitCode;

/// The text of `tiqets --help` and `tiqets process --help` after the options.
pub const HELP: &str = "\
Exit codes:
  0  it ran (issues or not)
  1  issues were found and --fail-on-issues was given (the outputs are written)
  2  a usage error, or an input that cannot be processed (a missing file or column, a file
     that is not text); no output is written
  3  an output could not be written (e.g. the output folder is not writable)";

/// Issues were found and `--fail-on-issues` was given.
pub const ISSUES_FOUND: u8 = 1;

/// Why a command stopped before it finished.
#[derive(Debug)]
pub enum Failure {
    /// Wrong arguments or an unusable input: exit 2.
    Input(anyhow::Error),
    /// An output could not be written: exit 3.
    Output(anyhow::Error),
}

impl Failure {
    /// Prints the error on stderr and gives its exit code.
    pub fn report(self) -> ExitCode {
        let (code, e) = match self {
            Failure::Input(e) => (2, e),
            Failure::Output(e) => (3, e),
        };
        eprintln!("error: {e:#}");
        ExitCode::from(code)
    }
}

/// Marks an error as an input error (exit 2).
pub fn input(e: impl Into<anyhow::Error>) -> Failure {
    Failure::Input(e.into())
}

/// Marks an error as an output error (exit 3).
pub fn output(e: impl Into<anyhow::Error>) -> Failure {
    Failure::Output(e.into())
}
