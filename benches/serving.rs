//! A cold read of SGLang's serving configs over a loopback fake of GitHub that answers every
//! request 100 ms late (`tests/it/live/latency_fake.rs`): the wall time against requests ×
//! latency, the time a sequential read would take. The target is at most 0.3 ×.
//!
//! `cargo bench --bench serving` (the fake and the reader run in this process; no network).

#[path = "../tests/it/live/latency_fake.rs"]
#[allow(dead_code)]
mod latency_fake;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use track_models::api::sources::serving_data::{load, ServingDataOptions};

const LATENCY: Duration = Duration::from_millis(100);
const FILES: usize = 100;

fn main() {
    let files: Vec<(String, String)> = (0..FILES)
        .map(|i| {
            let path = format!("docs_new/src/snippets/configs/org{}/m{i}.jsx", i % 10);
            let text = format!(
                "export const config = {{\n  modelNames: {{ default: \"org/M{i}\" }},\n  cells: [{{ match: {{ hw: \"h200\" }}, flags: [\"--tp 8\", \"--ep 8\"] }}],\n}};\n"
            );
            (path, text)
        })
        .collect();
    let fake = latency_fake::LatencyFake::start("sgl-project/sglang", &files, LATENCY);
    let home = tempfile::tempdir().unwrap();
    let cookbook = tempfile::tempdir().unwrap();
    let vars: BTreeMap<&str, String> = [
        ("HF_HOME", home.path().display().to_string()),
        ("GITHUB_API_URL", fake.base.clone()),
    ]
    .into_iter()
    .collect();
    let options = ServingDataOptions::from_vars(
        |name| vars.get(name).cloned(),
        None,
        &[cookbook.path().to_path_buf()],
        None,
        None,
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let data = runtime.block_on(load(&options, 1_780_000_000));
    let wall = started.elapsed();
    assert!(data.problems.is_empty(), "{:?}", data.problems);
    let requests = data.github_requests;
    let sequential = LATENCY * requests as u32;
    println!(
        "cold read: {requests} requests, {:.2} s wall, requests x latency {:.2} s, ratio {:.3} (target <= 0.3), peak in flight {}",
        wall.as_secs_f64(),
        sequential.as_secs_f64(),
        wall.as_secs_f64() / sequential.as_secs_f64(),
        fake.peak()
    );
    let started = Instant::now();
    let warm = runtime.block_on(load(&options, 1_780_000_000));
    println!(
        "warm read: {} requests, {:.2} s wall",
        warm.github_requests,
        started.elapsed().as_secs_f64()
    );
}
