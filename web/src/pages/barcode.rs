//! One barcode across the completed batches, oldest first: in each, sold (to which order
//! and customer), unused or absent; or a clear "in no batch".

use crate::api::use_get;
use crate::components::common::{BarcodeState, Failure, Loading};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::paging::encode;
use tiqets_api_types::{BarcodeHistory, BarcodeHistoryItem};
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BarcodeProps {
    pub code: String,
}

#[function_component(BarcodePage)]
pub fn barcode_page(props: &BarcodeProps) -> Html {
    let answer = use_get::<BarcodeHistory>(format!("/barcodes/{}/history", encode(&props.code)), 0);
    let body = match &answer {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is_not_found() => in_no_batch(&props.code),
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(h) if h.batches.is_empty() => in_no_batch(&props.code),
        Fetch::Ready(h) => view(h),
    };
    html! {
        <section class="page">
            <div class="page-head">
                <h1>{ "Barcode " }<code class="barcode" data-testid="barcode-code">{ &props.code }</code></h1>
            </div>
            { body }
        </section>
    }
}

fn in_no_batch(code: &str) -> Html {
    html! {
        <div class="notice warn" role="alert" id="no-barcode">
            <strong>{ format!("Barcode {code} is in no batch.") }</strong>
            <p>
                { "No completed batch has it, sold or unused. Check the code, or see the current batch's " }
                <Link<Route> to={Route::Barcodes}>{ "unused barcodes" }</Link<Route>>{ "." }
            </p>
        </div>
    }
}

fn view(h: &BarcodeHistory) -> Html {
    let sold = h.batches.iter().filter(|b| b.state == "sold").count() as u64;
    let total = h.batches.len() as u64;
    html! {
        <>
            <p class="lead">
                { format!("Sold in {} of {} completed {}", format::count(sold), format::count(total), if total == 1 { "batch" } else { "batches" }) }
                if let Some(last) = h.batches.last() {
                    { "; in the newest it is " }<BarcodeState state={last.state.clone()} />
                }
                { "." }
            </p>
            <section class="card" aria-labelledby="history-title">
                <h2 id="history-title">{ "In each completed batch, oldest first" }</h2>
                <div class="table-wrap">
                    <table class="history" data-testid="barcode-history">
                        <thead><tr>
                            <th scope="col">{ "Batch" }</th>
                            <th scope="col">{ "Completed" }</th>
                            <th scope="col">{ "State" }</th>
                            <th scope="col" class="num">{ "Order" }</th>
                            <th scope="col" class="num">{ "Customer" }</th>
                        </tr></thead>
                        <tbody>{ for h.batches.iter().map(row) }</tbody>
                    </table>
                </div>
            </section>
        </>
    }
}

/// The barcode in one batch.
fn row(b: &BarcodeHistoryItem) -> Html {
    html! {
        <tr data-batch={b.batch_id.clone()} data-state={b.state.clone()}>
            <td>
                <Link<Route> to={Route::Batch { id: b.batch_id.clone() }}>{ &b.name }</Link<Route>>
                <span class="muted id">{ format!(" {}", format::short_id(&b.batch_id)) }</span>
            </td>
            <td class="when">{ b.completed_at.as_deref().map(format::timestamp).unwrap_or_default() }</td>
            <td><BarcodeState state={b.state.clone()} /></td>
            <td class="num">
                if let Some(order) = b.order_id {
                    <Link<Route> to={Route::Order { id: b.batch_id.clone(), order_id: order.to_string() }}>{ order }</Link<Route>>
                } else { <span class="muted">{ "—" }</span> }
            </td>
            <td class="num">
                if let Some(customer) = b.customer_id {
                    <Link<Route> to={Route::Customer { id: customer.to_string() }}>{ customer }</Link<Route>>
                } else { <span class="muted">{ "—" }</span> }
            </td>
        </tr>
    }
}
