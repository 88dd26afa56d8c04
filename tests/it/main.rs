//! One integration-test binary; one module per area.

mod action;
mod cli;
mod cookbook;
mod discover;
mod hardening;
mod hf;
mod limits;
mod live;
mod naming;
mod nightly;
mod onboard;
mod property;
mod publish;
mod publish_nights;
mod refresh;
mod sglang;
mod support;
mod validation;
