//! The pure heart of a run: the parsed doc + everything the shell gathered → new text + report +
//! warnings. No I/O, no clock: the shell (`run.rs`) reads the doc and the sources, calls
//! [`plan_run`] once, then writes, checks or publishes.
//!
//! It composes the refresh (`crate::doc::refresh`), the onboarding of the requested and
//! discovered models (`crate::onboard`) and discovery's decisions for the report; the doc is
//! parsed once by the shell and refreshed once before onboarding.

use crate::dataset::DefinitionIndex;
use crate::discover::CandidateReport;
use crate::doc::refresh::{refresh, refresh_summary_only, RefreshOutcome};
use crate::doc::{CoverageDoc, DocError};
use crate::onboard::{self, ModelRequest};
use crate::report::report_from_outcome;
pub use crate::report::Plan;

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
    /// The resolved `--model-name`s, then discovery's picks.
    pub requests: &'a [ModelRequest],
    /// Whether SGLang implements an architecture class.
    pub sglang_supports: &'a dyn Fn(&str) -> bool,
    /// `--refresh-status` too: refresh every other section as well.
    pub refresh_all: bool,
    /// `--discover`: every candidate with its decision, and the "why these models" table.
    pub discovery: Option<(Vec<CandidateReport>, String)>,
}

/// The plan, and the models that failed (each line names the model; the run exits 2).
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub plan: Plan,
    pub failures: Vec<String>,
}

/// The one planning step of a run.
pub fn plan_run(doc: &CoverageDoc, index: &DefinitionIndex, job: Job) -> Result<RunPlan, DocError> {
    match job {
        Job::Refresh { rows } => {
            let outcome = if rows {
                refresh(doc, index)?
            } else {
                refresh_summary_only(doc, index)?
            };
            let text = outcome.text.clone();
            Ok(RunPlan {
                plan: report_from_outcome(outcome, text),
                failures: Vec::new(),
            })
        }
        Job::Onboard(job) => {
            let planned = onboard::plan_onboard(
                doc,
                job.existing,
                job.requests,
                index,
                job.sglang_supports,
                job.refresh_all,
            )?;
            let mut plan = planned.plan;
            if let Some((candidates, why)) = job.discovery {
                plan.report.candidates = Some(candidates);
                plan.report.discovery = Some(why);
            }
            Ok(RunPlan {
                plan,
                failures: planned.failures,
            })
        }
    }
}

/// The doc's sections as they are against the dataset: what name resolution, discovery and
/// onboarding start from. Computed once per run.
pub fn onboarding_base(
    doc: &CoverageDoc,
    index: &DefinitionIndex,
) -> Result<RefreshOutcome, DocError> {
    refresh(doc, index)
}

/// `--refresh-status`: every concrete row, Coverage line and summary label brought up to date
/// with the dataset; every other byte kept. The refresh job of [`plan_run`], from the text.
pub fn plan_refresh(doc_text: &str, index: &DefinitionIndex) -> Result<Plan, DocError> {
    let doc = CoverageDoc::parse(doc_text)?;
    Ok(plan_run(&doc, index, Job::Refresh { rows: true })?.plan)
}

/// `--model-name` onboarding from the text: the onboarding job of [`plan_run`], as the CLI runs
/// it without discovery.
pub fn plan_onboard(
    doc_text: &str,
    requests: &[ModelRequest],
    index: &DefinitionIndex,
    sglang_supports: &dyn Fn(&str) -> bool,
    refresh_all: bool,
) -> Result<RunPlan, DocError> {
    let doc = CoverageDoc::parse(doc_text)?;
    let existing = onboarding_base(&doc, index)?;
    let job = Job::Onboard(Onboard {
        existing: &existing,
        requests,
        sglang_supports,
        refresh_all,
        discovery: None,
    });
    plan_run(&doc, index, job)
}
