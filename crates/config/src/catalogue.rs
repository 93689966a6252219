//! The declared settings of one service: every variable it reads, with its default and
//! meaning, in titled groups. Settings parsing ([`crate::Env::with_catalogue`]), `--help`
//! ([`crate::help`]) and the deploy check all read the same list.
//!
//! A renamed variable keeps working for one release under its old name: the old name is a
//! [`Setting::deprecated`] entry pointing at the new one, read when the new one is unset,
//! and [`Catalogue::deprecations`] words the warnings a service logs about it.

use std::collections::BTreeSet;

/// One environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The variable's name.
    pub name: &'static str,
    /// The default, as `--help` shows it (`unset` when there is none).
    pub default: &'static str,
    /// What it does, in a sentence or two.
    pub meaning: &'static str,
    /// For a deprecated name: the name that replaces it.
    pub replaced_by: Option<&'static str>,
}

impl Setting {
    /// A current setting.
    pub const fn new(name: &'static str, default: &'static str, meaning: &'static str) -> Setting {
        Setting {
            name,
            default,
            meaning,
            replaced_by: None,
        }
    }

    /// `name`, the former name of `replaced_by`: still read when `replaced_by` is unset.
    pub const fn deprecated(name: &'static str, replaced_by: &'static str) -> Setting {
        Setting {
            name,
            default: "",
            meaning: "",
            replaced_by: Some(replaced_by),
        }
    }

    pub fn is_deprecated(&self) -> bool {
        self.replaced_by.is_some()
    }
}

/// Settings under one heading of `--help`.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub title: &'static str,
    pub settings: &'static [Setting],
}

/// Every setting of one service binary.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    /// The binary's name (`tiqets-validator`).
    pub program: &'static str,
    /// Its version (the crate's).
    pub version: &'static str,
    /// What it does, in a line.
    pub about: &'static str,
    pub groups: &'static [Group],
}

impl Catalogue {
    /// Every setting, current and deprecated, in the order of `--help`.
    pub fn settings(&self) -> impl Iterator<Item = &'static Setting> {
        self.groups.iter().flat_map(|g| g.settings.iter())
    }

    /// Every name the service reads (deprecated ones included).
    pub fn names(&self) -> BTreeSet<String> {
        self.settings().map(|s| s.name.to_string()).collect()
    }

    /// The setting called `name`.
    pub fn get(&self, name: &str) -> Option<&'static Setting> {
        self.settings().find(|s| s.name == name)
    }

    /// The deprecated names that `name` replaces.
    pub fn old_names<'a>(&self, name: &'a str) -> impl Iterator<Item = &'static str> + 'a {
        let groups = self.groups;
        groups
            .iter()
            .flat_map(|g| g.settings.iter())
            .filter(move |s| s.replaced_by == Some(name))
            .map(|s| s.name)
    }

    /// One warning per deprecated name that is set: used because its new name is unset, or
    /// ignored because both are set.
    pub fn deprecations(&self, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
        let set = |name: &str| lookup(name).is_some_and(|v| !v.trim().is_empty());
        self.settings()
            .filter_map(|s| Some((s.name, s.replaced_by?)))
            .filter(|(old, _)| set(old))
            .map(|(old, new)| {
                if set(new) {
                    format!(
                        "{old} is deprecated and ignored: {new} is set too and wins; remove {old}"
                    )
                } else {
                    format!(
                        "{old} is deprecated: its value is used for now, but rename it {new} \
                         (the old name goes in the next release)"
                    )
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOGUE: Catalogue = Catalogue {
        program: "tiqets-demo",
        version: "1.0.0",
        about: "A demo.",
        groups: &[Group {
            title: "Demo",
            settings: &[
                Setting::new("TIQETS_DEMO_ADDR", "127.0.0.1:1", "where it listens"),
                Setting::deprecated("DEMO_ADDR", "TIQETS_DEMO_ADDR"),
            ],
        }],
    };

    fn lookup<'a>(
        pairs: &'a [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn old_names_are_listed_and_found() {
        assert_eq!(CATALOGUE.names().len(), 2);
        assert_eq!(
            CATALOGUE.old_names("TIQETS_DEMO_ADDR").collect::<Vec<_>>(),
            ["DEMO_ADDR"]
        );
        assert!(CATALOGUE.get("DEMO_ADDR").unwrap().is_deprecated());
    }

    #[test]
    fn an_old_name_alone_is_used_and_warned_about() {
        let pairs = [("DEMO_ADDR", "127.0.0.1:2")];
        let env = crate::Env::with_catalogue(lookup(&pairs), &CATALOGUE);
        assert_eq!(env.get("TIQETS_DEMO_ADDR").as_deref(), Some("127.0.0.1:2"));
        let warnings = CATALOGUE.deprecations(lookup(&pairs));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("DEMO_ADDR is deprecated")
                && warnings[0].contains("rename it TIQETS_DEMO_ADDR"),
            "{warnings:?}"
        );
    }

    #[test]
    fn the_new_name_wins_over_the_old_one_with_a_warning() {
        let pairs = [
            ("DEMO_ADDR", "127.0.0.1:2"),
            ("TIQETS_DEMO_ADDR", "127.0.0.1:3"),
        ];
        let env = crate::Env::with_catalogue(lookup(&pairs), &CATALOGUE);
        assert_eq!(env.get("TIQETS_DEMO_ADDR").as_deref(), Some("127.0.0.1:3"));
        let warnings = CATALOGUE.deprecations(lookup(&pairs));
        assert!(
            warnings.len() == 1 && warnings[0].contains("TIQETS_DEMO_ADDR is set too and wins"),
            "{warnings:?}"
        );
    }

    #[test]
    fn the_new_name_alone_warns_of_nothing() {
        let pairs = [("TIQETS_DEMO_ADDR", "127.0.0.1:3")];
        assert!(CATALOGUE.deprecations(lookup(&pairs)).is_empty());
        assert!(CATALOGUE.deprecations(lookup(&[])).is_empty());
    }

    #[test]
    fn an_error_names_the_variable_the_value_came_from() {
        let pairs = [("DEMO_ADDR", "nowhere")];
        let env = crate::Env::with_catalogue(lookup(&pairs), &CATALOGUE);
        let e = env
            .parsed::<std::net::SocketAddr>("TIQETS_DEMO_ADDR", "127.0.0.1:1", "host:port")
            .unwrap_err();
        assert_eq!(e.name, "DEMO_ADDR");
    }
}
