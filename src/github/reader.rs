//! The budgeted GitHub REST reader (reqwest): day-0's commit walk
//! ([`crate::discover`]) and the repository reader ([`crate::sources::github_repo`]) read
//! through it. Every call counts against a budget, sends [`super::API_VERSION`] and the token
//! (when set) as `Authorization: Bearer …`, and refuses answers over a size cap while reading
//! them; the token is never logged (only the URL is, at debug level).
//!
//! Why reqwest and not octocrab (which [`super::client`] uses for publishing): these reads must
//! work without a token, stop reading an answer at its cap instead of buffering it whole, count
//! exactly one request per call, and follow `Link` pages by URL.

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, LINK, RETRY_AFTER, USER_AGENT};
use reqwest::StatusCode;

use crate::date::Date;

/// The shared thin GitHub REST reader: day-0 here, and the repository reader of
/// [`crate::sources::github_repo`]. Every call counts against `budget`.
pub(crate) struct GithubApi<'a> {
    pub http: &'a reqwest::Client,
    /// Without a trailing `/`.
    pub base: &'a str,
    pub token: Option<&'a str>,
    pub budget: u32,
    pub used: u32,
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

impl GithubApi<'_> {
    pub(crate) async fn get(&mut self, url: &str, accept: &str) -> Result<Page, Failure> {
        self.get_capped(url, accept, MAX_BODY).await
    }

    /// Like [`GithubApi::get`], refusing bodies over `max_bytes` (checked while reading, so an
    /// oversized answer is never held whole).
    pub(crate) async fn get_capped(
        &mut self,
        url: &str,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Page, Failure> {
        if self.used >= self.budget {
            return Err(Failure::Budget);
        }
        self.used += 1;
        let mut request = self
            .http
            .get(url)
            .header(ACCEPT, accept)
            .header("X-GitHub-Api-Version", super::API_VERSION)
            .header(USER_AGENT, super::USER_AGENT);
        if let Some(token) = self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        tracing::debug!(url, "github request");
        let mut response = request.send().await.map_err(|err| {
            Failure::Failed(format!("cannot reach `{url}`: {}", without_url(&err)))
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let too_big = || {
            Failure::Failed(format!(
                "`GET {url}`: the answer is larger than {max_bytes} bytes; not read"
            ))
        };
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max_bytes {
                        return Err(too_big());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => {
                    return Err(Failure::Failed(format!(
                        "`GET {url}`: broken body: {}",
                        without_url(&err)
                    )))
                }
            }
        }
        if !status.is_success() {
            return Err(Failure::Failed(status_problem(
                url, status, &headers, &body,
            )));
        }
        Ok(Page {
            next: next_link(&headers),
            body,
        })
    }
}

/// JSON syntax first, then shape, so each kind of breakage gets its own message.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("invalid JSON: {err}"))?;
    serde_json::from_value(value).map_err(|err| format!("unexpected JSON: {err}"))
}

/// `"<status>"` plus GitHub's `message`, and the wait when rate limited.
fn status_problem(url: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut text = format!("`GET {url}` answered {status}");
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && header("x-ratelimit-remaining") == Some("0"));
    if rate_limited {
        text.push_str(" (rate limited");
        if let Some(wait) = header(RETRY_AFTER.as_str()) {
            text.push_str(&format!(", retry after {wait} s"));
        } else if let Some(reset) = header("x-ratelimit-reset").and_then(|r| r.parse::<i64>().ok())
        {
            text.push_str(&format!(", resets at {}", Date::from_unix_seconds(reset)));
        }
        text.push(')');
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
        if let Some(message) = map.get("message").and_then(|m| m.as_str()) {
            text.push_str(": ");
            text.push_str(&message.chars().take(200).collect::<String>());
        }
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

/// A reqwest error's text without the URL it embeds (the caller names the URL once).
pub(crate) fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "…");
    }
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
