//! The nightly job end to end through the binary: `--discover --refresh-status` on the bundled
//! example offline, and against loopback fakes of the Hub, the HF router and OpenRouter with a
//! temporary SGLang git repository with dated commits.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    mount_hub_config, mount_hub_configs_missing, mount_hub_gated, root, stderr, trace_dir,
};

const TODAY: &str = "2026-11-20";

fn example(relative: &str) -> PathBuf {
    root().join("examples/workspace").join(relative)
}

/// The example's SGLang snapshot as a git repository with dated commits (inside `dir`).
fn sglang_repo(dir: &Path) -> PathBuf {
    crate::support::example_sglang_repo(dir, TODAY)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Nightly {
    dir: tempfile::TempDir,
    sglang: PathBuf,
    doc: PathBuf,
}

impl Nightly {
    fn new() -> Nightly {
        let dir = tempfile::tempdir().unwrap();
        let sglang = sglang_repo(dir.path());
        let doc = dir.path().join("model_coverage.mdx");
        fs::copy(example("docs/model_coverage.mdx"), &doc).unwrap();
        Nightly { dir, sglang, doc }
    }

    fn run(&self, env: &[(&str, String)]) -> Output {
        let report = self.dir.path().join("report.json");
        let mut command = Command::new(env!("CARGO_BIN_EXE_track-models"));
        command
            .args(["--discover", "--refresh-status", "--today", TODAY])
            .arg("--sglang-dir")
            .arg(&self.sglang)
            .arg("--cookbook-dir")
            .arg(example("cookbook"))
            .arg("--doc")
            .arg(&self.doc)
            .arg("--trace-dir")
            .arg(trace_dir())
            .arg("--report-json")
            .arg(&report)
            .env_remove("HF_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("HF_HUB_CACHE");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    fn report(&self) -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(self.dir.path().join("report.json")).unwrap())
            .unwrap()
    }

    fn text(&self) -> String {
        fs::read_to_string(&self.doc).unwrap()
    }
}

fn decisions(report: &serde_json::Value) -> Vec<(String, String)> {
    report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["decision"] != "already_tracked"
                || c["hf_repo_id"].as_str().is_some_and(|r| {
                    r.starts_with("MiniMaxAI/MiniMax-M2.7") || r.starts_with("nvidia/")
                })
        })
        .map(|c| {
            (
                c["hf_repo_id"].as_str().unwrap_or("-").to_string(),
                c["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_bundled_example_runs_offline_and_a_second_night_changes_nothing() {
    let nightly = Nightly::new();
    let home = nightly.dir.path().join("hf-home");
    copy_dir(&example("hf-home"), &home);
    let offline = [
        ("HF_HOME", home.to_str().unwrap().to_string()),
        ("HF_HUB_OFFLINE", "1".to_string()),
        ("HF_ENDPOINT", "http://127.0.0.1:9".to_string()),
        ("HF_ROUTER_URL", "http://127.0.0.1:9".to_string()),
        ("OPENROUTER_API_URL", "http://127.0.0.1:9".to_string()),
        ("GITHUB_API_URL", "http://127.0.0.1:9".to_string()),
    ];
    let output = nightly.run(&offline);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = nightly.text();
    assert!(
        text.contains("\n| MiniMax M2.7 | GQA + MoE | 🟡 Partial |\n"),
        "{text}"
    );
    assert!(
        text.contains("\n## MiniMax M2.7\n\n{/* track-models: hf_repo_id=MiniMaxAI/MiniMax-M2.7 "),
        "{text}"
    );
    assert!(
        text.contains(
            "\n## Nemotron H 56B 8K\n\n{/* track-models: hf_repo_id=nvidia/Nemotron-H-56B-Base-8K "
        ),
        "{text}"
    );
    assert!(
        text.contains("| Llama 3.1 8B | GQA + Dense | 🟡 Partial |"),
        "the rest was refreshed too"
    );
    let report = nightly.report();
    let added = added(&report);
    assert_eq!(
        added,
        ["MiniMaxAI/MiniMax-M2.7", "nvidia/Nemotron-H-56B-Base-8K"]
    );
    let gemma = report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["hf_repo_id"] == "google/gemma-3-27b-it")
        .unwrap();
    assert_eq!(gemma["decision"], "skipped");
    assert_eq!(gemma["reason"], "gated (`manual`): not open weights");
    // The dataset's `model:gemma-3-27b` tags: no section tracks it, so it is a signal.
    assert_eq!(
        gemma["sources"],
        serde_json::json!(["sglang-catalog", "hf-trending", "dataset"])
    );
    let minimax = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "MiniMax M2.7")
        .unwrap();
    assert_eq!(minimax["action"], "added");

    let output = nightly.run(&offline);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        nightly.text(),
        text,
        "a second night with the same inputs changes nothing"
    );
    let second = nightly.report();
    let again = second["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["hf_repo_id"] == "MiniMaxAI/MiniMax-M2.7")
        .unwrap();
    assert_eq!(again["decision"], "already_tracked");
    assert!(decisions(&second).iter().all(|(_, d)| d != "added"));
}

fn json_file(path: &Path) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "application/json")
        .set_body_bytes(fs::read(path).unwrap())
}

/// Online against loopback fakes: the HF API budget (lists + router + one config per new
/// candidate), then a warm second night that downloads no config.
#[tokio::test(flavor = "multi_thread")]
async fn online_sources_stay_within_the_api_budget_and_a_warm_night_downloads_nothing() {
    let fakes = Fakes::start(&[]).await;
    let (hub, router, openrouter) = (&fakes.hub, &fakes.router, &fakes.openrouter);

    let nightly = Nightly::new();
    let command_env = fakes.env(&nightly);
    let output = nightly.run(&command_env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = nightly.report();
    let added = added(&report);
    assert_eq!(
        added,
        ["MiniMaxAI/MiniMax-M2.7", "nvidia/Nemotron-H-56B-Base-8K"],
        "{:#}",
        report["candidates"]
    );
    let first = hub.received_requests().await.unwrap();
    let api_calls = first
        .iter()
        .filter(|r| r.url.path().starts_with("/api/"))
        .count();
    assert_eq!(api_calls, 4, "the four HF lists");
    let mut configs: Vec<&str> = first
        .iter()
        .filter(|r| r.url.path().ends_with("/config.json"))
        .map(|r| r.url.path())
        .collect();
    configs.sort_unstable();
    assert_eq!(
        configs,
        [
            "/MiniMaxAI/MiniMax-M2.7/resolve/main/config.json",
            // The lint reads the configs of the sections people wrote whose repo id the
            // cookbooks give: their rows are checked against them.
            "/Qwen/Qwen3-30B-A3B/resolve/main/config.json",
            "/Qwen/Qwen3-8B/resolve/main/config.json",
            "/meta-llama/Llama-3.1-8B-Instruct/resolve/main/config.json",
            "/nvidia/Nemotron-H-56B-Base-8K/resolve/main/config.json",
        ],
        "one config request per new candidate, and one per hand-written section the lint checks"
    );
    assert_eq!(router.received_requests().await.unwrap().len(), 1);
    assert_eq!(openrouter.received_requests().await.unwrap().len(), 1);
    assert!(api_calls < 10 + added.len(), "HF budget: lists + router");

    // A second night: the models are tracked now; no config is downloaded.
    let output = nightly.run(&command_env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let second: Vec<_> = hub.received_requests().await.unwrap()[first.len()..].to_vec();
    let downloads = second
        .iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path().ends_with("/config.json"))
        .count();
    assert_eq!(downloads, 0);
}

/// Loopback fakes of the Hub (the four lists, two configs), the HF router and OpenRouter,
/// serving the example's saved responses; the configs of `gated` repos answer 401 GatedRepo.
struct Fakes {
    hub: MockServer,
    router: MockServer,
    openrouter: MockServer,
}

impl Fakes {
    async fn start(gated: &[&str]) -> Fakes {
        let hub = MockServer::start().await;
        let router = MockServer::start().await;
        let openrouter = MockServer::start().await;
        let responses = example("hf-home/track-models/responses");
        for (tag, sort, file) in [
            (
                "text-generation",
                "trendingScore",
                "hf-trending-text-generation.json",
            ),
            (
                "text-generation",
                "createdAt",
                "hf-new-text-generation.json",
            ),
            (
                "image-text-to-text",
                "trendingScore",
                "hf-trending-image-text-to-text.json",
            ),
            (
                "image-text-to-text",
                "createdAt",
                "hf-new-image-text-to-text.json",
            ),
        ] {
            Mock::given(method("GET"))
                .and(path("/api/models"))
                .and(query_param("pipeline_tag", tag))
                .and(query_param("sort", sort))
                .respond_with(json_file(&responses.join(file)))
                .mount(&hub)
                .await;
        }
        // The two new candidates, then the models of sections people wrote (the lint reads
        // their configs; the Instruct checkpoint has its base's shapes).
        for (repo, fixture, sha) in [
            (
                "MiniMaxAI/MiniMax-M2.7",
                "configs/MiniMaxAI/MiniMax-M2.7",
                "1111111111111111111111111111111111111111",
            ),
            (
                "nvidia/Nemotron-H-56B-Base-8K",
                "configs/nvidia/Nemotron-H-56B-Base-8K",
                "2222222222222222222222222222222222222222",
            ),
            (
                "Qwen/Qwen3-30B-A3B",
                "configs/Qwen/Qwen3-30B-A3B",
                "3333333333333333333333333333333333333333",
            ),
            (
                "Qwen/Qwen3-8B",
                "lint/configs/qwen3-8b",
                "4444444444444444444444444444444444444444",
            ),
            (
                "meta-llama/Llama-3.1-8B-Instruct",
                "configs/meta-llama/Llama-3.1-8B",
                "5555555555555555555555555555555555555555",
            ),
        ] {
            if gated.contains(&repo) {
                mount_hub_gated(&hub, repo, "").await;
                continue;
            }
            let config = crate::support::fixture(&format!("{fixture}/config.json"));
            mount_hub_config(&hub, repo, sha, sha, &config).await;
        }
        mount_hub_configs_missing(&hub).await;
        Mock::given(method("GET"))
            .and(path("/v1/models"))
            .respond_with(json_file(&responses.join("hf-router-models.json")))
            .mount(&router)
            .await;
        Mock::given(method("GET"))
            .and(path("/models"))
            .respond_with(json_file(&responses.join("openrouter-models.json")))
            .mount(&openrouter)
            .await;
        Fakes {
            hub,
            router,
            openrouter,
        }
    }

    fn env(&self, nightly: &Nightly) -> Vec<(&'static str, String)> {
        vec![
            (
                "HF_HOME",
                nightly
                    .dir
                    .path()
                    .join("hf-home")
                    .to_str()
                    .unwrap()
                    .to_string(),
            ),
            ("HF_ENDPOINT", self.hub.uri()),
            ("HF_ROUTER_URL", self.router.uri()),
            ("OPENROUTER_API_URL", self.openrouter.uri()),
            ("GITHUB_API_URL", "http://127.0.0.1:9".to_string()),
            ("HF_HUB_OFFLINE", "0".to_string()),
        ]
    }
}

/// A gated candidate config and a dead source: the candidate is skipped with the reason, the
/// next one is still added, the dead source is one warning line, nothing already in the doc
/// is lost, and the run succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_gated_candidate_and_a_dead_source_do_not_stop_the_night() {
    let fakes = Fakes::start(&["MiniMaxAI/MiniMax-M2.7"]).await;
    let nightly = Nightly::new();
    let mut env = fakes.env(&nightly);
    env.retain(|(name, _)| *name != "OPENROUTER_API_URL");
    env.push(("OPENROUTER_API_URL", "http://127.0.0.1:9".to_string()));
    let before = nightly.text();
    let output = nightly.run(&env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = nightly.report();
    let candidates = report["candidates"].as_array().unwrap();
    let minimax = candidates
        .iter()
        .find(|c| c["hf_repo_id"] == "MiniMaxAI/MiniMax-M2.7")
        .unwrap();
    assert_eq!(minimax["decision"], "skipped");
    assert!(
        minimax["reason"]
            .as_str()
            .unwrap()
            .starts_with("config.json unavailable: `MiniMaxAI/MiniMax-M2.7` is gated"),
        "{}",
        minimax["reason"]
    );
    assert_eq!(added(&report), ["nvidia/Nemotron-H-56B-Base-8K"]);
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(
        problems.iter().filter(|p| p.contains("openrouter")).count(),
        1,
        "{problems:?}"
    );
    let text = nightly.text();
    for heading in before.lines().filter(|l| l.starts_with("## ")) {
        assert!(text.contains(&format!("{heading}\n")), "lost {heading}");
    }
    assert!(!text.contains("## MiniMax M2.7\n"));
}

/// The repo ids of the candidates `report` says were added, in its order.
fn added(report: &serde_json::Value) -> Vec<&str> {
    report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["decision"] == "added")
        .map(|c| c["hf_repo_id"].as_str().unwrap())
        .collect()
}
