//! The pure heart of a run: document text + inputs → new text + report + warnings.
//! No I/O, no clock: the shell reads the doc and the sources, calls this, then writes.

use crate::dataset::DefinitionIndex;
use crate::doc::refresh::{refresh, RefreshOutcome};
use crate::doc::{CoverageDoc, DocError, Warning};
use crate::report::{Action, DefinitionReport, ModelReport, Report};

#[derive(Debug, Clone)]
pub struct Plan {
    pub text: String,
    pub report: Report,
    pub warnings: Vec<Warning>,
}

/// `--refresh-status`: every concrete row, Coverage line and summary label brought up to date
/// with the dataset; every other byte kept.
pub fn plan_refresh(doc_text: &str, index: &DefinitionIndex) -> Result<Plan, DocError> {
    let doc = CoverageDoc::parse(doc_text)?;
    let outcome = refresh(&doc, index)?;
    let text = outcome.text.clone();
    Ok(report_from_outcome(outcome, text))
}

/// The plan for `text` with a report of every section of a refresh outcome.
pub fn report_from_outcome(outcome: RefreshOutcome, text: String) -> Plan {
    let models = outcome
        .sections
        .into_iter()
        .map(|section| ModelReport {
            // The heading as people read it: no Markdown escapes, no zero-width characters.
            name: crate::markdown::plain_text(&section.title),
            hf_repo_id: section.hf_repo_id,
            action: if section.changed {
                Action::Refreshed
            } else {
                Action::Unchanged
            },
            summary_before: section.summary_before,
            summary_after: section.summary_after.text().to_string(),
            definitions: section
                .rows
                .into_iter()
                .map(|row| DefinitionReport {
                    name: row.name,
                    op_type: row.op_type,
                    tp: row.tp,
                    ep: row.ep,
                    status: row.status,
                    why: None,
                    before: row.before,
                })
                .collect(),
        })
        .collect();
    let mut report = Report {
        models,
        ..Report::default()
    };
    report.collect_missing();
    Plan {
        text,
        report,
        warnings: outcome.warnings,
    }
}
