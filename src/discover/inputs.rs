//! Where discovery reads from: the Hub client, the base URLs and tokens of the other services,
//! the saved-responses folder, the local SGLang clone, the catalog and the serving configs, and
//! the limits of one run. Built once per run from the environment ([`DiscoverySources::from_vars`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::sources::hf::{HfClient, HfConfig};
use crate::sources::serving::CookbookIndex;
use crate::sources::sglang::SglangCatalog;

pub const DEFAULT_HF_ROUTER_URL: &str = "https://router.huggingface.co";
pub const DEFAULT_OPENROUTER_API_URL: &str = "https://openrouter.ai/api/v1";

/// Everything discovery reads from. Build it with [`DiscoverySources::from_vars`] (tests spell
/// the fields out). `Debug` never shows the tokens.
pub struct DiscoverySources {
    pub hf: HfClient,
    /// Sent to the HF router when set.
    pub hf_token: Option<String>,
    /// No network: every source answers from its saved response.
    pub offline: bool,
    /// Base URLs, without a trailing `/`.
    pub github_api_url: String,
    pub github_token: Option<String>,
    pub hf_router_url: String,
    pub openrouter_api_url: String,
    /// Where responses are saved (`$HF_HOME/track-models/responses`).
    pub responses_dir: PathBuf,
    /// A local SGLang clone: day-0 through git2 instead of the GitHub API.
    pub sglang_dir: Option<PathBuf>,
    /// The caller reports the catalog's and the cookbook's own warnings.
    pub catalog: SglangCatalog,
    pub cookbook: CookbookIndex,
    /// Models per HF list (default 50).
    pub hf_list_limit: usize,
    /// GitHub calls per run without a clone (default 5).
    pub github_budget: u32,
    /// Whole-request timeout of the router, OpenRouter and GitHub calls.
    pub timeout: Duration,
}

impl DiscoverySources {
    /// From the environment (see the module doc of [`crate::discover`]) with `var` standing in
    /// for it. The catalog is read from `sglang_dir` (else the bundled snapshot), the cookbook
    /// from `cookbook_dirs` and the JSX configs of `sglang_dir`.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        sglang_dir: Option<PathBuf>,
        cookbook_dirs: &[PathBuf],
    ) -> anyhow::Result<DiscoverySources> {
        let catalog = match &sglang_dir {
            Some(dir) => SglangCatalog::from_dir(dir),
            None => SglangCatalog::bundled(),
        };
        let cookbook = CookbookIndex::load(cookbook_dirs, sglang_dir.as_deref());
        let hf = HfClient::new(HfConfig::from_vars(&var)?)?;
        Self::with_serving(var, hf, sglang_dir, catalog, cookbook)
    }

    /// Like [`DiscoverySources::from_vars`] with the run's Hub client (`hf`, built from the
    /// same environment), and the catalog and the serving configs already loaded (by
    /// [`crate::sources::serving_data::load`]: local, live or cached).
    pub fn with_serving(
        var: impl Fn(&str) -> Option<String>,
        hf: HfClient,
        sglang_dir: Option<PathBuf>,
        catalog: SglangCatalog,
        cookbook: CookbookIndex,
    ) -> anyhow::Result<DiscoverySources> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let hf_config = HfConfig::from_vars(&var)?;
        let hf_home =
            crate::sources::hf::hf_home(&var).context("locating `HF_HOME` for saved responses")?;
        let base = |name: &str, default: &str| {
            set(name)
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        Ok(DiscoverySources {
            hf_token: hf_config.token.clone(),
            offline: hf_config.offline,
            hf,
            github_api_url: crate::github::api_url(&var),
            github_token: set("GITHUB_TOKEN"),
            hf_router_url: base("HF_ROUTER_URL", DEFAULT_HF_ROUTER_URL),
            openrouter_api_url: base("OPENROUTER_API_URL", DEFAULT_OPENROUTER_API_URL),
            responses_dir: hf_home.join("track-models").join("responses"),
            sglang_dir,
            catalog,
            cookbook,
            hf_list_limit: 50,
            github_budget: 5,
            timeout: Duration::from_secs(30),
        })
    }
}

impl fmt::Debug for DiscoverySources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |token: &Option<String>| token.as_ref().map(|_| "<redacted>");
        f.debug_struct("DiscoverySources")
            .field("hf", &self.hf)
            .field("hf_token", &redacted(&self.hf_token))
            .field("offline", &self.offline)
            .field("github_api_url", &self.github_api_url)
            .field("github_token", &redacted(&self.github_token))
            .field("hf_router_url", &self.hf_router_url)
            .field("openrouter_api_url", &self.openrouter_api_url)
            .field("responses_dir", &self.responses_dir)
            .field("sglang_dir", &self.sglang_dir)
            .field("catalog", &self.catalog.source)
            .field("cookbook_repo_ids", &self.cookbook.repo_ids().len())
            .field("hf_list_limit", &self.hf_list_limit)
            .field("github_budget", &self.github_budget)
            .field("timeout", &self.timeout)
            .finish()
    }
}
