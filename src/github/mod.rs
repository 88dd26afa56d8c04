//! The one GitHub module: where the API base URL, the API version, the user agent and the token
//! are decided for every call the tool makes to GitHub.
//!
//! - [`crate::publish::github`]: the authenticated client publishing uses (octocrab's raw
//!   helpers: branches, commits, pull requests, labels, comments), with its write pacing and
//!   `retry-after` waits. It lives with publishing because it speaks the publishing planner's
//!   types; it takes its URL, version and user agent from here.
//! - [`reader`]: the budgeted, size-capped reader (reqwest) behind SGLang day-0 and the
//!   repository reader of [`crate::sources::github_repo`]; it works without a token.
//!
//! Both go to [`api_url`] (`GITHUB_API_URL`, default [`DEFAULT_API_URL`], no trailing `/`), send
//! `X-GitHub-Api-Version: 2022-11-28` (octocrab adds it itself; the reader sends
//! [`API_VERSION`]) and the token only as `Authorization`; neither logs it.

pub mod reader;

/// GitHub's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The REST API version every request names.
pub const API_VERSION: &str = "2022-11-28";

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
