//! The one interface every discovery source implements ([`DiscoverySource`]), with what a
//! fetch may read ([`Fetching`]) and what it gives back ([`Found`]). The sources themselves
//! and their registry are in `source.rs`; running their fetches is `gather.rs`'s.

use std::future::Future;
use std::pin::Pin;

use super::candidates::{Candidate, Merged};
use super::inputs::DiscoverySources;
use super::options::DiscoveryOptions;
use super::responses::SavedResponses;
use super::signals::{Finding, FindingValue, Signals, Source};
use crate::doc::CoverageDoc;
use crate::request::Request;

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
    /// `SOURCES` order.
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

/// What a source found under a list key; empty when it did not answer.
pub(crate) fn listed<T>(signals: &Signals, key: Finding<Vec<T>>) -> &[T]
where
    Vec<T>: FindingValue,
{
    signals.get(key).map(Vec::as_slice).unwrap_or_default()
}
