//! Shared test fixtures: the bundled dataset snapshot, fixture docs, and running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use track_models::dataset::DefinitionIndex;
use track_models::sources::trace_dir;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The dataset snapshot bundled with the example workspace.
pub fn trace_dir() -> PathBuf {
    root().join("examples/workspace/flashinfer-trace")
}

pub fn index() -> DefinitionIndex {
    trace_dir::load(&trace_dir()).expect("the bundled trace dir loads")
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures").join(path)).expect("fixture exists")
}

pub fn track_models(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
