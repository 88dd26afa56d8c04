//! A small Hugging Face Hub client (no HF SDK): `config.json` through the standard HF cache,
//! model info and model search, and the flashinfer-trace dataset file listing and tags.
//!
//! One type, [`HfClient`], built once per run from an [`HfConfig`] and passed down by
//! reference (or cloned: clones share everything). Its parts, by concern:
//!
//! | file | holds |
//! |---|---|
//! | `settings.rs` | [`HfConfig`], [`RetryPolicy`], [`Limits`], [`Sleeper`]: the set-up, read from the environment as huggingface_hub reads it |
//! | `transport.rs` | one exchange: retries, 429 waits within the run's budget, deadlines, size caps, the token's origin, error mapping, JSON bodies, `Link` pages |
//! | `cache.rs` | the shared HF cache layout on disk (refs, blobs, snapshots, `.no_exist`) |
//! | `repo_file.rs` | `config.json` through the cache: warm, cold, offline, and the cached snapshot when the Hub is down |
//! | `listing.rs` | model search and the dataset listing (cached by dataset commit) |
//! | `dataset_files.rs` | the tags of the dataset's definition files (cached by blob id) |
//! | `model.rs` | the model-info shapes the Hub answers |
//! | `error.rs` | [`HfError`] |
//!
//! Guarantees:
//! - The token is sent only as `Authorization: Bearer …`, only to the configured endpoint's
//!   origin (redirects to another host drop it), and never appears in an error, a `Debug`
//!   output or a log line.
//! - `config.json` is keyed by commit in the cache layout the Python client shares: a warm run
//!   makes one metadata request per model and downloads nothing; a cold run makes one request;
//!   offline (`HF_HUB_OFFLINE`) makes none and serves `refs/main`. When the metadata request
//!   fails (connection, timeout, 5xx, 429, 401/403) the cached snapshot answers, with a
//!   warning naming the model and the commit.
//! - The dataset listing is cached by dataset commit: one request when warm, none offline; a
//!   listing that fails (or never ends) leaves the cached one in place.
//! - Every identifier from an answer is checked ([`crate::ident`]) before it names a file.
//! - Every error ([`HfError`]) names the repo id and the URL.

mod cache;
mod dataset_files;
mod error;
mod listing;
mod model;
mod repo_file;
mod settings;
mod transport;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

pub use dataset_files::{FileTags, MAX_DEFINITION_BYTES, MAX_TAGGED_FILES};
pub use error::HfError;
pub use listing::ListedFile;
pub use model::{ConfigSummary, Gated, ModelInfo, ProviderMapping};
pub use settings::{hf_home, offline, HfConfig, Limits, RetryPolicy, Sleeper};

/// `config.json` (or another small JSON file) of a model at the commit `main` pointed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub text: String,
    /// The commit the text belongs to.
    pub sha: String,
    /// Where this exact text lives: `{endpoint}/{repo}/resolve/{sha}/config.json`.
    pub url: String,
    /// True when no download was needed (cache hit, whether online or offline).
    pub from_cache: bool,
    /// Set when the Hub could not confirm the commit and the cached snapshot answered: the
    /// note saying so (already logged as a warning).
    pub fallback: Option<String>,
}

/// The file paths of the flashinfer-trace dataset at one commit, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetListing {
    pub sha: String,
    /// Like `definitions/gemm/gemm_n128_k2048.json`.
    pub definitions: Vec<String>,
    /// Like `workloads/gemm/gemm_n128_k2048.jsonl`.
    pub workloads: Vec<String>,
    /// The `.json` files of `definitions` with their blob ids and sizes (empty in a listing
    /// cached before they were kept).
    #[serde(default)]
    pub definition_files: Vec<ListedFile>,
}

/// A model search: `GET /api/models?search=…&pipeline_tag=…&sort=…&limit=N&expand[]=…`.
#[derive(Debug, Clone, Default)]
pub struct ModelQuery {
    pub search: Option<String>,
    pub author: Option<String>,
    pub pipeline_tag: Option<String>,
    /// `trendingScore`, `createdAt`, `downloads`, `likes`, … (always descending).
    pub sort: Option<String>,
    /// `all` keeps only models served by at least one provider.
    pub inference_provider: Option<String>,
    pub expand: Vec<String>,
    /// How many models to return at most (pages are followed until then).
    pub limit: usize,
}

/// The Hub client. Cheap to clone (one `Arc`); clones share the connection pool, the in-flight
/// limit, the request counter and the run's wait budget, so a run builds one and hands out
/// `&HfClient` or clones.
#[derive(Clone)]
pub struct HfClient {
    inner: Arc<Inner>,
    /// No network: answer from the cache or fail with [`HfError::OfflineMiss`]
    /// ([`HfConfig::offline`], or a [`HfClient::cache_only`] view).
    offline: bool,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing `/`.
    endpoint: String,
    endpoint_url: Url,
    token: Option<String>,
    cache_dir: std::path::PathBuf,
    state_dir: std::path::PathBuf,
    etag_timeout: Duration,
    retry: RetryPolicy,
    wait_budget: Duration,
    sleep: Sleeper,
    max_in_flight: usize,
    limits: Limits,
    in_flight: Semaphore,
    requests: AtomicU64,
    /// What the 429 waits of the run took out of `wait_budget`, in milliseconds.
    rate_limit_waited_ms: AtomicU64,
}

impl fmt::Debug for HfClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("HfClient")
            .field("endpoint", &inner.endpoint)
            .field("token", &inner.token.as_ref().map(|_| "<redacted>"))
            .field("offline", &self.offline)
            .field("cache_dir", &inner.cache_dir)
            .field("retry", &inner.retry)
            .field("wait_budget", &inner.wait_budget)
            .field("max_in_flight", &inner.max_in_flight)
            .field("requests_made", &self.requests_made())
            .finish()
    }
}

impl HfClient {
    pub fn new(config: HfConfig) -> anyhow::Result<Self> {
        let endpoint = config.endpoint.trim_end_matches('/').to_string();
        let endpoint_url = Url::parse(&endpoint)
            .with_context(|| format!("parsing the Hub endpoint `{endpoint}` (`HF_ENDPOINT`)"))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("track-models/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // Redirects on the Hub's own host (a renamed repo) are followed; one to another host
            // (LFS files on a CDN) is answered as is, so the file's metadata comes from the
            // Hub's answer and the body is fetched without the token (as huggingface_hub does).
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same_host = attempt.previous().last().is_some_and(|previous| {
                    previous.host_str() == attempt.url().host_str()
                        && previous.port_or_known_default() == attempt.url().port_or_known_default()
                });
                if attempt.previous().len() >= 10 {
                    attempt.error("too many redirects")
                } else if same_host {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .context("building the HTTP client for the Hub")?;
        let max_in_flight = config.max_in_flight.max(1);
        Ok(HfClient {
            inner: Arc::new(Inner {
                http,
                endpoint,
                endpoint_url,
                token: config.token.filter(|token| !token.is_empty()),
                cache_dir: config.cache_dir,
                state_dir: config.state_dir,
                etag_timeout: config.etag_timeout,
                retry: config.retry,
                wait_budget: config.wait_budget,
                sleep: config.sleep,
                max_in_flight,
                limits: config.limits,
                in_flight: Semaphore::new(max_in_flight),
                requests: AtomicU64::new(0),
                rate_limit_waited_ms: AtomicU64::new(0),
            }),
            offline: config.offline,
        })
    }

    /// This client, answering from the cache only (no request), sharing everything else: what
    /// a part of the run that must not touch the network (the lint's config reads) takes from
    /// the run's one client.
    pub fn cache_only(&self) -> HfClient {
        HfClient {
            inner: Arc::clone(&self.inner),
            offline: true,
        }
    }

    /// Whether this client answers from the cache only.
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// HTTP requests sent so far (each retry counts; redirects followed inside one request
    /// do not).
    pub fn requests_made(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }
}

/// `repo` if it is a Hub repo id ([`crate::ident::is_hub_repo_id`]), checked before it names a
/// cache folder or a URL.
fn validate_repo_id(repo: &str) -> Result<(), HfError> {
    if crate::ident::is_hub_repo_id(repo) {
        Ok(())
    } else {
        Err(HfError::InvalidRepoId {
            repo: crate::ident::echo(repo).into_owned(),
        })
    }
}
