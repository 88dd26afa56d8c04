//! Merging the gathered signals into one candidate per repo id (pure).
//!
//! A new SGLang class becomes repo ids through, in this order: HF-listed models whose
//! `config.architectures` contain it (exact), then any repo id seen in the lists, the SGLang docs
//! tables or the cookbooks whose name starts with the class's stem (the class without
//! `ForCausalLM` / `ForConditionalGeneration` / `LMHeadModel` / `Model`, compared token by
//! token: `MiniMaxM2ForCausalLM` → `minimaxm2` matches `MiniMax-M2.7` as `minimax` + `m2`, and
//! `Qwen3NextForCausalLM` matches `Qwen3-Next-80B-A3B-Thinking`). A repo whose name also
//! matches a longer stem of another known class belongs to that class (`DeepSeek-V3.2` is
//! `DeepseekV32ForCausalLM`'s, not `DeepseekV3ForCausalLM`'s). A class nothing matches stays a
//! candidate without a repo id, so the report can say so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::display_name::display_name;
use super::source::{DiscoverySource, PHASES, SOURCES};
use super::{Date, Day0File, Findings, HfList, HfListKind, Signals, Source};
use crate::sources::hf::{Gated, ModelInfo};

/// One model that might be added, with every signal about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// `None` only for a new SGLang class that matched no repo id.
    pub hf_repo_id: Option<String>,
    /// Doc-style name (the class name when there is no repo id).
    pub display_name: String,
    /// Sorted, deduplicated.
    pub sources: Vec<Source>,
    /// Live providers, sorted (`openrouter` counts as one).
    pub providers: Vec<String>,
    /// Whether any provider catalog answered in this run.
    pub provider_catalogs_reached: bool,
    /// From HF `config.architectures`, else the day-0 class it was matched to; empty when
    /// unknown (the caller may fill it from `config.json` and decide again).
    pub architectures: Vec<String>,
    pub pipeline_tag: Option<String>,
    /// `None` when no list described the repo.
    pub gated: Option<Gated>,
    pub sha: Option<String>,
    pub downloads: Option<u64>,
    pub likes: Option<u64>,
    /// The best 1-based rank in a trending list, with that list's pipeline tag.
    pub trending_rank: Option<(usize, String)>,
    pub created_at: Option<String>,
    /// The new SGLang classes this repo was matched to.
    pub day0: Vec<Day0Match>,
    /// What a source noted about it beyond the fields above, under its own keys (for its part
    /// of the signals text).
    pub notes: Findings,
}

/// How a new SGLang class was tied to a repo.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Day0Match {
    pub class: String,
    pub file: String,
    pub date: Date,
    pub matched_by: MatchedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The repo's HF `config.architectures` lists the class.
    Config,
    /// The repo's name starts with the class's stem.
    Name,
    /// Nothing matched.
    Unmatched,
}

impl Candidate {
    /// A candidate for `repo_id` that nothing is known about yet (its display name derived from
    /// the repo id); sources fill in the rest.
    pub fn blank(repo_id: String) -> Candidate {
        Candidate {
            display_name: display_name(&repo_id),
            hf_repo_id: Some(repo_id),
            sources: Vec::new(),
            providers: Vec::new(),
            provider_catalogs_reached: false,
            architectures: Vec::new(),
            pipeline_tag: None,
            gated: None,
            sha: None,
            downloads: None,
            likes: None,
            trending_rank: None,
            created_at: None,
            day0: Vec::new(),
            notes: Findings::default(),
        }
    }

    /// The sort key's tie-breaker and identity: the repo id, else the class name.
    pub fn key(&self) -> &str {
        self.hf_repo_id.as_deref().unwrap_or(&self.display_name)
    }

    pub fn provider_count(&self) -> usize {
        self.providers.len()
    }

    pub fn has_source(&self, source: Source) -> bool {
        self.sources.contains(&source)
    }

    /// Only trending / new lists vouch for it.
    pub fn is_popularity_only(&self) -> bool {
        !self.sources.is_empty() && self.sources.iter().all(|s| s.is_popularity())
    }

    /// The score documented in the module doc: the weights of the names it is vouched for under,
    /// plus its providers, its trending rank and its downloads.
    pub fn score(&self) -> u64 {
        let mut score: u64 = self
            .sources
            .iter()
            .enumerate()
            .filter(|&(at, source)| !self.sources[..at].contains(source))
            .map(|(_, source)| source.weight())
            .sum();
        score += 10_000_000 * (self.provider_count().min(99) as u64);
        if let Some((rank, _)) = &self.trending_rank {
            if (1..=999).contains(rank) {
                score += 1_000 * (1000 - *rank as u64);
            }
        }
        if let Some(downloads) = self.downloads {
            score += 10 * u64::from(downloads.saturating_add(1).ilog2());
        }
        score
    }

    /// What speaks for this model, for reasons and the Markdown table, each registered source
    /// saying its part:
    /// `new in SGLang: \`X\` (\`x.py\`, 2026-11-15); 3 live providers (a, b, c); in the cookbook; …`.
    pub fn signals_summary(&self) -> String {
        self.signals_summary_from(&SOURCES)
    }

    /// [`Candidate::signals_summary`] as the sources of `registry` say it.
    pub(super) fn signals_summary_from(&self, registry: &[&dyn DiscoverySource]) -> String {
        let mut speakers: Vec<&dyn DiscoverySource> = registry.to_vec();
        speakers.sort_by_key(|source| source.summary_place());
        let mut parts: Vec<String> = Vec::new();
        for source in speakers {
            source.describe(self, &mut parts);
        }
        parts.join("; ")
    }
}

/// One candidate per repo id (case-insensitive; the first spelling seen wins: HF lists, then
/// the docs tables, then the cookbooks), plus one per unmatched new class or dataset tag;
/// sorted by score, then key. Each registered source (`source::SOURCES`) merges what
/// it found, phase by phase.
pub fn candidates(signals: &Signals) -> Vec<Candidate> {
    candidates_from(signals, &SOURCES)
}

/// [`candidates`] as the sources of `registry` merge them; a candidate lists its names in
/// `registry` order.
pub(super) fn candidates_from(
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
    let place = |source: &Source| {
        let at = names.iter().position(|name| name == source);
        (at.unwrap_or(names.len()), source.as_str())
    };
    let Merged { by_key, unmatched } = merged;
    let mut all: Vec<Candidate> = by_key
        .into_values()
        .chain(unmatched)
        .map(|mut candidate| {
            candidate.sources.sort_by_key(&place);
            candidate.sources.dedup();
            candidate.providers.sort();
            candidate.providers.dedup();
            candidate.day0.sort();
            candidate.day0.dedup();
            candidate
        })
        .collect();
    sort_by_score(&mut all);
    all
}

/// The candidates so far: by lower-cased repo id, and those without one.
#[derive(Default)]
pub(crate) struct Merged {
    by_key: BTreeMap<String, Candidate>,
    unmatched: Vec<Candidate>,
}

impl Merged {
    /// The candidate for `repo_id` (any case), new if no source named it yet (with this
    /// spelling).
    pub(crate) fn entry(&mut self, repo_id: &str) -> &mut Candidate {
        entry(&mut self.by_key, repo_id)
    }

    /// Adds a candidate without a repo id (named `display_name`), vouched for by `source`.
    pub(crate) fn add_unmatched(&mut self, display_name: String, source: Source) -> &mut Candidate {
        self.unmatched.push(Candidate {
            hf_repo_id: None,
            display_name,
            sources: vec![source],
            ..Candidate::blank(String::new())
        });
        self.unmatched.last_mut().expect("just pushed")
    }
}

/// HF trending / new lists: every listed model, with what the list says about it.
pub(super) fn merge_hf_lists(lists: &[HfList], merged: &mut Merged) {
    let merged = &mut merged.by_key;
    for list in lists {
        for (index, model) in list.models.iter().enumerate() {
            let candidate = entry(merged, &model.id);
            candidate.sources.push(list.kind.source());
            absorb_model_info(candidate, model, &list.pipeline_tag);
            if list.kind == HfListKind::Trending {
                let rank = index + 1;
                let better = candidate
                    .trending_rank
                    .as_ref()
                    .is_none_or(|(best, _)| rank < *best);
                if better {
                    candidate.trending_rank = Some((rank, list.pipeline_tag.clone()));
                }
            }
        }
    }
}

/// A source that only names repo ids (SGLang's docs tables, the cookbooks): each is a
/// candidate it vouches for.
pub(super) fn merge_named(source: Source, repo_ids: &[String], merged: &mut Merged) {
    for repo_id in repo_ids {
        merged.entry(repo_id).sources.push(source);
    }
}

/// The dataset's `model:<slug>` tags no section tracks: the repos the slug fits best, else a
/// candidate of its own.
pub(super) fn merge_dataset_tags(slugs: &[String], merged: &mut Merged) {
    for slug in slugs {
        let fits: Vec<(usize, String)> = merged
            .by_key
            .iter()
            .filter_map(|(key, c)| {
                let repo = c.hf_repo_id.as_deref()?;
                crate::lint::traced::extra_words(slug, repo).map(|extra| (extra, key.clone()))
            })
            .collect();
        let best = fits.iter().map(|(extra, _)| *extra).min();
        if best.is_none() {
            merged.add_unmatched(format!("model:{slug}"), Source::DATASET);
        }
        for (_, key) in fits.iter().filter(|(extra, _)| Some(*extra) == best) {
            if let Some(candidate) = merged.by_key.get_mut(key) {
                candidate.sources.push(Source::DATASET);
            }
        }
    }
}

/// SGLang's new model classes: the repos each matches, else a candidate of its own.
pub(super) fn merge_sglang_day0(
    files: &[Day0File],
    sglang_classes: &[String],
    merged: &mut Merged,
) {
    let Merged {
        by_key: merged,
        unmatched,
    } = merged;
    let known_classes: Vec<&str> = sglang_classes
        .iter()
        .map(String::as_str)
        .chain(
            files
                .iter()
                .flat_map(|f| f.classes.iter().map(String::as_str)),
        )
        .collect();
    // Match every class against the repos as the lists describe them, then record the matches,
    // so the result does not depend on which class came first.
    let mut assignments = Vec::new();
    for file in files {
        for class in &file.classes {
            assignments.push((file, class, match_class(class, merged, &known_classes)));
        }
    }
    for (file, class, matches) in assignments {
        if matches.is_empty() {
            unmatched.push(Candidate {
                hf_repo_id: None,
                display_name: class.clone(),
                sources: vec![Source::SGLANG_DAY0],
                architectures: vec![class.clone()],
                day0: vec![Day0Match {
                    class: class.clone(),
                    file: file.file.clone(),
                    date: file.date,
                    matched_by: MatchedBy::Unmatched,
                }],
                ..Candidate::blank(String::new())
            });
            continue;
        }
        for (key, matched_by) in matches {
            let candidate = merged.get_mut(&key).expect("matched keys exist");
            candidate.sources.push(Source::SGLANG_DAY0);
            if !candidate.architectures.contains(class) && matched_by == MatchedBy::Name {
                candidate.architectures.push(class.clone());
            }
            candidate.day0.push(Day0Match {
                class: class.clone(),
                file: file.file.clone(),
                date: file.date,
                matched_by,
            });
        }
    }
}

/// The provider catalogs: the live providers they list for each repo id, and whether any
/// answered (for every candidate).
pub(super) fn merge_providers(
    providers: Option<&BTreeMap<String, BTreeSet<String>>>,
    reached: bool,
    merged: &mut Merged,
) {
    for (key, candidate) in &mut merged.by_key {
        if let Some(providers) = providers.and_then(|by_repo| by_repo.get(key)) {
            candidate.providers.extend(providers.iter().cloned());
        }
    }
    for candidate in merged.by_key.values_mut().chain(&mut merged.unmatched) {
        candidate.provider_catalogs_reached = reached;
    }
}

/// Score descending, then key ascending (case-insensitive first): the order of the report and
/// of picking.
pub(super) fn sort_by_score(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.score()
            .cmp(&a.score())
            .then_with(|| a.key().to_lowercase().cmp(&b.key().to_lowercase()))
            .then_with(|| a.key().cmp(b.key()))
    });
}

fn entry<'m>(merged: &'m mut BTreeMap<String, Candidate>, repo_id: &str) -> &'m mut Candidate {
    merged
        .entry(repo_id.to_lowercase())
        .or_insert_with(|| Candidate::blank(repo_id.to_string()))
}

/// Fills what the candidate does not know yet from one list entry.
fn absorb_model_info(candidate: &mut Candidate, model: &ModelInfo, list_pipeline_tag: &str) {
    if candidate.architectures.is_empty() {
        if let Some(config) = &model.config {
            candidate.architectures = config.architectures.clone();
        }
    }
    if candidate.pipeline_tag.is_none() {
        candidate.pipeline_tag = model
            .pipeline_tag
            .clone()
            .or_else(|| Some(list_pipeline_tag.to_string()));
    }
    if candidate.gated.is_none() {
        candidate.gated = model.gated.clone();
    }
    candidate.sha = candidate.sha.take().or_else(|| model.sha.clone());
    candidate.downloads = candidate.downloads.max(model.downloads);
    candidate.likes = candidate.likes.max(model.likes);
    candidate.created_at = candidate
        .created_at
        .take()
        .or_else(|| model.created_at.clone());
    for mapping in &model.inference_providers {
        if mapping.status.as_deref() == Some("live")
            && !candidate.providers.contains(&mapping.provider)
        {
            candidate.providers.push(mapping.provider.clone());
        }
    }
}

/// The keys of the repos a new class belongs to, and how each was matched.
fn match_class(
    class: &str,
    merged: &BTreeMap<String, Candidate>,
    known_classes: &[&str],
) -> Vec<(String, MatchedBy)> {
    let stem = class_stem(class);
    let mut found = Vec::new();
    for (key, candidate) in merged {
        if candidate.architectures.iter().any(|a| a == class) {
            found.push((key.clone(), MatchedBy::Config));
            continue;
        }
        // A repo whose architecture is known to be another class is not this class's.
        if !candidate.architectures.is_empty() || stem.is_empty() {
            continue;
        }
        let Some(repo_id) = &candidate.hf_repo_id else {
            continue;
        };
        let prefixes = name_prefixes(repo_id);
        if !prefixes.contains(&stem) {
            continue;
        }
        let longer_claim = known_classes.iter().any(|other| {
            let other_stem = class_stem(other);
            other_stem.len() > stem.len() && prefixes.contains(&other_stem)
        });
        if !longer_claim {
            found.push((key.clone(), MatchedBy::Name));
        }
    }
    found
}

/// `MiniMaxM2ForCausalLM` → `minimaxm2`.
fn class_stem(class: &str) -> String {
    let mut stem = class;
    for suffix in [
        "ForConditionalGeneration",
        "ForCausalLM",
        "LMHeadModel",
        "Model",
    ] {
        if let Some(rest) = stem.strip_suffix(suffix) {
            stem = rest;
            break;
        }
    }
    stem.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The lower-cased concatenations of a repo name's first 1, 2, … tokens (split at `-`, `_`,
/// `.`): `MiniMax-M2.7` → `minimax`, `minimaxm2`, `minimaxm27`.
fn name_prefixes(repo_id: &str) -> Vec<String> {
    let name = repo_id.rsplit('/').next().unwrap_or(repo_id);
    let mut prefixes = Vec::new();
    let mut joined = String::new();
    for token in name.split(['-', '_', '.']).filter(|t| !t.is_empty()) {
        joined.extend(
            token
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase()),
        );
        prefixes.push(joined.clone());
    }
    prefixes
}
