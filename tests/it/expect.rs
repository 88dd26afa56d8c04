//! Expected-output files: a test compares what it got with a checked-in file and, on a
//! mismatch, shows a unified diff (`-` expected, `+` actual; a carriage return shows as `␍`).
//!
//! `TRACK_MODELS_BLESS=1 cargo test --locked --test it` rewrites every expected file that
//! differs (and creates missing ones) instead of failing; review the result with `git diff`.
//! It covers the CLI snapshots (`tests/snapshots/`), the regenerated docs
//! (`tests/fixtures/regenerate/*.after.mdx`) and the name lists (`tests/fixtures/names/`).

use std::fs;
use std::path::Path;

use similar::TextDiff;

use crate::support::root;

/// The environment variable that turns comparisons into rewrites.
pub const BLESS: &str = "TRACK_MODELS_BLESS";

pub fn blessing() -> bool {
    std::env::var_os(BLESS).is_some_and(|value| value == "1")
}

/// `Ok` when `path` holds exactly `actual` (or was just rewritten to it under
/// `TRACK_MODELS_BLESS=1`), else a readable failure naming the file, with the diff.
pub fn check(path: &Path, actual: &[u8]) -> Result<(), String> {
    let shown = path.strip_prefix(root()).unwrap_or(path).display();
    let expected = fs::read(path).ok();
    if expected.as_deref() == Some(actual) {
        return Ok(());
    }
    if blessing() {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("creating `{shown}`'s folder: {e}"))?;
        }
        return fs::write(path, actual).map_err(|e| format!("blessing `{shown}`: {e}"));
    }
    let Some(expected) = expected else {
        return Err(format!(
            "`{shown}` does not exist; create it with `{BLESS}=1 cargo test --locked --test it`"
        ));
    };
    Err(format!(
        "`{shown}` differs from the actual output (`{BLESS}=1` rewrites it):\n{}",
        diff(&expected, actual)
    ))
}

/// Panics with [`check`]'s failure.
pub fn assert_file(path: &Path, actual: &[u8]) {
    if let Err(failure) = check(path, actual) {
        panic!("{failure}");
    }
}

/// A unified diff of two texts, `-` expected, `+` actual.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    let shown = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace('\r', "␍");
    let (expected, actual) = (shown(expected), shown(actual));
    let diff = TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    if diff.is_empty() {
        // Same text once shown: only invalid UTF-8 differs.
        "(the bytes differ outside valid UTF-8)".to_string()
    } else if !diff.ends_with('\n') {
        format!("{diff}\n(no newline at the end)")
    } else {
        diff
    }
}
