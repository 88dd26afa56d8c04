//! Discovery's decide → read configs → decide loop as a pure state machine (sans-IO): the core
//! says which `config.json`s it needs, the shell (`crate::nightly`) fetches them and hands back
//! each answer, until every added candidate's config is known.
//!
//! A round: decide ([`crate::discover::decide`]); ask for the configs of the `added`
//! candidates not asked for yet. Each config read records the repo's fingerprint (a candidate
//! with the same kernels as a tracked model then becomes `already_tracked`, and its slot goes to
//! the next one) and fills in the candidate's architectures when no list gave them; a config
//! that cannot be read or parsed takes its candidate out of the running, skipped with the
//! reason, and the freed slot goes to the next eligible candidate. Since a repo is asked for at
//! most once, the Hub sees at most one config request per candidate considered.
//!
//! Once decided, the added candidates ([`Decided::picks`]) need serving plans, which only I/O
//! can give (`crate::resolve::serving_plan`); with them, [`Discovered`] is what the planning core
//! composes into the run: the requests to onboard, the report's candidates and "why these
//! models" table, and the "discovered `x`: reason" lines.

use std::collections::{HashMap, HashSet};

use crate::arch::parse_config;
use crate::discover::{
    decide, why_these_models_markdown, Candidate, CandidateReport, Decision, DecisionKind,
    DiscoveryOptions, TrackedModel,
};
use crate::doc::refresh::SectionOutcome;
use crate::doc::CoverageDoc;
use crate::onboard::{ModelRequest, ServingPlan};

/// The loop's state: the candidates still in the running and what the configs read so far said.
pub struct Discovery<'a> {
    pool: Vec<Candidate>,
    tracked: Vec<TrackedModel>,
    options: DiscoveryOptions,
    supported: &'a dyn Fn(&str) -> bool,
    /// Repo ids asked for (any answer, or none yet): never asked twice.
    asked: HashSet<String>,
    /// Fingerprint of each config read, by repo id.
    fingerprints: HashMap<String, String>,
    /// Text of each config read, by repo id.
    configs: HashMap<String, String>,
    /// Candidates whose config could not be read or parsed, in the order the answers came.
    unreadable: Vec<Decision>,
}

/// What the shell does next.
#[derive(Debug)]
pub enum Step {
    /// Fetch `config.json` of these repo ids, hand every answer to [`Discovery::config_read`],
    /// then ask for the next step.
    Fetch(Vec<String>),
    /// Every added candidate's config is known.
    Done(Decided),
}

/// Discovery's decisions, with the config of every added candidate.
#[derive(Debug, Clone)]
pub struct Decided {
    /// Every candidate's decision: in score order, then those whose config was unreadable.
    pub decisions: Vec<Decision>,
    configs: HashMap<String, String>,
}

/// An added candidate and its config: a model to onboard once the shell has its serving plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub hf_repo_id: String,
    pub display_name: String,
    pub config: String,
}

/// Why a `config.json` could not be had, as the shell's fetch said it (the message names the
/// model and the URL).
pub type ConfigError = Box<dyn std::error::Error + Send + Sync>;

/// What discovery brings to a run: the decisions, each pick with the serving plan the shell
/// gathered for it, and one line per source that failed.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub decisions: Vec<Decision>,
    pub picks: Vec<(Pick, ServingPlan)>,
    pub problems: Vec<String>,
}

impl<'a> Discovery<'a> {
    /// `candidates` as merged from the signals; `tracked` as [`tracked_models`] reads the doc;
    /// `options` carry the knobs and the run's day (the shell's `--today` or clock);
    /// `supported`: whether SGLang serves an architecture class.
    pub fn new(
        candidates: Vec<Candidate>,
        tracked: Vec<TrackedModel>,
        options: DiscoveryOptions,
        supported: &'a dyn Fn(&str) -> bool,
    ) -> Discovery<'a> {
        Discovery {
            pool: candidates,
            tracked,
            options,
            supported,
            asked: HashSet::new(),
            fingerprints: HashMap::new(),
            configs: HashMap::new(),
            unreadable: Vec::new(),
        }
    }

    /// Decides with what is known, then asks for the configs still missing, or is done.
    pub fn next_step(&mut self) -> Step {
        let decisions = decide(
            &self.pool,
            &self.tracked,
            &self.fingerprints,
            self.supported,
            &self.options,
        );
        let to_fetch: Vec<String> = decisions
            .iter()
            .filter(|d| d.decision == DecisionKind::Added)
            .filter_map(|d| d.candidate.hf_repo_id.clone())
            .filter(|repo| !self.asked.contains(repo))
            .collect();
        if !to_fetch.is_empty() {
            self.asked.extend(to_fetch.iter().cloned());
            return Step::Fetch(to_fetch);
        }
        let mut decisions = decisions;
        decisions.append(&mut self.unreadable);
        Step::Done(Decided {
            decisions,
            configs: std::mem::take(&mut self.configs),
        })
    }

    /// The answer for `repo`: the config's text, or why it could not be had (the fetch error,
    /// which names the model and the URL).
    pub fn config_read(&mut self, repo: String, answer: Result<String, ConfigError>) {
        // The skip's reason is the report's text for people, like every decision's.
        let reason = match answer.map(|text| (parse_config(&text), text)) {
            Ok((Ok(arch), text)) => {
                self.fingerprints
                    .insert(repo.clone(), arch.fingerprint_digest());
                if let Some(candidate) = self
                    .pool
                    .iter_mut()
                    .find(|c| c.hf_repo_id.as_deref() == Some(&repo))
                {
                    if candidate.architectures.is_empty() {
                        candidate.architectures = arch.architectures.clone();
                    }
                }
                self.configs.insert(repo, text);
                return;
            }
            Ok((Err(unusable), _)) => format!("config.json unusable: {unusable}"),
            Err(unavailable) => format!("config.json unavailable: {unavailable}"),
        };
        if let Some(position) = self
            .pool
            .iter()
            .position(|c| c.hf_repo_id.as_deref() == Some(&repo))
        {
            self.unreadable.push(Decision {
                candidate: self.pool.remove(position),
                decision: DecisionKind::Skipped,
                reason,
            });
        }
    }
}

impl Decided {
    /// The added candidates with their configs, in decision order: the shell gathers a serving
    /// plan for each.
    pub fn picks(&self) -> Vec<Pick> {
        self.decisions
            .iter()
            .filter(|d| d.decision == DecisionKind::Added)
            .filter_map(|d| {
                let repo = d.candidate.hf_repo_id.clone()?;
                let config = self.configs.get(&repo)?.clone();
                Some(Pick {
                    hf_repo_id: repo,
                    display_name: d.candidate.display_name.clone(),
                    config,
                })
            })
            .collect()
    }
}

impl Discovered {
    /// The picks as onboarding requests, in decision order.
    pub fn requests(&self) -> impl Iterator<Item = ModelRequest> + '_ {
        self.picks.iter().map(|(pick, serving)| ModelRequest {
            model_name: pick.display_name.clone(),
            display_name: pick.display_name.clone(),
            serving: serving.clone(),
            config: Ok(pick.config.clone()),
            hf_repo_id: pick.hf_repo_id.clone(),
        })
    }

    /// Every candidate with its decision, for the report.
    pub fn candidates(&self) -> Vec<CandidateReport> {
        self.decisions.iter().map(Decision::report).collect()
    }

    /// The report's "why these models" table.
    pub fn why_markdown(&self) -> String {
        why_these_models_markdown(&self.decisions)
    }

    /// One line per added model: "discovered `repo`: reason".
    pub fn announcements(&self) -> Vec<String> {
        self.decisions
            .iter()
            .filter(|d| d.decision == DecisionKind::Added)
            .map(|d| format!("discovered `{}`: {}", d.candidate.key(), d.reason))
            .collect()
    }
}

/// Every `##` model section as discovery sees it: name, marker repo id and fingerprint.
pub fn tracked_models(doc: &CoverageDoc, sections: &[SectionOutcome]) -> Vec<TrackedModel> {
    sections
        .iter()
        .map(|section| {
            let fingerprint = doc
                .marker_in(section.heading_line..section.end_line)
                .and_then(|marker| marker.fingerprint.clone());
            TrackedModel {
                name: section.title.clone(),
                hf_repo_id: section.hf_repo_id.clone(),
                fingerprint,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Date, Source};

    /// A Llama-shaped `config.json` (the shape of `meta-llama/Llama-3.1-8B-Instruct`'s, trimmed);
    /// `hidden` changes its kernels.
    fn config(architecture: &str, hidden: u32) -> String {
        format!(
            r#"{{"architectures": ["{architecture}"], "model_type": "llama", "hidden_size": {hidden},
               "intermediate_size": {}, "num_attention_heads": {}, "num_key_value_heads": 8,
               "num_hidden_layers": 32, "vocab_size": 128256, "head_dim": 128, "rms_norm_eps": 1e-5}}"#,
            hidden * 4,
            hidden / 128
        )
    }

    fn llama(hidden: u32) -> String {
        config("LlamaForCausalLM", hidden)
    }

    /// In the cookbook with `providers` live providers: higher counts sort first.
    fn candidate(repo: &str, providers: usize) -> Candidate {
        Candidate {
            sources: vec![Source::COOKBOOK],
            providers: (0..providers).map(|i| format!("p{i}")).collect(),
            provider_catalogs_reached: true,
            architectures: vec!["LlamaForCausalLM".to_string()],
            pipeline_tag: Some("text-generation".to_string()),
            ..Candidate::blank(repo.to_string())
        }
    }

    fn options(max_new: usize) -> DiscoveryOptions {
        DiscoveryOptions {
            max_new,
            ..DiscoveryOptions::new(Date::parse("2026-11-20").unwrap())
        }
    }

    fn fetch(step: Step) -> Vec<String> {
        match step {
            Step::Fetch(repos) => repos,
            Step::Done(decided) => panic!("done early: {:?}", outcome(&decided)),
        }
    }

    fn done(step: Step) -> Decided {
        match step {
            Step::Done(decided) => decided,
            Step::Fetch(repos) => panic!("still asks for {repos:?}"),
        }
    }

    fn outcome(decided: &Decided) -> Vec<(String, DecisionKind, String)> {
        decided
            .decisions
            .iter()
            .map(|d| (d.candidate.key().to_string(), d.decision, d.reason.clone()))
            .collect()
    }

    fn row(key: &str, decision: DecisionKind, reason: &str) -> (String, DecisionKind, String) {
        (key.to_string(), decision, reason.to_string())
    }

    fn repos(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn asks_for_the_added_candidates_configs_once_then_decides() {
        use DecisionKind::*;
        let all = vec![
            candidate("org/c", 1),
            candidate("org/a", 3),
            candidate("org/b", 2),
        ];
        let supported = |_: &str| true;
        let mut discovery = Discovery::new(all, Vec::new(), options(2), &supported);
        assert_eq!(fetch(discovery.next_step()), repos(&["org/a", "org/b"]));
        discovery.config_read("org/a".into(), Ok(llama(4096)));
        discovery.config_read("org/b".into(), Ok(llama(2048)));
        let decided = done(discovery.next_step());
        assert_eq!(
            outcome(&decided),
            vec![
                row("org/a", Added, "3 live providers (p0, p1, p2); in the cookbook"),
                row("org/b", Added, "2 live providers (p0, p1); in the cookbook"),
                row(
                    "org/c",
                    Skipped,
                    "eligible, but below the top 2 (`--max-new`): 1 live provider (p0); in the cookbook"
                ),
            ]
        );
        assert_eq!(
            decided.picks(),
            vec![
                Pick {
                    hf_repo_id: "org/a".into(),
                    display_name: "A".into(),
                    config: llama(4096),
                },
                Pick {
                    hf_repo_id: "org/b".into(),
                    display_name: "B".into(),
                    config: llama(2048),
                },
            ]
        );
    }

    #[test]
    fn an_unreadable_config_is_skipped_with_its_reason_and_its_slot_goes_to_the_next() {
        use DecisionKind::*;
        let all = vec![
            candidate("org/a", 4),
            candidate("org/b", 3),
            candidate("org/c", 2),
            candidate("org/d", 1),
        ];
        let supported = |_: &str| true;
        let mut discovery = Discovery::new(all, Vec::new(), options(2), &supported);
        assert_eq!(fetch(discovery.next_step()), repos(&["org/a", "org/b"]));
        discovery.config_read(
            "org/a".into(),
            Err("`org/a` is gated: https://hub.test/org/a/resolve/main/config.json".into()),
        );
        discovery.config_read("org/b".into(), Ok("[]".into()));
        // Only the two freed slots are asked for; `a` and `b` are never asked again.
        assert_eq!(fetch(discovery.next_step()), repos(&["org/c", "org/d"]));
        discovery.config_read("org/c".into(), Ok(llama(4096)));
        discovery.config_read("org/d".into(), Ok(llama(2048)));
        let decided = done(discovery.next_step());
        assert_eq!(
            outcome(&decided),
            vec![
                row("org/c", Added, "2 live providers (p0, p1); in the cookbook"),
                row("org/d", Added, "1 live provider (p0); in the cookbook"),
                row(
                    "org/a",
                    Skipped,
                    "config.json unavailable: `org/a` is gated: https://hub.test/org/a/resolve/main/config.json"
                ),
                row(
                    "org/b",
                    Skipped,
                    "config.json unusable: config.json is a JSON array, not an object"
                ),
            ]
        );
        let picked: Vec<String> = decided.picks().into_iter().map(|p| p.hf_repo_id).collect();
        assert_eq!(picked, repos(&["org/c", "org/d"]));
    }

    #[test]
    fn same_kernels_as_a_tracked_or_added_model_frees_the_slot() {
        use DecisionKind::*;
        let tracked = vec![TrackedModel {
            name: "Llama 3.1 8B".into(),
            hf_repo_id: Some("meta-llama/Llama-3.1-8B-Instruct".into()),
            fingerprint: Some(parse_config(&llama(4096)).unwrap().fingerprint_digest()),
        }];
        let all = vec![
            candidate("org/a", 4),
            candidate("org/b", 3),
            candidate("org/c", 2),
            candidate("org/d", 1),
        ];
        let supported = |_: &str| true;
        let mut discovery = Discovery::new(all, tracked, options(2), &supported);
        assert_eq!(fetch(discovery.next_step()), repos(&["org/a", "org/b"]));
        discovery.config_read("org/a".into(), Ok(llama(4096)));
        discovery.config_read("org/b".into(), Ok(llama(2048)));
        assert_eq!(fetch(discovery.next_step()), repos(&["org/c"]));
        discovery.config_read("org/c".into(), Ok(llama(2048)));
        assert_eq!(fetch(discovery.next_step()), repos(&["org/d"]));
        discovery.config_read("org/d".into(), Ok(llama(1024)));
        let decided = done(discovery.next_step());
        assert_eq!(
            outcome(&decided),
            vec![
                row("org/a", AlreadyTracked, "same kernels as Llama 3.1 8B"),
                row(
                    "org/b",
                    Added,
                    "3 live providers (p0, p1, p2); in the cookbook"
                ),
                row("org/c", Skipped, "same kernels as org/b, added in this run"),
                row("org/d", Added, "1 live provider (p0); in the cookbook"),
            ]
        );
    }

    #[test]
    fn architectures_learnt_from_the_config_are_decided_on() {
        use DecisionKind::*;
        let mut unknown = candidate("org/a", 2);
        unknown.architectures.clear();
        let all = vec![unknown, candidate("org/b", 1)];
        let supported = |class: &str| class == "LlamaForCausalLM";
        let mut discovery = Discovery::new(all, Vec::new(), options(1), &supported);
        assert_eq!(fetch(discovery.next_step()), repos(&["org/a"]));
        discovery.config_read("org/a".into(), Ok(config("FooForCausalLM", 4096)));
        assert_eq!(fetch(discovery.next_step()), repos(&["org/b"]));
        discovery.config_read("org/b".into(), Ok(llama(4096)));
        let decided = done(discovery.next_step());
        assert_eq!(
            outcome(&decided),
            vec![
                row(
                    "org/a",
                    Skipped,
                    "SGLang does not serve `FooForCausalLM` yet"
                ),
                row("org/b", Added, "1 live provider (p0); in the cookbook"),
            ]
        );
        assert_eq!(
            decided.decisions[0].candidate.architectures,
            repos(&["FooForCausalLM"])
        );
    }

    #[test]
    fn nothing_added_asks_for_nothing() {
        let mut gated = candidate("org/a", 2);
        gated.gated = Some(crate::sources::hf::Gated::Manual);
        let supported = |_: &str| true;
        let mut discovery = Discovery::new(vec![gated], Vec::new(), options(5), &supported);
        let decided = done(discovery.next_step());
        assert_eq!(
            outcome(&decided),
            vec![row(
                "org/a",
                DecisionKind::Skipped,
                "gated (`manual`): not open weights"
            )]
        );
        assert_eq!(decided.picks(), Vec::new());
    }
}
