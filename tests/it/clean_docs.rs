//! A clean doc gives zero warnings: the bundled example doc (refreshed first: it is a stale
//! sample on purpose) and the refreshed real docs of `tests/fixtures/refresh/` pass
//! `--refresh-status --check` against the bundled dataset with exit 0 and no `warning` line.
//! What the runs print is pinned in `tests/snapshots/clean-docs/NAME.txt` (blessed with
//! `TRACK_MODELS_BLESS=1`, see `expect.rs`); the absence of warnings is asserted on its own.

use std::fs;

use crate::expect::check;
use crate::snapshots::run_in;
use crate::support::root;

/// `(name, doc, refreshed first)`.
const DOCS: [(&str, &str, bool); 4] = [
    (
        "example",
        "examples/workspace/docs/model_coverage.mdx",
        true,
    ),
    (
        "expected-3state",
        "tests/fixtures/refresh/expected-3state.mdx",
        false,
    ),
    (
        "expected-4state",
        "tests/fixtures/refresh/expected-4state.mdx",
        false,
    ),
    (
        "sample-3state",
        "tests/fixtures/refresh/sample-3state.mdx",
        true,
    ),
];

#[test]
fn clean_docs_check_with_zero_warnings() {
    let trace = root().join("examples/workspace/flashinfer-trace");
    let trace = trace.to_str().unwrap();
    let mut failures = Vec::new();
    for (name, source, refresh_first) in DOCS {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(root().join(source), dir.path().join("doc.mdx")).unwrap();
        let mut runs: Vec<Vec<&str>> = Vec::new();
        if refresh_first {
            runs.push(vec!["--refresh-status"]);
        }
        runs.push(vec!["--refresh-status", "--check"]);
        let mut transcript = String::new();
        let mut last = None;
        for flags in runs {
            let mut args: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
            args.extend(["--doc", "doc.mdx", "--trace-dir", trace].map(String::from));
            let run = run_in(dir.path(), &args);
            transcript.push_str(&format!(
                "$ track-models {}\nexit: {:?}\nstdout:\n{}stderr:\n{}\n",
                crate::snapshots::filter(&args.join(" "), dir.path()),
                run.code,
                run.stdout,
                run.stderr
            ));
            if let Some(line) = run
                .stderr
                .lines()
                .find(|l| l.to_lowercase().contains("warning"))
            {
                failures.push(format!("{name}: `{line}`"));
            }
            last = run.code;
        }
        if last != Some(0) {
            failures.push(format!("{name}: --check exits {last:?}, not 0"));
        }
        let file = root().join(format!("tests/snapshots/clean-docs/{name}.txt"));
        if let Err(failure) = check(&file, transcript.as_bytes()) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
