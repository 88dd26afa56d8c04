//! I/O shells: everything that reads the network, the file system outside the doc, or git.
//! The pure core never imports from here.

pub mod github_repo;
pub mod hf;
pub mod serving;
pub mod serving_data;
pub mod sglang;
pub mod trace_dir;

/// The serving configs' old path, kept only while branches written against it are merged;
/// new code imports [`serving`]. Remove once nothing names `sources::cookbook`.
pub use serving as cookbook;
