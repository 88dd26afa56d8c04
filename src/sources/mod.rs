//! I/O shells: everything that reads the network, the file system outside the doc, or git.
//! The pure core never imports from here.

pub mod github_repo;
pub mod hf;
pub mod serving;
pub mod serving_data;
pub mod sglang;
pub mod trace_dir;
