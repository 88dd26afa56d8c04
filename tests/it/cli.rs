//! The binary's contract: modes, exit codes, reports, and what it never does to the doc.

use std::fs;

use std::process::Output;

use crate::support::{
    fixture, quiet_serving_args, stderr, stdout, trace_dir, track_models, track_models_env,
    workspace,
};

fn refresh_args<'a>(doc: &'a str, trace: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--refresh-status", "--doc", doc, "--trace-dir", trace];
    args.extend_from_slice(extra);
    args
}

#[test]
fn write_mode_updates_the_doc_then_does_nothing() {
    let (_dir, doc) = workspace(&fixture("refresh/sample-3state.mdx"));
    let trace = trace_dir();
    let trace = trace.to_str().unwrap();
    let output = track_models(&refresh_args(&doc, trace, &[]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        fs::read_to_string(&doc).unwrap(),
        fixture("refresh/expected-3state.mdx")
    );
    assert_eq!(
        last_line(&output),
        format!("updated `{doc}` (15 sections changed, 0 models added, 81 definitions missing)")
    );
    let before = fs::metadata(&doc).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let output = track_models(&refresh_args(&doc, trace, &[]));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        last_line(&output),
        format!(
            "`{doc}` is up to date (0 sections changed, 0 models added, 81 definitions missing)"
        )
    );
    assert_eq!(
        fs::metadata(&doc).unwrap().modified().unwrap(),
        before,
        "a no-op run must not write"
    );
    let leftovers: Vec<_> = fs::read_dir(_dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
}

#[test]
fn check_exits_1_with_a_diff_and_writes_nothing() {
    let sample = fixture("refresh/sample-4state.mdx");
    let (_dir, doc) = workspace(&sample);
    let trace = trace_dir();
    let output = track_models(&refresh_args(&doc, trace.to_str().unwrap(), &["--check"]));
    assert_eq!(output.status.code(), Some(1));
    let diff = stdout(&output);
    assert!(
        diff.starts_with(&format!("--- a/{doc}\n+++ b/{doc}\n@@ ")),
        "{diff}"
    );
    assert!(
        diff.contains("\n-| Llama 3.1 8B | GQA + Dense | ✅ Fully covered |\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+| Llama 3.1 8B | GQA + Dense | 🟡 Partial |\n"),
        "{diff}"
    );
    assert!(
        stderr(&output).ends_with(&format!("\n`{doc}` is out of date (23 sections would change, 0 models would be added, 81 definitions missing)\nhint: run `track-models --refresh-status --doc {doc}` without `--check` to update it\n")),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read_to_string(&doc).unwrap(), sample);
}

#[test]
fn dry_run_prints_the_diff_and_exits_0() {
    let sample = fixture("refresh/sample-4state.mdx");
    let (dir, doc) = workspace(&sample);
    let json = dir.path().join("report.json");
    let md = dir.path().join("report.md");
    let trace = trace_dir();
    let output = track_models(&refresh_args(
        &doc,
        trace.to_str().unwrap(),
        &[
            "--dry-run",
            "--report-json",
            json.to_str().unwrap(),
            "--report-md",
            md.to_str().unwrap(),
        ],
    ));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        last_line(&output),
        format!("dry run: `{doc}` would be updated (23 sections would change, 0 models would be added, 81 definitions missing)")
    );
    assert!(stdout(&output)
        .contains("+| `mla_ragged_prefill_causal_h16_qk192_vo128` | mla_ragged | 🟡 |"));
    assert_eq!(fs::read_to_string(&doc).unwrap(), sample);
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let llama = &report["models"][2];
    assert_eq!(llama["name"], "Llama 3.1 8B");
    assert_eq!(llama["hf_repo_id"], serde_json::Value::Null);
    assert_eq!(llama["action"], "refreshed");
    assert_eq!(llama["summary_before"], "✅ Fully covered");
    assert_eq!(llama["summary_after"], "🟡 Partial");
    assert_eq!(
        llama["definitions"][0],
        serde_json::json!({"name": "rmsnorm_h4096", "op_type": "rmsnorm", "tp": null, "ep": null, "status": "ready"})
    );
    assert_eq!(
        report["missing_definitions"][0],
        serde_json::json!({"name": "gemm_n106496_k16384", "op_type": "gemm", "models": ["Llama 3.1 405B"]})
    );
    let markdown = fs::read_to_string(&md).unwrap();
    assert!(
        markdown.contains("| Llama 3.1 8B | ✅ Fully covered | 🟡 Partial |\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| Models before | 2 | 16 | 6 |\n| Models after | 0 | 23 | 1 |\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("#### `gemm` (20)\n\n- `gemm_n106496_k16384` — Llama 3.1 405B\n"),
        "{markdown}"
    );
}

#[test]
fn errors_exit_2_and_leave_the_doc_untouched() {
    let trace = trace_dir();
    let trace = trace.to_str().unwrap();
    let output = track_models(&refresh_args("/nonexistent/doc.mdx", trace, &[]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: reading the coverage doc `/nonexistent/doc.mdx`"),
        "{}",
        stderr(&output)
    );

    let (_dir, doc) = workspace("## M\n\n| Definition | Status |\n|---|---|\n| `a` | ✅ |\n");
    let output = track_models(&refresh_args(&doc, "/nonexistent/trace", &[]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("trace dir `/nonexistent/trace` does not exist"),
        "{}",
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.mdx");
    let bytes = b"## M\n\n| Definition | Status |\n|---|---|\n| `gemm_n1_k1` | \xff |\n".to_vec();
    fs::write(&path, &bytes).unwrap();
    let output = track_models(&refresh_args(path.to_str().unwrap(), trace, &[]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(":5: not valid UTF-8"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(&path).unwrap(), bytes);

    let ragged =
        "## M\n\n| Definition | Op Type | Status |\n|---|---|---|\n| `gemm_n128_k2048` | ❌ |\n";
    let (_dir, doc) = workspace(ragged);
    let output = track_models(&refresh_args(&doc, trace, &[]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "error: `{doc}`:5: the status table row for `gemm_n128_k2048` has 2 cells"
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read_to_string(&doc).unwrap(), ragged);
}

#[test]
fn usage_errors_exit_2() {
    let output = track_models(&[
        "--refresh-status",
        "--check",
        "--dry-run",
        "--trace-dir",
        "x",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );
    let output = track_models(&["--doc", "x.mdx"]);
    assert_eq!(output.status.code(), Some(2));
    let help = stdout(&track_models(&["--help"]));
    assert!(help.contains("Exit codes:\n  0  success"), "{help}");
}

/// Without `--trace-dir` the dataset is listed from the Hub (here a loopback fake), and a
/// second run is served from the listing cache keyed by the dataset's sha.
#[tokio::test(flavor = "multi_thread")]
async fn without_trace_dir_the_dataset_is_listed_from_the_hub() {
    use crate::support::{hub_dataset_sha, hub_tree, tree_entries};
    use wiremock::MockServer;

    let server = MockServer::start().await;
    let dataset = "flashinfer-ai/flashinfer-trace";
    hub_dataset_sha(dataset, "abc123")
        .expect(2)
        .mount(&server)
        .await;
    let definitions = [
        "definitions/gemm/gemm_n1_k1.json",
        "definitions/rmsnorm/rmsnorm_h1.json",
    ];
    hub_tree(dataset, "abc123", "definitions", tree_entries(&definitions))
        .expect(1)
        .mount(&server)
        .await;
    let workloads = ["workloads/gemm/gemm_n1_k1.jsonl"];
    hub_tree(dataset, "abc123", "workloads", tree_entries(&workloads))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let doc = "- 🟡 legend\n\n## M\n\n| Definition | Status |\n|---|---|\n| `gemm_n1_k1` | ❌ |\n| `rmsnorm_h1` | ❌ |\n| `rope_x` | ✅ |\n\n**Coverage**: 0 / 3\n";
    let (_dir, path) = workspace(doc);
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
            .args(["--refresh-status", "--doc", &path])
            .env("HF_ENDPOINT", server.uri())
            .env("HF_HOME", home.path())
            .env_remove("HF_TOKEN")
            .env_remove("HF_HUB_OFFLINE")
            .env_remove("HF_HUB_CACHE")
            .env("TRACK_MODELS_PROGRESS_AFTER_MS", "0")
            .output()
            .unwrap()
    };
    // What a run says: the listing's requests, the lint, the doc's one warning, then `last`.
    let said = |requests: u32, last: &str| {
        format!(
            "progress: listing the dataset `flashinfer-ai/flashinfer-trace`\n\
             progress: listing the dataset `flashinfer-ai/flashinfer-trace`: done, {requests} Hub request(s)\n\
             progress: linting the doc\n\
             progress: linting the doc: done\n\
             warning: `{path}`:3: the doc has model sections but no `## Summary` heading: no summary label is refreshed\n\
             {last}\n"
        )
    };
    let output = run();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        said(
            3,
            &format!("updated `{path}` (1 section changed, 0 models added, 1 definition missing)")
        )
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "- 🟡 legend\n\n## M\n\n| Definition | Status |\n|---|---|\n| `gemm_n1_k1` | ✅ |\n| `rmsnorm_h1` | 🟡 |\n| `rope_x` | ❌ |\n\n**Coverage**: 2 / 3\n"
    );
    let output = run();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The second run: one request (the dataset's sha), the listing from the cache.
    assert_eq!(
        stderr(&output),
        said(
            1,
            &format!(
                "`{path}` is up to date (0 sections changed, 0 models added, 1 definition missing)"
            )
        )
    );
}

/// The doc is replaced by rename: its permissions survive and no temporary file is left.
#[cfg(unix)]
#[test]
fn writes_keep_the_docs_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, doc) = workspace(&fixture("refresh/sample-3state.mdx"));
    fs::set_permissions(&doc, fs::Permissions::from_mode(0o640)).unwrap();
    let trace = trace_dir();
    let output = track_models(&refresh_args(&doc, trace.to_str().unwrap(), &[]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        fs::metadata(&doc).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["model_coverage.mdx"]);
}

/// A doc the user may not write is refused before any work, as an editor warns, and left as it
/// was (content and mode); `--check` still reads it. `root` may write any file, so when the
/// tests run as root the binary runs as `nobody` (uid 65534) for the refused write.
#[cfg(unix)]
#[test]
fn a_read_only_doc_is_refused_not_replaced() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let sample = fixture("refresh/sample-4state.mdx");
    let (dir, doc) = workspace(&sample);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&doc, fs::Permissions::from_mode(0o444)).unwrap();
    // The binary and the dataset where `nobody` may read them, wherever the checkout is.
    let unprivileged = crate::support::Unprivileged::new();
    let trace = unprivileged.trace_dir.to_str().unwrap();
    let mut command = std::process::Command::new(&unprivileged.bin);
    command
        .args(refresh_args(&doc, trace, &[]))
        .env("HF_HUB_OFFLINE", "1")
        .env_remove("GITHUB_ACTIONS");
    if fs::metadata(&doc).unwrap().uid() == 0 {
        command.uid(65534).gid(65534);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: `{doc}` is read-only: the doc was left untouched\nhint: make it writable (`chmod u+w {doc}`), or see the change with `--dry-run`\n")
    );
    assert_eq!(fs::read_to_string(&doc).unwrap(), sample);
    assert_eq!(
        fs::metadata(&doc).unwrap().permissions().mode() & 0o777,
        0o444
    );
    let output = track_models(&refresh_args(&doc, trace, &["--check"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

/// `--publish` without its environment fails before the doc, the dataset or any source is
/// read: here neither the doc nor the trace dir exists, and the error is about the
/// environment.
#[test]
fn publish_checks_its_environment_before_any_work() {
    let args = [
        "--refresh-status",
        "--publish",
        "--doc",
        "/nonexistent/doc.mdx",
        "--trace-dir",
        "/nonexistent/trace",
    ];
    // What a refused run says (it exits 2).
    let refused = |args: &[&str], env: &[(&str, &str)]| {
        let output = track_models_env(args, env);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        stderr(&output)
    };
    // Blank counts as unset (and keeps a CI runner's own `GITHUB_REPOSITORY` out).
    assert_eq!(
        refused(&args, &[("GITHUB_REPOSITORY", " ")]),
        "error: `--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions sets it; elsewhere export it\n"
    );
    assert_eq!(
        refused(&args, &[("GITHUB_REPOSITORY", "owner/repo")]),
        "error: `GITHUB_TOKEN` is not set\nhint: `--publish` needs a token that can write contents and pull requests\n"
    );
    assert_eq!(
        refused(&args, &[("GITHUB_REPOSITORY", "owner"), ("GITHUB_TOKEN", "t")]),
        "error: `GITHUB_REPOSITORY` is `owner`, not `owner/name`\nhint: GitHub Actions sets it; elsewhere export it as `owner/name`\n"
    );
    // The publishing request's own checks (branch names, the doc's path) come first too.
    let same_branch = [
        "--refresh-status",
        "--publish",
        "--doc",
        "nonexistent/doc.mdx",
        "--trace-dir",
        "/nonexistent/trace",
        "--branch",
        "main",
        "--base",
        "main",
    ];
    assert_eq!(
        refused(
            &same_branch,
            &[("GITHUB_REPOSITORY", "owner/repo"), ("GITHUB_TOKEN", "t")]
        ),
        "error: the branch `main` is also the base\nhint: pass another `--branch`\n"
    );
}

/// `--discover` that adds nothing says so, with how many candidates it weighed, and exits 0;
/// each phase shows its progress when asked to from the start.
#[test]
fn a_discovery_that_adds_nothing_says_so() {
    let (_dir, doc) = workspace(&fixture("refresh/empty-doc.mdx"));
    let trace = trace_dir();
    let serving = quiet_serving_args();
    let mut args = vec![
        "--discover",
        "--today",
        "2026-11-20",
        "--dry-run",
        "--doc",
        &doc,
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    args.extend(serving.iter().map(String::as_str));
    let output = track_models_env(&args, &[("TRACK_MODELS_PROGRESS_AFTER_MS", "0")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "progress: reading SGLang's and the cookbooks' serving data",
            "progress: reading SGLang's and the cookbooks' serving data: done",
            "progress: discovering models",
            "progress: discovering models: done",
        ]
    );
    assert_eq!(
        lines[lines.len() - 4..],
        [
            "progress: linting the doc",
            "progress: linting the doc: done",
            "discovery found nothing new to add among 27 candidates considered (`--report-json` gives each one's reason)",
            &format!("`{doc}` is up to date (0 sections would change, 0 models would be added, 0 definitions missing, 27 candidates considered)"),
        ]
    );
    assert_eq!(stdout(&output), "");
}

/// `--verbose` shows why each definition of an added model got its name, and the requests
/// sent; without it, neither.
#[test]
fn verbose_shows_the_why_and_the_requests() {
    let (_dir, doc) = workspace(&fixture("refresh/empty-doc.mdx"));
    let trace = trace_dir();
    let config =
        crate::support::root().join("tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json");
    let serving = quiet_serving_args();
    let mut args = vec![
        "--model-name",
        "llama",
        "--hf-repo-id",
        "meta-llama/Llama-3.1-8B",
        "--config-file",
        config.to_str().unwrap(),
        "--tp",
        "1",
        "--dry-run",
        "--doc",
        &doc,
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    args.extend(serving.iter().map(String::as_str));
    let quiet = stderr(&track_models(&args));
    assert!(!quiet.contains("info: "), "{quiet}");
    args.push("--verbose");
    let output = track_models(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("info: `Llama 3.1 8B`: `rmsnorm_h4096`: hidden_size 4096: input / post-attention / final RMSNorm\n"),
        "{err}"
    );
    assert!(
        err.ends_with(&format!("info: requests: 0 to the Hugging Face Hub, 0 to GitHub for serving data\ndry run: `{doc}` would be updated (0 sections would change, 1 model would be added, 1 definition missing)\n")),
        "{err}"
    );
}

/// The last line of stderr: the summary line.
fn last_line(output: &Output) -> String {
    stderr(output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}
