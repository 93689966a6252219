//! Loading, empty and error states, figures, pagers, and status, barcode state and change
//! kind badges.

use crate::format;
use crate::state::fetch::ApiFailure;
use crate::state::paging::Paging;
use tiqets_api_types::{Counts, NotItemised, Status};
use yew::prelude::*;

/// A page (or part) still waiting for the API.
#[function_component(Loading)]
pub fn loading() -> Html {
    html! { <p class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>{ "Loading…" }</p> }
}

#[derive(Properties, PartialEq)]
pub struct FailureProps {
    pub failure: ApiFailure,
}

/// An API failure: its message, and what it means.
#[function_component(Failure)]
pub fn failure(props: &FailureProps) -> Html {
    let f = &props.failure;
    let title = match f.status {
        None => "The API is not reachable".to_string(),
        Some(401) => "A token is needed".to_string(),
        Some(s) if s >= 500 => format!("The API had a problem ({s})"),
        Some(s) => format!("The API refused this ({s})"),
    };
    html! {
        <div class="notice error" role="alert">
            <strong>{ title }</strong>
            <p>{ &f.message }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct EmptyProps {
    pub children: Html,
}

/// Nothing to show, and why.
#[function_component(Empty)]
pub fn empty(props: &EmptyProps) -> Html {
    html! { <div class="empty">{ props.children.clone() }</div> }
}

#[derive(Properties, PartialEq)]
pub struct FigureProps {
    pub label: AttrValue,
    pub value: u64,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// A few words on what it counts, below its label.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A batch's key figures: orders written, tickets, customers, unused barcodes, issues.
pub fn key_figures(counts: &Counts) -> Html {
    html! {
        <div class="figures">
            <Figure label="orders written" value={counts.orders_written} id="orders_written" />
            <Figure label="tickets" value={counts.tickets} id="tickets" />
            <Figure label="customers" value={counts.customers} id="customers" />
            <Figure label="unused barcodes" value={counts.unused_barcodes} id="unused_barcodes" />
            <Figure label="issues" value={counts.issues} id="issues" />
        </div>
    }
}

/// One key figure.
#[function_component(Figure)]
pub fn figure(props: &FigureProps) -> Html {
    html! {
        <div class="figure" data-figure={props.id.clone()}>
            <span class="value">{ format::count(props.value) }</span>
            <span class="label">{ &props.label }</span>
            if let Some(hint) = &props.hint { <span class="hint">{ hint }</span> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct PagerProps {
    pub paging: Paging,
    pub on_page: Callback<u64>,
    /// What the items are called (`issues`, `barcodes`).
    pub noun: AttrValue,
}

/// "51–100 of 163 · Previous · page 2 of 4 · Next".
#[function_component(Pager)]
pub fn pager(props: &PagerProps) -> Html {
    let p = props.paging;
    let (first, last) = p.shown();
    let go = |to: u64| {
        let cb = props.on_page.clone();
        Callback::from(move |_: MouseEvent| cb.emit(to))
    };
    html! {
        <nav class="pager" aria-label={format!("Pages of {}", props.noun)}>
            <span class="shown">
                { format!("{}–{} of {} {}", format::count(first), format::count(last), format::count(p.total), props.noun) }
            </span>
            <button type="button" disabled={!p.has_previous()} onclick={go(p.page.saturating_sub(1))}>{ "← Previous" }</button>
            <span class="where" aria-live="polite">{ format!("Page {} of {}", p.page, p.pages()) }</span>
            <button type="button" disabled={!p.has_next()} onclick={go(p.page + 1)}>{ "Next →" }</button>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    pub status: Status,
}

/// A batch's status as a coloured word.
#[function_component(StatusBadge)]
pub fn status_badge(props: &BadgeProps) -> Html {
    let s = props.status.as_str();
    html! { <span class={classes!("badge", s)} data-status={s}>{ s }</span> }
}

#[derive(Properties, PartialEq)]
pub struct StateProps {
    /// `sold`, `unused` or `absent`.
    pub state: AttrValue,
}

/// A barcode's state in a batch as a coloured word.
#[function_component(BarcodeState)]
pub fn barcode_state(props: &StateProps) -> Html {
    let s = props.state.to_string();
    html! { <span class={classes!("badge", "state", s.clone())} data-state={s.clone()}>{ s }</span> }
}

#[derive(Properties, PartialEq)]
pub struct KindProps {
    /// A change's kind: `orders_added`, `barcodes_moved`, …
    pub kind: AttrValue,
}

/// A change's kind as a coloured word (`added`, `moved`), its meaning as a tooltip.
#[function_component(KindBadge)]
pub fn kind_badge(props: &KindProps) -> Html {
    let kind = props.kind.to_string();
    let word = crate::state::changes::kind_label(&kind).to_string();
    html! {
        <span class={classes!("kind", word.clone())} data-kind={kind.clone()}
              title={crate::state::changes::kind_hint(&kind)}>{ word }</span>
    }
}

/// The issues counted but not listed, past the issue limit (`docs/processing-rules.md`,
/// "Issue floods"): one sentence per file and code, nothing when every issue is listed.
pub fn not_itemised(list: &[NotItemised]) -> Html {
    if list.is_empty() {
        return Html::default();
    }
    html! {
        <ul class="not-itemised">
            { for list.iter().map(|n| html! {
                <li data-code={n.code.clone()}>
                    { format!(
                        "{} more {} issues in {}.csv are counted but not listed: the report lists the first {} of each code in each file.",
                        format::count(n.count), n.code, n.file, format::count(n.limit)
                    ) }
                </li>
            }) }
        </ul>
    }
}
