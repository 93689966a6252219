//! The command line of a service binary: none to run, `--help` / `-h` or `--version` /
//! `-V` to answer and exit 0, anything else a short usage error and exit 2. Handled first
//! thing in `main`, before settings are read or anything connects.

use crate::catalogue::Catalogue;
use std::ffi::OsString;
use std::io::Write;

/// What the arguments (without the program's name) ask: `None` to run, `Some(code)` to exit
/// with `code` once `out` (help, version) or `err` (the usage error) has been written.
pub fn handle_args(
    catalogue: &Catalogue,
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Option<i32> {
    let args: Vec<OsString> = args.into_iter().collect();
    let first = args.first()?;
    let code = match (first.to_str(), args.len()) {
        (Some("-h" | "--help"), 1) => {
            let _ = out.write_all(crate::help::render(catalogue).as_bytes());
            0
        }
        (Some("-V" | "--version"), 1) => {
            let _ = writeln!(out, "{} {}", catalogue.program, catalogue.version);
            0
        }
        _ => {
            let _ = writeln!(
                err,
                "{}: unexpected argument {:?}\n{}\nIt is configured by environment variables: \
                 see {} --help",
                catalogue.program,
                args.iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                crate::help::usage(catalogue),
                catalogue.program,
            );
            2
        }
    };
    let _ = out.flush();
    Some(code)
}

/// Answers `--help` / `--version` (or refuses other arguments) from the process's
/// arguments, and exits; returns when there are none.
pub fn exit_if_asked(catalogue: &Catalogue) {
    let code = handle_args(
        catalogue,
        std::env::args_os().skip(1),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    if let Some(code) = code {
        std::process::exit(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The demo catalogue of the help text's tests: its variables start with TIQETS_DEMO.
    use crate::help::tests::CATALOGUE;

    fn run(args: &[&str]) -> (Option<i32>, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = handle_args(
            &CATALOGUE,
            args.iter().map(OsString::from),
            &mut out,
            &mut err,
        );
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (code, text(out), text(err))
    }

    #[test]
    fn no_arguments_run_the_service() {
        assert_eq!(run(&[]), (None, String::new(), String::new()));
    }

    #[test]
    fn help_and_version_answer_and_exit_0() {
        for flag in ["-h", "--help"] {
            let (code, out, err) = run(&[flag]);
            assert_eq!(code, Some(0));
            assert!(out.contains("TIQETS_DEMO") && err.is_empty(), "{out}");
        }
        for flag in ["-V", "--version"] {
            assert_eq!(
                run(&[flag]),
                (Some(0), "tiqets-demo 1.2.3\n".into(), String::new())
            );
        }
    }

    #[test]
    fn anything_else_is_a_usage_error_with_exit_2() {
        for args in [
            &["--port", "8080"][..],
            &["serve"],
            &["--help", "--version"],
        ] {
            let (code, out, err) = run(args);
            assert_eq!(code, Some(2), "{args:?}");
            assert!(out.is_empty());
            assert!(
                err.contains("Usage: tiqets-demo") && err.contains(args[0]),
                "{err}"
            );
        }
    }
}
