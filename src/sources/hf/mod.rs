//! A small Hugging Face Hub client (no HF SDK): `config.json` through the standard HF cache,
//! model info and model search, and the flashinfer-trace dataset file listing.
//!
//! Guarantees:
//! - The token is sent only as `Authorization: Bearer …`, only to the configured endpoint's
//!   origin (redirects to another host drop it), and never appears in an error, a `Debug`
//!   output or a log line.
//! - `config.json` is keyed by commit in the cache layout the Python client shares
//!   (see `cache.rs`): a warm run makes one metadata request per model and downloads nothing; a cold
//!   run makes one request; offline (`HF_HUB_OFFLINE`) makes none and serves `refs/main`.
//! - The dataset listing is cached by dataset commit: one request when warm, none offline.
//!   The tags of its definition files are cached by blob id (`dataset_files.rs`): none when
//!   warm, one request per changed file.
//! - 408/429/5xx, timeouts and connection failures are retried (at most `max_tries` attempts,
//!   bounded waits); at most `max_in_flight` requests are on the wire at once.
//! - Every error ([`HfError`]) names the repo id and the URL.

mod cache;
mod dataset_files;
mod error;
mod model;
mod transport;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use cache::{RepoCache, RepoKind};
use transport::{Exchange, Target};

pub use dataset_files::{
    DatasetTags, FileTags, ListedFile, MAX_DEFINITION_BYTES, MAX_TAGGED_FILES,
};
pub use error::HfError;
pub use model::{ConfigSummary, Gated, ModelInfo, ProviderMapping};
pub use transport::Limits;

/// The public Hub, used when `HF_ENDPOINT` is unset.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Everything the client needs; build it from the environment with [`HfConfig::from_env`] or
/// spell it out (tests do, so they never read the process environment).
#[derive(Clone)]
pub struct HfConfig {
    /// Base URL without a trailing `/` (one is stripped if present).
    pub endpoint: String,
    pub token: Option<String>,
    /// No network at all: answer from the cache or fail with [`HfError::OfflineMiss`].
    pub offline: bool,
    /// The hub cache folder (`HF_HUB_CACHE`, default `$HF_HOME/hub`).
    pub cache_dir: PathBuf,
    /// track-models' own cache (the dataset listing and its tags), outside the hub cache so that
    /// huggingface_hub's `scan_cache_dir` finds only repo folders there (`$HF_HOME/track-models`;
    /// [`HfConfig::new`]: a sibling of `cache_dir` named `<name>-track-models`).
    pub state_dir: PathBuf,
    /// Whole-request timeout, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Requests on the wire at once, across all calls on this client.
    pub max_in_flight: usize,
    /// Size caps and total deadlines.
    pub limits: Limits,
}

/// How transient failures are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_tries: u32,
    /// Wait before the second attempt; doubled after each retry up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest 429 wait honoured; a 429 asking for more fails at once with
    /// [`HfError::RateLimited`] (the Hub's windows are 5 minutes; waiting them out in a run is
    /// worse than reporting).
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// The official client's policy: 5 tries, 1 s doubling to 8 s; 429 waits up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_tries: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl HfConfig {
    /// `endpoint` without its trailing `/`; online, no token, default timeouts (30 s, connect 10 s), retries and 8 in flight.
    pub fn new(endpoint: impl Into<String>, cache_dir: impl Into<PathBuf>) -> Self {
        let cache_dir: PathBuf = cache_dir.into();
        let name = cache_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "hub".to_string());
        HfConfig {
            endpoint: endpoint.into().trim_end_matches('/').to_string(),
            token: None,
            offline: false,
            state_dir: cache_dir.with_file_name(format!("{name}-track-models")),
            cache_dir,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_in_flight: 8,
            limits: Limits::default(),
        }
    }

    /// Reads `HF_ENDPOINT`, `HF_TOKEN`, `HF_TOKEN_PATH`, `HF_HOME`, `HF_HUB_CACHE`,
    /// `HF_HUB_OFFLINE` (and `XDG_CACHE_HOME`, `HOME` for the defaults) from the process.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`HfConfig::from_env`] with `var` standing in for the environment. The token is
    /// `HF_TOKEN`, else the file at `HF_TOKEN_PATH`, else `$HF_HOME/token` (trimmed).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let set = |name: &str| set_var(&var, name);
        let home = home_dir(&set);
        let expand = |name: &str, value: String| expand_home(home.as_deref(), name, value);
        let hf_home = hf_home(&var)?;
        // The older names huggingface_hub still honours, after the current ones.
        let cache_dir = match set("HF_HUB_CACHE").or_else(|| set("HUGGINGFACE_HUB_CACHE")) {
            Some(dir) => expand("HF_HUB_CACHE", dir)?,
            None => hf_home.join("hub"),
        };
        let token = match set("HF_TOKEN").or_else(|| set("HUGGING_FACE_HUB_TOKEN")) {
            Some(token) => Some(token),
            None => {
                let path = match set("HF_TOKEN_PATH") {
                    Some(path) => expand("HF_TOKEN_PATH", path)?,
                    None => hf_home.join("token"),
                };
                read_token_file(&path)
            }
        };
        let offline = offline(&var);
        let mut config = HfConfig::new(
            set("HF_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            cache_dir,
        );
        config.token = token;
        config.offline = offline;
        config.state_dir = hf_home.join("track-models");
        Ok(config)
    }
}

/// The Hugging Face home: `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else
/// `~/.cache/huggingface` (as huggingface_hub resolves it), a leading `~` being `HOME`. The one
/// resolution every reader of the HF home (the Hub cache, saved responses, the GitHub cache)
/// uses; `var` stands in for the environment (values trimmed, empty means unset).
pub fn hf_home(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<PathBuf> {
    let set = |name: &str| set_var(&var, name);
    let home = home_dir(&set);
    Ok(match (set("HF_HOME"), set("XDG_CACHE_HOME")) {
        (Some(hf_home), _) => expand_home(home.as_deref(), "HF_HOME", hf_home)?,
        (None, Some(xdg)) => {
            expand_home(home.as_deref(), "XDG_CACHE_HOME", xdg)?.join("huggingface")
        }
        (None, None) => home
            .context("locating the Hugging Face cache: neither `HF_HOME` nor `HOME` is set")?
            .join(".cache")
            .join("huggingface"),
    })
}

/// Whether `HF_HUB_OFFLINE` (else the older `TRANSFORMERS_OFFLINE`) says `1`, `true`, `yes` or
/// `on`: the one reading of "no network" for the Hub client and the GitHub readers alike.
pub fn offline(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| set_var(&var, name);
    set("HF_HUB_OFFLINE")
        .or_else(|| set("TRANSFORMERS_OFFLINE"))
        .is_some_and(|value| {
            matches!(
                value.to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
}

/// `var(name)` trimmed; empty means unset.
fn set_var(var: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    var(name)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// `HOME`, else `USERPROFILE`.
fn home_dir(set: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    set("HOME")
        .or_else(|| set("USERPROFILE"))
        .map(PathBuf::from)
}

/// `value` (of the variable `name`) with a leading `~` or `~/` replaced by `home`.
fn expand_home(home: Option<&Path>, name: &str, value: String) -> anyhow::Result<PathBuf> {
    match value.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let home =
                home.with_context(|| format!("expanding `~` in `{name}`: `HOME` is not set"))?;
            Ok(home.join(rest.trim_start_matches('/')))
        }
        _ => Ok(PathBuf::from(value)),
    }
}

/// A token file's trimmed content; an absent, unreadable or empty file means no token.
fn read_token_file(path: &Path) -> Option<String> {
    if !path.exists() {
        return None;
    }
    // A regular file only (a FIFO would block the run); a token is far below 64 KiB.
    let read = crate::atomic_file::read_regular(path, 64 << 10)
        .and_then(|bytes| Ok(String::from_utf8(bytes)?));
    match read {
        Ok(text) => Some(text.trim().to_string()).filter(|token| !token.is_empty()),
        Err(err) => {
            tracing::warn!("cannot read the HF token file `{}`: {err}", path.display());
            None
        }
    }
}

impl fmt::Debug for HfConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HfConfig")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("offline", &self.offline)
            .field("cache_dir", &self.cache_dir)
            .field("state_dir", &self.state_dir)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

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

/// The Hub client. Cheap to clone; clones share the connection pool, the in-flight limit and
/// the request counter.
#[derive(Clone)]
pub struct HfClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing `/`.
    endpoint: String,
    endpoint_url: Url,
    token: Option<String>,
    offline: bool,
    cache_dir: PathBuf,
    state_dir: PathBuf,
    retry: RetryPolicy,
    max_in_flight: usize,
    limits: Limits,
    in_flight: Semaphore,
    requests: AtomicU64,
}

impl fmt::Debug for HfClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("HfClient")
            .field("endpoint", &inner.endpoint)
            .field("token", &inner.token.as_ref().map(|_| "<redacted>"))
            .field("offline", &inner.offline)
            .field("cache_dir", &inner.cache_dir)
            .field("retry", &inner.retry)
            .field("max_in_flight", &inner.max_in_flight)
            .field("requests_made", &self.requests_made())
            .finish()
    }
}

const CONFIG_FILE: &str = "config.json";
const LISTING_DIR: &str = "track-models-listing";

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
                offline: config.offline,
                cache_dir: config.cache_dir,
                state_dir: config.state_dir,
                retry: config.retry,
                max_in_flight,
                limits: config.limits,
                in_flight: Semaphore::new(max_in_flight),
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// `HfClient::new(HfConfig::from_env()?)`.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::new(HfConfig::from_env()?)
    }

    /// HTTP requests sent so far (each retry counts; redirects followed inside one request
    /// do not).
    pub fn requests_made(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }
}

/// What callers ask for: configs, model info, model and dataset listings.
impl HfClient {
    /// `config.json` of `repo` at the commit `main` points to now (offline: when last seen).
    pub async fn fetch_config(&self, repo: &str) -> Result<ConfigFile, HfError> {
        self.fetch_file(repo, CONFIG_FILE).await
    }

    /// [`HfClient::fetch_config`] for each repo, concurrently (at most `max_in_flight` requests
    /// on the wire), in input order. One repo's failure does not affect the others.
    pub async fn fetch_configs(
        &self,
        repos: &[String],
    ) -> Vec<(String, Result<ConfigFile, HfError>)> {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, repo) in repos.iter().enumerate() {
            let client = self.clone();
            let repo = repo.clone();
            tasks.spawn(async move {
                // One deadline for everything this model needs, retries included.
                let deadline = client.inner.limits.model_deadline;
                let result = tokio::time::timeout(deadline, client.fetch_config(&repo))
                    .await
                    .unwrap_or_else(|_| {
                        Err(HfError::DeadlineExceeded {
                            url: format!(
                                "{}/{repo}/resolve/main/{CONFIG_FILE}",
                                client.inner.endpoint
                            ),
                            repo: repo.clone(),
                            deadline,
                        })
                    });
                (index, repo, result)
            });
        }
        let mut slots: Vec<Option<(String, Result<ConfigFile, HfError>)>> =
            repos.iter().map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, repo, result)) => slots[index] = Some((repo, result)),
                // Tasks are never aborted, so a join error is a panic: pass it on.
                Err(err) => std::panic::resume_unwind(err.into_panic()),
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// Models matching `query`, following `Link` pages until `query.limit` models or the end.
    pub async fn list_models(&self, query: &ModelQuery) -> Result<Vec<ModelInfo>, HfError> {
        let mut url = self.url("", "api/models")?;
        {
            let mut pairs = url.query_pairs_mut();
            let optional = [
                ("search", &query.search),
                ("author", &query.author),
                ("pipeline_tag", &query.pipeline_tag),
                ("sort", &query.sort),
                ("inference_provider", &query.inference_provider),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
            if query.limit > 0 {
                pairs.append_pair("limit", &query.limit.min(1000).to_string());
            }
            for field in &query.expand {
                pairs.append_pair("expand[]", field);
            }
        }
        let target = Target {
            repo: "",
            revision: "main",
            path: "",
        };
        self.ensure_online("", &url, "model search is never cached")?;
        let enough = if query.limit == 0 {
            usize::MAX
        } else {
            query.limit
        };
        let mut models: Vec<ModelInfo> = self.get_pages(&target, url, enough).await?;
        models.truncate(enough);
        Ok(models)
    }

    /// The `definitions/` and `workloads/` file paths of a dataset (like
    /// `flashinfer-ai/flashinfer-trace`) at its current commit.
    pub async fn list_dataset(&self, repo: &str) -> Result<DatasetListing, HfError> {
        validate_repo_id(repo)?;
        // Kept in track-models' own folder: a `datasets--…` folder with `refs/main` and no
        // snapshot would be a corrupted repo to huggingface_hub's `scan_cache_dir`.
        let cache = RepoCache::new(&self.inner.state_dir, RepoKind::Dataset, repo);
        let mut info_url = self.url(repo, &format!("api/datasets/{repo}"))?;
        info_url.query_pairs_mut().append_pair("expand[]", "sha");

        if self.inner.offline {
            return recorded_listing(repo, &cache, info_url.as_str());
        }

        #[derive(Deserialize)]
        struct DatasetSha {
            sha: String,
        }
        let target = Target {
            repo,
            revision: "main",
            path: "",
        };
        let answer = self.exchange(repo, Method::GET, &info_url).await?;
        let answer = self.success(&target, answer)?;
        let DatasetSha { sha } = self.json(&target, &answer)?;
        if !cache::is_safe_commit(&sha) {
            return Err(HfError::InvalidResponse {
                repo: repo.to_string(),
                url: answer.url.to_string(),
                reason: format!("`sha` is not a commit id: `{sha}`"),
            });
        }
        keep_going(cache.write_ref("main", &sha), cache.dir());

        let path = listing_path(&cache, &sha);
        if let Some(listing) = read_listing(&path, &sha) {
            tracing::debug!(repo, sha, "dataset listing from cache");
            return Ok(listing);
        }
        let definition_files = self.list_tree_entries(repo, &sha, "definitions").await?;
        let listing = DatasetListing {
            definitions: definition_files.iter().map(|f| f.path.clone()).collect(),
            definition_files: definition_files
                .into_iter()
                .filter(|file| file.path.ends_with(".json"))
                .collect(),
            workloads: self
                .list_tree_entries(repo, &sha, "workloads")
                .await?
                .into_iter()
                .map(|file| file.path)
                .collect(),
            sha,
        };
        store_listing(&cache, &listing);
        Ok(listing)
    }

    /// Files (not folders) under `folder` at `sha`, recursively, sorted by path, with their
    /// blob ids and sizes.
    async fn list_tree_entries(
        &self,
        repo: &str,
        sha: &str,
        folder: &str,
    ) -> Result<Vec<ListedFile>, HfError> {
        #[derive(Deserialize)]
        struct TreeEntry {
            #[serde(rename = "type")]
            kind: String,
            path: String,
            #[serde(default)]
            oid: String,
            #[serde(default)]
            size: u64,
        }
        let mut url = self.url(repo, &format!("api/datasets/{repo}/tree/{sha}/{folder}"))?;
        url.query_pairs_mut().append_pair("recursive", "true");
        let target = Target {
            repo,
            revision: sha,
            path: folder,
        };
        let entries: Vec<TreeEntry> = self.get_pages(&target, url, usize::MAX).await?;
        let mut files: Vec<ListedFile> = entries
            .into_iter()
            .filter(|entry| entry.kind == "file")
            .map(|entry| ListedFile {
                path: entry.path,
                oid: entry.oid,
                size: entry.size,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok(files)
    }
}

/// One file through the cache, online or offline, and the URL and token it is fetched with.
impl HfClient {
    /// One file of a model repo at the commit `main` points to, through the cache.
    ///
    /// Online: when `refs/main` names a cached snapshot, a `HEAD` learns the current commit and
    /// the snapshot answers if it is still current (1 request, no download); otherwise a `GET`
    /// of `main` downloads the file and learns its commit in one request.
    async fn fetch_file(&self, repo: &str, file: &str) -> Result<ConfigFile, HfError> {
        validate_repo_id(repo)?;
        let cache = RepoCache::new(&self.inner.cache_dir, RepoKind::Model, repo);
        let main_url = self.url(repo, &format!("{repo}/resolve/main/{file}"))?;
        if self.inner.offline {
            return self.cached_file_offline(repo, file, &cache, &main_url);
        }
        let warm = cache
            .read_ref("main")
            .is_some_and(|sha| self.usable_snapshot(&cache, &sha, file).is_some());
        let method = if warm { Method::HEAD } else { Method::GET };
        let target = Target {
            repo,
            revision: "main",
            path: file,
        };
        let first = self.exchange(repo, method.clone(), &main_url).await?;
        let commit_of = |answer: &Exchange| {
            answer
                .header("x-repo-commit")
                .map(str::to_string)
                .filter(|sha| cache::is_safe_commit(sha))
        };
        // The Hub's own answer first (huggingface_hub reads the metadata there), then the
        // answer that carried the body.
        let (commit, etag, answer) = match &method {
            // The metadata is all a HEAD wants: a redirect to the file is an answer.
            &Method::HEAD if first.status.is_redirection() && commit_of(&first).is_some() => (
                commit_of(&first),
                etag_of(&first),
                Exchange {
                    status: reqwest::StatusCode::OK,
                    ..first
                },
            ),
            _ => match self.follow_other_host(repo, &first).await? {
                Some(body) => (
                    commit_of(&first).or_else(|| commit_of(&body)),
                    etag_of(&first).or_else(|| etag_of(&body)),
                    body,
                ),
                None => (commit_of(&first), etag_of(&first), first),
            },
        };
        if !answer.status.is_success() {
            let err = self.status_error(&target, &answer);
            if let (HfError::EntryNotFound { .. }, Some(sha)) = (&err, &commit) {
                keep_going(cache.write_ref("main", sha), cache.dir());
                keep_going(cache.mark_missing(sha, file), cache.dir());
            }
            return Err(err);
        }
        let Some(sha) = commit else {
            return Err(HfError::InvalidResponse {
                repo: repo.to_string(),
                url: answer.url.to_string(),
                reason: "no usable `X-Repo-Commit` header".to_string(),
            });
        };
        keep_going(cache.write_ref("main", &sha), cache.dir());
        let file_url = format!("{}/{repo}/resolve/{sha}/{file}", self.inner.endpoint);
        if let Some(text) = self.usable_snapshot(&cache, &sha, file) {
            tracing::debug!(repo, sha, file, "served from the cache");
            return Ok(ConfigFile {
                text,
                sha,
                url: file_url,
                from_cache: true,
            });
        }
        if method == Method::HEAD {
            // A new commit whose file content we may already hold under the same blob.
            if let Some(etag) = etag.as_deref().filter(|etag| cache.has_blob(etag)) {
                keep_going(cache.link_snapshot(&sha, file, etag), cache.dir());
                if let Some(text) = self.usable_snapshot(&cache, &sha, file) {
                    return Ok(ConfigFile {
                        text,
                        sha,
                        url: file_url,
                        from_cache: true,
                    });
                }
            }
            let pinned = self.url(repo, &format!("{repo}/resolve/{sha}/{file}"))?;
            let target = Target {
                repo,
                revision: &sha,
                path: file,
            };
            let first = self.exchange(repo, Method::GET, &pinned).await?;
            let etag = etag_of(&first).or(etag);
            let answer = match self.follow_other_host(repo, &first).await? {
                Some(body) => body,
                None => first,
            };
            let answer = self.success(&target, answer)?;
            return self.store_download(repo, file, &cache, sha, etag, &answer);
        }
        self.store_download(repo, file, &cache, sha, etag, &answer)
    }

    /// The cached text of `file` at `sha`, unless it is not the JSON a `.json` file must be (a
    /// cache damaged by a crash or a disk error): then it is treated as absent, with a warning,
    /// and fetched again.
    fn usable_snapshot(&self, cache: &RepoCache, sha: &str, file: &str) -> Option<String> {
        let text = cache.read_snapshot(sha, file)?;
        if !file.ends_with(".json")
            || transport::check_json_text(&crate::arch::sanitize_json(&text)).is_ok()
        {
            return Some(text);
        }
        tracing::warn!(
            "the cached `{}` is not valid JSON; ignoring it",
            cache.snapshot_path(sha, file).display()
        );
        None
    }

    /// Checks a downloaded body, caches it under its ETag and returns it.
    fn store_download(
        &self,
        repo: &str,
        file: &str,
        cache: &RepoCache,
        sha: String,
        etag: Option<String>,
        answer: &Exchange,
    ) -> Result<ConfigFile, HfError> {
        let invalid = |reason: String| HfError::InvalidResponse {
            repo: repo.to_string(),
            url: answer.url.to_string(),
            reason,
        };
        transport::check_html(answer).map_err(|reason| invalid(self.scrub(&reason)))?;
        let text = String::from_utf8(answer.body.clone())
            .map_err(|err| invalid(format!("not UTF-8: {err}")))?;
        // Real config.json files are Python's `json.dump` output: a bare `Infinity` or `NaN`
        // is valid there (Nemotron-H), so check the text the config parser will read.
        transport::check_json_text(&crate::arch::sanitize_json(&text))
            .map_err(|reason| invalid(self.scrub(&reason)))?;
        match etag {
            Some(etag) => keep_going(cache.store(&sha, file, &etag, &answer.body), cache.dir()),
            None => tracing::warn!(repo, url = %answer.url, "no usable ETag; not caching"),
        }
        Ok(ConfigFile {
            text,
            url: format!("{}/{repo}/resolve/{sha}/{file}", self.inner.endpoint),
            sha,
            from_cache: false,
        })
    }

    fn cached_file_offline(
        &self,
        repo: &str,
        file: &str,
        cache: &RepoCache,
        main_url: &Url,
    ) -> Result<ConfigFile, HfError> {
        let miss = |reason: String| offline_miss(repo, main_url.as_str(), reason);
        let sha = cached_main(repo, cache, main_url.as_str())?;
        let file_url = format!("{}/{repo}/resolve/{sha}/{file}", self.inner.endpoint);
        if let Some(text) = self.usable_snapshot(cache, &sha, file) {
            return Ok(ConfigFile {
                text,
                sha,
                url: file_url,
                from_cache: true,
            });
        }
        if cache.is_marked_missing(&sha, file) {
            return Err(HfError::EntryNotFound {
                repo: repo.to_string(),
                path: file.to_string(),
                url: file_url,
                reason: format!(
                    "known missing at commit `{sha}` (`{}`)",
                    cache.no_exist_path(&sha, file).display()
                ),
            });
        }
        Err(miss(format!(
            "no `{}`",
            cache.snapshot_path(&sha, file).display()
        )))
    }

    fn ensure_online(&self, repo: &str, url: &Url, why: &str) -> Result<(), HfError> {
        if self.inner.offline {
            return Err(offline_miss(repo, url.as_str(), why.to_string()));
        }
        Ok(())
    }

    /// `{endpoint}/{path_and_query}`; `repo` only names the error.
    fn url(&self, repo: &str, path: &str) -> Result<Url, HfError> {
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
    fn scrub(&self, text: &str) -> String {
        match self.inner.token.as_deref() {
            Some(token) if text.contains(token) => text.replace(token, "<redacted>"),
            _ => text.to_string(),
        }
    }
}

/// The blob id: `X-Linked-Etag` (LFS files) else `ETag`, without `W/` and quotes, if it is
/// safe as a file name.
fn etag_of(answer: &Exchange) -> Option<String> {
    let raw = answer
        .header("x-linked-etag")
        .or_else(|| answer.header("etag"))?;
    let etag = raw.trim();
    let etag = etag.strip_prefix("W/").unwrap_or(etag).trim_matches('"');
    cache::is_safe_etag(etag).then(|| etag.to_string())
}

fn listing_path(cache: &RepoCache, sha: &str) -> PathBuf {
    cache.dir().join(LISTING_DIR).join(format!("{sha}.json"))
}

fn store_listing(cache: &RepoCache, listing: &DatasetListing) {
    let path = listing_path(cache, &listing.sha);
    match serde_json::to_vec_pretty(listing) {
        Ok(bytes) => keep_going(cache::write_atomic(&path, &bytes), &path),
        Err(err) => tracing::warn!(%err, "cannot serialise the dataset listing"),
    }
}

/// The listing cached at the commit `refs/main` names (no request); a miss is
/// [`HfError::OfflineMiss`] naming `url` and what is missing.
fn recorded_listing(repo: &str, cache: &RepoCache, url: &str) -> Result<DatasetListing, HfError> {
    let sha = cached_main(repo, cache, url)?;
    let path = listing_path(cache, &sha);
    read_listing(&path, &sha).ok_or_else(|| {
        offline_miss(
            repo,
            url,
            format!("no listing for commit `{sha}` at `{}`", path.display()),
        )
    })
}

/// The commit the cache's `refs/main` names, for an answer without a request; a miss is
/// [`HfError::OfflineMiss`] naming `url` and the ref file that is not there.
fn cached_main(repo: &str, cache: &RepoCache, url: &str) -> Result<String, HfError> {
    cache.read_ref("main").ok_or_else(|| {
        offline_miss(
            repo,
            url,
            format!("no `{}`", cache.ref_path("main").display()),
        )
    })
}

/// What cannot be answered offline (or from the cache) for `repo`, and why.
fn offline_miss(repo: &str, url: &str, reason: String) -> HfError {
    HfError::OfflineMiss {
        repo: repo.to_string(),
        url: url.to_string(),
        reason,
    }
}

fn read_listing(path: &Path, sha: &str) -> Option<DatasetListing> {
    let text = cache::read_optional(path)?;
    match serde_json::from_str::<DatasetListing>(&text) {
        Ok(listing) if listing.sha == sha => Some(listing),
        Ok(_) | Err(_) => {
            tracing::warn!(path = %path.display(), "ignoring a bad cached dataset listing");
            None
        }
    }
}

/// A cache write that failed costs a download next time, not this run's answer.
fn keep_going(result: std::io::Result<()>, path: &Path) {
    if let Err(err) = result {
        tracing::warn!(path = %path.display(), %err, "cannot write to the HF cache");
    }
}

/// `org/name` (or a legacy bare `name`): letters, digits, `-`, `_`, `.`; no `--` or `..`
/// (the cache folder name must map back to one repo), at most 96 characters.
fn validate_repo_id(repo: &str) -> Result<(), HfError> {
    let part_ok = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !part.starts_with(['-', '.'])
            && !part.ends_with(['-', '.'])
    };
    let parts: Vec<&str> = repo.split('/').collect();
    let ok = repo.len() <= 96
        && (1..=2).contains(&parts.len())
        && parts.iter().all(|part| part_ok(part))
        && !repo.contains("--")
        && !repo.contains("..");
    if ok {
        Ok(())
    } else {
        Err(HfError::InvalidRepoId {
            repo: repo.to_string(),
        })
    }
}
