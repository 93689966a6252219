//! The customers whose tickets changed most, as a chart of gains and losses.

use super::TableProps;
use crate::api::use_get;
use crate::components::chart::DeltaChart;
use crate::components::common::{Empty, Failure, Loading};
use crate::format;
use crate::state::changes::{page_path, Table};
use crate::state::fetch::Fetch;
use tiqets_api_types::CustomerChangesPage;
use yew::prelude::*;

/// How many customers the chart shows.
const SHOWN: u64 = 10;

#[function_component(Largest)]
pub fn largest(props: &TableProps) -> Html {
    let path = page_path(&props.batch, Table::Customers, &props.since, "", 1, SHOWN);
    let answer = use_get::<CustomerChangesPage>(path, 0);
    html! {
        <section class="card" aria-labelledby="largest-title">
            <div class="card-head">
                <h2 id="largest-title">{ "Largest changes in tickets" }</h2>
                if let Fetch::Ready(p) = &answer {
                    if p.total > p.items.len() as u64 {
                        <span class="muted">{ format!("the {} largest of {} customers", p.items.len(), format::count(p.total)) }</span>
                    }
                }
            </div>
            { match &answer {
                Fetch::Loading => html! { <Loading /> },
                Fetch::Failed(f) => html! { <Failure failure={f.clone()} /> },
                Fetch::Ready(p) if p.items.is_empty() => html! {
                    <Empty>{ "No customer's ticket count changed." }</Empty>
                },
                Fetch::Ready(p) => html! {
                    <>
                        <DeltaChart customers={p.items.clone()} />
                        <p class="legend muted">
                            <span class="swatch up" aria-hidden="true"></span>{ "more tickets " }
                            <span class="swatch down" aria-hidden="true"></span>{ "fewer tickets" }
                        </p>
                    </>
                },
            } }
        </section>
    }
}
