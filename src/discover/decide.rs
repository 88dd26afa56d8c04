//! Deciding which candidates to add (pure): the filters, the order, the cap, and the report rows
//! (see the module doc of [`crate::discover`] for the rule). One call decides with what is known;
//! the loop that reads the added candidates' configs and decides again is the planning core's
//! (`crate::plan::discovery`).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::candidates::{sort_by_score, Candidate, MatchedBy};
use super::display_name::{name_key, tracked_name_keys};
use super::options::DiscoveryOptions;
use super::repackaging::{is_repackaging_name, Lineage};
use super::signals::Source;
use crate::markdown::{code_span, escape_inline};
use crate::sources::hf::Gated;
use crate::sources::sglang::{classify, ClassKind};

/// A model the doc already tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedModel {
    /// The doc's name (section heading), e.g. `Qwen3 Next 80B A3B` or `DeepSeek V3 / R1`.
    pub name: String,
    pub hf_repo_id: Option<String>,
    /// What the model's kernels are, as the caller computes it from `config.json`; two models
    /// with equal fingerprints need the same definitions.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Added,
    AlreadyTracked,
    Skipped,
}

/// One candidate's fate and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub candidate: Candidate,
    pub decision: DecisionKind,
    pub reason: String,
}

/// One entry of the report's `candidates` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateReport {
    /// `null` for a new SGLang class that matched no repo id.
    pub hf_repo_id: Option<String>,
    pub display_name: String,
    pub sources: Vec<Source>,
    pub providers: usize,
    pub score: u64,
    pub decision: DecisionKind,
    pub reason: String,
    /// The repackagings folded into it (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repackagings: Vec<Lineage>,
}

impl Decision {
    pub fn report(&self) -> CandidateReport {
        CandidateReport {
            hf_repo_id: self.candidate.hf_repo_id.clone(),
            display_name: self.candidate.display_name.clone(),
            sources: self.candidate.sources.clone(),
            providers: self.candidate.provider_count(),
            score: self.candidate.score(),
            decision: self.decision,
            reason: self.reason.clone(),
            repackagings: self.candidate.repackagings.clone(),
        }
    }
}

/// Decides every candidate, in score order (ties by key), whatever the input order.
///
/// `fingerprints` maps repo ids (any case) to the fingerprint of their `config.json`, for the
/// candidates whose config the caller fetched; `supported` says whether SGLang serves an
/// architecture class (`SglangCatalog::supports`). A caller that learns more about an added
/// candidate (its fingerprint, its architectures) fills it in and calls `decide` again: the
/// freed slot goes to the next eligible candidate (`crate::plan::Discovery` is that caller).
pub fn decide(
    candidates: &[Candidate],
    tracked: &[TrackedModel],
    fingerprints: &HashMap<String, String>,
    supported: &dyn Fn(&str) -> bool,
    options: &DiscoveryOptions,
) -> Vec<Decision> {
    let mut ordered = candidates.to_vec();
    sort_by_score(&mut ordered);
    let fingerprints: HashMap<String, &str> = fingerprints
        .iter()
        .map(|(repo, fingerprint)| (repo.to_lowercase(), fingerprint.as_str()))
        .collect();
    let tracked_keys: Vec<Vec<String>> = tracked
        .iter()
        .map(|model| tracked_name_keys(&model.name))
        .collect();
    // (name key, fingerprint, repo id) of each model added so far.
    let mut added: Vec<(String, Option<&str>, String)> = Vec::new();

    ordered
        .into_iter()
        .map(|candidate| {
            let (decision, reason) = match &candidate.hf_repo_id {
                None => (DecisionKind::Skipped, unmatched_reason(&candidate)),
                Some(repo_id) => {
                    let key = name_key(repo_id);
                    let fingerprint = fingerprints.get(&repo_id.to_lowercase()).copied();
                    if let Some(reason) =
                        tracked_reason(repo_id, &key, fingerprint, tracked, &tracked_keys)
                    {
                        (DecisionKind::AlreadyTracked, reason)
                    } else if let Some(reason) = added_reason(&key, fingerprint, &added) {
                        (DecisionKind::Skipped, reason)
                    } else if let Some(reason) =
                        filter_reason(&candidate, supported, options.min_providers)
                    {
                        (DecisionKind::Skipped, reason)
                    } else if added.len() < options.max_new {
                        added.push((key, fingerprint, repo_id.clone()));
                        (DecisionKind::Added, added_summary(&candidate))
                    } else {
                        (
                            DecisionKind::Skipped,
                            format!(
                                "eligible, but below the top {} (`--max-new`): {}",
                                options.max_new,
                                added_summary(&candidate)
                            ),
                        )
                    }
                }
            };
            Decision {
                candidate,
                decision,
                reason,
            }
        })
        .collect()
}

fn unmatched_reason(candidate: &Candidate) -> String {
    if candidate.day0.is_empty() && candidate.has_source(Source::DATASET) {
        return format!(
            "traced in the dataset as `{}`, but no repo id in the HF lists, the SGLang docs or the cookbooks matches it",
            candidate.display_name
        );
    }
    let origin = candidate
        .day0
        .first()
        .map(|found| format!(" (`{}`, {})", found.file, found.date))
        .unwrap_or_default();
    format!(
        "new SGLang class `{}`{origin} matches no repo id in the HF lists, the SGLang docs or the cookbooks",
        candidate.display_name
    )
}

fn tracked_reason(
    repo_id: &str,
    key: &str,
    fingerprint: Option<&str>,
    tracked: &[TrackedModel],
    tracked_keys: &[Vec<String>],
) -> Option<String> {
    if let Some(model) = tracked.iter().find(|model| {
        model
            .hf_repo_id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(repo_id))
    }) {
        return Some(format!("tracked as {} (same repo id)", model.name));
    }
    if let Some((model, _)) = tracked
        .iter()
        .zip(tracked_keys)
        .find(|(_, keys)| !key.is_empty() && keys.iter().any(|k| k == key))
    {
        return Some(format!("tracked as {} (same name)", model.name));
    }
    let fingerprint = fingerprint?;
    tracked
        .iter()
        .find(|model| model.fingerprint.as_deref() == Some(fingerprint))
        .map(|model| format!("same kernels as {}", model.name))
}

fn added_reason(
    key: &str,
    fingerprint: Option<&str>,
    added: &[(String, Option<&str>, String)],
) -> Option<String> {
    if let Some((_, _, repo)) = added.iter().find(|(k, _, _)| !key.is_empty() && k == key) {
        return Some(format!("same model as {repo}, added in this run"));
    }
    let fingerprint = fingerprint?;
    added
        .iter()
        .find(|(_, f, _)| *f == Some(fingerprint))
        .map(|(_, _, repo)| format!("same kernels as {repo}, added in this run"))
}

/// Why an untracked candidate is not eligible, if it is not.
fn filter_reason(
    candidate: &Candidate,
    supported: &dyn Fn(&str) -> bool,
    min_providers: usize,
) -> Option<String> {
    match &candidate.gated {
        Some(Gated::Open) | None => {}
        Some(Gated::Auto) => return Some("gated (`auto`): not open weights".to_string()),
        Some(Gated::Manual) => return Some("gated (`manual`): not open weights".to_string()),
        Some(Gated::Other(mode)) => {
            return Some(format!("gated (`{mode}`): not open weights"));
        }
    }
    if let Some(reason) = orphan_repackaging(candidate) {
        return Some(reason);
    }
    if let Some(reason) = not_a_decoder(candidate, supported) {
        return Some(reason);
    }
    let providers = candidate.provider_count();
    if candidate.is_popularity_only()
        && candidate.provider_catalogs_reached
        && providers < min_providers
    {
        let noun = if providers == 1 {
            "provider"
        } else {
            "providers"
        };
        return Some(format!(
            "only trending or new on the Hub, and served by {providers} live {noun} (`--min-providers` {min_providers})"
        ));
    }
    match candidate.architectures.first() {
        Some(architecture) if !supported(architecture) => {
            Some(format!("SGLang does not serve `{architecture}` yet"))
        }
        _ => None,
    }
}

/// A repackaging whose original no source named (and the Hub did not declare): its section
/// would be the original's, so it is not added under the repackaging's repo id.
fn orphan_repackaging(candidate: &Candidate) -> Option<String> {
    let repo_id = candidate.hf_repo_id.as_deref()?;
    is_repackaging_name(repo_id).then(|| {
        "a repackaging (precision or packaging words in its name) whose original no source names: its section would be the original's".to_string()
    })
}

/// Decoder LLMs and VLMs pass: pipeline `text-generation` / `image-text-to-text`, or an
/// architecture ending in `ForCausalLM` / `ForConditionalGeneration`, or (without a pipeline
/// tag) a generative class SGLang serves. Embedding, reward and classification classes never
/// pass. Unknown passes.
fn not_a_decoder(candidate: &Candidate, supported: &dyn Fn(&str) -> bool) -> Option<String> {
    const DECODER_PIPELINES: [&str; 2] = ["text-generation", "image-text-to-text"];
    if let Some(pooling) = candidate
        .architectures
        .iter()
        .find(|a| classify(a) == ClassKind::Pooling)
    {
        return Some(format!(
            "an embedding, reward or classification model (`{pooling}`)"
        ));
    }
    let decoder_suffix = candidate
        .architectures
        .iter()
        .any(|a| a.ends_with("ForCausalLM") || a.ends_with("ForConditionalGeneration"));
    // Without a pipeline tag, a generative class SGLang serves is a decoder whatever its name
    // (`AlpamayoR1`).
    let served_generative = candidate
        .architectures
        .iter()
        .any(|a| classify(a) == ClassKind::Generative && supported(a));
    match &candidate.pipeline_tag {
        Some(tag) if DECODER_PIPELINES.contains(&tag.as_str()) => None,
        _ if decoder_suffix => None,
        Some(tag) => Some(format!("not a decoder LLM or VLM (pipeline `{tag}`)")),
        None if served_generative => None,
        None => candidate
            .architectures
            .first()
            .map(|a| format!("not a decoder LLM or VLM (`{a}`)")),
    }
}

fn added_summary(candidate: &Candidate) -> String {
    let mut parts = vec![candidate.signals_summary()];
    if candidate.architectures.is_empty() {
        parts.push("architecture not known yet".to_string());
    }
    if candidate.is_popularity_only() && !candidate.provider_catalogs_reached {
        parts.push("no provider catalog answered, so popularity alone counts".to_string());
    }
    parts.retain(|part| !part.is_empty());
    parts.join("; ")
}

/// The report's short "why these models" section: the added models and what speaks for each,
/// then a count of the rest.
pub fn why_these_models_markdown(decisions: &[Decision]) -> String {
    let mut out = String::from("### Why these models\n\n");
    let added: Vec<&Decision> = decisions
        .iter()
        .filter(|d| d.decision == DecisionKind::Added)
        .collect();
    let tracked = decisions
        .iter()
        .filter(|d| d.decision == DecisionKind::AlreadyTracked)
        .count();
    let skipped = decisions
        .iter()
        .filter(|d| d.decision == DecisionKind::Skipped)
        .count();
    if added.is_empty() {
        out.push_str("No model added.\n\n");
    } else {
        out.push_str("| Model | Repo | Score | Why |\n|---|---|---:|---|\n");
        for decision in &added {
            let candidate = &decision.candidate;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape_inline(&candidate.display_name),
                code_span(candidate.key()),
                candidate.score(),
                inline_with_code(&decision.reason)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} candidates considered: {} added, {tracked} already tracked, {skipped} skipped.",
        decisions.len(),
        added.len()
    );
    let day0_unmatched = decisions
        .iter()
        .filter(|d| {
            d.candidate
                .day0
                .iter()
                .any(|m| m.matched_by == MatchedBy::Unmatched)
        })
        .count();
    if day0_unmatched > 0 {
        let _ = writeln!(
            out,
            "{day0_unmatched} new SGLang classes matched no repo id (see the JSON report)."
        );
    }
    out
}

/// Text whose `` `…` `` pieces become code spans and the rest is escaped.
fn inline_with_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(index, piece)| {
            if index % 2 == 1 {
                code_span(piece)
            } else {
                escape_inline(piece)
            }
        })
        .collect()
}
