//! `--model-name`: resolving, reading configs (local and from a loopback Hub), writing a new
//! section in the doc's style, never duplicating or regenerating people's sections, and
//! per-model failures that leave the rest of the run intact.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use wiremock::MockServer;

use crate::support::{
    fixture, fixture_config, mount_hub_config, mount_hub_gated, root, stderr, Workspace,
};

fn config(repo: &str) -> PathBuf {
    root()
        .join("tests/fixtures/configs")
        .join(repo)
        .join("config.json")
}

fn empty_doc() -> String {
    fixture("refresh/empty-doc.mdx")
}

/// Runs the binary on `workspace`'s doc, offline unless an endpoint is given.
fn run(workspace: &Workspace, args: &[&str], endpoint: Option<&str>) -> Output {
    let mut command = workspace.command(args);
    if let Some(endpoint) = endpoint {
        command
            .env("HF_ENDPOINT", endpoint)
            .env_remove("HF_HUB_OFFLINE");
    }
    command.output().unwrap()
}

fn refresh_check(workspace: &Workspace) -> Output {
    run(workspace, &["--refresh-status", "--check"], None)
}

fn local(repo: &str, name: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--model-name".to_string(),
        name.to_string(),
        "--hf-repo-id".to_string(),
        repo.to_string(),
        "--config-file".to_string(),
        config(repo).to_str().unwrap().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_new_section_in_the_docs_style_is_a_fixed_point() {
    let workspace = Workspace::new(&empty_doc());
    let args = local("meta-llama/Llama-3.1-8B", "llama-3.1-8b", &[]);
    let output = run(&workspace, &strs(&args), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    assert!(text.contains("|-------|-------------|:--------:|\n| Llama 3.1 8B | GQA + Dense | 🟡 Partial |\n\n---\n"), "{text}");
    let section = &text[text.find("## Llama 3.1 8B").unwrap()..];
    let expected_start =
        "## Llama 3.1 8B\n\n{/* track-models: hf_repo_id=meta-llama/Llama-3.1-8B fingerprint=";
    assert!(section.starts_with(expected_start), "{section}");
    assert!(section.contains(" tp=1 ep=1 */}\n\n**Architecture**: 32 decoder layers, GQA attention, dense MLP.\n\nNo serving configuration found in the cookbooks: names assume **TP=1, EP=1** (estimated: 8 B parameters in bf16 fit one 80 GB GPU).\n\n| Definition | Op Type | Status |\n|-----------|---------|:------:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n"), "{section}");
    assert!(
        section.contains("| `gqa_paged_decode_h32_kv8_d128_ps1` | gqa_paged | ✅ |\n"),
        "{section}"
    );
    assert!(
        section.contains("| `gqa_paged_decode_h32_kv8_d128_ps64` | gqa_paged | 🟡 |\n"),
        "{section}"
    );
    assert!(section.ends_with("\n---\n"), "{section}");
    let report = workspace.report();
    let model = &report["models"][0];
    assert_eq!(model["name"], "Llama 3.1 8B");
    assert_eq!(model["hf_repo_id"], "meta-llama/Llama-3.1-8B");
    assert_eq!(model["action"], "added");
    assert_eq!(model["summary_before"], serde_json::Value::Null);
    let decode = model["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "gqa_paged_decode_h32_kv8_d128_ps1")
        .unwrap();
    assert_eq!(
        decode,
        &serde_json::json!({"name": "gqa_paged_decode_h32_kv8_d128_ps1", "op_type": "gqa_paged", "tp": null, "ep": null, "status": "ready",
            "why": "num_attention_heads 32 / tp 1 = h32; num_key_value_heads 8 / tp 1 = kv8; head_dim 128; page_size 1; serving sizes estimated: 8 B parameters in bf16 fit one 80 GB GPU"})
    );

    let check = refresh_check(&workspace);
    assert_eq!(
        check.status.code(),
        Some(0),
        "the new section is not a fixed point:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let again = run(&workspace, &strs(&args), None);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(workspace.text(), text, "onboarding twice changes nothing");
}

#[test]
fn serving_sizes_come_from_the_cookbooks_and_label_the_rows() {
    let workspace = Workspace::new(&empty_doc());
    let cookbook = root().join("tests/fixtures/cookbook");
    let mut args = vec![
        "--model-name",
        "qwen3-next",
        "--hf-repo-id",
        "Qwen/Qwen3-Next-80B-A3B-Instruct",
        "--config-file",
    ];
    let config = config("Qwen/Qwen3-Next-80B-A3B-Thinking");
    args.push(config.to_str().unwrap());
    args.extend(["--cookbook-dir", cookbook.to_str().unwrap()]);
    let output = run(&workspace, &args, None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    assert!(text.contains("Serving configuration: **TP=2 / TP=4, EP=1** (attention TP; from the SGLang cookbook: TP=2 on B200, H200; TP=4 on H100)."), "{text}");
    assert!(
        text.contains("| `gdn_prefill_qk8_v16_d128_k_last` | gdn TP=2 | 🟡 |\n"),
        "{text}"
    );
    assert!(
        text.contains("| `gdn_prefill_qk4_v8_d128_k_last` | gdn TP=4 | 🟡 |\n"),
        "{text}"
    );
    assert!(!text.contains("qk16_v32"), "TP=1 is not served");
    assert_eq!(refresh_check(&workspace).status.code(), Some(0));
}

#[test]
fn sections_people_wrote_are_never_duplicated_or_regenerated() {
    let sample = fixture("refresh/expected-4state.mdx");
    let workspace = Workspace::new(&sample);
    let args = local("meta-llama/Llama-3.1-8B", "Llama 3.1 8B", &[]);
    let output = run(&workspace, &strs(&args), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("`meta-llama/Llama-3.1-8B` is already tracked as `## Llama 3.1 8B`, a section written by people"), "{}", stderr(&output));
    assert_eq!(workspace.text(), sample);
}

#[test]
fn a_generated_section_is_regenerated_when_its_serving_sizes_change() {
    let workspace = Workspace::new(&empty_doc());
    let scout = "meta-llama/Llama-4-Scout-17B-16E-Instruct";
    let output = run(&workspace, &strs(&local(scout, "scout", &[])), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = run(
        &workspace,
        &strs(&local("meta-llama/Llama-3.1-8B", "llama", &[])),
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let before = workspace.text();
    let llama_before = &before[before.find("## Llama 3.1 8B").unwrap()..];
    // No serving config names Scout: 108 B parameters in bf16 are estimated at TP 4 / EP 4.
    assert!(
        before.contains("| `gqa_paged_decode_h10_kv2_d128_ps1` | gqa_paged TP=4 | ❌ |"),
        "{before}"
    );
    assert!(before.contains(" tp=4 ep=4 */}"), "{before}");

    let output = run(
        &workspace,
        &strs(&local(scout, "scout", &["--tp", "8"])),
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after = workspace.text();
    assert!(
        after.contains("| `gqa_paged_decode_h5_kv1_d128_ps1` | gqa_paged TP=8 | 🟡 |"),
        "{after}"
    );
    assert!(!after.contains("h10_kv2"), "{after}");
    assert!(after.contains(" tp=8 ep=1 */}"));
    assert_eq!(
        &after[after.find("## Llama 3.1 8B").unwrap()..],
        llama_before,
        "other sections untouched"
    );
    assert_eq!(after.matches("## Llama 4 Scout 17B-16E\n").count(), 1);
    assert_eq!(after.matches("| Llama 4 Scout 17B-16E |").count(), 1);
    assert_eq!(workspace.report()["models"][0]["action"], "refreshed");
    assert_eq!(refresh_check(&workspace).status.code(), Some(0));
}

#[test]
fn hostile_names_are_escaped_and_the_doc_still_refreshes() {
    let workspace = Workspace::new(&empty_doc());
    let name = "Evil | <b> {x} `y` @bob &#64;team";
    let args = local("meta-llama/Llama-3.1-8B", "x", &["--display-name", name]);
    let output = run(&workspace, &strs(&args), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    // Escaped once for MDX; the docs site pings nobody, so `@` stays plain.
    let escaped = "Evil \\| \\<b\\> \\{x\\} \\`y\\` @bob &#64;team";
    assert!(text.contains(&format!("\n## {escaped}\n")), "{text}");
    assert!(
        text.contains(&format!("\n| {escaped} | GQA + Dense | 🟡 Partial |\n")),
        "{text}"
    );
    // Reports carry the plain name: no Markdown escapes, no zero-width characters.
    let report = workspace.report();
    assert_eq!(
        report["models"][0]["name"], "Evil | <b> {x} `y` @bob @team",
        "{report}"
    );
    assert_eq!(refresh_check(&workspace).status.code(), Some(0));
}

#[test]
fn a_broken_config_fails_that_model_only() {
    let workspace = Workspace::new(&empty_doc());
    let broken = workspace.dir.path().join("broken.json");
    fs::write(&broken, "{\"hidden_size\": 4096, \"num_attention_he").unwrap();
    let llama = config("meta-llama/Llama-3.1-8B");
    let output = run(
        &workspace,
        &[
            "--model-name",
            "broken",
            "--hf-repo-id",
            "acme/Broken-7B",
            "--config-file",
            broken.to_str().unwrap(),
            "--model-name",
            "llama",
            "--hf-repo-id",
            "meta-llama/Llama-3.1-8B",
            "--config-file",
            llama.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: config.json of `acme/Broken-7B` is unusable"),
        "{}",
        stderr(&output)
    );
    let text = workspace.text();
    assert!(
        text.contains("| Broken 7B | Unknown (config unavailable) | ❌ Not covered |"),
        "{text}"
    );
    assert!(
        text.contains("| Llama 3.1 8B | GQA + Dense | 🟡 Partial |"),
        "{text}"
    );
    assert!(text.contains("| All kernels (config.json unavailable) | — | — |"));
    assert_eq!(refresh_check(&workspace).status.code(), Some(0));
}

/// A gated model and a good one in the same run against a loopback Hub; then the same run
/// offline, from the warm cache, with no server at all.
#[tokio::test(flavor = "multi_thread")]
async fn hub_faults_are_per_model_and_a_warm_cache_works_offline() {
    let server = MockServer::start().await;
    mount_hub_config(
        &server,
        "meta-llama/Llama-3.1-8B",
        "0123456789abcdef0123456789abcdef01234567",
        "abc",
        &fixture_config("meta-llama/Llama-3.1-8B"),
    )
    .await;
    mount_hub_gated(
        &server,
        "acme/Secret-8B",
        "{\"error\":\"Access to model acme/Secret-8B is restricted\"}",
    )
    .await;
    let workspace = Workspace::new(&empty_doc());
    let args = [
        "--model-name",
        "secret",
        "--hf-repo-id",
        "acme/Secret-8B",
        "--model-name",
        "llama",
        "--hf-repo-id",
        "meta-llama/Llama-3.1-8B",
    ];
    let output = run(&workspace, &args, Some(&server.uri()));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.contains("error: config.json unavailable for `acme/Secret-8B`"),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "{}/acme/Secret-8B/resolve/main/config.json",
            server.uri()
        )),
        "{error}"
    );
    let online = workspace.text();
    assert!(
        online.contains("| Secret 8B | Unknown (config unavailable) | ❌ Not covered |"),
        "{online}"
    );
    assert!(
        online.contains("| Llama 3.1 8B | GQA + Dense | 🟡 Partial |"),
        "{online}"
    );

    // Offline, warm: the same result for the model that was fetched, no server needed.
    let offline = Workspace::new(&empty_doc());
    fs::rename(
        workspace.dir.path().join("hf-home"),
        offline.dir.path().join("hf-home"),
    )
    .unwrap();
    let output = run(
        &offline,
        &[
            "--model-name",
            "llama",
            "--hf-repo-id",
            "meta-llama/Llama-3.1-8B",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let llama_section = |text: &str| text[text.find("## Llama 3.1 8B").unwrap()..].to_string();
    assert_eq!(llama_section(&offline.text()), llama_section(&online));
    assert!(cache_has_config(&offline.dir.path().join("hf-home")));
}

fn cache_has_config(home: &Path) -> bool {
    home.join("hub/models--meta-llama--Llama-3.1-8B/snapshots/0123456789abcdef0123456789abcdef01234567/config.json")
        .exists()
}

#[test]
fn mismatched_per_model_flags_are_a_usage_error() {
    let workspace = Workspace::new(&empty_doc());
    let output = run(
        &workspace,
        &[
            "--model-name",
            "a",
            "--model-name",
            "b",
            "--hf-repo-id",
            "x/y",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--hf-repo-id is given 1 time(s) for 2 `--model-name`(s)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(workspace.text(), empty_doc());
}

#[test]
fn repo_ids_resolve_from_the_cookbooks_or_fail_listing_the_candidates() {
    let workspace = Workspace::new(&empty_doc());
    let cookbook = root().join("tests/fixtures/cookbook");
    let cookbook = cookbook.to_str().unwrap();
    let qwen = config("Qwen/Qwen3-Next-80B-A3B-Thinking");
    let output = run(
        &workspace,
        &[
            "--model-name",
            "Qwen3-Next-80B-A3B-Instruct",
            "--config-file",
            qwen.to_str().unwrap(),
            "--cookbook-dir",
            cookbook,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(workspace
        .text()
        .contains("hf_repo_id=Qwen/Qwen3-Next-80B-A3B-Instruct "));

    let output = run(
        &workspace,
        &["--model-name", "kimi-k2", "--cookbook-dir", cookbook],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("`kimi-k2` matches several repos in the cookbooks and SGLang's docs: "),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------- one section per model

fn model_args(repo: &str, config_of: &str, display: &str) -> Vec<String> {
    let mut args = local(config_of, display, &["--display-name", display]);
    args[3] = repo.to_string();
    args
}

fn headings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("## ") && *l != "## Summary")
        .map(str::to_string)
        .collect()
}

/// A base model and its Instruct variant (same kernels) in one run: one section, and a line
/// saying why the variant has none.
#[test]
fn variants_with_the_same_kernels_in_one_run_are_one_section() {
    let workspace = Workspace::new(&empty_doc());
    let mut args = model_args(
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B",
        "Llama 3.1 8B",
    );
    args.extend(model_args(
        "meta-llama/Llama-3.1-8B-Instruct",
        "meta-llama/Llama-3.1-8B",
        "Llama 3.1 8B",
    ));
    let output = run(&workspace, &strs(&args), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    assert_eq!(headings(&text), ["## Llama 3.1 8B"]);
    assert!(text.contains("hf_repo_id=meta-llama/Llama-3.1-8B fingerprint="));
    assert!(
        stderr(&output).contains(
            "`meta-llama/Llama-3.1-8B-Instruct` has the same kernels as `## Llama 3.1 8B`, added in this run: one section"
        ),
        "{}",
        stderr(&output)
    );
}

/// Two different models under one display name in one run: the second gets a distinct name.
#[test]
fn a_display_name_clash_gets_a_distinct_name() {
    let workspace = Workspace::new(&empty_doc());
    let mut args = model_args(
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B",
        "Same Name",
    );
    args.extend(model_args(
        "Qwen/Qwen3-30B-A3B",
        "Qwen/Qwen3-30B-A3B",
        "Same Name",
    ));
    let output = run(&workspace, &strs(&args), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    assert_eq!(
        headings(&text),
        ["## Same Name", "## Same Name (Qwen3-30B-A3B)"]
    );
    assert!(text.contains("| Same Name (Qwen3-30B-A3B) |"), "{text}");
    assert_eq!(refresh_check(&workspace).status.code(), Some(0));
}

/// On a later run, a request whose name matches a generated section made for another repo
/// never switches that section's marker: same kernels, nothing is added; other kernels, a
/// section of its own.
#[test]
fn a_markers_repo_id_never_changes_silently() {
    let workspace = Workspace::new(&empty_doc());
    let first = model_args(
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B",
        "Llama 3.1 8B",
    );
    assert_eq!(run(&workspace, &strs(&first), None).status.code(), Some(0));
    let before = workspace.text();

    let instruct = model_args(
        "meta-llama/Llama-3.1-8B-Instruct",
        "meta-llama/Llama-3.1-8B",
        "Llama 3.1 8B",
    );
    let output = run(&workspace, &strs(&instruct), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        workspace.text(),
        before,
        "same kernels: the doc is unchanged"
    );
    // The warning points at the section's heading (1-based).
    let heading = before.lines().position(|l| l == "## Llama 3.1 8B").unwrap() + 1;
    assert!(
        stderr(&output).contains(&format!(
            "`:{heading}: `meta-llama/Llama-3.1-8B-Instruct` has the same kernels as `## Llama 3.1 8B` (tracked as `meta-llama/Llama-3.1-8B`): not added"
        )),
        "{}",
        stderr(&output)
    );

    let other = model_args("org/Other-Model", "Qwen/Qwen3-30B-A3B", "Llama 3.1 8B");
    let output = run(&workspace, &strs(&other), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = workspace.text();
    assert_eq!(
        headings(&text),
        ["## Llama 3.1 8B", "## Llama 3.1 8B (Other-Model)"]
    );
    assert!(text.contains("hf_repo_id=meta-llama/Llama-3.1-8B fingerprint="));
    assert!(text.contains("hf_repo_id=org/Other-Model fingerprint="));
}

/// A new model with no summary table to take its row: the section is added, and the warning
/// points at the `## Summary` heading (or at line 1 when there is none).
#[test]
fn a_summary_without_a_table_gets_a_warning_at_its_heading() {
    let table = "| Model | Architecture | Coverage |\n|-------|-------------|:--------:|\n";
    let doc = empty_doc();
    assert!(doc.contains(table));
    let cases = [
        (doc.replace(table, "No table yet.\n"), true),
        (doc.replace(table, "").replace("## Summary\n", ""), false),
    ];
    for (text, has_heading) in cases {
        let workspace = Workspace::new(&text);
        let line = if has_heading {
            text.lines().position(|l| l == "## Summary").unwrap() + 1
        } else {
            1
        };
        let args = local("Qwen/Qwen3-30B-A3B", "Qwen3 30B A3B", &[]);
        let output = run(&workspace, &strs(&args), None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!(
                "`:{line}: no `## Summary` table to add the new models' rows to"
            )),
            "{}",
            stderr(&output)
        );
        assert_eq!(headings(&workspace.text()), ["## Qwen3 30B A3B"]);
    }
}

/// The report lists the models a run onboards; with `--refresh-status` also every other
/// section it refreshed.
#[test]
fn the_report_lists_other_sections_only_with_refresh_status() {
    let workspace = Workspace::new(&empty_doc());
    let llama = model_args(
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Llama-3.1-8B",
        "Llama 3.1 8B",
    );
    assert_eq!(run(&workspace, &strs(&llama), None).status.code(), Some(0));
    let names = |workspace: &Workspace| -> Vec<String> {
        let report = workspace.report();
        report["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    let qwen = local("Qwen/Qwen3-30B-A3B", "Qwen3 30B A3B", &[]);
    assert_eq!(run(&workspace, &strs(&qwen), None).status.code(), Some(0));
    assert_eq!(names(&workspace), ["Qwen3 30B A3B"]);
    let mut both = strs(&qwen);
    both.push("--refresh-status");
    assert_eq!(run(&workspace, &both, None).status.code(), Some(0));
    assert_eq!(names(&workspace), ["Llama 3.1 8B", "Qwen3 30B A3B"]);
}
