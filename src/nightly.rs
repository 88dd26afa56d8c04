//! `--discover`: gather the sources, decide, read the chosen models' configs, and hand them to
//! onboarding. The deciding is pure (`crate::discover::decide`); this module is the loop that
//! feeds it what only I/O can learn: each added candidate's config.json and fingerprint.
//!
//! The loop: decide; fetch the configs of the `added` candidates not fetched yet; record their
//! fingerprints (a candidate with the same kernels as a tracked model then becomes
//! `already_tracked`, and its slot goes to the next one); a candidate whose config cannot be
//! read or parsed is skipped with the reason; repeat until every added candidate has its
//! config. Each round fetches only new candidates, so the Hub sees at most one config request
//! per candidate considered.

use std::collections::HashMap;

use crate::arch::parse_config;
use crate::discover::{
    candidates, decide, gather_for_run, why_these_models_markdown, CandidateReport, Decision,
    DecisionKind, DiscoveryOptions, DiscoverySources, RunInputs, TrackedModel,
};
use crate::doc::refresh::SectionOutcome;
use crate::doc::CoverageDoc;
use crate::onboard::ModelRequest;
use crate::request::Request;
use crate::resolve::serving_plan;

/// What discovery adds to a run.
#[derive(Debug, Default)]
pub struct Discovered {
    pub requests: Vec<ModelRequest>,
    pub candidates: Vec<CandidateReport>,
    /// The "why these models" table for the Markdown report.
    pub why_markdown: String,
    /// One line per source that failed, naming it.
    pub problems: Vec<String>,
}

pub async fn discover(
    request: &Request,
    sources: &DiscoverySources,
    doc: &CoverageDoc<'_>,
    sections: &[SectionOutcome],
    options: &DiscoveryOptions,
) -> Discovered {
    let signals = gather_for_run(sources, options, Some(RunInputs { request, doc })).await;
    let tracked = tracked_models(doc, sections);
    let supports = |class: &str| sources.catalog.supports(class);
    let mut pool = candidates(&signals);
    let mut fingerprints: HashMap<String, String> = HashMap::new();
    let mut configs: HashMap<String, String> = HashMap::new();
    let mut unreadable: Vec<Decision> = Vec::new();
    let decisions = loop {
        let decisions = decide(&pool, &tracked, &fingerprints, &supports, options);
        let to_fetch: Vec<String> = decisions
            .iter()
            .filter(|d| d.decision == DecisionKind::Added)
            .filter_map(|d| d.candidate.hf_repo_id.clone())
            .filter(|repo| !configs.contains_key(repo))
            .collect();
        if to_fetch.is_empty() {
            break decisions;
        }
        for (repo, fetched) in sources.hf.fetch_configs(&to_fetch).await {
            let parsed = fetched
                .map_err(|e| format!("config.json unavailable: {e}"))
                .and_then(|file| match parse_config(&file.text) {
                    Ok(arch) => Ok((file.text, arch)),
                    Err(e) => Err(format!("config.json unusable: {e}")),
                });
            match parsed {
                Ok((text, arch)) => {
                    fingerprints.insert(repo.clone(), arch.fingerprint_digest());
                    if let Some(candidate) = pool
                        .iter_mut()
                        .find(|c| c.hf_repo_id.as_deref() == Some(&repo))
                    {
                        if candidate.architectures.is_empty() {
                            candidate.architectures = arch.architectures.clone();
                        }
                    }
                    configs.insert(repo, text);
                }
                Err(reason) => {
                    if let Some(position) = pool
                        .iter()
                        .position(|c| c.hf_repo_id.as_deref() == Some(&repo))
                    {
                        unreadable.push(Decision {
                            candidate: pool.remove(position),
                            decision: DecisionKind::Skipped,
                            reason,
                        });
                    }
                }
            }
        }
    };
    let mut all = decisions;
    all.extend(unreadable);
    let mut requests = Vec::new();
    for d in all.iter().filter(|d| d.decision == DecisionKind::Added) {
        let Some(repo) = d.candidate.hf_repo_id.clone() else {
            continue;
        };
        let Some(config) = configs.get(&repo).cloned() else {
            continue;
        };
        let serving = serving_plan(
            &request.sizes,
            &sources.cookbook,
            &sources.hf,
            &repo,
            Some(&config),
        )
        .await;
        requests.push(ModelRequest {
            model_name: d.candidate.display_name.clone(),
            display_name: d.candidate.display_name.clone(),
            serving,
            config: Ok(config),
            hf_repo_id: repo,
        });
    }
    Discovered {
        requests,
        candidates: all.iter().map(Decision::report).collect(),
        why_markdown: why_these_models_markdown(&all),
        problems: signals.problems,
    }
}

/// Every `##` model section as discovery sees it: name, marker repo id and fingerprint.
pub fn tracked_models(doc: &CoverageDoc, sections: &[SectionOutcome]) -> Vec<TrackedModel> {
    sections
        .iter()
        .map(|section| {
            let fingerprint = doc
                .marker_in(section.heading_line..section.end_line)
                .and_then(|marker| marker.get("fingerprint"))
                .map(str::to_string);
            TrackedModel {
                name: section.title.clone(),
                hf_repo_id: section.hf_repo_id.clone(),
                fingerprint,
            }
        })
        .collect()
}
