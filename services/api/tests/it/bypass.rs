//! No spelling of a protected path gets past the token guard: the guard is middleware of
//! what the router matched, so a path that is routed to a handler (`/%61pi/batches` is
//! routed as `/api/batches`) is guarded, and one that is not routed gets the plain 404.
//! Requests are written on a raw TCP connection, byte for byte (as `curl --path-as-is`).

use crate::support::{spawn_app_with, Files};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WRITE: &str = "spelling-write-token";
const READ: &str = "spelling-read-token";

/// The protected routes, as a client would spell them.
const ROUTES: [&str; 10] = [
    "/api/batches",
    "/api/process",
    "/api/customers/top",
    "/api/barcodes/unused",
    "/api/orders/1",
    "/api/batches/latest",
    "/api/batches/latest/orders",
    "/api/batches/latest/issues.csv",
    "/api/batches/latest/processed_orders.csv",
    "/api/events",
];

/// `path` with the byte at `i` percent-encoded (`upper`: hex digits in upper case).
fn encode_at(path: &str, i: usize, upper: bool) -> String {
    let b = path.as_bytes()[i];
    let hex = if upper {
        format!("%{b:02X}")
    } else {
        format!("%{b:02x}")
    };
    format!("{}{hex}{}", &path[..i], &path[i + 1..])
}

/// Every spelling of `path` the test sends.
fn spellings(path: &str) -> Vec<String> {
    let rest = path.strip_prefix("/api/").expect("an /api path");
    let mut out = Vec::new();
    let letters: Vec<usize> = (0..path.len())
        .filter(|&i| path.as_bytes()[i].is_ascii_alphabetic())
        .collect();
    for &i in &letters {
        // Each letter percent-encoded, in both hex cases, doubly encoded, with its case
        // changed, and encoded behind a doubled slash or before a trailing one.
        out.push(encode_at(path, i, false));
        out.push(encode_at(path, i, true));
        out.push(encode_at(path, i, false).replacen('%', "%25", 1));
        let mut flipped = path.to_string().into_bytes();
        flipped[i] ^= 0x20;
        out.push(String::from_utf8(flipped).unwrap());
        out.push(format!("/{}", encode_at(path, i, false)));
        out.push(format!("{}/", encode_at(path, i, true)));
    }
    // Every pair of letters encoded, in both hex cases.
    for (n, &i) in letters.iter().enumerate() {
        for &j in &letters[n + 1..] {
            for upper in [false, true] {
                // j > i: encoding j first keeps i's offset.
                out.push(encode_at(&encode_at(path, j, upper), i, upper));
            }
        }
    }
    // Every letter encoded at once.
    for upper in [false, true] {
        let mut all = String::new();
        for b in path.bytes() {
            if b.is_ascii_alphabetic() {
                all += &if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                };
            } else {
                all.push(b as char);
            }
        }
        out.push(all);
    }
    out.extend([
        // Double encoding.
        format!("/%2561pi/{rest}"),
        format!("/%25%36%31pi/{rest}"),
        format!("/api%252F{rest}"),
        // Encoded slashes and dots.
        format!("/api%2F{rest}"),
        format!("/api%2f{rest}"),
        format!("/api/%2e/{rest}"),
        format!("/%2e/api/{rest}"),
        format!("/api/%2E%2E/api/{rest}"),
        // Doubled slashes, dot segments, a trailing slash.
        format!("//api/{rest}"),
        format!("/api//{rest}"),
        format!("///api///{rest}"),
        format!("/./api/{rest}"),
        format!("/api/./{rest}"),
        format!("/x/../api/{rest}"),
        format!("/api/x/../{rest}"),
        format!("/api/{rest}/"),
        format!("/api/{rest}/."),
        format!("/api/{rest}/x/.."),
        // Path parameters.
        format!("/api;/{rest}"),
        format!("/api;x=1/{rest}"),
        format!("/api/{rest};"),
        format!("/api/{rest};x"),
        // NUL bytes, encoded.
        format!("/api/{rest}%00"),
        format!("/api%00/{rest}"),
        format!("/%00/api/{rest}"),
        // Case.
        format!("/API/{rest}"),
        format!("/Api/{rest}"),
        format!("/api/{}", rest.to_uppercase()),
        // Backslashes and an absolute-form target.
        format!("/api%5C{rest}"),
        format!("http://127.0.0.1/api/{rest}"),
        format!("http://127.0.0.1/%61pi/{rest}"),
        // A query and a fragment do not change the route.
        format!("/%61pi/{rest}?x=1"),
        format!("/%61pi/{rest}#x"),
    ]);
    out
}

/// The status and body of one raw request; `None` when the server closed the connection
/// without answering.
async fn raw(addr: &str, method: &str, target: &str, token: Option<&str>) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "{method} {target}: no answer in 10 s");
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Some((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_spelling_of_a_protected_route_reaches_a_handler_without_its_token() {
    let app = spawn_app_with(&[("TIQETS_API_TOKEN", WRITE), ("TIQETS_API_READ_TOKEN", READ)]).await;
    // A completed batch, so that a handler reached would answer 200.
    app.seed(&Files::sample()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let batches = || async {
        tiqets_store::queries::count_batches(app.db.pool())
            .await
            .unwrap()
    };
    let before = batches().await;

    let mut sent = std::collections::BTreeMap::<&str, usize>::new();
    let mut routed = 0;
    for route in ROUTES {
        for target in spellings(route) {
            for method in ["GET", "HEAD", "POST", "PUT"] {
                *sent.entry(method).or_default() += 1;
                let Some((status, body)) = raw(&addr, method, &target, None).await else {
                    continue; // refused by the HTTP parser: no handler either
                };
                let refused = status == 401 && (body.contains("need a token") || method == "HEAD");
                let not_routed = status == 404
                    && (body.contains("no such resource") || method == "HEAD" && body.is_empty())
                    || status == 400 && !body.contains("\"status\":\"success\"");
                assert!(
                    refused || not_routed,
                    "{method} {target} without a token answered {status}: {body}"
                );
                routed += usize::from(refused);
            }
        }
    }
    for (method, n) in &sent {
        assert!(*n >= 150 * ROUTES.len(), "{method}: only {n} spellings");
    }
    assert!(
        routed > 1000,
        "most spellings are routed, and guarded: {routed}"
    );
    assert_eq!(batches().await, before, "no write got through");

    // The guard, not the spelling, refused them: with the token the same spellings are
    // answered by their handlers.
    for (target, token) in [
        ("/%61pi/batches", READ),
        ("/%61pi/batches", WRITE),
        ("/api/b%61tches/latest", READ),
        ("/%61pi/process", READ),
        ("/api/customers/%74op", READ),
    ] {
        let (status, body) = raw(&addr, "GET", target, Some(token)).await.unwrap();
        assert_eq!(status, 200, "GET {target} with the token: {body}");
    }
}
