//! The header's search box. Text that is not all digits is a barcode; a number is tried in
//! turn: a barcode some batch has, an order of the current batch, else a customer (whose
//! page says when there is none).

use crate::api;
use crate::route::Route;
use crate::state::fetch::ApiFailure;
use crate::state::paging::encode;
use crate::state::search::{classify, Query, Searching};
use tiqets_api_types::{BarcodeHistory, OrderLookup};
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

/// Where a number leads: its barcode page, its order page, or its customer page.
async fn resolve(q: String) -> Result<Route, ApiFailure> {
    match api::get::<BarcodeHistory>(&format!("/barcodes/{}/history", encode(&q))).await {
        Ok(_) => return Ok(Route::Barcode { code: q }),
        Err(f) if f.is_not_found() => {}
        Err(f) => return Err(f),
    }
    if q.parse::<u64>().is_err() {
        // Too long for an order or a customer id.
        return Ok(Route::Barcode { code: q });
    }
    match api::get::<OrderLookup>(&format!("/batches/latest/orders/{q}")).await {
        Ok(order) => Ok(Route::Order {
            id: order.batch_id,
            order_id: q,
        }),
        Err(f) if f.is_not_found() => Ok(Route::Customer { id: q }),
        Err(f) => Err(f),
    }
}

/// The form: one input, a button, and what the search is doing.
#[function_component(HeaderSearch)]
pub fn header_search() -> Html {
    let navigator = use_navigator();
    let route = use_route::<Route>();
    let state = use_state(Searching::default);
    let input = use_node_ref();
    let busy = *state == Searching::Busy;
    {
        // A failure is about the page it was typed on.
        let state = state.clone();
        use_effect_with(route, move |_| {
            if matches!(*state, Searching::Failed(_)) {
                state.set(Searching::Idle);
            }
        });
    }
    let on_submit = {
        let (state, input) = (state.clone(), input.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(navigator), false) = (navigator.clone(), busy) else {
                return;
            };
            let text = input
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            match classify(&text) {
                None => state.set(Searching::Idle),
                Some(Query::Barcode(code)) => {
                    state.set(Searching::Idle);
                    navigator.push(&Route::Barcode { code });
                }
                Some(Query::Number(q)) => {
                    state.set(Searching::Busy);
                    let state = state.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match resolve(q).await {
                            Ok(to) => {
                                state.set(Searching::Idle);
                                navigator.push(&to);
                            }
                            Err(f) => state.set(Searching::Failed(f.message)),
                        }
                    });
                }
            }
        })
    };
    let (class, said) = match &*state {
        Searching::Idle => (None, String::new()),
        Searching::Busy => (None, "Searching…".to_string()),
        Searching::Failed(message) => (Some("error"), format!("The search failed: {message}")),
    };
    html! {
        <form class="site-search" id="site-search" role="search" aria-label="Site search" onsubmit={on_submit}>
            <input ref={input} type="search" name="q" autocomplete="off" spellcheck="false"
                   aria-label="Search barcode, order or customer" placeholder="Barcode, order or customer"
                   aria-describedby="site-search-status" />
            <button type="submit" disabled={busy}>{ "Search" }</button>
            <span id="site-search-status" class={classes!("search-status", class)} role="status" aria-live="polite">
                if busy { <span class="spinner" aria-hidden="true"></span> }
                { said }
            </span>
        </form>
    }
}
