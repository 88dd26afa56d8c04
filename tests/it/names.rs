//! The exact, complete, ordered list of definition names the binary computes for each real
//! config the acceptance check uses (`acceptance/check-naming.py`: `--model-name REPO-NAME
//! --hf-repo-id REPO --config-file CONFIG --tp 1,2,4,8 --ep 1,2,4,8` into the empty doc,
//! `--dry-run --report-json`), against `tests/fixtures/names/ORG--REPO.txt` (one name a line, in
//! the report's order, unmapped modules by their label). The configs are the verbatim copies in
//! `tests/fixtures/configs/` (see its README). Every name the dataset traced from the model
//! (`tests/fixtures/naming-cases.tsv`) must also be in the list, whatever the expected file says.

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

use crate::expect::check;
use crate::support::{fixture, root, stderr, trace_dir};

/// The nine models of `reference/hf-configs` (the shared acceptance configs).
const MODELS: [&str; 9] = [
    "MiniMaxAI/MiniMax-M2.7",
    "Qwen/Qwen3-30B-A3B",
    "Qwen/Qwen3-Next-80B-A3B-Thinking",
    "deepseek-ai/DeepSeek-V3",
    "deepseek-ai/DeepSeek-V3.2",
    "google/gemma-3-27b-it",
    "meta-llama/Llama-3.1-8B",
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "nvidia/Nemotron-H-56B-Base-8K",
];

/// The names in the report of onboarding `repo` the way the acceptance check does.
fn computed_names(repo: &str) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.mdx");
    fs::write(&doc, fixture("refresh/empty-doc.mdx")).unwrap();
    let report = dir.path().join("report.json");
    let config = root()
        .join("tests/fixtures/configs")
        .join(repo)
        .join("config.json");
    let output = Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--model-name", repo.rsplit('/').next().unwrap()])
        .args(["--hf-repo-id", repo, "--config-file"])
        .arg(&config)
        .args(["--tp", "1,2,4,8", "--ep", "1,2,4,8", "--doc"])
        .arg(&doc)
        .arg("--trace-dir")
        .arg(trace_dir())
        .args(["--dry-run", "--report-json"])
        .arg(&report)
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", dir.path().join("hf-home"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    if output.status.code() != Some(0) {
        return Err(format!(
            "{repo}: exit {:?}: {}",
            output.status.code(),
            stderr(&output)
        ));
    }
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let models = report["models"]
        .as_array()
        .expect("the report lists models");
    if models.len() != 1 {
        return Err(format!(
            "{repo}: the report lists {} models, not 1",
            models.len()
        ));
    }
    Ok(models[0]["definitions"]
        .as_array()
        .expect("the model lists definitions")
        .iter()
        .map(|d| {
            d["name"]
                .as_str()
                .expect("a definition has a name")
                .to_string()
        })
        .collect())
}

/// The definitions the dataset traced from each model (`naming-cases.tsv`: repo, tp, name, op).
fn traced() -> BTreeMap<String, Vec<String>> {
    let mut traced: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in fixture("naming-cases.tsv").lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        traced
            .entry(fields[0].to_string())
            .or_default()
            .push(fields[2].to_string());
    }
    traced
}

#[test]
fn every_shared_config_computes_exactly_its_expected_names() {
    let traced = traced();
    // Nemotron-H has no traced definition in the dataset: it is the only model without one.
    let untraced: Vec<&str> = MODELS
        .into_iter()
        .filter(|repo| !traced.contains_key(*repo))
        .collect();
    assert_eq!(untraced, ["nvidia/Nemotron-H-56B-Base-8K"]);
    assert!(traced.keys().all(|repo| MODELS.contains(&repo.as_str())));
    let results: Vec<(&str, Result<Vec<String>, String>)> = std::thread::scope(|scope| {
        let runs: Vec<_> = MODELS
            .iter()
            .map(|repo| (*repo, scope.spawn(move || computed_names(repo))))
            .collect();
        runs.into_iter()
            .map(|(repo, run)| (repo, run.join().unwrap()))
            .collect()
    });
    let mut failures = Vec::new();
    for (repo, names) in results {
        let names = match names {
            Ok(names) => names,
            Err(failure) => {
                failures.push(failure);
                continue;
            }
        };
        for name in traced.get(repo).into_iter().flatten() {
            if !names.contains(name) {
                failures.push(format!("{repo}: the traced `{name}` is not computed"));
            }
        }
        let file = root()
            .join("tests/fixtures/names")
            .join(format!("{}.txt", repo.replace('/', "--")));
        let listed: String = names.iter().map(|name| format!("{name}\n")).collect();
        if let Err(failure) = check(&file, listed.as_bytes()) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
