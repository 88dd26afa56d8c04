//! Discovery: which models are worth adding to the coverage doc, from SGLang, the cookbooks, the
//! Hugging Face Hub's trending and newest lists and the inference-provider catalogs.
//!
//! The shape: [`gather`] is the I/O shell (every source fails soft into a problem line naming
//! it); [`candidates`] merges what it gathered into one [`Candidate`] per repo id; [`decide`]
//! filters, scores and picks. The last two are pure (no I/O, no clock: `today` comes in through
//! [`DiscoveryOptions`]), so the same inputs always give the same decisions.
//!
//! # Sources
//!
//! 1. `sglang-day0`: model files added under `python/sglang/srt/models/` in the last `since`
//!    days. With a local clone, its first-parent history is walked with git2 (no API calls); a
//!    missing clone, or a shallow one whose history ends inside the window, is a problem line.
//!    Without one, the GitHub REST API: the commits touching that folder since the window start
//!    (`Link`-paginated), then each commit's `files[]` (paginated too) for `status: added`, at
//!    most [`DiscoverySources::github_budget`] (5) calls in all; the rest is reported as
//!    "budget reached". A file's classes come from its module-level `EntryClass` (from the
//!    tree; over the API, from the SGLang catalog when it knows the file, else the contents API
//!    while the budget lasts). Drafts, pooling models and `Transformers*` fallbacks are dropped
//!    ([`classify`](crate::sources::sglang::classify)).
//! 2. `sglang-catalog`: the repo ids of SGLang's supported-models tables; its generative
//!    classes say which architectures SGLang serves and help match new classes to repos.
//! 3. `cookbook`: every repo id of the cookbook index (YAML and JSX).
//! 4. `hf-trending` / `hf-new`: `GET /api/models?pipeline_tag=…&sort=trendingScore|createdAt`
//!    for `text-generation` and `image-text-to-text`, one call each with `expand[]` for what
//!    deciding needs (4 calls).
//! 5. Providers (signals, never candidates by themselves): the HF router catalog
//!    (`GET {HF_ROUTER_URL}/v1/models`, live providers per repo id) and OpenRouter's model list
//!    (`GET {OPENROUTER_API_URL}/models`, each repo id listed there counts as one provider,
//!    `openrouter`, however many slugs share it), plus the live providers of HF's own
//!    `inferenceProviderMapping`.
//!
//! A warm run makes 5 HF calls (4 lists and the router), 1 OpenRouter call and at most 5
//! GitHub calls without a clone (none with one).
//!
//! # Environment
//!
//! | variable | default | what |
//! |---|---|---|
//! | `GITHUB_API_URL` | `https://api.github.com` | GitHub REST base URL |
//! | `GITHUB_TOKEN` | none | sent as `Authorization: Bearer …` to GitHub when set |
//! | `HF_ROUTER_URL` | `https://router.huggingface.co` | HF inference router base URL |
//! | `OPENROUTER_API_URL` | `https://openrouter.ai/api/v1` | OpenRouter API base URL |
//! | `HF_HUB_OFFLINE` | off | no network: every source reads its saved response |
//! | `HF_HOME` | `~/.cache/huggingface` | saved responses live in `$HF_HOME/track-models/responses/` |
//!
//! plus the Hub client's own (`HF_ENDPOINT`, `HF_TOKEN`, …; the HF token also goes to the router).
//!
//! # Saved responses
//!
//! Every successful list or catalog response is saved under
//! `$HF_HOME/track-models/responses/` (`hf-trending-text-generation.json`,
//! `hf-new-image-text-to-text.json`, …, `hf-router-models.json`, `openrouter-models.json`,
//! `github-sglang-day0.json`). Offline, each source reads its file instead of the network; a
//! missing file is the problem line "offline and no saved response for <source>".
//!
//! # Scoring
//!
//! One integer, so the order is total and the report can show it:
//!
//! ```text
//! score = 1_000_000_000 × (new in SGLang within the window)
//!       +    10_000_000 × min(live providers, 99)
//!       +     5_000_000 × (traced in the flashinfer-trace dataset, untracked by the doc)
//!       +     1_000_000 × (in the cookbook)
//!       +         1_000 × (1000 − best trending rank), when ranked 1..=999
//!       +            10 × ⌊log2(downloads + 1)⌋
//! ```
//!
//! so day-0 beats everything, then provider count, dataset traces, cookbook presence, trending rank and
//! downloads (in factor-of-two buckets); equal scores are ordered by repo id (case-insensitive,
//! then exact).
//!
//! # Adding a source
//!
//! One implementation of `DiscoverySource` (`source.rs`) — the [`Source`]s it vouches for,
//! its merge phase, its fetch (local or networked, returning how it changes the [`Signals`];
//! failures are problem lines) and its merge into the candidates — plus one line in
//! `source::SOURCES` (whose order is the order answers are applied and problem lines listed;
//! within a phase, the order repo ids are first seen in). A source that only names repo ids
//! puts them in [`Signals::named`] and merges with `merge_named`; a new [`Source`] variant
//! carries its name and [`Source::weight`] (its term above).
//!
//! # Deciding
//!
//! Candidates are taken in score order. Each gets one decision and one reason, checked in this
//! order: no repo id (a new class nothing matched) → skipped; tracked (same repo id, same name
//! key, or same fingerprint: "same kernels as X") → already tracked; same model or kernels as
//! one added earlier in this run → skipped; gated → skipped; not a decoder LLM or VLM →
//! skipped; popularity-only (`hf-trending` / `hf-new` only) with fewer live providers than
//! `min_providers` → skipped (not applied when no provider catalog answered); an architecture
//! SGLang does not serve yet → skipped; otherwise added while fewer than `max_new` were,
//! then skipped as "below the top N".

mod candidates;
mod day0;
mod day0_api;
mod decide;
pub mod display_name;
pub(crate) mod gather;
mod providers;
mod responses;
mod source;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::sources::hf::ModelInfo;

pub use crate::date::{parse_timestamp, Date};
pub use candidates::{candidates, Candidate, Day0Match, MatchedBy};
pub use day0::day0_from_clone;
pub use decide::{
    decide, why_these_models_markdown, CandidateReport, Decision, DecisionKind, TrackedModel,
};
pub use display_name::display_name;
pub use gather::{gather, gather_for_run, DiscoverySources, MAX_CATALOG_BYTES};
pub use providers::{parse_openrouter_models, parse_router_models, ProviderCatalog};
pub use source::RunInputs;

/// The user's knobs and the day the run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// `--max-new`: how many models one run adds at most.
    pub max_new: usize,
    /// `--min-providers`: live providers a popularity-only candidate needs.
    pub min_providers: usize,
    /// `--since`: how far back a new SGLang model file counts as day-0.
    pub since_days: u32,
    /// The run's day (UTC); the day-0 window is `today - since_days` ..= `today`.
    pub today: Date,
}

impl DiscoveryOptions {
    /// The documented defaults: `--max-new 5`, `--min-providers 2`, `--since 30`.
    pub fn new(today: Date) -> DiscoveryOptions {
        DiscoveryOptions {
            max_new: 5,
            min_providers: 2,
            since_days: 30,
            today,
        }
    }

    /// The first day of the day-0 window.
    pub fn window_start(&self) -> Date {
        self.today.add_days(-i64::from(self.since_days))
    }

    /// Whether a commit at `seconds` since the epoch falls in the window (from the start of its
    /// first day to the end of `today`).
    pub fn in_window(&self, seconds: i64) -> bool {
        seconds >= self.window_start().unix_seconds()
            && seconds < self.today.add_days(1).unix_seconds()
    }
}

/// Where a candidate came from. Serialized as in the report (`sglang-day0`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    SglangDay0,
    SglangCatalog,
    Cookbook,
    HfTrending,
    HfNew,
    /// The flashinfer-trace dataset has definitions tagged `model:<slug>` for it.
    Dataset,
}

impl Source {
    /// Every source, in declaration order.
    pub const ALL: [Source; 6] = [
        Source::SglangDay0,
        Source::SglangCatalog,
        Source::Cookbook,
        Source::HfTrending,
        Source::HfNew,
        Source::Dataset,
    ];

    /// What being named by this source adds to a candidate's score (providers, the trending
    /// rank and downloads add their own amounts on top; see [`Candidate::score`]).
    pub fn weight(self) -> u64 {
        match self {
            Source::SglangDay0 => 1_000_000_000,
            // Traced already: FlashInfer-Bench's own people cared enough to capture its kernels.
            Source::Dataset => 5_000_000,
            Source::Cookbook => 1_000_000,
            Source::SglangCatalog | Source::HfTrending | Source::HfNew => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::SglangDay0 => "sglang-day0",
            Source::SglangCatalog => "sglang-catalog",
            Source::Cookbook => "cookbook",
            Source::HfTrending => "hf-trending",
            Source::HfNew => "hf-new",
            Source::Dataset => "dataset",
        }
    }

    /// Trending and new lists: signals of popularity only.
    pub fn is_popularity(self) -> bool {
        matches!(self, Source::HfTrending | Source::HfNew)
    }
}

/// A model file added to SGLang inside the window, with its generative classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day0File {
    /// The file name inside `python/sglang/srt/models/`, e.g. `minimax_m2.py`.
    pub file: String,
    /// Generative `EntryClass` names (drafts, pooling and fallbacks already dropped).
    pub classes: Vec<String>,
    /// The commit that added it.
    pub commit: String,
    /// The day it was committed (UTC).
    pub date: Date,
}

/// Which HF list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HfListKind {
    /// `sort=trendingScore`.
    Trending,
    /// `sort=createdAt`.
    New,
}

impl HfListKind {
    pub fn source(self) -> Source {
        match self {
            HfListKind::Trending => Source::HfTrending,
            HfListKind::New => Source::HfNew,
        }
    }
}

/// One HF model list, in the Hub's order (rank 1 first).
#[derive(Debug, Clone, PartialEq)]
pub struct HfList {
    pub kind: HfListKind,
    /// `text-generation` or `image-text-to-text`.
    pub pipeline_tag: String,
    pub models: Vec<ModelInfo>,
}

/// Everything [`gather`] found, the input of [`candidates`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    /// New model files, sorted by file name.
    pub day0: Vec<Day0File>,
    /// Generative classes of the SGLang catalog (sorted, deduplicated).
    pub sglang_classes: Vec<String>,
    /// Repo ids named by the sources that only name them, by source: SGLang's supported-models
    /// tables (`sglang-catalog`, in document order), the cookbooks (`cookbook`, sorted).
    pub named: BTreeMap<Source, Vec<String>>,
    /// The HF lists that answered.
    pub hf_lists: Vec<HfList>,
    /// Live providers per lower-cased repo id, from the router and OpenRouter.
    pub providers: BTreeMap<String, BTreeSet<String>>,
    /// Whether the router or OpenRouter answered (else `min_providers` is not applied).
    pub provider_catalog_reached: bool,
    /// `model:<slug>` tags of the dataset that no doc section tracks, sorted.
    pub dataset_models: Vec<String>,
    /// One line per failed or degraded source, naming it.
    pub problems: Vec<String>,
    /// Requests sent per service (`hf`, `hf-router`, `openrouter`, `github`), retries included.
    pub api_calls: BTreeMap<String, u64>,
}
