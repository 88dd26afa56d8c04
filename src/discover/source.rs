//! The one interface every discovery source implements, and the one list that registers them.
//!
//! A source reads (locally or over the network) and says how what it read changes the
//! [`Signals`]; later, it says how those signals join the candidates. [`gather()`]
//! runs every registered fetch at once and applies the answers in [`SOURCES`] order (so problem
//! lines keep it); [`candidates()`] runs every merge, phase by phase, in the
//! same order within a phase.

use std::future::Future;
use std::pin::Pin;

use super::candidates::{self, Merged};
use super::gather::{self, DiscoverySources};
use super::responses::SavedResponses;
#[cfg(doc)]
use super::{candidates::candidates, gather::gather};
use super::{DiscoveryOptions, Signals, Source};
use crate::doc::CoverageDoc;
use crate::request::Request;

/// Every discovery source, in the order their answers are applied (and problem lines listed).
/// A new source is one implementation of [`DiscoverySource`] and one line here.
pub(crate) const SOURCES: [&dyn DiscoverySource; 6] = [
    &SglangDay0,
    &HfLists,
    &ProviderCatalogs,
    &SglangDocs,
    &Cookbook,
    &DatasetTraces,
];

/// One discovery source: how it reads, and how what it read joins the candidates.
pub(crate) trait DiscoverySource: Sync {
    /// The [`Source`]s it vouches for in candidates (their names and weights); none for a source
    /// that only annotates candidates.
    fn names(&self) -> &'static [Source];

    /// When its merge runs (see [`Phase`]).
    fn phase(&self) -> Phase;

    /// Reads the source. Never fails: a failure is a problem line in what it returns.
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a>;

    /// Adds what it found to the candidates (pure).
    fn merge(&self, signals: &Signals, merged: &mut Merged);
}

/// The order of merging: sources that name repo ids first (a repo id keeps the spelling of the
/// first one that names it), then those matched against the named repos, then those that only
/// annotate candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Names,
    Matches,
    Annotates,
}

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

/// `sglang-day0`: model files added to SGLang inside the window.
struct SglangDay0;

impl DiscoverySource for SglangDay0 {
    fn names(&self) -> &'static [Source] {
        &[Source::SglangDay0]
    }
    fn phase(&self) -> Phase {
        Phase::Matches
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(gather::fetch_day0(at))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_sglang_day0(signals, merged);
    }
}

/// `hf-trending` / `hf-new`: the Hub's lists.
struct HfLists;

impl DiscoverySource for HfLists {
    fn names(&self) -> &'static [Source] {
        &[Source::HfTrending, Source::HfNew]
    }
    fn phase(&self) -> Phase {
        Phase::Names
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        Box::pin(gather::fetch_hf_lists(at))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_hf_lists(signals, merged);
    }
}

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
        candidates::merge_providers(signals, merged);
    }
}

/// `sglang-catalog`: the repo ids of SGLang's supported-models tables, and its classes (local).
struct SglangDocs;

impl DiscoverySource for SglangDocs {
    fn names(&self) -> &'static [Source] {
        &[Source::SglangCatalog]
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
            signals.sglang_classes = classes;
            signals.named.insert(Source::SglangCatalog, repo_ids);
        })))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_named(Source::SglangCatalog, signals, merged);
    }
}

/// `cookbook`: every repo id of the cookbook index (local).
struct Cookbook;

impl DiscoverySource for Cookbook {
    fn names(&self) -> &'static [Source] {
        &[Source::Cookbook]
    }
    fn phase(&self) -> Phase {
        Phase::Names
    }
    fn fetch<'a>(&'a self, at: &'a Fetching<'a>) -> Fetch<'a> {
        let repo_ids = at.sources.cookbook.repo_ids();
        Box::pin(std::future::ready::<Found>(Box::new(move |signals| {
            signals.named.insert(Source::Cookbook, repo_ids);
        })))
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_named(Source::Cookbook, signals, merged);
    }
}

/// `dataset`: the flashinfer-trace dataset's `model:<slug>` tags no doc section tracks (read
/// only as part of a run: it needs the doc).
struct DatasetTraces;

impl DiscoverySource for DatasetTraces {
    fn names(&self) -> &'static [Source] {
        &[Source::Dataset]
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
                signals.dataset_models = models;
                signals.problems.extend(problems);
            }) as Found
        })
    }
    fn merge(&self, signals: &Signals, merged: &mut Merged) {
        candidates::merge_dataset_tags(signals, merged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every [`Source`] a report can show is vouched for by exactly one registered source.
    #[test]
    fn every_source_is_registered_once() {
        for source in Source::ALL {
            let owners = SOURCES
                .iter()
                .filter(|s| s.names().contains(&source))
                .count();
            assert_eq!(owners, 1, "{}", source.as_str());
        }
        let named: usize = SOURCES.iter().map(|s| s.names().len()).sum();
        assert_eq!(named, Source::ALL.len());
    }
}
