//! The top customers as a horizontal bar chart, drawn as SVG; each bar links to the
//! customer's page.

use crate::format;
use crate::route::Route;
use tiqets_api_types::TopCustomer;
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
        let to = Route::Customer {
            id: c.customer_id.to_string(),
        };
        let href = format!("/customers/{}", c.customer_id);
        let onclick = {
            let navigator = navigator.clone();
            Callback::from(move |e: MouseEvent| {
                if let Some(n) = &navigator {
                    if !(e.ctrl_key() || e.meta_key() || e.shift_key()) {
                        e.prevent_default();
                        n.push(&to);
                    }
                }
            })
        };
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
