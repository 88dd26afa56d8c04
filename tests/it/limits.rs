//! Issue 13, item 3: bounded reads. Hub bodies are capped and streamed, a request and a model
//! have one total deadline, and the JSX / YAML readers refuse deep nesting fast, naming the
//! file and line.

use std::path::Path;
use std::time::Duration;

use track_models::api::sources::hf::{HfClient, HfError, ModelQuery};
use track_models::api::sources::serving::{parse_cookbook_yaml, parse_jsx_config};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{config_answer, hf_config};

#[tokio::test]
async fn an_oversized_config_json_is_refused_at_the_cap() {
    let server = MockServer::start().await;
    let huge = format!(
        "{{\"hidden_size\": 4096, \"pad\": \"{}\"}}",
        "x".repeat(5000)
    );
    for verb in ["GET", "HEAD"] {
        Mock::given(method(verb))
            .and(path("/org/huge/resolve/main/config.json"))
            .respond_with(config_answer(&"a".repeat(40), "e1", &huge))
            .mount(&server)
            .await;
    }
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&server.uri(), cache.path());
    config.limits.max_file_bytes = 4096;
    let client = HfClient::new(config).unwrap();
    let err = client.fetch_config("org/huge").await.unwrap_err();
    assert!(
        matches!(err, HfError::TooLarge { limit: 4096, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "response too large for `org/huge` ({}/org/huge/resolve/main/config.json): more than 4096 bytes, the most read for it",
            server.uri()
        )
    );
    assert_eq!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method.as_str() == "GET")
            .count(),
        1,
        "a body too large is not retried"
    );
}

#[tokio::test]
async fn a_slow_server_costs_one_deadline_not_every_try() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/slow/resolve/main/config.json"))
        .respond_with(
            config_answer(&"a".repeat(40), "e1", "{}").set_delay(Duration::from_millis(400)),
        )
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&server.uri(), cache.path());
    config.timeout = Duration::from_millis(300);
    config.limits.request_deadline = Duration::from_millis(700);
    let client = HfClient::new(config).unwrap();
    let err = client.fetch_config("org/slow").await.unwrap_err();
    assert!(matches!(err, HfError::DeadlineExceeded { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "gave up on `org/slow` ({}/org/slow/resolve/main/config.json) after 0.7 s, the total time allowed",
            server.uri()
        )
    );
    // Counted, not timed: 0.3 s tries within a 0.7 s deadline are at most three, where
    // every retry with a fresh timeout would have made five.
    assert!(
        (1..=3).contains(&client.requests_made()),
        "{} tries",
        client.requests_made()
    );
}

#[tokio::test]
async fn each_model_has_one_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/slow/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&server.uri(), cache.path());
    config.limits.model_deadline = Duration::from_millis(300);
    let client = HfClient::new(config).unwrap();
    let results = client.fetch_configs(&["org/slow".to_string()]).await;
    // The 3 s answer never arrived: one try, cut at the model's 0.3 s (the message says so).
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let err = results[0].1.as_ref().unwrap_err();
    assert!(matches!(err, HfError::DeadlineExceeded { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "gave up on `org/slow` ({}/org/slow/resolve/main/config.json) after 0.3 s, the total time allowed",
            server.uri()
        )
    );
}

#[test]
fn deeply_nested_jsx_fails_fast_naming_the_file_and_line() {
    let depth = 30_000;
    let text = format!(
        "export const config = {{\n  a: {}1{}\n}};\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    // The reader stops at the 65th level (the warning names it), not at the 30,000th.
    let parsed = parse_jsx_config(&text, Path::new("deep.jsx"));
    assert_eq!(
        parsed.warnings,
        ["`deep.jsx`:2: cannot read the `config` literal: objects and arrays nested deeper than 64 levels"]
    );
}

#[test]
fn deeply_nested_yaml_fails_fast_naming_the_file_and_line() {
    // Block nesting: one more indentation level per line.
    let mut block = String::from("models:\n");
    for level in 1..100_000 {
        block.push_str(&" ".repeat(level));
        block.push_str("k:\n");
    }
    // Flow nesting on one line.
    let flow = format!("models: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    // Sequence entries opened on one line.
    let dashes = format!("models:\n{}x\n", "- ".repeat(100));
    for (text, line) in [(block, 65), (flow, 1), (dashes, 2)] {
        let parsed = parse_cookbook_yaml(&text, Path::new("deep.yaml"));
        assert_eq!(
            parsed.warnings,
            [format!(
                "`deep.yaml`:{line}: nested deeper than 64 levels; skipped"
            )]
        );
    }
}

/// Item 9: a damaged cached `config.json` is fetched again when online, not served.
#[tokio::test]
async fn a_corrupt_cached_config_is_fetched_again() {
    let server = MockServer::start().await;
    let body = r#"{"hidden_size": 4096, "num_hidden_layers": 2}"#;
    let sha = "b".repeat(40);
    for verb in ["GET", "HEAD"] {
        Mock::given(method(verb))
            .and(path("/org/m/resolve/main/config.json"))
            .respond_with(config_answer(&sha, "e1", body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/org/m/resolve/{sha}/config.json")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "\"e1\"")
                .set_body_raw(body.as_bytes().to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = HfClient::new(hf_config(&server.uri(), cache.path())).unwrap();
    assert_eq!(client.fetch_config("org/m").await.unwrap().text, body);
    // Damage every cached blob (a crash mid-write, a disk error).
    let mut stack = vec![cache.path().to_path_buf()];
    let mut damaged = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && entry.path().parent().unwrap().ends_with("blobs") {
                std::fs::write(entry.path(), "{\"hidden_si").unwrap();
                damaged += 1;
            }
        }
    }
    assert_eq!(damaged, 1);
    let again = client.fetch_config("org/m").await.unwrap();
    assert_eq!(again.text, body);
    assert!(!again.from_cache);
    // The cache was repaired: the next run is served from it.
    let third = client.fetch_config("org/m").await.unwrap();
    assert_eq!((third.text.as_str(), third.from_cache), (body, true));
}

/// A search whose every page links to a new next page, a little slowly: it never ends.
struct EndlessPages;

impl Respond for EndlessPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "cursor")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        ResponseTemplate::new(200)
            .insert_header(
                "Link",
                format!("</api/models?cursor={}>; rel=\"next\"", page + 1).as_str(),
            )
            .set_body_json(serde_json::json!([{"id": format!("org/m{page}")}]))
            .set_delay(Duration::from_millis(50))
    }
}

#[tokio::test]
async fn an_endless_listing_costs_one_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/models"))
        .respond_with(EndlessPages)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&server.uri(), cache.path());
    config.limits.source_deadline = Duration::from_millis(500);
    let client = HfClient::new(config).unwrap();
    let err = client
        .list_models(&ModelQuery::default())
        .await
        .unwrap_err();
    // Pages are 50 ms apart: a 0.5 s deadline lets about ten through, never hundreds.
    let pages = server.received_requests().await.unwrap().len();
    assert!((1..=12).contains(&pages), "{pages} pages");
    assert!(matches!(err, HfError::DeadlineExceeded { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("gave up on the model search (")
            && err
                .to_string()
                .ends_with(") after 0.5 s, the total time allowed"),
        "{err}"
    );
}

/// A server that streams an endless chunked body (no `Content-Length`, so the cap cannot be
/// checked up front) and counts what it managed to send before the client hung up.
pub fn endless_chunked_server() -> (String, std::sync::mpsc::Receiver<u64>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let (sent_tx, sent_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Repo-Commit: {}\r\nETag: \"e1\"\r\nTransfer-Encoding: chunked\r\n\r\n",
            "c".repeat(40)
        );
        let mut sent = 0u64;
        if stream.write_all(head.as_bytes()).is_ok() {
            let chunk = vec![b' '; 64 << 10];
            let frame = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            // Up to 1 GiB, unless the client stops reading first.
            while sent < (1 << 30) && stream.write_all(&frame).is_ok() {
                sent += frame.len() as u64;
            }
        }
        let _ = sent_tx.send(sent);
    });
    (endpoint, sent_rx)
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap_while_streaming() {
    let (endpoint, sent) = endless_chunked_server();
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&endpoint, cache.path());
    config.limits.max_file_bytes = 1 << 20;
    let client = HfClient::new(config).unwrap();
    let err = client.fetch_config("org/endless").await.unwrap_err();
    assert!(
        matches!(err, HfError::TooLarge { limit: 1048576, .. }),
        "{err:?}"
    );
    drop(client);
    // Wait without blocking the runtime (the connection is closed by its task); the server
    // stops on its own at 1 GiB, so this wait ends either way.
    let sent = tokio::task::spawn_blocking(move || sent.recv())
        .await
        .unwrap()
        .expect("the server reports what it sent");
    // The client read about 1 MiB; socket buffers hold a few more. Never the whole gigabyte.
    assert!(sent < 64 << 20, "{sent} bytes sent");
}
