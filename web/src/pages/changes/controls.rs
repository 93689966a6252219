//! The controls above a table of changes: its kind filter and its CSV download.

use crate::api::BASE;
use crate::state::changes::{csv_name, csv_path, kind_label, Table};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KindSelectProps {
    pub table: Table,
    /// The select's id.
    pub id: AttrValue,
    /// The kind chosen, empty for every kind.
    pub value: String,
    pub on_change: Callback<String>,
}

/// "Kind: every kind / added / removed / …".
#[function_component(KindSelect)]
pub fn kind_select(props: &KindSelectProps) -> Html {
    let onchange = {
        let cb = props.on_change.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            cb.emit(s.value());
        })
    };
    html! {
        <label>{ "Kind " }
            <select id={props.id.clone()} {onchange}>
                <option value="" selected={props.value.is_empty()}>{ "every kind" }</option>
                { for props.table.kinds().iter().map(|k| html! {
                    <option value={*k} selected={props.value == *k}>{ kind_label(k) }</option>
                }) }
            </select>
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct CsvLinkProps {
    pub batch: String,
    pub since: String,
    pub table: Table,
    /// The kind filter applied, empty for every kind.
    #[prop_or_default]
    pub kind: String,
    pub testid: AttrValue,
}

/// The table's rows (with its filter) as a CSV download.
#[function_component(CsvLink)]
pub fn csv_link(props: &CsvLinkProps) -> Html {
    let href = format!(
        "{BASE}{}",
        csv_path(&props.batch, props.table, &props.since, &props.kind)
    );
    let label = format!("Download CSV of the changed {}", props.table.as_str());
    html! {
        <a class="button" {href} download={csv_name(props.table, &props.kind)}
           aria-label={label} data-testid={props.testid.clone()}>{ "Download CSV" }</a>
    }
}
