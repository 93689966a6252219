//! The current batch (the last completed one): its key figures, its issues by code, and the
//! top customers as a chart. Reads again when a batch completes.

use crate::api::use_get;
use crate::components::chart::TopChart;
use crate::components::common::{key_figures, not_itemised, Empty, Failure, Loading};
use crate::events::{use_status_events, Live};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::reload::use_reload;
use tiqets_api_types::{Batch, Status, TopCustomer};
use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

const TOP_CHOICES: [u32; 5] = [5, 10, 20, 50, 100];

#[function_component(Overview)]
pub fn overview() -> Html {
    let (reloads, reload) = use_reload();
    let top_n = use_state(|| 10u32);
    use_status_events(Callback::from(move |e: Live| {
        if let Live::Status(u) = e {
            if u.status == Status::Completed {
                reload.emit(());
            }
        }
    }));
    let batch = use_get::<Batch>("/batches/latest".into(), reloads);
    let top = use_get::<Vec<TopCustomer>>(
        format!("/batches/latest/customers/top?limit={}", *top_n),
        reloads,
    );
    let body = match &batch {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is_not_found() => html! {
            <Empty>
                <p><strong>{ "No batch has completed yet." }</strong></p>
                <p>
                    { "Upload an orders.csv and a barcodes.csv on the " }
                    <Link<Route> to={Route::Upload}>{ "Upload page" }</Link<Route>>
                    { " (or drop them into the input folder); the figures appear here once the batch completes." }
                </p>
            </Empty>
        },
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(b) => {
            let on_top = {
                let top_n = top_n.clone();
                Callback::from(move |e: Event| {
                    let select: HtmlSelectElement = e.target_unchecked_into();
                    if let Ok(n) = select.value().parse() {
                        top_n.set(n);
                    }
                })
            };
            html! {
                <>
                    { summary(b) }
                    <div class="split">
                    <section class="card" aria-labelledby="top-title">
                        <div class="card-head">
                            <h2 id="top-title">{ "Top customers by tickets" }</h2>
                            <label class="inline">
                                { "Show top " }
                                <select id="top-n" onchange={on_top} aria-label="How many top customers">
                                    { for TOP_CHOICES.iter().map(|n| html! {
                                        <option value={n.to_string()} selected={*n == *top_n}>{ n }</option>
                                    }) }
                                </select>
                            </label>
                        </div>
                        { match &top {
                            Fetch::Loading => html! { <Loading /> },
                            Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                            Fetch::Ready(list) if list.is_empty() => html! { <Empty>{ "No customer has tickets in this batch." }</Empty> },
                            Fetch::Ready(list) => html! { <TopChart customers={list.clone()} /> },
                        } }
                    </section>
                    { issues_by_code(b) }
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="page">
            <h1>{ "Overview" }</h1>
            { body }
        </section>
    }
}

/// The batch's name, when it completed, and its figures.
fn summary(b: &Batch) -> Html {
    let counts = b.counts.clone().unwrap_or_default();
    html! {
        <>
            <p class="lead">
                { "Current batch " }
                <Link<Route> to={Route::Batch { id: b.id.clone() }}><strong>{ &b.name }</strong></Link<Route>>
                <span class="muted">{ format!(" ({})", format::short_id(&b.id)) }</span>
                { b.completed_at.as_deref().map(|t| format!(", completed {}", format::timestamp(t))).unwrap_or_default() }
            </p>
            { key_figures(&counts) }
        </>
    }
}

/// The batch's issues per code, most first.
fn issues_by_code(b: &Batch) -> Html {
    let counts = b.counts.clone().unwrap_or_default();
    let mut by_code: Vec<(String, u64)> = counts
        .issues_by_code
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (c.clone(), *n))
        .collect();
    by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    html! {
            <section class="card" aria-labelledby="codes-title">
                <div class="card-head">
                    <h2 id="codes-title">{ "Issues by code" }</h2>
                    <Link<Route> to={Route::Batch { id: b.id.clone() }}>{ "Open the validation report →" }</Link<Route>>
                </div>
                if by_code.is_empty() {
                    <Empty>{ "No issues: every row was valid." }</Empty>
                } else {
                    <table class="codes">
                        <thead><tr><th scope="col">{ "Code" }</th><th scope="col" class="num">{ "Issues" }</th></tr></thead>
                        <tbody>
                            { for by_code.iter().map(|(code, n)| html! {
                                <tr data-code={code.clone()}>
                                    <td><code>{ code }</code></td>
                                    <td class="num">{ format::count(*n) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    { not_itemised(&counts.issues_not_itemised) }
                }
            </section>
    }
}
