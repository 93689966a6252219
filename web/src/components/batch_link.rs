//! A link to a batch by its name, read from the API (its short id until then, or when the
//! batch cannot be read).

use crate::api::use_get;
use crate::format;
use crate::route::Route;
use crate::state::fetch::Fetch;
use crate::state::paging::encode;
use tiqets_api_types::Batch;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BatchLinkProps {
    /// A batch id, or `latest`.
    pub id: String,
}

/// The batch's name, linked to its page, with its short id beside it.
#[function_component(BatchLink)]
pub fn batch_link(props: &BatchLinkProps) -> Html {
    let batch = use_get::<Batch>(format!("/batches/{}", encode(&props.id)), 0);
    match &batch {
        Fetch::Ready(b) => html! {
            <span class="batch-link">
                <Link<Route> to={Route::Batch { id: b.id.clone() }}><strong>{ &b.name }</strong></Link<Route>>
                <span class="muted">{ format!(" ({})", format::short_id(&b.id)) }</span>
            </span>
        },
        _ => html! {
            <span class="batch-link">
                <Link<Route> to={Route::Batch { id: props.id.clone() }}>{ format::short_id(&props.id) }</Link<Route>>
            </span>
        },
    }
}
