//! Learning which variables a piece of code reads: run it with a lookup that records every
//! name asked for and answers "unset". The tests of each service compare this with its
//! catalogue, so `--help` lists exactly what the service reads.

use std::cell::RefCell;
use std::collections::BTreeSet;

/// The names `read` looks up through the lookup it is given (every one unset).
pub fn recorded(read: impl FnOnce(&dyn Fn(&str) -> Option<String>)) -> BTreeSet<String> {
    let seen = RefCell::new(BTreeSet::new());
    let lookup = |name: &str| {
        seen.borrow_mut().insert(name.to_string());
        None
    };
    read(&lookup);
    seen.into_inner()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_name_looked_up_is_recorded() {
        let names = super::recorded(|get| {
            let _ = get("A");
            let _ = get("B").or_else(|| get("C"));
        });
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    }
}
