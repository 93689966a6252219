//! A batch's way through received → validating → merging → persisting → completed, with
//! how long each stage took and the running stage's progress.

use crate::format;
use crate::state::batches::{steps, Step};
use tiqets_api_types::{Batch, ProgressInfo, Status};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StepsProps {
    pub status: Status,
    /// The batch as read from the API, for the stage times (when known).
    #[prop_or_default]
    pub batch: Option<Batch>,
    #[prop_or_default]
    pub progress: Option<ProgressInfo>,
}

/// The stages as a row of steps.
#[function_component(Steps)]
pub fn steps_view(props: &StepsProps) -> Html {
    let batch = props.batch.as_ref();
    let reached = |s: Status| batch.is_some_and(|b| b.reached_at(s).is_some());
    let all = steps(props.status, reached);
    let took = |i: usize| -> Option<String> {
        let b = batch?;
        let (stage, _) = all[i];
        if stage == Status::Completed {
            return None;
        }
        let start = b.reached_at(stage)?;
        let end = all[i + 1..]
            .iter()
            .find_map(|(s, _)| b.reached_at(*s))
            .or(b.failed_at.as_deref())?;
        format::duration_between(start, end)
    };
    html! {
        <ol class="steps" aria-label="Progress">
            { for all.iter().enumerate().map(|(i, (stage, step))| {
                let (class, said) = match step {
                    Step::Done => ("done", "done"),
                    Step::Current => ("current", "in progress"),
                    Step::Failed => ("failed", "failed here"),
                    Step::Todo => ("todo", "not yet"),
                };
                let progress = (*step == Step::Current)
                    .then_some(props.progress.as_ref())
                    .flatten()
                    .filter(|p| p.total_bytes > 0)
                    .map(|p| format!("{}%", format::percent(p.done_bytes, p.total_bytes)));
                html! {
                    <li class={classes!("step", class)} aria-label={format!("{}: {said}", stage.as_str())}>
                        <span class="dot" aria-hidden="true">
                            { match step { Step::Done => "✓", Step::Failed => "✕", Step::Current => "•", Step::Todo => "" } }
                        </span>
                        <span class="name">{ stage.as_str() }</span>
                        <span class="took">{ progress.or_else(|| took(i)).unwrap_or_default() }</span>
                    </li>
                }
            }) }
        </ol>
    }
}
