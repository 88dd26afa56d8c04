//! Issue 13: every input ends in a clear answer. Docs the parser cannot read, checks that found
//! nothing to check, titles that collide with the summary, file semantics, echoed input.

use std::fs;

use crate::support::{stderr, stdout, trace_dir, track_models};

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

pub fn workspace(doc: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_coverage.mdx");
    fs::write(&path, doc).unwrap();
    (dir, path.to_str().unwrap().to_string())
}

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
    assert_eq!(err, "`DOC` is up to date\n");
}

#[test]
fn an_unclosed_code_fence_is_an_error_at_its_line() {
    let doc = DOC.replace("# Model Kernel Coverage\n", "# Model Kernel Coverage\n\n```sh\n");
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
    for doc in ["", "# Notes\n\nNothing here.\n", DOC.split("## Alpha").next().unwrap()] {
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
        "error: `DOC`:1: front matter opened here is never closed: line 9 (`## Summary`) is Markdown, not YAML; add the closing `---` line before it\n"
    );
}

#[test]
fn a_mangled_or_missing_summary_heading_is_a_warning_naming_its_line() {
    let doc = DOC.replace("## Summary", "##Summary");
    let (code, _, err) = check(&doc);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "warning: `DOC`:10: `##Summary` is not read as the summary heading (it must be `## Summary`): no summary label is refreshed\n`DOC` is up to date\n"
    );
    let doc = DOC.replace("## Summary", "Summary");
    let (_, _, err) = check(&doc);
    assert_eq!(
        err,
        "warning: `DOC`:18: the doc has model sections but no `## Summary` heading: no summary label is refreshed\n`DOC` is up to date\n"
    );
    let doc = DOC.replace("| Model | Architecture | Coverage |\n|-------|-------------|:--------:|\n| Alpha | GQA | 🟡 Partial |\n", "");
    let (_, _, err) = check(&doc);
    assert_eq!(
        err,
        "warning: `DOC`:10: `## Summary` has no table under it: no summary label is refreshed\n`DOC` is up to date\n"
    );
}
