//! A completed batch's changes since the completed batch before it: the nine counts in
//! three groups, the customers whose tickets changed most as a chart, and the changed
//! orders, barcodes and customers as paginated tables, each with its CSV download.

mod barcodes;
mod controls;
mod customers;
mod largest;
mod orders;
mod summary;

use crate::api::use_get;
use crate::components::batch_link::BatchLink;
use crate::components::common::{Empty, Failure, Loading, StatusBadge};
use crate::components::tabs::{BatchTabs, Tab};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::paging::encode;
use tiqets_api_types::{Batch, Changes, ErrorCode};
use yew::prelude::*;
use yew_router::prelude::*;

/// Rows per page of each table.
const PER_PAGE: u64 = 25;

#[derive(Properties, PartialEq)]
pub struct ChangesProps {
    pub id: String,
}

/// What the tables compare: `batch` since `since`.
#[derive(Properties, PartialEq)]
pub struct TableProps {
    pub batch: String,
    pub since: String,
}

#[function_component(ChangesPage)]
pub fn changes_page(props: &ChangesProps) -> Html {
    let id = encode(&props.id);
    let batch = use_get::<Batch>(format!("/batches/{id}"), 0);
    let changes = use_get::<Changes>(format!("/batches/{id}/changes"), 0);
    let name = batch.ready().map_or_else(
        || format::short_id(&props.id).to_string(),
        |b| b.name.clone(),
    );
    let body = match &changes {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is(ErrorCode::NoPreviousBatch) => html! {
            <Empty>
                <div data-testid="no-previous-batch">
                    <p><strong>{ "This is the first completed batch: there is nothing to compare it with." }</strong></p>
                    <p>{ "Once a newer pair of files is processed, its changes since this one are shown on its page." }</p>
                </div>
            </Empty>
        },
        Fetch::Failed(f) if f.is(ErrorCode::BatchNotCompleted) => html! {
            <Empty>
                <p><strong>{ "This batch has no results to compare." }</strong></p>
                <p>{ &f.message }{ ". Its changes can be seen once it completes." }</p>
            </Empty>
        },
        Fetch::Failed(f) if f.is_not_found() => html! {
            <Empty>
                <p><strong>{ "No such batch." }</strong></p>
                <p>{ &f.message }{ ". See " }<Link<Route> to={Route::Batches}>{ "all batches" }</Link<Route>>{ "." }</p>
            </Empty>
        },
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(c) => view(c),
    };
    html! {
        <section class="page">
            <p class="crumbs"><Link<Route> to={Route::Batches}>{ "← Batches" }</Link<Route>></p>
            <div class="page-head">
                <h1>{ format!("Changes in {name}") }</h1>
                if let Fetch::Ready(b) = &batch { <StatusBadge status={b.status} /> }
            </div>
            <BatchTabs id={props.id.clone()} current={Tab::Changes} />
            { body }
        </section>
    }
}

fn view(c: &Changes) -> Html {
    let (batch, since) = (c.batch_id.clone(), c.since.clone());
    html! {
        <>
            <p class="lead" data-testid="changes-since" data-since={since.clone()}>
                { "Compared with " }<BatchLink id={since.clone()} />{ ", the completed batch before it." }
            </p>
            <summary::Summary summary={c.summary} />
            <largest::Largest batch={batch.clone()} since={since.clone()} />
            <orders::OrderChanges batch={batch.clone()} since={since.clone()} />
            <barcodes::BarcodeChanges batch={batch.clone()} since={since.clone()} />
            <customers::CustomerChanges {batch} {since} />
        </>
    }
}
