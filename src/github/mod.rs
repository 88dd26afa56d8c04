//! The one GitHub module: where the API base URL, the API version, the user agent and the token
//! are decided for every call the tool makes to GitHub, and the one HTTP stack they go through.
//!
//! - [`client`]: builds the `Octocrab` every GitHub call uses (base URL, optional token, user
//!   agent, timeouts, redirects): one HTTP stack, one place.
//! - [`crate::publish::github`]: the authenticated client publishing uses (octocrab's raw
//!   helpers: branches, commits, pull requests, labels, comments), with its write pacing and
//!   rate-limit waits. It lives with publishing because it speaks the publishing planner's
//!   types; it gets its client from [`client`].
//! - [`environment`]: what publishing needs from the environment (`GITHUB_REPOSITORY`, the
//!   token, the client's settings), checked before any work.
//! - [`rate_limit`]: GitHub's primary and secondary rate limits recognised as GitHub answers
//!   them, and the one per-run wait budget both clients draw on.
//! - [`reader`]: the budgeted, size-capped reader behind SGLang day-0 and the repository reader
//!   of [`crate::sources::github_repo`], on a client from [`client`]; it works without a token.
//!
//! Both go to [`api_url`] (`GITHUB_API_URL`, default [`DEFAULT_API_URL`], no trailing `/`), send
//! [`USER_AGENT`] and `X-GitHub-Api-Version: 2022-11-28` (octocrab adds it to every request),
//! and the token only as `Authorization` to the API's host; neither logs it.

pub mod client;
pub mod environment;
pub mod rate_limit;
pub mod reader;

/// GitHub's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The `User-Agent` of every request (GitHub refuses requests without one).
pub const USER_AGENT: &str = concat!("track-models/", env!("CARGO_PKG_VERSION"));

/// The API base URL from `GITHUB_API_URL` (trimmed; empty means unset), else
/// [`DEFAULT_API_URL`], without a trailing `/`.
pub fn api_url(var: impl Fn(&str) -> Option<String>) -> String {
    var("GITHUB_API_URL")
        .map(|url| url.trim().to_string())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string())
        .trim_end_matches('/')
        .to_string()
}
