//! The pure heart of a run: the parsed doc + everything the shell gathered → new text + report +
//! warnings. No I/O, no clock: the shell (`run.rs`) reads the doc, the sources and the clock,
//! calls [`plan_run`] once, then prints what it returns, writes, checks or publishes.
//!
//! It composes the refresh (`crate::doc::refresh`), the onboarding of the requested and
//! discovered models (`crate::onboard`), discovery's decisions ([`discovery`], whose fetch →
//! decide loop the shell drives) and the run's messages: the problem lines (sources, then the
//! serving configs of the models this run touches, the others in the report, listed with `--verbose`), the
//! failures and the "discovered `x`: reason" lines. Serving-config problems are loud only for
//! the models this run adds or regenerates; the others go to the report (and to stderr with
//! `--verbose`), never as a line on a default run. The doc is parsed once by the shell and
//! refreshed once before onboarding ([`onboarding_base`]).

pub mod discovery;

use crate::dataset::DefinitionIndex;
use crate::doc::refresh::{refresh, refresh_summary_only, RefreshOutcome};
use crate::doc::{CoverageDoc, DocError};
use crate::onboard::{self, ModelRequest, Unresolved};
use crate::report::report_from_outcome;
pub use crate::report::Plan;
pub use discovery::{tracked_models, Discovered, Discovery, Pick, Step};

/// What the run does to the doc.
pub enum Job<'a> {
    /// Only the status rows, Coverage lines and summary labels; `rows`: keep a record of every
    /// row for the report (someone reads it).
    Refresh { rows: bool },
    /// Add or regenerate the requested (and discovered) models.
    Onboard(Onboard<'a>),
}

/// Everything onboarding needs beyond the doc and the dataset, as the shell gathered it.
pub struct Onboard<'a> {
    /// The doc's sections refreshed against the dataset (the shell needs them first, to
    /// resolve names and to know what is tracked): [`onboarding_base`].
    pub existing: &'a RefreshOutcome,
    /// The `--model-name`s in order: resolved, or why not (naming the model).
    pub resolved: Vec<Result<ModelRequest, Unresolved>>,
    /// Whether SGLang implements an architecture class.
    pub sglang_supports: &'a dyn Fn(&str) -> bool,
    /// `--refresh-status` too: refresh every other section as well.
    pub refresh_all: bool,
    /// `--discover`: the decisions, the picks with their serving plans, the sources' problems.
    pub discovered: Option<Discovered>,
    /// What the shell met gathering the serving data, in order (one line each).
    pub problems: Vec<String>,
    /// The serving configs' own warnings.
    pub serving_configs: ServingConfigs<'a>,
    /// `--verbose`: list the serving-config warnings about models this run does not touch.
    pub verbose: bool,
}

/// The serving configs' warnings and which files configure a repo id.
pub struct ServingConfigs<'a> {
    /// One line each; a line about a file starts with the file's path in backticks.
    pub warnings: &'a [String],
    /// The files (paths as displayed) that configure a repo id.
    pub files: &'a dyn Fn(&str) -> Vec<String>,
}

/// The plan and the run's messages, in the order the shell prints them.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub plan: Plan,
    /// The models this run onboards: the resolved `--model-name`s, then discovery's picks.
    pub requests: Vec<ModelRequest>,
    /// The models that failed (each line names the model; the run exits 2).
    pub failures: Vec<String>,
    /// Problem lines, printed as warnings and kept in the report.
    pub problems: Vec<String>,
    /// "discovered `x`: reason", one per added model.
    pub announcements: Vec<String>,
}

/// The one planning step of a run.
pub fn plan_run(doc: &CoverageDoc, index: &DefinitionIndex, job: Job) -> Result<RunPlan, DocError> {
    match job {
        Job::Refresh { rows } => {
            let mut outcome = if rows {
                refresh(doc, index)?
            } else {
                refresh_summary_only(doc, index)?
            };
            // Moved, not copied: a big doc's text is the run's largest allocation.
            let text = std::mem::take(&mut outcome.text);
            Ok(RunPlan {
                plan: report_from_outcome(outcome, text),
                requests: Vec::new(),
                failures: Vec::new(),
                problems: Vec::new(),
                announcements: Vec::new(),
            })
        }
        Job::Onboard(job) => plan_onboarding(doc, index, job),
    }
}

fn plan_onboarding(
    doc: &CoverageDoc,
    index: &DefinitionIndex,
    job: Onboard,
) -> Result<RunPlan, DocError> {
    let mut requests = Vec::new();
    let mut failures = Vec::new();
    for resolved in job.resolved {
        match resolved {
            Ok(request) => requests.push(request),
            Err(unresolved) => failures.push(unresolved.to_string()),
        }
    }
    let mut problems = job.problems;
    let mut announcements = Vec::new();
    if let Some(found) = &job.discovered {
        problems.extend(found.problems.iter().cloned());
        requests.extend(found.requests());
        announcements = found.announcements();
    }
    let (mine, others) = serving_config_problems(&job.serving_configs, &requests);
    problems.extend(mine);
    if job.verbose {
        problems.extend(others.iter().cloned());
    }
    let planned = onboard::plan_onboard(
        doc,
        job.existing,
        &requests,
        index,
        job.sglang_supports,
        job.refresh_all,
    )?;
    let mut plan = planned.plan;
    if !job.verbose {
        // Report only: no line on a default run (with `--verbose` they are among `problems`,
        // which the shell prints and adds to the report).
        plan.report.problems.extend(others);
    }
    failures.extend(planned.failures);
    if let Some(found) = &job.discovered {
        plan.report.candidates = Some(found.candidates());
        plan.report.discovery = Some(found.why_markdown());
    }
    Ok(RunPlan {
        plan,
        requests,
        failures,
        problems,
        announcements,
    })
}

/// The serving-config warnings split into those about the models this run touches and the
/// others. A warning is about a touched model when it names its repo id in backticks, starts
/// with a file that configures it, or starts with a file its serving line names (a config that
/// could not be read, a docs_new config it was sized from).
fn serving_config_problems(
    configs: &ServingConfigs,
    requests: &[ModelRequest],
) -> (Vec<String>, Vec<String>) {
    let mut files: Vec<String> = requests
        .iter()
        .flat_map(|request| (configs.files)(&request.hf_repo_id))
        .map(|file| format!("`{file}`"))
        .collect();
    files.extend(
        requests
            .iter()
            .flat_map(|r| quoted(&serving_text(&r.serving))),
    );
    let touched: Vec<String> = requests
        .iter()
        .map(|r| format!("`{}`", r.hf_repo_id.to_lowercase()))
        .collect();
    configs.warnings.iter().cloned().partition(|warning| {
        let lower = warning.to_lowercase();
        touched.iter().any(|repo| lower.contains(repo.as_str()))
            || files.iter().any(|file| warning.starts_with(file.as_str()))
    })
}

/// What a serving plan says about where its sizes came from.
fn serving_text(serving: &onboard::ServingPlan) -> String {
    use onboard::ServingOrigin;
    match &serving.origin {
        ServingOrigin::Cookbook(configs, _) | ServingOrigin::Borrowed { configs, .. } => {
            configs.join("; ")
        }
        ServingOrigin::Estimated(note) => note.clone(),
        ServingOrigin::Explicit | ServingOrigin::Default => String::new(),
    }
}

/// Every `` `…` `` span of `text`, backticks included.
fn quoted(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|inner| !inner.is_empty())
        .map(|inner| format!("`{inner}`"))
        .collect()
}

/// The doc's sections as they are against the dataset: what name resolution, discovery and
/// onboarding start from. Computed once per run.
pub fn onboarding_base(
    doc: &CoverageDoc,
    index: &DefinitionIndex,
) -> Result<RefreshOutcome, DocError> {
    refresh(doc, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Candidate, CandidateReport, Decision, DecisionKind, Source};
    use crate::onboard::ServingPlan;
    use crate::report::Action;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn files(repo: &str) -> Vec<String> {
        match repo {
            "org/A" => strings(&["cookbook/a.yaml"]),
            _ => Vec::new(),
        }
    }

    const WARNINGS: [&str; 4] = [
        "`cookbook/a.yaml`: `tp` is not a number",
        "`cookbook/b.yaml`: names `ORG/a` twice",
        "`cookbook/c.yaml`: `tp` is empty",
        "`cookbook/d.yaml`: no model",
    ];

    fn request(repo: &str, serving: ServingPlan) -> ModelRequest {
        ModelRequest {
            model_name: repo.to_string(),
            serving,
            hf_repo_id: repo.to_string(),
            display_name: repo.to_string(),
            config: Ok(String::new()),
        }
    }

    #[test]
    fn serving_config_warnings_about_touched_models_apart_from_the_others() {
        let warnings = strings(&WARNINGS);
        let configs = ServingConfigs {
            warnings: &warnings,
            files: &files,
        };
        let touched = [request("org/A", ServingPlan::single_gpu())];
        assert_eq!(
            serving_config_problems(&configs, &touched),
            (warnings[..2].to_vec(), warnings[2..].to_vec())
        );
        assert_eq!(
            serving_config_problems(&configs, &[]),
            (Vec::new(), warnings.clone())
        );
        // A file the serving line names (one that could not be read) is about that model.
        let estimated = ServingPlan {
            attention_tp: vec![8],
            ep: vec![8],
            origin: crate::onboard::ServingOrigin::Estimated(
                "the serving config `cookbook/d.yaml` could not be read (no model); estimated"
                    .to_string(),
            ),
        };
        let touched = [request("org/D", estimated)];
        assert_eq!(
            serving_config_problems(&configs, &touched),
            (vec![WARNINGS[3].to_string()], warnings[..3].to_vec())
        );
    }

    fn candidate(repo: &str) -> Candidate {
        Candidate {
            sources: vec![Source::COOKBOOK],
            provider_catalogs_reached: true,
            architectures: strings(&["LlamaForCausalLM"]),
            pipeline_tag: Some("text-generation".to_string()),
            ..Candidate::blank(repo.to_string())
        }
    }

    /// `meta-llama/Llama-3.1-8B-Instruct`'s shape, trimmed.
    const LLAMA: &str = r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
        "num_key_value_heads": 8, "num_hidden_layers": 32, "vocab_size": 128256,
        "head_dim": 128, "rms_norm_eps": 1e-5}"#;

    #[test]
    fn a_discovery_run_composes_requests_problems_and_announcements_in_order() {
        let text = include_str!("../../tests/fixtures/refresh/empty-doc.mdx");
        let doc = CoverageDoc::parse(text).unwrap();
        let index = DefinitionIndex::from_paths(std::iter::empty::<&str>());
        let existing = onboarding_base(&doc, &index).unwrap();
        let decisions = vec![
            Decision {
                candidate: candidate("org/A"),
                decision: DecisionKind::Added,
                reason: "in the cookbook".to_string(),
            },
            Decision {
                candidate: candidate("org/B"),
                decision: DecisionKind::Skipped,
                reason: "config.json unavailable: `org/B` is gated".to_string(),
            },
        ];
        let pick = Pick {
            hf_repo_id: "org/A".to_string(),
            display_name: "A".to_string(),
            config: LLAMA.to_string(),
        };
        let discovered = Discovered {
            decisions: decisions.clone(),
            picks: vec![(pick, ServingPlan::single_gpu())],
            problems: strings(&["hf-new: timed out"]),
        };
        let warnings = strings(&WARNINGS);
        let job = Job::Onboard(Onboard {
            existing: &existing,
            resolved: vec![Err(Unresolved::NoRepo {
                model: "Foo".to_string(),
            })],
            sglang_supports: &|_| true,
            refresh_all: false,
            discovered: Some(discovered),
            problems: strings(&["serving data: cached copy"]),
            serving_configs: ServingConfigs {
                warnings: &warnings,
                files: &files,
            },
            verbose: false,
        });
        let planned = plan_run(&doc, &index, job).unwrap();
        assert_eq!(
            planned.announcements,
            ["discovered `org/A`: in the cookbook"]
        );
        assert_eq!(
            planned.problems,
            [
                "serving data: cached copy",
                "hf-new: timed out",
                WARNINGS[0],
                WARNINGS[1],
            ]
        );
        assert_eq!(planned.plan.report.problems, [WARNINGS[2], WARNINGS[3]]);
        assert_eq!(
            planned.failures,
            ["no HF repo found for `Foo`\nhint: pass `--hf-repo-id ORG/REPO`"]
        );
        let requested: Vec<(&str, &str, bool)> = planned
            .requests
            .iter()
            .map(|r| {
                (
                    r.hf_repo_id.as_str(),
                    r.display_name.as_str(),
                    r.config.is_ok(),
                )
            })
            .collect();
        assert_eq!(requested, [("org/A", "A", true)]);
        let report = &planned.plan.report;
        let added: Vec<(&str, Action)> = report
            .models
            .iter()
            .map(|m| (m.name.as_str(), m.action))
            .collect();
        assert_eq!(added, [("A", Action::Added)]);
        let candidates: Vec<CandidateReport> = decisions.iter().map(Decision::report).collect();
        assert_eq!(report.candidates.as_ref(), Some(&candidates));
        assert_eq!(
            report.discovery.as_deref(),
            Some(crate::discover::why_these_models_markdown(&decisions).as_str())
        );
        assert!(
            planned.plan.text.contains("\n## A\n"),
            "{}",
            planned.plan.text
        );
    }
}
