//! The defaults of the command line, in one place: clap shows them in `--help`, discovery's
//! options start from them, and messages that name a default (the `--doc` hint) read them
//! here. A leaf: it imports nothing.

/// `--doc`.
pub const DOC: &str = "docs/model_coverage.mdx";
/// `--trace-repo`.
pub const TRACE_REPO: &str = "flashinfer-ai/flashinfer-trace";
/// `--branch`: the bot's branch.
pub const BRANCH: &str = "track-models/coverage";
/// `--max-new`: how many models one discovery run adds at most.
pub const MAX_NEW: usize = 5;
/// `--min-providers`: live providers a popularity-only candidate needs.
pub const MIN_PROVIDERS: usize = 2;
/// `--since`: how many days back a new SGLang model file counts as day-0.
pub const SINCE_DAYS: u32 = 30;
