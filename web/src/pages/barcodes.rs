//! The current batch's unused barcodes: how many, and a paginated list in `barcodes.csv`
//! order.

use crate::api::use_get;
use crate::components::common::{Empty, Failure, Loading, Pager};
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::paging::Paging;
use tiqets_api_types::UnusedBarcodesPage;
use yew::prelude::*;
use yew_router::prelude::*;

const PER_PAGE: u64 = 50;

#[function_component(Barcodes)]
pub fn barcodes() -> Html {
    let page = use_state(|| 1u64);
    let answer = use_get::<UnusedBarcodesPage>(
        format!("/barcodes/unused?page={}&per_page={PER_PAGE}", *page),
        0,
    );
    let on_page = {
        let page = page.clone();
        Callback::from(move |p: u64| page.set(p))
    };
    let body = match &answer {
        Fetch::Loading => html! { <Loading /> },
        Fetch::Failed(f) if f.is_not_found() => html! {
            <Empty>
                <p><strong>{ "No batch has completed yet." }</strong></p>
                <p>{ "Upload one on the " }<Link<Route> to={Route::Upload}>{ "Upload page" }</Link<Route>>{ "." }</p>
            </Empty>
        },
        Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
        Fetch::Ready(p) => html! {
            <>
                <p class="lead" id="unused-count">
                    <strong>{ format::count(p.count) }</strong>
                    { if p.count == 1 { " barcode was not sold in the current batch." } else { " barcodes were not sold in the current batch." } }
                </p>
                if p.barcodes.is_empty() {
                    <Empty>{ if p.count == 0 { "Every barcode was sold." } else { "This page is past the end of the list." } }</Empty>
                } else {
                    <div class="card narrow">
                        <div class="table-wrap">
                            <table class="barcodes">
                                <thead><tr>
                                    <th scope="col">{ "Barcode" }</th>
                                    <th scope="col" class="num">{ "Line in barcodes.csv" }</th>
                                </tr></thead>
                                <tbody>
                                    { for p.barcodes.iter().map(|b| html! {
                                        <tr><td><code class="barcode">{ &b.barcode }</code></td><td class="num">{ b.line }</td></tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        <Pager paging={Paging { page: p.page, per_page: p.per_page, total: p.total }} {on_page} noun="barcodes" />
                    </div>
                }
            </>
        },
    };
    html! {
        <section class="page">
            <h1>{ "Unused barcodes" }</h1>
            { body }
        </section>
    }
}
