//! What discovery's sources say, as data: the names they vouch for candidates under
//! ([`Source`]), what each found ([`Signals`], keyed by [`Finding`]s) and the shapes of their
//! findings ([`Day0File`], [`HfList`]). A leaf: it names no other file of `discover/`.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::sources::hf::ModelInfo;

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
    /// rank and downloads add their own amounts on top; see `Candidate::score`).
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
    /// The name a list vouches for candidates under: `hf-trending` or `hf-new` (popularity
    /// only).
    pub const fn source(self) -> Source {
        match self {
            HfListKind::Trending => Source::popularity("hf-trending"),
            HfListKind::New => Source::popularity("hf-new"),
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

/// Everything the sources found (`gather`), the input of the merge (`candidates`).
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
/// candidate's notes): a name (unique among the keys) and the type of what is kept.
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
/// about one candidate (`Candidate::notes`).
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
