//! The run's report as data, rendered for each audience: JSON (`--report-json`, the contract
//! other tools read) and Markdown (`--report-md`, the future PR comment / step summary).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::discover::CandidateReport;
use crate::doc::refresh::RefreshOutcome;
use crate::doc::Warning;
use crate::markdown::{code_span, escape_inline};
use crate::next::render::WhatNext;
use crate::next::same_kernel::SameKernel;
use crate::next::{ClosestModel, NextDefinition, TrendPoint};
use crate::status::{Status, SummaryLabel};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub models: Vec<ModelReport>,
    pub missing_definitions: Vec<MissingDefinition>,
    /// Warnings and per-model failures, one line each, naming the thing and where.
    pub problems: Vec<String>,
    /// `--discover`: every candidate considered, with its decision and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<CandidateReport>>,
    /// `--discover`: the "why these models" table for the Markdown report.
    #[serde(skip)]
    pub discovery: Option<String>,
    /// What people may want to fix by hand (see `crate::lint`); never edited by the bot.
    pub lint: Vec<crate::lint::Finding>,
    /// The missing definitions ranked by impact (see `crate::next`).
    pub next: Vec<NextDefinition>,
    /// The models one to three definitions away from having none missing.
    pub closest: Vec<ClosestModel>,
    /// Missing definitions the dataset probably has under another name.
    pub same_kernel: Vec<SameKernel>,
    /// Summary labels per committed version of the doc, oldest first, then this run's.
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Added,
    Refreshed,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub name: String,
    pub hf_repo_id: Option<String>,
    pub action: Action,
    pub summary_before: Option<String>,
    pub summary_after: String,
    pub definitions: Vec<DefinitionReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefinitionReport {
    pub name: String,
    pub op_type: String,
    pub tp: Option<u32>,
    pub ep: Option<u32>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Status before this run (not serialized: the JSON contract has no such field).
    #[serde(skip)]
    pub before: Option<Status>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingDefinition {
    pub name: String,
    pub op_type: String,
    pub models: Vec<String>,
}

impl Report {
    /// Fills `missing_definitions` from the models: every ❌ concrete definition, grouped by
    /// name, sorted by op type then name; models in report order. Ranks them too: `next` and
    /// `closest` (see `crate::next`).
    pub fn collect_missing(&mut self) {
        self.collect_missing_list();
        let rows = self.next_rows();
        let (next, closest) = (crate::next::rank(&rows), crate::next::closest(&rows));
        self.next = next;
        self.closest = closest;
    }

    /// Every concrete row of every model, for `crate::next`.
    pub fn next_rows(&self) -> Vec<crate::next::Row<'_>> {
        self.models
            .iter()
            .flat_map(|model| {
                model
                    .definitions
                    .iter()
                    .filter(|d| d.status != Status::Unmapped)
                    .map(|d| crate::next::Row {
                        model: &model.name,
                        definition: &d.name,
                        op_type: &d.op_type,
                        status: d.status,
                    })
            })
            .collect()
    }

    /// The "What to write next" section; `fold` puts long lists in `<details>`.
    pub fn what_to_write_next_markdown(&self, fold: bool) -> String {
        crate::next::render::markdown(
            &WhatNext {
                next: &self.next,
                closest: &self.closest,
                same_kernel: &self.same_kernel,
                trend: &self.trend,
            },
            fold,
        )
    }

    fn collect_missing_list(&mut self) {
        let mut missing: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for model in &self.models {
            for definition in &model.definitions {
                if definition.status == Status::Missing {
                    let models = missing
                        .entry((definition.op_type.clone(), definition.name.clone()))
                        .or_default();
                    if !models.contains(&model.name) {
                        models.push(model.name.clone());
                    }
                }
            }
        }
        self.missing_definitions = missing
            .into_iter()
            .map(|((op_type, name), models)| MissingDefinition {
                name,
                op_type,
                models,
            })
            .collect();
    }

    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("the report serializes");
        json.push('\n');
        json
    }

    /// Totals of model summary labels (before, after).
    pub fn label_totals(&self) -> (BTreeMap<SummaryLabel, usize>, BTreeMap<SummaryLabel, usize>) {
        let mut before = BTreeMap::new();
        let mut after = BTreeMap::new();
        for model in &self.models {
            if let Some(label) = model
                .summary_before
                .as_deref()
                .and_then(SummaryLabel::from_cell)
            {
                *before.entry(label).or_insert(0) += 1;
            }
            if let Some(label) = SummaryLabel::from_cell(&model.summary_after) {
                *after.entry(label).or_insert(0) += 1;
            }
        }
        (before, after)
    }

    /// Totals of distinct concrete definitions by status (before, after).
    pub fn definition_totals(&self) -> (BTreeMap<Status, usize>, BTreeMap<Status, usize>) {
        let mut before: BTreeMap<&str, Status> = BTreeMap::new();
        let mut after: BTreeMap<&str, Status> = BTreeMap::new();
        for definition in self.models.iter().flat_map(|m| &m.definitions) {
            if definition.status == Status::Unmapped {
                continue;
            }
            after.insert(&definition.name, definition.status);
            if let Some(status) = definition.before.filter(|s| *s != Status::Unmapped) {
                before.insert(&definition.name, status);
            }
        }
        let count = |map: BTreeMap<&str, Status>| {
            map.into_values()
                .fold(BTreeMap::new(), |mut totals, status| {
                    *totals.entry(status).or_insert(0) += 1;
                    totals
                })
        };
        (count(before), count(after))
    }

    /// The human summary delta: labels that changed, totals before and after, and the missing
    /// definitions grouped by op type with the models that need each.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("## Model coverage report\n\n");
        if !self.added_models().is_empty() {
            out.push_str("### Models added\n\n");
            out.push_str(&self.added_models_list());
            out.push('\n');
        }
        out.push_str("### Summary labels changed\n\n");
        if self.changed_labels().is_empty() {
            out.push_str("No model changed its summary label.\n\n");
        } else {
            out.push_str(&self.changed_labels_table());
            out.push('\n');
        }
        out.push_str(&self.totals_markdown());
        if let Some(discovery) = &self.discovery {
            out.push_str(discovery);
            if !discovery.ends_with("\n\n") {
                out.push('\n');
            }
        }
        out.push_str(&self.what_to_write_next_markdown(false));
        out.push_str(&self.missing_markdown());
        out.push_str(&crate::lint::render_markdown(&self.lint));
        if !self.problems.is_empty() {
            out.push_str("\n### Problems\n\n");
            for problem in &self.problems {
                let _ = writeln!(out, "- {}", escape_inline(problem));
            }
        }
        out
    }

    /// One `- **name** (`repo`): label` line per model added, escaped for GitHub: the list the
    /// run report and the pull request body both show.
    pub fn added_models_list(&self) -> String {
        let mut out = String::new();
        for model in self.added_models() {
            let repo = model
                .hf_repo_id
                .as_deref()
                .map(|r| format!(" ({})", code_span(r)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- **{}**{repo}: {}",
                escape_inline(&model.name),
                escape_inline(&model.summary_after)
            );
        }
        out
    }

    /// The `| Model | Before | After |` table of the labels changed, escaped for GitHub (the
    /// header alone when none changed): shared by the run report and the pull request body.
    pub fn changed_labels_table(&self) -> String {
        let mut out = String::from("| Model | Before | After |\n|---|---|---|\n");
        for model in self.changed_labels() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                escape_inline(&model.name),
                escape_inline(model.summary_before.as_deref().unwrap_or_default()),
                escape_inline(&model.summary_after)
            );
        }
        out
    }

    /// The models this run added.
    pub fn added_models(&self) -> Vec<&ModelReport> {
        self.models
            .iter()
            .filter(|m| m.action == Action::Added)
            .collect()
    }

    /// The models already in the doc whose summary label changed.
    pub fn changed_labels(&self) -> Vec<&ModelReport> {
        self.models
            .iter()
            .filter(|m| m.action != Action::Added)
            .filter(|m| {
                m.summary_before
                    .as_deref()
                    .is_some_and(|before| before != m.summary_after)
            })
            .collect()
    }

    /// The totals table: ✅ / 🟡 / ❌ of model labels and of distinct definitions, before and
    /// after.
    pub fn totals_markdown(&self) -> String {
        let (labels_before, labels_after) = self.label_totals();
        let (defs_before, defs_after) = self.definition_totals();
        let label_row = |name: &str, totals: &BTreeMap<SummaryLabel, usize>| {
            let [a, b, c] = SummaryLabel::ALL.map(|label| totals.get(&label).copied().unwrap_or(0));
            format!("| {name} | {a} | {b} | {c} |\n")
        };
        let status_row = |name: &str, totals: &BTreeMap<Status, usize>| {
            let [a, b, c] = [Status::Ready, Status::NoWorkload, Status::Missing]
                .map(|status| totals.get(&status).copied().unwrap_or(0));
            format!("| {name} | {a} | {b} | {c} |\n")
        };
        let mut out = String::from("### Totals\n\n| | ✅ | 🟡 | ❌ |\n|---|---:|---:|---:|\n");
        out.push_str(&label_row("Models before", &labels_before));
        out.push_str(&label_row("Models after", &labels_after));
        out.push_str(&status_row("Definitions before", &defs_before));
        out.push_str(&status_row("Definitions after", &defs_after));
        out.push('\n');
        out
    }

    /// Missing definitions grouped by op type, with the models that need each.
    pub fn missing_markdown(&self) -> String {
        let mut out = format!(
            "### Missing definitions ({})\n\n",
            self.missing_definitions.len()
        );
        if self.missing_definitions.is_empty() {
            out.push_str("None: every concrete definition the doc lists exists.\n");
            return out;
        }
        let mut by_op: BTreeMap<&str, Vec<&MissingDefinition>> = BTreeMap::new();
        for missing in &self.missing_definitions {
            by_op.entry(&missing.op_type).or_default().push(missing);
        }
        for (op_type, list) in by_op {
            let op = if op_type.is_empty() {
                "(no op type)"
            } else {
                op_type
            };
            let _ = writeln!(out, "#### {} ({})\n", code_span(op), list.len());
            for missing in list {
                let models: Vec<String> = missing.models.iter().map(|m| escape_inline(m)).collect();
                let _ = writeln!(
                    out,
                    "- {} — {}",
                    code_span(&missing.name),
                    models.join(", ")
                );
            }
            out.push('\n');
        }
        out
    }
}

/// A run's result before the shell acts on it: the new doc text, the report and the doc's
/// warnings.
#[derive(Debug, Clone)]
pub struct Plan {
    pub text: String,
    pub report: Report,
    pub warnings: Vec<Warning>,
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
