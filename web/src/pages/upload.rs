//! Upload a pair of files (dropped on the page or picked), optionally named, with the API's
//! token when it asks for one; then follow that batch live until it completes or fails.

use crate::api;
use crate::components::common::{Figure, StatusBadge};
use crate::components::steps::Steps;
use crate::events::{use_status_events, Live};
use crate::format;
use crate::route::Route;
use crate::state::reload::use_reload;
use crate::state::upload::{assign, Followed, Phase, Picked, Slot, UploadAction, UploadForm};
use std::rc::Rc;
use tiqets_api_types::{Batch, Status};
use web_sys::{DragEvent, File, FileList, HtmlInputElement};
use yew::prelude::*;
use yew_router::prelude::*;

/// The picked files themselves (the form state keeps their names and sizes).
#[derive(Default)]
struct Files {
    orders: Option<File>,
    barcodes: Option<File>,
}

#[function_component(Upload)]
pub fn upload() -> Html {
    let form = use_reducer(|| UploadForm::with_token(api::remembered_token()));
    let files = use_mut_ref(Files::default);
    let dragging = use_state(|| false);
    let (refreshes, refresh) = use_reload();

    let pick = {
        let (dispatch, files) = (form.dispatcher(), files.clone());
        Rc::new(move |slot: Slot, file: File| {
            let picked = Picked {
                name: file.name(),
                size: file.size() as u64,
            };
            let mut f = files.borrow_mut();
            match slot {
                Slot::Orders => f.orders = Some(file),
                Slot::Barcodes => f.barcodes = Some(file),
            }
            dispatch.dispatch(UploadAction::Pick(slot, picked));
        })
    };

    // Follow the batch: every event about it, and a fresh read on (re)connection.
    {
        let dispatch = form.dispatcher();
        use_status_events(Callback::from(move |e: Live| match e {
            Live::Status(u) => {
                let ended = u.status.is_final();
                dispatch.dispatch(UploadAction::Event(u));
                if ended {
                    refresh.emit(());
                }
            }
            Live::Open => refresh.emit(()),
            Live::Lost => {}
        }));
    }
    let followed_id = form.following().map(|f| f.batch_id.clone());
    {
        let dispatch = form.dispatcher();
        use_effect_with((followed_id, refreshes), move |(id, _)| {
            if let Some(id) = id.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(b) = api::get::<Batch>(&format!("/batches/{id}")).await {
                        dispatch.dispatch(UploadAction::Batch(Box::new(b)));
                    }
                });
            }
        });
    }

    let send = {
        let (dispatch, files, form) = (form.dispatcher(), files.clone(), form.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !form.can_send() {
                return;
            }
            let (orders, barcodes) = {
                let f = files.borrow();
                match (f.orders.clone(), f.barcodes.clone()) {
                    (Some(o), Some(b)) => (o, b),
                    _ => return,
                }
            };
            dispatch.dispatch(UploadAction::Send);
            let (name, token, dispatch) = (form.name.clone(), form.token.clone(), dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::upload(&orders, &barcodes, &name, &token).await {
                    Ok(outcome) => dispatch.dispatch(UploadAction::Accepted(Box::new(outcome))),
                    Err(f) if f.is_unauthorized() => {
                        dispatch.dispatch(UploadAction::Unauthorized(f.message))
                    }
                    Err(f) => dispatch.dispatch(UploadAction::Refused(f.message)),
                }
            });
        })
    };

    let body = match &form.phase {
        Phase::Following(f) => following(f, form.dispatcher()),
        _ => editing(&form, pick, dragging, send),
    };
    html! {
        <section class="page">
            <h1>{ "Upload a batch" }</h1>
            { body }
        </section>
    }
}

/// The form: the drop zone, the two pickers, the name and (when asked for) the token.
fn editing(
    form: &UseReducerHandle<UploadForm>,
    pick: Rc<dyn Fn(Slot, File)>,
    dragging: UseStateHandle<bool>,
    send: Callback<SubmitEvent>,
) -> Html {
    let on_drop = {
        let (pick, dragging) = (pick.clone(), dragging.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(list) = e.data_transfer().and_then(|d| d.files()) {
                drop_files(&list, pick.as_ref());
            }
        })
    };
    let on_over = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let on_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let picker = |slot: Slot, id: &'static str, label: &'static str, picked: &Option<Picked>| {
        let pick = pick.clone();
        let onchange = Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|l| l.get(0)) {
                pick(slot, file);
            }
        });
        html! {
            <div class={classes!("picker", picked.is_some().then_some("picked"))}>
                <label for={id}>{ label }</label>
                <input type="file" id={id} accept=".csv,text/csv" {onchange} />
                <span class="picked-name" aria-live="polite">
                    { picked.as_ref().map(|p| format!("✓ {} ({})", p.name, format::bytes(p.size))).unwrap_or_else(|| "not picked yet".into()) }
                </span>
            </div>
        }
    };
    let on_name = {
        let dispatch = form.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatch.dispatch(UploadAction::Name(input.value()));
        })
    };
    let on_token = {
        let dispatch = form.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let token = input.value();
            api::remember_token(&token);
            dispatch.dispatch(UploadAction::Token(token));
        })
    };
    let sending = form.phase == Phase::Sending;
    html! {
        <form class="upload card" onsubmit={send}>
            <div class={classes!("dropzone", dragging.then_some("over"))}
                 ondrop={on_drop} ondragover={on_over} ondragleave={on_leave}>
                <p class="drop-title">{ "Drop orders.csv and barcodes.csv here" }</p>
                <p class="muted">{ "or pick each file:" }</p>
                <div class="pickers">
                    { picker(Slot::Orders, "orders-file", "Orders file (orders.csv)", &form.orders) }
                    { picker(Slot::Barcodes, "barcodes-file", "Barcodes file (barcodes.csv)", &form.barcodes) }
                </div>
            </div>
            <div class="fields">
                <label for="batch-name">{ "Name (optional)" }</label>
                <input id="batch-name" maxlength="100" placeholder="e.g. monday" value={form.name.clone()} oninput={on_name} />
                if form.need_token {
                    <label for="api-token">{ "API token" }</label>
                    <input id="api-token" type="password" autocomplete="off" value={form.token.clone()} oninput={on_token}
                           aria-describedby="token-help" />
                    <p id="token-help" class="muted">{ "This API accepts uploads with a token only (TIQETS_API_TOKEN)." }</p>
                }
            </div>
            if let Phase::Refused(message) = &form.phase {
                <div class="notice error" role="alert">
                    <strong>{ if form.need_token { "The API needs a valid token" } else { "The upload was refused" } }</strong>
                    <p>{ message }</p>
                </div>
            }
            <div class="actions">
                <button type="submit" class="primary" id="upload-button" disabled={!form.can_send()}>
                    { if sending { "Uploading…" } else { "Upload and process" } }
                </button>
                if !form.can_send() && !sending {
                    <span class="muted">{ "Pick both files to upload." }</span>
                }
            </div>
        </form>
    }
}

/// Puts dropped files into their slots (by name, then in order).
fn drop_files(list: &FileList, pick: &dyn Fn(Slot, File)) {
    let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    let names: Vec<String> = files.iter().map(|f| f.name()).collect();
    for (file, slot) in files.into_iter().zip(assign(&names)) {
        if let Some(slot) = slot {
            pick(slot, file);
        }
    }
}

/// The uploaded batch, live.
fn following(f: &Followed, dispatch: UseReducerDispatcher<UploadForm>) -> Html {
    let again = Callback::from(move |_: MouseEvent| dispatch.dispatch(UploadAction::Again));
    let counts = f.batch.as_ref().and_then(|b| b.counts.clone());
    html! {
        <section class="card follow" aria-live="polite" data-batch={f.batch_id.clone()}>
            <div class="page-head">
                <h2>{ &f.name }</h2>
                <StatusBadge status={f.status} />
            </div>
            <p class="muted">{ format!("Batch {}", f.batch_id) }</p>
            if f.repeat {
                <div class="notice info"><p>{ &f.message }</p></div>
            }
            <Steps status={f.status} batch={f.batch.clone()} progress={f.progress.clone()} />
            { match f.status {
                Status::Completed => html! {
                    <div class="notice ok" role="status" id="upload-done">
                        <strong>{ "Completed." }</strong>
                        if let Some(c) = &counts {
                            <div class="figures">
                                <Figure label="orders written" value={c.orders_written} />
                                <Figure label="tickets" value={c.tickets} />
                                <Figure label="customers" value={c.customers} />
                                <Figure label="unused barcodes" value={c.unused_barcodes} />
                                <Figure label="issues" value={c.issues} />
                            </div>
                        }
                        <p>
                            <Link<Route> to={Route::Batch { id: f.batch_id.clone() }}>{ "Open this batch (validation report, orders, downloads)" }</Link<Route>>
                            { " · " }
                            <Link<Route> to={Route::Overview}>{ "Overview" }</Link<Route>>
                        </p>
                    </div>
                },
                Status::Failed => html! {
                    <div class="notice error" role="alert" id="upload-failed">
                        <strong>{ "This batch failed." }</strong>
                        <p class="reason">{ f.reason.clone().unwrap_or_else(|| "no reason given".into()) }</p>
                        <p>{ "Nothing of it was written. Fix the file and upload the pair again." }</p>
                    </div>
                },
                _ => html! { <p class="muted">{ "Processing… this page follows the batch live." }</p> },
            } }
            <div class="actions">
                <button type="button" onclick={again}>{ "Upload another pair" }</button>
            </div>
        </section>
    }
}
