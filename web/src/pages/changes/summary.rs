//! The nine counts of a comparison, as figures in three groups: orders, barcodes and
//! customers.

use crate::components::common::Figure;
use crate::state::changes::{groups, kind_hint, kind_label};
use tiqets_api_types::ChangeSummary;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    pub summary: ChangeSummary,
}

/// One card per group, one figure per kind.
#[function_component(Summary)]
pub fn summary(props: &SummaryProps) -> Html {
    html! {
        <div class="card change-groups" data-testid="changes-summary">
            { for groups(&props.summary).into_iter().map(|(title, counts)| {
                let heading = format!("sum-{}", title.to_lowercase());
                html! {
                    <section class="group" aria-labelledby={heading.clone()}>
                        <h2 id={heading}>{ title }</h2>
                        <div class="figures">
                            { for counts.into_iter().map(|(kind, n)| html! {
                                <Figure label={kind_label(kind).to_string()} value={n} id={kind} hint={kind_hint(kind)} />
                            }) }
                        </div>
                    </section>
                }
            }) }
        </div>
    }
}
