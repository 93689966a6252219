//! Customer lookup in the current batch: a customer id → their orders with barcodes and
//! their tickets total, or a clear "no such customer".

use crate::api::use_get;
use crate::components::common::{Empty, Failure, Figure, Loading};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use tiqets_api_types::CustomerOrder;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CustomerProps {
    /// The customer to show, from the address.
    pub id: Option<String>,
}

#[function_component(CustomerLookup)]
pub fn customer_lookup(props: &CustomerProps) -> Html {
    let navigator = use_navigator();
    let input = use_node_ref();
    let on_submit = {
        let input = input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = input
                .cast::<HtmlInputElement>()
                .map(|i| i.value().trim().to_string())
                .unwrap_or_default();
            if let (Some(n), false) = (&navigator, value.is_empty()) {
                n.push(&Route::Customer { id: value });
            }
        })
    };
    html! {
        <section class="page">
            <h1>{ "Customer lookup" }</h1>
            <form class="search card" onsubmit={on_submit} role="search">
                <label for="customer-id">{ "Customer id" }</label>
                <input id="customer-id" ref={input} inputmode="numeric" autocomplete="off"
                       value={props.id.clone().unwrap_or_default()} placeholder="e.g. 88" required=true />
                <button type="submit" class="primary">{ "Look up" }</button>
            </form>
            { match &props.id {
                None => html! { <Empty>{ "Enter a customer id to see their orders and barcodes in the current batch." }</Empty> },
                Some(id) => html! { <Orders id={id.clone()} /> },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OrdersProps {
    id: String,
}

#[function_component(Orders)]
fn orders(props: &OrdersProps) -> Html {
    let answer = use_get::<Vec<CustomerOrder>>(
        format!("/orders/{}", crate::state::paging::encode(&props.id)),
        0,
    );
    match &answer {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is_not_found() => html! {
            <div class="notice warn" role="alert" id="no-customer">
                <strong>{ format!("No such customer: {}", props.id) }</strong>
                <p>{ &f.message }</p>
            </div>
        },
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(orders) => {
            let tickets: u64 = orders.iter().map(|o| o.barcodes.len() as u64).sum();
            html! {
                <section class="card" aria-labelledby="customer-title">
                    <h2 id="customer-title">{ format!("Customer {}", props.id) }</h2>
                    <div class="figures">
                        <Figure label="orders" value={orders.len() as u64} id="customer_orders" />
                        <Figure label="tickets" value={tickets} id="customer_tickets" />
                    </div>
                    <div class="table-wrap">
                        <table class="orders">
                            <thead><tr>
                                <th scope="col" class="num">{ "Order" }</th>
                                <th scope="col" class="num">{ "Tickets" }</th>
                                <th scope="col">{ "Barcodes" }</th>
                            </tr></thead>
                            <tbody>
                                { for orders.iter().map(|o| html! {
                                    <tr>
                                        <td class="num"><Link<Route> to={Route::Order { id: "latest".to_string(), order_id: o.order_id.to_string() }}>{ o.order_id }</Link<Route>></td>
                                        <td class="num">{ format::count(o.barcodes.len() as u64) }</td>
                                        <td class="barcodes">{ for o.barcodes.iter().map(|b| html! {
                                            <Link<Route> to={Route::Barcode { code: b.clone() }}><code class="barcode">{ b }</code></Link<Route>>
                                        }) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                </section>
            }
        }
    }
}
