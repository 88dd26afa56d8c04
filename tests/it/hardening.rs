//! Issue 13: every input ends in a clear answer. Docs the parser cannot read, checks that found
//! nothing to check, titles that collide with the summary, file semantics, echoed input.

use std::fs;

use crate::support::{stderr, stdout, trace_dir, track_models, workspace};

/// A small consistent 3-state doc: one model, one present and one missing definition.
pub const DOC: &str = "---
title: Model Coverage
---

# Model Kernel Coverage

- ✅ Definition JSON exists
- ❌ Definition is missing

## Summary

| Model | Architecture | Coverage |
|-------|-------------|:--------:|
| Alpha | GQA | 🟡 Partial |

---

## Alpha

| Definition | Op Type | Status |
|-----------|---------|:------:|
| `rmsnorm_h4096` | rmsnorm | ✅ |
| `zz_missing_h1` | rmsnorm | ❌ |

**Coverage**: 1 / 2 definitions present.
";

/// `--refresh-status --check` on `doc`: (exit code, stdout, stderr); the doc must be untouched.
fn check(doc: &str) -> (Option<i32>, String, String) {
    let (_dir, path) = workspace(doc);
    let trace = trace_dir();
    let output = track_models(&[
        "--refresh-status",
        "--check",
        "--doc",
        &path,
        "--trace-dir",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(fs::read_to_string(&path).unwrap(), doc, "--check wrote");
    (
        output.status.code(),
        stdout(&output),
        stderr(&output).replace(&path, "DOC"),
    )
}

#[test]
fn the_consistent_doc_passes_the_gate() {
    let (code, out, err) = check(DOC);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "");
    assert_eq!(err, "`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n");
}

#[test]
fn an_unclosed_code_fence_is_an_error_at_its_line() {
    let doc = DOC.replace(
        "# Model Kernel Coverage\n",
        "# Model Kernel Coverage\n\n```sh\n",
    );
    let (code, out, err) = check(&doc);
    assert_eq!(code, Some(2));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: `DOC`:7: the code fence ``` opened here is never closed: nothing after it could be read\n"
    );
}

#[test]
fn an_unclosed_mdx_comment_is_an_error_and_a_closed_one_is_skipped() {
    let doc = DOC.replace("## Summary\n", "{/* old notes\n\n## Summary\n");
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `DOC`:10: the MDX comment `{/*` opened here is never closed (no `*/}`): nothing after it could be read\n"
    );
    // A closed multi-line comment hides what is inside it: a commented-out row is not refreshed.
    let doc = DOC.replace(
        "**Coverage**",
        "{/*\n| `zz_other_h1` | rmsnorm | ✅ |\n*/}\n\n**Coverage**",
    );
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn cr_only_line_ends_are_an_error() {
    let doc = DOC.replace('\n', "\r");
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `DOC`:1: a carriage return without a line feed (CR-only line ends): the doc must use LF or CRLF line ends\n"
    );
    // CRLF stays fine.
    let (code, _, err) = check(&DOC.replace('\n', "\r\n"));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn an_empty_doc_or_one_without_status_tables_does_not_pass() {
    for doc in [
        "",
        "# Notes\n\nNothing here.\n",
        DOC.split("## Alpha").next().unwrap(),
    ] {
        let (code, _, err) = check(doc);
        assert_eq!(code, Some(2), "{doc:?}");
        assert_eq!(
            err,
            "error: `DOC`: no status table with a concrete definition row (a table whose header's first cell contains `Definition` and that has a `Status` column, with rows whose first cell is one backticked name): nothing to check, the doc was left untouched\n"
        );
    }
}

#[test]
fn an_unterminated_front_matter_does_not_swallow_the_summary() {
    // The closing `---` is missing; the section separator further down would close it.
    let doc = DOC.replacen("title: Model Coverage\n---\n", "title: Model Coverage\n", 1);
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `DOC`:1: front matter opened here is never closed: line 11 (`| Model | Architecture | Coverage |`) is Markdown, not YAML; add the closing `---` line before it\n"
    );
}

#[test]
fn a_mangled_or_missing_summary_heading_is_a_warning_naming_its_line() {
    let doc = DOC.replace("## Summary", "##Summary");
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "warning: `DOC`:10: `##Summary` is not read as the summary heading (it must be `## Summary`): no summary label is refreshed\n`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n"
    );
    let doc = DOC.replace("## Summary", "Summary");
    let (_, _, err) = check(&doc);
    assert_eq!(
        err,
        "warning: `DOC`:18: the doc has model sections but no `## Summary` heading: no summary label is refreshed\n`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n"
    );
    let doc = DOC.replace("| Model | Architecture | Coverage |\n|-------|-------------|:--------:|\n| Alpha | GQA | 🟡 Partial |\n", "");
    let (_, _, err) = check(&doc);
    assert_eq!(
        err,
        "warning: `DOC`:10: `## Summary` has no table under it: no summary label is refreshed\n`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n"
    );
}

// ------------------------------------------------------------------ status cells (item 6)

#[test]
fn a_status_cell_whose_symbol_is_not_first_is_warned_about_and_left_alone() {
    for cell in ["(tbd) ❌", "`❌`", "**❌**", "\u{200b}❌"] {
        let doc = DOC.replace(
            "| `zz_missing_h1` | rmsnorm | ❌ |",
            &format!("| `zz_missing_h1` | rmsnorm | {cell} |"),
        );
        let (code, out, err) = check(&doc);
        assert_eq!(code, Some(0), "{cell}: {err}");
        assert_eq!(out, "", "{cell}: the cell is left alone");
        let expected = if cell.starts_with('\u{200b}') {
            format!("warning: `DOC`:23: unknown status symbol at the start of `{cell}` for `zz_missing_h1`; left alone\n`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n")
        } else {
            format!("warning: `DOC`:23: the status symbol in `{cell}` for `zz_missing_h1` is not the cell's first character; left alone\n`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n")
        };
        assert_eq!(err, expected);
    }
    // A cell with no symbol at all still gets one in front.
    let doc = DOC.replace(
        "| `zz_missing_h1` | rmsnorm | ❌ |",
        "| `zz_missing_h1` | rmsnorm | pending |",
    );
    let (code, out, _) = check(&doc);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("\n+| `zz_missing_h1` | rmsnorm | ❌ pending |\n"),
        "{out}"
    );
}

// ------------------------------------------------------------------ titles (item 8)

fn onboard(doc: &str, display_name: &str) -> (tempfile::TempDir, String, std::process::Output) {
    let (dir, path) = workspace(doc);
    let output = onboard_at(&path, display_name);
    (dir, path, output)
}

/// Onboards `org/summary` (Llama 3.1 8B's config) into the doc at `path`.
fn onboard_at(path: &str, display_name: &str) -> std::process::Output {
    let config =
        crate::support::root().join("tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json");
    let trace = trace_dir();
    let quiet = crate::support::quiet_serving_args();
    let mut args = vec![
        "--model-name",
        "x",
        "--hf-repo-id",
        "org/summary",
        "--display-name",
        display_name,
        "--config-file",
        config.to_str().unwrap(),
        "--doc",
        path,
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    args.extend(quiet.iter().map(String::as_str));
    track_models(&args)
}

#[test]
fn a_model_titled_like_the_summary_is_a_per_model_error_not_a_panic() {
    for title in ["Summary", " summary ", "SUMMARY ##"] {
        let (_dir, path, output) = onboard(DOC, title);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{title}: {}",
            stderr(&output)
        );
        assert_eq!(
            stderr(&output).replace(&path, "DOC"),
            format!("error: `org/summary`: a section titled `{}` would be read as the `## Summary` heading; pass another `--display-name`\n`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing, 1 model failed)\n", title.trim())
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), DOC);
    }
    // Renaming an existing generated section to `Summary` is refused the same way.
    let (_dir, path, output) = onboard(DOC, "Beta");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let with_beta = fs::read_to_string(&path).unwrap();
    assert!(with_beta.contains("\n## Beta\n"));
    let output = onboard_at(&path, "Summary");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("error: `org/summary`: a section titled `Summary` would be read as the `## Summary` heading"));
    assert_eq!(fs::read_to_string(&path).unwrap(), with_beta);
}

#[test]
fn an_already_tracked_warning_names_the_heading_line() {
    let (_dir, path, output) = onboard(DOC, "Alpha");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).replace(&path, "DOC"),
        "warning: `DOC`:18: `org/summary` is already tracked as `## Alpha`, a section written by people: only its statuses are refreshed\n`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing)\n"
    );
}

#[test]
fn hints_print_after_the_whole_error_chain() {
    let trace = trace_dir();
    let output = track_models(&[
        "--refresh-status",
        "--doc",
        "/nonexistent/doc.mdx",
        "--trace-dir",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: reading the coverage doc `/nonexistent/doc.mdx`: No such file or directory (os error 2)\nhint: pass `--doc PATH` (default `docs/model_coverage.mdx`)\n"
    );
}

// ------------------------------------------------------------------ echoed input (item 7)

#[test]
fn a_newline_in_a_model_name_cannot_start_a_workflow_command() {
    let (_dir, path) = workspace(DOC);
    let trace = trace_dir();
    let output = track_models(&[
        "--model-name",
        "evil\n::error::pwned",
        "--doc",
        &path,
        "--trace-dir",
        trace.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    for line in err.lines().chain(stdout(&output).lines()) {
        assert!(
            !line.trim_start().starts_with("::"),
            "a workflow command: {line:?}\n{err}"
        );
    }
    assert!(err.contains("evil\\n::error::pwned"), "{err}");
}

// ------------------------------------------------------------------ file semantics (item 5)

fn refresh_in_place(path: &str, extra: &[&str]) -> std::process::Output {
    let trace = trace_dir();
    let mut args = vec![
        "--refresh-status",
        "--doc",
        path,
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    track_models(&args)
}

/// The doc with its missing row marked ✅: a refresh changes it back.
fn stale() -> String {
    DOC.replace(
        "| `zz_missing_h1` | rmsnorm | ❌ |",
        "| `zz_missing_h1` | rmsnorm | ✅ |",
    )
}

#[test]
fn a_symlinked_doc_is_written_through_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    fs::write(real.join("coverage.mdx"), stale()).unwrap();
    let link = dir.path().join("model_coverage.mdx");
    std::os::unix::fs::symlink("real/coverage.mdx", &link).unwrap();
    let output = refresh_in_place(link.to_str().unwrap(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(real.join("coverage.mdx")).unwrap(), DOC);
    let names: Vec<_> = fs::read_dir(&real)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["coverage.mdx"], "no temporary file left");
}

#[test]
fn a_report_path_that_is_the_doc_is_refused() {
    let (dir, path) = workspace(&stale());
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    for (flag, target) in [
        ("--report-json", path.clone()),
        ("--report-md", link.to_str().unwrap().to_string()),
    ] {
        let output = refresh_in_place(&path, &[flag, &target]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            stderr(&output),
            format!("error: `{flag} {target}` is the coverage doc `{path}`: the report would overwrite it\nhint: pass another path\n")
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), stale());
    }
    let report = dir.path().join("r.out");
    let report = report.to_str().unwrap();
    let output = refresh_in_place(&path, &["--report-json", report, "--report-md", report]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: `--report-json` and `--report-md` are the same file `{report}`\nhint: pass two paths\n")
    );
}

#[test]
fn temporary_files_of_dead_runs_are_removed_and_live_ones_kept() {
    let (dir, path) = workspace(&stale());
    // A pid that cannot be running (above the kernel's pid_max), and this test's own pid.
    let dead = dir.path().join(".track-models-4194305.AbCdEf");
    let live = dir
        .path()
        .join(format!(".track-models-{}.XyZ123", std::process::id()));
    let foreign = dir.path().join(".track-models-notes");
    for file in [&dead, &live, &foreign] {
        fs::write(file, "partial").unwrap();
    }
    let output = refresh_in_place(&path, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!dead.exists(), "a dead run's temporary file is removed");
    assert!(live.exists() && foreign.exists(), "others are kept");
    assert_eq!(fs::read_to_string(&path).unwrap(), DOC);
}

#[test]
fn a_second_run_on_a_locked_doc_waits_then_fails_clearly() {
    let (dir, path) = workspace(&stale());
    // Another run's lock: `flock` on the doc's folder, as a run takes it.
    let lock = fs::File::open(dir.path()).unwrap();
    // SAFETY: the descriptor stays open (in `lock`) for the call.
    let locked = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) };
    assert_eq!(locked, 0);
    let started = std::time::Instant::now();
    let output = refresh_in_place(&path, &[]);
    let waited = started.elapsed();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: another track-models run is working on `{path}` (it holds the lock on `{}`; waited 3 s); the doc was left untouched\nhint: run again when it has finished\n",
            dir.path().display()
        )
    );
    assert!(waited >= std::time::Duration::from_secs(3), "{waited:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), stale());
    // A run that starts while another holds the lock goes ahead once it is released.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args([
            "--refresh-status",
            "--doc",
            &path,
            "--trace-dir",
            trace_dir().to_str().unwrap(),
        ])
        .env_remove("GITHUB_ACTIONS")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(lock);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&path).unwrap(), DOC);
}

#[test]
fn concurrent_runs_on_one_doc_lose_no_section() {
    // Two onboarding runs adding different models at once: both sections must end up in the doc.
    let (_dir, path) = workspace(DOC);
    let config =
        crate::support::root().join("tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json");
    let home = tempfile::tempdir().unwrap();
    let quiet = crate::support::quiet_serving_args();
    let spawn = |repo: &str, title: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
            .args([
                "--model-name",
                title,
                "--hf-repo-id",
                repo,
                "--display-name",
                title,
            ])
            .args(["--config-file", config.to_str().unwrap(), "--doc", &path])
            .args(["--trace-dir", trace_dir().to_str().unwrap()])
            .args(&quiet)
            .env_remove("GITHUB_ACTIONS")
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_HOME", home.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let first = spawn("org/one", "Model One");
    let second = spawn("org/two", "Model Two");
    for mut child in [first, second] {
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\n## Model One\n") && text.contains("\n## Model Two\n"),
        "{text}"
    );
}

#[test]
fn fifos_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    let output = refresh_in_place(fifo, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("error: reading the coverage doc `{fifo}`: not a regular file (it is a FIFO)\nhint: pass `--doc PATH` (default `docs/model_coverage.mdx`)\n")
    );
    let (_docdir, path) = workspace(DOC);
    let output = track_models(&[
        "--model-name",
        "m",
        "--hf-repo-id",
        "org/m",
        "--config-file",
        fifo,
        "--doc",
        &path,
        "--trace-dir",
        trace_dir().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "error: reading the config file `{fifo}` for `m`: not a regular file (it is a FIFO)"
        )),
        "{}",
        stderr(&output)
    );
}

// ------------------------------------------------------------------ warnings reach stderr (item 8)

#[test]
fn warnings_from_every_layer_reach_stderr() {
    // An unreadable `HF_TOKEN_PATH` is a `tracing` warning deep in the Hub client.
    let (dir, path) = workspace(DOC);
    let config =
        crate::support::root().join("tests/fixtures/configs/meta-llama/Llama-3.1-8B/config.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--model-name", "Alpha", "--hf-repo-id", "org/alpha"])
        .args([
            "--config-file",
            config.to_str().unwrap(),
            "--doc",
            &path,
            "--dry-run",
        ])
        .args(["--trace-dir", trace_dir().to_str().unwrap()])
        .env_remove("GITHUB_ACTIONS")
        .env_remove("HF_TOKEN")
        .env("HF_TOKEN_PATH", dir.path())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.starts_with(&format!(
            "warning: cannot read the HF token file `{}`: not a regular file (it is a directory)\n",
            dir.path().display()
        )),
        "{err}"
    );
}

#[test]
fn under_actions_the_diff_cannot_run_workflow_commands() {
    // A doc line that is a workflow command, in the diff's context.
    let doc = stale().replace("**Coverage**", "::error::injected\n\n**Coverage**");
    let (dir, path) = workspace(&doc);
    let summary = dir.path().join("summary.md");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--refresh-status", "--check", "--doc", &path])
        .args(["--trace-dir", trace_dir().to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    let token = lines[0].strip_prefix("::stop-commands::").expect("fenced");
    assert!(
        token.starts_with("track-models-") && token.len() == 13 + 32,
        "{token}"
    );
    assert_eq!(*lines.last().unwrap(), format!("::{token}::"));
    assert!(out.contains("\n ::error::injected\n"), "{out}");
    // Outside the fence, nothing but the fence itself looks like a command.
    let commands: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("::"))
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    // Without Actions, the plain diff.
    let (_dir, path) = workspace(&doc);
    let output = refresh_in_place(&path, &["--check"]);
    assert!(stdout(&output).starts_with(&format!("--- a/{path}\n")));
}
