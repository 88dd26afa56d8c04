//! track-models: keeps FlashInfer-Bench's `docs/model_coverage.mdx` true.
//!
//! The pure core (`doc`, `dataset`, `arch`, `naming`, `lint`, `plan`, `report`, `markdown`) does no
//! I/O and never reads the clock; `sources`, `atomic_file` and `run` are the I/O shell.
//!
//! Every module is private: what the binary, the benchmarks, the fuzz targets and the integration
//! tests use is re-exported by [`api`], so the dead-code lint sees the rest.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod api;
mod arch;
mod atomic_file;
mod cli;
mod console;
mod dataset;
mod date;
mod defaults;
mod discover;
mod doc;
mod github;
mod ident;
mod lint;
mod lint_gather;
mod markdown;
mod naming;
mod next;
mod next_gather;
mod nightly;
mod onboard;
mod plan;
mod publish;
mod report;
mod request;
mod resolve;
mod run;
mod sizing;
mod sources;
mod status;
mod unified_diff;
