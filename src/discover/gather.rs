//! The I/O shell of discovery: asks every registered source ([`super::source::SOURCES`]) at
//! once and turns each failure into one problem line naming the source. Never fails as a whole.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::task::Poll;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER, USER_AGENT};

use super::day0::day0_from_clone;
use super::day0_api::{self, day0_from_api};
use super::providers::{parse_openrouter_models, parse_router_models, ProviderCatalog};
use super::responses::SavedResponses;
use super::source::{
    DiscoverySource, Fetch, Fetching, Found, RunInputs, DAY0_FILES, HF_LISTS, PROVIDERS,
    PROVIDER_CATALOG_REACHED, SOURCES,
};
use super::{Day0File, DiscoveryOptions, HfList, HfListKind, Signals};
use crate::github::reader::{without_url, GithubApi};
use crate::sources::hf::{Gated, HfClient, HfConfig, ModelInfo, ModelQuery};
use crate::sources::serving::CookbookIndex;
use crate::sources::sglang::SglangCatalog;

pub const DEFAULT_HF_ROUTER_URL: &str = "https://router.huggingface.co";
pub const DEFAULT_OPENROUTER_API_URL: &str = "https://openrouter.ai/api/v1";

/// The pipeline tags whose trending and newest lists are read.
pub const PIPELINE_TAGS: [&str; 2] = ["text-generation", "image-text-to-text"];

/// The `expand[]` fields of each list call.
pub const LIST_EXPAND: [&str; 9] = [
    "downloads",
    "likes",
    "gated",
    "sha",
    "config",
    "inferenceProviderMapping",
    "trendingScore",
    "createdAt",
    "pipeline_tag",
];

/// Everything discovery reads from. Build it with [`DiscoverySources::from_vars`] (tests spell
/// the fields out). `Debug` never shows the tokens.
pub struct DiscoverySources {
    pub hf: HfClient,
    /// Sent to the HF router when set.
    pub hf_token: Option<String>,
    /// No network: every source answers from its saved response.
    pub offline: bool,
    /// Base URLs, without a trailing `/`.
    pub github_api_url: String,
    pub github_token: Option<String>,
    pub hf_router_url: String,
    pub openrouter_api_url: String,
    /// Where responses are saved (`$HF_HOME/track-models/responses`).
    pub responses_dir: PathBuf,
    /// A local SGLang clone: day-0 through git2 instead of the GitHub API.
    pub sglang_dir: Option<PathBuf>,
    /// The caller reports the catalog's and the cookbook's own warnings.
    pub catalog: SglangCatalog,
    pub cookbook: CookbookIndex,
    /// Models per HF list (default 50).
    pub hf_list_limit: usize,
    /// GitHub calls per run without a clone (default 5).
    pub github_budget: u32,
    /// Whole-request timeout of the router, OpenRouter and GitHub calls.
    pub timeout: Duration,
}

impl DiscoverySources {
    /// From the environment (see the module doc of [`crate::discover`]) with `var` standing in
    /// for it. The catalog is read from `sglang_dir` (else the bundled snapshot), the cookbook
    /// from `cookbook_dirs` and the JSX configs of `sglang_dir`.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        sglang_dir: Option<PathBuf>,
        cookbook_dirs: &[PathBuf],
    ) -> anyhow::Result<DiscoverySources> {
        let catalog = match &sglang_dir {
            Some(dir) => SglangCatalog::from_dir(dir),
            None => SglangCatalog::bundled(),
        };
        let cookbook = CookbookIndex::load(cookbook_dirs, sglang_dir.as_deref());
        Self::with_serving(var, sglang_dir, catalog, cookbook)
    }

    /// Like [`DiscoverySources::from_vars`] with the catalog and the serving configs already
    /// loaded (by [`crate::sources::serving_data::load`]: local, live or cached).
    pub fn with_serving(
        var: impl Fn(&str) -> Option<String>,
        sglang_dir: Option<PathBuf>,
        catalog: SglangCatalog,
        cookbook: CookbookIndex,
    ) -> anyhow::Result<DiscoverySources> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let hf_config = HfConfig::from_vars(&var)?;
        let hf_home =
            crate::sources::hf::hf_home(&var).context("locating `HF_HOME` for saved responses")?;
        let base = |name: &str, default: &str| {
            set(name)
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        Ok(DiscoverySources {
            hf_token: hf_config.token.clone(),
            offline: hf_config.offline,
            hf: HfClient::new(hf_config)?,
            github_api_url: crate::github::api_url(&var),
            github_token: set("GITHUB_TOKEN"),
            hf_router_url: base("HF_ROUTER_URL", DEFAULT_HF_ROUTER_URL),
            openrouter_api_url: base("OPENROUTER_API_URL", DEFAULT_OPENROUTER_API_URL),
            responses_dir: hf_home.join("track-models").join("responses"),
            sglang_dir,
            catalog,
            cookbook,
            hf_list_limit: 50,
            github_budget: 5,
            timeout: Duration::from_secs(30),
        })
    }

    /// [`DiscoverySources::from_vars`] over the process environment.
    pub fn from_env(
        sglang_dir: Option<PathBuf>,
        cookbook_dirs: &[PathBuf],
    ) -> anyhow::Result<DiscoverySources> {
        Self::from_vars(|name| std::env::var(name).ok(), sglang_dir, cookbook_dirs)
    }
}

impl fmt::Debug for DiscoverySources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |token: &Option<String>| token.as_ref().map(|_| "<redacted>");
        f.debug_struct("DiscoverySources")
            .field("hf", &self.hf)
            .field("hf_token", &redacted(&self.hf_token))
            .field("offline", &self.offline)
            .field("github_api_url", &self.github_api_url)
            .field("github_token", &redacted(&self.github_token))
            .field("hf_router_url", &self.hf_router_url)
            .field("openrouter_api_url", &self.openrouter_api_url)
            .field("responses_dir", &self.responses_dir)
            .field("sglang_dir", &self.sglang_dir)
            .field("catalog", &self.catalog.source)
            .field("cookbook_repo_ids", &self.cookbook.repo_ids().len())
            .field("hf_list_limit", &self.hf_list_limit)
            .field("github_budget", &self.github_budget)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Reads every source (concurrently) and returns what they said. Never fails: a source that
/// cannot answer leaves a problem line naming it and contributes nothing.
pub async fn gather(sources: &DiscoverySources, options: &DiscoveryOptions) -> Signals {
    gather_for_run(sources, options, None).await
}

/// [`gather`] as part of a run: sources that need the run's request or doc (the dataset's
/// traces) read them from `run`.
pub async fn gather_for_run(
    sources: &DiscoverySources,
    options: &DiscoveryOptions,
    run: Option<RunInputs<'_>>,
) -> Signals {
    gather_from(sources, options, run, &SOURCES).await
}

/// [`gather_for_run`] over the sources of `registry`.
pub(super) async fn gather_from(
    sources: &DiscoverySources,
    options: &DiscoveryOptions,
    run: Option<RunInputs<'_>>,
    registry: &[&dyn DiscoverySource],
) -> Signals {
    let mut signals = Signals::default();
    let saved = SavedResponses::new(&sources.responses_dir);
    let built = reqwest::Client::builder()
        .user_agent(concat!("track-models/", env!("CARGO_PKG_VERSION")))
        .timeout(sources.timeout)
        .connect_timeout(sources.timeout.min(Duration::from_secs(10)))
        .build();
    // Without a client the sources that need one contribute nothing (this line says why).
    let http = built
        .map_err(|err| {
            signals
                .problems
                .push(format!("discovery: cannot build an HTTP client: {err}"))
        })
        .ok();
    let at = Fetching {
        sources,
        options,
        http: http.as_ref(),
        saved: &saved,
        run,
    };
    let hf_before = sources.hf.requests_made();
    let fetches: Vec<Fetch<'_>> = registry.iter().map(|s| s.fetch(&at)).collect();
    for found in join_all(fetches).await {
        found(&mut signals);
    }
    if http.is_some() {
        let hf_calls = sources.hf.requests_made().saturating_sub(hf_before);
        signals.api_calls.insert("hf".to_string(), hf_calls);
    }
    signals
}

/// Drives every fetch at once (as `tokio::join!` does, on this task) and returns their results
/// in the order given.
async fn join_all(mut fetches: Vec<Fetch<'_>>) -> Vec<Found> {
    let mut done: Vec<Option<Found>> = fetches.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fetch, slot) in fetches.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match fetch.as_mut().poll(cx) {
                    Poll::Ready(found) => *slot = Some(found),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

/// `sglang-day0`: the new model files, their problems and the GitHub calls spent.
pub(super) async fn fetch_day0(at: &Fetching<'_>) -> Found {
    let (files, problems, calls) = day0(at.sources, at.options, at.saved).await;
    Box::new(move |signals| {
        signals.insert(DAY0_FILES, files);
        signals.problems.extend(problems);
        signals.api_calls.insert("github".to_string(), calls);
    })
}

/// `hf-trending` / `hf-new`: the lists that answered (their HF calls are counted by the caller).
pub(super) async fn fetch_hf_lists(at: &Fetching<'_>) -> Found {
    if at.http.is_none() {
        return Box::new(|_| {});
    }
    let (lists, problems) = hf_lists(at.sources, at.saved).await;
    Box::new(move |signals| {
        signals.insert(HF_LISTS, lists);
        signals.problems.extend(problems);
    })
}

/// The provider catalogs (HF router, OpenRouter): live providers per repo id.
pub(super) async fn fetch_providers(at: &Fetching<'_>) -> Found {
    let (sources, saved) = (at.sources, at.saved);
    let Some(http) = at.http else {
        return Box::new(|_| {});
    };
    let (router, openrouter) = tokio::join!(
        provider_catalog(sources, http, saved, Catalog::Router),
        provider_catalog(sources, http, saved, Catalog::OpenRouter),
    );
    Box::new(move |signals| {
        let mut reached = false;
        let mut providers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for outcome in [router, openrouter] {
            match outcome.catalog {
                Some(catalog) => {
                    reached = true;
                    for (repo, names) in catalog.providers {
                        providers.entry(repo).or_default().extend(names);
                    }
                }
                None => signals.problems.extend(outcome.problem),
            }
            signals
                .api_calls
                .insert(outcome.label.to_string(), outcome.calls);
        }
        if !reached {
            signals.problems.push(
                "providers: no provider catalog answered, so popularity alone counts (`--min-providers` is not applied)"
                    .to_string(),
            );
        }
        signals.insert(PROVIDERS, providers);
        signals.insert(PROVIDER_CATALOG_REACHED, reached);
    })
}

const GITHUB_DAY0_FILE: &str = "github-sglang-day0.json";

/// Day-0 files, problems and GitHub calls: from the clone when there is one, else the API
/// (offline: its saved result).
async fn day0(
    sources: &DiscoverySources,
    options: &DiscoveryOptions,
    saved: &SavedResponses,
) -> (Vec<Day0File>, Vec<String>, u64) {
    if let Some(dir) = &sources.sglang_dir {
        let dir = dir.clone();
        let options = *options;
        return match tokio::task::spawn_blocking(move || day0_from_clone(&dir, &options)).await {
            Ok((files, problems)) => (files, problems, 0),
            Err(err) => (
                Vec::new(),
                vec![format!("sglang-day0 (git): the history walk failed: {err}")],
                0,
            ),
        };
    }
    if sources.offline {
        return match saved.read(GITHUB_DAY0_FILE, day0_api::LABEL) {
            Ok(body) => match serde_json::from_slice::<Vec<Day0File>>(&body) {
                Ok(files) => {
                    let start = options.window_start();
                    let files = files
                        .into_iter()
                        .filter(|f| f.date >= start && f.date <= options.today)
                        .collect();
                    (files, Vec::new(), 0)
                }
                Err(err) => (
                    Vec::new(),
                    vec![format!(
                        "{}: saved response `{}` is not valid: {err}",
                        day0_api::LABEL,
                        saved.path(GITHUB_DAY0_FILE).display()
                    )],
                    0,
                ),
            },
            Err(problem) => (
                Vec::new(),
                vec![format!("{}: {problem}", day0_api::LABEL)],
                0,
            ),
        };
    }
    let catalog_files = catalog_files(&sources.catalog);
    let built = GithubApi::new(
        &sources.github_api_url,
        sources.github_token.as_deref(),
        sources.timeout,
        sources.github_budget,
    );
    let mut api = match built {
        Ok(api) => api,
        Err(err) => {
            let problem = format!("{}: cannot build an HTTP client: {err:#}", day0_api::LABEL);
            return (Vec::new(), vec![problem], 0);
        }
    };
    let found = day0_from_api(&mut api, options, &catalog_files).await;
    let files = match found.files {
        Some(files) => {
            if let Ok(body) = serde_json::to_vec_pretty(&files) {
                saved.save(GITHUB_DAY0_FILE, &body);
            }
            files
        }
        None => Vec::new(),
    };
    (files, found.problems, found.calls)
}

/// File name → every class its `EntryClass` lists (all kinds; the caller filters).
fn catalog_files(catalog: &SglangCatalog) -> HashMap<String, Vec<String>> {
    let mut files: HashMap<String, Vec<String>> = HashMap::new();
    for class in &catalog.classes {
        files
            .entry(class.file.clone())
            .or_default()
            .push(class.class.clone());
    }
    files
}

/// The four HF lists, in a fixed order (trending then new; text, then image-text).
async fn hf_lists(
    sources: &DiscoverySources,
    saved: &SavedResponses,
) -> (Vec<HfList>, Vec<String>) {
    let requests: Vec<(HfListKind, &str)> = [HfListKind::Trending, HfListKind::New]
        .into_iter()
        .flat_map(|kind| PIPELINE_TAGS.map(|tag| (kind, tag)))
        .collect();
    let (a, b, c, d) = tokio::join!(
        hf_list(sources, saved, requests[0].0, requests[0].1),
        hf_list(sources, saved, requests[1].0, requests[1].1),
        hf_list(sources, saved, requests[2].0, requests[2].1),
        hf_list(sources, saved, requests[3].0, requests[3].1),
    );
    let mut lists = Vec::new();
    let mut problems = Vec::new();
    for outcome in [a, b, c, d] {
        match outcome {
            Ok(list) => lists.push(list),
            Err(problem) => problems.push(problem),
        }
    }
    (lists, problems)
}

fn list_label(kind: HfListKind, tag: &str) -> String {
    format!("{} ({tag})", kind.source().as_str())
}

fn list_file(kind: HfListKind, tag: &str) -> String {
    format!("{}-{tag}.json", kind.source().as_str())
}

async fn hf_list(
    sources: &DiscoverySources,
    saved: &SavedResponses,
    kind: HfListKind,
    tag: &str,
) -> Result<HfList, String> {
    let label = list_label(kind, tag);
    let file = list_file(kind, tag);
    let models = if sources.offline {
        let body = saved
            .read(&file, &label)
            .map_err(|problem| format!("{label}: {problem}"))?;
        serde_json::from_slice::<Vec<ModelInfo>>(&body).map_err(|err| {
            format!(
                "{label}: saved response `{}` is not valid: {err}",
                saved.path(&file).display()
            )
        })?
    } else {
        let query = ModelQuery {
            pipeline_tag: Some(tag.to_string()),
            sort: Some(
                match kind {
                    HfListKind::Trending => "trendingScore",
                    HfListKind::New => "createdAt",
                }
                .to_string(),
            ),
            expand: LIST_EXPAND.iter().map(|f| f.to_string()).collect(),
            limit: sources.hf_list_limit,
            ..ModelQuery::default()
        };
        let models = sources
            .hf
            .list_models(&query)
            .await
            .map_err(|err| format!("{label}: {}", one_line(&err.to_string())))?;
        if !models.is_empty() {
            let wire: Vec<serde_json::Value> = models.iter().map(model_info_wire).collect();
            if let Ok(body) = serde_json::to_vec_pretty(&wire) {
                saved.save(&file, &body);
            }
        }
        models
    };
    if models.is_empty() {
        return Err(format!("{label}: empty list"));
    }
    Ok(HfList {
        kind,
        pipeline_tag: tag.to_string(),
        models,
    })
}

/// A list entry in the Hub's own JSON shape, so saved lists read back like live ones.
fn model_info_wire(model: &ModelInfo) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut object = Map::new();
    object.insert("id".into(), json!(model.id));
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            object.insert(key.into(), value);
        }
    };
    put("sha", model.sha.as_ref().map(|v| json!(v)));
    put("createdAt", model.created_at.as_ref().map(|v| json!(v)));
    put(
        "lastModified",
        model.last_modified.as_ref().map(|v| json!(v)),
    );
    put("downloads", model.downloads.map(|v| json!(v)));
    put("likes", model.likes.map(|v| json!(v)));
    put("trendingScore", model.trending_score.map(|v| json!(v)));
    put(
        "pipeline_tag",
        model.pipeline_tag.as_ref().map(|v| json!(v)),
    );
    if !model.tags.is_empty() {
        put("tags", Some(json!(model.tags)));
    }
    put(
        "gated",
        model.gated.as_ref().map(|gated| match gated {
            Gated::Open => json!(false),
            Gated::Auto => json!("auto"),
            Gated::Manual => json!("manual"),
            Gated::Other(mode) if mode == "true" => json!(true),
            Gated::Other(mode) => json!(mode),
        }),
    );
    put(
        "config",
        model.config.as_ref().map(|config| {
            let mut value = json!({ "architectures": config.architectures });
            if let Some(model_type) = &config.model_type {
                value["model_type"] = json!(model_type);
            }
            value
        }),
    );
    if !model.inference_providers.is_empty() {
        let mappings: Vec<Value> = model
            .inference_providers
            .iter()
            .map(|m| {
                let mut entry = Map::new();
                entry.insert("provider".into(), json!(m.provider));
                if let Some(status) = &m.status {
                    entry.insert("status".into(), json!(status));
                }
                if let Some(id) = &m.provider_id {
                    entry.insert("providerId".into(), json!(id));
                }
                if let Some(task) = &m.task {
                    entry.insert("task".into(), json!(task));
                }
                Value::Object(entry)
            })
            .collect();
        put("inferenceProviderMapping", Some(Value::Array(mappings)));
    }
    Value::Object(object)
}

#[derive(Debug, Clone, Copy)]
enum Catalog {
    Router,
    OpenRouter,
}

struct CatalogOutcome {
    label: &'static str,
    catalog: Option<ProviderCatalog>,
    problem: Option<String>,
    calls: u64,
}

async fn provider_catalog(
    sources: &DiscoverySources,
    http: &reqwest::Client,
    saved: &SavedResponses,
    which: Catalog,
) -> CatalogOutcome {
    type Parser = fn(&[u8]) -> Result<ProviderCatalog, String>;
    let (label, file, url, token, parse): (_, _, _, _, Parser) = match which {
        Catalog::Router => (
            "hf-router",
            "hf-router-models.json",
            format!("{}/v1/models", sources.hf_router_url),
            sources.hf_token.as_deref(),
            parse_router_models,
        ),
        Catalog::OpenRouter => (
            "openrouter",
            "openrouter-models.json",
            format!("{}/models", sources.openrouter_api_url),
            None,
            parse_openrouter_models,
        ),
    };
    let mut outcome = CatalogOutcome {
        label,
        catalog: None,
        problem: None,
        calls: 0,
    };
    let body = if sources.offline {
        match saved.read(file, label) {
            Ok(body) => body,
            Err(problem) => {
                outcome.problem = Some(format!("{label}: {problem}"));
                return outcome;
            }
        }
    } else {
        outcome.calls = 1;
        match fetch(http, &url, token).await {
            Ok(body) => body,
            Err(problem) => {
                outcome.problem = Some(format!("{label}: {problem}"));
                return outcome;
            }
        }
    };
    match parse(&body) {
        Ok(catalog) => {
            if !sources.offline {
                saved.save(file, &body);
            }
            outcome.catalog = Some(catalog);
        }
        Err(reason) => {
            let from = if sources.offline {
                format!("saved response `{}`", saved.path(file).display())
            } else {
                format!("`GET {url}`")
            };
            outcome.problem = Some(format!("{label}: {from}: {reason}"));
        }
    }
    outcome
}

/// The largest provider catalog answer read (OpenRouter's whole list is a few MB).
pub const MAX_CATALOG_BYTES: u64 = 32 << 20;

/// One `GET`; any non-success status is an error naming the URL. The body is streamed and
/// refused past [`MAX_CATALOG_BYTES`].
async fn fetch(http: &reqwest::Client, url: &str, token: Option<&str>) -> Result<Vec<u8>, String> {
    let mut request = http.get(url).header(
        USER_AGENT,
        concat!("track-models/", env!("CARGO_PKG_VERSION")),
    );
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    tracing::debug!(url, "provider catalog request");
    let mut response = request
        .send()
        .await
        .map_err(|err| format!("cannot reach `{url}`: {}", without_url(&err, url)))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let too_large = || format!("`GET {url}`: the answer is over {MAX_CATALOG_BYTES} bytes");
    if response
        .content_length()
        .is_some_and(|length| length > MAX_CATALOG_BYTES)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| format!("`GET {url}`: broken body: {}", without_url(&err, url)))?
    {
        if (body.len() + chunk.len()) as u64 > MAX_CATALOG_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        let wait = retry_after
            .map(|s| format!(" (retry after {s} s)"))
            .unwrap_or_default();
        return Err(format!("`GET {url}` answered {status}{wait}"));
    }
    Ok(body)
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}
