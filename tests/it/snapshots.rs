//! CLI snapshots: `--help`, `--version` and each user-facing error of the binary, with stdout,
//! stderr and the exit code asserted exactly.
//!
//! Each case is a set of files in `tests/snapshots/`:
//! - `NAME.args`: the arguments, one a line (lines starting with `#` say what the case is
//!   about and are skipped). `{tmp}` is the case's own temp folder, which is also the working
//!   directory and holds `doc.mdx`; `{root}` is the checkout.
//! - `NAME.doc` (optional): the bytes of `{tmp}/doc.mdx`; without it, the acceptance checks'
//!   empty doc (`tests/fixtures/refresh/empty-doc.mdx`).
//! - `NAME.env` (optional): `KEY=VALUE` lines added to the environment (`{tmp}`, `{root}` too).
//! - `NAME.stdout`, `NAME.stderr`, `NAME.code`: what the run must print and exit with, the temp
//!   folder shown as `{tmp}` and the checkout as `{root}`.
//!
//! The binary runs with a cleared environment (offline: `HF_HUB_OFFLINE=1`, the Hub and the
//! GitHub API at a closed loopback port, `HF_HOME` and `HOME` in the temp folder), so no token
//! or CI variable of the machine leaks in. A run with `--check` or `--dry-run` must also leave
//! the doc as it was.
//!
//! After a deliberate change of the help text or of a message, rewrite the expected files with
//! `TRACK_MODELS_BLESS=1 cargo test --locked --test it snapshots` and review `git diff`. A new
//! case is a new `NAME.args` (and `NAME.doc`) plus that command.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::expect::check;
use crate::support::root;

/// A finished run, with the temp folder and the checkout replaced by placeholders.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary in `dir` with `args` (already expanded) and the test environment.
pub fn run_in(dir: &Path, args: &[String]) -> Run {
    run_with(dir, args, &[])
}

/// [`run_in`] with extra environment variables.
fn run_with(dir: &Path, args: &[String], env: &[(String, String)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("HF_HOME", dir.join("hf-home"))
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the binary runs");
    let shown = |bytes: &[u8]| filter(&String::from_utf8_lossy(bytes), dir);
    Run {
        code: output.status.code(),
        stdout: shown(&output.stdout),
        stderr: shown(&output.stderr),
    }
}

/// `{tmp}` for the temp folder (as given and canonical), `{root}` for the checkout, `{random}`
/// for the varying part of an atomic write's temp file (`.track-models-{pid}.XXXXXX`).
pub fn filter(text: &str, dir: &Path) -> String {
    let mut text = text.to_string();
    let mut paths = vec![(dir.to_path_buf(), "{tmp}")];
    if let Ok(canonical) = dir.canonicalize() {
        paths.push((canonical, "{tmp}"));
    }
    paths.push((root().to_path_buf(), "{root}"));
    for (path, placeholder) in paths {
        text = text.replace(path.to_str().expect("a UTF-8 path"), placeholder);
    }
    let prefix = ".track-models-";
    let mut shown = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        // `.track-models-{pid}.{random}`: the process id and the random suffix both vary.
        let word = |s: &str| {
            s.find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(s.len())
        };
        let mut random = word(after);
        if after[random..].starts_with('.') && word(&after[random + 1..]) > 0 {
            random += 1 + word(&after[random + 1..]);
        }
        shown.push_str(&rest[..at + prefix.len()]);
        if random > 0 {
            shown.push_str("{random}");
        }
        rest = &after[random..];
    }
    shown.push_str(rest);
    shown
}

/// `{tmp}` and `{root}` in an argument.
pub fn expand(arg: &str, dir: &Path) -> String {
    arg.replace("{tmp}", dir.to_str().unwrap())
        .replace("{root}", root().to_str().unwrap())
}

fn snapshots() -> PathBuf {
    root().join("tests/snapshots")
}

/// Runs one case; its failures (one per differing file), empty when it passes.
fn run_case(name: &str) -> Vec<String> {
    let folder = snapshots();
    let file = |extension: &str| folder.join(format!("{name}.{extension}"));
    let dir = tempfile::tempdir().unwrap();
    let doc_bytes = fs::read(file("doc"))
        .unwrap_or_else(|_| fs::read(root().join("tests/fixtures/refresh/empty-doc.mdx")).unwrap());
    let doc = dir.path().join("doc.mdx");
    fs::write(&doc, &doc_bytes).unwrap();
    let args: Vec<String> = fs::read_to_string(file("args"))
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| expand(line, dir.path()))
        .collect();
    let env: Vec<(String, String)> = fs::read_to_string(file("env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), expand(value, dir.path())))
        .collect();
    let run = run_with(dir.path(), &args, &env);
    let code = match run.code {
        Some(code) => format!("{code}\n"),
        None => "killed by a signal\n".to_string(),
    };
    let mut failures: Vec<String> = [
        ("stdout", run.stdout.as_str()),
        ("stderr", run.stderr.as_str()),
        ("code", code.as_str()),
    ]
    .into_iter()
    .filter_map(|(extension, actual)| check(&file(extension), actual.as_bytes()).err())
    .collect();
    let read_only = args.iter().any(|a| a == "--check" || a == "--dry-run");
    if read_only && fs::read(&doc).unwrap() != doc_bytes {
        failures.push(format!(
            "{name}: a run with --check or --dry-run changed the doc"
        ));
    }
    failures
}

#[test]
fn cli_output_matches_the_snapshots() {
    let mut names = BTreeSet::new();
    let mut files = BTreeSet::new();
    for entry in fs::read_dir(snapshots()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.extension().is_some_and(|e| e == "args") {
            names.insert(name.clone());
        }
        files.insert(name);
    }
    assert!(names.len() >= 20, "only {} cases found", names.len());
    let mut failures: Vec<String> = files
        .difference(&names)
        .map(|name| format!("`tests/snapshots/{name}.*` has no `{name}.args`: rename or remove it"))
        .collect();
    // One thread per case: each mostly waits for its process.
    let results: Vec<Vec<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = names
            .iter()
            .map(|name| scope.spawn(move || run_case(name)))
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    failures.extend(results.into_iter().flatten());
    assert!(
        failures.is_empty(),
        "{} snapshot failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
