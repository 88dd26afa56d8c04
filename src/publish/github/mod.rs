//! The authenticated GitHub client publishing uses (the reads of discovery and the serving
//! configs go through [`crate::github::reader`], on the same octocrab client): a thin client
//! over octocrab's raw request helpers (`_get`/`_post`/`_patch`/`_delete`), one method per
//! endpoint, each failure an error that names the call (`creating the tree for owner/repo:
//! 422 …`). The endpoints live by resource:
//!
//! - [`identity`]: who the token is, the repository's default branch;
//! - [`refs`]: commits, trees, blobs, files and the branch ref (create, compare-and-swap move,
//!   delete);
//! - [`pulls`]: pull requests, their commits and labels;
//! - [`comments`]: the sticky comment;
//! - [`graphql`]: the forced branch move, as a compare-and-swap (GraphQL `updateRefs` with
//!   `beforeOid`);
//! - [`error`]: [`GitHubError`] and its hints; this file: the client and its transport.
//!
//! Why the raw helpers rather than octocrab's typed models: the Git Data endpoints need exact
//! bodies (no author on the commit, `force` on the ref), a few statuses are answers rather than
//! errors (404 on a ref, 403 on `GET /user` with the Actions token, 422 on an existing ref),
//! and we read a handful of fields that small structs describe better than the full models.
//! Requests go to the base URI (`GITHUB_API_URL`, path prefix kept) plus the endpoint's path,
//! on the client [`crate::github::client`] builds for every GitHub call (the token only to
//! that host).
//!
//! Rate limits are recognised as GitHub answers them ([`crate::github::rate_limit`]) and
//! waited for within the run's budget; a transport failure (DNS, connection refused) is never
//! retried.
//!
//! The token lives inside octocrab (a `SecretString`) and in a [`Secret`] used only to scrub
//! it from error text and to mask it in Actions; neither prints it in `Debug`.

mod comments;
mod error;
mod graphql;
mod identity;
mod pulls;
mod refs;

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use http::header::{HeaderMap, HeaderValue, ACCEPT};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::github::environment::{ClientSettings, PublishEnv, Secret};
use crate::github::rate_limit::{RateLimit, Waits};

pub use error::{GitHubError, LABELS_HINT};
pub use pulls::PullInfo;
pub use refs::{RefDelete, RefUpdate};

/// GitHub REST client for one token.
pub struct GitHub {
    client: Octocrab,
    api_url: String,
    /// GitHub's GraphQL endpoint (`GITHUB_GRAPHQL_URL`, else derived: [`graphql_url_for`]).
    graphql_url: String,
    server_url: String,
    secret: Secret,
    /// The bot's login when given (`TRACK_MODELS_BOT_LOGIN`) instead of asked for.
    bot_login: Option<String>,
    /// Minimum time between two writes ([`DEFAULT_WRITE_INTERVAL`]).
    write_interval: Duration,
    last_write: std::sync::Mutex<Option<std::time::Instant>>,
    /// How rate limits are waited for (the run's budget).
    waits: Waits,
}

impl fmt::Debug for GitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHub")
            .field("api_url", &self.api_url)
            .field("server_url", &self.server_url)
            .field("token", &self.secret)
            .finish()
    }
}

/// A reply that is not an error: status, `Link` header and body text.
struct Reply {
    status: u16,
    next_page: bool,
    /// The rate limit GitHub reported, when it did (after the waits the budget allowed).
    rate_limit: Option<RateLimit>,
    /// `X-Accepted-GitHub-Permissions`, when GitHub sent it.
    accepted_permissions: Option<String>,
    text: String,
}

/// Pause between two writes by default: GitHub asks integrations to space mutating requests
/// by at least one second.
pub const DEFAULT_WRITE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl PublishEnv {
    /// The client (inside the tokio runtime: building it starts its connection pool).
    pub fn github(&self) -> Result<GitHub> {
        self.client.build()
    }
}

impl ClientSettings {
    fn build(&self) -> Result<GitHub> {
        let mut github = GitHub::new(&self.api_url, self.token.expose())?;
        if let Some(server) = &self.server_url {
            github = github.with_server_url(server);
        }
        if let Some(graphql) = &self.graphql_url {
            github = github.with_graphql_url(graphql);
        }
        if let Some(login) = &self.bot_login {
            github = github.with_bot_login(login);
        }
        if let Some(interval) = self.write_interval {
            github = github.with_write_interval(interval);
        }
        Ok(github)
    }
}

impl GitHub {
    /// A client for `api_url` (e.g. `https://api.github.com`, or a GHES `…/api/v3`), waiting
    /// for rate limits within the run's budget ([`Waits::for_run`]).
    pub fn new(api_url: &str, token: &str) -> Result<Self> {
        let api_url = api_url.trim_end_matches('/').to_string();
        if token.trim().is_empty() {
            bail!("the GitHub token is empty\nhint: set `GITHUB_TOKEN`");
        }
        let timeouts = crate::github::client::Timeouts {
            connect: Duration::from_secs(30),
            read: Duration::from_secs(60),
            write: Duration::from_secs(60),
        };
        let client = crate::github::client::octocrab(&api_url, Some(token.trim()), timeouts)?;
        Ok(GitHub {
            client,
            server_url: server_url_for(&api_url),
            graphql_url: graphql_url_for(&api_url),
            api_url,
            secret: Secret::new(token.trim()),
            bot_login: None,
            write_interval: DEFAULT_WRITE_INTERVAL,
            last_write: std::sync::Mutex::new(None),
            waits: Waits::for_run()?,
        })
    }

    /// From `GITHUB_TOKEN`, `GITHUB_API_URL`, `GITHUB_SERVER_URL` and the other variables
    /// [`PublishEnv`] reads, with `var` standing in for the process environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        ClientSettings::from_vars(&var, false)?.build()
    }

    /// Web root for links (`https://github.com`); derived from the API URL unless set.
    pub fn with_server_url(mut self, server_url: &str) -> Self {
        self.server_url = server_url.trim_end_matches('/').to_string();
        self
    }

    /// GitHub's GraphQL endpoint, when it is not where [`graphql_url_for`] derives it
    /// (`GITHUB_GRAPHQL_URL`, which Actions sets).
    pub fn with_graphql_url(mut self, graphql_url: &str) -> Self {
        self.graphql_url = graphql_url.trim_end_matches('/').to_string();
        self
    }

    /// Minimum time between two writes (default [`DEFAULT_WRITE_INTERVAL`]; zero in tests). The
    /// pause between label attempts derives from it ([`GitHub::add_labels`]).
    pub fn with_write_interval(mut self, interval: Duration) -> Self {
        self.write_interval = interval;
        self
    }

    /// How rate limits are waited for (tests inject the sleep and the budget).
    pub fn with_waits(mut self, waits: Waits) -> Self {
        self.waits = waits;
        self
    }

    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The token, for masking in Actions logs.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The bot's login when it cannot be asked for (`TRACK_MODELS_BOT_LOGIN`): a GitHub App
    /// installation token commits as `<app-slug>[bot]`, and `GET /user` is forbidden to it.
    pub fn with_bot_login(mut self, login: &str) -> Self {
        self.bot_login = Some(login.to_string());
        self
    }
}

/// Transport: paging, pacing of writes, one request with its rate-limit waits, status checks.
impl GitHub {
    async fn post_for_sha(&self, uri: &str, body: &Value, call: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Created {
            sha: String,
        }
        let reply = self
            .send(Method::Post, uri, Some(body), false, call)
            .await?;
        let reply = self.require(reply, call, &[])?;
        Ok(parse::<Created>(&reply.text, call)?.sha)
    }

    async fn get_ok(&self, uri: &str, call: &str, also_ok: &[u16]) -> Result<Reply> {
        let reply = self.send(Method::Get, uri, None, false, call).await?;
        Ok(self.require(reply, call, also_ok)?)
    }

    /// Every page of a list endpoint (`per_page=100`, following `rel="next"` by page number,
    /// so a base URI with a path prefix stays right), at most 100 pages.
    async fn all_pages<T: DeserializeOwned>(&self, path: &str, call: &str) -> Result<Vec<T>> {
        let mut items = Vec::new();
        for page in 1.. {
            let reply = self
                .get_ok(&format!("{path}?per_page=100&page={page}"), call, &[])
                .await?;
            let batch: Vec<T> = parse(&reply.text, call)?;
            let empty = batch.is_empty();
            items.extend(batch);
            if !reply.next_page || empty || page >= 100 {
                break;
            }
        }
        Ok(items)
    }

    /// Sends one request: writes are paced ([`GitHub::with_write_interval`]); a rate-limited
    /// answer is waited out and sent again as long as the run's wait budget allows (at least
    /// a minute, then doubling, for a secondary limit without `retry-after`). Transport
    /// failures are errors at once; every other HTTP status comes back.
    async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        raw: bool,
        call: &str,
    ) -> Result<Reply> {
        let mut attempt = 0;
        loop {
            let reply = self.send_once(method, uri, body, raw, call).await?;
            let Some(limit) = &reply.rate_limit else {
                return Ok(reply);
            };
            let Some(wait) = self.waits.next_wait(limit, attempt) else {
                return Ok(reply);
            };
            tracing::warn!(
                "{call}: {}; waiting {} s before trying again",
                limit.describe(),
                wait.as_secs()
            );
            self.waits.sleep(wait).await;
            attempt += 1;
        }
    }

    /// Waits until the previous write's answer is at least the write interval ago (counted
    /// from the answer, so two writes never reach GitHub closer than that).
    async fn pace(&self) {
        let wait = {
            let last = self.last_write.lock().unwrap_or_else(|e| e.into_inner());
            last.and_then(|at| self.write_interval.checked_sub(at.elapsed()))
        };
        if let Some(wait) = wait.filter(|w| !w.is_zero()) {
            tokio::time::sleep(wait).await;
        }
    }

    fn wrote(&self) {
        *self.last_write.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now());
    }

    async fn send_once(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        raw: bool,
        call: &str,
    ) -> Result<Reply> {
        if !matches!(method, Method::Get) {
            self.pace().await;
        }
        // The GraphQL endpoint comes whole; every REST call is a path under the API URL.
        let uri = if uri.starts_with("https://") || uri.starts_with("http://") {
            uri.to_string()
        } else {
            format!("{}{uri}", self.api_url)
        };
        let uri = uri.as_str();
        let result = match method {
            Method::Get => {
                let mut headers = HeaderMap::new();
                headers.insert(
                    ACCEPT,
                    HeaderValue::from_static(if raw {
                        "application/vnd.github.raw+json"
                    } else {
                        "application/vnd.github+json"
                    }),
                );
                self.client._get_with_headers(uri, Some(headers)).await
            }
            Method::Post => self.client._post(uri, body).await,
            Method::Patch => self.client._patch(uri, body).await,
            Method::Delete => self.client._delete(uri, body).await,
        };
        let response = result.map_err(|e| {
            let text = crate::github::client::error_text(&e);
            anyhow::anyhow!("{call}: {}", self.secret.scrub(&text))
        })?;
        if !matches!(method, Method::Get) {
            self.wrote();
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let next_page = headers
            .get_all(http::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("rel=\"next\""));
        let accepted_permissions = headers
            .get("x-accepted-github-permissions")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = self
            .client
            .body_to_string(response)
            .await
            .map_err(|e| anyhow::anyhow!("{call}: reading the answer: {e}"))?;
        let rate_limit = RateLimit::classify(status, &headers, &error::message_of(&text));
        Ok(Reply {
            status,
            next_page,
            rate_limit,
            accepted_permissions,
            text,
        })
    }

    /// The reply when its status is 2xx or in `also_ok`, else a [`GitHubError`].
    fn require(&self, reply: Reply, call: &str, also_ok: &[u16]) -> Result<Reply, GitHubError> {
        if (200..300).contains(&reply.status) || also_ok.contains(&reply.status) {
            return Ok(reply);
        }
        Err(GitHubError {
            call: call.to_string(),
            status: reply.status,
            message: self.secret.scrub(&error::error_message(&reply.text)),
            rate_limited: reply
                .rate_limit
                .map(|limit| format!("{}; {}", limit.describe(), self.waits.spent_note())),
            accepted_permissions: reply.accepted_permissions,
        })
    }
}

fn parse<T: DeserializeOwned>(text: &str, call: &str) -> Result<T> {
    serde_json::from_str(text).with_context(|| format!("{call}: unexpected answer"))
}

/// `https://api.github.com` → `https://github.com`; a GHES `https://host/api/v3` → `https://host`.
fn server_url_for(api_url: &str) -> String {
    if let Some(rest) = api_url.strip_prefix("https://api.") {
        return format!("https://{rest}");
    }
    api_url
        .strip_suffix("/api/v3")
        .unwrap_or(api_url)
        .to_string()
}

/// Where GitHub serves GraphQL for an API URL, as octokit derives it: a GHES `…/api/v3` →
/// `…/api/graphql`; otherwise `{api_url}/graphql` (`https://api.github.com/graphql`).
fn graphql_url_for(api_url: &str) -> String {
    match api_url.strip_suffix("/api/v3") {
        Some(root) => format!("{root}/api/graphql"),
        None => format!("{api_url}/graphql"),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Percent-encodes a path, keeping `/` between segments.
fn encode_path(path: &str) -> String {
    encode(path, |b| b == b'/')
}

fn encode_query(value: &str) -> String {
    encode(value, |_| false)
}

fn encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(
            server_url_for("https://api.github.com"),
            "https://github.com"
        );
        assert_eq!(
            server_url_for("https://ghe.corp/api/v3"),
            "https://ghe.corp"
        );
        assert_eq!(server_url_for("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }

    #[tokio::test]
    async fn graphql_urls() {
        assert_eq!(
            graphql_url_for("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url_for("https://ghe.corp/api/v3"),
            "https://ghe.corp/api/graphql"
        );
        assert_eq!(
            graphql_url_for("http://127.0.0.1:9"),
            "http://127.0.0.1:9/graphql"
        );
        let vars = |set_graphql: bool| {
            move |name: &str| match name {
                "GITHUB_TOKEN" => Some("t".to_string()),
                "GITHUB_API_URL" => Some("https://ghe.corp/api/v3".to_string()),
                "GITHUB_GRAPHQL_URL" if set_graphql => {
                    Some("https://ghe.corp/other/graphql/".to_string())
                }
                _ => None,
            }
        };
        let derived = GitHub::from_vars(vars(false)).unwrap();
        assert_eq!(derived.graphql_url, "https://ghe.corp/api/graphql");
        let given = GitHub::from_vars(vars(true)).unwrap();
        assert_eq!(given.graphql_url, "https://ghe.corp/other/graphql");
    }

    #[test]
    fn encodings() {
        assert_eq!(
            encode_query("o:track-models/coverage"),
            "o%3Atrack-models%2Fcoverage"
        );
        assert_eq!(encode_path("docs/a b.mdx"), "docs/a%20b.mdx");
    }
}
