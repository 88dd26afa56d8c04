//! One integration-test binary; one module per area.

mod cookbook;
mod hf;
mod naming;
mod sglang;
