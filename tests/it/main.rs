//! One integration-test binary; one module per area.

mod cli;
mod cookbook;
mod discover;
mod hf;
mod naming;
mod property;
mod refresh;
mod sglang;
mod support;
