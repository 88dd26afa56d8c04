//! How the Hub client is set up: [`HfConfig`] (endpoint, token, cache folders, timeouts,
//! retries, the run's wait budget, size caps and deadlines), read from the environment the way
//! huggingface_hub reads it (`HF_ENDPOINT`, `HF_TOKEN`, `HF_HOME`, `HF_HUB_CACHE`,
//! `HF_HUB_OFFLINE`, `HF_HUB_ETAG_TIMEOUT`, …), and the one reading of the HF home and of
//! "offline" that the other sources share. No network here.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

/// The public Hub, used when `HF_ENDPOINT` is unset.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Everything the client needs; build it from the environment with [`HfConfig::from_env`] or
/// spell it out (tests do, so they never read the process environment).
#[derive(Clone)]
pub struct HfConfig {
    /// Base URL without a trailing `/` (one is stripped if present).
    pub endpoint: String,
    pub token: Option<String>,
    /// No network at all: answer from the cache or fail with [`HfError::OfflineMiss`](super::HfError::OfflineMiss).
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
    /// Timeout of the metadata request (`HEAD`) that checks a cached file is still current
    /// (`HF_HUB_ETAG_TIMEOUT`, default 10 s as in huggingface_hub). It is sent once: when it
    /// fails, the cached snapshot answers.
    pub etag_timeout: Duration,
    pub retry: RetryPolicy,
    /// The most this client waits, in all, for the Hub's 429 answers over the whole run
    /// (`TRACK_MODELS_HUB_WAIT_BUDGET` in seconds, default 600 s). A 429 whose wait would go
    /// past it fails at once with [`HfError::RateLimited`](super::HfError::RateLimited).
    pub wait_budget: Duration,
    /// How the client waits (between tries, for a 429); tests inject one that records the
    /// waits and returns at once.
    pub sleep: Sleeper,
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
    /// The longest single 429 wait honoured; a 429 asking for more fails at once with
    /// [`HfError::RateLimited`](super::HfError::RateLimited). The Hub's windows are 5 minutes,
    /// so it never asks for more than 300 s; all waits together are bounded by
    /// [`HfConfig::wait_budget`].
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// The official client's policy: 5 tries, 1 s doubling to 8 s; a 429 waits as long as the
    /// Hub asks, up to its 300 s window.
    fn default() -> Self {
        RetryPolicy {
            max_tries: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            max_rate_limit_wait: Duration::from_secs(300),
        }
    }
}

impl HfConfig {
    /// `endpoint` without its trailing `/`; online, no token, default timeouts (30 s, connect
    /// 10 s, metadata 10 s), retries, a 600 s wait budget and 8 in flight.
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
            etag_timeout: DEFAULT_ETAG_TIMEOUT,
            retry: RetryPolicy::default(),
            wait_budget: DEFAULT_WAIT_BUDGET,
            sleep: Sleeper::tokio(),
            max_in_flight: 8,
            limits: Limits::default(),
        }
    }

    /// Reads `HF_ENDPOINT`, `HF_TOKEN`, `HF_TOKEN_PATH`, `HF_HOME`, `HF_HUB_CACHE`,
    /// `HF_HUB_OFFLINE`, `HF_HUB_ETAG_TIMEOUT`, `TRACK_MODELS_HUB_WAIT_BUDGET` (and
    /// `XDG_CACHE_HOME`, `HOME` for the defaults) from the process.
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
        if let Some(seconds) = seconds_var(&set, "HF_HUB_ETAG_TIMEOUT")? {
            config.etag_timeout = seconds;
        }
        if let Some(seconds) = seconds_var(&set, WAIT_BUDGET_VAR)? {
            config.wait_budget = seconds;
        }
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
            .field("etag_timeout", &self.etag_timeout)
            .field("retry", &self.retry)
            .field("wait_budget", &self.wait_budget)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

/// huggingface_hub's `DEFAULT_ETAG_TIMEOUT`.
const DEFAULT_ETAG_TIMEOUT: Duration = Duration::from_secs(10);
/// Two of the Hub's 5-minute windows.
const DEFAULT_WAIT_BUDGET: Duration = Duration::from_secs(600);
const WAIT_BUDGET_VAR: &str = "TRACK_MODELS_HUB_WAIT_BUDGET";

/// A number of seconds (`10`, `2.5`) from the variable `name`; unset is `None`, anything else
/// that is not a finite number ≥ 0 is an error naming the variable.
fn seconds_var(
    set: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> anyhow::Result<Option<Duration>> {
    let Some(value) = set(name) else {
        return Ok(None);
    };
    value
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .map(Some)
        .with_context(|| {
            format!(
                "`{name}` is `{}`: expected a number of seconds",
                crate::ident::echo(&value)
            )
        })
}

/// A future that waits.
pub type Wait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How the client waits: `tokio::time::sleep` in production; tests pass their own
/// ([`Sleeper::new`]) so that no test waits for real.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> Wait + Send + Sync>);

impl Sleeper {
    pub fn tokio() -> Self {
        Sleeper(Arc::new(|duration| Box::pin(tokio::time::sleep(duration))))
    }

    pub fn new(sleep: impl Fn(Duration) -> Wait + Send + Sync + 'static) -> Self {
        Sleeper(Arc::new(sleep))
    }

    pub(super) fn sleep(&self, duration: Duration) -> Wait {
        (self.0)(duration)
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeper")
    }
}

/// Size caps and total deadlines of the Hub client.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body read for a repo file (`…/resolve/…`, such as `config.json`).
    pub max_file_bytes: u64,
    /// Largest body read for an API answer (a listing page, model info, a search).
    pub max_api_bytes: u64,
    /// Most entries one listing (a dataset tree, a model search) may hold: a listing that
    /// goes on past it fails, naming its URL, and the cached state is kept.
    pub max_listing_entries: usize,
    /// Most `Link` pages one listing may take.
    pub max_listing_pages: usize,
    /// Total time for one request, all retries and waits included (the waits a 429 asks for
    /// excepted: they are bounded by [`HfConfig::wait_budget`]).
    pub request_deadline: Duration,
    /// Total time for everything one model's `config.json` needs (metadata, then the file).
    pub model_deadline: Duration,
    /// Total time for every page of one listing (a dataset tree, a model search).
    pub source_deadline: Duration,
}

impl Default for Limits {
    /// 8 MiB per file (real configs are a few KiB), 64 MiB per API answer, 500,000 entries
    /// and 2,000 pages per listing (the benchmarks' 150,000-file dataset is well inside), 60 s
    /// per request, 90 s per model, 300 s per listing.
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_api_bytes: 64 << 20,
            max_listing_entries: 500_000,
            max_listing_pages: 2_000,
            request_deadline: Duration::from_secs(60),
            model_deadline: Duration::from_secs(90),
            source_deadline: Duration::from_secs(300),
        }
    }
}
