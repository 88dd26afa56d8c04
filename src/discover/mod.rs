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
//! then exact). The day-0, dataset and cookbook terms are the weights of the [`Source`]s that
//! vouch for the candidate (`sglang-catalog`, `hf-trending` and `hf-new` weigh 0); a new
//! source's weight is a term of its own.
//!
//! # Adding a source
//!
//! One implementation of `DiscoverySource` in `source.rs`, plus one line in `source::SOURCES`;
//! nothing else names it. The implementation gives:
//!
//! - its names: the [`Source`]s it vouches for candidates under (`Source::new(name, weight)`,
//!   or `Source::popularity(name)`); the weight is its term of the score above;
//! - its findings: one [`Finding`] key per kind of thing it reads ([`Signals::insert`],
//!   [`Signals::get`]), declared next to it;
//! - its fetch (local or networked; failures are problem lines) and its merge phase and merge
//!   into the candidates (`Merged::entry` for a repo id, `Merged::add_unmatched` for none;
//!   what it knows of a candidate beyond the [`Candidate`] fields goes in
//!   [`Candidate::notes`], under a key of its own);
//! - its place and its part in a candidate's signals text (`summary_place`, `describe`).
//!
//! The registry's order is the order answers are applied and problem lines listed, and the
//! order of a candidate's `sources` in the report; within a merge phase, the order repo ids are
//! first seen in (so their spelling). `source.rs`'s tests add a toy source this way.
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

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

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
pub use source::{
    RunInputs, COOKBOOK_REPO_IDS, DATASET_MODELS, DAY0_FILES, HF_LISTS, PROVIDERS,
    PROVIDER_CATALOG_REACHED, SGLANG_CATALOG_REPO_IDS, SGLANG_CLASSES,
};

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

/// A name a discovery source vouches for candidates under, as reports show it (`sglang-day0`,
/// …), with what being named by it adds to the score. Each is declared next to the source that
/// vouches for it (`source.rs`); two are the same when their names are. A candidate lists its
/// names in registry order (`source::SOURCES`).
#[derive(Clone, Copy)]
pub struct Source {
    name: &'static str,
    weight: u64,
    popularity: bool,
}

impl Source {
    /// A name whose candidates get `weight` added to their score.
    pub const fn new(name: &'static str, weight: u64) -> Source {
        Source {
            name,
            weight,
            popularity: false,
        }
    }

    /// A name that only says a model is popular (adds nothing to the score by itself; a
    /// candidate only such names vouch for needs `--min-providers` live providers).
    pub const fn popularity(name: &'static str) -> Source {
        Source {
            name,
            weight: 0,
            popularity: true,
        }
    }

    /// What being named by this source adds to a candidate's score (providers, the trending
    /// rank and downloads add their own amounts on top; see [`Candidate::score`]).
    pub fn weight(self) -> u64 {
        self.weight
    }

    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// Trending and new lists: signals of popularity only.
    pub fn is_popularity(self) -> bool {
        self.popularity
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Source) -> bool {
        self.name == other.name
    }
}

impl Eq for Source {}

impl std::hash::Hash for Source {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
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
            HfListKind::Trending => Source::HF_TRENDING,
            HfListKind::New => Source::HF_NEW,
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
    /// What each source found, under that source's [`Finding`] keys.
    findings: Findings,
    /// One line per failed or degraded source, naming it.
    pub problems: Vec<String>,
    /// Requests sent per service (`hf`, `hf-router`, `openrouter`, `github`), retries included.
    pub api_calls: BTreeMap<String, u64>,
}

impl Signals {
    /// What the source that owns `key` found; `None` when it did not answer (or did not run).
    pub fn get<T: FindingValue>(&self, key: Finding<T>) -> Option<&T> {
        self.findings.get(key)
    }

    /// Records what a source found under its `key` (replacing an earlier answer).
    pub fn insert<T: FindingValue>(&mut self, key: Finding<T>, found: T) {
        self.findings.insert(key, found);
    }

    /// [`Signals::insert`], by value: `Signals::default().with(KEY, found)`.
    pub fn with<T: FindingValue>(mut self, key: Finding<T>, found: T) -> Signals {
        self.insert(key, found);
        self
    }
}

/// The key under which one source keeps one kind of finding in [`Signals`] (or in a
/// [`Candidate`]'s notes): a name (unique among the keys) and the type of what is kept.
/// Declared next to the source (`source.rs`).
pub struct Finding<T> {
    name: &'static str,
    kind: PhantomData<fn() -> T>,
}

impl<T> Finding<T> {
    pub const fn new(name: &'static str) -> Finding<T> {
        Finding {
            name,
            kind: PhantomData,
        }
    }
}

impl<T> Clone for Finding<T> {
    fn clone(&self) -> Finding<T> {
        *self
    }
}

impl<T> Copy for Finding<T> {}

/// What a finding may be: comparable and printable, so [`Signals`] stays both, and shareable
/// across the fetches.
pub trait FindingValue: Any + fmt::Debug + PartialEq + Send + Sync {}

impl<T: Any + fmt::Debug + PartialEq + Send + Sync> FindingValue for T {}

/// Findings by key, each of its key's type: what the sources found ([`Signals`]), or noted
/// about one candidate ([`Candidate::notes`]).
#[derive(Clone, Default)]
pub struct Findings(BTreeMap<&'static str, Arc<dyn AnyFinding>>);

impl Findings {
    /// What is kept under `key`, if anything.
    pub fn get<T: FindingValue>(&self, key: Finding<T>) -> Option<&T> {
        self.0.get(key.name)?.as_any().downcast_ref()
    }

    /// Keeps `found` under `key` (replacing what was there).
    pub fn insert<T: FindingValue>(&mut self, key: Finding<T>, found: T) {
        self.0.insert(key.name, Arc::new(found));
    }
}

/// A [`FindingValue`] with its type erased.
trait AnyFinding: fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn equals(&self, other: &dyn AnyFinding) -> bool;
}

impl<T: FindingValue> AnyFinding for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn equals(&self, other: &dyn AnyFinding) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

impl PartialEq for Findings {
    fn eq(&self, other: &Findings) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((a, x), (b, y))| a == b && x.equals(y.as_ref()))
    }
}

impl fmt::Debug for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(&self.0).finish()
    }
}
