//! How the networked (or saved) sources read: SGLang's new model files (a clone, else the
//! GitHub API, else offline its saved answer), the Hub's four lists, and the two provider
//! catalogs. Each gives back plain data and problem lines; the sources (`source.rs`) file them
//! under their findings. Every answer is bounded ([`MAX_CATALOG_BYTES`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use reqwest::header::{AUTHORIZATION, RETRY_AFTER, USER_AGENT};

use super::day0::day0_from_clone;
use super::day0_api::{self, day0_from_api};
use super::inputs::DiscoverySources;
use super::options::DiscoveryOptions;
use super::providers::{
    parse_openrouter_models, parse_router_models, CatalogError, ProviderCatalog,
};
use super::responses::{SavedError, SavedResponses, MAX_CATALOG_BYTES};
use super::signals::{Day0File, HfList, HfListKind};
use crate::github::reader::{without_url, GithubApi};
use crate::sources::hf::{Gated, HfError, ModelInfo, ModelQuery};
use crate::sources::sglang::SglangCatalog;

/// The pipeline tags whose trending and newest lists are read.
pub const PIPELINE_TAGS: [&str; 2] = ["text-generation", "image-text-to-text"];

/// The `expand[]` fields of each list call.
pub const LIST_EXPAND: [&str; 11] = [
    "downloads",
    "likes",
    "gated",
    "sha",
    "config",
    "inferenceProviderMapping",
    "trendingScore",
    "createdAt",
    "pipeline_tag",
    "baseModels",
    "cardData",
];

const GITHUB_DAY0_FILE: &str = "github-sglang-day0.json";

/// Day-0 files, problems and GitHub calls: from the clone when there is one, else the API
/// (offline: its saved result).
pub(super) async fn day0(
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
pub(super) async fn hf_lists(
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
            Err(problem) => problems.push(problem.to_string()),
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
) -> Result<HfList, ListProblem> {
    let label = list_label(kind, tag);
    let file = list_file(kind, tag);
    let read = if sources.offline {
        saved_list(saved, &file, &label)
    } else {
        live_list(sources, saved, kind, tag, &file).await
    };
    match read {
        Ok(models) if models.is_empty() => Err(ListProblem {
            label,
            error: ReadError::EmptyList,
        }),
        Ok(models) => Ok(HfList {
            kind,
            pipeline_tag: tag.to_string(),
            models,
        }),
        Err(error) => Err(ListProblem { label, error }),
    }
}

fn saved_list(
    saved: &SavedResponses,
    file: &str,
    label: &str,
) -> Result<Vec<ModelInfo>, ReadError> {
    let body = saved.read(file, label)?;
    serde_json::from_slice::<Vec<ModelInfo>>(&body).map_err(|reason| ReadError::SavedInvalid {
        path: saved.path(file),
        reason,
    })
}

async fn live_list(
    sources: &DiscoverySources,
    saved: &SavedResponses,
    kind: HfListKind,
    tag: &str,
    file: &str,
) -> Result<Vec<ModelInfo>, ReadError> {
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
        .map_err(ReadError::Hub)?;
    if !models.is_empty() {
        let wire: Vec<serde_json::Value> = models.iter().map(model_info_wire).collect();
        if let Ok(body) = serde_json::to_vec_pretty(&wire) {
            saved.save(file, &body);
        }
    }
    Ok(models)
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
    put(
        "baseModels",
        model.base_models.as_ref().map(|base| {
            let models: Vec<Value> = base.models.iter().map(|id| json!({ "id": id })).collect();
            let mut value = json!({ "models": models });
            if let Some(relation) = &base.relation {
                value["relation"] = json!(relation);
            }
            value
        }),
    );
    put(
        "cardData",
        model.card_data.as_ref().map(|card| {
            let mut value = json!({ "base_model": card.base_model });
            if let Some(relation) = &card.base_model_relation {
                value["base_model_relation"] = json!(relation);
            }
            value
        }),
    );
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
    type Parser = fn(&[u8]) -> Result<ProviderCatalog, CatalogError>;
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
            let error = ReadError::Catalog { from, reason };
            outcome.problem = Some(format!("{label}: {error}"));
        }
    }
    outcome
}

/// One `GET`; any non-success status is an error naming the URL. The body is streamed and
/// refused past [`MAX_CATALOG_BYTES`].
async fn fetch(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> Result<Vec<u8>, ReadError> {
    let mut request = http.get(url).header(
        USER_AGENT,
        concat!("track-models/", env!("CARGO_PKG_VERSION")),
    );
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    tracing::debug!(url, "provider catalog request");
    let mut response = request.send().await.map_err(|err| ReadError::Unreachable {
        url: url.to_string(),
        reason: without_url(&err, url),
    })?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let too_large = || ReadError::TooLarge {
        url: url.to_string(),
    };
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
        .map_err(|err| ReadError::BrokenBody {
            url: url.to_string(),
            reason: without_url(&err, url),
        })?
    {
        if (body.len() + chunk.len()) as u64 > MAX_CATALOG_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        return Err(ReadError::Status {
            url: url.to_string(),
            status,
            retry_after,
        });
    }
    Ok(body)
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// Why one list or catalog has no answer; a problem line is `"{label}: {error}"`.
#[derive(Debug, thiserror::Error)]
pub(super) enum ReadError {
    #[error(transparent)]
    Saved(#[from] SavedError),
    #[error("saved response `{}` is not valid: {reason}", path.display())]
    SavedInvalid {
        path: PathBuf,
        reason: serde_json::Error,
    },
    #[error("{}", one_line(&.0.to_string()))]
    Hub(HfError),
    #[error("empty list")]
    EmptyList,
    #[error("cannot reach `{url}`: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("`GET {url}`: the answer is over {MAX_CATALOG_BYTES} bytes")]
    TooLarge { url: String },
    #[error("`GET {url}`: broken body: {reason}")]
    BrokenBody { url: String, reason: String },
    #[error("`GET {url}` answered {status}{}", retry_after.as_ref().map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    Status {
        url: String,
        status: reqwest::StatusCode,
        retry_after: Option<String>,
    },
    #[error("{from}: {reason}")]
    Catalog { from: String, reason: CatalogError },
}

/// One HF list that did not answer: its label (`hf-trending (text-generation)`) and why.
#[derive(Debug, thiserror::Error)]
#[error("{label}: {error}")]
pub(super) struct ListProblem {
    label: String,
    error: ReadError,
}

/// What the provider catalogs said: live providers per lower-cased repo id, whether any
/// catalog answered, their problem lines, and the requests each spent.
pub(super) struct ProviderFindings {
    pub providers: BTreeMap<String, BTreeSet<String>>,
    pub reached: bool,
    pub problems: Vec<String>,
    pub calls: Vec<(&'static str, u64)>,
}

/// The HF router and OpenRouter, at once.
pub(super) async fn provider_catalogs(
    sources: &DiscoverySources,
    http: &reqwest::Client,
    saved: &SavedResponses,
) -> ProviderFindings {
    let (router, openrouter) = tokio::join!(
        provider_catalog(sources, http, saved, Catalog::Router),
        provider_catalog(sources, http, saved, Catalog::OpenRouter),
    );
    let mut found = ProviderFindings {
        providers: BTreeMap::new(),
        reached: false,
        problems: Vec::new(),
        calls: Vec::new(),
    };
    for outcome in [router, openrouter] {
        match outcome.catalog {
            Some(catalog) => {
                found.reached = true;
                for (repo, names) in catalog.providers {
                    found.providers.entry(repo).or_default().extend(names);
                }
            }
            None => found.problems.extend(outcome.problem),
        }
        found.calls.push((outcome.label, outcome.calls));
    }
    if !found.reached {
        found.problems.push(
            "providers: no provider catalog answered, so popularity alone counts (`--min-providers` is not applied)"
                .to_string(),
        );
    }
    found
}
