//! The shell of "what to write next" (`crate::next`): reads what the pure ranking cannot —
//! the doc's git history for the trend (`crate::sources::doc_history`) and, with
//! `--trace-dir`, the definitions' axes of the op types with ❌ rows for the same-kernel check
//! (`crate::sources::definition_axes`) — and puts them in the report. Only when someone reads
//! the report: a bare `--refresh-status` pays nothing.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;

use crate::next::same_kernel::{same_kernels, Missing};
use crate::plan::Plan;
use crate::request::Request;
use crate::sources::{definition_axes, doc_history};
use crate::status::Status;

/// Fills the report's `trend` and `same_kernel`; `read`: whether anything reads the report.
/// What could not be read is a `note:` on `err`, never an error.
pub fn attach(request: &Request, read: bool, plan: &mut Plan, err: &mut dyn Write) -> Result<()> {
    if !read {
        return Ok(());
    }
    if let Some(dir) = &request.sources.trace_dir {
        let report = &plan.report;
        let op_types: BTreeSet<&str> = report.next.iter().map(|n| n.op_type.as_str()).collect();
        let reading = definition_axes::read(dir, &op_types);
        if reading.skipped > 0 {
            writeln!(
                err,
                "note: same-kernel check: {} definition file(s) under `{}` not read (unreadable, not JSON, over {} KiB, or past {} files)",
                reading.skipped,
                dir.join("definitions").display(),
                definition_axes::MAX_DEFINITION_BYTES >> 10,
                definition_axes::MAX_FILES
            )?;
        }
        let missing = report.next.iter().map(|n| Missing {
            definition: &n.definition,
            op_type: &n.op_type,
            models: &n.models,
        });
        let doc_names = report
            .models
            .iter()
            .flat_map(|m| &m.definitions)
            .filter(|d| d.status != Status::Unmapped)
            .map(|d| d.name.as_str());
        plan.report.same_kernel = same_kernels(missing, doc_names, &reading.definitions);
    }
    let history = doc_history::read(&request.doc);
    for note in &history.notes {
        writeln!(err, "note: trend: {note}")?;
    }
    plan.report.trend = history.points;
    plan.report
        .trend
        .push(crate::next::current_point(&plan.text));
    Ok(())
}
