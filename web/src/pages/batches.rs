//! Every batch, newest first, kept live by the event stream: where each is in received →
//! validating → merging → persisting → completed/failed, how long it took, its figures and
//! why it failed.

use crate::api;
use crate::components::common::{Empty, StatusBadge};
use crate::components::steps::Steps;
use crate::events::{use_status_events, Live as Event};
use crate::format;
use crate::route::Route;
use crate::state::batches::{elapsed, BatchAction, BatchList, Live};
use crate::state::reload::use_reload;
use tiqets_api_types::{Batch, BatchesPage, Status};
use yew::prelude::*;
use yew_router::prelude::*;

#[function_component(Batches)]
pub fn batches() -> Html {
    let list = use_reducer(BatchList::default);
    let (reloads, reload) = use_reload();
    {
        let dispatch = list.dispatcher();
        use_status_events(Callback::from(move |e: Event| match e {
            Event::Open => {
                dispatch.dispatch(BatchAction::Live(Live::Connected));
                reload.emit(());
            }
            Event::Lost => dispatch.dispatch(BatchAction::Live(Live::Reconnecting)),
            Event::Status(u) => dispatch.dispatch(BatchAction::Event(u)),
        }));
    }
    {
        let dispatch = list.dispatcher();
        use_effect_with(reloads, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::get::<BatchesPage>("/batches?per_page=100").await {
                    Ok(page) => dispatch.dispatch(BatchAction::Loaded(page.batches, page.total)),
                    Err(f) => dispatch.dispatch(BatchAction::LoadFailed(f.message)),
                }
            });
        });
    }
    let live = match list.live {
        Live::Connected => html! { <span class="live on" role="status">{ "● live" }</span> },
        Live::Connecting => html! { <span class="live" role="status">{ "connecting…" }</span> },
        Live::Reconnecting => {
            html! { <span class="live off" role="status">{ "○ reconnecting…" }</span> }
        }
    };
    let body = if let Some(message) = &list.error {
        html! {
            <div class="notice error" role="alert">
                <strong>{ "The batches could not be read" }</strong>
                <p>{ message }</p>
            </div>
        }
    } else if !list.loaded {
        html! { <crate::components::common::Loading /> }
    } else if list.batches.is_empty() {
        html! {
            <Empty>
                <p><strong>{ "No batches yet." }</strong></p>
                <p>{ "Upload a pair of files on the " }<Link<Route> to={Route::Upload}>{ "Upload page" }</Link<Route>>{ "; it appears here at once and moves through its stages live." }</p>
            </Empty>
        }
    } else {
        let shown = list.batches.len() as u64;
        html! {
            <>
                <ul class="batch-list">
                    { for list.batches.iter().map(card) }
                </ul>
                if list.total > shown {
                    <p class="muted">{ format!("The newest {} of {} batches.", format::count(shown), format::count(list.total)) }</p>
                }
            </>
        }
    };
    html! {
        <section class="page">
            <div class="page-head">
                <h1>{ "Batches" }</h1>
                { live }
            </div>
            { body }
        </section>
    }
}

/// One batch as a card.
fn card(b: &Batch) -> Html {
    let counts = b.counts.as_ref();
    let title = if b.status == Status::Waiting {
        html! { <span class="name">{ &b.name }</span> }
    } else {
        html! { <Link<Route> to={Route::Batch { id: b.id.clone() }} classes="name">{ &b.name }</Link<Route>> }
    };
    html! {
        <li class={classes!("batch", b.status.as_str())} data-batch={b.id.clone()}>
            <div class="batch-head">
                { title }
                <span class="muted id">{ format::short_id(&b.id) }</span>
                <StatusBadge status={b.status} />
                if b.attempt > 1 { <span class="muted">{ format!("attempt {}", b.attempt) }</span> }
                <span class="muted when">{ format::timestamp(&b.created_at) }</span>
            </div>
            if b.status == Status::Waiting {
                <p class="muted">{ b.reason.clone().unwrap_or_else(|| "waiting for its partner file".into()) }</p>
            } else {
                <Steps status={b.status} batch={Some(b.clone())} progress={b.progress.clone()} />
            }
            <div class="batch-facts">
                if let Some(took) = elapsed(b) { <span>{ format!("took {took}") }</span> }
                if let Some(c) = counts {
                    <span>{ format!("{} orders written", format::count(c.orders_written)) }</span>
                    <span>{ format!("{} tickets", format::count(c.tickets)) }</span>
                    <span>{ format!("{} issues", format::count(c.issues)) }</span>
                }
            </div>
            if b.status == Status::Failed {
                <p class="reason" role="note"><strong>{ "Failed: " }</strong>{ b.reason.clone().unwrap_or_else(|| "no reason given".into()) }</p>
            }
        </li>
    }
}
