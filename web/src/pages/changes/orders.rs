//! The changed orders: added, removed or changed (another customer or other barcodes), with
//! the barcodes before and now, filterable by kind, paginated.

use super::controls::{CsvLink, KindSelect};
use super::{TableProps, PER_PAGE};
use crate::api::use_get;
use crate::components::common::{Empty, Failure, KindBadge, Loading, Pager};
use crate::route::Route;
use crate::state::changes::{kind_label, page_path, Table};
use crate::state::fetch::Fetch;
use crate::state::paging::Paging;
use tiqets_api_types::{OrderChangeItem, OrderChangesPage, OrderSide};
use yew::prelude::*;
use yew_router::prelude::*;

#[function_component(OrderChanges)]
pub fn order_changes(props: &TableProps) -> Html {
    let kind = use_state(String::new);
    let page = use_state(|| 1u64);
    let path = page_path(
        &props.batch,
        Table::Orders,
        &props.since,
        &kind,
        *page,
        PER_PAGE,
    );
    let answer = use_get::<OrderChangesPage>(path, 0);
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
        <section class="card" aria-labelledby="order-changes-title" data-testid="order-changes">
            <div class="card-head">
                <h2 id="order-changes-title">{ "Changed orders" }</h2>
                <div class="filters">
                    <KindSelect table={Table::Orders} id="order-change-kind" value={(*kind).clone()} on_change={on_kind} />
                    <CsvLink batch={props.batch.clone()} since={props.since.clone()} table={Table::Orders}
                             kind={(*kind).clone()} testid="order-changes-csv" />
                </div>
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.items.is_empty() => html! {
                    <Empty>{ if kind.is_empty() { "No order changed.".to_string() } else { format!("No order was {}.", kind_label(&kind)) } }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="changes order-changes" data-total={p.total.to_string()} data-kind={p.kind.clone().unwrap_or_default()}>
                                <thead><tr>
                                    <th scope="col">{ "Change" }</th>
                                    <th scope="col" class="num">{ "Order" }</th>
                                    <th scope="col" class="num">{ "Customer" }</th>
                                    <th scope="col">{ "Barcodes before" }</th>
                                    <th scope="col">{ "Barcodes now" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.items.iter().map(|o| row(o, &props.batch, &props.since)) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="changed orders" />
                    </>
                },
            } }
        </section>
    }
}

/// One changed order; its id opens it in the batch that still has it.
fn row(o: &OrderChangeItem, batch: &str, since: &str) -> Html {
    let in_batch = if o.new.is_some() { batch } else { since };
    let order = Route::Order {
        id: in_batch.to_string(),
        order_id: o.order_id.to_string(),
    };
    let customer = |c: u64| html! { <Link<Route> to={Route::Customer { id: c.to_string() }}>{ c }</Link<Route>> };
    let customers = match (&o.old, &o.new) {
        (Some(old), Some(new)) if old.customer_id != new.customer_id => html! {
            <>{ customer(old.customer_id) }{ " → " }{ customer(new.customer_id) }</>
        },
        (_, Some(side)) | (Some(side), None) => customer(side.customer_id),
        (None, None) => html! {},
    };
    html! {
        <tr data-kind={o.kind.clone()}>
            <td><KindBadge kind={o.kind.clone()} /></td>
            <td class="num"><Link<Route> to={order}>{ o.order_id }</Link<Route>></td>
            <td class="num">{ customers }</td>
            <td class="barcodes">{ barcodes(o.old.as_ref(), o.new.as_ref(), false) }</td>
            <td class="barcodes">{ barcodes(o.new.as_ref(), o.old.as_ref(), true) }</td>
        </tr>
    }
}

/// One side's barcodes, each linked to its page; those the other side lacks are marked as
/// taken out (before) or put in (now).
fn barcodes(side: Option<&OrderSide>, other: Option<&OrderSide>, now: bool) -> Html {
    let Some(side) = side else {
        return html! { <span class="muted">{ "—" }</span> };
    };
    html! {
        { for side.barcodes.iter().map(|b| {
            let link = html! {
                <Link<Route> to={Route::Barcode { code: b.clone() }}><code class="barcode">{ b }</code></Link<Route>>
            };
            let differs = other.is_some_and(|o| !o.barcodes.contains(b));
            match (differs, now) {
                (true, true) => html! { <ins>{ link }</ins> },
                (true, false) => html! { <del>{ link }</del> },
                (false, _) => link,
            }
        }) }
    }
}
