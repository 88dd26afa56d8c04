//! One integration-test binary; one module per area.

mod cli;
mod cookbook;
mod hf;
mod naming;
mod onboard;
mod property;
mod publish;
mod refresh;
mod sglang;
mod support;
