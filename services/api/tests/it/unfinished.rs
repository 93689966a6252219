//! Results of a batch that has none: 409 while it runs or when it failed, 404 for an
//! unknown one or `latest` before any completed, 400 for a path that is no batch id or a
//! bad query value, whatever the batch.

use crate::support::{assert_code, running_and_failed, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_of_a_running_or_failed_batch_are_a_409_and_of_an_unknown_one_a_404() {
    let app = spawn_app().await;
    let (running, failed) = running_and_failed(&app).await;
    for tail in [
        "orders",
        "issues",
        "customers/top",
        "barcodes/unused",
        "processed_orders.csv",
        "issues.csv",
    ] {
        let (status, body) = app.get(&format!("/api/batches/{running}/{tail}")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{tail}");
        assert_eq!(
            body,
            json!({"status": "error", "code": "batch_not_completed", "message": format!(
                "batch {running} is validating, not completed yet: its results are served once \
                 it completes (follow it at /api/batches/{running} or /api/events)")})
        );
        let (status, body) = app.get(&format!("/api/batches/{failed}/{tail}")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{tail}");
        assert_code(&body, "batch_not_completed");
        assert_eq!(
            body["message"],
            format!("batch {failed} failed and has no results: orders.csv: missing required column `customer_id`")
        );
        assert_eq!(
            app.error(
                &format!("/api/batches/bunknown/{tail}"),
                StatusCode::NOT_FOUND,
                "not_found"
            )
            .await,
            "no batch with id bunknown"
        );
    }
    // No batch has completed: `latest` has no results either.
    for tail in ["orders", "customers/top", "processed_orders.csv"] {
        let message = app
            .error(
                &format!("/api/batches/latest/{tail}"),
                StatusCode::NOT_FOUND,
                "no_completed_batch",
            )
            .await;
        assert!(
            message.starts_with("no batch has completed yet"),
            "{message}"
        );
    }
    // A path that is not a batch id is a 400 on every results route.
    for tail in [
        "orders",
        "issues",
        "customers/top",
        "barcodes/unused",
        "issues.csv",
    ] {
        assert_eq!(
            app.error(&format!("/api/batches/a.b/{tail}"), StatusCode::BAD_REQUEST, "invalid_parameter")
                .await,
            "`batch_id` must be a batch id (1-100 ASCII letters, digits, '-' or '_') or `latest`, not \"a.b\"",
            "{tail}"
        );
    }
    // Query values are checked before the batch is looked up: a bad one is a 400 whatever
    // the batch (unknown, not an id, or running).
    for batch in ["bunknown", "a.b", running.as_str()] {
        for (tail, message) in [
            (
                "orders?page=0",
                "`page` must be a whole number from 1 to 1000000000, not \"0\"",
            ),
            (
                "orders?customer_id=0",
                "`customer_id` must be a whole number from 1 to 9223372036854775807, not \"0\"",
            ),
            (
                "issues?per_page=1001",
                "`per_page` must be a whole number from 1 to 1000, not \"1001\"",
            ),
            (
                "issues?file=x",
                "`file` must be `orders` or `barcodes`, not \"x\"",
            ),
            (
                "customers/top?limit=101",
                "`limit` must be a whole number from 1 to 100, not \"101\"",
            ),
            (
                "barcodes/unused?page=abc",
                "`page` must be a whole number from 1 to 1000000000, not \"abc\"",
            ),
        ] {
            assert_eq!(
                app.error(
                    &format!("/api/batches/{batch}/{tail}"),
                    StatusCode::BAD_REQUEST,
                    "invalid_parameter"
                )
                .await,
                message,
                "{batch}/{tail}"
            );
        }
    }
    // The running batch itself is there, with its status.
    assert_eq!(
        app.data(&format!("/api/batches/{running}")).await["status"],
        "validating"
    );
}
