//! The shell of "what to write next" (`crate::next`): reads what the pure ranking cannot —
//! the doc's git history for the trend (`crate::sources::doc_history`) and, with
//! the dataset (`--trace-dir`, else the Hub's copy through the tags cache the lint filled), the
//! definitions' axes of the op types with ❌ rows for the same-kernel check
//! (`crate::sources::definition_axes`) — and puts them in the report. Only when someone reads
//! the report: a bare `--refresh-status` pays nothing.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;

use crate::next::same_kernel::{same_kernels, Missing};
use crate::plan::Plan;
use crate::request::Request;
use crate::sources::{definition_axes, doc_history, Network};
use crate::status::Status;

/// Fills the report's `trend` and `same_kernel`; `read`: whether anything reads the report.
/// What could not be read is a `note:` on `err`, never an error.
pub fn attach(
    request: &Request,
    network: &Network,
    read: bool,
    plan: &mut Plan,
    err: &mut dyn Write,
) -> Result<()> {
    if !read {
        return Ok(());
    }
    let op_types: BTreeSet<&str> = plan
        .report
        .next
        .iter()
        .map(|n| n.op_type.as_str())
        .collect();
    let reading = if op_types.is_empty() {
        None
    } else {
        definitions(request, network, &op_types, err)?
    };
    if let Some(reading) = reading {
        let report = &plan.report;
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

/// The definitions of `op_types` with their axes: from `--trace-dir`, else from the Hub's copy
/// of `--trace-repo` as the lint read it (no request when its files are cached). `None` when
/// the Hub's copy could not be read (a `note:` says why).
fn definitions(
    request: &Request,
    network: &Network,
    op_types: &BTreeSet<&str>,
    err: &mut dyn Write,
) -> Result<Option<definition_axes::AxesReading>> {
    let reading = match &request.sources.trace_dir {
        Some(dir) => {
            let reading = definition_axes::read(dir, op_types);
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
            reading
        }
        None => {
            let repo = &request.sources.trace_repo;
            let tags = network
                .hub()
                .and_then(|hub| network.block_on(hub.dataset_tags(repo)))
                .and_then(|read| read.map_err(anyhow::Error::from));
            let tags = match tags {
                Ok(tags) => tags,
                Err(error) => {
                    writeln!(
                        err,
                        "note: same-kernel check: the definitions of `{repo}` were not read: {error:#}"
                    )?;
                    return Ok(None);
                }
            };
            let reading = definition_axes::from_tags(&tags.files, op_types);
            if reading.skipped > 0 {
                writeln!(
                    err,
                    "note: same-kernel check: {} definition file(s) of `{repo}` have no `axes`",
                    reading.skipped
                )?;
            }
            reading
        }
    };
    Ok(Some(reading))
}
