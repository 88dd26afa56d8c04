//! The errors a caller of the Hub client may need to tell apart. Every message names the repo id
//! and the URL involved; none ever contains the token (server text is scrubbed before it is
//! stored here).

use std::time::Duration;

/// Why a Hub request failed. Match on the variant; print with `Display`.
#[derive(Debug, thiserror::Error)]
pub enum HfError {
    /// The repo id cannot name a Hub repo (and so cannot name a cache folder either).
    #[error(
        "invalid repo id `{repo}`: expected `org/name` made of letters, digits, `-`, `_` or `.`"
    )]
    InvalidRepoId { repo: String },

    /// `X-Error-Code: GatedRepo` (401 without a token, 403 with a token lacking access).
    #[error("`{repo}` is gated ({url}): {reason}\nhint: accept the model's terms on its Hub page, then set `HF_TOKEN` to a token of that account")]
    Gated {
        repo: String,
        url: String,
        reason: String,
    },

    /// `X-Error-Code: RepoNotFound`.
    #[error("`{repo}` not found ({url}): {reason}")]
    RepoNotFound {
        repo: String,
        url: String,
        reason: String,
    },

    /// A 401 "Invalid credentials…": the Hub refused the token itself.
    #[error("the Hugging Face token was refused for `{repo}` ({url}): {reason}\nhint: `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`, or the token file) is invalid or expired: replace it, or unset it for public repos")]
    BadToken {
        repo: String,
        url: String,
        reason: String,
    },

    /// A 401 without an error code: the Hub says this for private repos and missing ones alike.
    #[error("`{repo}` is missing or private ({url}): {reason}\nhint: if it exists, set `HF_TOKEN` to a token that can read it")]
    MissingOrPrivate {
        repo: String,
        url: String,
        reason: String,
    },

    /// `X-Error-Code: EntryNotFound`, or a cached `.no_exist` marker when offline.
    #[error("`{path}` not found in `{repo}` ({url}): {reason}")]
    EntryNotFound {
        repo: String,
        path: String,
        url: String,
        reason: String,
    },

    /// `X-Error-Code: RevisionNotFound`.
    #[error("revision `{revision}` not found in `{repo}` ({url}): {reason}")]
    RevisionNotFound {
        repo: String,
        revision: String,
        url: String,
        reason: String,
    },

    /// 429 that asked for a longer wait than allowed, or that lasted through every try.
    #[error("rate limited by the Hub for {} ({url}): {reason}", subject(.repo))]
    RateLimited {
        repo: String,
        url: String,
        reason: String,
        /// What the Hub asked for, when it said.
        retry_after: Option<Duration>,
    },

    /// Any other non-success status (after retries, for the retryable ones).
    #[error("unexpected answer for {} ({url}): {reason}", subject(.repo))]
    Http {
        repo: String,
        url: String,
        status: u16,
        reason: String,
    },

    /// Timeout, refused connection or broken transfer, after every try.
    #[error("could not reach the Hub for {} ({url}): {reason}", subject(.repo))]
    Transport {
        repo: String,
        url: String,
        reason: String,
        #[source]
        source: reqwest::Error,
    },

    /// A success status with a body or headers we cannot use: truncated JSON, HTML, no commit.
    #[error("invalid response for {} ({url}): {reason}", subject(.repo))]
    InvalidResponse {
        repo: String,
        url: String,
        reason: String,
    },

    /// A body larger than the client reads for this kind of request (a `config.json` of
    /// gigabytes, an endless listing page): the transfer is stopped at the cap.
    #[error("response too large for {} ({url}): more than {limit} bytes, the most read for it", subject(.repo))]
    TooLarge {
        repo: String,
        url: String,
        limit: u64,
    },

    /// The total time allowed for a request (retries included) or for a model ran out.
    #[error("gave up on {} ({url}) after {}, the total time allowed", subject(.repo), seconds(.deadline))]
    DeadlineExceeded {
        repo: String,
        url: String,
        deadline: Duration,
    },

    /// Offline mode (`HF_HUB_OFFLINE`) and the cache cannot answer.
    #[error("offline and not cached: {} ({url}): {reason}\nhint: unset `HF_HUB_OFFLINE` to fetch it", subject(.repo))]
    OfflineMiss {
        repo: String,
        url: String,
        reason: String,
    },
}

/// `60 s`, `0.7 s`.
fn seconds(duration: &Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// Requests that are not about one repo (model search) leave `repo` empty.
fn subject(repo: &str) -> String {
    if repo.is_empty() {
        "the model search".to_string()
    } else {
        format!("`{repo}`")
    }
}
