//! Customers as horizontal bar charts, drawn as SVG: the top customers by tickets, and
//! the largest changes in tickets between two batches (gains to the right of an axis,
//! losses to its left); each bar links to the customer's page.

use crate::format;
use crate::route::Route;
use tiqets_api_types::{CustomerChangeItem, TopCustomer};
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub customers: Vec<TopCustomer>,
}

const ROW: f64 = 28.0;
const LABEL: f64 = 110.0;
const VALUE: f64 = 56.0;

/// The drawing's width in its own units: about the width it is shown at (up to 640), so its
/// text keeps its size on a phone.
fn width() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .map_or(640.0, |w| (w - 80.0).clamp(300.0, 640.0))
}

/// A bar's address and the click that follows it inside the app (a modified click opens
/// it as the browser would).
fn customer_link(
    navigator: &Option<Navigator>,
    customer_id: u64,
) -> (String, Callback<MouseEvent>) {
    let to = Route::Customer {
        id: customer_id.to_string(),
    };
    let navigator = navigator.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        if let Some(n) = &navigator {
            if !(e.ctrl_key() || e.meta_key() || e.shift_key()) {
                e.prevent_default();
                n.push(&to);
            }
        }
    });
    (format!("/customers/{customer_id}"), onclick)
}

/// The bars, longest for the most tickets.
#[function_component(TopChart)]
pub fn top_chart(props: &ChartProps) -> Html {
    let navigator = use_navigator();
    let width = width();
    let max = props
        .customers
        .iter()
        .map(|c| c.ticket_count)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height = ROW * props.customers.len() as f64 + 8.0;
    let bars = props.customers.iter().enumerate().map(|(i, c)| {
        let y = i as f64 * ROW + 4.0;
        let w = ((width - LABEL - VALUE) * c.ticket_count as f64 / max).max(2.0);
        let (href, onclick) = customer_link(&navigator, c.customer_id);
        let title = format!(
            "customer {}: {} tickets",
            c.customer_id,
            format::count(c.ticket_count)
        );
        html! {
            <a href={href} {onclick} class="bar" aria-label={title.clone()}>
                <title>{ title }</title>
                <text x={(LABEL - 10.0).to_string()} y={(y + ROW / 2.0 + 1.0).to_string()} class="bar-label" text-anchor="end" dominant-baseline="middle">
                    { format!("customer {}", c.customer_id) }
                </text>
                <rect x={LABEL.to_string()} y={(y + 4.0).to_string()} width={format!("{w:.1}")} height={(ROW - 8.0).to_string()} rx="3" />
                <text x={(LABEL + w + 8.0).to_string()} y={(y + ROW / 2.0 + 1.0).to_string()} class="bar-value" dominant-baseline="middle">
                    { format::count(c.ticket_count) }
                </text>
            </a>
        }
    });
    html! {
        <svg class="chart" viewBox={format!("0 0 {width} {height}")} role="img"
             aria-label="Top customers by tickets" preserveAspectRatio="xMinYMin meet">
            { for bars }
        </svg>
    }
}

#[derive(Properties, PartialEq)]
pub struct DeltaChartProps {
    /// Largest change first, as the API sorts them.
    pub customers: Vec<CustomerChangeItem>,
}

/// The bars from an axis: right and blue for more tickets, left and orange for fewer.
#[function_component(DeltaChart)]
pub fn delta_chart(props: &DeltaChartProps) -> Html {
    let navigator = use_navigator();
    let width = width();
    let most = |keep: fn(i64) -> bool| {
        props
            .customers
            .iter()
            .map(|c| c.delta)
            .filter(|d| keep(*d))
            .map(i64::unsigned_abs)
            .max()
            .unwrap_or(0)
    };
    let (loss, gain) = (most(|d| d < 0), most(|d| d > 0));
    let left = LABEL + if loss > 0 { VALUE } else { 0.0 };
    let right = width - if gain > 0 { VALUE } else { 0.0 };
    let scale = (right - left) / (loss + gain).max(1) as f64;
    let axis = left + scale * loss as f64;
    let height = ROW * props.customers.len() as f64 + 8.0;
    let bars = props.customers.iter().enumerate().map(|(i, c)| {
        let y = i as f64 * ROW + 4.0;
        let middle = (y + ROW / 2.0 + 1.0).to_string();
        let w = (scale * c.delta.unsigned_abs() as f64).max(2.0);
        let up = c.delta >= 0;
        let (x, value_x, anchor) = if up {
            (axis, axis + w + 8.0, "start")
        } else {
            (axis - w, axis - w - 8.0, "end")
        };
        let (href, onclick) = customer_link(&navigator, c.customer_id);
        let title = format!(
            "customer {}: {} tickets, {} before and {} now",
            c.customer_id,
            format::signed(c.delta),
            format::count(c.before),
            format::count(c.after)
        );
        html! {
            <a href={href} {onclick} class={classes!("bar", if up { "up" } else { "down" })} aria-label={title.clone()}
               data-customer={c.customer_id.to_string()} data-delta={c.delta.to_string()}>
                <title>{ title }</title>
                <text x={(LABEL - 10.0).to_string()} y={middle.clone()} class="bar-label" text-anchor="end" dominant-baseline="middle">
                    { format!("customer {}", c.customer_id) }
                </text>
                <rect x={format!("{x:.1}")} y={(y + 4.0).to_string()} width={format!("{w:.1}")} height={(ROW - 8.0).to_string()} rx="3" />
                <text x={format!("{value_x:.1}")} y={middle} class="bar-value" text-anchor={anchor} dominant-baseline="middle">
                    { format::signed(c.delta) }
                </text>
            </a>
        }
    });
    html! {
        <svg class="chart deltas" viewBox={format!("0 0 {width} {height}")} role="img"
             aria-label="Largest changes in tickets per customer" preserveAspectRatio="xMinYMin meet"
             data-testid="customer-delta-chart">
            <line class="axis" x1={format!("{axis:.1}")} x2={format!("{axis:.1}")} y1="0" y2={height.to_string()} aria-hidden="true" />
            { for bars }
        </svg>
    }
}
