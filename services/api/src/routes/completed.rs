//! The preamble every results route shares, as an extractor: the batch its path names,
//! which must exist (404) and be completed (409 when running or failed); a path that is not
//! a batch id is a 400.

use crate::error::ApiError;
use crate::routes::find_completed;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use tiqets_store::BatchRecord;

/// A completed batch named by the path's `{batch_id}` (a batch id or `latest`).
///
/// Put it after a handler's [`crate::params::Checked`] query arguments: those are ready at
/// once, so a bad query value is a 400 before the batch is looked up.
pub struct CompletedBatch(pub BatchRecord);

impl FromRequest for CompletedBatch {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let _ = payload;
        let path = req.match_info().get("batch_id").map(str::to_owned);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::Internal("the application state is missing".into()))?;
            let path =
                path.ok_or_else(|| ApiError::Internal("no {batch_id} in the path".into()))?;
            let batch = find_completed(&state, &path).await?;
            Ok(CompletedBatch(batch))
        })
    }
}
