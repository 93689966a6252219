//! One output order of a batch: its customer, its barcodes (each linked to its history
//! across batches) and the batch it is in; or a clear "not in this batch".

use crate::api::use_get;
use crate::components::batch_link::BatchLink;
use crate::components::common::{Failure, Loading};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::paging::encode;
use tiqets_api_types::OrderLookup;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrderProps {
    /// A batch id, or `latest`.
    pub id: String,
    pub order_id: String,
}

#[function_component(OrderPage)]
pub fn order_page(props: &OrderProps) -> Html {
    let answer = use_get::<OrderLookup>(
        format!(
            "/batches/{}/orders/{}",
            encode(&props.id),
            encode(&props.order_id)
        ),
        0,
    );
    let body = match &answer {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is_not_found() => html! {
            <div class="notice warn" role="alert" id="no-order">
                <strong>{ format!("Order {} is not in this batch's output.", props.order_id) }</strong>
                <p>{ &f.message }</p>
                <p>{ "Batch: " }<BatchLink id={props.id.clone()} /></p>
            </div>
        },
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(o) => view(o),
    };
    html! {
        <section class="page">
            <p class="crumbs"><Link<Route> to={Route::Batches}>{ "← Batches" }</Link<Route>></p>
            <h1>{ format!("Order {}", props.order_id) }</h1>
            { body }
        </section>
    }
}

fn view(o: &OrderLookup) -> Html {
    let customer = Route::Customer {
        id: o.customer_id.to_string(),
    };
    html! {
        <>
            <dl class="facts card">
                <dt>{ "Customer" }</dt>
                <dd data-testid="order-customer"><Link<Route> to={customer}>{ o.customer_id }</Link<Route>></dd>
                <dt>{ "Batch" }</dt>
                <dd data-testid="order-batch"><BatchLink id={o.batch_id.clone()} /></dd>
                <dt>{ "Tickets" }</dt>
                <dd data-testid="order-tickets">{ format::count(o.barcodes.len() as u64) }</dd>
            </dl>
            <section class="card" aria-labelledby="order-barcodes-title">
                <h2 id="order-barcodes-title">{ "Barcodes" }</h2>
                <ul class="barcode-list" data-testid="order-barcodes">
                    { for o.barcodes.iter().map(|b| html! {
                        <li><Link<Route> to={Route::Barcode { code: b.clone() }}><code class="barcode">{ b }</code></Link<Route>></li>
                    }) }
                </ul>
            </section>
        </>
    }
}
