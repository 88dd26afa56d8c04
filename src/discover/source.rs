//! The discovery sources and the one list that registers them.
//!
//! A source reads (locally or over the network) and says what it found, under its own
//! [`Finding`] keys of the [`Signals`]; later, it says how those findings join the candidates,
//! and how it describes a candidate in the signals text (the interface: `source_api.rs`).
//! [`gather()`] runs every registered fetch at once and applies the answers in [`SOURCES`]
//! order (so problem lines keep it); [`candidates()`] runs every merge, phase by phase, in the
//! same order within a phase, then folds repackagings into their originals. A candidate's
//! score sums the weights of the [`Source`] names it is vouched for under (plus its providers,
//! trending rank and downloads); nothing outside a source's implementation names it.

use std::collections::{BTreeMap, BTreeSet};

use super::candidates::{self, Candidate, Merged, ServingCount};
use super::gather::gather_from;
use super::inputs::DiscoverySources;
use super::options::DiscoveryOptions;
use super::readers;
use super::signals::{Day0File, Finding, HfList, HfListKind, Signals, Source};
use super::source_api::{
    listed, DiscoverySource, Fetch, Fetching, Found, Phase, RunInputs, PHASES,
};

/// Reads every registered source (concurrently) and returns what they said. Never fails: a
/// source that cannot answer leaves a problem line naming it and contributes nothing.
pub async fn gather(sources: &DiscoverySources, options: &DiscoveryOptions) -> Signals {
    gather_for_run(sources, options, None).await
}

/// [`gather`] as part of a run: sources that need the run's request or doc (the dataset's
/// traces) read them from `run`.
pub async fn gather_for_run(
    sources: &DiscoverySources,
    options: &DiscoveryOptions,
    run: Option<RunInputs<'_>>,
) -> Signals {
    gather_from(sources, options, run, &SOURCES).await
}

/// One candidate per repo id (case-insensitive; the first spelling seen wins: HF lists, then
/// the docs tables, then the cookbooks), plus one per unmatched new class or dataset tag, with
/// every repackaging folded into its original (`candidates::fold_repackagings`); sorted by
/// score, then by the tie-breaking signals. Each registered source merges what it found,
/// phase by phase.
pub fn candidates(signals: &Signals) -> Vec<Candidate> {
    candidates_from(signals, &SOURCES)
}

/// [`candidates`] as the sources of `registry` merge them; a candidate lists its names in
/// `registry` order.
pub(crate) fn candidates_from(
    signals: &Signals,
    registry: &[&dyn DiscoverySource],
) -> Vec<Candidate> {
    let mut merged = Merged::default();
    for phase in PHASES {
        for source in registry.iter().filter(|s| s.phase() == phase) {
            source.merge(signals, &mut merged);
        }
    }
    let names: Vec<Source> = registry.iter().flat_map(|s| s.names()).copied().collect();
    merged.finish(&names)
}

impl Candidate {
    /// What speaks for this model, for reasons and the Markdown table, each registered source
    /// saying its part, then the repackagings folded into it:
    /// `new in SGLang: \`X\` (\`x.py\`, 2026-11-15); 3 live providers (a, b, c); in the cookbook; …`.
    pub fn signals_summary(&self) -> String {
        self.signals_summary_from(&SOURCES)
    }

    /// [`Candidate::signals_summary`] as the sources of `registry` say it.
    pub(crate) fn signals_summary_from(&self, registry: &[&dyn DiscoverySource]) -> String {
        let mut speakers: Vec<&dyn DiscoverySource> = registry.to_vec();
        speakers.sort_by_key(|source| source.summary_place());
        let mut parts: Vec<String> = Vec::new();
        for source in speakers {
            source.describe(self, &mut parts);
        }
        parts.extend(self.repackagings_summary());
        parts.join("; ")
    }
}

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
        Box::pin(async move {
            let (files, problems, calls) = readers::day0(at.sources, at.options, at.saved).await;
            Box::new(move |signals: &mut Signals| {
                signals.insert(DAY0_FILES, files);
                signals.problems.extend(problems);
                signals.api_calls.insert("github".to_string(), calls);
            }) as Found
        })
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let files = listed(signals, DAY0_FILES);
        let classes = listed(signals, SGLANG_CLASSES);
        candidates::merge_sglang_day0(Source::SGLANG_DAY0, files, classes, merged);
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

/// The serving data of each repo id the cookbook index names with at least one configuration
/// (lower-cased repo id → files and configurations).
pub(crate) const COOKBOOK_SERVING: Finding<BTreeMap<String, ServingCount>> =
    Finding::new("cookbook-serving");

/// `cookbook`: every repo id of the cookbook index, with how much serving data names it
/// (local).
struct Cookbook;

impl DiscoverySource for Cookbook {
    fn names(&self) -> &'static [Source] {
        &[Source::COOKBOOK]
    }
    fn phase(&self) -> Phase {
        Phase::Names
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        let cookbook = &at.sources.cookbook;
        let repo_ids = cookbook.repo_ids();
        let serving: BTreeMap<String, ServingCount> = repo_ids
            .iter()
            .map(|repo| {
                let sources = cookbook.serving(repo);
                let files: BTreeSet<_> = sources.iter().map(|s| &s.file).collect();
                let configs: BTreeSet<_> =
                    sources.iter().map(|s| (s.config, &s.hardware)).collect();
                let count = ServingCount {
                    files: files.len(),
                    configs: configs.len(),
                };
                (repo.to_lowercase(), count)
            })
            .filter(|(_, count)| count.configs > 0)
            .collect();
        Box::pin(std::future::ready::<Found>(Box::new(move |signals| {
            signals.insert(COOKBOOK_REPO_IDS, repo_ids);
            signals.insert(COOKBOOK_SERVING, serving);
        })))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let repo_ids = listed(signals, COOKBOOK_REPO_IDS);
        candidates::merge_named(Source::COOKBOOK, repo_ids, merged);
        if let Some(serving) = signals.get(COOKBOOK_SERVING) {
            merged.set_serving(serving);
        }
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
    pub const HF_TRENDING: Source = HfListKind::Trending.source();
    pub const HF_NEW: Source = HfListKind::New.source();
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
        Box::pin(async move {
            if at.http.is_none() {
                return Box::new(|_: &mut Signals| {}) as Found;
            }
            let (lists, problems) = readers::hf_lists(at.sources, at.saved).await;
            Box::new(move |signals: &mut Signals| {
                signals.insert(HF_LISTS, lists);
                signals.problems.extend(problems);
            }) as Found
        })
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        let lists = listed(signals, HF_LISTS);
        candidates::merge_hf_lists(lists, [Source::HF_TRENDING, Source::HF_NEW], merged);
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
        Box::pin(async move {
            let Some(http) = at.http else {
                return Box::new(|_: &mut Signals| {}) as Found;
            };
            let found = readers::provider_catalogs(at.sources, http, at.saved).await;
            Box::new(move |signals: &mut Signals| {
                signals.problems.extend(found.problems);
                for (label, calls) in found.calls {
                    signals.api_calls.insert(label.to_string(), calls);
                }
                signals.insert(PROVIDERS, found.providers);
                signals.insert(PROVIDER_CATALOG_REACHED, found.reached);
            }) as Found
        })
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
        candidates::merge_dataset_tags(Source::DATASET, listed(signals, DATASET_MODELS), merged);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::gather::gather_from;

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
        let gathered = gather_from(
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
