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

    /// 429 that asked for a longer wait than allowed, that lasted through every try, or whose
    /// wait would overrun the run's wait budget.
    #[error("rate limited by the Hub for {} ({url}): {reason}{}", subject(.repo), config_hint(.url))]
    RateLimited {
        repo: String,
        url: String,
        reason: String,
        /// What the Hub asked for, when it said.
        retry_after: Option<Duration>,
    },

    /// Any other non-success status (after retries, for the retryable ones).
    #[error("unexpected answer for {} ({url}): {reason}{}", subject(.repo), server_error_hint(.url, *.status))]
    Http {
        repo: String,
        url: String,
        status: u16,
        reason: String,
    },

    /// Timeout or broken transfer after every try; a refused connection or a failed DNS lookup
    /// after the first (retrying them only adds silence).
    #[error("could not reach the Hub for {} ({url}): {reason}{}", subject(.repo), config_hint(.url))]
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

    /// A listing (a dataset tree, a model search) that goes on past the entries or pages the
    /// client reads for one: it fails rather than grow without bound.
    #[error("listing too long for {} ({url}): {reason}", subject(.repo))]
    ListingTooLong {
        repo: String,
        url: String,
        reason: String,
    },

    /// Offline mode (`HF_HUB_OFFLINE`) and the cache cannot answer.
    #[error("offline and not cached: {} ({url}): {reason}\nhint: unset `HF_HUB_OFFLINE` to fetch it", subject(.repo))]
    OfflineMiss {
        repo: String,
        url: String,
        reason: String,
    },
}

impl HfError {
    /// What cannot be answered offline (or from the cache) for `repo`, and why.
    pub(super) fn offline_miss(repo: &str, url: &str, reason: String) -> HfError {
        HfError::OfflineMiss {
            repo: repo.to_string(),
            url: url.to_string(),
            reason,
        }
    }

    /// Whether this failure of a metadata request says the Hub could not answer now (a
    /// connection error, a timeout, a 5xx, a 429, a 401/403, an answer without the file's
    /// commit) rather than something about the repo itself (not found, no such file or
    /// revision). huggingface_hub's `hf_hub_download` answers the former from the cached
    /// snapshot of the revision; so does this client.
    pub(super) fn is_outage(&self) -> bool {
        match self {
            HfError::Transport { .. }
            | HfError::DeadlineExceeded { .. }
            | HfError::RateLimited { .. }
            | HfError::Gated { .. }
            | HfError::BadToken { .. }
            | HfError::MissingOrPrivate { .. }
            | HfError::InvalidResponse { .. }
            | HfError::TooLarge { .. } => true,
            HfError::Http { status, .. } => *status >= 500 || matches!(status, 401 | 403),
            HfError::InvalidRepoId { .. }
            | HfError::RepoNotFound { .. }
            | HfError::EntryNotFound { .. }
            | HfError::RevisionNotFound { .. }
            | HfError::ListingTooLong { .. }
            | HfError::OfflineMiss { .. } => false,
        }
    }
}

/// A `hint:` line for a `config.json` the Hub could not serve (unreachable, rate limited, a
/// 5xx): the run can go on without the Hub when the config is given by hand.
fn config_hint(url: &str) -> &'static str {
    if url.contains("/resolve/") && url.ends_with("/config.json") {
        "\nhint: the Hub could not serve it now; run again later, or pass the model's config with `--config-file <path>`"
    } else {
        ""
    }
}

/// [`config_hint`] for a 5xx; other statuses are answers about the repo.
fn server_error_hint(url: &str, status: u16) -> &'static str {
    if status >= 500 {
        config_hint(url)
    } else {
        ""
    }
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
