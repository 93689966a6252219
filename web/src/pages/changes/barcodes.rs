//! The changed barcodes: sold, unsold, moved to another order, added or removed, with their
//! state and order before and now, filterable by kind, paginated.

use super::controls::{CsvLink, KindSelect};
use super::{TableProps, PER_PAGE};
use crate::api::use_get;
use crate::components::common::{BarcodeState, Empty, Failure, KindBadge, Loading, Pager};
use crate::route::Route;
use crate::state::changes::{kind_label, page_path, Table};
use crate::state::fetch::Fetch;
use crate::state::paging::Paging;
use tiqets_api_types::{BarcodeChangeItem, BarcodeChangesPage};
use yew::prelude::*;
use yew_router::prelude::*;

#[function_component(BarcodeChanges)]
pub fn barcode_changes(props: &TableProps) -> Html {
    let kind = use_state(String::new);
    let page = use_state(|| 1u64);
    let path = page_path(
        &props.batch,
        Table::Barcodes,
        &props.since,
        &kind,
        *page,
        PER_PAGE,
    );
    let answer = use_get::<BarcodeChangesPage>(path, 0);
    let on_kind = {
        let (kind, page) = (kind.clone(), page.clone());
        Callback::from(move |k: String| {
            kind.set(k);
            page.set(1);
        })
    };
    let on_page = {
        let page = page.clone();
        Callback::from(move |p: u64| page.set(p))
    };
    html! {
        <section class="card" aria-labelledby="barcode-changes-title" data-testid="barcode-changes">
            <div class="card-head">
                <h2 id="barcode-changes-title">{ "Changed barcodes" }</h2>
                <div class="filters">
                    <KindSelect table={Table::Barcodes} id="barcode-change-kind" value={(*kind).clone()} on_change={on_kind} />
                    <CsvLink batch={props.batch.clone()} since={props.since.clone()} table={Table::Barcodes}
                             kind={(*kind).clone()} testid="barcode-changes-csv" />
                </div>
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.items.is_empty() => html! {
                    <Empty>{ if kind.is_empty() { "No barcode changed.".to_string() } else { format!("No barcode was {}.", kind_label(&kind)) } }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="changes barcode-changes" data-total={p.total.to_string()} data-kind={p.kind.clone().unwrap_or_default()}>
                                <thead><tr>
                                    <th scope="col">{ "Change" }</th>
                                    <th scope="col">{ "Barcode" }</th>
                                    <th scope="col">{ "Before" }</th>
                                    <th scope="col">{ "Now" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.items.iter().map(|b| row(b, &props.batch, &props.since)) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="changed barcodes" />
                    </>
                },
            } }
        </section>
    }
}

/// One changed barcode.
fn row(b: &BarcodeChangeItem, batch: &str, since: &str) -> Html {
    html! {
        <tr data-kind={b.kind.clone()}>
            <td><KindBadge kind={b.kind.clone()} /></td>
            <td><Link<Route> to={Route::Barcode { code: b.barcode.clone() }}><code class="barcode">{ &b.barcode }</code></Link<Route>></td>
            <td>{ state(&b.old_state, b.old_order_id, since) }</td>
            <td>{ state(&b.new_state, b.new_order_id, batch) }</td>
        </tr>
    }
}

/// A state, and the order it was sold to (linked to that order in its batch).
fn state(state: &str, order_id: Option<u64>, batch: &str) -> Html {
    html! {
        <span class="state-cell">
            <BarcodeState state={state.to_string()} />
            if let Some(order) = order_id {
                { " order " }
                <Link<Route> to={Route::Order { id: batch.to_string(), order_id: order.to_string() }}>{ order }</Link<Route>>
            }
        </span>
    }
}
