//! SGLang and the cookbook read live through a loopback fake of GitHub serving git repositories
//! the tests make (`live/git_fake.rs`): request counts cold, warm and after a change; offline
//! and unreachable runs; a truncated tree listing; the serving-size fallback chain; and the
//! shipped Action (`action/run.sh`, `nightly` and `model` modes) with no local dirs.
//!
//! The repositories' files are hand-written in the shape of the real ones (model files with
//! `EntryClass`, `docs_new` JSX configs, sgl-cookbook generated YAML); nothing is copied.

pub(crate) mod git_fake;
pub(crate) mod latency_fake;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use git_fake::{GitFake, GitRepo};
use latency_fake::LatencyFake;
use track_models::api::onboard::{ConfigFiles, ServingOrigin};
use track_models::api::request::Sizes;
use track_models::api::resolve::serving_plan;
use track_models::api::sources::hf::{HfClient, HfConfig};
use track_models::api::sources::serving::CookbookIndex;
use track_models::api::sources::serving_data::{load, ServingData, ServingDataOptions};
use wiremock::matchers::{path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    fixture_config, mount_empty_discovery_lists, mount_hub_config, mount_hub_configs_missing, root,
    stderr, stdout, trace_dir,
};

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const MODELS: &str = "python/sglang/srt/models";
const CONFIGS: &str = "docs_new/src/snippets/configs";

const DEEPSEEK_V4_JSX: &str = r#"// DeepSeek V4 (made-up test page in the shape of SGLang's config-driven cookbook pages).
export const config = {
  modelName: "DeepSeek-V4",
  supportedHardware: ["h200", "b200"],
  modelNames: {
    "flash|fp8": "deepseek-ai/DeepSeek-V4-Flash",
  },
  cells: [
    {
      match: { hw: ["h200", "b200"], variant: "flash", quant: "fp8", strategy: "default", nodes: "single" },
      env: [],
      flags: ["--model-path {{MODEL_NAME}}", "--tp 8", "--ep 8", "--trust-remote-code"],
    },
  ],
};
"#;

const DEEPSEEK_V32_JSX: &str = r#"export const config = {
  modelName: "DeepSeek-V3.2",
  modelNames: { "v3.2|fp8": "deepseek-ai/DeepSeek-V3.2" },
  cells: [
    {
      match: { hw: "h200", variant: "v3.2", quant: "fp8", strategy: "default", nodes: "single" },
      flags: ["--model-path {{MODEL_NAME}}", "--tp-size 8", "--ep-size 8"],
    },
  ],
};
"#;

/// An unrelated model's page with a broken cell: a problem this run's models never see.
const UNRELATED_JSX: &str = r#"export const config = {
  modelName: "Other",
  modelNames: { "big|bf16": "other-org/Other-1T" },
  cells: [
    { match: { hw: "h200", variant: "big" }, flags: ["--tp 8"] },
    { match: { hw: "h200", variant: "big", quant: "bf16" }, flags: ["--tp 8"] },
  ],
};
"#;

const SUPPORTED_MODELS_MDX: &str = "# Generative models\n\n| Model Family | Example HuggingFace Identifier |\n|---|---|\n| **DeepSeek** (V3.2) | `deepseek-ai/DeepSeek-V3.2` |\n";

const QWEN3_MOE_YAML: &str = "families:\n  - name: Qwen3\n    models:\n      - model_path: Qwen/Qwen3-30B-A3B\n        hardware:\n          H200:\n            configurations:\n              - name: default\n                engine:\n                  tp: 2\n                  ep: 2\n";

const MINIMAX_YAML: &str = "models:\n  - model_path: MiniMaxAI/MiniMax-M2.7\n    hardware:\n      H200:\n        configurations:\n          - name: tp8\n            engine:\n              tp: 8\n              ep: 8\n";

const VENDORS_YAML: &str = "vendors:\n  - name: Acme\n";

/// `sgl-project/sglang` with a model zoo, docs and configs from long ago, and DeepSeek V4 (model
/// file and its `docs_new` config) five days ago.
fn sglang_repo(dir: &Path) -> GitRepo {
    let repo = GitRepo::init(dir);
    let now = now();
    repo.commit(
        "Initial model zoo",
        now - 400 * DAY,
        &[
            (
                &format!("{MODELS}/llama.py"),
                Some("class LlamaForCausalLM:\n    pass\n\nEntryClass = LlamaForCausalLM\n"),
            ),
            (
                &format!("{MODELS}/deepseek_v2.py"),
                Some("EntryClass = [\n    DeepseekV2ForCausalLM,\n    DeepseekV3ForCausalLM,\n]\n"),
            ),
            (
                &format!("{MODELS}/utils.py"),
                Some("def helper():\n    return 1\n"),
            ),
            ("README.md", Some("SGLang (test copy)\n")),
        ],
    );
    // A symlink is not a regular file: never fetched.
    repo.symlink(&format!("{MODELS}/llama_alias.py"), "llama.py");
    repo.commit(
        "Docs: supported models and cookbook configs",
        now - 90 * DAY,
        &[
            (
                "docs_new/docs/supported-models/generative_models.mdx",
                Some(SUPPORTED_MODELS_MDX),
            ),
            (
                &format!("{CONFIGS}/deepseek-ai/deepseek-v3.2.jsx"),
                Some(DEEPSEEK_V32_JSX),
            ),
            (
                &format!("{CONFIGS}/other-org/other.jsx"),
                Some(UNRELATED_JSX),
            ),
        ],
    );
    repo.commit(
        "Support DeepSeek V4",
        now - 5 * DAY,
        &[
            (
                &format!("{MODELS}/deepseek_v4.py"),
                Some("class DeepseekV4ForCausalLM:\n    pass\n\nEntryClass = [DeepseekV4ForCausalLM]\n"),
            ),
            (
                &format!("{CONFIGS}/deepseek-ai/deepseek-v4.jsx"),
                Some(DEEPSEEK_V4_JSX),
            ),
        ],
    );
    repo
}

/// `sgl-project/sgl-cookbook` with generated YAML in a version folder (and a non-model YAML).
fn cookbook_repo(dir: &Path) -> GitRepo {
    let repo = GitRepo::init(dir);
    repo.commit(
        "Generated configs",
        now() - 200 * DAY,
        &[
            (
                "data/models/generated/v0.5.10/qwen3-moe.yaml",
                Some(QWEN3_MOE_YAML),
            ),
            ("data/models/generated/vendors.yaml", Some(VENDORS_YAML)),
            (
                "data/models/generated/v0.5.6/minimax-m27.yaml",
                Some(MINIMAX_YAML),
            ),
            ("data/models/src/qwen3-moe.yaml", Some("not: generated\n")),
        ],
    );
    repo
}

struct Live {
    dir: tempfile::TempDir,
    github: MockServer,
    fake: GitFake,
    sglang: GitRepo,
}

impl Live {
    async fn start() -> Live {
        let dir = tempfile::tempdir().unwrap();
        let github = MockServer::start().await;
        let fake = GitFake::default();
        let sglang = sglang_repo(&dir.path().join("sglang"));
        let cookbook = cookbook_repo(&dir.path().join("cookbook"));
        fake.add("sgl-project/sglang", &sglang.dir);
        fake.add("sgl-project/sgl-cookbook", &cookbook.dir);
        fake.mount(&github, "sgl-project").await;
        Live {
            dir,
            github,
            fake,
            sglang,
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("hf-home")
    }

    fn options(&self, vars: &[(&str, &str)]) -> ServingDataOptions {
        let home = self.home();
        let uri = self.github.uri();
        let mut all: BTreeMap<&str, String> = BTreeMap::new();
        all.insert("HF_HOME", home.to_str().unwrap().to_string());
        all.insert("GITHUB_API_URL", uri);
        for (name, value) in vars {
            all.insert(name, value.to_string());
        }
        ServingDataOptions::from_vars(|name| all.get(name).cloned(), None, &[], None, None).unwrap()
    }

    async fn requests(&self) -> Vec<String> {
        self.github
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let query = r.url.query().map(|q| format!("?{q}")).unwrap_or_default();
                format!("{}{query}", r.url.path())
            })
            .collect()
    }
}

fn tp_ep(data: &ServingData, repo: &str) -> Vec<(u32, u32, String)> {
    data.cookbook
        .serving(repo)
        .into_iter()
        .map(|s| (s.config.tp, s.config.ep, s.hardware))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn cold_reads_every_wanted_blob_warm_reads_four_and_a_change_reads_one_more() {
    let live = Live::start().await;
    let options = live.options(&[]);

    let cold = load(&options, now()).await;
    assert_eq!(cold.problems, Vec::<String>::new());
    let first = live.requests().await;
    let blobs = |requests: &[String]| {
        requests
            .iter()
            .filter(|r| r.contains("/git/blobs/"))
            .count()
    };
    // SGLang: repo + tree + 4 model files + 3 JSX + 1 MDX; cookbook: repo + tree + 3 YAML.
    assert_eq!(blobs(&first), 11, "{first:#?}");
    assert_eq!(first.len(), 15, "{first:#?}");
    assert_eq!(cold.github_requests, 15);
    assert!(first.contains(&"/repos/sgl-project/sglang/git/trees/main?recursive=1".to_string()));
    assert!(cold.catalog.supports("DeepseekV4ForCausalLM"));
    assert!(cold.catalog.supports("LlamaForCausalLM"));
    assert_eq!(
        cold.catalog.doc_repo_ids,
        vec![(
            "DeepSeek (V3.2)".to_string(),
            "deepseek-ai/DeepSeek-V3.2".to_string()
        )]
    );
    assert_eq!(
        tp_ep(&cold, "deepseek-ai/DeepSeek-V4-Flash"),
        vec![(8, 8, "B200".to_string()), (8, 8, "H200".to_string())]
    );
    assert_eq!(
        tp_ep(&cold, "Qwen/Qwen3-30B-A3B"),
        vec![(2, 2, "H200".to_string())]
    );
    assert!(
        cold.catalog.source.starts_with("sgl-project/sglang@main ("),
        "{}",
        cold.catalog.source
    );

    let warm = load(&options, now()).await;
    let second = live.requests().await[first.len()..].to_vec();
    assert_eq!(
        second,
        [
            "/repos/sgl-project/sglang",
            "/repos/sgl-project/sglang/git/trees/main?recursive=1",
            "/repos/sgl-project/sgl-cookbook",
            "/repos/sgl-project/sgl-cookbook/git/trees/main?recursive=1",
        ]
    );
    assert_eq!(warm.github_requests, 4);
    assert_eq!(
        tp_ep(&warm, "deepseek-ai/DeepSeek-V4-Flash"),
        tp_ep(&cold, "deepseek-ai/DeepSeek-V4-Flash")
    );

    live.sglang.commit(
        "Llama: rename",
        now(),
        &[(
            &format!("{MODELS}/llama.py"),
            Some("EntryClass = [LlamaForCausalLM, Llama5ForCausalLM]\n"),
        )],
    );
    let changed = load(&options, now()).await;
    let third = live.requests().await[first.len() + second.len()..].to_vec();
    assert_eq!(third.len(), 5, "{third:#?}");
    assert_eq!(blobs(&third), 1, "only the changed file");
    assert!(changed.catalog.supports("Llama5ForCausalLM"));

    // The listing did name the symlink, which was left out.
    let tree: serde_json::Value = reqwest::get(format!(
        "{}/repos/sgl-project/sglang/git/trees/main?recursive=1",
        live.github.uri()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(tree["tree"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| { e["path"] == format!("{MODELS}/llama_alias.py") && e["mode"] == "120000" }));
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_and_unreachable_runs_use_the_cached_state_and_say_how_old() {
    let live = Live::start().await;
    let read_at = now() - 3 * DAY;
    load(&live.options(&[]), read_at).await;
    let before = live.requests().await.len();

    let offline = load(&live.options(&[("HF_HUB_OFFLINE", "1")]), now()).await;
    assert_eq!(live.requests().await.len(), before, "offline: no request");
    assert_eq!(offline.github_requests, 0);
    assert_eq!(offline.problems, Vec::<String>::new());
    let date = track_models::api::discover::Date::from_unix_seconds(read_at);
    assert!(
        offline.notes.iter().any(|n| n.starts_with(&format!(
            "offline: sgl-project/sglang@main from the cached state read on {date} (3 days ago) (tree "
        ))),
        "{:?}",
        offline.notes
    );
    assert!(offline.catalog.supports("DeepseekV4ForCausalLM"));
    assert_eq!(tp_ep(&offline, "Qwen/Qwen3-30B-A3B").len(), 1);

    let dead = load(
        &live.options(&[("GITHUB_API_URL", "http://127.0.0.1:9")]),
        now(),
    )
    .await;
    assert_eq!(dead.problems.len(), 1, "{:?}", dead.problems);
    let problem = &dead.problems[0];
    assert!(
        problem.starts_with("serving data: `sgl-project/sglang` not read live (cannot reach `http://127.0.0.1:9/repos/sgl-project/sglang`"),
        "{problem}"
    );
    assert!(problem.contains(&format!(
        "from the cached state read on {date} (3 days ago)"
    )));
    assert!(problem.contains("`sgl-project/sgl-cookbook` not read live"));
    assert!(dead.catalog.supports("DeepseekV4ForCausalLM"));
    assert_eq!(
        tp_ep(&dead, "deepseek-ai/DeepSeek-V4-Flash").len(),
        2,
        "cached serving configs, not TP=1"
    );

    // Nothing cached and offline: the bundled catalog, said once.
    let empty = tempfile::tempdir().unwrap();
    let bare = load(
        &live.options(&[
            ("HF_HUB_OFFLINE", "1"),
            ("HF_HOME", empty.path().to_str().unwrap()),
        ]),
        now(),
    )
    .await;
    assert_eq!(bare.problems.len(), 1, "{:?}", bare.problems);
    assert!(bare.problems[0].contains("offline and nothing cached for `sgl-project/sglang`"));
    assert!(bare.problems[0].contains("SGLang's model classes come from the bundled list"));
    assert!(bare.catalog.source.starts_with("bundled list ("));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_listing_is_walked_folder_by_folder() {
    let live = Live::start().await;
    let options = live.options(&[]);
    let full = load(&options, now()).await;
    let before = live.requests().await.len();
    live.fake
        .truncate
        .lock()
        .unwrap()
        .push("sgl-project/sglang".to_string());
    let walked = load(&options, now()).await;
    assert_eq!(walked.problems, Vec::<String>::new());
    assert_eq!(walked.catalog.classes, full.catalog.classes);
    assert_eq!(walked.catalog.doc_repo_ids, full.catalog.doc_repo_ids);
    assert_eq!(
        tp_ep(&walked, "deepseek-ai/DeepSeek-V4-Flash"),
        tp_ep(&full, "deepseek-ai/DeepSeek-V4-Flash")
    );
    let requests = live.requests().await[before..].to_vec();
    assert!(
        requests.iter().all(|r| !r.contains("/git/blobs/")),
        "{requests:#?}"
    );
    // repo + root + (python, sglang, srt, models) + (docs_new, src, snippets, configs) +
    // (docs_new, docs, supported-models) + cookbook's two.
    assert_eq!(requests.len(), 2 + 4 + 4 + 3 + 2, "{requests:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_broken_answers_are_one_problem_and_the_cache_stands_in() {
    let live = Live::start().await;
    load(&live.options(&[]), now()).await;
    // A server whose tree answer is not JSON: the walk fails, the cache answers.
    let broken = MockServer::start().await;
    Mock::given(path_regex("^/repos/sgl-project/[^/]+$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"default_branch": "main"})),
        )
        .mount(&broken)
        .await;
    Mock::given(path_regex("/git/trees/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&broken)
        .await;
    let data = load(&live.options(&[("GITHUB_API_URL", &broken.uri())]), now()).await;
    assert_eq!(data.problems.len(), 1, "{:?}", data.problems);
    assert!(
        data.problems[0].contains("invalid JSON"),
        "{}",
        data.problems[0]
    );
    assert!(data.catalog.supports("DeepseekV4ForCausalLM"));
}

// ------------------------------------------------------------------ the fallback chain

/// A Hub fake serving `configs` (repo → fixture folder) and 404 for the rest.
async fn hub(configs: &[(&str, &str)]) -> MockServer {
    let hub = MockServer::start().await;
    for (index, (repo, fixture)) in configs.iter().enumerate() {
        let sha = format!("{:040x}", index + 1);
        mount_hub_config(&hub, repo, &sha, &sha, &fixture_config(fixture)).await;
    }
    mount_hub_configs_missing(&hub).await;
    hub
}

fn jsx(repo: &str, tp: u32, ep: u32) -> String {
    format!(
        "export const config = {{\n  modelNames: {{ \"a|b\": \"{repo}\" }},\n  cells: [\n    {{ match: {{ hw: \"h200\", variant: \"a\", quant: \"b\" }}, flags: [\"--tp {tp}\", \"--ep {ep}\"] }},\n  ],\n}};\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fallback_chain_names_where_each_size_came_from() {
    let mut cookbook = CookbookIndex::default();
    for (repo, tp, ep) in [
        ("Qwen/Qwen3-30B-A3B", 2, 2),
        ("deepseek-ai/DeepSeek-V3.2", 8, 8),
    ] {
        cookbook.add(track_models::api::sources::serving::parse_jsx_config(
            &jsx(repo, tp, ep),
            Path::new("configs/x.jsx"),
        ));
    }
    let hub = hub(&[
        ("Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-30B-A3B"),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek-ai/DeepSeek-V3.2"),
    ])
    .await;
    let cache = tempfile::tempdir().unwrap();
    let hf = HfClient::new(HfConfig::new(hub.uri(), cache.path())).unwrap();
    let sizes = Sizes::default();
    let plan = |repo: &'static str, config: Option<String>| {
        let (sizes, cookbook, hf) = (&sizes, &cookbook, &hf);
        async move { serving_plan(sizes, cookbook, hf, repo, config.as_deref()).await }
    };

    // The repo's own config.
    let own = plan("Qwen/Qwen3-30B-A3B", None).await;
    assert_eq!(
        (own.attention_tp.clone(), own.ep.clone()),
        (vec![2], vec![2])
    );
    assert_eq!(
        own.origin,
        ServingOrigin::Cookbook(vec!["TP=2 EP=2 on H200".into()], ConfigFiles::Cookbook)
    );
    assert_eq!(own.source_note(), None);

    // (a) an org mirror of a quantized upload, same fingerprint.
    let mirror = plan(
        "mirror-org/Qwen3-30B-A3B-FP8",
        Some(fixture_config("Qwen/Qwen3-30B-A3B")),
    )
    .await;
    assert_eq!(
        (mirror.attention_tp.clone(), mirror.ep.clone()),
        (vec![2], vec![2])
    );
    assert_eq!(
        mirror.origin,
        ServingOrigin::Borrowed {
            from: "Qwen/Qwen3-30B-A3B".into(),
            same_kernels: true,
            configs: vec!["TP=2 EP=2 on H200".into()],
        }
    );
    assert_eq!(
        mirror.source_note().unwrap(),
        "serving sizes from `Qwen/Qwen3-30B-A3B`'s config, same kernels"
    );

    // (b) same org, same family, other kernels (V3 has no DSA indexer).
    let family = plan(
        "deepseek-ai/DeepSeek-V3",
        Some(fixture_config("deepseek-ai/DeepSeek-V3")),
    )
    .await;
    assert_eq!(
        (family.attention_tp.clone(), family.ep.clone()),
        (vec![8], vec![8])
    );
    assert_eq!(
        family.source_note().unwrap(),
        "serving sizes from `deepseek-ai/DeepSeek-V3.2`'s config, same family"
    );

    // (c) no relative: the estimate.
    let big = plan(
        "someone/Huge-MoE",
        Some(fixture_config("deepseek-ai/DeepSeek-V3")),
    )
    .await;
    assert_eq!(
        (big.attention_tp.clone(), big.ep.clone()),
        (vec![8], vec![8])
    );
    assert_eq!(
        big.origin,
        ServingOrigin::Estimated("estimated: 671 B parameters in fp8 need ≥ 8 × 80 GB".into())
    );
    let scout = plan(
        "someone/Scout-Copy",
        Some(fixture_config("meta-llama/Llama-4-Scout-17B-16E-Instruct")),
    )
    .await;
    assert_eq!(
        (scout.attention_tp.clone(), scout.ep.clone()),
        (vec![4], vec![4])
    );
    assert_eq!(
        scout.origin,
        ServingOrigin::Estimated("estimated: 108 B parameters in bf16 need 4 × 80 GB".into())
    );

    // (d) a model that fits one GPU.
    let small = plan(
        "someone/Small",
        Some(fixture_config("meta-llama/Llama-3.1-8B")),
    )
    .await;
    assert_eq!(
        (small.attention_tp.clone(), small.ep.clone()),
        (vec![1], vec![1])
    );
    assert_eq!(
        small.origin,
        ServingOrigin::Estimated("estimated: 8 B parameters in bf16 fit one 80 GB GPU".into())
    );

    // Nothing to go on.
    let blind = plan("someone/Unknown", None).await;
    assert_eq!(blind.origin, ServingOrigin::Default);
    assert_eq!(
        blind.source_note().unwrap(),
        "serving sizes: none found, single GPU assumed"
    );
}

// ------------------------------------------------------------------ the shipped Action

/// The Action's run step (`action/run.sh`) with the real binary, as a workflow runs it: no
/// local SGLang or cookbook dir, GitHub at the fake.
fn action_step(
    work: &Path,
    github: &str,
    hub: &str,
    inputs: &[(&str, &str)],
) -> std::process::Output {
    let reports = work.join("reports");
    Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", work)
        .env("RUNNER_TEMP", work.join("runner-temp"))
        .env("TRACK_MODELS_BIN", env!("CARGO_BIN_EXE_track-models"))
        .env("TRACK_MODELS_REPORTS", &reports)
        .env("GITHUB_REPOSITORY", crate::publish::fake::REPO)
        .env("GITHUB_TOKEN", crate::publish::fake::TOKEN)
        .env("GITHUB_API_URL", github)
        .env("HF_HOME", work.join("hf-home"))
        .env("HF_ENDPOINT", hub)
        .env("HF_ROUTER_URL", hub)
        .env("OPENROUTER_API_URL", hub)
        .envs(inputs.iter().copied())
        .output()
        .unwrap()
}

/// Empty HF lists and provider catalogs, and the configs the runs read.
async fn action_hub() -> MockServer {
    let hub = hub(&[
        ("deepseek-ai/DeepSeek-V4-Flash", "handmade/deepseek-v4"),
        ("MiniMaxAI/MiniMax-M2.7", "MiniMaxAI/MiniMax-M2.7"),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek-ai/DeepSeek-V3.2"),
    ])
    .await;
    mount_empty_discovery_lists(&hub).await;
    hub
}

fn sglang_requests(requests: &[wiremock::Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.url.path().starts_with("/repos/sgl-project/"))
        .count()
}

/// How the issue is checked: a replica of the shipped nightly with no local dirs adds DeepSeek
/// V4 Flash (new in SGLang five days ago) at TP 8 / EP 8 from its `docs_new` config; a
/// cookbook-only model added through `mode: model` gets the cookbook's sizes; a warm second
/// night makes at most 10 requests to GitHub for SGLang and the cookbook.
#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_nightly_reads_sglang_live_and_a_warm_night_stays_under_ten_requests() {
    let doc =
        fs::read_to_string(root().join("examples/workspace/docs/model_coverage.mdx")).unwrap();
    let github = crate::publish::fake::FakeGitHub::start(&doc).await;
    let live = Live::start().await;
    live.fake.mount(&github.server, "sgl-project").await;
    let hub = action_hub().await;
    let work = live.dir.path().join("work");
    fs::create_dir_all(work.join("docs")).unwrap();
    fs::write(work.join("docs/model_coverage.mdx"), &doc).unwrap();
    let trace = trace_dir();
    let nightly = [
        ("INPUT_MODE", "nightly"),
        ("INPUT_DOC", "docs/model_coverage.mdx"),
        ("INPUT_TRACE_DIR", trace.to_str().unwrap()),
        ("INPUT_DRY_RUN", "true"),
        ("INPUT_RECREATE", "false"),
    ];

    let output = action_step(&work, &github.uri(), &hub.uri(), &nightly);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&output),
        stdout(&output)
    );
    let printed = stdout(&output);
    assert!(!printed.contains("--sglang-dir") && !printed.contains("--cookbook-dir"));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.join("reports/report.json")).unwrap())
            .unwrap();
    let flash = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hf_repo_id"] == "deepseek-ai/DeepSeek-V4-Flash")
        .unwrap_or_else(|| panic!("{:#}", report["candidates"]));
    assert_eq!(flash["action"], "added");
    let sized: Vec<(Option<u64>, Option<u64>)> = flash["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["tp"].is_number() || d["ep"].is_number())
        .map(|d| (d["tp"].as_u64(), d["ep"].as_u64()))
        .collect();
    assert!(!sized.is_empty());
    assert!(
        sized
            .iter()
            .all(|(tp, ep)| tp.is_none_or(|t| t == 8) && ep.is_none_or(|e| e == 8)),
        "{sized:?}"
    );
    assert!(sized.iter().any(|(_, ep)| *ep == Some(8)));
    assert!(
        flash["definitions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| !d["why"]
                .as_str()
                .unwrap_or_default()
                .contains("serving sizes")),
        "sizes from its own config, not a fallback"
    );
    let first = github.server.received_requests().await.unwrap();
    let cold = sglang_requests(&first);

    let output = action_step(&work, &github.uri(), &hub.uri(), &nightly);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let all = github.server.received_requests().await.unwrap();
    let warm = sglang_requests(&all[first.len()..]);
    assert!(
        warm <= 10,
        "warm night: {warm} GitHub requests for SGLang and the cookbook"
    );
    assert!(warm < cold, "cold {cold}, warm {warm}");
    eprintln!("GitHub requests for SGLang + cookbook: cold {cold}, warm {warm}");

    // `mode: model` with a model only the cookbook configures.
    let output = action_step(
        &work,
        &github.uri(),
        &hub.uri(),
        &[
            ("INPUT_MODE", "model"),
            ("INPUT_MODEL_NAME", "MiniMax M2.7"),
            ("INPUT_HF_REPO_ID", "MiniMaxAI/MiniMax-M2.7"),
            ("INPUT_DOC", "docs/model_coverage.mdx"),
            ("INPUT_TRACE_DIR", trace.to_str().unwrap()),
            ("INPUT_DRY_RUN", "true"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.join("reports/report.json")).unwrap())
            .unwrap();
    let minimax = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hf_repo_id"] == "MiniMaxAI/MiniMax-M2.7")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(minimax["action"], "added");
    let decode = minimax["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"].as_str().unwrap().starts_with("gqa_paged_decode_"))
        .unwrap();
    // 48 heads / 8 KV heads at the cookbook's TP 8 (the estimate would say TP 4).
    assert_eq!(
        decode["name"], "gqa_paged_decode_h6_kv1_d128_ps1",
        "{minimax:#}"
    );
    assert_eq!(decode["tp"], 8);
    assert!(
        !decode["why"].as_str().unwrap().contains("serving sizes"),
        "the cookbook's sizes, not the fallback: {}",
        decode["why"]
    );
    assert!(minimax["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["ep"] == 8));
    // The unrelated page's broken cell is in the report, not on stderr.
    let err = stderr(&output);
    assert!(!err.contains("other-org"), "{err}");
    assert!(!err.contains("does not touch"), "{err}");
}

/// `--model-name` with no local dirs: a model no config names gets its family's sizes, and the
/// section's serving line and the report's `why` say whose; problems in other models' configs
/// are one count line, and `--verbose` lists them.
#[tokio::test(flavor = "multi_thread")]
async fn a_model_without_a_config_borrows_its_familys_and_says_so() {
    let live = Live::start().await;
    let hub = hub(&[
        ("deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3"),
        ("deepseek-ai/DeepSeek-V3.2", "deepseek-ai/DeepSeek-V3.2"),
    ])
    .await;
    let work = live.dir.path().join("work");
    fs::create_dir_all(&work).unwrap();
    let doc = work.join("model_coverage.mdx");
    let run = |extra: &[&str]| {
        fs::write(&doc, "# Model coverage\n\n## Summary\n\n| Model | Architecture | Status |\n|-------|-------------|:--------:|\n\n---\n").unwrap();
        Command::new(env!("CARGO_BIN_EXE_track-models"))
            .args([
                "--model-name",
                "DeepSeek V3",
                "--hf-repo-id",
                "deepseek-ai/DeepSeek-V3",
            ])
            .arg("--doc")
            .arg(&doc)
            .arg("--trace-dir")
            .arg(trace_dir())
            .arg("--report-json")
            .arg(work.join("report.json"))
            .args(extra)
            .env_clear()
            .env("HOME", &work)
            .env("HF_HOME", live.home())
            .env("HF_ENDPOINT", hub.uri())
            .env("GITHUB_API_URL", live.github.uri())
            .output()
            .unwrap()
    };
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = fs::read_to_string(&doc).unwrap();
    assert!(
        text.contains("Serving configuration: **TP=8, EP=8** (attention TP; from `deepseek-ai/DeepSeek-V3.2`'s config, same family: TP=8 EP=8 on H200 (SGLang's docs\\_new config deepseek-ai/deepseek-v3.2.jsx))."),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(work.join("report.json")).unwrap()).unwrap();
    let why = report["models"][0]["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ep"] == 8)
        .unwrap()["why"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        why.ends_with("; serving sizes from `deepseek-ai/DeepSeek-V3.2`'s config, same family"),
        "{why}"
    );
    let err = stderr(&output);
    assert!(!err.contains("other-org/Other-1T"), "{err}");
    assert!(!err.contains("does not touch"), "{err}");
    let other = "`sgl-project/sglang/docs_new/src/snippets/configs/other-org/other.jsx`:5: no `modelNames` entry for `big` (hw `h200`) and no `default`; skipped";
    assert!(!err.contains(other), "{err}");
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == other),
        "{report:#}"
    );
    assert!(
        err.contains("note: sgl-project/sglang@main read live (tree "),
        "{err}"
    );

    let output = run(&["--verbose"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains(&format!("warning: {other}")), "{err}");
    assert!(!err.contains("does not touch"), "{err}");
}

// ------------------------------------------------------------------ concurrency and hostile answers

/// Options reading only `sgl-project/sglang` from `api` (the cookbook is a local empty folder),
/// with the cache under `home`.
fn sglang_only(api: &str, home: &Path, cookbook: &Path) -> ServingDataOptions {
    let vars: BTreeMap<&str, String> = [
        ("HF_HOME", home.to_str().unwrap().to_string()),
        ("GITHUB_API_URL", api.to_string()),
    ]
    .into_iter()
    .collect();
    ServingDataOptions::from_vars(
        |name| vars.get(name).cloned(),
        None,
        &[cookbook.to_path_buf()],
        None,
        None,
    )
    .unwrap()
}

fn configs(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| {
            let path = format!("{CONFIGS}/org{}/m{i}.jsx", i % 3);
            (path, jsx(&format!("org/M{i}"), 8, 8))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cold_read_keeps_eight_blob_requests_in_flight_and_a_warm_read_makes_two() {
    let fake = LatencyFake::start(
        "sgl-project/sglang",
        &configs(20),
        std::time::Duration::from_millis(50),
    );
    let (home, cookbook) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let options = sglang_only(&fake.base, home.path(), cookbook.path());

    let cold = load(&options, now()).await;
    assert_eq!(cold.problems, Vec::<String>::new());
    assert_eq!(fake.peak(), 8, "exactly the bound: 20 blobs, 8 at a time");
    let paths = fake.paths();
    assert_eq!(paths.len(), 22, "{paths:#?}");
    assert_eq!(
        paths.iter().filter(|p| p.contains("/git/blobs/")).count(),
        20
    );
    assert_eq!(cold.github_requests, 22);
    assert_eq!(tp_ep(&cold, "org/M19"), vec![(8, 8, "H200".to_string())]);

    let warm = load(&options, now()).await;
    assert_eq!(
        fake.paths()[22..],
        [
            "/repos/sgl-project/sglang",
            "/repos/sgl-project/sglang/git/trees/main?recursive=1"
        ]
    );
    assert_eq!(warm.github_requests, 2);
    assert_eq!(fake.peak(), 8);

    // Fewer blobs than the bound: all at once.
    let small = LatencyFake::start(
        "sgl-project/sglang",
        &configs(3),
        std::time::Duration::from_millis(50),
    );
    let home = tempfile::tempdir().unwrap();
    load(
        &sglang_only(&small.base, home.path(), cookbook.path()),
        now(),
    )
    .await;
    assert_eq!(small.peak(), 3);
    assert_eq!(small.paths().len(), 5);
}

/// A fake GitHub whose recursive listing names one wanted file with `sha`.
async fn hostile_tree(sha: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/repos/sgl-project/sglang"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"default_branch": "main"})),
        )
        .mount(&server)
        .await;
    let tree = serde_json::json!({
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "truncated": false,
        "tree": [{"path": format!("{CONFIGS}/o/x.jsx"), "mode": "100644", "type": "blob",
                  "sha": sha, "size": 10}],
    });
    Mock::given(path("/repos/sgl-project/sglang/git/trees/main"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tree))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blob_sha_that_is_a_path_is_refused_before_it_touches_the_file_system() {
    let cookbook = tempfile::tempdir().unwrap();
    for sha in ["/dev/zero", "../../../../etc/passwd", "fifo"] {
        let home = tempfile::tempdir().unwrap();
        let blobs = home.path().join("track-models/github/blobs");
        fs::create_dir_all(&blobs).unwrap();
        // A FIFO where a blob would be: opening it would block.
        let fifo = blobs.join("fifo");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let server = hostile_tree(sha).await;
        let data = load(
            &sglang_only(&server.uri(), home.path(), cookbook.path()),
            now(),
        )
        .await;
        assert_eq!(data.problems.len(), 1, "{:?}", data.problems);
        let expected = format!(
            "serving data: `sgl-project/sglang` not read (`GET {}/repos/sgl-project/sglang/git/trees/main?recursive=1`: the entry `{CONFIGS}/o/x.jsx` has sha `{sha}`; not a git object id and a relative path, refused, and nothing cached for `sgl-project/sglang`",
            server.uri()
        );
        assert!(
            data.problems[0].starts_with(&expected),
            "{}",
            data.problems[0]
        );
        let asked = server.received_requests().await.unwrap();
        assert!(asked.iter().all(|r| !r.url.path().contains("/git/blobs/")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_blob_that_is_a_fifo_is_not_opened_and_is_fetched_again() {
    let fake = LatencyFake::start(
        "sgl-project/sglang",
        &configs(1),
        std::time::Duration::from_millis(1),
    );
    let (home, cookbook) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let options = sglang_only(&fake.base, home.path(), cookbook.path());
    load(&options, now()).await;
    let blobs = home.path().join("track-models/github/blobs");
    let cached: Vec<PathBuf> = fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1);
    fs::remove_file(&cached[0]).unwrap();
    assert!(Command::new("mkfifo")
        .arg(&cached[0])
        .status()
        .unwrap()
        .success());

    let again = load(&options, now()).await;
    assert_eq!(again.problems, Vec::<String>::new());
    assert_eq!(tp_ep(&again, "org/M0").len(), 1);
    assert_eq!(fake.paths().len(), 3 + 3, "the blob fetched again, once");
    assert!(
        fs::metadata(&cached[0]).unwrap().is_file(),
        "replaced by the blob"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_listing_without_the_wanted_folders_is_never_cached_as_empty() {
    let live = Live::start().await;
    let full = load(&live.options(&[]), now()).await;
    let state = live
        .home()
        .join("track-models/github/repos/sgl-project--sglang.json");
    let saved = fs::read_to_string(&state).unwrap();
    // GitHub cut the recursive listing before reaching `docs_new/` and `python/`. A server
    // that answers that first, then as the fake does.
    let cut = serde_json::json!({
        "sha": serde_json::from_str::<serde_json::Value>(&saved).unwrap()["tree_sha"],
        "truncated": true,
        "tree": [{"path": "README.md", "mode": "100644", "type": "blob",
                  "sha": "0123456789abcdef0123456789abcdef01234567", "size": 3}],
    });
    let server = MockServer::start().await;
    Mock::given(path("/repos/sgl-project/sglang/git/trees/main"))
        .and(wiremock::matchers::query_param("recursive", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cut.clone()))
        .with_priority(1)
        .mount(&server)
        .await;
    live.fake.mount(&server, "sgl-project").await;
    let options = live.options(&[("GITHUB_API_URL", &server.uri())]);
    let walked = load(&options, now()).await;
    assert_eq!(walked.problems, Vec::<String>::new());
    assert_eq!(walked.catalog.classes, full.catalog.classes);
    assert_eq!(
        tp_ep(&walked, "deepseek-ai/DeepSeek-V4-Flash"),
        tp_ep(&full, "deepseek-ai/DeepSeek-V4-Flash")
    );

    // The walk itself fails: the cached state stays as it was and answers.
    let before = fs::read_to_string(&state).unwrap();
    let failing = MockServer::start().await;
    Mock::given(path("/repos/sgl-project/sglang/git/trees/main"))
        .and(wiremock::matchers::query_param("recursive", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cut))
        .with_priority(1)
        .mount(&failing)
        .await;
    Mock::given(path_regex(
        "^/repos/sgl-project/sglang/git/trees/[0-9a-f]{40}$",
    ))
    .respond_with(ResponseTemplate::new(502))
    .with_priority(1)
    .mount(&failing)
    .await;
    live.fake.mount(&failing, "sgl-project").await;
    let options = live.options(&[("GITHUB_API_URL", &failing.uri())]);
    let failed = load(&options, now()).await;
    assert_eq!(failed.problems.len(), 1, "{:?}", failed.problems);
    assert!(
        failed.problems[0].contains("answered 502 Bad Gateway"),
        "{}",
        failed.problems[0]
    );
    assert_eq!(fs::read_to_string(&state).unwrap(), before);
    assert_eq!(tp_ep(&failed, "deepseek-ai/DeepSeek-V4-Flash").len(), 2);
}

/// 1.4 MB of YAML aliases (a "billion laughs" document under a real model entry).
fn laughs_yaml() -> String {
    let mut text = String::from(
        "models:\n  - model_path: org/Laughs\n    hardware:\n      H200:\n        configurations:\n          - name: lol\n            engine: {tp: 8}\n",
    );
    text.push_str("a0: &a0 [\"lol\"]\n");
    for level in 1..=8 {
        let aliases = vec![format!("*a{}", level - 1); 9].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
    }
    let mut i = 0;
    while text.len() < 1_400_000 {
        text.push_str(&format!("x{i}: [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]\n"));
        i += 1;
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn a_billion_laughs_cookbook_is_refused_live_and_from_the_cached_blob() {
    let file = "data/models/generated/v0.5.6/laughs.yaml";
    let fake = LatencyFake::start(
        "sgl-project/sgl-cookbook",
        &[(file.to_string(), laughs_yaml())],
        std::time::Duration::from_millis(1),
    );
    let (home, sglang) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let options = |offline: bool| {
        let mut vars: BTreeMap<&str, String> = [
            ("HF_HOME", home.path().to_str().unwrap().to_string()),
            ("GITHUB_API_URL", fake.base.clone()),
        ]
        .into_iter()
        .collect();
        if offline {
            vars.insert("HF_HUB_OFFLINE", "1".to_string());
        }
        let sglang = Some(sglang.path().to_path_buf());
        ServingDataOptions::from_vars(|name| vars.get(name).cloned(), sglang, &[], None, None)
            .unwrap()
    };
    // a0 … a5 stay under the bound; `a6` (9^6 = 531,441 copies) crosses it on line 14.
    let refused = format!(
        "`sgl-project/sgl-cookbook/{file}`:14: YAML aliases expand to more than 100000 lines; not parsed"
    );
    let live = load(&options(false), now()).await;
    assert_eq!(live.problems, Vec::<String>::new());
    assert_eq!(live.cookbook.warnings, std::slice::from_ref(&refused));
    assert_eq!(live.github_requests, 3);
    assert!(live.cookbook.serving("org/Laughs").is_empty());

    let offline = load(&options(true), now()).await;
    assert_eq!(offline.github_requests, 0);
    assert_eq!(offline.cookbook.warnings, [refused]);
    assert_eq!(fake.paths().len(), 3, "offline: no request");
}
