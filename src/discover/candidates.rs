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
//!
//! Once every source has merged, each repackaging is folded into its original's candidate
//! ([`fold_repackagings`]; what tells a repackaging is `repackaging.rs`'s): its signals and
//! serving data count for the original, whose section it becomes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::display_name::display_name;
use super::repackaging::{self, is_repackaging_name, unpackaged_name, Lineage, TiedBy};
use super::signals::{Day0File, Findings, HfList, HfListKind, Source};
use crate::date::Date;
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
    /// How much serving data (SGLang's configs, the cookbooks) names it, its repackagings'
    /// included.
    pub serving: ServingCount,
    /// The repo the Hub says this one is a quantized repackaging of (`baseModels`, else the
    /// model card's `base_model`), before folding.
    pub repackages: Option<Lineage>,
    /// The repackagings folded into it (`amd/…-MXFP4`, `…-FP8`, …), in the order folded: their
    /// signals and serving sizes count for this model, whose section they become.
    pub repackagings: Vec<Lineage>,
}

/// How much serving data names a repo: the config files, and the distinct configurations
/// (TP, EP, DP and hardware) in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServingCount {
    pub files: usize,
    pub configs: usize,
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
            serving: ServingCount::default(),
            repackages: None,
            repackagings: Vec::new(),
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

    /// The signals text's part about the repackagings folded into it:
    /// `also published as \`amd/X-MXFP4\` (quantized, per the Hub)`.
    pub(crate) fn repackagings_summary(&self) -> Option<String> {
        if self.repackagings.is_empty() {
            return None;
        }
        let each: Vec<String> = self
            .repackagings
            .iter()
            .map(|r| format!("`{}` ({})", r.repo_id, r.via.describe()))
            .collect();
        Some(format!("also published as {}", each.join(", ")))
    }
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

    /// Notes how much serving data names each candidate (by lower-cased repo id).
    pub(crate) fn set_serving(&mut self, serving: &BTreeMap<String, ServingCount>) {
        for (key, candidate) in &mut self.by_key {
            if let Some(count) = serving.get(key) {
                candidate.serving = *count;
            }
        }
    }

    /// The candidates: each one's sources in the order of `names` (the registry's), its
    /// providers and day-0 matches sorted and deduplicated, every repackaging folded into its
    /// original ([`fold_repackagings`]), sorted by [`sort_by_score`].
    pub(crate) fn finish(self, names: &[Source]) -> Vec<Candidate> {
        let place = |source: &Source| {
            let at = names.iter().position(|name| name == source);
            (at.unwrap_or(names.len()), source.as_str())
        };
        let Merged { by_key, unmatched } = self;
        let tidy = |mut candidate: Candidate| {
            candidate.sources.sort_by_key(&place);
            candidate.sources.dedup();
            candidate.providers.sort();
            candidate.providers.dedup();
            candidate.day0.sort();
            candidate.day0.dedup();
            candidate
        };
        let folded = fold_repackagings(by_key.into_values().collect());
        let mut all: Vec<Candidate> = folded.into_iter().chain(unmatched).map(tidy).collect();
        sort_by_score(&mut all);
        all
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

/// HF trending / new lists: every listed model, with what the list says about it; `names`
/// are the trending and the new list's [`Source`]s.
pub(super) fn merge_hf_lists(lists: &[HfList], names: [Source; 2], merged: &mut Merged) {
    let merged = &mut merged.by_key;
    for list in lists {
        for (index, model) in list.models.iter().enumerate() {
            let candidate = entry(merged, &model.id);
            candidate.sources.push(match list.kind {
                HfListKind::Trending => names[0],
                HfListKind::New => names[1],
            });
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
pub(super) fn merge_dataset_tags(source: Source, slugs: &[String], merged: &mut Merged) {
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
            merged.add_unmatched(format!("model:{slug}"), source);
        }
        for (_, key) in fits.iter().filter(|(extra, _)| Some(*extra) == best) {
            if let Some(candidate) = merged.by_key.get_mut(key) {
                candidate.sources.push(source);
            }
        }
    }
}

/// SGLang's new model classes: the repos each matches, else a candidate of its own.
pub(super) fn merge_sglang_day0(
    source: Source,
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
                sources: vec![source],
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
            candidate.sources.push(source);
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

/// The order of the report and of picking: score descending, then, between equal scores, the
/// real signals: more serving configurations, more serving files, a newer SGLang day-0 file,
/// more live providers, more downloads. Only candidates equal on all of these are ordered by
/// key (case-insensitive first), so the order is total and the same on every run.
pub(super) fn sort_by_score(candidates: &mut [Candidate]) {
    candidates.sort_by_cached_key(|c| {
        (
            Reverse(c.score()),
            Reverse(tie_breaker(c)),
            c.key().to_lowercase(),
            c.key().to_string(),
        )
    });
}

/// What breaks a tie between equal scores, larger first: serving configurations, serving
/// files, the newest day-0 date, live providers, downloads.
pub(super) fn tie_breaker(candidate: &Candidate) -> (usize, usize, Option<Date>, usize, u64) {
    (
        candidate.serving.configs,
        candidate.serving.files,
        candidate.day0.iter().map(|found| found.date).max(),
        candidate.provider_count(),
        candidate.downloads.unwrap_or(0),
    )
}

/// Folds every repackaging into its original's candidate (created when no source named the
/// original): the original the Hub declares ([`repackaging::declared_original`]), else, for a
/// repo whose name carries precision or packaging words, the candidate whose name is the same
/// without them (of several, the one the real signals rank first: score, then
/// [`tie_breaker`]). A repackaging of a repackaging goes to the root (at most
/// [`MAX_LINEAGE_DEPTH`] steps); a circle of declarations folds nothing.
fn fold_repackagings(all: Vec<Candidate>) -> Vec<Candidate> {
    let ties = repackaging_ties(&all);
    let mut roots: BTreeMap<String, Lineage> = BTreeMap::new();
    for (child, tie) in &ties {
        let mut root = tie.clone();
        let mut seen = vec![child.clone()];
        while let Some(next) = ties.get(&root.repo_id.to_lowercase()) {
            if seen.len() > MAX_LINEAGE_DEPTH || seen.contains(&root.repo_id.to_lowercase()) {
                break;
            }
            seen.push(root.repo_id.to_lowercase());
            root = Lineage {
                repo_id: next.repo_id.clone(),
                via: root.via,
            };
        }
        let root_key = root.repo_id.to_lowercase();
        if !ties.contains_key(&root_key) && root_key != *child {
            roots.insert(child.clone(), root);
        }
    }
    let mut kept: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut children: Vec<(Candidate, Lineage)> = Vec::new();
    for candidate in all {
        let key = candidate.key().to_lowercase();
        match roots.remove(&key) {
            Some(root) => children.push((candidate, root)),
            None => {
                kept.insert(key, candidate);
            }
        }
    }
    for (child, root) in children {
        let original = entry(&mut kept, &root.repo_id);
        absorb_repackaging(original, child, root.via);
    }
    kept.into_values().collect()
}

/// How many repackagings of repackagings are followed to the original.
const MAX_LINEAGE_DEPTH: usize = 4;

/// Each repackaging's original, by the repackaging's lower-cased repo id.
fn repackaging_ties(all: &[Candidate]) -> BTreeMap<String, Lineage> {
    let mut ties = BTreeMap::new();
    for candidate in all {
        let Some(repo_id) = &candidate.hf_repo_id else {
            continue;
        };
        let tie = candidate.repackages.clone().or_else(|| {
            if !is_repackaging_name(repo_id) {
                return None;
            }
            let name = unpackaged_name(repo_id);
            all.iter()
                .filter(|other| {
                    other.hf_repo_id.as_deref().is_some_and(|other_id| {
                        !is_repackaging_name(other_id) && unpackaged_name(other_id) == name
                    })
                })
                .min_by_key(|other| {
                    (
                        Reverse(other.score()),
                        Reverse(tie_breaker(other)),
                        other.key().to_lowercase(),
                    )
                })
                .map(|other| Lineage {
                    repo_id: other.key().to_string(),
                    via: TiedBy::Name,
                })
        });
        if let Some(tie) = tie {
            ties.insert(repo_id.to_lowercase(), tie);
        }
    }
    ties
}

/// What a repackaging says of the model joins its original: the sources that vouch for it,
/// its live providers, its day-0 matches, its best trending rank, its downloads (the larger),
/// and its serving data; the original keeps its own repo, gating and commit. What the original
/// does not know yet (architectures, pipeline) it takes from the repackaging.
fn absorb_repackaging(original: &mut Candidate, child: Candidate, via: TiedBy) {
    original.sources.extend(child.sources);
    original.providers.extend(child.providers);
    original.provider_catalogs_reached |= child.provider_catalogs_reached;
    if original.architectures.is_empty() {
        original.architectures = child.architectures;
    }
    if original.pipeline_tag.is_none() {
        original.pipeline_tag = child.pipeline_tag;
    }
    original.downloads = original.downloads.max(child.downloads);
    original.likes = original.likes.max(child.likes);
    if let Some((rank, tag)) = child.trending_rank {
        if original
            .trending_rank
            .as_ref()
            .is_none_or(|(best, _)| rank < *best)
        {
            original.trending_rank = Some((rank, tag));
        }
    }
    for found in child.day0 {
        let known = original.day0.iter().any(|had| {
            (&had.class, &had.file, had.date) == (&found.class, &found.file, found.date)
        });
        if !known {
            original.day0.push(found);
        }
    }
    original.serving.files += child.serving.files;
    original.serving.configs += child.serving.configs;
    original.repackagings.push(Lineage {
        repo_id: child.hf_repo_id.unwrap_or(child.display_name),
        via,
    });
    original.repackagings.extend(child.repackagings);
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
    if candidate.repackages.is_none() {
        candidate.repackages = repackaging::declared_original(model);
    }
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
