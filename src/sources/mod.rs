//! I/O shells: everything that reads the network, the file system outside the doc, or git.
//! The pure core never imports from here.

pub mod dataset_tags;
pub mod definition_axes;
pub mod doc_history;
pub mod github_repo;
pub mod hf;
pub mod serving;
pub mod serving_data;
pub mod sglang;
pub mod trace_dir;

/// The async runtime for the network sources; built only when a run needs one (the shell and
/// the lint's gathering both use it).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
