//! Calls to the API at `/api` on the page's own origin, read through the shared envelope
//! types: the data, or an [`ApiFailure`] carrying the API's own code and message.

use crate::state::fetch::{ApiFailure, Fetch};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use tiqets_api_types::{Answer, UploadOutcome};
use yew::prelude::*;

/// Where the API is: the same origin as the page.
pub const BASE: &str = "/api";

/// `GET {BASE}{path}`, read as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    let response = Request::get(&format!("{BASE}{path}"))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(ApiFailure::unreachable)?;
    read(response).await
}

/// An answer's data, or its error code and message.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    let status = response.status();
    let text = response.text().await.map_err(ApiFailure::unreachable)?;
    if status == 502 || status == 504 {
        // A proxy in front of an API that is down.
        return Err(ApiFailure::unreachable(format!("HTTP {status}")));
    }
    match serde_json::from_str::<Answer<T>>(&text) {
        Ok(Answer::Success(envelope)) => Ok(envelope.data),
        Ok(Answer::Error(error)) => Err(ApiFailure {
            status: Some(status),
            code: Some(error.code),
            message: error.message,
        }),
        Err(e) => Err(ApiFailure::unreadable(status, e)),
    }
}

/// `POST {BASE}/batches` with the two files, an optional name and an optional token.
pub async fn upload(
    orders: &web_sys::File,
    barcodes: &web_sys::File,
    name: &str,
    token: &str,
) -> Result<UploadOutcome, ApiFailure> {
    let form = web_sys::FormData::new().map_err(|_| ApiFailure::unreachable("no FormData"))?;
    let add = |part: &str, file: &web_sys::File| {
        form.append_with_blob_and_filename(part, file, &file.name())
            .map_err(|_| ApiFailure::unreachable("the file cannot be read"))
    };
    add("orders", orders)?;
    add("barcodes", barcodes)?;
    if !name.trim().is_empty() {
        form.append_with_str("name", name.trim())
            .map_err(|_| ApiFailure::unreachable("no FormData"))?;
    }
    let mut request = Request::post(&format!("{BASE}/batches"));
    if !token.trim().is_empty() {
        request = request.header("Authorization", &format!("Bearer {}", token.trim()));
    }
    let response = request
        .body(form)
        .map_err(ApiFailure::unreachable)?
        .send()
        .await
        .map_err(ApiFailure::unreachable)?;
    read(response).await
}

/// The answer of `GET {BASE}{path}`, asked again whenever `path` or `reload` changes.
#[hook]
pub fn use_get<T>(path: String, reload: u32) -> Fetch<T>
where
    T: DeserializeOwned + Clone + PartialEq + 'static,
{
    let state = use_state(|| Fetch::Loading);
    {
        let state = state.clone();
        use_effect_with((path, reload), move |(path, reload)| {
            // A reload keeps what is shown until the new answer is there.
            if *reload == 0 || !matches!(*state, Fetch::Ready(_)) {
                state.set(Fetch::Loading);
            }
            let path = path.clone();
            let cancelled = std::rc::Rc::new(std::cell::Cell::new(false));
            let flag = cancelled.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = get::<T>(&path).await;
                if !flag.get() {
                    state.set(match answer {
                        Ok(data) => Fetch::Ready(data),
                        Err(e) => Fetch::Failed(e),
                    });
                }
            });
            move || cancelled.set(true)
        });
    }
    (*state).clone()
}
