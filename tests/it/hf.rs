//! The Hub client against loopback fakes (wiremock): error mapping, redirects, retries, the
//! shared cache layout, offline mode, pagination, the dataset listing cache and concurrency.
//! No test touches the real network or the process environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use track_models::api::sources::hf::{
    ConfigSummary, DatasetListing, Gated, HfClient, HfConfig, HfError, Limits, ListedFile,
    ModelQuery, ProviderMapping, Sleeper,
};
use wiremock::matchers::{bearer_token, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{
    closed_port_endpoint, config_answer, hf_config, mount_hub_config, mount_hub_dataset_sha,
    mount_hub_tree, track_models_with_hub,
};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const SHA_NEXT: &str = "89abcdef0123456789abcdef0123456789abcdef";
const ETAG: &str = "d7f1a2b3c4d5e6f708192a3b4c5d6e7f80919a0b";
const DATASET: &str = "flashinfer-ai/flashinfer-trace";
const DATASET_SHA: &str = "fedcba9876543210fedcba9876543210fedcba98";
const TOKEN: &str = "hf_TopSecretZz9PluralZAlpha";
/// The hint a `config.json` the Hub could not serve ends with.
const HINT: &str = "hint: the Hub could not serve it now; run again later, or pass the model's config with `--config-file <path>`";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hf")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn client(endpoint: &str, cache: &Path) -> HfClient {
    HfClient::new(hf_config(endpoint, cache)).unwrap()
}

/// A client sending `TOKEN`, as with `HF_TOKEN` set.
fn client_with_token(endpoint: &str, cache: &Path) -> HfClient {
    HfClient::new(config_with_token(endpoint, cache)).unwrap()
}

fn config_with_token(endpoint: &str, cache: &Path) -> HfConfig {
    let mut config = hf_config(endpoint, cache);
    config.token = Some(TOKEN.to_string());
    config
}

fn offline_client(cache: &Path) -> HfClient {
    let mut config = hf_config(&closed_port_endpoint(), cache);
    config.offline = true;
    HfClient::new(config).unwrap()
}

/// `GET` and `HEAD` of `/{repo}/resolve/main/config.json` at `sha`.
async fn mount_config(server: &MockServer, repo: &str, sha: &str, etag: &str, body: &str) {
    mount_hub_config(server, repo, sha, etag, body).await;
}

async fn requests_by_method(server: &MockServer, verb: &str) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.method.as_str() == verb)
        .count()
}

fn error_answer(status: u16, code: Option<&str>, message: &str) -> ResponseTemplate {
    let mut answer = ResponseTemplate::new(status)
        .insert_header("X-Error-Message", message)
        .set_body_json(serde_json::json!({ "error": message }));
    if let Some(code) = code {
        answer = answer.insert_header("X-Error-Code", code);
    }
    answer
}

// ---------------------------------------------------------------- configuration from env vars

#[test]
fn config_from_vars_follows_the_hf_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let hf_home = dir.path().join("hf-home");
    std::fs::create_dir_all(&hf_home).unwrap();
    std::fs::write(hf_home.join("token"), "  hf_from_home_file \n").unwrap();
    let token_path = dir.path().join("other-token");
    std::fs::write(&token_path, "hf_from_token_path\n").unwrap();
    let home = dir.path().join("home");
    let from = |pairs: &[(&str, &str)]| {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HfConfig::from_vars(|name| vars.get(name).cloned()).unwrap()
    };
    let home_str = home.to_str().unwrap();
    let hf_home_str = hf_home.to_str().unwrap();

    let defaults = from(&[("HOME", home_str)]);
    assert_eq!(defaults.endpoint, "https://huggingface.co");
    assert_eq!(defaults.cache_dir, home.join(".cache/huggingface/hub"));
    assert_eq!(defaults.token, None);
    assert!(!defaults.offline);

    let with_home = from(&[
        ("HOME", home_str),
        ("HF_HOME", hf_home_str),
        ("HF_ENDPOINT", "http://127.0.0.1:9/"),
        ("HF_HUB_OFFLINE", "YES"),
    ]);
    assert_eq!(with_home.endpoint, "http://127.0.0.1:9");
    assert_eq!(with_home.cache_dir, hf_home.join("hub"));
    assert_eq!(with_home.token.as_deref(), Some("hf_from_home_file"));
    assert!(with_home.offline);

    let token_path_str = token_path.to_str().unwrap();
    let with_path = from(&[
        ("HF_HOME", hf_home_str),
        ("HF_TOKEN_PATH", token_path_str),
        ("HF_HUB_CACHE", "/somewhere/hub"),
    ]);
    assert_eq!(with_path.token.as_deref(), Some("hf_from_token_path"));
    assert_eq!(with_path.cache_dir, PathBuf::from("/somewhere/hub"));

    let with_env_token = from(&[
        ("HF_HOME", hf_home_str),
        ("HF_TOKEN_PATH", token_path_str),
        ("HF_TOKEN", " hf_from_env "),
    ]);
    assert_eq!(with_env_token.token.as_deref(), Some("hf_from_env"));

    for (value, offline) in [
        ("1", true),
        ("true", true),
        ("On", true),
        ("0", false),
        ("no", false),
    ] {
        let config = from(&[("HF_HOME", hf_home_str), ("HF_HUB_OFFLINE", value)]);
        assert_eq!(config.offline, offline, "HF_HUB_OFFLINE={value}");
    }

    let tilde = from(&[("HOME", home_str), ("HF_HOME", "~/hf")]);
    assert_eq!(tilde.cache_dir, home.join("hf/hub"));
    let xdg = from(&[("HOME", home_str), ("XDG_CACHE_HOME", "/xdg")]);
    assert_eq!(xdg.cache_dir, PathBuf::from("/xdg/huggingface/hub"));
}

// ---------------------------------------------------------------- the token stays secret

#[tokio::test]
async fn token_is_sent_as_bearer_but_never_shown() {
    let server = MockServer::start().await;
    // A hostile or buggy server echoing the credentials back.
    let echo = format!("Invalid credentials in Authorization header: Bearer {TOKEN}");
    Mock::given(method("GET"))
        .and(path("/org/private/resolve/main/config.json"))
        .and(bearer_token(TOKEN))
        .respond_with(error_answer(401, None, &echo))
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let config = config_with_token(&server.uri(), cache.path());
    assert!(!format!("{config:?}").contains(TOKEN));
    assert!(format!("{config:?}").contains("token: Some(\"<redacted>\")"));
    let client = HfClient::new(config).unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));

    let err = client.fetch_config("org/private").await.unwrap_err();
    // "Invalid credentials": the Hub refused the token itself, not the repo.
    assert!(matches!(err, HfError::BadToken { .. }), "{err:?}");
    let shown = err.to_string();
    assert_eq!(
        shown,
        format!(
            "the Hugging Face token was refused for `org/private` ({}/org/private/resolve/main/config.json): \
             401 Unauthorized: Invalid credentials in Authorization header: Bearer <redacted>\n\
             hint: `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`, or the token file) is invalid or \
             expired: replace it, or unset it for public repos",
            server.uri()
        )
    );
    assert!(!format!("{err:?}").contains(TOKEN));
    assert!(!format!("{:#}", anyhow::Error::new(err)).contains(TOKEN));
}

#[tokio::test]
async fn token_is_not_forwarded_to_another_host() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/m/resolve/main/config.json"))
        .respond_with(config_answer(SHA, ETAG, "{}"))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/m/resolve/main/config.json"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/org/m/resolve/main/config.json", elsewhere.uri()),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_with_token(&server.uri(), cache.path());

    let file = client.fetch_config("org/m").await.unwrap();
    assert_eq!(file.text, "{}");
    let requests = elsewhere.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers.get("authorization").is_none());
}

// ---------------------------------------------------------------- error mapping

#[tokio::test]
async fn gated_repo_401_without_token_and_403_with_one() {
    let server = MockServer::start().await;
    let message = "Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be authenticated to access it. Please log in.";
    Mock::given(method("GET"))
        .and(path("/meta-llama/Llama-3.1-8B/resolve/main/config.json"))
        .respond_with(error_answer(401, Some("GatedRepo"), message))
        .mount(&server)
        .await;
    // With a token of an account not (yet) admitted: 403.
    Mock::given(method("GET"))
        .and(path("/meta-llama/Llama-3.1-8B/resolve/main/config.json"))
        .and(bearer_token(TOKEN))
        .respond_with(error_answer(
            403,
            Some("GatedRepo"),
            "Access to model meta-llama/Llama-3.1-8B is restricted and you are not in the authorized list.",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client
        .fetch_config("meta-llama/Llama-3.1-8B")
        .await
        .unwrap_err();
    assert!(matches!(err, HfError::Gated { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "`meta-llama/Llama-3.1-8B` is gated ({}/meta-llama/Llama-3.1-8B/resolve/main/config.json): \
             401 Unauthorized: {message}\n\
             hint: accept the model's terms on its Hub page, then set `HF_TOKEN` to a token of that account",
            server.uri()
        )
    );

    assert_eq!(client.requests_made(), 1);

    let client = client_with_token(&server.uri(), cache.path());
    let err = client
        .fetch_config("meta-llama/Llama-3.1-8B")
        .await
        .unwrap_err();
    let HfError::Gated { repo, url, reason } = err else {
        panic!("expected Gated, got {err:?}");
    };
    assert_eq!(repo, "meta-llama/Llama-3.1-8B");
    assert_eq!(
        url,
        format!(
            "{}/meta-llama/Llama-3.1-8B/resolve/main/config.json",
            server.uri()
        )
    );
    assert_eq!(
        reason,
        "403 Forbidden: Access to model meta-llama/Llama-3.1-8B is restricted and you are not in the authorized list."
    );
    assert_eq!(client.requests_made(), 1);
}

#[tokio::test]
async fn repo_not_found_and_plain_404_are_told_apart() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/gone/resolve/main/config.json"))
        .respond_with(error_answer(
            404,
            Some("RepoNotFound"),
            "Repository not found",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/org/odd/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.fetch_config("org/gone").await.unwrap_err();
    assert!(matches!(err, HfError::RepoNotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "`org/gone` not found ({}/org/gone/resolve/main/config.json): 404 Not Found: Repository not found",
            server.uri()
        )
    );
    let err = client.fetch_config("org/odd").await.unwrap_err();
    assert!(matches!(err, HfError::Http { status: 404, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "unexpected answer for `org/odd` ({}/org/odd/resolve/main/config.json): 404 Not Found: Not Found",
            server.uri()
        )
    );
}

#[tokio::test]
async fn entry_not_found_is_remembered_for_offline_runs() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/no-config/resolve/main/config.json"))
        .respond_with(
            error_answer(404, Some("EntryNotFound"), "Entry not found")
                .insert_header("X-Repo-Commit", SHA),
        )
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.fetch_config("org/no-config").await.unwrap_err();
    assert!(matches!(err, HfError::EntryNotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "`config.json` not found in `org/no-config` ({}/org/no-config/resolve/main/config.json): \
             404 Not Found: Entry not found",
            server.uri()
        )
    );
    let repo_dir = cache.path().join("models--org--no-config");
    assert_eq!(
        std::fs::read_to_string(repo_dir.join("refs/main")).unwrap(),
        SHA
    );
    let marker = repo_dir.join(".no_exist").join(SHA).join("config.json");
    assert_eq!(std::fs::read(&marker).unwrap(), b"");

    let offline = offline_client(cache.path());
    let err = offline.fetch_config("org/no-config").await.unwrap_err();
    let HfError::EntryNotFound {
        repo, path, reason, ..
    } = err
    else {
        panic!("expected EntryNotFound, got {err:?}");
    };
    assert_eq!(
        (repo.as_str(), path.as_str()),
        ("org/no-config", "config.json")
    );
    assert_eq!(
        reason,
        format!("known missing at commit `{SHA}` (`{}`)", marker.display())
    );
    assert_eq!(offline.requests_made(), 0);
}

#[tokio::test]
async fn revision_not_found_names_the_revision() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/datasets/{DATASET}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": DATASET, "sha": DATASET_SHA})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/datasets/{DATASET}/tree/{DATASET_SHA}/definitions"
        )))
        .respond_with(error_answer(
            404,
            Some("RevisionNotFound"),
            "Invalid rev id",
        ))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let err = client(&server.uri(), cache.path())
        .list_dataset(DATASET)
        .await
        .unwrap_err();
    let HfError::RevisionNotFound {
        repo,
        revision,
        reason,
        ..
    } = err
    else {
        panic!("expected RevisionNotFound, got {err:?}");
    };
    assert_eq!(repo, DATASET);
    assert_eq!(revision, DATASET_SHA);
    assert_eq!(reason, "404 Not Found: Invalid rev id");
}

#[tokio::test]
async fn invalid_repo_ids_are_refused_before_any_request() {
    let cache = tempfile::tempdir().unwrap();
    let client = client(&closed_port_endpoint(), cache.path());
    for repo in ["../etc", "org/../x", "a/b/c", "", "org--x/y", "org/name?x"] {
        let err = client.fetch_config(repo).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid repo id `{repo}`: expected `org/name` made of letters, digits, `-`, `_` or `.`")
        );
    }
    assert_eq!(client.requests_made(), 0);
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn renamed_repo_307_relative_location_is_followed_with_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/bert-base-uncased/resolve/main/config.json"))
        .and(bearer_token(TOKEN))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header(
                    "Location",
                    "/google-bert/bert-base-uncased/resolve/main/config.json",
                )
                .set_body_raw(
                    "Temporary Redirect. Redirecting to /google-bert/bert-base-uncased/resolve/main/config.json",
                    "text/plain; charset=utf-8",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/google-bert/bert-base-uncased/resolve/main/config.json",
        ))
        .and(bearer_token(TOKEN))
        .respond_with(config_answer(SHA, ETAG, "{\"model_type\":\"bert\"}"))
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_with_token(&server.uri(), cache.path());

    let file = client.fetch_config("bert-base-uncased").await.unwrap();
    assert_eq!(file.text, "{\"model_type\":\"bert\"}");
    assert_eq!(file.sha, SHA);
    // The redirect is followed inside one request.
    assert_eq!(client.requests_made(), 1);
}

/// A real model object of the Hub's `api/models` (google-bert/bert-base-uncased), as the model
/// search returns it.
#[tokio::test]
async fn model_search_reads_a_real_model_object() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/models"))
        .and(query_param("search", "bert-base-uncased"))
        .and(bearer_token(TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "W/\"1144-0lLZ4rZ6fR3gbhjw06/nTxkknu0\"")
                .set_body_raw(
                    format!("[{}]", fixture("model-info-google-bert.body.json").trim()),
                    "application/json; charset=utf-8",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_with_token(&server.uri(), cache.path());

    let query = ModelQuery {
        search: Some("bert-base-uncased".to_string()),
        limit: 1,
        ..ModelQuery::default()
    };
    let found = client.list_models(&query).await.unwrap();
    assert_eq!(found.len(), 1);
    let info = &found[0];
    assert_eq!(info.id, "google-bert/bert-base-uncased");
    assert_eq!(
        info.sha.as_deref(),
        Some("86b5e0934494bd15c9632b12f734a8a67f723594")
    );
    assert_eq!(info.created_at.as_deref(), Some("2022-03-02T23:29:04.000Z"));
    assert_eq!(
        info.last_modified.as_deref(),
        Some("2024-02-19T11:06:12.000Z")
    );
    assert_eq!(info.downloads, Some(72_376_843));
    assert_eq!(info.likes, Some(2065));
    assert_eq!(info.trending_score, None);
    assert_eq!(info.pipeline_tag.as_deref(), Some("fill-mask"));
    assert_eq!(info.gated, Some(Gated::Open));
    assert_eq!(
        info.config,
        Some(ConfigSummary {
            architectures: vec!["BertForMaskedLM".to_string()],
            model_type: Some("bert".to_string()),
        })
    );
    assert_eq!(info.tags.len(), 19);
    assert_eq!(info.tags[0], "transformers");
    assert!(info.inference_providers.is_empty());
    assert_eq!(client.requests_made(), 1);
}

#[tokio::test]
async fn renamed_repo_307_for_config_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/old-org/Old-Name/resolve/main/config.json"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", "/new-org/New-Name/resolve/main/config.json"),
        )
        .mount(&server)
        .await;
    let body = fixture("config-qwen3-8b.json");
    mount_config(&server, "new-org/New-Name", SHA, ETAG, &body).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let file = client.fetch_config("old-org/Old-Name").await.unwrap();
    assert_eq!(file.text, body);
    assert_eq!(file.sha, SHA);
    assert_eq!(
        file.url,
        format!(
            "{}/old-org/Old-Name/resolve/{SHA}/config.json",
            server.uri()
        )
    );
    assert!(!file.from_cache);
    assert_eq!(client.requests_made(), 1);
}

// ---------------------------------------------------------------- retries and rate limits

/// A sleeper that records every wait it is asked for and returns at once: no test waits.
fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&waits);
    let sleeper = Sleeper::new(move |wait| {
        record.lock().unwrap().push(wait);
        Box::pin(async {})
    });
    (sleeper, waits)
}

/// `GET` of `/{repo}/resolve/main/config.json` answers `first` `times` times, then the file.
async fn mount_429_then_config(
    server: &MockServer,
    repo: &str,
    first: ResponseTemplate,
    times: u64,
) {
    let route = format!("/{repo}/resolve/main/config.json");
    Mock::given(method("GET"))
        .and(path(route.clone()))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(config_answer(SHA, ETAG, "{\"model_type\":\"qwen3\"}"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn rate_limited_429_waits_as_asked_then_succeeds() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("RateLimit", "\"api\";r=0;t=55")
        .insert_header("Retry-After", "1");
    mount_429_then_config(&server, "org/busy", limited, 1).await;
    let cache = tempfile::tempdir().unwrap();
    let (sleeper, waits) = recording_sleeper();
    let mut config = hf_config(&server.uri(), cache.path());
    config.retry.max_rate_limit_wait = Duration::from_secs(300);
    config.sleep = sleeper;
    let client = HfClient::new(config).unwrap();

    let file = client.fetch_config("org/busy").await.unwrap();
    assert_eq!(file.text, "{\"model_type\":\"qwen3\"}");
    // `t + 1` seconds, the longer of the two headers.
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(56)]);
    assert_eq!(client.requests_made(), 2);
}

/// The Hub's window is 5 minutes: a 429 asking for all of it (`t=299`, so 300 s) is waited out
/// with the default policy, not given up after 60 s.
#[tokio::test]
async fn a_429_asking_for_the_whole_window_is_waited_out() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("RateLimit", "\"api\";r=0;t=299");
    mount_429_then_config(&server, "org/busy", limited, 1).await;
    let cache = tempfile::tempdir().unwrap();
    let (sleeper, waits) = recording_sleeper();
    let mut config = HfConfig::new(server.uri(), cache.path());
    config.sleep = sleeper;
    let client = HfClient::new(config).unwrap();

    let file = client.fetch_config("org/busy").await.unwrap();
    assert_eq!(file.sha, SHA);
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(300)]);
    assert_eq!(client.requests_made(), 2);
}

/// All 429 waits of a run share one budget: once it is spent, the next 429 fails at once,
/// naming the budget and its variable, for this model and every later one.
#[tokio::test]
async fn the_runs_wait_budget_bounds_all_429_waits() {
    let server = MockServer::start().await;
    for repo in ["org/a", "org/b"] {
        Mock::given(method("GET"))
            .and(path(format!("/{repo}/resolve/main/config.json")))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "200"))
            .mount(&server)
            .await;
    }
    let cache = tempfile::tempdir().unwrap();
    let (sleeper, waits) = recording_sleeper();
    let mut config = HfConfig::new(server.uri(), cache.path());
    config.sleep = sleeper;
    config.wait_budget = Duration::from_secs(400);
    let client = HfClient::new(config).unwrap();

    let err = client.fetch_config("org/a").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "rate limited by the Hub for `org/a` ({}/org/a/resolve/main/config.json): the Hub asks to wait 200 s; \
             this run already waited 400 s of its 400 s budget (`TRACK_MODELS_HUB_WAIT_BUDGET`)\n{HINT}",
            server.uri()
        )
    );
    assert_eq!(client.requests_made(), 3);
    let err = client.fetch_config("org/b").await.unwrap_err();
    assert!(matches!(err, HfError::RateLimited { .. }), "{err:?}");
    assert_eq!(client.requests_made(), 4);
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(200); 2]);
}

#[tokio::test]
async fn rate_limit_wait_beyond_the_cap_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/busy/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(429).insert_header("RateLimit", "\"api\";r=0;t=299"))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.fetch_config("org/busy").await.unwrap_err();
    let HfError::RateLimited { retry_after, .. } = &err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(300)));
    assert_eq!(
        err.to_string(),
        format!(
            "rate limited by the Hub for `org/busy` ({}/org/busy/resolve/main/config.json): \
             the Hub asks to wait 300 s, more than the 3 s allowed\n{HINT}",
            server.uri()
        )
    );
    assert_eq!(client.requests_made(), 1);
}

#[tokio::test]
async fn server_error_500_then_200_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/flaky/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Error"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_config(
        &server,
        "org/flaky",
        SHA,
        ETAG,
        "{\"model_type\":\"llama\"}",
    )
    .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let file = client.fetch_config("org/flaky").await.unwrap();
    assert_eq!(file.text, "{\"model_type\":\"llama\"}");
    assert_eq!(client.requests_made(), 2);
}

#[tokio::test]
async fn persistent_503_gives_up_after_five_tries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/down/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .expect(5)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.fetch_config("org/down").await.unwrap_err();
    assert!(matches!(err, HfError::Http { status: 503, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "unexpected answer for `org/down` ({}/org/down/resolve/main/config.json): \
             503 Service Unavailable after 5 tries: upstream unavailable\n{HINT}",
            server.uri()
        )
    );
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/org/slow/resolve/main/config.json"))
        .respond_with(config_answer(SHA, ETAG, "{}").set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = hf_config(&server.uri(), cache.path());
    config.timeout = Duration::from_millis(100);
    let client = HfClient::new(config).unwrap();

    let err = client.fetch_config("org/slow").await.unwrap_err();
    assert!(matches!(err, HfError::Transport { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "could not reach the Hub for `org/slow` ({}/org/slow/resolve/main/config.json): timed out, 5 tries\n{HINT}",
            server.uri()
        )
    );
    assert_eq!(client.requests_made(), 5);
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

// ---------------------------------------------------------------- bodies that are not JSON

#[tokio::test]
async fn truncated_json_is_a_parse_error_naming_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/datasets/org/cut"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            b"{\"id\":\"org/cut\",\"sha\":\"01234".to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/org/cut/resolve/main/config.json"))
        .respond_with(config_answer(SHA, ETAG, "{\"architectures\": [\"Qwen3"))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.list_dataset("org/cut").await.unwrap_err();
    assert!(matches!(err, HfError::InvalidResponse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid response for `org/cut` ({}/api/datasets/org/cut?expand%5B%5D=sha): \
             truncated JSON: EOF while parsing a string at line 1 column 28",
            server.uri()
        )
    );
    let err = client.fetch_config("org/cut").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid response for `org/cut` ({}/org/cut/resolve/main/config.json): \
             truncated JSON: EOF while parsing a string at line 1 column 25",
            server.uri()
        )
    );
    // Nothing broken was cached.
    assert!(!cache.path().join("models--org--cut/snapshots").exists());
    assert!(!cache.path().join("models--org--cut/blobs").exists());
}

#[tokio::test]
async fn html_instead_of_json_is_a_parse_error_naming_the_url() {
    let server = MockServer::start().await;
    let page = "<!DOCTYPE html>\n<html><body><h1>We'll be right back</h1></body></html>";
    Mock::given(method("GET"))
        .and(path("/api/datasets/org/html"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(page.as_bytes().to_vec(), "text/html; charset=utf-8"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/org/html/resolve/main/config.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Repo-Commit", SHA)
                .set_body_raw(page.as_bytes().to_vec(), "text/plain"),
        )
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let err = client.list_dataset("org/html").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid response for `org/html` ({}/api/datasets/org/html?expand%5B%5D=sha): \
             expected JSON, got HTML (content-type `text/html; charset=utf-8`)",
            server.uri()
        )
    );
    let err = client.fetch_config("org/html").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid response for `org/html` ({}/org/html/resolve/main/config.json): \
             expected JSON, got HTML (content-type `text/plain`)",
            server.uri()
        )
    );
}

// ---------------------------------------------------------------- the cache

#[tokio::test]
async fn cache_layout_matches_the_hf_standard() {
    let server = MockServer::start().await;
    let body = fixture("config-qwen3-8b.json");
    mount_config(&server, "Qwen/Qwen3-8B", SHA, ETAG, &body).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let file = client.fetch_config("Qwen/Qwen3-8B").await.unwrap();
    assert_eq!(
        file,
        track_models::api::sources::hf::ConfigFile {
            text: body.clone(),
            sha: SHA.to_string(),
            url: format!("{}/Qwen/Qwen3-8B/resolve/{SHA}/config.json", server.uri()),
            from_cache: false,
            fallback: None,
        }
    );
    let repo_dir = cache.path().join("models--Qwen--Qwen3-8B");
    assert_eq!(
        std::fs::read_to_string(repo_dir.join("refs/main")).unwrap(),
        SHA
    );
    assert_eq!(
        std::fs::read_to_string(repo_dir.join("blobs").join(ETAG)).unwrap(),
        body
    );
    let snapshot = repo_dir.join("snapshots").join(SHA).join("config.json");
    assert_eq!(
        std::fs::read_link(&snapshot).unwrap(),
        PathBuf::from(format!("../../blobs/{ETAG}"))
    );
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), body);
    let mut entries = Vec::new();
    for entry in walk(&repo_dir) {
        entries.push(entry.strip_prefix(&repo_dir).unwrap().display().to_string());
    }
    entries.sort();
    assert_eq!(
        entries,
        vec![
            format!("blobs/{ETAG}"),
            "refs/main".to_string(),
            format!("snapshots/{SHA}/config.json"),
        ]
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn warm_run_makes_one_request_per_model_and_downloads_nothing() {
    let server = MockServer::start().await;
    let repos: Vec<String> = ["org/a", "org/b", "org/c"].map(String::from).to_vec();
    for (i, repo) in repos.iter().enumerate() {
        let etag = format!("{ETAG}{i}");
        mount_config(&server, repo, SHA, &etag, &format!("{{\"n\":{i}}}")).await;
    }
    let cache = tempfile::tempdir().unwrap();

    let cold = client(&server.uri(), cache.path());
    for (_, result) in cold.fetch_configs(&repos).await {
        assert!(!result.unwrap().from_cache);
    }
    assert_eq!(cold.requests_made(), 3);

    let warm = client(&server.uri(), cache.path());
    let results = warm.fetch_configs(&repos).await;
    for (i, (repo, result)) in results.into_iter().enumerate() {
        assert_eq!(repo, repos[i]);
        let file = result.unwrap();
        assert_eq!(file.text, format!("{{\"n\":{i}}}"));
        assert!(file.from_cache);
    }
    assert_eq!(warm.requests_made(), 3);
    assert_eq!(requests_by_method(&server, "GET").await, 3);
    assert_eq!(requests_by_method(&server, "HEAD").await, 3);
}

#[tokio::test]
async fn moved_main_reuses_a_known_blob_and_downloads_a_new_one_by_commit() {
    let cache = tempfile::tempdir().unwrap();
    let first = MockServer::start().await;
    mount_config(&first, "org/same", SHA, ETAG, "{\"v\":1}").await;
    mount_config(&first, "org/changed", SHA, ETAG, "{\"v\":1}").await;
    let warm_up = client(&first.uri(), cache.path());
    warm_up.fetch_config("org/same").await.unwrap();
    warm_up.fetch_config("org/changed").await.unwrap();

    // `main` moved for both; only `org/changed` has new config.json content.
    let second = MockServer::start().await;
    mount_config(&second, "org/same", SHA_NEXT, ETAG, "{\"v\":1}").await;
    Mock::given(method("HEAD"))
        .and(path("/org/changed/resolve/main/config.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Repo-Commit", SHA_NEXT)
                .insert_header("ETag", "\"aaaa0000\""),
        )
        .mount(&second)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/org/changed/resolve/{SHA_NEXT}/config.json")))
        .respond_with(config_answer(SHA_NEXT, "aaaa0000", "{\"v\":2}"))
        .expect(1)
        .mount(&second)
        .await;
    let client = client(&second.uri(), cache.path());

    let same = client.fetch_config("org/same").await.unwrap();
    assert_eq!(
        (same.sha.as_str(), same.text.as_str(), same.from_cache),
        (SHA_NEXT, "{\"v\":1}", true)
    );
    assert_eq!(client.requests_made(), 1);
    let changed = client.fetch_config("org/changed").await.unwrap();
    assert_eq!(
        (
            changed.sha.as_str(),
            changed.text.as_str(),
            changed.from_cache
        ),
        (SHA_NEXT, "{\"v\":2}", false)
    );
    assert_eq!(client.requests_made(), 3);
    let refs = cache.path().join("models--org--changed/refs/main");
    assert_eq!(std::fs::read_to_string(refs).unwrap(), SHA_NEXT);
}

#[tokio::test]
async fn offline_with_a_warm_cache_makes_no_request_at_all() {
    let server = MockServer::start().await;
    let body = fixture("config-qwen3-8b.json");
    mount_config(&server, "Qwen/Qwen3-8B", SHA, ETAG, &body).await;
    let cache = tempfile::tempdir().unwrap();
    client(&server.uri(), cache.path())
        .fetch_config("Qwen/Qwen3-8B")
        .await
        .unwrap();
    drop(server);

    let offline = offline_client(cache.path());
    let file = offline.fetch_config("Qwen/Qwen3-8B").await.unwrap();
    assert_eq!(file.text, body);
    assert_eq!(file.sha, SHA);
    assert!(file.from_cache);
    assert_eq!(offline.requests_made(), 0);

    // Online against a closed port, the metadata request is refused once and the warm cache
    // answers, saying so.
    let endpoint = closed_port_endpoint();
    let online = client(&endpoint, cache.path());
    let file = online.fetch_config("Qwen/Qwen3-8B").await.unwrap();
    assert_eq!(
        (file.text.as_str(), file.sha.as_str()),
        (body.as_str(), SHA)
    );
    assert_eq!(
        file.fallback.as_deref(),
        Some(
            format!(
                "`Qwen/Qwen3-8B`: the Hub did not confirm `config.json` (could not reach the Hub for \
                 `Qwen/Qwen3-8B` ({endpoint}/Qwen/Qwen3-8B/resolve/main/config.json): connection refused, \
                 1 try); using the cached snapshot at commit `{SHA}`"
            )
            .as_str()
        )
    );
    assert_eq!(online.requests_made(), 1);
}

#[tokio::test]
async fn offline_with_a_cold_cache_fails_clearly() {
    let cache = tempfile::tempdir().unwrap();
    let endpoint = closed_port_endpoint();
    let mut config = hf_config(&endpoint, cache.path());
    config.offline = true;
    let offline = HfClient::new(config).unwrap();
    let err = offline.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "offline and not cached: `Qwen/Qwen3-8B` ({endpoint}/Qwen/Qwen3-8B/resolve/main/config.json): \
             no `{}`\nhint: unset `HF_HUB_OFFLINE` to fetch it",
            cache.path().join("models--Qwen--Qwen3-8B/refs/main").display()
        )
    );
    let err = offline
        .list_models(&ModelQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");
    let err = offline.list_dataset(DATASET).await.unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");
    assert_eq!(offline.requests_made(), 0);
}

// ---------------------------------------------------------------- the dataset listing

fn tree_page(entries: &[(&str, &str)]) -> serde_json::Value {
    serde_json::Value::Array(
        entries
            .iter()
            .map(|(kind, path)| {
                serde_json::json!({"type": kind, "oid": "0000", "size": 10, "path": path})
            })
            .collect(),
    )
}

async fn mount_dataset(server: &MockServer) {
    mount_hub_dataset_sha(server, DATASET, DATASET_SHA).await;
    let definitions = format!("/api/datasets/{DATASET}/tree/{DATASET_SHA}/definitions");
    // Page 1 links to page 2 absolutely, page 2 to page 3 relatively; page 3 ends.
    Mock::given(method("GET"))
        .and(path(definitions.clone()))
        .and(query_param("recursive", "true"))
        .and(query_param_is_missing("cursor"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "Link",
                    format!(
                        "<{}{definitions}?recursive=true&cursor=p2>; rel=\"next\"",
                        server.uri()
                    ),
                )
                .set_body_json(tree_page(&[
                    ("directory", "definitions/gemm"),
                    ("file", "definitions/gemm/gemm_n128_k2048.json"),
                ])),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(definitions.clone()))
        .and(query_param("cursor", "p2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "Link",
                    format!("<{definitions}?recursive=true&cursor=p3>; rel=\"next\", <{definitions}?recursive=true&cursor=p3>; rel=\"last\""),
                )
                .set_body_json(tree_page(&[
                    ("file", "definitions/rmsnorm/fused_add_rmsnorm_h4096.json"),
                    ("directory", "definitions/rmsnorm"),
                ])),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(definitions))
        .and(query_param("cursor", "p3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tree_page(&[(
            "file",
            "definitions/gemm/gemm_n4096_k4096.json",
        )])))
        .expect(1)
        .mount(server)
        .await;
    mount_hub_tree(
        server,
        DATASET,
        DATASET_SHA,
        "workloads",
        tree_page(&[
            ("directory", "workloads/gemm"),
            ("file", "workloads/gemm/gemm_n128_k2048.jsonl"),
        ]),
    )
    .await;
}

fn expected_listing() -> DatasetListing {
    DatasetListing {
        sha: DATASET_SHA.to_string(),
        definitions: vec![
            "definitions/gemm/gemm_n128_k2048.json".to_string(),
            "definitions/gemm/gemm_n4096_k4096.json".to_string(),
            "definitions/rmsnorm/fused_add_rmsnorm_h4096.json".to_string(),
        ],
        workloads: vec!["workloads/gemm/gemm_n128_k2048.jsonl".to_string()],
        // The tree's blob ids and sizes (`tree_page`'s), for the tags cache.
        definition_files: [
            "definitions/gemm/gemm_n128_k2048.json",
            "definitions/gemm/gemm_n4096_k4096.json",
            "definitions/rmsnorm/fused_add_rmsnorm_h4096.json",
        ]
        .into_iter()
        .map(|path| ListedFile {
            path: path.to_string(),
            oid: "0000".to_string(),
            size: 10,
        })
        .collect(),
    }
}

#[tokio::test]
async fn dataset_tree_follows_link_pagination_over_three_pages() {
    let server = MockServer::start().await;
    mount_dataset(&server).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let listing = client.list_dataset(DATASET).await.unwrap();
    assert_eq!(listing, expected_listing());
    // The sha, three definitions pages, one workloads page; never the root.
    assert_eq!(client.requests_made(), 5);
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .all(|r| !r.url.path().ends_with(&format!("tree/{DATASET_SHA}"))));
}

#[tokio::test]
async fn dataset_listing_is_cached_by_sha() {
    let server = MockServer::start().await;
    mount_dataset(&server).await;
    let root = tempfile::tempdir().unwrap();
    let hub = root.path().join("hub");
    std::fs::create_dir_all(&hub).unwrap();
    let cache = &hub;
    client(&server.uri(), cache)
        .list_dataset(DATASET)
        .await
        .unwrap();
    // Nothing in the hub cache: huggingface_hub's `scan_cache_dir` would report a
    // `datasets--…` folder without snapshots as corrupted.
    assert_eq!(std::fs::read_dir(&hub).unwrap().count(), 0);
    let dataset_dir = root
        .path()
        .join("hub-track-models")
        .join("datasets--flashinfer-ai--flashinfer-trace");
    assert_eq!(
        std::fs::read_to_string(dataset_dir.join("refs/main")).unwrap(),
        DATASET_SHA
    );
    let stored = dataset_dir
        .join("track-models-listing")
        .join(format!("{DATASET_SHA}.json"));
    let stored: DatasetListing =
        serde_json::from_str(&std::fs::read_to_string(stored).unwrap()).unwrap();
    assert_eq!(stored, expected_listing());

    let warm = client(&server.uri(), cache);
    assert_eq!(
        warm.list_dataset(DATASET).await.unwrap(),
        expected_listing()
    );
    assert_eq!(warm.requests_made(), 1);

    let offline = offline_client(cache);
    assert_eq!(
        offline.list_dataset(DATASET).await.unwrap(),
        expected_listing()
    );
    assert_eq!(offline.requests_made(), 0);
    // The tree pages were each fetched once in all (checked by `expect(1)` on drop).
}

// ---------------------------------------------------------------- model info and search

#[tokio::test]
async fn model_search_reads_expanded_fields_and_provider_object() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/models"))
        .and(query_param("author", "Qwen"))
        .and(query_param("expand[]", "inferenceProviderMapping"))
        .and(query_param("expand[]", "gated"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([{
            "_id": "680da718233834890aa01f51",
            "id": "Qwen/Qwen3-8B",
            "gated": "manual",
            "trendingScore": 42,
            "inferenceProviderMapping": {
                "together": {"status": "live", "providerId": "Qwen/Qwen3-8B-fp8", "task": "conversational"},
                "featherless-ai": {"status": "error", "providerId": "Qwen/Qwen3-8B", "task": "conversational"}
            }
        }])))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let query = ModelQuery {
        author: Some("Qwen".to_string()),
        expand: vec!["inferenceProviderMapping".to_string(), "gated".to_string()],
        ..ModelQuery::default()
    };
    let found = client.list_models(&query).await.unwrap();
    assert_eq!(found.len(), 1);
    let info = &found[0];
    assert_eq!(info.id, "Qwen/Qwen3-8B");
    assert_eq!(info.gated, Some(Gated::Manual));
    assert_eq!(info.trending_score, Some(42.0));
    assert_eq!(
        info.inference_providers,
        vec![
            ProviderMapping {
                provider: "featherless-ai".to_string(),
                status: Some("error".to_string()),
                provider_id: Some("Qwen/Qwen3-8B".to_string()),
                task: Some("conversational".to_string()),
            },
            ProviderMapping {
                provider: "together".to_string(),
                status: Some("live".to_string()),
                provider_id: Some("Qwen/Qwen3-8B-fp8".to_string()),
                task: Some("conversational".to_string()),
            },
        ]
    );
}

#[tokio::test]
async fn model_search_follows_link_until_enough() {
    let server = MockServer::start().await;
    let model = |id: &str| {
        serde_json::json!({
            "id": id,
            "gated": "auto",
            "pipeline_tag": "text-generation",
            "inferenceProviderMapping": [{"provider": "novita", "status": "live", "providerId": id, "task": "conversational"}]
        })
    };
    let next = |cursor: &str| format!("</api/models?search=qwen&cursor={cursor}>; rel=\"next\"");
    Mock::given(method("GET"))
        .and(path("/api/models"))
        .and(query_param("search", "qwen"))
        .and(query_param("pipeline_tag", "text-generation"))
        .and(query_param("sort", "trendingScore"))
        .and(query_param("limit", "5"))
        .and(query_param("expand[]", "inferenceProviderMapping"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next("c2"))
                .set_body_json(serde_json::json!([model("q/1"), model("q/2")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    for (cursor, ids, following) in [("c2", ["q/3", "q/4"], "c3"), ("c3", ["q/5", "q/6"], "c4")] {
        Mock::given(method("GET"))
            .and(path("/api/models"))
            .and(query_param("cursor", cursor))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Link", next(following))
                    .set_body_json(serde_json::json!([model(ids[0]), model(ids[1])])),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());

    let query = ModelQuery {
        search: Some("qwen".to_string()),
        pipeline_tag: Some("text-generation".to_string()),
        sort: Some("trendingScore".to_string()),
        expand: vec!["inferenceProviderMapping".to_string()],
        limit: 5,
        ..ModelQuery::default()
    };
    let models = client.list_models(&query).await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["q/1", "q/2", "q/3", "q/4", "q/5"]);
    assert_eq!(models[4].gated, Some(Gated::Auto));
    assert_eq!(
        models[4].inference_providers,
        vec![ProviderMapping {
            provider: "novita".to_string(),
            status: Some("live".to_string()),
            provider_id: Some("q/5".to_string()),
            task: Some("conversational".to_string()),
        }]
    );
    assert_eq!(client.requests_made(), 3);
}

// ---------------------------------------------------------------- concurrency

/// Answers every `config.json` after 200 ms and records the most requests seen in flight.
struct SlowConfigs {
    delay: Duration,
    started: Mutex<Vec<Instant>>,
    most_in_flight: AtomicUsize,
}

impl Respond for SlowConfigs {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = Instant::now();
        let mut started = self.started.lock().unwrap();
        // A request is done once its delayed answer went out.
        started.retain(|at| now.duration_since(*at) < self.delay);
        started.push(now);
        self.most_in_flight
            .fetch_max(started.len(), Ordering::SeqCst);
        let repo = request
            .url
            .path()
            .trim_start_matches('/')
            .trim_end_matches("/resolve/main/config.json")
            .to_string();
        let etag = format!("e{}", repo.replace('/', ""));
        config_answer(SHA, &etag, &format!("{{\"name\":\"{repo}\"}}")).set_delay(self.delay)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_configs_concurrently_never_more_than_eight_in_flight() {
    let server = MockServer::start().await;
    let responder = std::sync::Arc::new(SlowConfigs {
        delay: Duration::from_millis(200),
        started: Mutex::new(Vec::new()),
        most_in_flight: AtomicUsize::new(0),
    });
    struct Shared(std::sync::Arc<SlowConfigs>);
    impl Respond for Shared {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            self.0.respond(request)
        }
    }
    Mock::given(method("GET"))
        .respond_with(Shared(responder.clone()))
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client(&server.uri(), cache.path());
    let repos: Vec<String> = (0..20).map(|i| format!("org/m{i:02}")).collect();

    let results = client.fetch_configs(&repos).await;

    // Requests counted, not timed: 20 in all, never more than 8 at once.
    assert_eq!(client.requests_made(), 20);
    assert_eq!(responder.most_in_flight.load(Ordering::SeqCst), 8);
    assert_eq!(results.len(), 20);
    for ((repo, result), expected) in results.into_iter().zip(&repos) {
        assert_eq!(&repo, expected);
        assert_eq!(result.unwrap().text, format!("{{\"name\":\"{expected}\"}}"));
    }
    assert_eq!(client.requests_made(), 20);
}

// ---------------------------------------------------------------- huggingface_hub fidelity

/// An LFS-style file: the Hub answers `302` to a CDN on another host, with the commit and the
/// blob id (`X-Linked-Etag`) on that first answer, as huggingface_hub's `get_hf_file_metadata`
/// reads them; the body comes from `Location`, fetched without the token.
#[tokio::test]
async fn metadata_comes_from_the_redirect_and_the_body_from_location_without_the_token() {
    let cdn = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/ab/cd/blob"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "\"cdn-etag-not-the-blob-id\"")
                .set_body_string("{\"model_type\": \"llama\"}"),
        )
        .expect(1)
        .mount(&cdn)
        .await;
    let server = MockServer::start().await;
    let linked = "a".repeat(64);
    Mock::given(method("GET"))
        .and(path("/org/lfs/resolve/main/config.json"))
        .and(bearer_token(TOKEN))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("X-Repo-Commit", SHA)
                .insert_header("X-Linked-Etag", format!("\"{linked}\"").as_str())
                .insert_header("X-Linked-Size", "23")
                .insert_header("ETag", "W/\"weak-pointer-etag\"")
                .insert_header(
                    "Location",
                    format!("{}/repos/ab/cd/blob", cdn.uri()).as_str(),
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_with_token(&server.uri(), cache.path());

    let file = client.fetch_config("org/lfs").await.unwrap();
    assert_eq!(file.text, "{\"model_type\": \"llama\"}");
    assert_eq!(file.sha, SHA);
    let requests = cdn.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
    let repo = cache.path().join("models--org--lfs");
    assert!(
        repo.join("blobs").join(&linked).is_file(),
        "cached under X-Linked-Etag"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("snapshots").join(SHA).join("config.json")).unwrap(),
        file.text
    );
}

#[test]
fn the_older_environment_names_huggingface_hub_honours() {
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<&str, &str> = [
        ("HOME", dir.path().to_str().unwrap()),
        ("HUGGING_FACE_HUB_TOKEN", "hf_legacy"),
        ("HUGGINGFACE_HUB_CACHE", "/legacy/hub"),
        ("TRANSFORMERS_OFFLINE", "1"),
    ]
    .into_iter()
    .collect();
    let config = HfConfig::from_vars(|name| vars.get(name).map(|v| v.to_string())).unwrap();
    assert_eq!(config.token.as_deref(), Some("hf_legacy"));
    assert_eq!(config.cache_dir, PathBuf::from("/legacy/hub"));
    assert!(config.offline);
    assert_eq!(
        config.state_dir,
        dir.path().join(".cache/huggingface/track-models")
    );
    // The current names win.
    let vars: HashMap<&str, &str> = [
        ("HOME", dir.path().to_str().unwrap()),
        ("HF_TOKEN", "hf_current"),
        ("HUGGING_FACE_HUB_TOKEN", "hf_legacy"),
        ("HF_HUB_CACHE", "/current/hub"),
        ("HUGGINGFACE_HUB_CACHE", "/legacy/hub"),
        ("HF_HUB_OFFLINE", "0"),
        ("TRANSFORMERS_OFFLINE", "1"),
    ]
    .into_iter()
    .collect();
    let config = HfConfig::from_vars(|name| vars.get(name).map(|v| v.to_string())).unwrap();
    assert_eq!(config.token.as_deref(), Some("hf_current"));
    assert_eq!(config.cache_dir, PathBuf::from("/current/hub"));
    assert!(!config.offline);
}

// ---------------------------------------------------------------- the Hub down, a warm cache

/// Warms `cache` with `Qwen/Qwen3-8B`'s config at `SHA` from a healthy fake Hub.
async fn warm_qwen(cache: &Path) -> String {
    let server = MockServer::start().await;
    let body = fixture("config-qwen3-8b.json");
    mount_config(&server, "Qwen/Qwen3-8B", SHA, ETAG, &body).await;
    let file = client(&server.uri(), cache)
        .fetch_config("Qwen/Qwen3-8B")
        .await
        .unwrap();
    assert!(!file.from_cache);
    body
}

/// As huggingface_hub's `hf_hub_download`: when the metadata request fails because the Hub
/// cannot answer now (5xx, 429, 401, 403), the snapshot `refs/main` names answers, once (no
/// retry of the metadata request), with a note naming the model and the commit.
#[tokio::test]
async fn a_failed_metadata_request_is_answered_by_the_warm_cache() {
    let cache = tempfile::tempdir().unwrap();
    let body = warm_qwen(cache.path()).await;
    // A `HEAD` answer has no body to quote.
    let cases = [
        (500, "500 Internal Server Error"),
        (503, "503 Service Unavailable"),
        (429, "still 429 Too Many Requests after 1 try"),
        (401, "401 Unauthorized"),
        (403, "403 Forbidden"),
    ];
    for (status, reason) in cases {
        let server = MockServer::start().await;
        Mock::given(path("/Qwen/Qwen3-8B/resolve/main/config.json"))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(serde_json::json!({"error": "boom"})),
            )
            .mount(&server)
            .await;
        let client = client(&server.uri(), cache.path());
        let file = client.fetch_config("Qwen/Qwen3-8B").await.unwrap();
        assert_eq!(
            (file.text.as_str(), file.sha.as_str()),
            (body.as_str(), SHA)
        );
        assert!(file.from_cache);
        let url = format!("{}/Qwen/Qwen3-8B/resolve/main/config.json", server.uri());
        let error = match status {
            429 => format!("rate limited by the Hub for `Qwen/Qwen3-8B` ({url}): {reason}"),
            401 => format!("`Qwen/Qwen3-8B` is missing or private ({url}): {reason}"),
            _ => format!("unexpected answer for `Qwen/Qwen3-8B` ({url}): {reason}"),
        };
        assert_eq!(
            file.fallback,
            Some(format!(
                "`Qwen/Qwen3-8B`: the Hub did not confirm `config.json` ({error}); using the cached snapshot at commit `{SHA}`"
            )),
            "{status}"
        );
        assert_eq!(client.requests_made(), 1, "{status}");
        assert_eq!(requests_by_method(&server, "HEAD").await, 1, "{status}");
    }
}

/// A repo the Hub says is gone, or a file it says is not there, is an answer about the repo,
/// not an outage: it is reported, not hidden behind the cache.
#[tokio::test]
async fn not_found_is_reported_even_with_a_warm_cache() {
    let cache = tempfile::tempdir().unwrap();
    warm_qwen(cache.path()).await;
    for (code, expected) in [
        ("RepoNotFound", "`Qwen/Qwen3-8B` not found"),
        (
            "EntryNotFound",
            "`config.json` not found in `Qwen/Qwen3-8B`",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/Qwen/Qwen3-8B/resolve/main/config.json"))
            .respond_with(error_answer(404, Some(code), "gone"))
            .mount(&server)
            .await;
        let client = client(&server.uri(), cache.path());
        let err = client.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
        assert!(err.to_string().starts_with(expected), "{err}");
        assert_eq!(client.requests_made(), 1);
    }
}

/// The metadata request honours `HF_HUB_ETAG_TIMEOUT` (here 0.1 s against a Hub that takes
/// 3 s, under a 5 s request timeout): it times out once and the cache answers.
#[tokio::test]
async fn the_metadata_request_honours_the_etag_timeout() {
    let cache = tempfile::tempdir().unwrap();
    let body = warm_qwen(cache.path()).await;
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/Qwen/Qwen3-8B/resolve/main/config.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Repo-Commit", SHA_NEXT)
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let mut config = hf_config(&server.uri(), cache.path());
    config.etag_timeout = Duration::from_millis(100);
    let client = HfClient::new(config).unwrap();
    let file = client.fetch_config("Qwen/Qwen3-8B").await.unwrap();
    assert_eq!(
        (file.text.as_str(), file.sha.as_str()),
        (body.as_str(), SHA)
    );
    let note = file.fallback.unwrap();
    assert!(
        note.contains("): timed out, 1 try); using the cached snapshot"),
        "{note}"
    );
    assert_eq!(client.requests_made(), 1);
}

#[test]
fn hf_hub_etag_timeout_and_the_wait_budget_come_from_the_environment() {
    let from = |pairs: &[(&str, &str)]| {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HfConfig::from_vars(|name| vars.get(name).cloned())
    };
    let config = from(&[("HF_HOME", "/h")]).unwrap();
    assert_eq!(config.etag_timeout, Duration::from_secs(10));
    assert_eq!(config.wait_budget, Duration::from_secs(600));
    assert_eq!(config.retry.max_rate_limit_wait, Duration::from_secs(300));
    let config = from(&[
        ("HF_HOME", "/h"),
        ("HF_HUB_ETAG_TIMEOUT", "2.5"),
        ("TRACK_MODELS_HUB_WAIT_BUDGET", "900"),
    ])
    .unwrap();
    assert_eq!(config.etag_timeout, Duration::from_millis(2500));
    assert_eq!(config.wait_budget, Duration::from_secs(900));
    let err = from(&[("HF_HOME", "/h"), ("HF_HUB_ETAG_TIMEOUT", "soon")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`HF_HUB_ETAG_TIMEOUT` is `soon`: expected a number of seconds"
    );
}

/// Nothing listening: one try, not five (a refused connection does not get better in 15 s),
/// and the hint names `--config-file`.
#[tokio::test]
async fn a_refused_connection_fails_on_the_first_try() {
    let cache = tempfile::tempdir().unwrap();
    let endpoint = closed_port_endpoint();
    let client = client(&endpoint, cache.path());
    let err = client.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not reach the Hub for `Qwen/Qwen3-8B` ({endpoint}/Qwen/Qwen3-8B/resolve/main/config.json): \
             connection refused, 1 try\n{HINT}"
        )
    );
    assert_eq!(client.requests_made(), 1);
}

/// The onboarding a user runs, twice: the second time the Hub answers 500 to everything, the
/// warm cache answers, a warning says which commit was used, and the section is the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_onboarding_with_the_hub_answering_500_uses_the_warm_cache() {
    let llama = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json"),
    )
    .unwrap();
    let healthy = MockServer::start().await;
    mount_config(&healthy, "meta-llama/Llama-3.1-8B", SHA, ETAG, &llama).await;
    let home = tempfile::tempdir().unwrap();
    let doc = crate::support::fixture("refresh/empty-doc.mdx");
    let onboard = |endpoint: String, home: PathBuf| {
        let (dir, doc_path) = crate::support::workspace(&doc);
        let trace_dir = crate::support::trace_dir();
        let serving = crate::support::quiet_serving_args();
        let mut args = vec![
            "--model-name",
            "llama",
            "--hf-repo-id",
            "meta-llama/Llama-3.1-8B",
            "--doc",
            &doc_path,
            "--trace-dir",
            trace_dir.to_str().unwrap(),
        ];
        args.extend(serving.iter().map(String::as_str));
        let output = track_models_with_hub(&args, &endpoint, &home);
        let text = std::fs::read_to_string(&doc_path).unwrap();
        drop(dir);
        (output, text)
    };
    let (first, warm_text) = onboard(healthy.uri(), home.path().to_path_buf());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&first)
    );
    assert!(warm_text.contains("## Llama 3.1 8B"), "{warm_text}");

    let down = MockServer::start().await;
    Mock::given(path("/meta-llama/Llama-3.1-8B/resolve/main/config.json"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Error"))
        .mount(&down)
        .await;
    let (second, text) = onboard(down.uri(), home.path().to_path_buf());
    let stderr = crate::support::stderr(&second);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    assert_eq!(text, warm_text);
    let warning = format!(
        "warning: `meta-llama/Llama-3.1-8B`: the Hub did not confirm `config.json` (unexpected answer for \
         `meta-llama/Llama-3.1-8B` ({}/meta-llama/Llama-3.1-8B/resolve/main/config.json): 500 Internal Server \
         Error); using the cached snapshot at commit `{SHA}`",
        down.uri()
    );
    assert!(stderr.lines().any(|line| line == warning), "{stderr}");
    // The metadata request, once; nothing downloaded.
    let requests = down.received_requests().await.unwrap();
    let config_requests: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/config.json"))
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(config_requests, vec!["HEAD".to_string()]);
}

// ---------------------------------------------------------------- a listing that never ends

/// A tree listing whose every page links to a new one (`?cursor=N+1`), each holding `per_page`
/// files: it never ends and never repeats.
struct EndlessTree {
    per_page: usize,
}

impl Respond for EndlessTree {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: usize = request
            .url
            .query_pairs()
            .find(|(key, _)| key == "cursor")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let entries: Vec<serde_json::Value> = (0..self.per_page)
            .map(|i| {
                serde_json::json!({"type": "file", "oid": format!("{page:04}{i:04}"), "size": 10,
                                   "path": format!("definitions/gemm/gemm_p{page}_{i}.json")})
            })
            .collect();
        let next = format!("{}?recursive=true&cursor={}", request.url.path(), page + 1);
        ResponseTemplate::new(200)
            .insert_header("Link", format!("<{next}>; rel=\"next\""))
            .set_body_json(entries)
    }
}

/// The dataset moved to `SHA_NEXT`, whose definitions never end: the listing stops at the page
/// cap (or the entry cap), fails naming the listing's URL, and the cached listing at
/// `DATASET_SHA` stays the recorded one.
#[tokio::test]
async fn an_endless_dataset_listing_stops_at_the_caps_and_keeps_the_cached_state() {
    let cache = tempfile::tempdir().unwrap();
    let healthy = MockServer::start().await;
    mount_dataset(&healthy).await;
    let warm = client(&healthy.uri(), cache.path());
    assert_eq!(
        warm.list_dataset(DATASET).await.unwrap(),
        expected_listing()
    );

    for (limits, requests, reason) in [
        (
            Limits {
                max_listing_pages: 5,
                ..Limits::default()
            },
            1 + 5,
            "more than 5 pages (next: {tree}?recursive=true&cursor=5); the listing was not used",
        ),
        (
            Limits {
                max_listing_entries: 250,
                ..Limits::default()
            },
            1 + 3,
            "more than 250 entries after 3 pages; the listing was not used",
        ),
    ] {
        let endless = MockServer::start().await;
        mount_hub_dataset_sha(&endless, DATASET, SHA_NEXT).await;
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/datasets/{DATASET}/tree/{SHA_NEXT}/definitions"
            )))
            .respond_with(EndlessTree { per_page: 100 })
            .mount(&endless)
            .await;
        let mut config = hf_config(&endless.uri(), cache.path());
        config.limits = limits;
        let client = HfClient::new(config).unwrap();
        let err = client.list_dataset(DATASET).await.unwrap_err();
        let tree = format!(
            "{}/api/datasets/{DATASET}/tree/{SHA_NEXT}/definitions",
            endless.uri()
        );
        assert!(matches!(err, HfError::ListingTooLong { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "listing too long for `{DATASET}` ({tree}?recursive=true): {}",
                reason.replace("{tree}", &tree)
            )
        );
        assert_eq!(client.requests_made(), requests);
        assert_eq!(
            client.recorded_dataset_listing(DATASET).unwrap(),
            expected_listing()
        );
    }
}

// ---------------------------------------------------------------- a hostile cache

/// What a cache folder holds is read only as bounded regular files, and only under names an
/// identifier check allowed: a FIFO or a link to a device planted as the snapshot, or a ref
/// naming a path, is a miss (offline: a clear error), never a hang or a read outside the cache.
#[cfg(unix)]
#[tokio::test]
async fn planted_fifos_devices_and_path_refs_in_the_cache_are_misses() {
    let cache = tempfile::tempdir().unwrap();
    let repo_dir = cache.path().join("models--Qwen--Qwen3-8B");
    let snapshot = repo_dir.join("snapshots").join(SHA);
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::create_dir_all(repo_dir.join("refs")).unwrap();
    std::fs::write(repo_dir.join("refs/main"), SHA).unwrap();
    let config = snapshot.join("config.json");
    let mut settings = hf_config("http://127.0.0.1:9", cache.path());
    settings.offline = true;
    let offline = HfClient::new(settings).unwrap();

    let fifo = std::ffi::CString::new(config.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let err = offline.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");

    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
    let err = offline.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");

    std::fs::write(repo_dir.join("refs/main"), "../../../../dev").unwrap();
    let err = offline.fetch_config("Qwen/Qwen3-8B").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "offline and not cached: `Qwen/Qwen3-8B` (http://127.0.0.1:9/Qwen/Qwen3-8B/resolve/main/config.json): \
             no `{}`\nhint: unset `HF_HUB_OFFLINE` to fetch it",
            repo_dir.join("refs/main").display()
        )
    );
    assert_eq!(offline.requests_made(), 0);
}

/// The run's one client hands a cache-only view to the parts that must not touch the network:
/// it answers from the same cache, sends nothing, and shares the request counter.
#[tokio::test]
async fn a_cache_only_view_shares_the_cache_and_sends_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let body = warm_qwen(cache.path()).await;
    let server = MockServer::start().await;
    let client = client(&server.uri(), cache.path());
    let view = client.cache_only();
    assert!(view.is_offline() && !client.is_offline());
    let file = view.fetch_config("Qwen/Qwen3-8B").await.unwrap();
    assert_eq!((file.text.as_str(), file.from_cache), (body.as_str(), true));
    let err = view.fetch_config("org/cold").await.unwrap_err();
    assert!(matches!(err, HfError::OfflineMiss { .. }), "{err:?}");
    assert_eq!((view.requests_made(), client.requests_made()), (0, 0));
    assert!(server.received_requests().await.unwrap().is_empty());
}
