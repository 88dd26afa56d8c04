//! The one interface every discovery source implements, and the one list that registers them.
//!
//! A source reads (locally or over the network) and says what it found, under its own
//! [`Finding`] keys of the [`Signals`]; later, it says how those findings join the candidates,
//! and how it describes a candidate in the signals text. [`gather()`] runs every registered
//! fetch at once and applies the answers in [`SOURCES`] order (so problem lines keep it);
//! [`candidates()`] runs every merge, phase by phase, in the same order within a phase. A
//! candidate's score sums the weights of the [`Source`] names it is vouched for under (plus its
//! providers, trending rank and downloads); nothing outside a source's implementation names it.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;

use super::candidates::{self, Candidate, Merged};
use super::gather::{self, DiscoverySources};
use super::responses::SavedResponses;
#[cfg(doc)]
use super::{candidates::candidates, gather::gather};
use super::{Day0File, DiscoveryOptions, Finding, FindingValue, HfList, Signals, Source};
use crate::doc::CoverageDoc;
use crate::request::Request;

/// Every discovery source, in the order their answers are applied (and problem lines listed)
/// and their names listed in a candidate's `sources`. A new source is one implementation of
/// [`DiscoverySource`] and one line here.
pub(crate) const SOURCES: [&dyn DiscoverySource; 6] = [
    &SglangDay0,
    &SglangDocs,
    &Cookbook,
    &HfLists,
    &ProviderCatalogs,
    &DatasetTraces,
];

/// One discovery source: how it reads, how what it read joins the candidates, and what it says
/// about them.
pub(crate) trait DiscoverySource: Sync {
    /// The names it vouches for candidates under, each with its weight (its term of the
    /// score); none for a source that only annotates candidates.
    fn names(&self) -> &'static [Source];

    /// When its merge runs (see [`Phase`]).
    fn phase(&self) -> Phase;

    /// Reads the source. Never fails: a failure is a problem line in what it returns.
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a>;

    /// Adds what it found to the candidates (pure).
    fn merge(&self, signals: &Signals, merged: &mut Merged);

    /// Where its parts go in a candidate's signals text: lowest first, equal places in
    /// [`SOURCES`] order.
    fn summary_place(&self) -> u8;

    /// What it says about a candidate in the signals text (pure; nothing when it has nothing
    /// to say), e.g. `in the cookbook`.
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>);
}

/// The order of merging: sources that name repo ids with what the Hub says about them first
/// (a repo id keeps the spelling of the first source that names it: the Hub's), then the other
/// sources that name repo ids, then those matched against the named repos, then those that only
/// annotate candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Describes,
    Names,
    Matches,
    Annotates,
}

/// Every phase, in merging order.
pub(crate) const PHASES: [Phase; 4] = [
    Phase::Describes,
    Phase::Names,
    Phase::Matches,
    Phase::Annotates,
];

/// What a fetch may read.
pub(crate) struct Fetching<'a> {
    pub sources: &'a DiscoverySources,
    pub options: &'a DiscoveryOptions,
    /// `None` when it could not be built (a problem line says so); who needs it contributes
    /// nothing.
    pub http: Option<&'a reqwest::Client>,
    pub saved: &'a SavedResponses,
    /// The run's request and doc, when discovery runs as part of one (tests may gather
    /// without).
    pub run: Option<RunInputs<'a>>,
}

/// The parts of a run a source may need beyond [`DiscoverySources`].
#[derive(Clone, Copy)]
pub struct RunInputs<'a> {
    pub request: &'a Request,
    pub doc: &'a CoverageDoc<'a>,
    /// The dataset's tags, read once per run (the lint takes them at the end).
    pub dataset_tags: &'a std::sync::OnceLock<crate::sources::dataset_tags::TagReading>,
}

/// What one source's fetch found, as the change it makes to the signals.
pub(crate) type Found = Box<dyn FnOnce(&mut Signals) + Send>;

/// One source's fetch, under way.
pub(crate) type Fetch<'a> = Pin<Box<dyn Future<Output = Found> + Send + 'a>>;

// The sources, in registry order: each with its names, its findings' keys and its
// implementation.

impl Source {
    /// New in SGLang within the window: beats everything.
    pub const SGLANG_DAY0: Source = Source::new("sglang-day0", 1_000_000_000);
}

/// `sglang-day0`'s new model files, sorted by file name.
pub const DAY0_FILES: Finding<Vec<Day0File>> = Finding::new("sglang-day0");

/// `sglang-day0`: model files added to SGLang inside the window.
struct SglangDay0;

impl DiscoverySource for SglangDay0 {
    fn names(&self) -> &'static [Source] {
        &[Source::SGLANG_DAY0]
    }
    fn phase(&self) -> Phase {
        Phase::Matches
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(gather::fetch_day0(at))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let files = listed(signals, DAY0_FILES);
        candidates::merge_sglang_day0(files, listed(signals, SGLANG_CLASSES), merged);
    }
    fn summary_place(&self) -> u8 {
        10
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        for found in &candidate.day0 {
            if found.matched_by != candidates::MatchedBy::Unmatched {
                parts.push(format!(
                    "new in SGLang: `{}` (`{}`, {})",
                    found.class, found.file, found.date
                ));
            }
        }
    }
}

impl Source {
    pub const SGLANG_CATALOG: Source = Source::new("sglang-catalog", 0);
}

/// The generative classes of the SGLang catalog (sorted, deduplicated).
pub const SGLANG_CLASSES: Finding<Vec<String>> = Finding::new("sglang-classes");

/// The repo ids of SGLang's supported-models tables, in document order.
pub const SGLANG_CATALOG_REPO_IDS: Finding<Vec<String>> = Finding::new("sglang-catalog");

/// `sglang-catalog`: the repo ids of SGLang's supported-models tables, and its classes (local).
struct SglangDocs;

impl DiscoverySource for SglangDocs {
    fn names(&self) -> &'static [Source] {
        &[Source::SGLANG_CATALOG]
    }
    fn phase(&self) -> Phase {
        Phase::Names
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        let catalog = &at.sources.catalog;
        let mut classes: Vec<String> = catalog
            .generative_classes()
            .into_iter()
            .map(|c| c.class.clone())
            .collect();
        classes.sort();
        classes.dedup();
        let repo_ids: Vec<String> = catalog
            .doc_repo_ids
            .iter()
            .map(|(_, repo)| repo.clone())
            .collect();
        Box::pin(std::future::ready::<Found>(Box::new(move |signals| {
            signals.insert(SGLANG_CLASSES, classes);
            signals.insert(SGLANG_CATALOG_REPO_IDS, repo_ids);
        })))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let repo_ids = listed(signals, SGLANG_CATALOG_REPO_IDS);
        candidates::merge_named(Source::SGLANG_CATALOG, repo_ids, merged);
    }
    fn summary_place(&self) -> u8 {
        50
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        if candidate.has_source(Source::SGLANG_CATALOG) {
            parts.push("in SGLang's supported-models docs".to_string());
        }
    }
}

impl Source {
    pub const COOKBOOK: Source = Source::new("cookbook", 1_000_000);
}

/// Every repo id of the cookbook index, sorted.
pub const COOKBOOK_REPO_IDS: Finding<Vec<String>> = Finding::new("cookbook");

/// `cookbook`: every repo id of the cookbook index (local).
struct Cookbook;

impl DiscoverySource for Cookbook {
    fn names(&self) -> &'static [Source] {
        &[Source::COOKBOOK]
    }
    fn phase(&self) -> Phase {
        Phase::Names
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        let repo_ids = at.sources.cookbook.repo_ids();
        Box::pin(std::future::ready::<Found>(Box::new(move |signals| {
            signals.insert(COOKBOOK_REPO_IDS, repo_ids);
        })))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let repo_ids = listed(signals, COOKBOOK_REPO_IDS);
        candidates::merge_named(Source::COOKBOOK, repo_ids, merged);
    }
    fn summary_place(&self) -> u8 {
        30
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        if candidate.has_source(Source::COOKBOOK) {
            parts.push("in the cookbook".to_string());
        }
    }
}

impl Source {
    pub const HF_TRENDING: Source = Source::popularity("hf-trending");
    pub const HF_NEW: Source = Source::popularity("hf-new");
}

/// The HF lists that answered (trending then new; text, then image-text).
pub const HF_LISTS: Finding<Vec<HfList>> = Finding::new("hf-lists");

/// `hf-trending` / `hf-new`: the Hub's lists.
struct HfLists;

impl DiscoverySource for HfLists {
    fn names(&self) -> &'static [Source] {
        &[Source::HF_TRENDING, Source::HF_NEW]
    }
    fn phase(&self) -> Phase {
        Phase::Describes
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(gather::fetch_hf_lists(at))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_hf_lists(listed(signals, HF_LISTS), merged);
    }
    fn summary_place(&self) -> u8 {
        60
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        if let Some((rank, tag)) = &candidate.trending_rank {
            parts.push(format!("trending #{rank} ({tag})"));
        }
        if candidate.has_source(Source::HF_NEW) {
            parts.push("new on the Hub".to_string());
        }
        if let Some(downloads) = candidate.downloads {
            parts.push(format!("{} downloads", thousands(downloads)));
        }
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Live providers per lower-cased repo id, from the router and OpenRouter.
pub const PROVIDERS: Finding<BTreeMap<String, BTreeSet<String>>> = Finding::new("providers");

/// Whether the router or OpenRouter answered (else `min_providers` is not applied).
pub const PROVIDER_CATALOG_REACHED: Finding<bool> = Finding::new("provider-catalog-reached");

/// The HF router and OpenRouter: live providers per repo id (never candidates by themselves).
struct ProviderCatalogs;

impl DiscoverySource for ProviderCatalogs {
    fn names(&self) -> &'static [Source] {
        &[]
    }
    fn phase(&self) -> Phase {
        Phase::Annotates
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(gather::fetch_providers(at))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let reached = signals.get(PROVIDER_CATALOG_REACHED).copied();
        candidates::merge_providers(signals.get(PROVIDERS), reached.unwrap_or(false), merged);
    }
    fn summary_place(&self) -> u8 {
        20
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        match candidate.providers.as_slice() {
            [] => {}
            [one] => parts.push(format!("1 live provider ({one})")),
            all => parts.push(format!("{} live providers ({})", all.len(), all.join(", "))),
        }
    }
}

impl Source {
    /// Traced already: FlashInfer-Bench's own people cared enough to capture its kernels.
    pub const DATASET: Source = Source::new("dataset", 5_000_000);
}

/// `model:<slug>` tags of the dataset that no doc section tracks, sorted.
pub const DATASET_MODELS: Finding<Vec<String>> = Finding::new("dataset");

/// `dataset`: the flashinfer-trace dataset's `model:<slug>` tags no doc section tracks (read
/// only as part of a run: it needs the doc).
struct DatasetTraces;

impl DiscoverySource for DatasetTraces {
    fn names(&self) -> &'static [Source] {
        &[Source::DATASET]
    }
    fn phase(&self) -> Phase {
        Phase::Matches
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(async move {
            let Some(run) = at.run else {
                return Box::new(|_: &mut Signals| {}) as Found;
            };
            let mut problems = Vec::new();
            let models = crate::sources::dataset_tags::untracked_models(
                run.request,
                run.doc,
                &at.sources.hf,
                run.dataset_tags,
                &mut problems,
            )
            .await;
            Box::new(move |signals: &mut Signals| {
                signals.insert(DATASET_MODELS, models);
                signals.problems.extend(problems);
            }) as Found
        })
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_dataset_tags(listed(signals, DATASET_MODELS), merged);
    }
    fn summary_place(&self) -> u8 {
        40
    }
    fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
        if candidate.has_source(Source::DATASET) {
            parts.push("traced in the dataset".to_string());
        }
    }
}

/// What a source found under a list key; empty when it did not answer.
fn listed<T>(signals: &Signals, key: Finding<Vec<T>>) -> &[T]
where
    Vec<T>: FindingValue,
{
    signals.get(key).map(Vec::as_slice).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::candidates::candidates_from;

    /// The registry's names are unique and in the order reports list them.
    #[test]
    fn every_name_is_registered_once_in_report_order() {
        let names: Vec<&str> = SOURCES
            .iter()
            .flat_map(|s| s.names())
            .map(|name| name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "sglang-day0",
                "sglang-catalog",
                "cookbook",
                "hf-trending",
                "hf-new",
                "dataset"
            ]
        );
    }

    const TOY: Source = Source::new("toy-stars", 3_000_000);
    /// The repos the toy index stars, with their stars.
    const TOY_STARRED: Finding<Vec<(String, u64)>> = Finding::new("toy-stars");
    /// One candidate's stars.
    const TOY_STARS: Finding<u64> = Finding::new("toy-stars");

    /// A source written the way a new one would be: its name and weight, its finding, its
    /// fetch, its merge (with a note of its own on the candidate) and its part of the signals
    /// text; nothing else knows it.
    struct ToyStars;

    impl DiscoverySource for ToyStars {
        fn names(&self) -> &'static [Source] {
            &[TOY]
        }
        fn phase(&self) -> Phase {
            Phase::Names
        }
        fn fetch<'a>(&'a self, _: &'a Fetching<'a>) -> Fetch<'a> {
            Box::pin(async {
                Box::new(|signals: &mut Signals| {
                    let starred = vec![("qwen/qwen3-8b".into(), 1_234), ("acme/Toy-1B".into(), 7)];
                    signals.insert(TOY_STARRED, starred);
                    signals.problems.push("toy-stars: page 2 unreadable".into());
                }) as Found
            })
        }
        fn merge(&self, signals: &Signals, merged: &mut Merged) {
            for (repo_id, stars) in listed(signals, TOY_STARRED) {
                let candidate = merged.entry(repo_id);
                candidate.sources.push(TOY);
                candidate.notes.insert(TOY_STARS, *stars);
            }
        }
        fn summary_place(&self) -> u8 {
            25 // after the providers (20), before the cookbook (30): not registry order
        }
        fn describe(&self, candidate: &Candidate, parts: &mut Vec<String>) {
            if let Some(stars) = candidate.notes.get(TOY_STARS) {
                parts.push(format!("{stars} stars on the toy index"));
            }
        }
    }

    #[tokio::test]
    async fn a_new_source_is_one_implementation_and_one_line() {
        let home = tempfile::tempdir().unwrap();
        let var = |name: &str| match name {
            "HF_HOME" => Some(home.path().display().to_string()),
            "HF_HUB_OFFLINE" => Some("1".to_string()),
            _ => None,
        };
        let sources = DiscoverySources::from_vars(var, None, &[]).unwrap();
        let options = DiscoveryOptions::new(crate::date::Date::from_ymd(2026, 11, 20).unwrap());
        let gathered = gather::gather_from(
            &sources,
            &options,
            None,
            &[&ToyStars as &dyn DiscoverySource],
        )
        .await;
        assert_eq!(gathered.problems, ["toy-stars: page 2 unreadable"]);
        let signals = gathered
            .with(
                COOKBOOK_REPO_IDS,
                vec!["Qwen/Qwen3-8B".into(), "acme/Cookbook-7B".into()],
            )
            .with(
                PROVIDERS,
                BTreeMap::from([("acme/toy-1b".into(), BTreeSet::from(["together".into()]))]),
            )
            .with(PROVIDER_CATALOG_REACHED, true);

        let registry: Vec<&dyn DiscoverySource> = SOURCES
            .iter()
            .copied()
            .chain([&ToyStars as &dyn DiscoverySource])
            .collect();
        let found: Vec<(String, Vec<&str>, u64, String)> = candidates_from(&signals, &registry)
            .iter()
            .map(|c| {
                (
                    c.key().to_string(),
                    c.sources.iter().map(|s| s.as_str()).collect(),
                    c.score(),
                    c.signals_summary_from(&registry),
                )
            })
            .collect();
        let row = |key: &str, sources: &[&'static str], score, summary: &str| {
            (
                key.to_string(),
                sources.to_vec(),
                score,
                summary.to_string(),
            )
        };
        assert_eq!(
            found,
            [
                row(
                    "acme/Toy-1B",
                    &["toy-stars"],
                    3_000_000 + 10_000_000,
                    "1 live provider (together); 7 stars on the toy index"
                ),
                // The cookbook named it first (same phase, earlier in the registry): its
                // spelling, and its name first.
                row(
                    "Qwen/Qwen3-8B",
                    &["cookbook", "toy-stars"],
                    1_000_000 + 3_000_000,
                    "1234 stars on the toy index; in the cookbook"
                ),
                row(
                    "acme/Cookbook-7B",
                    &["cookbook"],
                    1_000_000,
                    "in the cookbook"
                ),
            ]
        );

        // Unregistered, what it found joins nothing.
        let keys: Vec<(String, u64)> = candidates_from(&signals, &SOURCES)
            .iter()
            .map(|c| (c.key().to_string(), c.score()))
            .collect();
        assert_eq!(
            keys,
            [
                ("acme/Cookbook-7B".to_string(), 1_000_000),
                ("Qwen/Qwen3-8B".to_string(), 1_000_000),
            ]
        );
    }
}
