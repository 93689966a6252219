//! A completed batch's two views as tabs: its results, and its changes since the batch
//! before it.

use crate::route::Route;
use yew::prelude::*;
use yew_router::prelude::*;

/// Which view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Results,
    Changes,
}

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub id: String,
    pub current: Tab,
}

/// The tabs: the current one as plain text, the other as a link.
#[function_component(BatchTabs)]
pub fn batch_tabs(props: &TabsProps) -> Html {
    let tab = |tab: Tab, to: Route, label: &'static str, id: &'static str| {
        if tab == props.current {
            html! { <li id={id}><span class="tab active" aria-current="page">{ label }</span></li> }
        } else {
            html! { <li id={id}><Link<Route> to={to} classes="tab">{ label }</Link<Route>></li> }
        }
    };
    html! {
        <nav class="tabs" aria-label="Batch views">
            <ul>
                { tab(Tab::Results, Route::Batch { id: props.id.clone() }, "Results", "tab-results") }
                { tab(Tab::Changes, Route::Changes { id: props.id.clone() }, "Changes", "tab-changes") }
            </ul>
        </nav>
    }
}
