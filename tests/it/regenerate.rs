//! Regenerating a generated section (`--model-name` for a model whose section carries the
//! marker with another fingerprint or other TP/EP sizes), asserted on the whole document:
//! `tests/fixtures/regenerate/NAME.before.mdx` becomes exactly `NAME.after.mdx`.
//!
//! The before docs are a trimmed copy of the bundled example doc (its summary and three of its
//! sections) with a Gemma 3 27B section the binary generated at TP=1, EP=1 placed first, in the
//! middle with a note people wrote after its separator, last before a bottom `## Summary`, last
//! in the doc with a stale fingerprint, and in a CRLF doc under a `* * *` separator. Besides the
//! expected file, each case checks on its own that only the section's body changed: what comes
//! before its heading and everything from its separator on keep their bytes.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::expect::{assert_file, diff};
use crate::support::{root, stderr, trace_dir};

const HEADING: &str = "## Gemma 3 27B";
/// Gemma 3 27B's fingerprint as the binary computes it from the fixture config.
const FINGERPRINT: &str = "9ba430d204335f82";

fn case_path(name: &str, which: &str) -> PathBuf {
    root()
        .join("tests/fixtures/regenerate")
        .join(format!("{name}.{which}.mdx"))
}

/// Onboards Gemma 3 27B with these TP / EP sizes into a copy of the case's before doc and
/// returns the run and the doc it left.
fn regenerate(name: &str, tp: &str, ep: &str) -> (Output, String, String) {
    let before = fs::read_to_string(case_path(name, "before")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("model_coverage.mdx");
    fs::write(&doc, &before).unwrap();
    let config = root().join("tests/fixtures/configs/google/gemma-3-27b-it/config.json");
    let output = Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--model-name", "gemma-3-27b-it"])
        .args(["--hf-repo-id", "google/gemma-3-27b-it"])
        .arg("--config-file")
        .arg(&config)
        .args(["--tp", tp, "--ep", ep, "--doc"])
        .arg(&doc)
        .arg("--trace-dir")
        .arg(trace_dir())
        .arg("--sglang-dir")
        .arg(root().join("examples/workspace/sglang"))
        .arg("--cookbook-dir")
        .arg(root().join("tests/fixtures/cookbook"))
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", dir.path().join("hf-home"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let after = fs::read_to_string(&doc).unwrap();
    (output, before, after)
}

/// The byte offset of the generated section's heading and of the line after its body (its
/// separator, or the next heading).
fn section_bounds(doc: &str) -> (usize, usize) {
    let start = doc
        .find(&format!("{HEADING}\n"))
        .or_else(|| doc.find(&format!("{HEADING}\r\n")))
        .expect("the doc has the generated section");
    let mut offset = start;
    for line in doc[start..].split_inclusive('\n') {
        let trimmed = line.trim();
        if offset > start && (trimmed == "---" || trimmed == "* * *" || trimmed.starts_with("## "))
        {
            return (start, offset);
        }
        offset += line.len();
    }
    (start, doc.len())
}

fn assert_regenerated(name: &str, tp: &str, ep: &str) {
    let (output, before, after) = regenerate(name, tp, ep);
    assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
    let marker = format!("fingerprint={FINGERPRINT} tp={tp} ep={ep} */}}");
    assert!(
        !before.contains(&marker),
        "{name}: the before doc is not stale"
    );
    assert!(
        after.contains(&marker),
        "{name}: the section was not regenerated:\n{after}"
    );
    let (start, end) = section_bounds(&before);
    let (new_start, new_end) = section_bounds(&after);
    let unchanged = [
        (
            "bytes before the section",
            &before[..start],
            &after[..new_start],
        ),
        (
            "the separator and what follows it",
            &before[end..],
            &after[new_end..],
        ),
    ];
    for (what, was, is) in unchanged {
        assert!(
            was == is,
            "{name}: {what} changed:\n{}",
            diff(was.as_bytes(), is.as_bytes())
        );
    }
    assert_eq!(
        after.matches("\n---").count(),
        before.matches("\n---").count(),
        "{name}: a `---` separator was lost or added"
    );
    assert_file(&case_path(name, "after"), after.as_bytes());
}

#[test]
fn first_section_followed_by_its_separator() {
    assert_regenerated("first", "2", "1");
}

#[test]
fn middle_section_keeps_the_note_people_wrote_after_its_separator() {
    assert_regenerated("middle-with-note", "2", "1");
}

#[test]
fn last_section_before_a_summary_at_the_bottom() {
    assert_regenerated("last-before-summary", "4", "1");
}

#[test]
fn last_section_of_the_doc_with_a_stale_fingerprint() {
    assert_regenerated("last-stale-fingerprint", "1", "1");
}

#[test]
fn crlf_doc_with_a_starred_separator() {
    assert_regenerated("crlf", "2", "1");
}
