//! A reload counter that event callbacks can move on however old they are.
//!
//! The status-event callbacks are registered once, on the first render. A `use_state`
//! handle captured there keeps the value of that render, so `set(*n + 1)` from it writes
//! the same number again and again, and a second event no longer reloads anything. A
//! reducer's dispatch always applies to the current value.

use std::rc::Rc;
use yew::prelude::*;

/// How many reloads were asked for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reloads(pub u32);

impl Reducible for Reloads {
    type Action = ();

    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Reloads(self.0.wrapping_add(1)))
    }
}

/// The current count, and a callback that asks for one more reload.
#[hook]
pub fn use_reload() -> (u32, Callback<()>) {
    let reloads = use_reducer(Reloads::default);
    let dispatcher = reloads.dispatcher();
    (reloads.0, Callback::from(move |()| dispatcher.dispatch(())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reload_moves_the_count_on_from_the_current_value() {
        let mut n = Rc::new(Reloads::default());
        for expected in 1..=3 {
            n = n.reduce(());
            assert_eq!(n.0, expected);
        }
    }
}
