//! The live status events (`GET /api/events`, server-sent events) through the browser's
//! `EventSource`, which reconnects by itself and resumes after the last event it saw.

use tiqets_api_types::StatusUpdate;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::prelude::*;

/// What the stream reports to a page.
#[derive(Debug, Clone)]
pub enum Live {
    /// Connected (or reconnected): what happened meanwhile may have been missed, so a
    /// page reads its state again.
    Open,
    /// The connection broke; the browser retries.
    Lost,
    Status(Box<StatusUpdate>),
}

/// Calls `on_event` for every event of the stream while the component is mounted.
#[hook]
pub fn use_status_events(on_event: Callback<Live>) {
    use_effect_with((), move |_| {
        let source = EventSource::new(&format!("{}/events", crate::api::BASE)).ok();
        let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
        if let Some(source) = &source {
            let cb = on_event.clone();
            let status = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Some(data) = e.data().as_string() {
                    if let Ok(update) = serde_json::from_str::<StatusUpdate>(&data) {
                        cb.emit(Live::Status(Box::new(update)));
                    }
                }
            });
            let _ =
                source.add_event_listener_with_callback("status", status.as_ref().unchecked_ref());
            let cb = on_event.clone();
            let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| cb.emit(Live::Open));
            source.set_onopen(Some(open.as_ref().unchecked_ref()));
            let cb = on_event.clone();
            let lost = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| cb.emit(Live::Lost));
            source.set_onerror(Some(lost.as_ref().unchecked_ref()));
            keep.push(Box::new(status));
            keep.push(Box::new(open));
            keep.push(Box::new(lost));
        } else {
            on_event.emit(Live::Lost);
        }
        move || {
            if let Some(source) = source {
                source.set_onopen(None);
                source.set_onerror(None);
                source.close();
            }
            drop(keep);
        }
    });
}
