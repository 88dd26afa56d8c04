//! One HTTP exchange with the Hub, with the retry rules of the official client: 408/500/502/
//! 503/504 and timeouts or connection failures are retried with doubling backoff; 429 waits as
//! long as `RateLimit`/`Retry-After` ask, up to a cap; at most `max_tries` attempts. Also the
//! mapping of `X-Error-Code` to [`HfError`], JSON decoding with errors that name the URL, and
//! `Link: <…>; rel="next"` pagination.
//!
//! Bounded: a body is streamed chunk by chunk and stopped at a cap ([`Limits`]: a few MiB for a
//! file such as `config.json`, more for an API listing page), and a request with all its
//! retries and waits has one total deadline, so a slow server costs at most that, not
//! `max_tries` × the per-try timeout.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use reqwest::header::{HeaderMap, CONTENT_TYPE, LINK, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{HfClient, HfError};

/// Size caps and total deadlines of the Hub client.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body read for a repo file (`…/resolve/…`, such as `config.json`).
    pub max_file_bytes: u64,
    /// Largest body read for an API answer (a listing page, model info, a search).
    pub max_api_bytes: u64,
    /// Total time for one request, all retries and waits included.
    pub request_deadline: Duration,
    /// Total time for everything one model's `config.json` needs (metadata, then the file).
    pub model_deadline: Duration,
    /// Total time for every page of one listing (a dataset tree, a model search).
    pub source_deadline: Duration,
}

impl Default for Limits {
    /// 8 MiB per file (real configs are a few KiB), 64 MiB per API answer, 60 s per request,
    /// 90 s per model, 300 s per listing.
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_api_bytes: 64 << 20,
            request_deadline: Duration::from_secs(60),
            model_deadline: Duration::from_secs(90),
            source_deadline: Duration::from_secs(300),
        }
    }
}

/// Why one attempt produced no answer.
enum AttemptError {
    Transport(reqwest::Error),
    TooLarge { limit: u64 },
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

impl HfClient {
    /// Sends `method url` until it gets a non-retryable answer or runs out of tries. Returns the
    /// answer whatever its status; only transport failures and exhausted rate limits are errors.
    pub(super) async fn exchange(
        &self,
        repo: &str,
        method: Method,
        url: &Url,
    ) -> Result<Exchange, HfError> {
        let policy = &self.inner.retry;
        let limits = self.inner.limits;
        let deadline = Instant::now() + limits.request_deadline;
        let max_tries = policy.max_tries.max(1);
        let mut backoff = policy.initial_backoff;
        let mut tries = 0;
        let out_of_time = || HfError::DeadlineExceeded {
            repo: repo.to_string(),
            url: url.to_string(),
            deadline: limits.request_deadline,
        };
        loop {
            tries += 1;
            let outcome =
                match tokio::time::timeout_at(deadline, self.attempt(method.clone(), url)).await {
                    Ok(outcome) => outcome,
                    Err(_) => return Err(out_of_time()),
                };
            let wait = match outcome {
                Err(AttemptError::TooLarge { limit }) => {
                    return Err(HfError::TooLarge {
                        repo: repo.to_string(),
                        url: url.to_string(),
                        limit,
                    })
                }
                Err(AttemptError::Transport(err)) => {
                    if tries < max_tries && is_transient(&err) {
                        tracing::debug!(%url, tries, %err, "retrying after a transport error");
                        backoff
                    } else {
                        return Err(HfError::Transport {
                            repo: repo.to_string(),
                            url: url.to_string(),
                            reason: format!("{}, {}", transport_reason(&err), tries_text(tries)),
                            source: err,
                        });
                    }
                }
                Ok(answer) if answer.status == StatusCode::TOO_MANY_REQUESTS => {
                    let asked = rate_limit_wait(&answer.headers);
                    let wait = asked.unwrap_or(backoff);
                    if wait > policy.max_rate_limit_wait {
                        return Err(HfError::RateLimited {
                            repo: repo.to_string(),
                            url: answer.url.to_string(),
                            reason: format!(
                                "the Hub asks to wait {} s, more than the {} s allowed",
                                wait.as_secs_f64(),
                                policy.max_rate_limit_wait.as_secs_f64()
                            ),
                            retry_after: asked,
                        });
                    }
                    if tries >= max_tries {
                        return Err(HfError::RateLimited {
                            repo: repo.to_string(),
                            url: answer.url.to_string(),
                            reason: format!("still 429 Too Many Requests after {tries} tries"),
                            retry_after: asked,
                        });
                    }
                    tracing::info!(%url, wait_s = wait.as_secs_f64(), "rate limited; waiting");
                    wait
                }
                Ok(answer) if tries < max_tries && is_retryable_status(answer.status) => {
                    tracing::debug!(%url, tries, status = %answer.status, "retrying");
                    backoff
                }
                Ok(mut answer) => {
                    answer.tries = tries;
                    return Ok(answer);
                }
            };
            if Instant::now() + wait >= deadline {
                return Err(out_of_time());
            }
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(policy.max_backoff);
        }
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
    async fn attempt(&self, method: Method, url: &Url) -> Result<Exchange, AttemptError> {
        // The semaphore is never closed, so acquiring only fails if that changes.
        let _permit = self.inner.in_flight.acquire().await.ok();
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.inner.http.request(method.clone(), url.clone());
        if let Some(token) = self.token_for(url) {
            request = request.bearer_auth(token);
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
        check_json(answer)
            .and_then(|()| serde_json::from_slice(&answer.body).map_err(|err| json_reason(&err)))
            .map_err(|reason| HfError::InvalidResponse {
                repo: target.repo.to_string(),
                url: answer.url.to_string(),
                reason: self.scrub(&reason),
            })
    }

    /// GETs `first` and every `Link: rel="next"` page after it, until there is none or `enough`
    /// items were collected.
    pub(super) async fn get_pages<T: DeserializeOwned>(
        &self,
        target: &Target<'_>,
        first: Url,
        enough: usize,
    ) -> Result<Vec<T>, HfError> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut url = first;
        // All pages together get one deadline: a listing that never ends costs at most that.
        let deadline = Instant::now() + self.inner.limits.source_deadline;
        loop {
            if Instant::now() >= deadline {
                return Err(HfError::DeadlineExceeded {
                    repo: target.repo.to_string(),
                    url: url.to_string(),
                    deadline: self.inner.limits.source_deadline,
                });
            }
            seen.insert(url.to_string());
            let answer = self.exchange(target.repo, Method::GET, &url).await?;
            let answer = self.success(target, answer)?;
            let page: Vec<T> = self.json(target, &answer)?;
            items.extend(page);
            if items.len() >= enough {
                break;
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
}

/// Checks that a JSON body is whole JSON without decoding it into anything.
pub(super) fn check_json(answer: &Exchange) -> Result<(), String> {
    check_html(answer)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body)
        .map(|_| ())
        .map_err(|err| json_reason(&err))
}

/// An HTML page where JSON was expected (a login wall, a proxy's error page).
pub(super) fn check_html(answer: &Exchange) -> Result<(), String> {
    if looks_like_html(answer) {
        let content_type = answer.header(CONTENT_TYPE.as_str()).unwrap_or("none");
        return Err(format!(
            "expected JSON, got HTML (content-type `{content_type}`)"
        ));
    }
    Ok(())
}

/// Whole JSON text (truncated or malformed is an error).
pub(super) fn check_json_text(text: &str) -> Result<(), String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|err| json_reason(&err))
}

fn json_reason(err: &serde_json::Error) -> String {
    if err.is_eof() {
        format!("truncated JSON: {err}")
    } else {
        format!("invalid JSON: {err}")
    }
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
            (Some(0) | None, Some(t)) => Some(Duration::from_secs(t + 1)),
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
