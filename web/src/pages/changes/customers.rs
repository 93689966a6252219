//! The customers whose ticket count changed, largest change first, with their tickets
//! before and now, paginated.

use super::controls::CsvLink;
use super::{TableProps, PER_PAGE};
use crate::api::use_get;
use crate::components::common::{Empty, Failure, Loading, Pager};
use crate::format;
use crate::route::Route;
use crate::state::changes::{page_path, Table};
use crate::state::fetch::Fetch;
use crate::state::paging::Paging;
use tiqets_api_types::CustomerChangesPage;
use yew::prelude::*;
use yew_router::prelude::*;

#[function_component(CustomerChanges)]
pub fn customer_changes(props: &TableProps) -> Html {
    let page = use_state(|| 1u64);
    let path = page_path(
        &props.batch,
        Table::Customers,
        &props.since,
        "",
        *page,
        PER_PAGE,
    );
    let answer = use_get::<CustomerChangesPage>(path, 0);
    let on_page = {
        let page = page.clone();
        Callback::from(move |p: u64| page.set(p))
    };
    html! {
        <section class="card" aria-labelledby="customer-changes-title" data-testid="customer-changes">
            <div class="card-head">
                <h2 id="customer-changes-title">{ "Customers with another ticket count" }</h2>
                <div class="filters">
                    <CsvLink batch={props.batch.clone()} since={props.since.clone()} table={Table::Customers}
                             testid="customer-changes-csv" />
                </div>
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.items.is_empty() => html! {
                    <Empty>{ "Every customer has as many tickets as before." }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="changes customer-changes" data-total={p.total.to_string()}>
                                <thead><tr>
                                    <th scope="col" class="num">{ "Customer" }</th>
                                    <th scope="col" class="num">{ "Tickets before" }</th>
                                    <th scope="col" class="num">{ "Tickets now" }</th>
                                    <th scope="col" class="num">{ "Change" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.items.iter().map(|c| html! {
                                        <tr>
                                            <td class="num"><Link<Route> to={Route::Customer { id: c.customer_id.to_string() }}>{ c.customer_id }</Link<Route>></td>
                                            <td class="num">{ format::count(c.before) }</td>
                                            <td class="num">{ format::count(c.after) }</td>
                                            <td class={classes!("num", "delta", if c.delta < 0 { "down" } else { "up" })}>{ format::signed(c.delta) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="changed customers" />
                    </>
                },
            } }
        </section>
    }
}
