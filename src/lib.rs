//! track-models: keeps FlashInfer-Bench's `docs/model_coverage.mdx` true.
//!
//! The pure core (`doc`, `naming`, `arch`, `plan`, `report`, `dataset`) does no I/O and never
//! reads the clock; `sources` and `publish` are thin I/O shells around it.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod arch;
pub mod dataset;
pub mod doc;
pub mod naming;
pub mod sources;
