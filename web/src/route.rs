//! The app's pages and their paths.

use crate::pages;
use yew::prelude::*;
use yew_router::prelude::*;

/// Every page, by path.
#[derive(Debug, Clone, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Overview,
    #[at("/batches")]
    Batches,
    #[at("/batches/:id")]
    Batch { id: String },
    #[at("/batches/:id/changes")]
    Changes { id: String },
    #[at("/batches/:id/orders/:order_id")]
    Order { id: String, order_id: String },
    #[at("/customers")]
    Customers,
    #[at("/customers/:id")]
    Customer { id: String },
    #[at("/barcodes")]
    Barcodes,
    #[at("/barcodes/:code")]
    Barcode { code: String },
    #[at("/upload")]
    Upload,
    #[not_found]
    #[at("/not-found")]
    NotFound,
}

/// The page for a route.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Overview => html! { <pages::overview::Overview /> },
        Route::Batches => html! { <pages::batches::Batches /> },
        Route::Batch { id } => html! { <pages::batch::BatchPage {id} /> },
        Route::Changes { id } => html! { <pages::changes::ChangesPage {id} /> },
        Route::Order { id, order_id } => html! { <pages::order::OrderPage {id} {order_id} /> },
        Route::Customers => html! { <pages::customer::CustomerLookup id={None::<String>} /> },
        Route::Customer { id } => html! { <pages::customer::CustomerLookup id={Some(id)} /> },
        Route::Barcodes => html! { <pages::barcodes::Barcodes /> },
        Route::Barcode { code } => html! { <pages::barcode::BarcodePage {code} /> },
        Route::Upload => html! { <pages::upload::Upload /> },
        Route::NotFound => html! {
            <section class="page">
                <h1>{ "Page not found" }</h1>
                <p class="empty">{ "There is no page at this address. " }
                    <Link<Route> to={Route::Overview}>{ "Go to the overview" }</Link<Route>>
                </p>
            </section>
        },
    }
}
