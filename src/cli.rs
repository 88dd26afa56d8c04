//! Command-line arguments. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};

pub(crate) use crate::defaults;

/// The bot's branch when `--branch` is not given.
pub const DEFAULT_BRANCH: &str = defaults::BRANCH;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (the doc is up to date, or was written)
  1  drift: under --check, the doc would change
  2  error: bad input, an unreachable source, or a model that failed (the others still ran)";

/// Keeps FlashInfer-Bench's docs/model_coverage.mdx true: discovers models worth tracking,
/// derives their kernel definition names, refreshes every status against the flashinfer-trace
/// dataset without touching anything people wrote by hand, and publishes one pull request.
#[derive(Debug, Clone, Parser)]
#[command(name = "track-models", version, after_help = EXIT_CODES)]
#[command(group(ArgGroup::new("task").required(true).multiple(true).args(["refresh_status", "model_name", "discover"])))]
pub struct Cli {
    /// Re-check every concrete definition row against the dataset and update the status
    /// symbols, the `**Coverage**:` counts and the summary labels.
    #[arg(long)]
    pub refresh_status: bool,

    /// Discover models worth tracking (SGLang day-0 files and catalog, cookbooks, HF trending
    /// and new models, provider catalogs), rank them, and onboard the best new ones.
    #[arg(long)]
    pub discover: bool,

    /// With `--discover`: onboard at most this many new models.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_NEW)]
    pub max_new: usize,

    /// With `--discover`: live providers a model needs when its only signal is HF popularity.
    #[arg(long, value_name = "N", default_value_t = defaults::MIN_PROVIDERS)]
    pub min_providers: usize,

    /// With `--discover`: SGLang model files added in the last DAYS days are day-0 candidates.
    #[arg(long, value_name = "DAYS", default_value_t = defaults::SINCE_DAYS)]
    pub since: u32,

    /// The date discovery treats as today (`YYYY-MM-DD`, UTC); default: the clock. For
    /// reproducible runs.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,

    /// Add (or regenerate) the section of this model; may be repeated. Its HF repo id comes
    /// from `--hf-repo-id`, else the doc, else the cookbooks / SGLang docs, else an HF search.
    #[arg(long, value_name = "NAME")]
    pub model_name: Vec<String>,

    /// The model's HF repo id; repeat it once per `--model-name`, in the same order.
    #[arg(long, value_name = "ORG/REPO")]
    pub hf_repo_id: Vec<String>,

    /// Read config.json from this local file instead of the Hub (no network); one per
    /// `--model-name`, in the same order.
    #[arg(long, value_name = "PATH")]
    pub config_file: Vec<PathBuf>,

    /// The section heading to use instead of the one derived from the repo id; one per
    /// `--model-name`, in the same order.
    #[arg(long, value_name = "TEXT")]
    pub display_name: Vec<String>,

    /// Tensor-parallel sizes to derive names for (e.g. `1,2,4,8`); overrides the cookbooks.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub tp: Vec<u32>,

    /// Expert-parallel sizes to derive names for (e.g. `1,8`); overrides the cookbooks.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub ep: Vec<u32>,

    /// An sgl-cookbook checkout's models folder (every version folder's YAML is read); may be
    /// repeated. Gives the TP/EP each model is served with. Without it, `--cookbook-repo` is
    /// read through the GitHub API.
    #[arg(long, value_name = "DIR")]
    pub cookbook_dir: Vec<PathBuf>,

    /// A local SGLang checkout: its model classes, supported-models docs and
    /// `docs_new/src/snippets/configs/**/*.jsx` serving configs. Without it they are read from
    /// `--sglang-repo` through the GitHub API (cached; offline: the last cached state, else a
    /// bundled list of SGLang's model classes).
    #[arg(long, value_name = "DIR")]
    pub sglang_dir: Option<PathBuf>,

    /// The SGLang repository read through the GitHub API when `--sglang-dir` is not given
    /// (`owner/name`, or `owner/name@ref`; default `sgl-project/sglang` at its default branch;
    /// env `TRACK_MODELS_SGLANG_REPO`).
    #[arg(long, value_name = "OWNER/NAME[@REF]")]
    pub sglang_repo: Option<String>,

    /// The sgl-cookbook repository read through the GitHub API when `--cookbook-dir` is not
    /// given (default `sgl-project/sgl-cookbook`; env `TRACK_MODELS_COOKBOOK_REPO`).
    #[arg(long, value_name = "OWNER/NAME[@REF]")]
    pub cookbook_repo: Option<String>,

    /// Print more detail on stderr: why each definition of a model this run adds or
    /// regenerates got its name (`info: …` lines), the serving-config problems of models this run
    /// does not touch (otherwise only counted), the requests sent to the Hub and GitHub, and
    /// the sources' informational events.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// The coverage document to maintain.
    #[arg(long, value_name = "PATH", default_value = defaults::DOC)]
    pub doc: PathBuf,

    /// A local checkout of the flashinfer-trace dataset (`definitions/{op_type}/{name}.json`,
    /// `workloads/{op_type}/{name}.jsonl`). Without it the dataset is listed from the Hub.
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,

    /// The dataset repo on the Hugging Face Hub, used when `--trace-dir` is not given
    /// (honours HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HOME).
    #[arg(
        long,
        value_name = "ORG/NAME",
        default_value = defaults::TRACE_REPO
    )]
    pub trace_repo: String,

    /// Write nothing; print the diff and exit 1 when the doc would change.
    #[arg(long, conflicts_with_all = ["dry_run", "publish"])]
    pub check: bool,

    /// Write nothing; print the diff and exit 0.
    #[arg(long)]
    pub dry_run: bool,

    /// Publish the result as one pull request on a fixed branch of `GITHUB_REPOSITORY` (with
    /// `GITHUB_TOKEN`, at `GITHUB_API_URL`), with a sticky summary comment; the local doc is
    /// left as it is (it is the base). With `--dry-run`, only reads and prints what it would do.
    #[arg(long)]
    pub publish: bool,

    /// The bot's branch.
    #[arg(long, value_name = "NAME", default_value = defaults::BRANCH, requires = "publish")]
    pub branch: String,

    /// The base branch (default: the repository's default branch).
    #[arg(long, value_name = "BRANCH", requires = "publish")]
    pub base: Option<String>,

    /// Labels for the pull request, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "publish")]
    pub labels: Vec<String>,

    /// Rebuild the branch on the base even over commits by others or a previously closed
    /// pull request with the same content.
    #[arg(long, requires = "publish")]
    pub recreate: bool,

    /// Write the machine-readable report here (in every mode).
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,

    /// Write the human summary delta (Markdown) here (in every mode).
    #[arg(long, value_name = "PATH")]
    pub report_md: Option<PathBuf>,
}

/// What the run may do to the doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
    DryRun,
}

impl Cli {
    pub fn mode(&self) -> Mode {
        if self.check {
            Mode::Check
        } else if self.dry_run {
            Mode::DryRun
        } else {
            Mode::Write
        }
    }
}
