//! Discovery: which models are worth adding to the coverage doc, from SGLang, the cookbooks, the
//! Hugging Face Hub's trending and newest lists and the inference-provider catalogs.
//!
//! The shape: [`gather`] is the I/O shell (every source fails soft into a problem line naming
//! it); [`candidates`] merges what it gathered into one [`Candidate`] per model (repackagings
//! folded into their originals); [`decide`] filters, scores and picks. The last two are pure
//! (no I/O, no clock: `today` comes in through [`DiscoveryOptions`]), so the same inputs always
//! give the same decisions. User-facing behaviour: `docs/discovery.md`.
//!
//! The files, each importing only those before it: `signals.rs` and `options.rs` (the data),
//! `display_name.rs`, `repackaging.rs`, `candidates.rs` (the merge), `decide.rs`; on the I/O
//! side `responses.rs`, `inputs.rs`, `providers.rs`, `day0*.rs`, `readers.rs` (how sources
//! read), `source_api.rs` (the interface), `gather.rs` (running fetches) and `source.rs` (the
//! sources and their registry). `mod.rs` only declares and re-exports.
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
//!    deciding needs, `baseModels` and `cardData` included (4 calls).
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
//! downloads (in factor-of-two buckets). Equal scores are ordered by real signals: more serving
//! configurations, more serving files, a newer day-0 file, more live providers, more downloads;
//! only candidates equal on all of them fall back to the repo id (case-insensitive, then exact). The day-0, dataset and cookbook terms are the weights of the [`Source`]s that
//! vouch for the candidate (`sglang-catalog`, `hf-trending` and `hf-new` weigh 0); a new
//! source's weight is a term of its own.
//!
//! # Adding a source
//!
//! One implementation of `DiscoverySource` (the trait is in `source_api.rs`) in `source.rs`,
//! plus one line in `source::SOURCES`; nothing else names it. The implementation gives:
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
//! one added earlier in this run → skipped; gated → skipped; a repackaging whose original no
//! source names → skipped; not a decoder LLM or VLM → skipped; popularity-only (`hf-trending` / `hf-new` only) with fewer live providers than
//! `min_providers` → skipped (not applied when no provider catalog answered); an architecture
//! SGLang does not serve yet → skipped; otherwise added while fewer than `max_new` were,
//! then skipped as "below the top N".

mod candidates;
mod day0;
mod day0_api;
mod decide;
pub mod display_name;
mod gather;
mod inputs;
mod options;
mod providers;
mod readers;
mod repackaging;
mod responses;
mod signals;
mod source;
mod source_api;

pub use crate::date::{parse_timestamp, Date};
pub use candidates::{Candidate, Day0Match, MatchedBy, ServingCount};
pub use day0::day0_from_clone;
pub use decide::{
    decide, why_these_models_markdown, CandidateReport, Decision, DecisionKind, TrackedModel,
};
pub use inputs::DiscoverySources;
pub use options::DiscoveryOptions;
pub use providers::{parse_openrouter_models, parse_router_models, CatalogError};
#[cfg(test)]
pub use repackaging::Lineage;
pub use repackaging::TiedBy;
pub use responses::MAX_CATALOG_BYTES;
pub use signals::{Day0File, HfList, HfListKind, Signals, Source};
pub use source::{
    candidates, gather, gather_for_run, COOKBOOK_REPO_IDS, DATASET_MODELS, DAY0_FILES, HF_LISTS,
    PROVIDERS, PROVIDER_CATALOG_REACHED, SGLANG_CATALOG_REPO_IDS, SGLANG_CLASSES,
};
pub use source_api::RunInputs;
