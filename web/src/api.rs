//! Calls to the API at `/api` on the page's own origin, read through the shared envelope
//! types: the data, or an [`ApiFailure`] carrying the API's own code and message.

use crate::state::fetch::{ApiFailure, Fetch};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use tiqets_api_types::{Answer, Deleted, UploadOutcome};
use yew::prelude::*;

/// Where the API is: the same origin as the page.
pub const BASE: &str = "/api";

thread_local! {
    /// The API token once typed in, for the rest of the session (memory only, never stored):
    /// the upload and the deletion of a batch both send it.
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The token typed in earlier in this session, if any.
pub fn remembered_token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

/// Keeps `token` for the rest of the session (an empty one forgets it).
pub fn remember_token(token: &str) {
    TOKEN.with(|t| *t.borrow_mut() = Some(token.to_string()).filter(|t| !t.is_empty()));
}

/// `request` with `Authorization: Bearer <token>`, unless the token is blank.
fn bearer(request: RequestBuilder, token: &str) -> RequestBuilder {
    if token.trim().is_empty() {
        request
    } else {
        request.header("Authorization", &format!("Bearer {}", token.trim()))
    }
}

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
    let response = bearer(Request::post(&format!("{BASE}/batches")), token)
        .body(form)
        .map_err(ApiFailure::unreachable)?
        .send()
        .await
        .map_err(ApiFailure::unreachable)?;
    read(response).await
}

/// `DELETE {BASE}/batches/{id}?force=…` with an optional token: what it removed.
pub async fn delete_batch(id: &str, force: bool, token: &str) -> Result<Deleted, ApiFailure> {
    let request = Request::delete(&format!("{BASE}/batches/{id}?force={force}"))
        .header("Accept", "application/json");
    let response = bearer(request, token)
        .send()
        .await
        .map_err(ApiFailure::unreachable)?;
    read(response).await
}

/// `POST {BASE}/batches/{id}/retry` with an optional token: the batch queued again.
pub async fn retry_batch(id: &str, token: &str) -> Result<UploadOutcome, ApiFailure> {
    let request =
        Request::post(&format!("{BASE}/batches/{id}/retry")).header("Accept", "application/json");
    let response = bearer(request, token)
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
