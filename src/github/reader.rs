//! The budgeted GitHub REST reader: day-0's commit walk ([`crate::discover`]) and the
//! repository reader ([`crate::sources::github_repo`]) read through it. It runs on the same
//! octocrab client as publishing ([`super::client`]): the token (when set) only as
//! `Authorization`, our user agent, `X-GitHub-Api-Version`. On top of it every call counts
//! exactly one request against a budget, has one deadline for the answer and its body, and
//! refuses a body over its cap while streaming it (an oversized answer is never held whole);
//! `Link` pages are followed by URL. The token is never logged (only the URL is, at debug
//! level).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_LENGTH, LINK, RETRY_AFTER};
use http::StatusCode;
use http_body_util::BodyExt;
use octocrab::Octocrab;

use super::client::{error_text, Timeouts};
use super::rate_limit::{LimitKind, RateLimit, Waits};
use crate::date::Date;

/// The shared thin GitHub REST reader: day-0 here, and the repository reader of
/// [`crate::sources::github_repo`]. Every call counts against `budget`.
pub(crate) struct GithubApi<'a> {
    client: Octocrab,
    /// Without a trailing `/`.
    pub base: &'a str,
    pub budget: u32,
    pub used: u32,
    /// For one request: its answer and its whole body.
    timeout: Duration,
    /// Rate-limit waits, from the run's budget ([`Waits::for_run`]).
    waits: Waits,
}

/// One request's failure: a rate limit may be waited for, anything else is final.
enum Attempt {
    Limited(RateLimit, String),
    Failed(Failure),
}

impl From<Failure> for Attempt {
    fn from(failure: Failure) -> Self {
        Attempt::Failed(failure)
    }
}

pub(crate) enum Failure {
    Budget,
    Failed(String),
}

pub(crate) struct Page {
    pub body: Vec<u8>,
    pub next: Option<String>,
}

/// Largest response body read by [`GithubApi::get`] (a commit with its file list).
const MAX_BODY: usize = 8 << 20;

impl<'a> GithubApi<'a> {
    /// A reader of the API at `base` (no trailing `/`), at most `budget` requests of at most
    /// `timeout` each. Fails only when the client cannot be built (the system's root
    /// certificates unreadable, a URL that is not one).
    pub(crate) fn new(
        base: &'a str,
        token: Option<&str>,
        timeout: Duration,
        budget: u32,
    ) -> anyhow::Result<Self> {
        let timeouts = Timeouts {
            connect: timeout.min(Duration::from_secs(10)),
            read: timeout,
            write: timeout,
        };
        Ok(GithubApi {
            client: super::client::octocrab(base, token, timeouts)?,
            base,
            budget,
            used: 0,
            timeout,
            waits: Waits::for_run()?,
        })
    }

    /// Rate-limit waits other than the run's (tests inject the sleep).
    #[cfg(test)]
    fn with_waits(mut self, waits: Waits) -> Self {
        self.waits = waits;
        self
    }

    pub(crate) async fn get(&mut self, url: &str, accept: &str) -> Result<Page, Failure> {
        self.get_capped(url, accept, MAX_BODY).await
    }

    /// Like [`GithubApi::get`], refusing bodies over `max_bytes` (checked while reading, so an
    /// oversized answer is never held whole). A rate-limited answer (primary or secondary, as
    /// GitHub answers them) is waited for and asked again while the run's wait budget and
    /// this reader's request budget allow; a transport failure is final at once.
    pub(crate) async fn get_capped(
        &mut self,
        url: &str,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Page, Failure> {
        let mut attempt = 0;
        loop {
            match self.get_once(url, accept, max_bytes).await {
                Ok(page) => return Ok(page),
                Err(Attempt::Failed(failure)) => return Err(failure),
                Err(Attempt::Limited(limit, text)) => {
                    let wait = (self.used < self.budget)
                        .then(|| self.waits.next_wait(&limit, attempt))
                        .flatten();
                    let Some(wait) = wait else {
                        return Err(Failure::Failed(text));
                    };
                    tracing::warn!(
                        "`GET {url}`: {}; waiting {} s before trying again",
                        limit.describe(),
                        wait.as_secs()
                    );
                    self.waits.sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn get_once(
        &mut self,
        url: &str,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Page, Attempt> {
        if self.used >= self.budget {
            return Err(Failure::Budget.into());
        }
        self.used += 1;
        fetch(&self.client, self.timeout, url, accept, max_bytes).await
    }

    /// A view of this reader for concurrent calls (`&self`), sharing its budget and its
    /// rate-limit waits; the requests it makes are added to [`GithubApi::used`] when it is
    /// dropped.
    pub(crate) fn shared(&mut self) -> SharedApi<'_, 'a> {
        let used = AtomicU32::new(self.used);
        SharedApi { api: self, used }
    }
}

/// [`GithubApi`] for concurrent calls: the same client, deadline, budget and waits.
pub(crate) struct SharedApi<'s, 'a> {
    api: &'s mut GithubApi<'a>,
    used: AtomicU32,
}

impl SharedApi<'_, '_> {
    /// [`GithubApi::get_capped`] through `&self`: the budget taken atomically, a rate limit
    /// waited for as there.
    pub(crate) async fn get_capped(
        &self,
        url: &str,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Page, Failure> {
        let mut attempt = 0;
        loop {
            let budget = self.api.budget;
            let taken = self
                .used
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                    (used < budget).then_some(used + 1)
                });
            if taken.is_err() {
                return Err(Failure::Budget);
            }
            let once = fetch(&self.api.client, self.api.timeout, url, accept, max_bytes).await;
            match once {
                Ok(page) => return Ok(page),
                Err(Attempt::Failed(failure)) => return Err(failure),
                Err(Attempt::Limited(limit, text)) => {
                    let left = self.used.load(Ordering::SeqCst) < budget;
                    let wait = left.then(|| self.api.waits.next_wait(&limit, attempt));
                    let Some(wait) = wait.flatten() else {
                        return Err(Failure::Failed(text));
                    };
                    tracing::warn!(
                        "`GET {url}`: {}; waiting {} s before trying again",
                        limit.describe(),
                        wait.as_secs()
                    );
                    self.api.waits.sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

impl Drop for SharedApi<'_, '_> {
    fn drop(&mut self) {
        self.api.used = self.used.load(Ordering::SeqCst);
    }
}

/// One request: its answer and whole body within `timeout`, the body refused over `max_bytes`
/// while streaming; a rate-limited answer is [`Attempt::Limited`].
async fn fetch(
    client: &Octocrab,
    timeout: Duration,
    url: &str,
    accept: &str,
    max_bytes: usize,
) -> Result<Page, Attempt> {
    tracing::debug!(url, "github request");
    let deadline = tokio::time::Instant::now() + timeout;
    let timed_out = || format!("timed out after {} s", timeout.as_secs_f64());
    let mut headers = HeaderMap::new();
    let accept = HeaderValue::from_str(accept)
        .map_err(|_| Failure::Failed(format!("`GET {url}`: invalid Accept `{accept}`")))?;
    headers.insert(ACCEPT, accept);
    let sent = client._get_with_headers(url, Some(headers));
    let response = match tokio::time::timeout_at(deadline, sent).await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => {
            return Err(Failure::Failed(format!(
                "cannot reach `{url}`: {}",
                without_url(&err, url)
            ))
            .into())
        }
        Err(_) => {
            return Err(Failure::Failed(format!("cannot reach `{url}`: {}", timed_out())).into())
        }
    };
    let (parts, mut body) = response.into_parts();
    let too_big = || {
        Failure::Failed(format!(
            "`GET {url}`: the answer is larger than {max_bytes} bytes; not read"
        ))
    };
    let length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if length.is_some_and(|length| length > max_bytes as u64) {
        return Err(too_big().into());
    }
    let broken = |why: String| Failure::Failed(format!("`GET {url}`: broken body: {why}"));
    let mut bytes = Vec::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(err))) => return Err(broken(without_url(&err, url)).into()),
            Ok(None) => break,
            Err(_) => return Err(broken(timed_out()).into()),
        };
        if let Ok(chunk) = frame.into_data() {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(too_big().into());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    if !parts.status.is_success() {
        let text = status_problem(url, parts.status, &parts.headers, &bytes);
        let limit = RateLimit::classify(parts.status.as_u16(), &parts.headers, &text);
        return Err(match limit {
            Some(limit) => Attempt::Limited(limit, text),
            None => Failure::Failed(text).into(),
        });
    }
    Ok(Page {
        next: next_link(&parts.headers),
        body: bytes,
    })
}

/// Why an answer's body is not the JSON expected.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    #[error("invalid JSON: {0}")]
    Syntax(serde_json::Error),
    #[error("unexpected JSON: {0}")]
    Shape(serde_json::Error),
}

/// JSON syntax first, then shape, so each kind of breakage gets its own message.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(DecodeError::Syntax)?;
    serde_json::from_value(value).map_err(DecodeError::Shape)
}

/// `"<status>"` plus GitHub's `message`, and the wait when rate limited.
fn status_problem(url: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut text = format!("`GET {url}` answered {status}");
    let message = match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => map
            .get("message")
            .and_then(|m| m.as_str())
            .map(|m| m.chars().take(200).collect::<String>()),
        _ => None,
    };
    let limit = RateLimit::classify(status.as_u16(), headers, message.as_deref().unwrap_or(""));
    if let Some(limit) = limit {
        text.push_str(match limit.kind {
            LimitKind::Secondary => " (rate limited: secondary rate limit",
            LimitKind::Primary | LimitKind::Other => " (rate limited",
        });
        if let Some(wait) = header(RETRY_AFTER.as_str()) {
            text.push_str(&format!(", retry after {wait} s"));
        } else if let Some(reset) = header("x-ratelimit-reset").and_then(|r| r.parse::<i64>().ok())
        {
            text.push_str(&format!(", resets at {}", Date::from_unix_seconds(reset)));
        }
        text.push(')');
    }
    if let Some(message) = message {
        text.push_str(": ");
        text.push_str(&crate::ident::echo(&message));
    }
    text
}

/// The `rel="next"` target of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("rel="))
                .any(|rel| {
                    rel.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
                })
                .then(|| target.to_string())
        })
}

/// An error's text, each cause once, without the URL it may embed (the caller names the URL
/// once).
pub(crate) fn without_url(err: &(dyn std::error::Error + 'static), url: &str) -> String {
    error_text(err)
        .replace(&format!(" ({url})"), "")
        .replace(url, "…")
}

#[cfg(test)]
mod tests {
    //! The reader against loopback servers: what it sends with and without a token, one
    //! request per call, `Link` pages by URL, the body cap while streaming, the deadline.

    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const ACCEPT_JSON: &str = "application/vnd.github+json";

    fn failed(result: Result<Page, Failure>) -> String {
        match result {
            Ok(_) => panic!("expected a failure"),
            Err(Failure::Budget) => "budget".to_string(),
            Err(Failure::Failed(why)) => why,
        }
    }

    #[tokio::test]
    async fn without_a_token_no_authorization_and_one_request_per_call() {
        let server = MockServer::start().await;
        let base = server.uri();
        let next = format!("{base}/repositories/1/commits?page=2");
        Mock::given(method("GET"))
            .and(path("/repos/o/r/commits"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Link", format!("<{next}>; rel=\"next\"").as_str())
                    .set_body_string("[1]"),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repositories/1/commits"))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[2]"))
            .expect(1)
            .mount(&server)
            .await;
        let mut api = GithubApi::new(&base, None, Duration::from_secs(5), 2).unwrap();

        let first = api
            .get(&format!("{base}/repos/o/r/commits"), ACCEPT_JSON)
            .await
            .ok()
            .unwrap();
        assert_eq!(first.body, b"[1]");
        assert_eq!(first.next.as_deref(), Some(next.as_str()));
        let second = api.get(&next, ACCEPT_JSON).await.ok().unwrap();
        assert_eq!((second.body.as_slice(), second.next), (&b"[2]"[..], None));
        assert_eq!(api.used, 2);
        assert_eq!(failed(api.get(&next, ACCEPT_JSON).await), "budget");

        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2, "the budget stopped the third call");
        for request in &requests {
            let values = |name: &str| -> Vec<String> {
                request
                    .headers
                    .get_all(name)
                    .iter()
                    .map(|v| v.to_str().unwrap().to_string())
                    .collect()
            };
            assert_eq!(values("authorization"), Vec::<String>::new());
            assert_eq!(values("user-agent"), [crate::github::USER_AGENT]);
            assert_eq!(values("x-github-api-version"), ["2022-11-28"]);
            assert_eq!(values("accept"), [ACCEPT_JSON]);
        }
    }

    #[tokio::test]
    async fn the_token_goes_to_the_api_host_only_and_a_redirect_is_one_call() {
        let elsewhere = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/moved"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .expect(1)
            .mount(&elsewhere)
            .await;
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("Location", format!("{}/moved", elsewhere.uri()).as_str()),
            )
            .expect(1)
            .mount(&server)
            .await;
        let base = server.uri();
        let token = "ghp_TopSecretReaderToken";
        let mut api = GithubApi::new(&base, Some(token), Duration::from_secs(5), 5).unwrap();

        let page = api
            .get(&format!("{base}/repos/o/r"), ACCEPT_JSON)
            .await
            .ok()
            .unwrap();
        assert_eq!(page.body, b"{}");
        assert_eq!(api.used, 1);
        let asked = server.received_requests().await.unwrap();
        assert_eq!(
            asked[0].headers.get("authorization").unwrap(),
            &format!("Bearer {token}")
        );
        let moved = elsewhere.received_requests().await.unwrap();
        assert_eq!(moved.len(), 1);
        assert!(moved[0].headers.get("authorization").is_none());
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_refused_by_its_length() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r/git/trees/main"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(5000)))
            .mount(&server)
            .await;
        let base = server.uri();
        let url = format!("{base}/repos/o/r/git/trees/main");
        let mut api = GithubApi::new(&base, None, Duration::from_secs(5), 5).unwrap();
        assert_eq!(
            failed(api.get_capped(&url, ACCEPT_JSON, 4096).await),
            format!("`GET {url}`: the answer is larger than 4096 bytes; not read")
        );
        assert_eq!(api.used, 1);
    }

    /// A chunked answer without a length that never ends: the reader stops at the cap, so the
    /// server manages to send only what the socket buffers hold, not the 64 MiB it offers, and
    /// then finds the connection closed (rather than waiting on a reader that has gone).
    #[tokio::test]
    async fn an_endless_body_is_refused_while_streaming() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&sent);
        // The kind of write error that stopped the server; `None`: it sent everything.
        let server = std::thread::spawn(move || -> Option<std::io::ErrorKind> {
            let (mut socket, _) = listener.accept().unwrap();
            // Only against a hang: a connection left open stops the server here, with
            // another error kind than a closed one.
            socket
                .set_write_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          transfer-encoding: chunked\r\n\r\n";
            socket.write_all(answer.as_bytes()).unwrap();
            let chunk = [b"400\r\n".as_slice(), &[b'x'; 1024], b"\r\n"].concat();
            for _ in 0..64 * 1024 {
                if let Err(error) = socket.write_all(&chunk) {
                    return Some(error.kind());
                }
                counter.fetch_add(1024, Ordering::SeqCst);
            }
            None
        });
        let url = format!("{base}/repos/o/r/contents/big");
        let mut api = GithubApi::new(&base, None, Duration::from_secs(20), 5).unwrap();
        assert_eq!(
            failed(api.get_capped(&url, ACCEPT_JSON, 4096).await),
            format!("`GET {url}`: the answer is larger than 4096 bytes; not read")
        );
        drop(api);
        // Joined off the runtime, which must stay free to close the connection.
        let stopped = tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap();
        use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
        assert!(
            matches!(stopped, Some(BrokenPipe | ConnectionReset)),
            "the connection stayed open: the server stopped with {stopped:?}"
        );
        let sent = sent.load(Ordering::SeqCst);
        assert!(sent < 16 << 20, "the server sent {sent} bytes");
    }

    /// A secondary limit as GitHub sends it (403, no `retry-after`, requests remaining): named
    /// as a rate limit, waited a minute, then doubled, within the request and wait budgets.
    #[tokio::test]
    async fn a_secondary_rate_limit_is_waited_for_within_the_budgets() {
        let server = MockServer::start().await;
        let limited = ResponseTemplate::new(403)
            .insert_header("x-ratelimit-remaining", "4321")
            .set_body_string(
                r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
            );
        Mock::given(method("GET"))
            .and(path("/repos/o/r"))
            .respond_with(limited.clone())
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/o/r"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&server)
            .await;
        let base = server.uri();
        let url = format!("{base}/repos/o/r");
        let (waits, slept) = crate::github::rate_limit::recording(Duration::from_secs(600));
        let mut api = GithubApi::new(&base, None, Duration::from_secs(5), 5)
            .unwrap()
            .with_waits(waits);
        let page = api.get(&url, ACCEPT_JSON).await.ok().unwrap();
        assert_eq!(page.body, b"{}");
        assert_eq!(api.used, 3);
        assert_eq!(
            *slept.lock().unwrap(),
            [Duration::from_secs(60), Duration::from_secs(120)]
        );

        // Out of wait budget: the answer is the failure, named as a secondary limit.
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(limited)
            .mount(&server)
            .await;
        let base = server.uri();
        let url = format!("{base}/repos/o/r");
        let (waits, slept) = crate::github::rate_limit::recording(Duration::from_secs(100));
        let mut api = GithubApi::new(&base, None, Duration::from_secs(5), 5)
            .unwrap()
            .with_waits(waits);
        assert_eq!(
            failed(api.get(&url, ACCEPT_JSON).await),
            format!(
                "`GET {url}` answered 403 Forbidden (rate limited: secondary rate limit): You \
                 have exceeded a secondary rate limit. Please wait a few minutes before you try \
                 again."
            )
        );
        assert_eq!(api.used, 2);
        assert_eq!(*slept.lock().unwrap(), [Duration::from_secs(60)]);
    }

    /// A refused connection is one attempt and no wait, whatever the budgets.
    #[tokio::test]
    async fn a_refused_connection_fails_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let (waits, slept) = crate::github::rate_limit::recording(Duration::from_secs(600));
        let mut api = GithubApi::new(&closed, None, Duration::from_secs(5), 5)
            .unwrap()
            .with_waits(waits);
        let why = failed(api.get(&format!("{closed}/repos/o/r"), ACCEPT_JSON).await);
        assert!(why.contains("Connection refused"), "{why}");
        assert_eq!(api.used, 1);
        assert!(slept.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn one_deadline_per_request_and_unreachable_hosts_named_once() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let base = server.uri();
        let url = format!("{base}/slow");
        let mut api = GithubApi::new(&base, None, Duration::from_millis(300), 5).unwrap();
        // Without the deadline the answer would come (a success) after the server's delay.
        let why = failed(api.get(&url, ACCEPT_JSON).await);
        assert_eq!(why, format!("cannot reach `{url}`: timed out after 0.3 s"));
        // One request, no second try with a deadline of its own.
        assert_eq!(api.used, 1);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let url = format!("{closed}/repos/o/r");
        let mut api = GithubApi::new(&closed, None, Duration::from_secs(5), 5).unwrap();
        let why = failed(api.get(&url, ACCEPT_JSON).await);
        assert!(why.starts_with(&format!("cannot reach `{url}`: ")), "{why}");
        assert_eq!(why.matches(&closed).count(), 1, "{why}");
        assert!(why.contains("Connection refused"), "{why}");
    }
}
