//! The lint: hand-written rows against the model's config (the sample doc's rows verified by
//! hand, see `tests/fixtures/lint/README.md`), generated sections that never contradict their
//! config, the dataset's tags against the doc, stale Coverage prose, and where the findings go
//! (JSON and Markdown reports, stderr, `::warning` annotations) without changing the doc or an
//! exit code.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::plan_onboard;
use serde_json::{json, Value};
use track_models::api::lint::{lint, FindingKind, LintInputs, SectionConfig, TracedDefinition};
use track_models::api::onboard::{ModelRequest, ServingOrigin, ServingPlan};

use crate::support::{fixture, index, root, stderr, stdout, trace_dir};

/// The hand-written sections of the sample doc that have a config fixture: (section name as
/// `--model-name`, repo id, config path under `tests/fixtures`).
const SAMPLE_MODELS: [(&str, &str, &str); 9] = [
    (
        "DeepSeek V3 / R1",
        "deepseek-ai/DeepSeek-V3",
        "configs/deepseek-ai/DeepSeek-V3",
    ),
    (
        "DeepSeek V3.2",
        "deepseek-ai/DeepSeek-V3.2",
        "configs/deepseek-ai/DeepSeek-V3.2",
    ),
    (
        "Llama 3.1 8B",
        "meta-llama/Llama-3.1-8B",
        "configs/meta-llama/Llama-3.1-8B",
    ),
    (
        "Qwen3 30B A3B",
        "Qwen/Qwen3-30B-A3B",
        "configs/Qwen/Qwen3-30B-A3B",
    ),
    (
        "Qwen3 Next 80B A3B",
        "Qwen/Qwen3-Next-80B-A3B-Thinking",
        "configs/Qwen/Qwen3-Next-80B-A3B-Thinking",
    ),
    (
        "Llama 4 Scout 17B-16E",
        "meta-llama/Llama-4-Scout-17B-16E-Instruct",
        "configs/meta-llama/Llama-4-Scout-17B-16E-Instruct",
    ),
    (
        "MiniMax M2 / Text-01",
        "MiniMaxAI/MiniMax-M2.7",
        "configs/MiniMaxAI/MiniMax-M2.7",
    ),
    (
        "Kimi K2",
        "moonshotai/Kimi-K2-Instruct",
        "lint/configs/kimi-k2",
    ),
    ("Qwen3 8B", "Qwen/Qwen3-8B", "lint/configs/qwen3-8b"),
];

fn config_path(relative: &str) -> PathBuf {
    root()
        .join("tests/fixtures")
        .join(relative)
        .join("config.json")
}

struct Workspace {
    dir: tempfile::TempDir,
    doc: PathBuf,
}

impl Workspace {
    fn new(doc: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model_coverage.mdx");
        fs::write(&path, doc).unwrap();
        Workspace { dir, doc: path }
    }

    fn hf_home(&self) -> PathBuf {
        self.dir.path().join("hf-home")
    }

    /// Runs the binary offline on this doc and the bundled dataset, with both reports.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_track-models"));
        command
            .args(args)
            .args(["--doc", self.doc.to_str().unwrap()])
            .args(["--trace-dir", trace_dir().to_str().unwrap()])
            .args(["--report-json", self.path("report.json").to_str().unwrap()])
            .args(["--report-md", self.path("report.md").to_str().unwrap()])
            .env("HF_HOME", self.hf_home())
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_ENDPOINT", "http://127.0.0.1:9")
            .env_remove("HF_HUB_CACHE")
            .env_remove("HF_TOKEN")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn report(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(self.path("report.json")).unwrap()).unwrap()
    }

    fn lint_of_kind(&self, kind: &str) -> Vec<Value> {
        self.report()["lint"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == kind)
            .cloned()
            .collect()
    }
}

/// Puts `config.json` of `repo` in the standard HF cache layout (`refs/main` → snapshot), as a
/// run that fetched it would have left it.
fn seed_hf_cache(hf_home: &Path, repo: &str, text: &str) {
    let folder = hf_home
        .join("hub")
        .join(format!("models--{}", repo.replace('/', "--")));
    let sha = "0123456789abcdef0123456789abcdef01234567";
    fs::create_dir_all(folder.join("refs")).unwrap();
    fs::write(folder.join("refs/main"), sha).unwrap();
    fs::create_dir_all(folder.join("snapshots").join(sha)).unwrap();
    fs::write(folder.join("snapshots").join(sha).join("config.json"), text).unwrap();
}

fn sample_model_args() -> Vec<String> {
    let mut args = Vec::new();
    for (name, repo, config) in SAMPLE_MODELS {
        args.extend([
            "--model-name".to_string(),
            name.to_string(),
            "--hf-repo-id".to_string(),
            repo.to_string(),
            "--config-file".to_string(),
            config_path(config).to_str().unwrap().to_string(),
        ]);
    }
    args
}

/// (section, line, definition, suggestion) of each finding.
fn summary(findings: &[Value]) -> Vec<(String, u64, String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["section"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["definition"].as_str().unwrap_or_default().to_string(),
                f["suggestion"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn row(
    section: &str,
    line: u64,
    definition: &str,
    suggestion: &str,
) -> (String, u64, String, String) {
    (
        section.to_string(),
        line,
        definition.to_string(),
        suggestion.to_string(),
    )
}

/// Every row of the sample doc that contradicts its model's config is flagged, and no other:
/// the list is the one verified by hand in `tests/fixtures/lint/README.md`. The doc is not
/// touched by `--dry-run`.
#[test]
fn sample_doc_rows_against_their_real_configs() {
    let original = fixture("refresh/sample-3state.mdx");
    let workspace = Workspace::new(&original);
    let mut args = vec!["--refresh-status", "--dry-run"];
    let models = sample_model_args();
    args.extend(models.iter().map(String::as_str));
    let output = workspace.run(&args, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&workspace.doc).unwrap(), original);
    assert!(
        stdout(&output).starts_with("--- a/"),
        "the dry run prints its diff"
    );

    let contradictions = workspace.lint_of_kind("contradicts_config");
    assert_eq!(
        summary(&contradictions),
        vec![
            row("Qwen3 8B", 385, "gemm_n44032_k4096", "gemm_n24576_k4096"),
            row("Qwen3 8B", 386, "gemm_n4096_k22016", "gemm_n4096_k12288"),
            row(
                "Kimi K2",
                462,
                "top_k_sampling_from_probs_v160000",
                "top_k_sampling_from_probs_v163840"
            ),
            row(
                "Kimi K2",
                463,
                "top_k_top_p_sampling_from_probs_v160000",
                "top_k_top_p_sampling_from_probs_v163840"
            ),
            row(
                "Kimi K2",
                464,
                "top_p_sampling_from_probs_v160000",
                "top_p_sampling_from_probs_v163840"
            ),
            row(
                "MiniMax M2 / Text-01",
                619,
                "rmsnorm_h8192",
                "rmsnorm_h3072"
            ),
            row(
                "MiniMax M2 / Text-01",
                620,
                "fused_add_rmsnorm_h8192",
                "fused_add_rmsnorm_h3072"
            ),
        ]
    );
    let message = |line: u64| {
        contradictions.iter().find(|f| f["line"] == line).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        message(386),
        "no TP / EP in {1, 2, 4, 8, 16} makes `gemm_n4096_k22016` from the config of `Qwen/Qwen3-8B`: it gives `gemm_n4096_k12288` (`intermediate_size` 12288, not 22016)"
    );
    assert!(
        message(462).ends_with("(`vocab_size` 163840, not 160000)"),
        "{}",
        message(462)
    );
    assert!(
        message(619).ends_with("(`hidden_size` 3072, not 8192)"),
        "{}",
        message(619)
    );
    let error = stderr(&output);
    assert!(
        error.contains(&format!(
            "lint: `{}`:386: Qwen3 8B: no TP / EP in {{1, 2, 4, 8, 16}} makes `gemm_n4096_k22016`",
            workspace.doc.display()
        )),
        "{error}"
    );
    let markdown = fs::read_to_string(workspace.path("report.md")).unwrap();
    assert!(
        markdown.contains("### Rows that contradict the model's config\n\n<details><summary>7 in 3 section(s) (rows are never edited)</summary>"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| Kimi K2 | 462 | `top_k_sampling_from_probs_v160000` | `top_k_sampling_from_probs_v163840` |"),
        "{markdown}"
    );
}

/// The issue's schema: exactly these keys, `definition` / `suggestion` null where they do not
/// apply, the section as people read it.
#[test]
fn report_schema_and_stale_coverage_prose() {
    let workspace = Workspace::new(&fixture("refresh/sample-3state.mdx"));
    let output = workspace.run(&["--refresh-status", "--dry-run"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stale = workspace.lint_of_kind("stale_coverage_prose");
    assert_eq!(
        stale[0],
        json!({
            "section": "DeepSeek V3 / R1",
            "line": 65,
            "definition": null,
            "kind": "stale_coverage_prose",
            "message": "the Coverage line says \"Missing\" but 14 / 14 definitions are present; the words are left to people",
            "suggestion": null,
        })
    );
    // Verified by hand against the snapshot: two "Missing" lines whose sections are now
    // complete, two "No existing definitions match" lines of sections that now have some.
    let lines: Vec<(String, u64, String)> = stale
        .iter()
        .map(|f| {
            (
                f["section"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let says = |what: &str, n: u64, m: u64| {
        match what {
        "missing" => format!("the Coverage line says \"Missing\" but {n} / {m} definitions are present; the words are left to people"),
        _ => format!("the Coverage line says no existing definitions match but {n} / {m} are present; the words are left to people"),
    }
    };
    assert_eq!(
        lines,
        vec![
            ("DeepSeek V3 / R1".to_string(), 65, says("missing", 14, 14)),
            ("Llama 3.2 3B".to_string(), 218, says("missing", 14, 14)),
            ("Mixtral 8x22B".to_string(), 316, says("none", 1, 12)),
            ("Phi-4 14B".to_string(), 491, says("none", 4, 14)),
        ]
    );
    // The refreshed numbers are in the diff; the words are not touched.
    let diff = stdout(&output);
    assert!(
        diff.contains(
            "+**Coverage**: 14 / 14 definitions present. Missing: MLA ragged prefill definition."
        ),
        "{diff}"
    );
}

#[test]
fn fully_covered_with_a_gap_is_stale() {
    let doc = "## Summary\n\n| Model | Architecture | Coverage |\n|---|---|---|\n| Tiny | GQA | ✅ Fully covered |\n\n## Tiny\n\n| Definition | Op Type | Status |\n|---|---|:---:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n| `rmsnorm_h12345` | rmsnorm | ✅ |\n\n**Coverage**: 2 / 2 definitions present. Fully covered.\n";
    let workspace = Workspace::new(doc);
    let output = workspace.run(&["--refresh-status", "--check"], &[]);
    // The doc drifts (a ❌ row), so `--check` exits 1 as it always did.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        summary(&workspace.lint_of_kind("stale_coverage_prose")),
        vec![row("Tiny", 14, "", "")]
    );
    assert!(stderr(&output).contains(&format!(
        "lint: `{}`:14: Tiny: the Coverage line says \"Fully covered\" but only 1 / 2 definitions are present",
        workspace.doc.display()
    )));
}

/// Findings never change `--check`'s exit code: an up-to-date doc with contradicting rows is
/// still up to date (exit 0), and the findings are in its output and as annotations.
#[test]
fn findings_leave_check_exit_codes_alone_and_become_annotations() {
    let refreshed = fixture("refresh/expected-3state.mdx");
    let workspace = Workspace::new(&refreshed);
    let kimi = config_path("lint/configs/kimi-k2");
    let args = [
        "--check",
        "--model-name",
        "Kimi K2",
        "--hf-repo-id",
        "moonshotai/Kimi-K2-Instruct",
        "--config-file",
        kimi.to_str().unwrap(),
    ];
    let output = workspace.run(&args, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&workspace.doc).unwrap(), refreshed);
    assert!(stderr(&output).contains(&format!(
        "lint: `{}`:462: Kimi K2: no TP / EP in {{1, 2, 4, 8, 16}} makes `top_k_sampling_from_probs_v160000`",
        workspace.doc.display()
    )));

    let summary_file = workspace.path("summary.md");
    fs::write(&summary_file, "").unwrap();
    let output = workspace.run(
        &args,
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap()),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = stdout(&output);
    assert!(
        log.contains(&format!(
            "::warning file={},line=462::Kimi K2: no TP / EP in {{1, 2, 4, 8, 16}} makes `top_k_sampling_from_probs_v160000`",
            workspace.doc.display()
        )),
        "{log}"
    );
    let summary_text = fs::read_to_string(&summary_file).unwrap();
    assert!(
        summary_text.contains("### Rows that contradict the model's config"),
        "{summary_text}"
    );
}

/// Every config fixture the project has, onboarded at several serving plans: the generated
/// section's rows are all checked and none contradicts the config it came from.
#[test]
fn a_generated_section_never_contradicts_its_config() {
    let empty = fixture("refresh/empty-doc.mdx");
    let index = index();
    let mut configs = Vec::new();
    collect_configs(&root().join("tests/fixtures/configs"), &mut configs);
    collect_configs(&root().join("tests/fixtures/lint/configs"), &mut configs);
    assert!(configs.len() >= 20, "{configs:?}");
    let plans: [(&[u32], &[u32]); 4] = [
        (&[1], &[1]),
        (&[2, 4], &[8]),
        (&[8], &[4, 16]),
        (&[16, 32], &[32]),
    ];
    for path in &configs {
        let text = fs::read_to_string(path).unwrap();
        let arch = track_models::api::arch::parse_config(&text).unwrap();
        for (tp, ep) in plans {
            let request = ModelRequest {
                model_name: "Under Test".into(),
                hf_repo_id: "org/Under-Test".into(),
                display_name: "Under Test".into(),
                config: Ok(text.clone()),
                serving: ServingPlan {
                    attention_tp: tp.to_vec(),
                    ep: ep.to_vec(),
                    origin: ServingOrigin::Explicit,
                },
            };
            let supports = |_: &str| true;
            let plan = plan_onboard(&empty, &[request], &index, &supports, true)
                .unwrap()
                .plan;
            let doc = track_models::api::doc::CoverageDoc::parse(&plan.text).unwrap();
            let rows = doc.concrete_names().len();
            // The marker's sizes are what a later run reads back.
            let configs = [SectionConfig {
                section: "Under Test".into(),
                hf_repo_id: "org/Under-Test".into(),
                arch: arch.clone(),
                extra_tp: tp.to_vec(),
                extra_ep: ep.to_vec(),
            }];
            let outcome = lint(
                &doc,
                &LintInputs {
                    configs: &configs,
                    traced: None,
                },
            );
            let wrong: Vec<_> = outcome
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::ContradictsConfig)
                .collect();
            assert!(
                wrong.is_empty(),
                "{} at {tp:?}/{ep:?}: {wrong:#?}",
                path.display()
            );
            assert!(rows > 0, "{}", path.display());
            assert_eq!(
                outcome.rows_checked,
                (rows, 0, 0),
                "{} at {tp:?}/{ep:?}: every generated row is checked and consistent",
                path.display()
            );
        }
    }
}

fn collect_configs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect_configs(&path, out);
        } else if path.file_name().is_some_and(|n| n == "config.json") {
            out.push(path);
        }
    }
}

/// A generated section in a plain `--refresh-status` run: its repo id comes from the marker
/// and its config from the HF cache (offline). With the config it was made from, nothing is
/// flagged; with a cache holding another checkpoint's config, its rows are.
#[test]
fn generated_sections_are_linted_from_the_hf_cache() {
    let workspace = Workspace::new(&fixture("refresh/empty-doc.mdx"));
    let llama = config_path("configs/meta-llama/Llama-3.1-8B");
    let output = workspace.run(
        &[
            "--model-name",
            "Llama 3.1 8B",
            "--hf-repo-id",
            "meta-llama/Llama-3.1-8B",
            "--config-file",
            llama.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(workspace.report()["lint"], json!([]));

    // Not cached: a generated section's rows are the tool's own, so they are not checked and
    // no note is printed (a fresh CI runner would print one per generated section each night).
    let output = workspace.run(&["--refresh-status", "--check"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("lint"), "{}", stderr(&output));

    let seed = |text: &str| seed_hf_cache(&workspace.hf_home(), "meta-llama/Llama-3.1-8B", text);
    seed(&fs::read_to_string(&llama).unwrap());
    let output = workspace.run(&["--refresh-status", "--check"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("not checked"),
        "{}",
        stderr(&output)
    );
    assert_eq!(workspace.report()["lint"], json!([]));

    let other = fs::read_to_string(&llama)
        .unwrap()
        .replace("\"vocab_size\": 128256", "\"vocab_size\": 128000");
    seed(&other);
    let output = workspace.run(&["--refresh-status", "--check"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let flagged: BTreeSet<String> = workspace
        .lint_of_kind("contradicts_config")
        .iter()
        .map(|f| f["definition"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        flagged,
        BTreeSet::from([
            "top_k_sampling_from_probs_v128256".to_string(),
            "top_k_top_p_sampling_from_probs_v128256".to_string(),
            "top_p_sampling_from_probs_v128256".to_string(),
        ])
    );
}

/// The dataset's `model:` tags: a traced definition the model's section does not list is a
/// finding on the section's heading; a model no section tracks is not.
#[test]
fn traced_definitions_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |op: &str, name: &str, tags: &[&str]| {
        let folder = dir.path().join("definitions").join(op);
        fs::create_dir_all(&folder).unwrap();
        let body = json!({"name": name, "op_type": op, "tags": tags, "axes": {}});
        fs::write(folder.join(format!("{name}.json")), body.to_string()).unwrap();
    };
    write(
        "rmsnorm",
        "rmsnorm_h4096",
        &["status:verified", "model:llama-3.1-8b"],
    );
    write("gemm", "gemm_n6144_k4096", &["model:llama-3.1-8b", "tp:1"]);
    write(
        "gqa_paged",
        "gqa_paged_decode_h8_kv2_d128_ps1",
        &["model:llama-3.1-8b", "tp:4"],
    );
    write("gemm", "gemm_n5120_k4096", &["model:qwen3-14b"]);
    write("gemm", "gemm_n1_k1", &["status:verified"]);
    // Not a definition file: never read as one.
    fs::write(dir.path().join("definitions/gemm/notes.txt"), "x").unwrap();
    // Too large to be a definition: skipped, and the run says so.
    let huge = format!(
        "{{\"tags\": [\"model:llama-3.1-8b\"], \"pad\": \"{}\"}}",
        "x".repeat(1 << 20)
    );
    fs::write(dir.path().join("definitions/gemm/gemm_n9_k9.json"), huge).unwrap();
    // A symbolic link is not a regular file: not followed.
    std::os::unix::fs::symlink(
        dir.path().join("definitions/gemm/gemm_n6144_k4096.json"),
        dir.path().join("definitions/gemm/gemm_n7_k7.json"),
    )
    .unwrap();
    let doc = "## Summary\n\n| Model | Architecture | Coverage |\n|---|---|---|\n| Llama 3.1 8B | GQA | ✅ Fully covered |\n\n## Llama 3.1 8B\n\n| Definition | Op Type | Status |\n|---|---|:---:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n\n**Coverage**: 1 / 1 definitions present.\n";
    let workspace = Workspace::new(doc);
    let report = workspace.path("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--refresh-status", "--check", "--doc"])
        .arg(&workspace.doc)
        .arg("--trace-dir")
        .arg(dir.path())
        .arg("--report-json")
        .arg(&report)
        .env("HF_HUB_OFFLINE", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(
        report["lint"],
        json!([
            {"section": "Llama 3.1 8B", "line": 7, "definition": "gemm_n6144_k4096", "kind": "traced_not_listed",
             "message": "the dataset traced `gemm_n6144_k4096` (gemm, TP=1) from `model:llama-3.1-8b`, which this section does not list",
             "suggestion": null},
            {"section": "Llama 3.1 8B", "line": 7, "definition": "gqa_paged_decode_h8_kv2_d128_ps1", "kind": "traced_not_listed",
             "message": "the dataset traced `gqa_paged_decode_h8_kv2_d128_ps1` (gqa_paged, TP=4) from `model:llama-3.1-8b`, which this section does not list",
             "suggestion": null},
        ])
    );
    assert!(
        stderr(&output).contains(&format!(
            "note: lint: 1 definition file(s) under `{}` were unreadable, too large or beyond the limit; their tags were not read",
            dir.path().join("definitions").display()
        )),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains(&format!(
        "lint: `{}`:7: `Llama 3.1 8B` does not list 2 definition(s) the dataset traced from it: `gemm_n6144_k4096`, `gqa_paged_decode_h8_kv2_d128_ps1`",
        workspace.doc.display()
    )));
}

/// The pure cross-check: which slugs no section tracks (the discovery signal).
#[test]
fn untracked_models_in_the_dataset() {
    let doc_text = "## Llama 3.1 8B\n\n| Definition | Op Type | Status |\n|---|---|:---:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n";
    let doc = track_models::api::doc::CoverageDoc::parse(doc_text).unwrap();
    let traced = |name: &str, slug: &str| TracedDefinition {
        name: name.into(),
        op_type: "gemm".into(),
        models: vec![slug.into()],
        tp: None,
        ep: None,
    };
    let definitions = [
        traced("rmsnorm_h4096", "llama-3.1-8b"),
        traced("gemm_n5120_k4096", "qwen3-14b"),
        traced("gemm_n5120_k5120", "qwen3-14b"),
        traced("gemm_n5376_k5376", "gemma-3-27b"),
    ];
    let outcome = lint(
        &doc,
        &LintInputs {
            configs: &[],
            traced: Some(&definitions),
        },
    );
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    let untracked: Vec<(String, usize)> = outcome
        .untracked
        .iter()
        .map(|u| (u.slug.clone(), u.definitions))
        .collect();
    assert_eq!(
        untracked,
        vec![("gemma-3-27b".to_string(), 1), ("qwen3-14b".to_string(), 2)]
    );
}

/// "Traced in the dataset" ranks with the other discovery signals: it joins the candidate whose
/// repo name fits the slug best, adds to its score, and a slug no repo fits is a candidate
/// without a repo id, skipped with the reason.
#[test]
fn traced_in_the_dataset_is_a_discovery_signal() {
    use std::collections::HashMap;
    use track_models::api::discover::{
        candidates, decide, Date, DecisionKind, DiscoveryOptions, Signals, Source,
        COOKBOOK_REPO_IDS, DATASET_MODELS,
    };

    let signals = Signals::default()
        .with(
            COOKBOOK_REPO_IDS,
            vec![
                "Qwen/Qwen3-14B".to_string(),
                "Qwen/Qwen3-14B-Base".to_string(),
                "google/gemma-3-27b-it".to_string(),
            ],
        )
        .with(
            DATASET_MODELS,
            vec!["nemotron-h-8b".to_string(), "qwen3-14b".to_string()],
        );
    let pool = candidates(&signals);
    let sources = |key: &str| {
        pool.iter()
            .find(|c| c.key() == key)
            .unwrap()
            .sources
            .clone()
    };
    assert_eq!(
        sources("Qwen/Qwen3-14B"),
        vec![Source::COOKBOOK, Source::DATASET]
    );
    assert_eq!(sources("Qwen/Qwen3-14B-Base"), vec![Source::COOKBOOK]);
    assert_eq!(sources("model:nemotron-h-8b"), vec![Source::DATASET]);
    let qwen = pool.iter().find(|c| c.key() == "Qwen/Qwen3-14B").unwrap();
    assert_eq!(qwen.score(), 6_000_000);
    assert_eq!(
        qwen.signals_summary(),
        "in the cookbook; traced in the dataset"
    );
    assert_eq!(
        pool[0].key(),
        "Qwen/Qwen3-14B",
        "the traced model ranks first"
    );

    let options = DiscoveryOptions::new(Date::parse("2026-11-20").unwrap());
    let supported = |_: &str| true;
    let decisions = decide(&pool, &[], &HashMap::new(), &supported, &options);
    let nemotron = decisions
        .iter()
        .find(|d| d.candidate.key() == "model:nemotron-h-8b")
        .unwrap();
    assert_eq!(nemotron.decision, DecisionKind::Skipped);
    assert_eq!(
        nemotron.reason,
        "traced in the dataset as `model:nemotron-h-8b`, but no repo id in the HF lists, the SGLang docs or the cookbooks matches it"
    );
}

/// A hand-written section whose heading the cookbooks resolve to exactly one repo id is checked
/// in a plain refresh, from the HF cache: `Qwen3 30B A3B` and `Llama 4 Scout 17B-16E` resolve
/// (the cookbook fixture's `model_path`s), `Kimi K2` does not (`Kimi-K2-Instruct` and
/// `Kimi-K2-Thinking` both fit: no guess).
#[test]
fn hand_written_sections_resolved_through_the_cookbooks() {
    let workspace = Workspace::new(&fixture("refresh/sample-3state.mdx"));
    let seed = |repo: &str, text: &str| seed_hf_cache(&workspace.hf_home(), repo, text);
    let read = |relative: &str| fs::read_to_string(config_path(relative)).unwrap();
    seed("Qwen/Qwen3-30B-A3B", &read("configs/Qwen/Qwen3-30B-A3B"));
    let scout = read("configs/meta-llama/Llama-4-Scout-17B-16E-Instruct");
    assert!(scout.contains("\"vocab_size\": 202048"));
    seed(
        "meta-llama/Llama-4-Scout-17B-16E-Instruct",
        &scout.replace("\"vocab_size\": 202048", "\"vocab_size\": 202400"),
    );
    let cookbook = root().join("tests/fixtures/cookbook");
    let output = workspace.run(
        &[
            "--refresh-status",
            "--check",
            "--cookbook-dir",
            cookbook.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let flagged: Vec<(String, u64, String, String)> =
        summary(&workspace.lint_of_kind("contradicts_config"));
    assert_eq!(
        flagged,
        vec![
            row(
                "Llama 4 Scout 17B-16E",
                536,
                "top_k_sampling_from_probs_v202048",
                "top_k_sampling_from_probs_v202400"
            ),
            row(
                "Llama 4 Scout 17B-16E",
                537,
                "top_k_top_p_sampling_from_probs_v202048",
                "top_k_top_p_sampling_from_probs_v202400"
            ),
            row(
                "Llama 4 Scout 17B-16E",
                538,
                "top_p_sampling_from_probs_v202048",
                "top_p_sampling_from_probs_v202400"
            ),
        ]
    );
    let error = stderr(&output);
    let notes: Vec<&str> = error.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(
        notes,
        ["note: lint: rows of `## Mistral Small 3.1 24B` were not checked: `config.json` of `mistralai/Mistral-Small-3.1-24B-Instruct-2503` is not in the HF cache"]
    );
}

fn finding(
    kind: FindingKind,
    line: usize,
    section: &str,
    definition: Option<&str>,
) -> track_models::api::lint::Finding {
    track_models::api::lint::Finding {
        section: section.to_string(),
        line,
        definition: definition.map(str::to_string),
        kind,
        message: format!("message {line}"),
        suggestion: None,
    }
}

/// Annotations: contradicting rows first, then stale prose, then one per section for traced
/// definitions; within what the problems left of the step's ten.
#[test]
fn annotations_in_order_and_within_the_budget() {
    use track_models::api::publish::gha::Actions;
    let findings = vec![
        finding(FindingKind::TracedNotListed, 7, "A", Some("x_h1")),
        finding(FindingKind::TracedNotListed, 7, "A", Some("x_h2")),
        finding(FindingKind::StaleCoverageProse, 20, "A", None),
        finding(FindingKind::ContradictsConfig, 30, "B | C", Some("y_v1")),
    ];
    let vars = |name: &str| (name == "GITHUB_ACTIONS").then(|| "true".to_string());
    let mut log = Vec::new();
    Actions::from_vars(vars, &mut log)
        .annotate_lint("docs/model_coverage.mdx", &findings, 0)
        .unwrap();
    assert_eq!(
        String::from_utf8(log).unwrap(),
        "::warning file=docs/model_coverage.mdx,line=30::B | C: message 30\n\
         ::warning file=docs/model_coverage.mdx,line=20::A: message 20\n\
         ::warning file=docs/model_coverage.mdx,line=7::`A` does not list 2 definition(s) the dataset traced from it: `x_h1`, `x_h2`\n"
    );
    let mut log = Vec::new();
    Actions::from_vars(vars, &mut log)
        .annotate_lint("docs/model_coverage.mdx", &findings, 9)
        .unwrap();
    assert_eq!(
        String::from_utf8(log).unwrap(),
        "::warning file=docs/model_coverage.mdx,line=30::B | C: message 30\n"
    );
}

/// The sticky PR comment carries the findings, folded, after the missing definitions.
#[test]
fn the_pull_request_comment_folds_the_findings() {
    use track_models::api::publish::render::{render_comment, Notice, RenderContext};
    use track_models::api::report::Report;
    let report = Report {
        lint: vec![finding(
            FindingKind::ContradictsConfig,
            386,
            "Qwen3 8B",
            Some("gemm_n4096_k22016"),
        )],
        ..Report::default()
    };
    let ctx = RenderContext {
        repository: "o/r",
        branch: "track-models/coverage",
        base: "main",
        doc_path: "docs/model_coverage.mdx",
        server_url: "https://github.com",
        content_hash: "0",
    };
    let comment = render_comment(&report, &ctx, &Notice::Current);
    let block = "### Rows that contradict the model's config\n\n<details><summary>1 in 1 section(s) (rows are never edited)</summary>\n\n| Section | Line | Definition | Suggestion | Why |\n|---|---|---|---|---|\n| Qwen3 8B | 386 | `gemm_n4096_k22016` | — | message 386 |\n\n</details>";
    assert!(comment.contains(block), "{comment}");
    assert!(comment.find("### Missing definitions") < comment.find(block));
}
