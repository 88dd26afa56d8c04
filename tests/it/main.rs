//! One integration-test binary; one module per area.

mod action;
mod cli;
mod cookbook;
mod discover;
mod hf;
mod lint;
mod naming;
mod nightly;
mod onboard;
mod property;
mod publish;
mod refresh;
mod sglang;
mod support;
