//! One batch: its progress and figures, why it failed, and once completed its downloads,
//! its validation report (filter by code and file, paginated), its output rows (filter by
//! customer, paginated) and a tab to its changes since the batch before. A failed batch has a
//! Retry button (its stored inputs, queued again as its next attempt). Once it has ended
//! (completed or failed), a danger zone at the bottom deletes it, after a confirmation.

use crate::api::{self, use_get, BASE};
use crate::components::common::{
    key_figures, not_itemised, Empty, Failure, Loading, Pager, StatusBadge,
};
use crate::components::steps::Steps;
use crate::components::tabs::{BatchTabs, Tab};
use crate::events::{use_status_events, Live};
use crate::format;
use crate::route::Route;
use crate::state::batches::{caught_up, elapsed};
use crate::state::delete::{self, DeleteAction, DeleteForm, DeletePhase};
use crate::state::fetch::Fetch;
use crate::state::paging::{query, Paging};
use crate::state::reload::use_reload;
use std::rc::Rc;
use tiqets_api_types::{Batch, Deleted, IssuesPage, OrdersPage, Status, StatusUpdate, ISSUE_CODES};
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

const PER_PAGE: u64 = 25;

#[derive(Properties, PartialEq)]
pub struct BatchProps {
    pub id: String,
}

#[function_component(BatchPage)]
pub fn batch_page(props: &BatchProps) -> Html {
    let (reloads, reload) = use_reload();
    // The events heard about this batch: a read can lag behind them (see `caught_up`).
    let heard = use_reducer(Heard::default);
    {
        let id = props.id.clone();
        let hear = heard.dispatcher();
        use_status_events(Callback::from(move |e: Live| match e {
            Live::Status(u) if u.batch_id == id => {
                hear.dispatch(*u);
                reload.emit(());
            }
            Live::Open => reload.emit(()),
            _ => {}
        }));
    }
    let batch = match use_get::<Batch>(format!("/batches/{}", props.id), reloads) {
        Fetch::Ready(b) => Fetch::Ready(caught_up(&b, &heard.0)),
        other => other,
    };
    // Once deleted, the page says what went (whatever a later read of the batch answers).
    let deleted = use_state(|| None::<(String, String, Deleted)>);
    let on_deleted = {
        let (deleted, id) = (deleted.clone(), props.id.clone());
        Callback::from(move |(name, d): (String, Deleted)| deleted.set(Some((id.clone(), name, d))))
    };
    // Once retried, the page says so (the failed notice and its button go as the batch moves on).
    let retried = use_state(|| None::<(String, String)>);
    let on_retried = {
        let (retried, id) = (retried.clone(), props.id.clone());
        Callback::from(move |message: String| retried.set(Some((id.clone(), message))))
    };
    let retried_note = match &*retried {
        Some((id, message)) if *id == props.id => html! {
            <div class="notice ok" role="status" data-testid="retry-result">
                <strong>{ "Retried" }</strong>
                <p>{ message }</p>
            </div>
        },
        _ => html! {},
    };
    let body = match (&*deleted, &batch) {
        (Some((id, name, d)), _) if *id == props.id => gone(name, d),
        (_, Fetch::Loading) => html! { <Loading /> },
        (_, Fetch::Failed(f)) if f.is_not_found() => html! {
            <Empty>
                <p><strong>{ "No such batch." }</strong></p>
                <p>{ &f.message }{ ". See " }<Link<Route> to={Route::Batches}>{ "all batches" }</Link<Route>>{ "." }</p>
            </Empty>
        },
        (_, Fetch::Failed(f)) => html! { <Failure failure={f.clone()} /> },
        (_, Fetch::Ready(b)) => view(b, on_deleted, on_retried),
    };
    html! {
        <section class="page">
            <p class="crumbs"><Link<Route> to={Route::Batches}>{ "← Batches" }</Link<Route>></p>
            { retried_note }
            { body }
        </section>
    }
}

/// The latest status events of the page's batch (a few are enough: each is a whole status).
#[derive(Default, PartialEq)]
struct Heard(Vec<StatusUpdate>);

impl Reducible for Heard {
    type Action = StatusUpdate;

    fn reduce(self: Rc<Self>, e: StatusUpdate) -> Rc<Self> {
        const KEEP: usize = 8;
        let mut events = self.0.clone();
        if events.len() == KEEP {
            events.remove(0);
        }
        events.push(e);
        Rc::new(Heard(events))
    }
}

/// What is left once the batch is deleted: what went, and the way back.
fn gone(name: &str, d: &Deleted) -> Html {
    html! {
        <>
            <h1>{ "Batch deleted" }</h1>
            <div class="notice ok" role="status">
                <strong>{ format!("Batch {name} ({}) is gone.", d.batch_id) }</strong>
                <p data-testid="delete-result">{ delete::summary(d) }</p>
                <p>
                    <Link<Route> to={Route::Batches}>{ "Back to all batches" }</Link<Route>>
                    { " · " }
                    <Link<Route> to={Route::Overview}>{ "Overview" }</Link<Route>>
                </p>
            </div>
        </>
    }
}

fn view(b: &Batch, on_deleted: Callback<(String, Deleted)>, on_retried: Callback<String>) -> Html {
    let counts = b.counts.clone().unwrap_or_default();
    let downloads = |file: &str, label: &str| {
        html! { <a class="button" href={format!("{BASE}/batches/{}/{file}", b.id)} download={file.to_string()}>{ label }</a> }
    };
    html! {
        <>
            <div class="page-head">
                <h1>{ &b.name }</h1>
                <StatusBadge status={b.status} />
            </div>
            if b.status == Status::Completed {
                <BatchTabs id={b.id.clone()} current={Tab::Results} />
            }
            <p class="muted">
                { format!("Batch {}", b.id) }
                { elapsed(b).map(|t| format!(" · took {t}")).unwrap_or_default() }
                { b.orders_file.as_ref().map(|f| format!(" · {} ({})", f.name, f.size.map(format::bytes).unwrap_or_default())).unwrap_or_default() }
                { b.barcodes_file.as_ref().map(|f| format!(" · {} ({})", f.name, f.size.map(format::bytes).unwrap_or_default())).unwrap_or_default() }
            </p>
            <Steps status={b.status} batch={Some(b.clone())} progress={b.progress.clone()} />
            if b.status == Status::Failed {
                <div class="notice error" role="alert">
                    <strong>{ "This batch failed" }</strong>
                    if b.attempt > 1 {
                        <span class="muted attempt">{ format!(" (attempt {})", b.attempt) }</span>
                    }
                    <p class="reason">{ b.reason.clone().unwrap_or_else(|| "no reason given".into()) }</p>
                    <p>{ "Nothing of it was written. Once the cause is fixed, retry it from its stored files; a file that was wrong needs a corrected pair uploaded instead." }</p>
                    <RetryButton id={b.id.clone()} {on_retried} />
                </div>
            }
            if b.counts.is_some() {
                { key_figures(&counts) }
            }
            if b.status == Status::Completed {
                <section class="card" aria-labelledby="dl-title">
                    <h2 id="dl-title">{ "Downloads" }</h2>
                    <div class="actions">
                        { downloads("processed_orders.csv", "processed_orders.csv") }
                        { downloads("issues.csv", "issues.csv (validation report)") }
                    </div>
                </section>
                <Issues id={b.id.clone()} />
                <Orders id={b.id.clone()} />
            } else if !b.status.is_final() {
                <Empty>{ "Its results appear here when it completes; this page follows it live." }</Empty>
            }
            if b.status.is_final() {
                <DangerZone id={b.id.clone()} name={b.name.clone()} {on_deleted} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SectionProps {
    id: String,
}

/// The validation report, filterable by code and file.
#[function_component(Issues)]
fn issues(props: &SectionProps) -> Html {
    let code = use_state(String::new);
    let file = use_state(String::new);
    let page = use_state(|| 1u64);
    let path = format!(
        "/batches/{}/issues{}",
        props.id,
        query(&[
            ("page", page.to_string()),
            ("per_page", PER_PAGE.to_string()),
            ("code", (*code).clone()),
            ("file", (*file).clone()),
        ])
    );
    let answer = use_get::<IssuesPage>(path, 0);
    let select = |state: UseStateHandle<String>| {
        let page = page.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            state.set(s.value());
            page.set(1);
        })
    };
    let on_page = {
        let page = page.clone();
        Callback::from(move |p: u64| page.set(p))
    };
    html! {
        <section class="card" aria-labelledby="issues-title">
            <div class="card-head">
                <h2 id="issues-title">{ "Validation report" }</h2>
                <div class="filters">
                    <label>{ "Code " }
                        <select id="issue-code" onchange={select(code.clone())}>
                            <option value="" selected={code.is_empty()}>{ "all codes" }</option>
                            { for ISSUE_CODES.iter().map(|c| html! {
                                <option value={*c} selected={*code == *c}>{ format::code_label(c) }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "File " }
                        <select id="issue-file" onchange={select(file.clone())}>
                            <option value="" selected={file.is_empty()}>{ "both files" }</option>
                            <option value="orders" selected={*file == "orders"}>{ "orders.csv" }</option>
                            <option value="barcodes" selected={*file == "barcodes"}>{ "barcodes.csv" }</option>
                        </select>
                    </label>
                </div>
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.issues.is_empty() && p.not_itemised.is_empty() => html! {
                    <Empty>{ if code.is_empty() && file.is_empty() { "No issues: every row was valid." } else { "No issues match these filters." } }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="issues">
                                <thead><tr>
                                    <th scope="col">{ "File" }</th>
                                    <th scope="col" class="num">{ "Line" }</th>
                                    <th scope="col">{ "Code" }</th>
                                    <th scope="col">{ "Message" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.issues.iter().map(|i| html! {
                                        <tr data-code={i.code.clone()}>
                                            <td>{ format!("{}.csv", i.file.as_str()) }</td>
                                            <td class="num">{ i.line }</td>
                                            <td><code>{ &i.code }</code></td>
                                            <td class="message">{ &i.message }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="issues" />
                        { not_itemised(&p.not_itemised) }
                    </>
                },
            } }
        </section>
    }
}

/// The output rows, filterable by customer.
#[function_component(Orders)]
fn orders(props: &SectionProps) -> Html {
    let customer = use_state(String::new);
    let page = use_state(|| 1u64);
    let input = use_node_ref();
    let path = format!(
        "/batches/{}/orders{}",
        props.id,
        query(&[
            ("page", page.to_string()),
            ("per_page", PER_PAGE.to_string()),
            ("customer_id", (*customer).clone()),
        ])
    );
    let answer = use_get::<OrdersPage>(path, 0);
    let on_submit = {
        let (customer, page, input) = (customer.clone(), page.clone(), input.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                customer.set(i.value().trim().to_string());
                page.set(1);
            }
        })
    };
    let on_page = {
        let page = page.clone();
        Callback::from(move |p: u64| page.set(p))
    };
    html! {
        <section class="card" aria-labelledby="orders-title">
            <div class="card-head">
                <h2 id="orders-title">{ "Orders written" }</h2>
                <form class="filters" onsubmit={on_submit} role="search">
                    <label for="orders-customer">{ "Customer id" }</label>
                    <input id="orders-customer" ref={input} inputmode="numeric" placeholder="all customers" />
                    <button type="submit">{ "Filter" }</button>
                </form>
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.orders.is_empty() => html! {
                    <Empty>{ if customer.is_empty() { "No orders were written.".to_string() } else { format!("Customer {} has no orders in this batch.", *customer) } }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="orders">
                                <thead><tr>
                                    <th scope="col" class="num">{ "Customer" }</th>
                                    <th scope="col" class="num">{ "Order" }</th>
                                    <th scope="col">{ "Barcodes" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.orders.iter().map(|o| html! {
                                        <tr>
                                            <td class="num"><Link<Route> to={Route::Customer { id: o.customer_id.to_string() }}>{ o.customer_id }</Link<Route>></td>
                                            <td class="num"><Link<Route> to={Route::Order { id: props.id.clone(), order_id: o.order_id.to_string() }}>{ o.order_id }</Link<Route>></td>
                                            <td class="barcodes">{ o.barcodes.join(", ") }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="orders" />
                    </>
                },
            } }
        </section>
    }
}

/// Where a retry is.
#[derive(Debug, Clone, PartialEq)]
enum RetryPhase {
    Idle,
    Sending,
    Refused(String),
}

#[derive(Properties, PartialEq)]
struct RetryProps {
    id: String,
    /// Queued again, with the API's message: the page follows the new attempt live.
    on_retried: Callback<String>,
}

/// "Retry": `POST /api/batches/{id}/retry`, with the API token when the API asks for one
/// (the one the upload uses, kept for the session).
#[function_component(RetryButton)]
fn retry_button(props: &RetryProps) -> Html {
    let phase = use_state(|| RetryPhase::Idle);
    let token = use_state(|| api::remembered_token().unwrap_or_default());
    let need_token = use_state(|| api::remembered_token().is_some());
    let send = {
        let (phase, token, need_token, id, on_retried) = (
            phase.clone(),
            token.clone(),
            need_token.clone(),
            props.id.clone(),
            props.on_retried.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *phase == RetryPhase::Sending {
                return;
            }
            phase.set(RetryPhase::Sending);
            let (phase, need_token, id, token, on_retried) = (
                phase.clone(),
                need_token.clone(),
                id.clone(),
                (*token).clone(),
                on_retried.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::retry_batch(&id, &token).await {
                    Ok(queued) => {
                        phase.set(RetryPhase::Idle);
                        on_retried.emit(queued.message);
                    }
                    Err(f) => {
                        if f.is_unauthorized() {
                            need_token.set(true);
                        }
                        phase.set(RetryPhase::Refused(f.message));
                    }
                }
            });
        })
    };
    let on_token = {
        let token = token.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            api::remember_token(&input.value());
            token.set(input.value());
        })
    };
    let sending = *phase == RetryPhase::Sending;
    html! {
        <form class="retry" onsubmit={send}>
            if *need_token {
                <div class="fields">
                    <label for="retry-token">{ "API token" }</label>
                    <input id="retry-token" type="password" autocomplete="off" value={(*token).clone()} oninput={on_token} />
                </div>
            }
            <div class="actions">
                <button type="submit" id="retry-batch" disabled={sending}>
                    { if sending { "Retrying…" } else { "Retry" } }
                </button>
            </div>
            if let RetryPhase::Refused(message) = &*phase {
                <p role="alert" data-testid="retry-error"><strong>{ "Not retried: " }</strong>{ message }</p>
            }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DangerProps {
    id: String,
    name: String,
    /// The batch is deleted: its name, and what went.
    on_deleted: Callback<(String, Deleted)>,
}

/// "Delete batch", then a confirmation: with `force` when it is the current batch, and the
/// API token when the API asks for one (the one the upload uses, kept for the session).
#[function_component(DangerZone)]
fn danger_zone(props: &DangerProps) -> Html {
    let form = use_reducer(|| DeleteForm::with_token(api::remembered_token()));
    let cancel_ref = use_node_ref();
    {
        // The confirmation just opened: Cancel has the focus (not the destructive button).
        let cancel_ref = cancel_ref.clone();
        use_effect_with(form.phase == DeletePhase::Confirming, move |opened| {
            if *opened {
                if let Some(button) = cancel_ref.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let open = {
        let (dispatch, id) = (form.dispatcher(), props.id.clone());
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(DeleteAction::Open);
            // Is it the current batch? Then deleting it needs `force`.
            let (dispatch, id) = (dispatch.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(latest) = api::get::<Batch>("/batches/latest").await {
                    dispatch.dispatch(DeleteAction::Current(latest.id == id));
                }
            });
        })
    };
    let cancel = {
        let dispatch = form.dispatcher();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(DeleteAction::Cancel))
    };
    let on_force = {
        let dispatch = form.dispatcher();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatch.dispatch(DeleteAction::Force(input.checked()));
        })
    };
    let on_token = {
        let dispatch = form.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let token = input.value();
            api::remember_token(&token);
            dispatch.dispatch(DeleteAction::Token(token));
        })
    };
    let send = {
        let form = form.clone();
        let (id, name, on_deleted) = (
            props.id.clone(),
            props.name.clone(),
            props.on_deleted.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !form.can_send() {
                return;
            }
            form.dispatch(DeleteAction::Send);
            let dispatch = form.dispatcher();
            let (id, name, on_deleted) = (id.clone(), name.clone(), on_deleted.clone());
            let (force, token) = (form.force, form.token.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::delete_batch(&id, force, &token).await {
                    Ok(d) => {
                        dispatch.dispatch(DeleteAction::Deleted(d.clone()));
                        on_deleted.emit((name, d));
                    }
                    Err(f) => dispatch.dispatch(DeleteAction::Failed(f)),
                }
            });
        })
    };
    let sending = form.phase == DeletePhase::Sending;
    html! {
        <section class="card danger-zone" aria-labelledby="danger-title">
            <h2 id="danger-title">{ "Danger zone" }</h2>
            if form.confirming() {
                <form class="confirm" onsubmit={send}>
                    <p class="question" id="delete-question">{ delete::question(&props.name, &props.id) }</p>
                    if form.current {
                        <label class="check">
                            <input type="checkbox" id="delete-force" checked={form.force} onchange={on_force} disabled={sending} />
                            <span>{ "It is the current batch: delete it anyway (the batch before it becomes current)" }</span>
                        </label>
                    }
                    if form.need_token {
                        <div class="fields">
                            <label for="delete-token">{ "API token" }</label>
                            <input id="delete-token" type="password" autocomplete="off" value={form.token.clone()} oninput={on_token}
                                   aria-describedby="delete-token-help" />
                            <p id="delete-token-help" class="muted">{ "This API deletes batches with a token only (TIQETS_API_TOKEN)." }</p>
                        </div>
                    }
                    if let DeletePhase::Refused { title, message } = &form.phase {
                        <div class="notice error" role="alert" data-testid="delete-error">
                            <strong>{ title }</strong>
                            <p>{ message }</p>
                        </div>
                    }
                    <div class="actions">
                        <button type="submit" class="danger" id="delete-confirm" disabled={!form.can_send()}
                                aria-describedby="delete-question">
                            { if sending { "Deleting…" } else { "Delete" } }
                        </button>
                        <button type="button" ref={cancel_ref} onclick={cancel} disabled={sending}>{ "Cancel" }</button>
                    </div>
                </form>
            } else {
                <div class="danger-row">
                    <p class="muted">{ "Deleting this batch removes its results, change records and output files for good." }</p>
                    <button type="button" class="danger" id="delete-batch" onclick={open}>{ "Delete batch" }</button>
                </div>
            }
        </section>
    }
}
