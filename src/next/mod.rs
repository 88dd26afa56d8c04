//! What to write next: the missing definitions ranked by how many models they unblock, the
//! models closest to full coverage, and coverage over time. Pure: it reads report rows and doc
//! texts handed to it, never a file, the network or the clock.
//!
//! - [`rank`]: one [`NextDefinition`] per distinct name that is ❌ in at least one section,
//!   with the sections needing it and those for which it is the only ❌ left; ordered by
//!   number of models (most first), then number of models it completes (most first), then name.
//! - [`closest`]: the sections with one to three distinct ❌ names, fewest first, then by heading.
//! - [`label_counts`]: the Summary table's labels of one version of the doc, counted as written
//!   (the trend reads every version with it, the run's own result included).
//! - [`same_kernel`]: a ❌ name whose dimensions the dataset has under another name.

pub mod render;
pub mod same_kernel;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::doc::{Block, CoverageDoc, SummaryColumns};
use crate::status::{Status, SummaryLabel};

/// The most ❌ names a section may have to be among the [`closest`].
pub const CLOSEST_MAX_MISSING: usize = 3;

/// One row of a model section, as the report has it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The section's heading as people read it.
    pub model: &'a str,
    pub definition: &'a str,
    /// The first word of the row's Op Type cell.
    pub op_type: &'a str,
    pub status: Status,
}

/// A missing definition and what writing it would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextDefinition {
    pub definition: String,
    pub op_type: String,
    /// Headings of the sections that list it as ❌, sorted.
    pub models: Vec<String>,
    /// Headings of the sections for which it is the only ❌ name left, sorted.
    pub completes: Vec<String>,
}

/// A model one to three definitions away from having none missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosestModel {
    pub model: String,
    /// Its distinct ❌ names, sorted.
    pub missing: Vec<String>,
}

/// Summary labels of one version of the doc, as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    pub fully: usize,
    pub partial: usize,
    pub not: usize,
}

/// One point of the trend: a committed version of the doc (`commit` and its committer date),
/// or this run's result (`commit` and `date` null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub commit: Option<String>,
    pub date: Option<String>,
    pub models: LabelCounts,
}

/// The ❌ names of each section, in report order (sections with the same heading are one).
fn missing_by_model<'a>(rows: &[Row<'a>]) -> BTreeMap<&'a str, BTreeSet<&'a str>> {
    let mut by_model: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.status == Status::Missing) {
        by_model
            .entry(row.model)
            .or_default()
            .insert(row.definition);
    }
    by_model
}

/// The missing definitions ranked by impact (see the module doc).
pub fn rank(rows: &[Row]) -> Vec<NextDefinition> {
    let by_model = missing_by_model(rows);
    let mut entries: BTreeMap<&str, NextDefinition> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.status == Status::Missing) {
        let entry = entries
            .entry(row.definition)
            .or_insert_with(|| NextDefinition {
                definition: row.definition.to_string(),
                op_type: row.op_type.to_string(),
                models: Vec::new(),
                completes: Vec::new(),
            });
        if entry.op_type.is_empty() {
            entry.op_type = row.op_type.to_string();
        }
        if !entry.models.iter().any(|m| m == row.model) {
            entry.models.push(row.model.to_string());
        }
    }
    for (model, missing) in &by_model {
        if let (1, Some(only)) = (missing.len(), missing.first()) {
            if let Some(entry) = entries.get_mut(only) {
                entry.completes.push((*model).to_string());
            }
        }
    }
    let mut ranked: Vec<NextDefinition> = entries
        .into_values()
        .map(|mut entry| {
            entry.models.sort();
            entry.completes.sort();
            entry
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.models
            .len()
            .cmp(&a.models.len())
            .then(b.completes.len().cmp(&a.completes.len()))
            .then_with(|| a.definition.cmp(&b.definition))
    });
    ranked
}

/// The sections with 1 to [`CLOSEST_MAX_MISSING`] distinct ❌ names, fewest first, then by
/// heading.
pub fn closest(rows: &[Row]) -> Vec<ClosestModel> {
    let mut models: Vec<ClosestModel> = missing_by_model(rows)
        .into_iter()
        .filter(|(_, missing)| (1..=CLOSEST_MAX_MISSING).contains(&missing.len()))
        .map(|(model, missing)| ClosestModel {
            model: model.to_string(),
            missing: missing.into_iter().map(str::to_string).collect(),
        })
        .collect();
    models.sort_by(|a, b| {
        a.missing
            .len()
            .cmp(&b.missing.len())
            .then_with(|| a.model.cmp(&b.model))
    });
    models
}

/// The labels of the doc's Summary table (the first table after `## Summary`, before the next
/// heading), each row's `Coverage` cell (found by its header) judged by its leading symbol;
/// rows without a label are not counted. `None` when the text is not a doc the parser can read.
pub fn label_counts(text: &str) -> Option<LabelCounts> {
    let doc = CoverageDoc::parse(text).ok()?;
    let mut counts = LabelCounts::default();
    let Some(summary) = doc.summary_heading else {
        return Some(counts);
    };
    let table = doc.blocks[summary + 1..]
        .iter()
        .take_while(|block| !matches!(block, Block::Heading(_)))
        .find_map(|block| match block {
            Block::Table(table) => Some(table),
            _ => None,
        });
    let Some(table) = table else {
        return Some(counts);
    };
    // The label's column found by its header, as the refresh writes it; a table without a
    // `Coverage` (or `Status`) header, or a row with another cell count, is not counted.
    let columns = SummaryColumns::of(text, &table.header);
    let Some(column) = columns.label else {
        return Some(counts);
    };
    for row in table.rows.iter().filter(|row| row.len() == columns.count) {
        let label = row
            .cell(text, column)
            .and_then(|cell| SummaryLabel::from_cell(cell.trim()));
        match label {
            Some(SummaryLabel::FullyCovered) => counts.fully += 1,
            Some(SummaryLabel::Partial) => counts.partial += 1,
            Some(SummaryLabel::NotCovered) => counts.not += 1,
            None => {}
        }
    }
    Some(counts)
}

/// This run's point of the trend: the labels of the doc it produced.
pub fn current_point(text: &str) -> TrendPoint {
    TrendPoint {
        commit: None,
        date: None,
        models: label_counts(text).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_from_the_coverage_column_found_by_its_header() {
        // A Notes column after Coverage (issue 19's Summary with people's notes): the label is
        // the Coverage cell, not the last one; a row missing a cell is not counted.
        let text = "## Summary\n\n| Model | Coverage | Notes |\n|---|---|---|\n\
                    | A | ✅ Fully covered | ❌ not a label |\n\
                    | B | 🟡 Partial | kept |\n\
                    | C | ❌ Not covered |\n";
        assert_eq!(
            label_counts(text),
            Some(LabelCounts {
                fully: 1,
                partial: 1,
                not: 0
            })
        );
    }

    fn row<'a>(model: &'a str, definition: &'a str, status: Status) -> Row<'a> {
        Row {
            model,
            definition,
            op_type: definition.split('_').next().unwrap_or_default(),
            status,
        }
    }

    #[test]
    fn ranks_by_models_then_completes_then_name() {
        use Status::{Missing, Ready, Unmapped};
        let rows = [
            row("B", "gemm_b", Missing),
            row("B", "gemm_a", Missing),
            row("A", "gemm_a", Missing),
            row("A", "gemm_a", Missing),
            row("C", "gemm_c", Missing),
            row("C", "rms_x", Ready),
            row("C", "other", Unmapped),
            row("D", "gemm_b", Missing),
        ];
        let ranked = rank(&rows);
        let names: Vec<(&str, Vec<String>, Vec<String>)> = ranked
            .iter()
            .map(|e| (e.definition.as_str(), e.models.clone(), e.completes.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("gemm_a", vec!["A".into(), "B".into()], vec!["A".into()]),
                ("gemm_b", vec!["B".into(), "D".into()], vec!["D".into()]),
                ("gemm_c", vec!["C".into()], vec!["C".into()]),
            ]
        );
        assert_eq!(ranked[0].op_type, "gemm");
        let near = closest(&rows);
        let near: Vec<(&str, usize)> = near
            .iter()
            .map(|c| (c.model.as_str(), c.missing.len()))
            .collect();
        assert_eq!(near, [("A", 1), ("C", 1), ("D", 1), ("B", 2)]);
    }

    #[test]
    fn counts_the_summary_labels_as_written() {
        let text = "## Summary\n\n| Model | Coverage |\n|---|---|\n| A | ✅ Fully covered |\n| B | 🟡 Partial |\n| C | ❌ Not covered |\n| D | ✅ Fully covered |\n| E | soon |\n\n## A\n\n| Model | Coverage |\n|---|---|\n| X | ✅ Fully covered |\n";
        assert_eq!(
            label_counts(text),
            Some(LabelCounts {
                fully: 2,
                partial: 1,
                not: 1
            })
        );
        assert_eq!(label_counts("no summary\n"), Some(LabelCounts::default()));
        assert_eq!(label_counts("```\nnever closed\n"), None);
    }
}
