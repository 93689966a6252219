//! The text of `--help`: what the program is, how it is called, and every variable of its
//! [`Catalogue`] under its group's title, with its default and meaning; deprecated names
//! last, each with the name that replaces it.

use crate::catalogue::Catalogue;
use std::fmt::Write;

const WIDTH: usize = 88;
const INDENT: &str = "      ";

/// The usage line.
pub fn usage(catalogue: &Catalogue) -> String {
    format!("Usage: {} [--help | --version]", catalogue.program)
}

/// The whole `--help` text.
pub fn render(catalogue: &Catalogue) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", catalogue.program, catalogue.version);
    wrap(&mut out, "", catalogue.about);
    out.push('\n');
    let _ = writeln!(out, "{}\n", usage(catalogue));
    out.push_str(
        "Configured by environment variables only; an unset or blank variable takes its \
         default\n(docs/operations.md has the details).\n\n  -h, --help     print this \
         and exit\n  -V, --version  print the version and exit\n",
    );
    for group in catalogue.groups {
        let current: Vec<_> = group
            .settings
            .iter()
            .filter(|s| !s.is_deprecated())
            .collect();
        if current.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}:", group.title);
        for s in current {
            let _ = writeln!(out, "  {}  [default: {}]", s.name, s.default);
            wrap(&mut out, INDENT, s.meaning);
        }
    }
    let deprecated: Vec<_> = catalogue.settings().filter(|s| s.is_deprecated()).collect();
    if !deprecated.is_empty() {
        out.push_str("\nDeprecated (still read for one release when the new name is unset):\n");
        for s in deprecated {
            let new = s.replaced_by.unwrap_or_default();
            let _ = writeln!(out, "  {}  deprecated: use {new}", s.name);
        }
    }
    out
}

/// `text` as lines of at most [`WIDTH`] characters, each after `indent`.
fn wrap(out: &mut String, indent: &str, text: &str) {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > WIDTH {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Group, Setting};

    pub(crate) const CATALOGUE: Catalogue = Catalogue {
        program: "tiqets-demo",
        version: "1.2.3",
        about: "A demo.",
        groups: &[Group {
            title: "Demo",
            settings: &[
                Setting::new(
                    "TIQETS_DEMO_WAIT_SECS",
                    "30",
                    "a long meaning that goes on and on about what the setting does, far past \
                     one line of the help text, so that it wraps",
                ),
                Setting::deprecated("DEMO_WAIT", "TIQETS_DEMO_WAIT_SECS"),
            ],
        }],
    };

    #[test]
    fn every_setting_is_shown_with_its_default_and_deprecated_ones_as_such() {
        let help = render(&CATALOGUE);
        assert!(help.starts_with("tiqets-demo 1.2.3\nA demo.\n"), "{help}");
        assert!(help.contains("\nDemo:\n  TIQETS_DEMO_WAIT_SECS  [default: 30]\n"));
        assert!(help.contains("  DEMO_WAIT  deprecated: use TIQETS_DEMO_WAIT_SECS\n"));
        assert!(help.lines().all(|l| l.len() <= WIDTH), "{help}");
        assert!(help.contains("so that it wraps"));
    }
}
