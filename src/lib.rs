//! track-models: keeps FlashInfer-Bench's `docs/model_coverage.mdx` true.
//!
//! The pure core (`doc`, `dataset`, `arch`, `naming`, `lint`, `plan`, `report`, `markdown`) does no
//! I/O and never reads the clock; `sources`, `atomic_file` and `run` are the I/O shell.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod arch;
pub mod atomic_file;
pub mod cli;
pub mod console;
pub mod dataset;
pub mod date;
pub mod defaults;
pub mod discover;
pub mod doc;
pub mod github;
pub mod ident;
pub mod lint;
pub mod lint_gather;
pub mod markdown;
pub mod naming;
pub mod next;
pub mod next_gather;
pub mod nightly;
pub mod onboard;
pub mod plan;
pub mod publish;
pub mod report;
pub mod request;
pub mod resolve;
pub mod run;
pub mod sizing;
pub mod sources;
pub mod status;
pub mod unified_diff;
