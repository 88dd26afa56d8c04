//! Benchmark: the nightly job's discovery against loopback fakes that add 200 ms to every
//! response. `cargo bench --bench discover` serves 100 candidates (four HF lists of 25, each
//! model live on two providers in the HF router catalog), a GitHub commits API with no new
//! SGLang files, and a distinct config.json per model; it reports the cold run's wall time
//! (5 models onboarded), its requests, and the config downloads of a second (warm) run.

use std::io::sink;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use track_models::api::cli::Cli;
use track_models::api::run::run;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DELAY: Duration = Duration::from_millis(200);
const LISTS: [(&str, &str); 4] = [
    ("text-generation", "trendingScore"),
    ("text-generation", "createdAt"),
    ("image-text-to-text", "trendingScore"),
    ("image-text-to-text", "createdAt"),
];
const PER_LIST: usize = 25;

fn repo(i: usize) -> String {
    format!("acme/Model-{i}-8B")
}

/// A Llama-shaped config whose hidden size differs per model (distinct fingerprints).
struct Config;

impl Respond for Config {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let i: usize = request
            .url
            .path()
            .split('-')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let hidden = 1024 + 128 * i;
        let body = json!({
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
            "intermediate_size": hidden * 4, "num_attention_heads": hidden / 128, "num_key_value_heads": 8,
            "num_hidden_layers": 32, "vocab_size": 128256, "head_dim": 128, "rms_norm_eps": 1e-5
        });
        let sha = format!("{i:040x}");
        let template = ResponseTemplate::new(200)
            .set_delay(DELAY)
            .insert_header("X-Repo-Commit", sha.as_str())
            .insert_header("ETag", format!("\"{sha}\"").as_str());
        if request.method.as_str() == "GET" {
            template.set_body_string(body.to_string())
        } else {
            template
        }
    }
}

fn main() {
    let servers = tokio::runtime::Runtime::new().unwrap();
    let (hub, router, github) = servers.block_on(async {
        let hub = MockServer::start().await;
        for (list, (tag, sort)) in LISTS.iter().enumerate() {
            let models: Vec<_> = (0..PER_LIST)
                .map(|k| {
                    let i = list * PER_LIST + k;
                    json!({"id": repo(i), "sha": format!("{i:040x}"), "pipeline_tag": tag, "gated": false,
                           "downloads": 100_000 - i, "likes": 10, "trendingScore": 1000 - i,
                           "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}})
                })
                .collect();
            Mock::given(method("GET")).and(path("/api/models")).and(query_param("pipeline_tag", *tag)).and(query_param("sort", *sort))
                .respond_with(ResponseTemplate::new(200).set_delay(DELAY).set_body_json(models)).mount(&hub).await;
        }
        Mock::given(path_regex(r"^/acme/.+/resolve/main/config\.json$")).respond_with(Config).mount(&hub).await;
        let router = MockServer::start().await;
        let catalog: Vec<_> = (0..LISTS.len() * PER_LIST)
            .map(|i| json!({"id": repo(i), "providers": [{"provider": "together", "status": "live"}, {"provider": "fireworks", "status": "live"}]}))
            .collect();
        Mock::given(method("GET")).and(path("/v1/models"))
            .respond_with(ResponseTemplate::new(200).set_delay(DELAY).set_body_json(json!({"object": "list", "data": catalog}))).mount(&router).await;
        Mock::given(method("GET")).and(path("/models"))
            .respond_with(ResponseTemplate::new(200).set_delay(DELAY).set_body_json(json!({"data": [], "total_count": 0, "links": {"next": null}}))).mount(&router).await;
        let github = MockServer::start().await;
        Mock::given(method("GET")).and(path("/repos/sgl-project/sglang/commits"))
            .respond_with(ResponseTemplate::new(200).set_delay(DELAY).set_body_json(json!([]))).mount(&github).await;
        (hub, router, github)
    });

    let work = tempfile::tempdir().unwrap();
    let doc = work.path().join("doc.mdx");
    std::fs::write(
        &doc,
        include_str!("../tests/fixtures/refresh/empty-doc.mdx"),
    )
    .unwrap();
    std::env::set_var("HF_HOME", work.path().join("hf-home"));
    std::env::set_var("HF_ENDPOINT", hub.uri());
    std::env::set_var("HF_ROUTER_URL", router.uri());
    std::env::set_var("OPENROUTER_API_URL", router.uri());
    std::env::set_var("GITHUB_API_URL", github.uri());
    for name in [
        "HF_TOKEN",
        "HF_HUB_CACHE",
        "HF_HUB_OFFLINE",
        "GITHUB_TOKEN",
        "GITHUB_ACTIONS",
    ] {
        std::env::remove_var(name);
    }
    let trace = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/workspace/flashinfer-trace"
    );
    let report = work.path().join("report.json");
    let cli = Cli::parse_from([
        "track-models",
        "--discover",
        "--refresh-status",
        "--today",
        "2026-11-20",
        "--dry-run",
        "--doc",
        doc.to_str().unwrap(),
        "--trace-dir",
        trace,
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let requests = || {
        servers
            .block_on(hub.received_requests())
            .unwrap_or_default()
    };
    let config_gets = |requests: &[Request]| {
        requests
            .iter()
            .filter(|r| r.method.as_str() == "GET" && r.url.path().ends_with("/config.json"))
            .count()
    };

    let start = Instant::now();
    run(&cli, &mut sink(), &mut sink()).unwrap();
    let cold = start.elapsed();
    let first = requests();
    let added = added(&report);
    let start = Instant::now();
    run(&cli, &mut sink(), &mut sink()).unwrap();
    let warm = start.elapsed();
    let second = requests()[first.len()..].to_vec();

    let candidates =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&report).unwrap())
            .unwrap()["candidates"]
            .as_array()
            .map_or(0, Vec::len);
    println!(
        "{candidates} candidates, fakes adding {} ms per response",
        DELAY.as_millis()
    );
    println!(
        "cold run  {:6.0} ms  {added} models added; {} Hub requests ({} config downloads)",
        cold.as_secs_f64() * 1e3,
        first.len(),
        config_gets(&first)
    );
    println!(
        "warm run  {:6.0} ms  {} Hub requests ({} config downloads)",
        warm.as_secs_f64() * 1e3,
        second.len(),
        config_gets(&second)
    );
}

fn added(report: &std::path::Path) -> usize {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    report["candidates"]
        .as_array()
        .map_or(0, |c| c.iter().filter(|c| c["decision"] == "added").count())
}
