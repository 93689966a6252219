//! The dashboard's static files from `TIQETS_WEB_DIR`, served at `/` when the folder holds
//! an `index.html`. Any other path that is not a file gets `index.html` (the single-page
//! app routes itself), except under `/api/`, which stays a JSON 404.

use crate::error::not_found;
use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use std::path::{Path, PathBuf};

/// The static file service, or `None` when there is no dashboard to serve.
pub fn service(dir: &Path) -> Option<Files> {
    let index: PathBuf = dir.join("index.html");
    if !index.is_file() {
        return None;
    }
    let files = Files::new("/", dir)
        .index_file("index.html")
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                if req.path() == "/api" || req.path().starts_with("/api/") {
                    let res = not_found(req.clone()).await;
                    return Ok(ServiceResponse::new(req, res));
                }
                let file = actix_web::web::block(move || NamedFile::open(index)).await??;
                let res = file.into_response(&req);
                Ok(ServiceResponse::new(req, res))
            }
        }));
    Some(files)
}
