//! Benchmark: onboarding 20 models (repo ids given) against a loopback Hub that adds 200 ms
//! to every response. `cargo bench --bench onboard` reports the cold run's wall time (configs
//! are fetched concurrently, at most 8 in flight), then the requests a warm run makes (at
//! most one metadata request per model, no download) and an offline run (none).

use std::io::sink;
use std::time::{Duration, Instant};

use clap::Parser;
use track_models::api::cli::Cli;
use track_models::api::run::run;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MODELS: usize = 20;
const DELAY: Duration = Duration::from_millis(200);
const CONFIG: &str = include_str!("../tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json");

fn main() {
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let server = server_runtime.block_on(async {
        let server = MockServer::start().await;
        let response = |with_body: bool| {
            let template = ResponseTemplate::new(200)
                .set_delay(DELAY)
                .insert_header("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567")
                .insert_header("ETag", "\"blob\"");
            if with_body {
                template.set_body_string(CONFIG)
            } else {
                template
            }
        };
        Mock::given(method("GET"))
            .and(path_regex(r"^/acme/.+/resolve/main/config\.json$"))
            .respond_with(response(true))
            .mount(&server)
            .await;
        Mock::given(method("HEAD"))
            .and(path_regex(r"^/acme/.+/resolve/main/config\.json$"))
            .respond_with(response(false))
            .mount(&server)
            .await;
        server
    });
    let work = tempfile::tempdir().unwrap();
    let doc = work.path().join("doc.mdx");
    let trace = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/workspace/flashinfer-trace"
    );
    std::env::set_var("HF_HOME", work.path().join("hf-home"));
    std::env::set_var("HF_ENDPOINT", server.uri());
    std::env::remove_var("HF_TOKEN");
    std::env::remove_var("HF_HUB_CACHE");

    let mut args = vec![
        "track-models".to_string(),
        "--doc".into(),
        doc.to_str().unwrap().into(),
        "--trace-dir".into(),
        trace.into(),
        "--dry-run".into(),
    ];
    for i in 0..MODELS {
        args.extend([
            "--model-name".into(),
            format!("model-{i}"),
            "--hf-repo-id".into(),
            format!("acme/Model-{i}-8B"),
        ]);
    }
    let cli = Cli::parse_from(&args);
    let requests = || {
        server_runtime
            .block_on(server.received_requests())
            .unwrap_or_default()
    };

    std::fs::write(
        &doc,
        include_str!("../tests/fixtures/refresh/empty-doc.mdx"),
    )
    .unwrap();
    std::env::remove_var("HF_HUB_OFFLINE");
    let start = Instant::now();
    run(&cli, &mut sink(), &mut sink()).unwrap();
    let cold = start.elapsed();
    let cold_requests = requests();
    let cold_gets = cold_requests
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();

    let start = Instant::now();
    run(&cli, &mut sink(), &mut sink()).unwrap();
    let warm = start.elapsed();
    let warm_requests = requests().len() - cold_requests.len();
    let warm_gets = requests()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count()
        - cold_gets;

    std::env::set_var("HF_HUB_OFFLINE", "1");
    let before = requests().len();
    let start = Instant::now();
    run(&cli, &mut sink(), &mut sink()).unwrap();
    let offline = start.elapsed();
    let offline_requests = requests().len() - before;

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{MODELS} models, loopback Hub adding {} ms per response",
        DELAY.as_millis()
    );
    println!(
        "cold run     {:7.0} ms  {:3} requests ({cold_gets} config downloads)",
        ms(cold),
        cold_requests.len()
    );
    println!(
        "warm run     {:7.0} ms  {:3} requests ({warm_gets} config downloads)",
        ms(warm),
        warm_requests
    );
    println!(
        "offline run  {:7.0} ms  {:3} requests",
        ms(offline),
        offline_requests
    );
}
