//! The wire: one HTTP exchange with the Hub and the rules around it.
//!
//! - Retries as the official client does them: 408/500/502/503/504, timeouts and broken
//!   transfers are retried with doubling backoff, at most `max_tries` attempts in all. A refused
//!   connection or a failed DNS lookup is not: it fails on the first try (retrying only adds
//!   silence).
//! - A 429 waits as long as `RateLimit` / `Retry-After` ask (up to `max_rate_limit_wait`), all
//!   such waits of the run together within the client's wait budget; waits do not count
//!   against the deadlines.
//! - A metadata request ([`Call::Metadata`]) is sent once with the ETag timeout: its caller has
//!   a cached answer to fall back on.
//! - Bounded: a body is streamed and stopped at its cap (`Limits`), a request with all its
//!   retries has one deadline, a `Link`-paginated listing has a deadline and caps on entries
//!   and pages.
//! - The token goes only to the endpoint's origin and is scrubbed from every message; statuses
//!   and `X-Error-Code` map to [`HfError`]; bodies that are not the JSON expected are
//!   [`BodyError`]s, turned into errors naming the URL.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use reqwest::header::{HeaderMap, CONTENT_TYPE, LINK, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{HfClient, HfError};

/// Why one attempt produced no answer.
enum AttemptError {
    Transport(reqwest::Error),
    TooLarge { limit: u64 },
}

/// How a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// Retried and rate-limit waits as the client's policy says.
    Full,
    /// Once, with the ETag timeout (`HF_HUB_ETAG_TIMEOUT`): the check that a cached file is
    /// current, whose failure the cache answers.
    Metadata,
}

/// A finished exchange: the final status (after redirects), headers and whole body.
pub(super) struct Exchange {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The URL that answered (after redirects).
    pub url: Url,
    pub body: Vec<u8>,
    pub tries: u32,
}

impl Exchange {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What a request was about, for error messages.
pub(super) struct Target<'a> {
    pub repo: &'a str,
    pub revision: &'a str,
    /// The file or folder inside the repo, when the request is about one.
    pub path: &'a str,
}

/// A body that is not what was expected.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyError {
    #[error("expected JSON, got HTML (content-type `{content_type}`)")]
    Html { content_type: String },
    #[error("truncated JSON: {0}")]
    TruncatedJson(serde_json::Error),
    #[error("invalid JSON: {0}")]
    InvalidJson(serde_json::Error),
    #[error("not UTF-8: {0}")]
    NotUtf8(#[from] std::string::FromUtf8Error),
}

impl From<serde_json::Error> for BodyError {
    fn from(err: serde_json::Error) -> Self {
        if err.is_eof() {
            BodyError::TruncatedJson(err)
        } else {
            BodyError::InvalidJson(err)
        }
    }
}

/// What the next step of [`HfClient::exchange_with`] is after one attempt.
enum Step {
    Done(Exchange),
    Wait(Duration),
    /// A wait the Hub asked for with a 429 (not counted against the deadline).
    RateWait(Duration),
}

/// A deadline that moves on by the time the client spends waiting out the Hub's 429s: while
/// the Hub asks the run to wait, no deadline runs.
pub(super) struct Deadline<'c> {
    client: &'c HfClient,
    at: Instant,
    waited_before: u64,
    pub limit: Duration,
}

impl Deadline<'_> {
    pub(super) fn at(&self) -> Instant {
        let waited = self.client.rate_limit_waited_ms() - self.waited_before;
        self.at + Duration::from_millis(waited)
    }

    pub(super) fn passed(&self) -> bool {
        Instant::now() >= self.at()
    }

    /// `work`, unless the deadline passes first.
    pub(super) async fn run<F: Future>(&self, work: F) -> Option<F::Output> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return Some(out),
                () = tokio::time::sleep_until(self.at()) => {
                    if self.passed() {
                        return None;
                    }
                }
            }
        }
    }
}

impl HfClient {
    /// A deadline `limit` from now (see [`Deadline`]).
    pub(super) fn deadline(&self, limit: Duration) -> Deadline<'_> {
        Deadline {
            client: self,
            at: Instant::now() + limit,
            waited_before: self.rate_limit_waited_ms(),
            limit,
        }
    }

    /// Milliseconds this client has spent (or is spending) waiting out 429s.
    fn rate_limit_waited_ms(&self) -> u64 {
        self.inner.rate_limit_waited_ms.load(Ordering::Relaxed)
    }

    /// Takes `wait` out of the run's wait budget; `Err` with what was already waited when it
    /// does not fit.
    fn reserve_wait(&self, wait: Duration) -> Result<(), Duration> {
        let budget = u64::try_from(self.inner.wait_budget.as_millis()).unwrap_or(u64::MAX);
        let wait = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.inner
            .rate_limit_waited_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |waited| {
                waited.checked_add(wait).filter(|total| *total <= budget)
            })
            .map(|_| ())
            .map_err(Duration::from_millis)
    }

    /// [`HfClient::exchange_with`] as [`Call::Full`].
    pub(super) async fn exchange(
        &self,
        repo: &str,
        method: Method,
        url: &Url,
    ) -> Result<Exchange, HfError> {
        self.exchange_with(repo, method, url, Call::Full).await
    }

    /// Sends `method url` until it gets a non-retryable answer or runs out of tries. Returns the
    /// answer whatever its status; only transport failures and exhausted rate limits are errors.
    pub(super) async fn exchange_with(
        &self,
        repo: &str,
        method: Method,
        url: &Url,
        call: Call,
    ) -> Result<Exchange, HfError> {
        let deadline = self.deadline(self.inner.limits.request_deadline);
        let mut backoff = self.inner.retry.initial_backoff;
        let mut tries = 0;
        loop {
            tries += 1;
            let timeout = (call == Call::Metadata).then_some(self.inner.etag_timeout);
            let Some(outcome) = deadline
                .run(self.attempt(method.clone(), url, timeout))
                .await
            else {
                return Err(out_of_time(repo, url, &deadline));
            };
            let wait = match self.next_step(repo, url, call, outcome, tries, backoff)? {
                Step::Done(answer) => return Ok(answer),
                Step::RateWait(wait) => wait,
                Step::Wait(wait) => {
                    if Instant::now() + wait >= deadline.at() {
                        return Err(out_of_time(repo, url, &deadline));
                    }
                    wait
                }
            };
            self.inner.sleep.sleep(wait).await;
            backoff = (backoff * 2).min(self.inner.retry.max_backoff);
        }
    }

    /// What follows one attempt: its answer, a wait before the next try, or an error.
    fn next_step(
        &self,
        repo: &str,
        url: &Url,
        call: Call,
        outcome: Result<Exchange, AttemptError>,
        tries: u32,
        backoff: Duration,
    ) -> Result<Step, HfError> {
        let max_tries = match call {
            Call::Full => self.inner.retry.max_tries.max(1),
            Call::Metadata => 1,
        };
        match outcome {
            Err(AttemptError::TooLarge { limit }) => Err(HfError::TooLarge {
                repo: repo.to_string(),
                url: url.to_string(),
                limit,
            }),
            Err(AttemptError::Transport(err)) => {
                let unreachable = unreachable_reason(&err);
                if tries < max_tries && unreachable.is_none() && is_transient(&err) {
                    tracing::debug!(%url, tries, %err, "retrying after a transport error");
                    return Ok(Step::Wait(backoff));
                }
                let reason = unreachable.unwrap_or_else(|| transport_reason(&err));
                Err(HfError::Transport {
                    repo: repo.to_string(),
                    url: url.to_string(),
                    reason: format!("{reason}, {}", tries_text(tries)),
                    source: err,
                })
            }
            Ok(answer) if answer.status == StatusCode::TOO_MANY_REQUESTS => {
                self.rate_limit_step(repo, &answer, tries, max_tries, backoff)
            }
            Ok(answer) if tries < max_tries && is_retryable_status(answer.status) => {
                tracing::debug!(%url, tries, status = %answer.status, "retrying");
                Ok(Step::Wait(backoff))
            }
            Ok(mut answer) => {
                answer.tries = tries;
                Ok(Step::Done(answer))
            }
        }
    }

    /// A 429: the wait the Hub asks for (else the backoff), if it is within the single-wait cap,
    /// the tries and the run's wait budget.
    fn rate_limit_step(
        &self,
        repo: &str,
        answer: &Exchange,
        tries: u32,
        max_tries: u32,
        backoff: Duration,
    ) -> Result<Step, HfError> {
        let asked = rate_limit_wait(&answer.headers);
        let wait = asked.unwrap_or(backoff);
        let limited = |reason: String| HfError::RateLimited {
            repo: repo.to_string(),
            url: answer.url.to_string(),
            reason,
            retry_after: asked,
        };
        let cap = self.inner.retry.max_rate_limit_wait;
        if wait > cap {
            return Err(limited(format!(
                "the Hub asks to wait {}, more than the {} allowed",
                seconds(wait),
                seconds(cap)
            )));
        }
        if tries >= max_tries {
            return Err(limited(format!(
                "still 429 Too Many Requests after {}",
                tries_text(tries)
            )));
        }
        if let Err(waited) = self.reserve_wait(wait) {
            return Err(limited(format!(
                "the Hub asks to wait {}; this run already waited {} of its {} budget (`TRACK_MODELS_HUB_WAIT_BUDGET`)",
                seconds(wait),
                seconds(waited),
                seconds(self.inner.wait_budget)
            )));
        }
        tracing::info!(url = %answer.url, wait_s = wait.as_secs_f64(), "rate limited by the Hub; waiting");
        Ok(Step::RateWait(wait))
    }

    /// `first` unless it redirects to another host (an LFS file served by a CDN): then the
    /// answer of a `GET` of its `Location`, sent without the token (it is for the Hub only).
    /// The file's metadata (`X-Repo-Commit`, `X-Linked-Etag`) stays in `first`, as
    /// huggingface_hub reads it.
    pub(super) async fn follow_other_host(
        &self,
        repo: &str,
        first: &Exchange,
    ) -> Result<Option<Exchange>, HfError> {
        if !first.status.is_redirection() {
            return Ok(None);
        }
        let Some(location) = first
            .header("location")
            .and_then(|l| first.url.join(l).ok())
        else {
            return Ok(None);
        };
        Ok(Some(self.exchange(repo, Method::GET, &location).await?))
    }

    /// One request and its whole body (streamed, stopped at the cap for its kind), holding one
    /// of the client's in-flight permits.
    async fn attempt(
        &self,
        method: Method,
        url: &Url,
        timeout: Option<Duration>,
    ) -> Result<Exchange, AttemptError> {
        // The semaphore is never closed, so acquiring only fails if that changes.
        let _permit = self.inner.in_flight.acquire().await.ok();
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.inner.http.request(method.clone(), url.clone());
        if let Some(token) = self.token_for(url) {
            request = request.bearer_auth(token);
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        tracing::debug!(%method, %url, "hf request");
        let mut response = request.send().await.map_err(AttemptError::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        // The asked URL says what it is; a redirect may lead to a CDN path.
        let limit = if url.path().contains("/resolve/") {
            self.inner.limits.max_file_bytes
        } else {
            self.inner.limits.max_api_bytes
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(AttemptError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(AttemptError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(%method, %url, %status, bytes = body.len(), "hf response");
        Ok(Exchange {
            status,
            headers,
            url: final_url,
            body,
            tries: 1,
        })
    }

    /// The answer if it is a success, else the error its status and `X-Error-Code` mean.
    pub(super) fn success(
        &self,
        target: &Target<'_>,
        answer: Exchange,
    ) -> Result<Exchange, HfError> {
        if answer.status.is_success() {
            Ok(answer)
        } else {
            Err(self.status_error(target, &answer))
        }
    }

    pub(super) fn status_error(&self, target: &Target<'_>, answer: &Exchange) -> HfError {
        let repo = target.repo.to_string();
        let url = answer.url.to_string();
        let mut reason = answer.status.to_string();
        if answer.tries > 1 {
            reason.push_str(&format!(" after {} tries", answer.tries));
        }
        if let Some(message) = self.server_message(answer) {
            reason.push_str(": ");
            reason.push_str(&message);
        }
        match answer.header("x-error-code") {
            Some("GatedRepo") => HfError::Gated { repo, url, reason },
            Some("RepoNotFound") => HfError::RepoNotFound { repo, url, reason },
            Some("EntryNotFound") => HfError::EntryNotFound {
                repo,
                path: target.path.to_string(),
                url,
                reason,
            },
            Some("RevisionNotFound") => HfError::RevisionNotFound {
                repo,
                revision: target.revision.to_string(),
                url,
                reason,
            },
            _ if answer.status == StatusCode::UNAUTHORIZED
                && reason.to_ascii_lowercase().contains("invalid credentials") =>
            {
                HfError::BadToken { repo, url, reason }
            }
            _ if answer.status == StatusCode::UNAUTHORIZED => {
                HfError::MissingOrPrivate { repo, url, reason }
            }
            _ => HfError::Http {
                repo,
                url,
                status: answer.status.as_u16(),
                reason,
            },
        }
    }

    /// `X-Error-Message`, else `{"error": …}`, else the body text (not HTML), shortened and with
    /// the token scrubbed.
    fn server_message(&self, answer: &Exchange) -> Option<String> {
        let text = if let Some(message) = answer.header("x-error-message") {
            message.to_string()
        } else if let Ok(serde_json::Value::Object(map)) =
            serde_json::from_slice::<serde_json::Value>(&answer.body)
        {
            match map.get("error") {
                Some(serde_json::Value::String(error)) => error.clone(),
                Some(other) => other.to_string(),
                None => return None,
            }
        } else if looks_like_html(answer) {
            return None;
        } else {
            String::from_utf8_lossy(&answer.body).into_owned()
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return None;
        }
        Some(shorten(&self.scrub(&text), 300))
    }

    /// Decodes a JSON body; HTML and truncated JSON become errors naming the URL.
    pub(super) fn json<T: DeserializeOwned>(
        &self,
        target: &Target<'_>,
        answer: &Exchange,
    ) -> Result<T, HfError> {
        // Syntax first (a truncated or malformed body says so), then the shape.
        check_json(answer)
            .and_then(|()| Ok(serde_json::from_slice(&answer.body)?))
            .map_err(|err| self.invalid_body(target.repo, answer, &err))
    }

    /// [`HfError::InvalidResponse`] for `answer`'s URL, the reason scrubbed of the token.
    pub(super) fn invalid_body(&self, repo: &str, answer: &Exchange, err: &BodyError) -> HfError {
        HfError::InvalidResponse {
            repo: repo.to_string(),
            url: answer.url.to_string(),
            reason: self.scrub(&err.to_string()),
        }
    }

    /// GETs `first` and every `Link: rel="next"` page after it, until there is none or `enough`
    /// items were collected. A listing that goes past the client's caps on entries or pages,
    /// or loops back to a page it has seen, fails naming the URL.
    pub(super) async fn get_pages<T: DeserializeOwned>(
        &self,
        target: &Target<'_>,
        first: Url,
        enough: usize,
    ) -> Result<Vec<T>, HfError> {
        let limits = self.inner.limits;
        let too_long = |reason: String| HfError::ListingTooLong {
            repo: target.repo.to_string(),
            url: first.to_string(),
            reason,
        };
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut url = first.clone();
        // All pages together get one deadline: a listing that never ends costs at most that.
        let deadline = self.deadline(limits.source_deadline);
        loop {
            if deadline.passed() {
                return Err(out_of_time(target.repo, &url, &deadline));
            }
            if seen.len() >= limits.max_listing_pages {
                return Err(too_long(format!(
                    "more than {} pages (next: {url}); the listing was not used",
                    limits.max_listing_pages
                )));
            }
            seen.insert(url.to_string());
            let answer = self.exchange(target.repo, Method::GET, &url).await?;
            let answer = self.success(target, answer)?;
            let page: Vec<T> = self.json(target, &answer)?;
            items.extend(page);
            if items.len() >= enough {
                break;
            }
            if items.len() > limits.max_listing_entries {
                return Err(too_long(format!(
                    "more than {} entries after {} pages; the listing was not used",
                    limits.max_listing_entries,
                    seen.len()
                )));
            }
            let Some(next) = next_link(&answer.headers, &answer.url) else {
                break;
            };
            if seen.contains(next.as_str()) {
                return Err(HfError::InvalidResponse {
                    repo: target.repo.to_string(),
                    url: answer.url.to_string(),
                    reason: format!("pagination loops back to {next}"),
                });
            }
            url = next;
        }
        Ok(items)
    }

    /// `{endpoint}/{path_and_query}`; `repo` only names the error.
    pub(super) fn url(&self, repo: &str, path: &str) -> Result<Url, HfError> {
        let text = format!("{}/{path}", self.inner.endpoint);
        Url::parse(&text).map_err(|err| HfError::InvalidResponse {
            repo: repo.to_string(),
            url: text.clone(),
            reason: format!("cannot build the request URL: {err}"),
        })
    }

    /// The token, if `url` is on the endpoint's origin (a `Link` to another host gets none).
    fn token_for(&self, url: &Url) -> Option<&str> {
        let endpoint = &self.inner.endpoint_url;
        let same_origin = url.scheme() == endpoint.scheme()
            && url.host_str() == endpoint.host_str()
            && url.port_or_known_default() == endpoint.port_or_known_default();
        self.inner.token.as_deref().filter(|_| same_origin)
    }

    /// `text` with the token (if any) replaced, for anything that may end up in a message.
    pub(super) fn scrub(&self, text: &str) -> String {
        match self.inner.token.as_deref() {
            Some(token) if text.contains(token) => text.replace(token, "<redacted>"),
            _ => text.to_string(),
        }
    }
}

fn out_of_time(repo: &str, url: &Url, deadline: &Deadline<'_>) -> HfError {
    HfError::DeadlineExceeded {
        repo: repo.to_string(),
        url: url.to_string(),
        deadline: deadline.limit,
    }
}

/// Checks that a body is whole JSON without decoding it into anything.
fn check_json(answer: &Exchange) -> Result<(), BodyError> {
    check_html(answer)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body)?;
    Ok(())
}

/// An HTML page where JSON was expected (a login wall, a proxy's error page).
pub(super) fn check_html(answer: &Exchange) -> Result<(), BodyError> {
    if looks_like_html(answer) {
        let content_type = answer.header(CONTENT_TYPE.as_str()).unwrap_or("none");
        return Err(BodyError::Html {
            content_type: content_type.to_string(),
        });
    }
    Ok(())
}

/// Whole JSON text (truncated or malformed is an error).
pub(super) fn check_json_text(text: &str) -> Result<(), BodyError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)?;
    Ok(())
}

fn looks_like_html(answer: &Exchange) -> bool {
    let html_type = answer
        .header(CONTENT_TYPE.as_str())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html"));
    html_type || answer.body.trim_ascii_start().starts_with(b"<")
}

pub(super) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn is_transient(err: &reqwest::Error) -> bool {
    err.is_timeout() || err.is_connect() || err.is_request() || err.is_body()
}

/// A failure that another try will not fix soon: the host name does not resolve, or nothing
/// listens at the address (hyper's connector says `dns error` / the OS says refused).
fn unreachable_reason(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut source = Some(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return Some("connection refused");
            }
        }
        if cause.to_string() == "dns error" {
            return Some("DNS lookup failed");
        }
        source = cause.source();
    }
    None
}

fn transport_reason(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_redirect() {
        "too many redirects"
    } else {
        "transfer failed"
    }
}

fn tries_text(tries: u32) -> String {
    if tries == 1 {
        "1 try".to_string()
    } else {
        format!("{tries} tries")
    }
}

/// `300 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs} s")
    } else {
        format!("{secs:.1} s")
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504)
}

/// How long a 429 asks to wait: `RateLimit: "api";r=0;t=<s>` means `t + 1` seconds,
/// `Retry-After: <s>` means `s`; when both are present the longer wins.
pub(super) fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let from_rate_limit = header(headers, "ratelimit").and_then(|value| {
        let mut remaining = None;
        let mut reset = None;
        for part in value.split(';').map(str::trim) {
            if let Some(r) = part.strip_prefix("r=") {
                remaining = r.trim().parse::<u64>().ok();
            } else if let Some(t) = part.strip_prefix("t=") {
                reset = t.trim().parse::<u64>().ok();
            }
        }
        match (remaining, reset) {
            (Some(0) | None, Some(t)) => Some(Duration::from_secs(t.saturating_add(1))),
            _ => None,
        }
    });
    let from_retry_after = header(headers, RETRY_AFTER.as_str())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    from_rate_limit.max(from_retry_after)
}

/// The `rel="next"` target of a `Link` header, resolved against the page's URL (absolute
/// targets are taken verbatim).
pub(super) fn next_link(headers: &HeaderMap, base: &Url) -> Option<Url> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(parse_link_header)
        .find(|(_, rels)| rels.split_ascii_whitespace().any(|rel| rel == "next"))
        .and_then(|(target, _)| base.join(&target).ok())
}

/// `<a>; rel="next", <b>; rel="last"` → `[(a, "next"), (b, "last")]`. Commas inside `<…>` or
/// quotes do not split entries.
fn parse_link_header(value: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let target = after[..close].to_string();
        let params_start = &after[close + 1..];
        // The parameters run to the first comma outside quotes.
        let mut in_quotes = false;
        let mut end = params_start.len();
        for (i, c) in params_start.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &params_start[..end];
        let rel = params
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("rel="))
            .map(|r| r.trim().trim_matches('"').to_string())
            .next()
            .unwrap_or_default();
        links.push((target, rel));
        rest = &params_start[end..];
    }
    links
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn link_header_with_several_relations() {
        let links = parse_link_header(
            r#"<https://h/api/x?cursor=a,b&limit=2>; rel="next", <https://h/api/x?p=9>; rel="last""#,
        );
        assert_eq!(
            links,
            vec![
                (
                    "https://h/api/x?cursor=a,b&limit=2".to_string(),
                    "next".to_string()
                ),
                ("https://h/api/x?p=9".to_string(), "last".to_string()),
            ]
        );
    }

    #[test]
    fn relative_next_link_resolves_against_the_page() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(r#"</api/x?cursor=2>; rel="next""#),
        );
        let base = Url::parse("http://127.0.0.1:9/api/x?cursor=1").unwrap();
        assert_eq!(
            next_link(&headers, &base).unwrap().as_str(),
            "http://127.0.0.1:9/api/x?cursor=2"
        );
    }

    /// Errors shaped like hyper's connector's: a message wrapping the cause.
    #[derive(Debug)]
    struct Wrapped(&'static str, Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.1)
        }
    }

    #[test]
    fn refused_connections_and_dns_failures_are_unreachable() {
        let refused = Wrapped(
            "client error (Connect)",
            Box::new(Wrapped(
                "tcp connect error",
                Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            )),
        );
        assert_eq!(unreachable_reason(&refused), Some("connection refused"));
        let dns = Wrapped(
            "client error (Connect)",
            Box::new(Wrapped(
                "dns error",
                Box::new(std::io::Error::other(
                    "failed to lookup address information",
                )),
            )),
        );
        assert_eq!(unreachable_reason(&dns), Some("DNS lookup failed"));
        let reset = Wrapped(
            "client error (SendRequest)",
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        );
        assert_eq!(unreachable_reason(&reset), None);
    }

    #[test]
    fn rate_limit_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit", HeaderValue::from_static(r#""api";r=0;t=55"#));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(56)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("90"));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(90)));
        headers.insert("ratelimit", HeaderValue::from_static(r#""api";r=12;t=55"#));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(90)));
        assert_eq!(rate_limit_wait(&HeaderMap::new()), None);
    }
}
