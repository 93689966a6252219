//! The dashboard's entry point: renders the app into the page's body.

fn main() {
    tiqets_web::run();
}
