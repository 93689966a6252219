//! The frame around every page: the name of the tool, the navigation and the search box.

use crate::components::search::HeaderSearch;
use crate::route::Route;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    pub children: Html,
}

/// The header with the navigation and the search box, and the page below it.
#[function_component(Layout)]
pub fn layout(props: &LayoutProps) -> Html {
    let current = use_route::<Route>();
    let link = |to: Route, label: &'static str| {
        let active = match (&current, &to) {
            (
                Some(Route::Batch { .. } | Route::Changes { .. } | Route::Order { .. }),
                Route::Batches,
            ) => true,
            (Some(Route::Customer { .. }), Route::Customers) => true,
            (Some(c), t) => c == t,
            _ => false,
        };
        html! {
            <li>
                <Link<Route> to={to} classes={classes!(active.then_some("active"))}>{ label }</Link<Route>>
            </li>
        }
    };
    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            <header class="top">
                <div class="brand">
                    <span class="logo" aria-hidden="true">{ "▤" }</span>
                    <span>{ "Tiqets orders" }</span>
                </div>
                <nav aria-label="Main">
                    <ul>
                        { link(Route::Overview, "Overview") }
                        { link(Route::Batches, "Batches") }
                        { link(Route::Customers, "Customers") }
                        { link(Route::Barcodes, "Unused barcodes") }
                        { link(Route::Upload, "Upload") }
                    </ul>
                </nav>
                <HeaderSearch />
            </header>
            <main id="main">{ props.children.clone() }</main>
        </>
    }
}
