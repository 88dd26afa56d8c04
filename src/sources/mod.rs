//! I/O shells: everything that reads the network, the file system outside the doc, or git.
//! The pure core never imports from here.

pub mod cookbook;
pub mod hf;
pub mod sglang;
pub mod trace_dir;
