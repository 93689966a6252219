use crate::support::{read, repo, Env};
use tiqets_contract::ResultFile;

/// The CLI's golden cases: the pipeline's result objects are the CLI's files, byte for
/// byte, and its figures are what the CLI prints.
#[tokio::test]
async fn the_cli_golden_cases_give_the_same_files_and_figures_through_the_pipeline() {
    let env = Env::new().await;
    for case in ["basic", "edge", "header_only"] {
        let dir = repo("services/cli/tests/golden").join(case);
        let (orders, barcodes) = (read(dir.join("orders.csv")), read(dir.join("barcodes.csv")));
        let work = env.put_batch(case, &orders, &barcodes).await;
        let merge = env.validated(&work).await;
        let persist = env.merged(&merge).await;
        let results = env.results(&persist).await;

        let expected = |f: &str| String::from_utf8(read(dir.join("expected").join(f))).unwrap();
        assert_eq!(
            results.get(ResultFile::ProcessedOrders),
            expected("processed_orders.csv"),
            "{case}"
        );
        assert_eq!(
            results.get(ResultFile::Issues),
            expected("issues.csv"),
            "{case}"
        );
        let mut stdout = String::new();
        for c in persist.top_customers.iter().take(5) {
            stdout += &format!("{}, {}\n", c.customer_id, c.tickets);
        }
        stdout += &format!("{}\n", persist.counts.unused_barcodes);
        assert_eq!(stdout, expected("stdout.txt"), "{case}");
    }
}
