//! The OpenAPI document, generated from the handlers' annotations (utoipa) and served at
//! `/api/openapi.json`. [`CommonErrors`] adds the answers every `/api/` operation may give
//! (401 when a token is configured, 500, 503; 404 and 409 for a completed batch's results) and
//! the bearer security scheme.

use crate::model::*;
use crate::params::FileParam;
use crate::routes::{
    batches, changes, delete, downloads, events, health, lookups, process, retry, seed, upload,
};
use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tiqets order processor API",
        description = "Results of the order processor from PostgreSQL, uploads into the \
            pipeline, and live batch progress. Successful answers are \
            `{\"status\": \"success\", \"data\": …}`, errors `{\"status\": \"error\", \
            \"code\": …, \"message\": …}`, the `code` one of `ErrorCode` for clients to match \
            on. Ids are JSON numbers, barcodes JSON strings. The seed's \
            endpoints (`/api/process`, `/api/customers/top`, `/api/barcodes/unused`, `/api/orders/{customer_id}`) \
            answer for the current batch, the last completed one. See docs/api.md."
    ),
    paths(
        process::welcome,
        process::process,
        seed::top_customers,
        seed::unused_barcodes,
        seed::customer_orders,
        batches::list,
        upload::upload,
        batches::one,
        delete::delete,
        retry::retry,
        batches::orders,
        batches::issues,
        batches::top_customers,
        batches::unused_barcodes,
        downloads::processed_orders,
        downloads::issues,
        changes::summary,
        changes::orders,
        changes::barcodes,
        changes::customers,
        changes::orders_csv,
        changes::barcodes_csv,
        changes::customers_csv,
        lookups::barcode_in_batch,
        lookups::barcode_history,
        lookups::order,
        events::events,
        health::healthz,
        health::readyz,
        health::metrics,
        document,
    ),
    // Item types of generic pages are not collected from the responses: listed here.
    components(schemas(
        ErrorBody,
        ErrorCode,
        FileParam,
        tiqets_domain::IssueCode,
        tiqets_api_types::CustomerChangeItem
    )),
    modifiers(&CommonErrors),
    tags(
        (name = "current batch", description = "The seed's endpoints, for the last completed batch"),
        (name = "batches", description = "Every batch: list, status, results, upload, live events"),
        (name = "downloads", description = "A completed batch's output files and change files"),
        (name = "changes", description = "What changed between two completed batches"),
        (name = "lookups", description = "A barcode or an order by its key"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Adds 401/500/503 to every `/api/` operation that does not say otherwise, and the
/// optional bearer token.
pub struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let optional_bearer = vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            let open = ["/api/", "/api/openapi.json"];
            let api = path.starts_with("/api/") && !open.contains(&path.as_str());
            for op in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut op.responses.responses;
                if path.starts_with("/api/batches/{batch_id}/") {
                    // A completed batch's results.
                    responses
                        .entry("404".into())
                        .or_insert_with(|| error("No such batch"));
                    responses
                        .entry("409".into())
                        .or_insert_with(|| error("The batch is not completed (running or failed)"));
                }
                if path.starts_with("/api/barcodes/{barcode}") {
                    responses.entry("404".into()).or_insert_with(|| {
                        error("The barcode is in no completed batch, or not in the one asked for")
                    });
                    responses.entry("409".into()).or_insert_with(|| {
                        error("The batch asked for is not completed (running or failed)")
                    });
                }
                if path.starts_with("/api/batches/{batch_id}/changes") {
                    responses.entry("409".into()).or_insert_with(|| {
                        error("The batch is not completed, or (without `since`) no completed batch precedes it")
                    });
                }
                if api {
                    responses.entry("401".into()).or_insert_with(|| {
                        error("A bearer token is configured and was not sent, or is wrong")
                    });
                    op.security = Some(optional_bearer.clone());
                }
                if !["/healthz", "/metrics", "/api/", "/api/openapi.json"].contains(&path.as_str())
                {
                    responses
                        .entry("500".into())
                        .or_insert_with(|| error("An unexpected failure (see the logs)"));
                    responses.entry("503".into()).or_insert_with(|| {
                        error("PostgreSQL or NATS is unavailable; try again shortly")
                    });
                }
            }
        }
    }
}

/// `GET /api/openapi.json`, open like the welcome. Mounted before [`crate::routes`], whose
/// guarded `/api` scope would otherwise take the path.
pub fn resource() -> actix_web::Resource {
    actix_web::web::resource("/api/openapi.json").route(actix_web::web::get().to(document))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn document() -> HttpResponse {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = DOCUMENT.get_or_init(|| {
        // The document is plain data: serializing it cannot fail.
        ApiDoc::openapi().to_json().unwrap_or_default()
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_has_its_code_as_an_enum_of_every_code() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(schemas["ErrorCode"]["type"], "string");
        assert_eq!(schemas["ErrorCode"]["enum"], serde_json::json!(names));
        let body = &schemas["ErrorBody"];
        assert_eq!(
            body["properties"]["code"]["$ref"],
            "#/components/schemas/ErrorCode"
        );
        assert_eq!(
            body["required"],
            serde_json::json!(["status", "code", "message"])
        );
        assert_eq!(body["example"]["code"], "invalid_parameter");
    }

    /// Every `$ref` in `value`, recursively.
    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_referred_to_is_in_the_document() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.contains(&"#/components/schemas/NotItemised"), "{all:?}");
        let mut missing: Vec<&str> = all
            .into_iter()
            .filter(|r| {
                let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
                doc["components"]["schemas"].get(name).is_none()
            })
            .collect();
        missing.dedup();
        assert!(missing.is_empty(), "not in the document: {missing:?}");
    }
}
