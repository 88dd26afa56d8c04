//! One integration-test binary; one module per area.

mod action;
mod cli;
mod cookbook;
mod hf;
mod naming;
mod onboard;
mod property;
mod refresh;
mod sglang;
mod support;
