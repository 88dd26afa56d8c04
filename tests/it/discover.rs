//! Discovery: day-0 from temporary git repositories with dated commits and from a fake GitHub;
//! the HF lists and provider catalogs on a loopback fake (wiremock); each source failing;
//! offline runs from saved responses; the pure merge and decide; display names; the example
//! workspace end to end. No network, no process environment.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::Repository;
use serde_json::{json, Value};
use tempfile::TempDir;
use track_models::api::discover::display_name::{name_key, tracked_name_keys};
use track_models::api::discover::{
    candidates, day0_from_clone, decide, display_name, gather, parse_openrouter_models,
    parse_router_models, why_these_models_markdown, Candidate, CatalogError, Date, Day0File,
    Day0Match, Decision, DecisionKind, DiscoveryOptions, DiscoverySources, HfList, HfListKind,
    MatchedBy, ServingCount, Signals, Source, TiedBy, TrackedModel, COOKBOOK_REPO_IDS, DAY0_FILES,
    HF_LISTS, PROVIDERS, PROVIDER_CATALOG_REACHED, SGLANG_CATALOG_REPO_IDS, SGLANG_CLASSES,
};
use track_models::api::sources::hf::{HfClient, HfConfig, ModelInfo};
use track_models::api::sources::serving::{
    CookbookIndex, ParsedConfigs, ServingConfig, ServingSource,
};
use track_models::api::sources::sglang::{classify, ModelClass, SglangCatalog};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{closed_port_endpoint, example_sglang_repo, git_commit, root};

const MODELS: &str = "python/sglang/srt/models";

fn today() -> Date {
    Date::from_ymd(2026, 11, 20).unwrap()
}

fn options() -> DiscoveryOptions {
    DiscoveryOptions::new(today())
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/discover").join(name)).unwrap()
}

/// Python source registering `classes` the way SGLang model files do.
fn model_file(classes: &[&str]) -> String {
    let mut text = String::from("from torch import nn\n\n");
    for class in classes {
        text.push_str(&format!("\nclass {class}(nn.Module):\n    pass\n\n"));
    }
    text.push_str(&format!("\nEntryClass = [{}]\n", classes.join(", ")));
    text
}

// ---------------------------------------------------------------- git history helper

/// A temporary git repository whose commits have a pinned author, committer and time (noon UTC,
/// some days before [`today`]).
struct History {
    dir: TempDir,
    repo: Repository,
}

impl History {
    fn new() -> History {
        let dir = TempDir::new().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        History { dir, repo }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Commits one new model file, `file`, whose `EntryClass` is `class`; returns the commit id.
    fn add_model(&self, days_before: i64, message: &str, file: &str, class: &str) -> String {
        self.commit(days_before, message, &[(file, Some(&model_file(&[class])))])
    }

    /// Writes (`Some`) or deletes (`None`) files under the models folder and commits; returns the
    /// commit id.
    fn commit(&self, days_before: i64, message: &str, changes: &[(&str, Option<&str>)]) -> String {
        let paths: Vec<String> = changes
            .iter()
            .map(|(file, _)| format!("{MODELS}/{file}"))
            .collect();
        let files: Vec<(&str, Option<&str>)> = paths
            .iter()
            .zip(changes)
            .map(|(path, (_, content))| (path.as_str(), *content))
            .collect();
        let seconds = today().add_days(-days_before).unix_seconds() + 12 * 3600;
        git_commit(&self.repo, "SGLang Test", seconds, message, &files)
    }
}

fn day0_file(file: &str, classes: &[&str], commit: &str, date: &str) -> Day0File {
    Day0File {
        file: file.to_string(),
        classes: strings(classes),
        commit: commit.to_string(),
        date: day(date),
    }
}

// ---------------------------------------------------------------- day-0 from git

#[test]
fn day0_from_git_takes_model_files_added_inside_the_window() {
    let history = History::new();
    let llama = model_file(&["LlamaForCausalLM"]);
    let llama_phi = model_file(&["LlamaForCausalLM", "Phi3ForCausalLM"]);
    history.commit(
        100,
        "Initial models",
        &[
            ("llama.py", Some(&llama)),
            ("utils.py", Some("def helper():\n    pass\n")),
        ],
    );
    // The window is 2026-10-21 ..= 2026-11-20: 31 days before is out, 30 days before is in.
    history.add_model(31, "Support Old", "old.py", "OldForCausalLM");
    let edge = history.add_model(30, "Support Edge", "edge.py", "EdgeForCausalLM");
    let minimax = history.commit(
        20,
        "Support MiniMax M2",
        &[
            (
                "minimax_m2.py",
                Some(&model_file(&["MiniMaxM2ForCausalLM"])),
            ),
            // A draft only: not a model.
            (
                "qwen3_next_mtp.py",
                Some(&model_file(&["Qwen3NextForCausalLMMTP"])),
            ),
            // A sub-folder and a helper without EntryClass: not models either.
            (
                "deepseek_common/layers.py",
                Some(&model_file(&["DeepseekHelperForCausalLM"])),
            ),
            ("minimax_utils.py", Some("ROPE_THETA = 5e6\n")),
        ],
    );
    let nemotron = history.commit(
        10,
        "Support Nemotron-H; Llama also serves Phi-3",
        &[
            // Modified, not added: ignored even though it gains a class.
            ("llama.py", Some(&llama_phi)),
            (
                "nemotron_h.py",
                Some(&model_file(&[
                    "NemotronHForCausalLM",
                    "NemotronHForCausalLMMTP",
                ])),
            ),
            ("qwen3_embedding.py", Some(&model_file(&["Qwen3Model"]))),
            (
                "transformers.py",
                Some(&model_file(&["TransformersForCausalLM"])),
            ),
        ],
    );
    // A rename is not an addition.
    history.commit(
        5,
        "Move Llama",
        &[("llama.py", None), ("llama_legacy.py", Some(&llama_phi))],
    );
    // After `today`: not in the window either.
    history.add_model(-1, "Support Future", "future.py", "FutureForCausalLM");

    let (files, problems) = day0_from_clone(history.path(), &options());
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(
        files,
        vec![
            day0_file("edge.py", &["EdgeForCausalLM"], &edge, "2026-10-21"),
            day0_file(
                "minimax_m2.py",
                &["MiniMaxM2ForCausalLM"],
                &minimax,
                "2026-10-31"
            ),
            day0_file(
                "nemotron_h.py",
                &["NemotronHForCausalLM"],
                &nemotron,
                "2026-11-10"
            ),
        ]
    );

    let mut narrow = options();
    narrow.since_days = 15;
    let (files, _) = day0_from_clone(history.path(), &narrow);
    assert_eq!(
        files,
        vec![day0_file(
            "nemotron_h.py",
            &["NemotronHForCausalLM"],
            &nemotron,
            "2026-11-10"
        )]
    );
}

#[test]
fn day0_from_git_without_a_clone_is_a_problem_line() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("sglang");
    for target in [dir.path().to_path_buf(), missing] {
        let message = Repository::open(&target)
            .err()
            .unwrap()
            .message()
            .to_string();
        let (files, problems) = day0_from_clone(&target, &options());
        assert_eq!(files, Vec::new());
        assert_eq!(
            problems,
            vec![format!(
                "sglang-day0 (git): cannot read the history of `{}`: {message}\nhint: pass a git clone of SGLang to `--sglang-dir`, or omit it to use the GitHub API",
                target.display()
            )]
        );
    }
}

#[test]
fn day0_from_a_shallow_clone_cut_inside_the_window_is_a_problem_line() {
    let history = History::new();
    history.add_model(100, "Initial", "llama.py", "LlamaForCausalLM");
    let cut = history.add_model(20, "Support B", "b.py", "BForCausalLM");
    let newest = history.add_model(10, "Support C", "c.py", "CForCausalLM");
    // What `git clone --depth 2` leaves: the oldest commit kept is listed in `.git/shallow`.
    std::fs::write(history.path().join(".git/shallow"), format!("{cut}\n")).unwrap();

    let (files, problems) = day0_from_clone(history.path(), &options());
    assert_eq!(
        files,
        vec![day0_file("c.py", &["CForCausalLM"], &newest, "2026-11-10")]
    );
    let dir = history.path().display();
    assert_eq!(
        problems,
        vec![format!(
            "sglang-day0 (git): `{dir}` is a shallow clone whose history ends at {} (2026-10-31), inside the last 30 days; files added before then are missed\nhint: `git -C {dir} fetch --shallow-since=2026-10-21`",
            &cut[..10]
        )]
    );

    // Cut before the window: complete, so no problem.
    let mut narrow = options();
    narrow.since_days = 15;
    let (files, problems) = day0_from_clone(history.path(), &narrow);
    assert_eq!(
        files,
        vec![day0_file("c.py", &["CForCausalLM"], &newest, "2026-11-10")]
    );
    assert_eq!(problems, Vec::<String>::new());
}

// ---------------------------------------------------------------- loopback fakes

/// One wiremock server standing in for the Hub (`/api/models`), the router (`/router`),
/// OpenRouter (`/openrouter`) and GitHub (`/github`).
struct Fake {
    server: MockServer,
    home: TempDir,
}

const HEALTHY: u8 = 10;

impl Fake {
    async fn start() -> Fake {
        Fake {
            server: MockServer::start().await,
            home: TempDir::new().unwrap(),
        }
    }

    fn uri(&self) -> String {
        self.server.uri()
    }

    fn responses_dir(&self) -> PathBuf {
        self.home.path().join("track-models/responses")
    }

    fn sources(&self) -> DiscoverySources {
        let mut config = crate::support::hf_config(&self.uri(), &self.home.path().join("hub"));
        // One more try at most, and short waits: the sources' faults are what is tested.
        config.retry.max_tries = 2;
        config.retry.max_backoff = Duration::from_millis(10);
        config.retry.max_rate_limit_wait = Duration::from_secs(1);
        DiscoverySources {
            hf: HfClient::new(config).unwrap(),
            hf_token: Some("hf_test_token".to_string()),
            offline: false,
            github_api_url: format!("{}/github", self.uri()),
            github_token: Some("ghp_test_token".to_string()),
            hf_router_url: format!("{}/router", self.uri()),
            openrouter_api_url: format!("{}/openrouter", self.uri()),
            responses_dir: self.responses_dir(),
            sglang_dir: None,
            catalog: test_catalog(),
            cookbook: CookbookIndex::default(),
            hf_list_limit: 3,
            github_budget: 5,
            timeout: Duration::from_secs(5),
        }
    }

    /// Good answers from every source, below the priority of anything a test mounts itself.
    async fn mount_healthy(&self) {
        for (sort, tag, body) in [
            ("trendingScore", "text-generation", json!([minimax_m27()])),
            ("trendingScore", "image-text-to-text", json!([gemma_27b()])),
            ("createdAt", "text-generation", json!([olmo_7b()])),
            ("createdAt", "image-text-to-text", json!([qwen3_vl_2b()])),
        ] {
            Mock::given(method("GET"))
                .and(path("/api/models"))
                .and(query_param("sort", sort))
                .and(query_param("pipeline_tag", tag))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .with_priority(HEALTHY)
                .mount(&self.server)
                .await;
        }
        let healthy = [
            (
                "/router/v1/models",
                json_bytes(fixture("hf-router-models.json")),
            ),
            (
                "/openrouter/models",
                json_bytes(fixture("openrouter-models.slugs.json")),
            ),
            (
                "/github/repos/sgl-project/sglang/commits",
                ResponseTemplate::new(200).set_body_json(json!([])),
            ),
        ];
        for (route, answer) in healthy {
            Mock::given(method("GET"))
                .and(path(route))
                .respond_with(answer)
                .with_priority(HEALTHY)
                .mount(&self.server)
                .await;
        }
    }

    /// The URL a request was sent to (wiremock reports the host as `localhost`).
    fn url_of(&self, request: &Request) -> String {
        match request.url.query() {
            Some(query) => format!("{}{}?{query}", self.uri(), request.url.path()),
            None => format!("{}{}", self.uri(), request.url.path()),
        }
    }

    async fn requests_to(&self, prefix: &str) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path().starts_with(prefix))
            .collect()
    }
}

fn json_bytes(body: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// The SGLang catalog the fakes run with: a few generative classes, a draft, a file per class.
fn test_catalog() -> SglangCatalog {
    let class = |file: &str, class: &str| ModelClass {
        file: file.to_string(),
        class: class.to_string(),
        kind: classify(class),
    };
    SglangCatalog {
        classes: vec![
            class("deepseek_v2.py", "DeepseekV3ForCausalLM"),
            class("deepseek_v2.py", "DeepseekV32ForCausalLM"),
            class("gemma3_mm.py", "Gemma3ForConditionalGeneration"),
            class("llama.py", "LlamaForCausalLM"),
            class("minimax_m2.py", "MiniMaxM2ForCausalLM"),
            class("qwen3.py", "Qwen3ForCausalLM"),
            class("qwen3_next.py", "Qwen3NextForCausalLM"),
            class("qwen3_next_mtp.py", "Qwen3NextForCausalLMMTP"),
        ],
        doc_repo_ids: vec![(
            "DeepSeek".to_string(),
            "deepseek-ai/DeepSeek-V3".to_string(),
        )],
        source: "test catalog".to_string(),
        warnings: Vec::new(),
    }
}

fn listed(
    id: &str,
    architecture: &str,
    pipeline_tag: &str,
    gated: Value,
    downloads: u64,
    providers: &[(&str, &str)],
) -> Value {
    json!({
        "id": id,
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "createdAt": "2026-11-01T10:00:00.000Z",
        "downloads": downloads,
        "likes": 10,
        "trendingScore": 50,
        "pipeline_tag": pipeline_tag,
        "gated": gated,
        "config": {"architectures": [architecture], "model_type": "x"},
        "inferenceProviderMapping": providers
            .iter()
            .map(|(p, s)| json!({"provider": p, "status": s, "providerId": id, "task": "conversational"}))
            .collect::<Vec<_>>(),
    })
}

fn minimax_m27() -> Value {
    listed(
        "MiniMaxAI/MiniMax-M2.7",
        "MiniMaxM2ForCausalLM",
        "text-generation",
        json!(false),
        412_345,
        &[("novita", "live"), ("fireworks-ai", "error")],
    )
}

fn gemma_27b() -> Value {
    listed(
        "google/gemma-3-27b-it",
        "Gemma3ForConditionalGeneration",
        "image-text-to-text",
        json!("manual"),
        1_043_220,
        &[],
    )
}

fn olmo_7b() -> Value {
    listed(
        "allenai/Olmo-3-7B-Instruct",
        "Olmo3ForCausalLM",
        "text-generation",
        json!(false),
        3310,
        &[],
    )
}

fn qwen3_vl_2b() -> Value {
    listed(
        "Qwen/Qwen3-VL-2B-Thinking",
        "Qwen3VLForConditionalGeneration",
        "image-text-to-text",
        json!(false),
        2875,
        &[],
    )
}

fn model(value: Value) -> ModelInfo {
    serde_json::from_value(value).unwrap()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- gather, healthy

#[tokio::test]
async fn gather_reads_every_source_and_saves_the_responses() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    let sources = fake.sources();
    let debug = format!("{sources:?}");
    assert!(
        !debug.contains("hf_test_token") && !debug.contains("ghp_test_token"),
        "{debug}"
    );
    let signals = gather(&sources, &options()).await;

    assert_eq!(signals.problems, Vec::<String>::new());
    let lists: Vec<(HfListKind, &str, Vec<&str>)> = signals
        .get(HF_LISTS)
        .unwrap()
        .iter()
        .map(|l| {
            (
                l.kind,
                l.pipeline_tag.as_str(),
                l.models.iter().map(|m| m.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        lists,
        vec![
            (
                HfListKind::Trending,
                "text-generation",
                vec!["MiniMaxAI/MiniMax-M2.7"]
            ),
            (
                HfListKind::Trending,
                "image-text-to-text",
                vec!["google/gemma-3-27b-it"]
            ),
            (
                HfListKind::New,
                "text-generation",
                vec!["allenai/Olmo-3-7B-Instruct"]
            ),
            (
                HfListKind::New,
                "image-text-to-text",
                vec!["Qwen/Qwen3-VL-2B-Thinking"]
            ),
        ]
    );
    assert_eq!(signals.get(PROVIDER_CATALOG_REACHED), Some(&true));
    assert_eq!(
        signals.get(PROVIDERS),
        Some(&BTreeMap::from([
            ("deepseek-ai/deepseek-v3".to_string(), set(&[])),
            ("google/gemma-3-27b-it".to_string(), set(&[])),
            (
                "minimaxai/minimax-m2.7".to_string(),
                set(&["novita", "openrouter", "together"])
            ),
            (
                "qwen/qwen3-next-80b-a3b-thinking".to_string(),
                set(&["hyperbolic", "openrouter"])
            ),
        ]))
    );
    assert_eq!(
        signals.get(SGLANG_CATALOG_REPO_IDS),
        Some(&strings(&["deepseek-ai/DeepSeek-V3"]))
    );
    assert_eq!(
        signals.get(SGLANG_CLASSES),
        Some(&strings(&[
            "DeepseekV32ForCausalLM",
            "DeepseekV3ForCausalLM",
            "Gemma3ForConditionalGeneration",
            "LlamaForCausalLM",
            "MiniMaxM2ForCausalLM",
            "Qwen3ForCausalLM",
            "Qwen3NextForCausalLM",
        ]))
    );
    assert_eq!(
        signals.api_calls,
        BTreeMap::from([
            ("github".to_string(), 1),
            ("hf".to_string(), 4),
            ("hf-router".to_string(), 1),
            ("openrouter".to_string(), 1),
        ])
    );

    // Each list is one call with every field deciding needs.
    let list_calls = fake.requests_to("/api/models").await;
    assert_eq!(list_calls.len(), 4);
    for call in &list_calls {
        let expand: Vec<String> = call
            .url
            .query_pairs()
            .filter(|(k, _)| k == "expand[]")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(
            expand,
            strings(&[
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
                "cardData"
            ])
        );
        assert_eq!(
            call.url
                .query_pairs()
                .find(|(k, _)| k == "limit")
                .unwrap()
                .1,
            "3"
        );
    }
    let router = &fake.requests_to("/router").await[0];
    assert_eq!(router.headers["authorization"], "Bearer hf_test_token");
    assert!(fake.requests_to("/openrouter").await[0]
        .headers
        .get("authorization")
        .is_none());
    let github = &fake.requests_to("/github").await[0];
    assert_eq!(github.headers["x-github-api-version"], "2022-11-28");
    assert_eq!(github.headers["authorization"], "Bearer ghp_test_token");
    let query: BTreeMap<String, String> = github.url.query_pairs().into_owned().collect();
    assert_eq!(
        query,
        BTreeMap::from([
            ("path".to_string(), MODELS.to_string()),
            ("per_page".to_string(), "100".to_string()),
            ("since".to_string(), "2026-10-21T00:00:00Z".to_string()),
            ("until".to_string(), "2026-11-21T00:00:00Z".to_string()),
        ])
    );

    let mut saved: Vec<String> = std::fs::read_dir(fake.responses_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    saved.sort();
    assert_eq!(
        saved,
        strings(&[
            "github-sglang-day0.json",
            "hf-new-image-text-to-text.json",
            "hf-new-text-generation.json",
            "hf-router-models.json",
            "hf-trending-image-text-to-text.json",
            "hf-trending-text-generation.json",
            "openrouter-models.json",
        ])
    );

    // Offline, the saved responses give the same signals without a single request.
    let mut offline = fake.sources();
    offline.offline = true;
    let mut config = HfConfig::new(closed_port_endpoint(), fake.home.path().join("hub"));
    config.offline = true;
    offline.hf = HfClient::new(config).unwrap();
    offline.github_api_url = closed_port_endpoint();
    offline.hf_router_url = closed_port_endpoint();
    offline.openrouter_api_url = closed_port_endpoint();
    let before = fake.server.received_requests().await.unwrap().len();
    let replayed = gather(&offline, &options()).await;
    assert_eq!(fake.server.received_requests().await.unwrap().len(), before);
    assert_eq!(offline.hf.requests_made(), 0);
    assert_eq!(
        replayed.api_calls,
        BTreeMap::from([
            ("github".to_string(), 0),
            ("hf".to_string(), 0),
            ("hf-router".to_string(), 0),
            ("openrouter".to_string(), 0),
        ])
    );
    let mut replayed = replayed;
    replayed.api_calls = signals.api_calls.clone();
    assert_eq!(replayed, signals);
}

// ---------------------------------------------------------------- day-0 from the GitHub API

fn listed_commit(sha: &str, message: &str, date: &str) -> Value {
    json!({
        "sha": sha,
        "commit": {
            "author": {"name": "A", "email": "a@example.invalid", "date": date},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": date},
            "message": message,
        },
        "parents": [],
    })
}

fn commit_files(sha: &str, files: &[(&str, &str)]) -> Value {
    json!({
        "sha": sha,
        "files": files
            .iter()
            .map(|(f, s)| json!({"sha": "f00d", "filename": f, "status": s, "additions": 1, "deletions": 0, "changes": 1}))
            .collect::<Vec<_>>(),
    })
}

/// Commits c1..c4 over two list pages; c2's files over two pages; nemotron_h.py unknown to
/// the catalog, so its classes need the contents API.
async fn mount_sglang_history(fake: &Fake) {
    let uri = fake.uri();
    Mock::given(method("GET"))
        .and(path("/github/repos/sgl-project/sglang/commits"))
        .and(query_param("since", "2026-10-21T00:00:00Z"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    listed_commit("c1", "Fix Llama weight loading", "2026-11-16T09:00:00Z"),
                    listed_commit("c2", "Support MiniMax M2 (#123)\n\nDetails.", "2026-11-15T09:00:00Z"),
                ]))
                .insert_header(
                    "link",
                    format!(
                        r#"<{uri}/github/repositories/42/commits?page=2>; rel="next", <{uri}/github/repositories/42/commits?page=2>; rel="last""#
                    ),
                ),
        )
        .mount(&fake.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/github/repositories/42/commits"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            // +08:00: noon UTC on 2026-11-08.
            listed_commit("c3", "Add Nemotron-H", "2026-11-08T20:00:00+08:00"),
            listed_commit("c4", "Support an old model", "2026-10-01T09:00:00Z"),
        ])))
        .mount(&fake.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/github/repos/sgl-project/sglang/commits/c2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(commit_files(
                    "c2",
                    &[
                        (&format!("{MODELS}/minimax_m2.py"), "added"),
                        (&format!("{MODELS}/llama.py"), "modified"),
                    ],
                ))
                .insert_header(
                    "link",
                    format!(r#"<{uri}/github/repositories/42/commits/c2?page=2>; rel="next""#),
                ),
        )
        .mount(&fake.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/github/repositories/42/commits/c2"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(commit_files(
            "c2",
            &[
                (&format!("{MODELS}/minimax_common/layers.py"), "added"),
                ("docs/minimax.md", "added"),
            ],
        )))
        .mount(&fake.server)
        .await;
    for (sha, file, status) in [
        ("c3", "nemotron_h.py", "added"),
        ("c1", "llama.py", "modified"),
    ] {
        let files = commit_files(sha, &[(&format!("{MODELS}/{file}"), status)]);
        Mock::given(method("GET"))
            .and(path(format!(
                "/github/repos/sgl-project/sglang/commits/{sha}"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(files))
            .mount(&fake.server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!(
            "/github/repos/sgl-project/sglang/contents/{MODELS}/nemotron_h.py"
        )))
        .and(query_param("ref", "c3"))
        .and(header("accept", "application/vnd.github.raw+json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(model_file(&[
            "NemotronHForCausalLM",
            "NemotronHForCausalLMMTP",
        ])))
        .mount(&fake.server)
        .await;
}

#[tokio::test]
async fn day0_from_the_api_follows_both_paginations_and_reads_new_classes() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    mount_sglang_history(&fake).await;
    let mut sources = fake.sources();
    sources.github_budget = 8;
    let signals = gather(&sources, &options()).await;

    assert_eq!(signals.problems, Vec::<String>::new());
    assert_eq!(
        signals.get(DAY0_FILES).unwrap(),
        &vec![
            day0_file(
                "minimax_m2.py",
                &["MiniMaxM2ForCausalLM"],
                "c2",
                "2026-11-15"
            ),
            day0_file(
                "nemotron_h.py",
                &["NemotronHForCausalLM"],
                "c3",
                "2026-11-08"
            ),
        ]
    );
    // 2 list pages, c2 (2 file pages), c3, c1, and nemotron_h.py's contents.
    assert_eq!(signals.api_calls["github"], 7);
    let paths: Vec<String> = fake
        .requests_to("/github")
        .await
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        strings(&[
            "/github/repos/sgl-project/sglang/commits",
            "/github/repositories/42/commits",
            "/github/repos/sgl-project/sglang/commits/c2",
            "/github/repositories/42/commits/c2",
            "/github/repos/sgl-project/sglang/commits/c3",
            "/github/repos/sgl-project/sglang/commits/c1",
            "/github/repos/sgl-project/sglang/contents/python/sglang/srt/models/nemotron_h.py",
        ])
    );
}

#[tokio::test]
async fn day0_from_the_api_stops_at_five_calls_and_says_so() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    mount_sglang_history(&fake).await;
    let signals = gather(&fake.sources(), &options()).await;

    assert_eq!(
        signals.get(DAY0_FILES).unwrap(),
        &vec![day0_file(
            "minimax_m2.py",
            &["MiniMaxM2ForCausalLM"],
            "c2",
            "2026-11-15"
        )]
    );
    assert_eq!(
        signals.problems,
        strings(&[
            "sglang-day0 (GitHub API): budget reached: 1 of 3 commits in the window were not inspected within 5 API calls\nhint: pass `--sglang-dir` with a git clone of SGLang to read its history locally",
            "sglang-day0 (GitHub API): budget reached: cannot read the classes of the new file `nemotron_h.py`, and the SGLang catalog does not list it",
        ])
    );
    assert_eq!(signals.api_calls["github"], 5);
    assert_eq!(fake.requests_to("/github").await.len(), 5);
}

// ---------------------------------------------------------------- each source failing

#[derive(Debug, Clone, Copy)]
enum Failure {
    Unavailable,
    TooMany,
    Malformed,
    Empty,
}

fn failing(failure: Failure, empty_body: Value) -> ResponseTemplate {
    match failure {
        Failure::Unavailable => ResponseTemplate::new(503),
        Failure::TooMany => ResponseTemplate::new(429).insert_header("retry-after", "0"),
        Failure::Malformed => ResponseTemplate::new(200).set_body_raw("{oops}", "application/json"),
        Failure::Empty => ResponseTemplate::new(200).set_body_json(empty_body),
    }
}

#[tokio::test]
async fn a_failing_source_is_one_problem_line_and_the_run_goes_on() {
    use Failure::*;
    let cases: Vec<(&str, Failure)> = vec![
        ("hf-list", Unavailable),
        ("hf-list", TooMany),
        ("hf-list", Malformed),
        ("hf-list", Empty),
        ("router", Unavailable),
        ("router", TooMany),
        ("router", Malformed),
        ("router", Empty),
        ("openrouter", Unavailable),
        ("openrouter", TooMany),
        ("openrouter", Malformed),
        ("openrouter", Empty),
        ("github", Unavailable),
        ("github", TooMany),
        ("github", Malformed),
    ];
    for (source, failure) in cases {
        let fake = Fake::start().await;
        fake.mount_healthy().await;
        let (route, empty) = match source {
            "hf-list" => ("/api/models", json!([])),
            "router" => ("/router/v1/models", json!({"object": "list", "data": []})),
            "openrouter" => ("/openrouter/models", json!({"data": [], "total_count": 0})),
            _ => ("/github/repos/sgl-project/sglang/commits", json!([])),
        };
        let mut mock = Mock::given(method("GET")).and(path(route));
        if source == "hf-list" {
            mock = mock
                .and(query_param("sort", "trendingScore"))
                .and(query_param("pipeline_tag", "text-generation"));
        }
        mock.respond_with(failing(failure, empty))
            .mount(&fake.server)
            .await;

        let signals = gather(&fake.sources(), &options()).await;
        let requests = fake.requests_to(route).await;
        let url = requests
            .iter()
            .find(|r| source != "hf-list" || r.url.query().unwrap().contains("sort=trendingScore&"))
            .map(|r| fake.url_of(r))
            .unwrap();
        let label = match source {
            "hf-list" => "hf-trending (text-generation)",
            "router" => "hf-router",
            "openrouter" => "openrouter",
            _ => "sglang-day0 (GitHub API)",
        };
        let expected = match (source, failure) {
            ("hf-list", Unavailable) => format!(
                "{label}: unexpected answer for the model search ({url}): 503 Service Unavailable after 2 tries"
            ),
            ("hf-list", TooMany) => format!(
                "{label}: rate limited by the Hub for the model search ({url}): still 429 Too Many Requests after 2 tries"
            ),
            ("hf-list", Malformed) => format!(
                "{label}: invalid response for the model search ({url}): invalid JSON: key must be a string at line 1 column 2"
            ),
            ("hf-list", Empty) => format!("{label}: empty list"),
            ("github", Unavailable) => format!("{label}: `GET {url}` answered 503 Service Unavailable"),
            ("github", TooMany) => format!(
                "{label}: `GET {url}` answered 429 Too Many Requests (rate limited, retry after 0 s)"
            ),
            ("github", Malformed) => format!(
                "{label}: `GET {url}`: invalid JSON: key must be a string at line 1 column 2"
            ),
            (_, Unavailable) => format!("{label}: `GET {url}` answered 503 Service Unavailable"),
            (_, TooMany) => format!("{label}: `GET {url}` answered 429 Too Many Requests (retry after 0 s)"),
            (_, Malformed) => format!("{label}: `GET {url}`: invalid JSON: key must be a string at line 1 column 2"),
            (_, Empty) => format!("{label}: `GET {url}`: empty model list"),
        };
        assert_eq!(signals.problems, vec![expected], "{source} {failure:?}");
        // The other sources still answered.
        let lists = if source == "hf-list" { 3 } else { 4 };
        let hf_lists = signals.get(HF_LISTS).unwrap();
        assert_eq!(hf_lists.len(), lists, "{source} {failure:?}");
        let reached = signals.get(PROVIDER_CATALOG_REACHED);
        assert_eq!(reached, Some(&true), "{source} {failure:?}");
        let minimax = &signals.get(PROVIDERS).unwrap()["minimaxai/minimax-m2.7"];
        let expected_providers = match source {
            "router" => set(&["openrouter"]),
            "openrouter" => set(&["novita", "together"]),
            _ => set(&["novita", "openrouter", "together"]),
        };
        assert_eq!(minimax, &expected_providers, "{source} {failure:?}");
    }
}

#[tokio::test]
async fn a_github_rate_limit_says_when_it_resets() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    Mock::given(method("GET"))
        .and(path("/github/repos/sgl-project/sglang/commits"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", today().add_days(1).unix_seconds().to_string())
                .set_body_json(json!({"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "https://docs.github.com/rest"})),
        )
        .mount(&fake.server)
        .await;
    let signals = gather(&fake.sources(), &options()).await;
    let url = fake.url_of(&fake.requests_to("/github").await[0]);
    assert_eq!(
        signals.problems,
        vec![format!(
            "sglang-day0 (GitHub API): `GET {url}` answered 403 Forbidden (rate limited, resets at 2026-11-21): API rate limit exceeded for 127.0.0.1."
        )]
    );
}

#[tokio::test]
async fn no_provider_catalog_means_popularity_alone_counts() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    for route in ["/router/v1/models", "/openrouter/models"] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(502))
            .mount(&fake.server)
            .await;
    }
    let signals = gather(&fake.sources(), &options()).await;
    assert_eq!(signals.get(PROVIDER_CATALOG_REACHED), Some(&false));
    assert_eq!(
        signals.problems,
        vec![
            format!("hf-router: `GET {}/router/v1/models` answered 502 Bad Gateway", fake.uri()),
            format!("openrouter: `GET {}/openrouter/models` answered 502 Bad Gateway", fake.uri()),
            "providers: no provider catalog answered, so popularity alone counts (`--min-providers` is not applied)".to_string(),
        ]
    );
    let decisions = decide(
        &candidates(&signals),
        &[],
        &HashMap::new(),
        &|_| true,
        &options(),
    );
    let olmo = decisions
        .iter()
        .find(|d| d.candidate.key() == "allenai/Olmo-3-7B-Instruct")
        .unwrap();
    assert_eq!(olmo.decision, DecisionKind::Added);
    assert_eq!(
        olmo.reason,
        "new on the Hub; 3,310 downloads; no provider catalog answered, so popularity alone counts"
    );
}

#[tokio::test]
async fn offline_without_saved_responses_names_each_source() {
    let home = TempDir::new().unwrap();
    let mut config = HfConfig::new(closed_port_endpoint(), home.path().join("hub"));
    config.offline = true;
    let dir = home.path().join("track-models/responses");
    let sources = DiscoverySources {
        hf: HfClient::new(config).unwrap(),
        hf_token: None,
        offline: true,
        github_api_url: closed_port_endpoint(),
        github_token: None,
        hf_router_url: closed_port_endpoint(),
        openrouter_api_url: closed_port_endpoint(),
        responses_dir: dir.clone(),
        sglang_dir: None,
        catalog: test_catalog(),
        cookbook: CookbookIndex::default(),
        hf_list_limit: 3,
        github_budget: 5,
        timeout: Duration::from_secs(5),
    };
    let signals = gather(&sources, &options()).await;
    let missing = |label: &str, file: &str| {
        format!(
            "{label}: offline and no saved response for {label} (`{}`)\nhint: run once online, or unset `HF_HUB_OFFLINE`",
            dir.join(file).display()
        )
    };
    assert_eq!(
        signals.problems,
        vec![
            missing("sglang-day0 (GitHub API)", "github-sglang-day0.json"),
            missing("hf-trending (text-generation)", "hf-trending-text-generation.json"),
            missing("hf-trending (image-text-to-text)", "hf-trending-image-text-to-text.json"),
            missing("hf-new (text-generation)", "hf-new-text-generation.json"),
            missing("hf-new (image-text-to-text)", "hf-new-image-text-to-text.json"),
            missing("hf-router", "hf-router-models.json"),
            missing("openrouter", "openrouter-models.json"),
            "providers: no provider catalog answered, so popularity alone counts (`--min-providers` is not applied)".to_string(),
        ]
    );
    assert_eq!(sources.hf.requests_made(), 0);
}

#[test]
fn sources_from_the_environment() {
    let vars = HashMap::from([
        ("HF_HOME", "/data/hf"),
        ("HF_HUB_OFFLINE", "1"),
        ("HF_TOKEN", "hf_env_token"),
        ("GITHUB_API_URL", "http://127.0.0.1:9/api/v3/"),
        ("GITHUB_TOKEN", "  "),
        ("OPENROUTER_API_URL", "http://127.0.0.1:9/or"),
    ]);
    let sources =
        DiscoverySources::from_vars(|name| vars.get(name).map(|v| v.to_string()), None, &[])
            .unwrap();
    assert!(sources.offline);
    assert_eq!(sources.hf_token.as_deref(), Some("hf_env_token"));
    assert_eq!(sources.github_api_url, "http://127.0.0.1:9/api/v3");
    assert_eq!(sources.github_token, None);
    assert_eq!(sources.hf_router_url, "https://router.huggingface.co");
    assert_eq!(sources.openrouter_api_url, "http://127.0.0.1:9/or");
    assert_eq!(
        sources.responses_dir,
        PathBuf::from("/data/hf/track-models/responses")
    );
    assert_eq!(sources.sglang_dir, None);
    assert!(sources.catalog.source.starts_with("bundled list"));
    assert_eq!((sources.hf_list_limit, sources.github_budget), (50, 5));
}

// ---------------------------------------------------------------- provider catalogs

#[test]
fn router_catalog_counts_live_providers_only() {
    let catalog = parse_router_models(&fixture("hf-router-models.json")).unwrap();
    assert_eq!(catalog.listed, 4);
    assert_eq!(
        catalog.providers,
        BTreeMap::from([
            ("deepseek-ai/deepseek-v3".to_string(), set(&[])),
            ("google/gemma-3-27b-it".to_string(), set(&[])),
            (
                "minimaxai/minimax-m2.7".to_string(),
                set(&["novita", "together"])
            ),
            (
                "qwen/qwen3-next-80b-a3b-thinking".to_string(),
                set(&["hyperbolic"])
            ),
        ])
    );
    assert_eq!(
        parse_router_models(br#"{"object": "list"}"#),
        Err(CatalogError::NoData)
    );
}

#[test]
fn openrouter_catalog_dedupes_slugs_and_skips_closed_models() {
    // The recorded list: only closed models (`hugging_face_id` "" or null).
    let recorded = parse_openrouter_models(&fixture("openrouter-models.recorded.json")).unwrap();
    assert_eq!(recorded.listed, 4);
    assert_eq!(recorded.providers, BTreeMap::new());

    let slugs = parse_openrouter_models(&fixture("openrouter-models.slugs.json")).unwrap();
    assert_eq!(slugs.listed, 6);
    assert_eq!(
        slugs.providers,
        BTreeMap::from([
            ("minimaxai/minimax-m2.7".to_string(), set(&["openrouter"])),
            (
                "qwen/qwen3-next-80b-a3b-thinking".to_string(),
                set(&["openrouter"])
            ),
        ])
    );
    assert_eq!(
        parse_openrouter_models(b"{\"data\": [")
            .unwrap_err()
            .to_string(),
        "truncated JSON: EOF while parsing a list at line 1 column 10"
    );
}

// ---------------------------------------------------------------- merging candidates

fn list(kind: HfListKind, tag: &str, models: Vec<Value>) -> HfList {
    HfList {
        kind,
        pipeline_tag: tag.to_string(),
        models: models.into_iter().map(model).collect(),
    }
}

#[test]
fn candidates_match_new_classes_to_repos_by_config_then_by_name() {
    let signals = Signals::default()
        .with(
            DAY0_FILES,
            vec![
                day0_file(
                    "minimax_m2.py",
                    &["MiniMaxM2ForCausalLM"],
                    "c1",
                    "2026-11-15",
                ),
                day0_file(
                    "deepseek_v2.py",
                    &["DeepseekV3ForCausalLM"],
                    "c2",
                    "2026-11-10",
                ),
                day0_file("afm.py", &["ArceeForCausalLM"], "c3", "2026-11-17"),
            ],
        )
        .with(
            SGLANG_CLASSES,
            strings(&[
                "DeepseekV32ForCausalLM",
                "DeepseekV3ForCausalLM",
                "MiniMaxM2ForCausalLM",
            ]),
        )
        .with(SGLANG_CATALOG_REPO_IDS, strings(&["MiniMaxAI/MiniMax-M2"]))
        .with(
            COOKBOOK_REPO_IDS,
            strings(&[
                "deepseek-ai/DeepSeek-V3",
                "deepseek-ai/DeepSeek-V3.2",
                "minimaxai/minimax-m2.7",
            ]),
        )
        .with(
            HF_LISTS,
            vec![list(
                HfListKind::Trending,
                "text-generation",
                vec![minimax_m27()],
            )],
        )
        .with(
            PROVIDERS,
            BTreeMap::from([("minimaxai/minimax-m2.7".to_string(), set(&["openrouter"]))]),
        )
        .with(PROVIDER_CATALOG_REACHED, true);
    let found = candidates(&signals);
    /// Key, sources, day-0 matches, architectures, score.
    type Summary<'a> = (
        &'a str,
        Vec<Source>,
        Vec<(String, MatchedBy)>,
        Vec<String>,
        u64,
    );
    let summary: Vec<Summary<'_>> = found
        .iter()
        .map(|c| {
            (
                c.key(),
                c.sources.clone(),
                c.day0
                    .iter()
                    .map(|m| (m.class.clone(), m.matched_by))
                    .collect(),
                c.architectures.clone(),
                c.score(),
            )
        })
        .collect();
    use MatchedBy::*;
    assert_eq!(
        summary,
        vec![
            (
                // The list's spelling wins over the cookbook's lower-case one.
                "MiniMaxAI/MiniMax-M2.7",
                vec![Source::SGLANG_DAY0, Source::COOKBOOK, Source::HF_TRENDING],
                vec![("MiniMaxM2ForCausalLM".to_string(), Config)],
                strings(&["MiniMaxM2ForCausalLM"]),
                // day-0 + 2 providers (novita live, openrouter) + cookbook + rank 1 + log2 downloads 18
                1_000_000_000 + 20_000_000 + 1_000_000 + 999_000 + 180,
            ),
            (
                "deepseek-ai/DeepSeek-V3",
                vec![Source::SGLANG_DAY0, Source::COOKBOOK],
                vec![("DeepseekV3ForCausalLM".to_string(), Name)],
                strings(&["DeepseekV3ForCausalLM"]),
                1_001_000_000,
            ),
            (
                // Ties go by key: `ArceeForCausalLM` before `MiniMaxAI/…`.
                "ArceeForCausalLM",
                vec![Source::SGLANG_DAY0],
                vec![("ArceeForCausalLM".to_string(), Unmatched)],
                strings(&["ArceeForCausalLM"]),
                1_000_000_000,
            ),
            (
                "MiniMaxAI/MiniMax-M2",
                vec![Source::SGLANG_DAY0, Source::SGLANG_CATALOG],
                vec![("MiniMaxM2ForCausalLM".to_string(), Name)],
                strings(&["MiniMaxM2ForCausalLM"]),
                1_000_000_000,
            ),
            (
                // DeepseekV32ForCausalLM's longer stem claims V3.2.
                "deepseek-ai/DeepSeek-V3.2",
                vec![Source::COOKBOOK],
                vec![],
                vec![],
                1_000_000,
            ),
        ]
    );
    let minimax = &found[0];
    assert_eq!(minimax.display_name, "MiniMax M2.7");
    assert_eq!(minimax.providers, strings(&["novita", "openrouter"]));
    assert_eq!(
        minimax.trending_rank,
        Some((1, "text-generation".to_string()))
    );
    assert_eq!(minimax.downloads, Some(412_345));
    assert_eq!(
        minimax.day0,
        vec![Day0Match {
            class: "MiniMaxM2ForCausalLM".to_string(),
            file: "minimax_m2.py".to_string(),
            date: day("2026-11-15"),
            matched_by: MatchedBy::Config,
        }]
    );
    assert_eq!(found[2].hf_repo_id, None);
}

// ---------------------------------------------------------------- deciding

fn candidate(repo: &str, sources: &[Source], providers: usize) -> Candidate {
    Candidate {
        sources: sources.to_vec(),
        providers: (0..providers).map(|i| format!("p{i}")).collect(),
        provider_catalogs_reached: true,
        architectures: strings(&["LlamaForCausalLM"]),
        pipeline_tag: Some("text-generation".to_string()),
        ..Candidate::blank(repo.to_string())
    }
}

fn outcome(decisions: &[Decision]) -> Vec<(String, DecisionKind, String)> {
    decisions
        .iter()
        .map(|d| (d.candidate.key().to_string(), d.decision, d.reason.clone()))
        .collect()
}

fn row(key: &str, decision: DecisionKind, reason: &str) -> (String, DecisionKind, String) {
    (key.to_string(), decision, reason.to_string())
}

#[test]
fn min_providers_applies_to_popularity_only_candidates() {
    use DecisionKind::*;
    let all = vec![
        candidate("org/trending-one", &[Source::HF_TRENDING], 1),
        candidate(
            "org/trending-two",
            &[Source::HF_TRENDING, Source::HF_NEW],
            2,
        ),
        candidate("org/cookbook-none", &[Source::COOKBOOK], 0),
        candidate("org/catalog-none", &[Source::SGLANG_CATALOG], 0),
        candidate("org/new-none", &[Source::HF_NEW], 0),
    ];
    let decisions = decide(&all, &[], &HashMap::new(), &|_| true, &options());
    assert_eq!(
        outcome(&decisions),
        vec![
            row("org/trending-two", Added, "2 live providers (p0, p1); new on the Hub"),
            row("org/trending-one", Skipped, "only trending or new on the Hub, and served by 1 live provider (`--min-providers` 2)"),
            row("org/cookbook-none", Added, "in the cookbook"),
            row("org/catalog-none", Added, "in SGLang's supported-models docs"),
            row("org/new-none", Skipped, "only trending or new on the Hub, and served by 0 live providers (`--min-providers` 2)"),
        ]
    );
}

#[test]
fn filters_gated_non_decoders_and_unserved_architectures() {
    use DecisionKind::*;
    let gated_manual = Candidate {
        gated: Some(track_models::api::sources::hf::Gated::Manual),
        ..candidate("google/gemma-3-27b-it", &[Source::SGLANG_CATALOG], 3)
    };
    let gated_auto = Candidate {
        gated: Some(track_models::api::sources::hf::Gated::Auto),
        ..candidate("org/auto", &[Source::COOKBOOK], 0)
    };
    let embedding = Candidate {
        architectures: strings(&["Qwen3Model"]),
        pipeline_tag: Some("feature-extraction".to_string()),
        ..candidate("Qwen/Qwen3-Embedding-8B", &[Source::COOKBOOK], 0)
    };
    let image = Candidate {
        architectures: strings(&["FluxPipeline"]),
        pipeline_tag: Some("text-to-image".to_string()),
        ..candidate("black-forest-labs/FLUX.1-dev", &[Source::COOKBOOK], 0)
    };
    let unserved = Candidate {
        architectures: strings(&["Olmo3ForCausalLM"]),
        ..candidate("allenai/Olmo-3-7B-Instruct", &[Source::HF_TRENDING], 2)
    };
    let unknown = Candidate {
        architectures: Vec::new(),
        pipeline_tag: None,
        ..candidate("org/unknown", &[Source::SGLANG_CATALOG], 0)
    };
    let supported = |class: &str| class != "Olmo3ForCausalLM";
    let decisions = decide(
        &[
            gated_manual,
            gated_auto,
            embedding,
            image,
            unserved,
            unknown,
        ],
        &[],
        &HashMap::new(),
        &supported,
        &options(),
    );
    assert_eq!(
        outcome(&decisions),
        vec![
            row(
                "google/gemma-3-27b-it",
                Skipped,
                "gated (`manual`): not open weights"
            ),
            row(
                "allenai/Olmo-3-7B-Instruct",
                Skipped,
                "SGLang does not serve `Olmo3ForCausalLM` yet"
            ),
            row(
                "black-forest-labs/FLUX.1-dev",
                Skipped,
                "not a decoder LLM or VLM (pipeline `text-to-image`)"
            ),
            row("org/auto", Skipped, "gated (`auto`): not open weights"),
            row(
                "Qwen/Qwen3-Embedding-8B",
                Skipped,
                "an embedding, reward or classification model (`Qwen3Model`)"
            ),
            row(
                "org/unknown",
                Added,
                "in SGLang's supported-models docs; architecture not known yet"
            ),
        ]
    );
}

#[test]
fn already_tracked_by_repo_id_name_or_fingerprint() {
    use DecisionKind::*;
    let tracked = vec![
        TrackedModel {
            name: "Llama 3.1 8B".to_string(),
            hf_repo_id: Some("meta-llama/Llama-3.1-8B-Instruct".to_string()),
            fingerprint: Some("gqa-h32-kv8-d128".to_string()),
        },
        TrackedModel {
            name: "Qwen3 Next 80B A3B".to_string(),
            hf_repo_id: None,
            fingerprint: None,
        },
        TrackedModel {
            name: "DeepSeek V3 / R1".to_string(),
            hf_repo_id: None,
            fingerprint: Some("mla-h128".to_string()),
        },
    ];
    let all = vec![
        candidate("META-LLAMA/llama-3.1-8b-instruct", &[Source::COOKBOOK], 5),
        candidate(
            "Qwen/Qwen3-Next-80B-A3B-Thinking-FP8",
            &[Source::COOKBOOK],
            4,
        ),
        candidate("deepseek-ai/DeepSeek-R1-0528", &[Source::COOKBOOK], 3),
        candidate("moonshotai/Kimi-K2-Instruct", &[Source::COOKBOOK], 2),
        candidate("org/llama-finetune", &[Source::COOKBOOK], 1),
    ];
    let fingerprints = HashMap::from([
        (
            "MoonshotAI/Kimi-K2-Instruct".to_string(),
            "mla-h128".to_string(),
        ),
        (
            "org/llama-finetune".to_string(),
            "gqa-h32-kv8-d128".to_string(),
        ),
    ]);
    let decisions = decide(&all, &tracked, &fingerprints, &|_| true, &options());
    assert_eq!(
        outcome(&decisions),
        vec![
            row(
                "META-LLAMA/llama-3.1-8b-instruct",
                AlreadyTracked,
                "tracked as Llama 3.1 8B (same repo id)"
            ),
            row(
                "Qwen/Qwen3-Next-80B-A3B-Thinking-FP8",
                AlreadyTracked,
                "tracked as Qwen3 Next 80B A3B (same name)"
            ),
            row(
                "deepseek-ai/DeepSeek-R1-0528",
                AlreadyTracked,
                "tracked as DeepSeek V3 / R1 (same name)"
            ),
            row(
                "moonshotai/Kimi-K2-Instruct",
                AlreadyTracked,
                "same kernels as DeepSeek V3 / R1"
            ),
            row(
                "org/llama-finetune",
                AlreadyTracked,
                "same kernels as Llama 3.1 8B"
            ),
        ]
    );
}

#[test]
fn order_is_deterministic_ties_go_by_repo_id_and_max_new_caps() {
    use DecisionKind::*;
    let mut all = vec![
        candidate("zeta/Zeta-7B", &[Source::COOKBOOK], 2),
        candidate("alpha/Alpha-7B", &[Source::COOKBOOK], 2),
        candidate("mid/Mid-7B", &[Source::COOKBOOK], 2),
        candidate("top/Top-7B", &[Source::SGLANG_DAY0], 0),
        // Same name key as Alpha-7B, later in order: a duplicate of a model added in this run.
        candidate("mirror/Alpha-7B-Instruct-AWQ", &[Source::COOKBOOK], 2),
        candidate("same/Kernels-7B", &[Source::COOKBOOK], 1),
    ];
    let fingerprints = HashMap::from([
        ("zeta/Zeta-7B".to_string(), "f-zeta".to_string()),
        ("same/Kernels-7B".to_string(), "f-zeta".to_string()),
    ]);
    let mut capped = options();
    capped.max_new = 3;
    let first = decide(&all, &[], &fingerprints, &|_| true, &capped);
    all.reverse();
    let second = decide(&all, &[], &fingerprints, &|_| true, &capped);
    assert_eq!(first, second);
    assert_eq!(
        outcome(&first),
        vec![
            row("top/Top-7B", Added, ""),
            row("alpha/Alpha-7B", Added, "2 live providers (p0, p1); in the cookbook"),
            row("mid/Mid-7B", Added, "2 live providers (p0, p1); in the cookbook"),
            row("mirror/Alpha-7B-Instruct-AWQ", Skipped, "same model as alpha/Alpha-7B, added in this run"),
            row("zeta/Zeta-7B", Skipped, "eligible, but below the top 3 (`--max-new`): 2 live providers (p0, p1); in the cookbook"),
            row("same/Kernels-7B", Skipped, "eligible, but below the top 3 (`--max-new`): 1 live provider (p0); in the cookbook"),
        ]
    );

    // With room for all, the same-kernels duplicate is caught.
    let decisions = decide(&all, &[], &fingerprints, &|_| true, &options());
    assert_eq!(
        outcome(&decisions)[4..],
        [
            row(
                "zeta/Zeta-7B",
                Added,
                "2 live providers (p0, p1); in the cookbook"
            ),
            row(
                "same/Kernels-7B",
                Skipped,
                "same kernels as zeta/Zeta-7B, added in this run"
            ),
        ]
    );
}

#[test]
fn report_entries_and_markdown() {
    let signals = Signals::default()
        .with(
            DAY0_FILES,
            vec![
                day0_file(
                    "minimax_m2.py",
                    &["MiniMaxM2ForCausalLM"],
                    "c1",
                    "2026-11-15",
                ),
                day0_file("afm.py", &["ArceeForCausalLM"], "c3", "2026-11-17"),
            ],
        )
        .with(
            HF_LISTS,
            vec![list(
                HfListKind::Trending,
                "text-generation",
                vec![minimax_m27()],
            )],
        )
        .with(PROVIDER_CATALOG_REACHED, true);
    let decisions = decide(
        &candidates(&signals),
        &[],
        &HashMap::new(),
        &|_| true,
        &options(),
    );
    let report: Vec<Value> = decisions
        .iter()
        .map(|d| serde_json::to_value(d.report()).unwrap())
        .collect();
    assert_eq!(
        Value::Array(report),
        json!([
            {
                "hf_repo_id": "MiniMaxAI/MiniMax-M2.7",
                "display_name": "MiniMax M2.7",
                "sources": ["sglang-day0", "hf-trending"],
                "providers": 1,
                "score": 1_010_999_180u64,
                "decision": "added",
                "reason": "new in SGLang: `MiniMaxM2ForCausalLM` (`minimax_m2.py`, 2026-11-15); 1 live provider (novita); trending #1 (text-generation); 412,345 downloads"
            },
            {
                "hf_repo_id": null,
                "display_name": "ArceeForCausalLM",
                "sources": ["sglang-day0"],
                "providers": 0,
                "score": 1_000_000_000u64,
                "decision": "skipped",
                "reason": "new SGLang class `ArceeForCausalLM` (`afm.py`, 2026-11-17) matches no repo id in the HF lists, the SGLang docs or the cookbooks"
            }
        ])
    );
    assert_eq!(
        why_these_models_markdown(&decisions),
        "### Why these models\n\n\
         | Model | Repo | Score | Why |\n|---|---|---:|---|\n\
         | MiniMax M2.7 | `MiniMaxAI/MiniMax-M2.7` | 1010999180 | new in SGLang: `MiniMaxM2ForCausalLM` (`minimax_m2.py`, 2026-11-15); 1 live provider (novita); trending #1 (text-generation); 412,345 downloads |\n\
         \n\
         2 candidates considered: 1 added, 0 already tracked, 1 skipped.\n\
         1 new SGLang classes matched no repo id (see the JSON report).\n"
    );
    assert_eq!(
        why_these_models_markdown(&[]),
        "### Why these models\n\nNo model added.\n\n0 candidates considered: 0 added, 0 already tracked, 0 skipped.\n"
    );
}

// ---------------------------------------------------------------- repackagings

/// A list entry as the Hub sends it with `expand[]=baseModels` and `expand[]=cardData`
/// (`lineage` holds those two fields, in the Hub's shapes).
fn listed_with(entry: Value, lineage: Value) -> Value {
    let mut entry = entry;
    for (key, value) in lineage.as_object().unwrap() {
        entry[key] = value.clone();
    }
    entry
}

/// One serving configuration of `repo` in `file` at `tp` on `hardware`.
fn serving(repo: &str, file: &str, tp: u32, hardware: &str) -> ServingSource {
    ServingSource {
        repo_id: repo.to_string(),
        config: ServingConfig::new(tp, 1, 1, false),
        hardware: hardware.to_string(),
        file: PathBuf::from(file),
    }
}

/// The measured failures: with serving data as the only signal, `amd/…-MXFP4` (TP 2 only) was
/// chosen by name and `Qwen/Qwen3.5-397B-A17B` (TP 4/6/8/16) hidden as "same model"; with a
/// trending list, `PhalaCloud/GLM-5.2-W4AFP8` beat `zai-org/GLM-5.2`. Here every repackaging
/// is folded into its original: through `baseModels` (GLM, and a GGUF the original never
/// appears beside), through the card's `base_model` (Kimi-K3, whose original no list names),
/// and through the name alone (the cookbook's MXFP4 build, which the Hub never described).
#[tokio::test]
async fn repackagings_are_folded_into_their_originals_whose_sections_they_become() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    let phala = listed_with(
        listed(
            "PhalaCloud/GLM-5.2-W4AFP8",
            "GlmMoeDsaForCausalLM",
            "text-generation",
            json!(false),
            90_000,
            &[("phala", "live"), ("novita", "live")],
        ),
        json!({
            "baseModels": {"relation": "quantized", "models": [{"_id": "65f0", "id": "zai-org/GLM-5.2"}]},
            "cardData": {"license": "mit", "base_model": "zai-org/GLM-5.2"},
        }),
    );
    let zai = listed_with(
        listed(
            "zai-org/GLM-5.2",
            "GlmMoeDsaForCausalLM",
            "text-generation",
            json!(false),
            50_000,
            &[("novita", "live")],
        ),
        json!({"cardData": {"license": "mit"}}),
    );
    let gguf = listed_with(
        listed(
            "unsloth/GLM-5.2-GGUF",
            "GlmMoeDsaForCausalLM",
            "text-generation",
            json!(false),
            7_000,
            &[],
        ),
        json!({"baseModels": {"relation": "quantized", "models": [{"id": "zai-org/GLM-5.2"}]}}),
    );
    let kimi = listed_with(
        listed(
            "sgl-project/Kimi-K3-FP8",
            "KimiK3ForConditionalGeneration",
            "image-text-to-text",
            json!(false),
            1_200,
            &[("together", "live"), ("fireworks-ai", "live")],
        ),
        json!({"cardData": {"base_model": ["moonshotai/Kimi-K3"]}}),
    );
    let finetune = listed_with(
        listed(
            "acme/GLM-5.2-Med",
            "GlmMoeDsaForCausalLM",
            "text-generation",
            json!(false),
            300,
            &[],
        ),
        json!({"baseModels": {"relation": "finetune", "models": [{"id": "zai-org/GLM-5.2"}]}}),
    );
    for (sort, tag, body) in [
        ("trendingScore", "text-generation", json!([phala, zai])),
        ("trendingScore", "image-text-to-text", json!([kimi])),
        ("createdAt", "text-generation", json!([gguf, finetune])),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/models"))
            .and(query_param("sort", sort))
            .and(query_param("pipeline_tag", tag))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&fake.server)
            .await;
    }
    let mut sources = fake.sources();
    let qwen = "Qwen/Qwen3.5-397B-A17B";
    let amd = "amd/Qwen3.5-397B-A17B-MXFP4";
    sources.cookbook.add(ParsedConfigs {
        repo_ids: strings(&[qwen, amd]),
        sources: vec![
            serving(qwen, "qwen/qwen3.5.jsx", 4, "H200"),
            serving(qwen, "qwen/qwen3.5.jsx", 8, "H200"),
            serving(qwen, "v0.5.10/Qwen3.5.yaml", 6, "MI300X"),
            serving(qwen, "v0.5.10/Qwen3.5.yaml", 16, "H100"),
            serving(amd, "amd/qwen3.5-mxfp4.jsx", 2, "MI355X"),
        ],
        warnings: Vec::new(),
        unread: None,
    });
    let signals = gather(&sources, &options()).await;
    assert_eq!(signals.problems, Vec::<String>::new());

    let found = candidates(&signals);
    type Folded<'a> = (&'a str, &'a str, Vec<(&'a str, TiedBy)>);
    let keys: Vec<Folded> = found
        .iter()
        .map(|c| {
            (
                c.key(),
                c.display_name.as_str(),
                c.repackagings
                    .iter()
                    .map(|r| (r.repo_id.as_str(), r.via))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            (
                "zai-org/GLM-5.2",
                "GLM 5.2",
                vec![
                    ("PhalaCloud/GLM-5.2-W4AFP8", TiedBy::BaseModels),
                    ("unsloth/GLM-5.2-GGUF", TiedBy::BaseModels),
                ]
            ),
            (
                "moonshotai/Kimi-K3",
                "Kimi K3",
                vec![("sgl-project/Kimi-K3-FP8", TiedBy::CardData)]
            ),
            (
                "Qwen/Qwen3.5-397B-A17B",
                "Qwen3.5 397B A17B",
                vec![(amd, TiedBy::Name)]
            ),
            ("Qwen/Qwen3-VL-2B-Thinking", "Qwen3 VL 2B", vec![]),
            ("acme/GLM-5.2-Med", "GLM 5.2 Med", vec![]),
            ("deepseek-ai/DeepSeek-V3", "DeepSeek V3", vec![]),
        ]
    );
    let qwen_candidate = found.iter().find(|c| c.key() == qwen).unwrap();
    assert_eq!(
        qwen_candidate.serving,
        ServingCount {
            files: 3,
            configs: 5
        }
    );

    let decisions = decide(&found, &[], &HashMap::new(), &|_| true, &options());
    use DecisionKind::*;
    assert_eq!(
        outcome(&decisions),
        vec![
            row("zai-org/GLM-5.2", Added, "2 live providers (novita, phala); trending #1 (text-generation); new on the Hub; 90,000 downloads; also published as `PhalaCloud/GLM-5.2-W4AFP8` (a quantized repackaging, per the Hub), `unsloth/GLM-5.2-GGUF` (a quantized repackaging, per the Hub)"),
            row("moonshotai/Kimi-K3", Added, "2 live providers (fireworks-ai, together); trending #1 (image-text-to-text); 1,200 downloads; also published as `sgl-project/Kimi-K3-FP8` (a repackaging, per its model card)"),
            row("Qwen/Qwen3.5-397B-A17B", Added, "in the cookbook; also published as `amd/Qwen3.5-397B-A17B-MXFP4` (a repackaging, by its name); architecture not known yet"),
            row("Qwen/Qwen3-VL-2B-Thinking", Skipped, "only trending or new on the Hub, and served by 0 live providers (`--min-providers` 2)"),
            row("acme/GLM-5.2-Med", Skipped, "only trending or new on the Hub, and served by 0 live providers (`--min-providers` 2)"),
            row("deepseek-ai/DeepSeek-V3", Added, "in SGLang's supported-models docs; architecture not known yet"),
        ]
    );
    assert_eq!(
        why_these_models_markdown(&decisions),
        "### Why these models\n\n\
         | Model | Repo | Score | Why |\n|---|---|---:|---|\n\
         | GLM 5.2 | `zai-org/GLM-5.2` | 20999160 | 2 live providers (novita, phala); trending #1 (text-generation); new on the Hub; 90,000 downloads; also published as `PhalaCloud/GLM-5.2-W4AFP8` (a quantized repackaging, per the Hub), `unsloth/GLM-5.2-GGUF` (a quantized repackaging, per the Hub) |\n\
         | Kimi K3 | `moonshotai/Kimi-K3` | 20999100 | 2 live providers (fireworks-ai, together); trending #1 (image-text-to-text); 1,200 downloads; also published as `sgl-project/Kimi-K3-FP8` (a repackaging, per its model card) |\n\
         | Qwen3.5 397B A17B | `Qwen/Qwen3.5-397B-A17B` | 1000000 | in the cookbook; also published as `amd/Qwen3.5-397B-A17B-MXFP4` (a repackaging, by its name); architecture not known yet |\n\
         | DeepSeek V3 | `deepseek-ai/DeepSeek-V3` | 0 | in SGLang's supported-models docs; architecture not known yet |\n\
         \n\
         6 candidates considered: 4 added, 0 already tracked, 2 skipped.\n"
    );
    let report = serde_json::to_value(decisions[2].report()).unwrap();
    assert_eq!(
        report,
        json!({
            "hf_repo_id": "Qwen/Qwen3.5-397B-A17B",
            "display_name": "Qwen3.5 397B A17B",
            "sources": ["cookbook"],
            "providers": 0,
            "score": 1_000_000,
            "decision": "added",
            "reason": "in the cookbook; also published as `amd/Qwen3.5-397B-A17B-MXFP4` (a repackaging, by its name); architecture not known yet",
            "repackagings": [{"repo_id": amd, "via": "name"}]
        })
    );
}

/// Equal scores are ordered by the real signals (serving configurations, then serving files,
/// then the newest day-0 file, then live providers, then downloads), never by the repo id: the
/// alphabetically first of two same-named repos loses to the one more serving data names.
#[test]
fn ties_go_to_the_real_signals_never_to_the_name() {
    use DecisionKind::*;
    // Downloads in one factor-of-two bucket add the same to every score.
    let tied = |repo: &str, configs: usize, files: usize| Candidate {
        serving: ServingCount { files, configs },
        downloads: Some(4_100),
        ..candidate(repo, &[Source::COOKBOOK], 0)
    };
    let mut newer = tied("ab/Newer-7B", 1, 1);
    let mut older = tied("aa/Older-7B", 1, 1);
    for (candidate, date) in [(&mut newer, "2026-11-12"), (&mut older, "2026-11-02")] {
        candidate.day0 = vec![Day0Match {
            class: "LlamaForCausalLM".into(),
            file: "llama.py".into(),
            date: day(date),
            matched_by: MatchedBy::Config,
        }];
    }
    let mut downloaded = tied("ae/Downloaded-7B", 0, 0);
    downloaded.downloads = Some(5_000);
    // Every pair is named so that the alphabetical order is the wrong one.
    let all = vec![
        tied("aaa/Same-7B", 1, 1),
        tied("zzz/Same-7B", 4, 2),
        tied("ac/Files-7B", 1, 2),
        newer,
        older,
        downloaded,
        tied("ad/Quiet-7B", 0, 0),
    ];
    let mut roomy = options();
    roomy.max_new = 10;
    let decisions = decide(&all, &[], &HashMap::new(), &|_| true, &roomy);
    let order: Vec<(&str, DecisionKind)> = decisions
        .iter()
        .map(|d| (d.candidate.key(), d.decision))
        .collect();
    assert_eq!(
        order,
        vec![
            ("zzz/Same-7B", Added),
            ("ac/Files-7B", Added),
            ("ab/Newer-7B", Added),
            ("aa/Older-7B", Added),
            ("aaa/Same-7B", Skipped),
            ("ae/Downloaded-7B", Added),
            ("ad/Quiet-7B", Added),
        ]
    );
    assert_eq!(
        decisions[4].reason,
        "same model as zzz/Same-7B, added in this run"
    );
    assert!(decisions.iter().all(|d| d.candidate.score() == 1_000_120));
}

/// A repackaging whose original no source names is not added under its own repo id.
#[test]
fn a_repackaging_without_its_original_is_not_a_section() {
    let decisions = decide(
        &[candidate(
            "amd/Qwen3.5-397B-A17B-MXFP4",
            &[Source::COOKBOOK],
            2,
        )],
        &[],
        &HashMap::new(),
        &|_| true,
        &options(),
    );
    assert_eq!(
        outcome(&decisions),
        vec![row(
            "amd/Qwen3.5-397B-A17B-MXFP4",
            DecisionKind::Skipped,
            "a repackaging (precision or packaging words in its name) whose original no source names: its section would be the original's"
        )]
    );
}

// ---------------------------------------------------------------- names

#[test]
fn display_names_follow_the_doc() {
    let cases = [
        ("Qwen/Qwen3-30B-A3B", "Qwen3 30B A3B"),
        ("meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B"),
        ("google/gemma-3-27b-it", "Gemma 3 27B"),
        ("deepseek-ai/DeepSeek-V3", "DeepSeek V3"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "Mistral 7B v0.3"),
        ("MiniMaxAI/MiniMax-M2.7", "MiniMax M2.7"),
        ("Qwen/Qwen3-Next-80B-A3B-Thinking", "Qwen3 Next 80B A3B"),
        (
            "meta-llama/Llama-4-Scout-17B-16E-Instruct",
            "Llama 4 Scout 17B-16E",
        ),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "Mixtral 8x7B v0.1"),
        ("deepseek-ai/DeepSeek-R1-0528", "DeepSeek R1"),
        ("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "Qwen3 235B A22B"),
        ("nvidia/Nemotron-H-56B-Base-8K", "Nemotron H 56B 8K"),
        (
            "nvidia/Llama-3_3-Nemotron-Super-49B-v1_5",
            "Llama 3.3 Nemotron Super 49B v1.5",
        ),
        ("openai/gpt-oss-120b", "GPT OSS 120B"),
        ("zai-org/GLM-4.6", "GLM 4.6"),
        ("moonshotai/Kimi-K2-Instruct-0905", "Kimi K2"),
        ("deepseek-ai/deepseek-v3", "DeepSeek V3"),
        ("google/gemma-3n-E4B-it", "Gemma 3n E4B"),
        ("unsloth/MiniMax-M2.7-GGUF", "MiniMax M2.7"),
        // Dates and precisions are not part of a heading (the doc has `Kimi K2`, not
        // `Kimi K2 0905`).
        ("CohereLabs/command-a-plus-05-2026", "Command A Plus"),
        ("CohereLabs/c4ai-command-r-08-2024", "C4ai Command R"),
        ("acme/Model-2024-08-06", "Model"),
        ("mistralai/Magistral-Small-2506", "Magistral Small"),
        ("PhalaCloud/GLM-5.2-W4AFP8", "GLM 5.2"),
        ("amd/Qwen3.5-397B-A17B-MXFP4", "Qwen3.5 397B A17B"),
        ("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", "Qwen2.5 7B"),
        ("unsloth/Llama-3.1-8B-bnb-4bit", "Llama 3.1 8B"),
        ("mlx-community/Qwen3-8B-4bit", "Qwen3 8B"),
        ("RedHatAI/Qwen3-8B-FP8-dynamic", "Qwen3 8B"),
        ("nvidia/DeepSeek-R1-NVFP4", "DeepSeek R1"),
        // A version number is not a date, even beside one.
        ("meta-llama/Llama-3-8B", "Llama 3 8B"),
        ("acme/Thing-3-2025", "Thing 3"),
    ];
    for (repo, expected) in cases {
        assert_eq!(display_name(repo), expected, "{repo}");
    }
}

#[test]
fn name_keys_match_doc_names_to_repo_ids() {
    assert_eq!(
        name_key("Qwen/Qwen3-Next-80B-A3B-Instruct-FP8"),
        "qwen3next80ba3b"
    );
    assert_eq!(name_key("Qwen3 Next 80B A3B"), "qwen3next80ba3b");
    assert_eq!(name_key("mistralai/Mistral-7B-Instruct-v0.3"), "mistral7b");
    assert_eq!(name_key("Mistral 7B v0.3"), "mistral7b");
    assert_eq!(
        name_key("Mixtral 8x7B"),
        name_key("mistralai/Mixtral-8x7B-Instruct-v0.1")
    );
    assert_eq!(name_key("Phi-4 14B"), "phi414b");
    assert_eq!(name_key("DeepSeek-V3"), "deepseekv3");
    assert_ne!(
        name_key("deepseek-ai/DeepSeek-V3.2"),
        name_key("DeepSeek V3")
    );
    assert_eq!(
        tracked_name_keys("DeepSeek V3 / R1"),
        strings(&["deepseekv3", "deepseekr1"])
    );
    assert_eq!(
        tracked_name_keys("DeepSeek V3/R1"),
        strings(&["deepseekv3", "deepseekr1"])
    );
    assert_eq!(
        tracked_name_keys("Llama 3.1 / 3.3 70B"),
        strings(&["llama31", "llama3370b"])
    );
    assert_eq!(
        tracked_name_keys("MiniMax M2 / Text-01"),
        strings(&["minimaxm2", "minimaxtext01"])
    );
    assert_eq!(tracked_name_keys("GLM-4.6"), strings(&["glm46"]));
}

// ---------------------------------------------------------------- the example workspace

/// Section headings of the example doc, as the integrator's tracked list.
fn example_tracked() -> Vec<TrackedModel> {
    let doc =
        std::fs::read_to_string(root().join("examples/workspace/docs/model_coverage.mdx")).unwrap();
    doc.lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter(|name| *name != "Summary")
        .map(|name| TrackedModel {
            name: name.trim().to_string(),
            hf_repo_id: None,
            fingerprint: None,
        })
        .collect()
}

#[tokio::test]
async fn example_workspace_offline_adds_minimax_m27_and_nemotron_h() {
    let work = TempDir::new().unwrap();
    let sglang = example_sglang_repo(work.path(), "2026-11-20");

    let mut config = HfConfig::new(closed_port_endpoint(), work.path().join("hub"));
    config.offline = true;
    let catalog = SglangCatalog::from_dir(&sglang);
    let sources = DiscoverySources {
        hf: HfClient::new(config).unwrap(),
        hf_token: None,
        offline: true,
        github_api_url: closed_port_endpoint(),
        github_token: None,
        hf_router_url: closed_port_endpoint(),
        openrouter_api_url: closed_port_endpoint(),
        responses_dir: root().join("examples/workspace/hf-home/track-models/responses"),
        sglang_dir: Some(sglang.clone()),
        cookbook: CookbookIndex::load(&[root().join("examples/workspace/cookbook")], Some(&sglang)),
        catalog: catalog.clone(),
        hf_list_limit: 50,
        github_budget: 5,
        timeout: Duration::from_secs(5),
    };
    assert_eq!(sources.catalog.warnings, Vec::<String>::new());
    assert_eq!(sources.cookbook.warnings, Vec::<String>::new());
    let signals = gather(&sources, &options()).await;
    assert_eq!(signals.problems, Vec::<String>::new());
    assert_eq!(signals.api_calls.values().sum::<u64>(), 0);
    assert_eq!(
        signals
            .get(DAY0_FILES)
            .unwrap()
            .iter()
            .map(|f| (f.file.as_str(), f.date.to_string()))
            .collect::<Vec<_>>(),
        vec![
            ("afm.py", "2026-11-17".to_string()),
            ("minimax_m2.py", "2026-11-15".to_string()),
            ("nemotron_h.py", "2026-11-08".to_string()),
            ("qwen3_next.py", "2026-10-26".to_string()),
        ]
    );

    let decisions = decide(
        &candidates(&signals),
        &example_tracked(),
        &HashMap::new(),
        &|class| catalog.supports(class),
        &options(),
    );
    use DecisionKind::*;
    assert_eq!(
        outcome(&decisions),
        vec![
            // The GGUF re-upload (new on the Hub) is folded into the original by its name, and
            // the FP8 builds of Qwen3 Next into theirs: no candidate of their own.
            row("MiniMaxAI/MiniMax-M2.7", Added, "new in SGLang: `MiniMaxM2ForCausalLM` (`minimax_m2.py`, 2026-11-15); 3 live providers (novita, openrouter, together); in the cookbook; trending #1 (text-generation); new on the Hub; 412,345 downloads; also published as `unsloth/MiniMax-M2.7-GGUF` (a repackaging, by its name)"),
            row("Qwen/Qwen3-Next-80B-A3B-Thinking", AlreadyTracked, "tracked as Qwen3 Next 80B A3B (same name)"),
            row("Qwen/Qwen3-Next-80B-A3B-Instruct", AlreadyTracked, "tracked as Qwen3 Next 80B A3B (same name)"),
            row("nvidia/Nemotron-H-56B-Base-8K", Added, "new in SGLang: `NemotronHForCausalLM` (`nemotron_h.py`, 2026-11-08); trending #4 (text-generation); 18,734 downloads"),
            row("ArceeForCausalLM", Skipped, "new SGLang class `ArceeForCausalLM` (`afm.py`, 2026-11-17) matches no repo id in the HF lists, the SGLang docs or the cookbooks"),
            row("MiniMaxAI/MiniMax-M2", AlreadyTracked, "tracked as MiniMax M2 / Text-01 (same name)"),
            row("google/gemma-3-27b-it", Skipped, "gated (`manual`): not open weights"),
            row("meta-llama/Llama-4-Scout-17B-16E-Instruct", AlreadyTracked, "tracked as Llama 4 Scout 17B-16E (same name)"),
            row("meta-llama/Llama-3.1-8B-Instruct", AlreadyTracked, "tracked as Llama 3.1 8B (same name)"),
            row("deepseek-ai/DeepSeek-V3", AlreadyTracked, "tracked as DeepSeek V3 / R1 (same name)"),
            row("Qwen/Qwen3-4B-Thinking-2507", Skipped, "only trending or new on the Hub, and served by 1 live provider (`--min-providers` 2)"),
            row("allenai/Olmo-3-7B-Instruct", Skipped, "only trending or new on the Hub, and served by 0 live providers (`--min-providers` 2)"),
            row("Qwen/Qwen3-VL-2B-Thinking", Skipped, "only trending or new on the Hub, and served by 0 live providers (`--min-providers` 2)"),
            row("Qwen/Qwen3-30B-A3B", AlreadyTracked, "tracked as Qwen3 30B A3B (same name)"),
            row("Qwen/Qwen3-8B", AlreadyTracked, "tracked as Qwen3 8B (same name)"),
        ]
    );
}

/// A provider catalog that never ends (chunked, no `Content-Length`) is cut at
/// `MAX_CATALOG_BYTES` while streaming: one problem line naming the URL and the cap, the
/// other sources still answer, and the server is not read to its end.
#[tokio::test(flavor = "multi_thread")]
async fn an_endless_provider_catalog_is_cut_at_the_cap() {
    let fake = Fake::start().await;
    fake.mount_healthy().await;
    let (endless, sent) = crate::limits::endless_chunked_server();
    let mut sources = fake.sources();
    sources.hf_router_url = endless.clone();
    let signals = gather(&sources, &options()).await;
    let cap = track_models::api::discover::MAX_CATALOG_BYTES;
    assert_eq!(
        signals
            .problems
            .iter()
            .filter(|p| p.contains(&format!(
                "`GET {endless}/v1/models`: the answer is over {cap} bytes"
            )))
            .count(),
        1,
        "{:?}",
        signals.problems
    );
    assert!(
        !signals.get(PROVIDERS).unwrap().is_empty(),
        "OpenRouter still answered: {:?}",
        signals.problems
    );
    let sent = sent.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(
        sent < 4 * cap,
        "the client stopped reading near the cap: {sent} bytes sent"
    );
}
