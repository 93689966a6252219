//! The dashboard: a Yew single-page app over the HTTP API, served by the API at `/`.
//!
//! The API is reached at `/api` on the same origin (never a build-time address). State
//! lives in reducers (`state`) and formatting in `format`, plain modules that the native
//! unit tests exercise; `pages` and `components` render them.

pub mod api;
pub mod components;
pub mod events;
pub mod format;
pub mod pages;
pub mod route;
pub mod state;

use route::{switch, Route};
use yew::prelude::*;
use yew_router::prelude::*;

/// The whole app: the navigation and the current page.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <components::layout::Layout>
                <Switch<Route> render={switch} />
            </components::layout::Layout>
        </BrowserRouter>
    }
}

/// Renders [`App`] into the page's `#app` element (replacing its "loading" text), or into
/// the body when there is none.
pub fn run() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}
