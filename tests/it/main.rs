//! One integration-test binary; one module per area.

mod action;
mod architecture;
mod clean_docs;
mod cli;
mod cookbook;
mod discover;
mod expect;
mod hardening;
mod hf;
mod limits;
mod lint;
mod lint_hub;
mod live;
mod names;
mod naming;
mod nightly;
mod onboard;
mod property;
mod publish;
mod publish_nights;
mod refresh;
mod regenerate;
mod sglang;
mod snapshots;
mod support;
mod validation;
