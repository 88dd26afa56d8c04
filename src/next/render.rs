//! The "What to write next" section of the Markdown report, the job summary and the pull
//! request's comment: the first ten of `next` with the models each unblocks and completes,
//! the models closest to full coverage, the probable renames, and a Mermaid `xychart-beta`
//! line of fully covered models per version of the doc. Every list is bounded, so a doc with
//! thousands of missing definitions still gives a section of a few thousand characters.

use std::fmt::Write as _;

use super::same_kernel::SameKernel;
use super::{ClosestModel, NextDefinition, TrendPoint};
use crate::markdown::{code_span, escape_inline};

/// How many of `next` the section shows.
pub const SHOWN_NEXT: usize = 10;
/// How many model names one cell shows before "and N more".
const SHOWN_MODELS: usize = 8;
/// How many closest models and probable renames the section lists.
const SHOWN_LINES: usize = 50;
/// Lists longer than this are folded in `<details>` when folding.
const FOLD_AFTER: usize = 5;

/// What the section is made of.
#[derive(Debug, Clone, Copy)]
pub struct WhatNext<'a> {
    pub next: &'a [NextDefinition],
    pub closest: &'a [ClosestModel],
    pub same_kernel: &'a [SameKernel],
    pub trend: &'a [TrendPoint],
}

/// The section; `fold` puts long lists in `<details>` (the comment and the job summary).
pub fn markdown(what: &WhatNext, fold: bool) -> String {
    let mut out = String::from("### What to write next\n\n");
    if what.next.is_empty() {
        out.push_str("Nothing: no concrete definition of the doc is missing.\n\n");
    } else {
        out.push_str(&next_table(what));
    }
    out.push_str(&closest_list(what.closest, fold));
    out.push_str(&same_kernel_list(what.same_kernel, fold));
    out.push_str(&trend_chart(what.trend));
    out
}

fn next_table(what: &WhatNext) -> String {
    let shown = what.next.len().min(SHOWN_NEXT);
    let mut out = format!(
        "The missing definitions that unblock the most models ({shown} of {}):\n\n\
         | # | Definition (op type) | Unblocks | Completes |\n|---:|---|---|---|\n",
        what.next.len()
    );
    for (position, entry) in what.next.iter().take(SHOWN_NEXT).enumerate() {
        let renamed = what
            .same_kernel
            .iter()
            .find(|same| same.definition == entry.definition)
            .map(|same| format!("; {}", names_note(&same.same_as)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} ({}{renamed}) | {} | {} |",
            position + 1,
            code_span(&entry.definition),
            code_span(&entry.op_type),
            models_cell(&entry.models),
            models_cell(&entry.completes)
        );
    }
    out.push('\n');
    out
}

/// `3: A, B, C`, at most [`SHOWN_MODELS`] names, `0` for none.
fn models_cell(models: &[String]) -> String {
    if models.is_empty() {
        return "0".to_string();
    }
    let mut names: Vec<String> = models
        .iter()
        .take(SHOWN_MODELS)
        .map(|m| escape_inline(m))
        .collect();
    if models.len() > SHOWN_MODELS {
        names.push(format!("and {} more", models.len() - SHOWN_MODELS));
    }
    format!("{}: {}", models.len(), names.join(", "))
}

fn names_note(same_as: &[String]) -> String {
    let names: Vec<String> = same_as.iter().map(|n| code_span(n)).collect();
    format!("probably the same kernel as {}", names.join(" or "))
}

fn closest_list(closest: &[ClosestModel], fold: bool) -> String {
    let mut out = format!("#### Closest to full coverage ({})\n\n", closest.len());
    if closest.is_empty() {
        out.push_str("No model is one to three definitions away.\n\n");
        return out;
    }
    let mut items = String::new();
    for model in closest.iter().take(SHOWN_LINES) {
        let names: Vec<String> = model.missing.iter().map(|n| code_span(n)).collect();
        let _ = writeln!(
            items,
            "- **{}** ({} missing): {}",
            escape_inline(&model.model),
            model.missing.len(),
            names.join(", ")
        );
    }
    if closest.len() > SHOWN_LINES {
        let _ = writeln!(
            items,
            "- … and {} more (all in the JSON report's `closest`)",
            closest.len() - SHOWN_LINES
        );
    }
    out.push_str(&folded(&items, closest.len(), "models", fold));
    out
}

fn same_kernel_list(same: &[SameKernel], fold: bool) -> String {
    if same.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "#### Probably the same kernel, other name ({})\n\n",
        same.len()
    );
    let mut items = String::new();
    for entry in same.iter().take(SHOWN_LINES) {
        let _ = writeln!(
            items,
            "- {} ({}): {}",
            code_span(&entry.definition),
            models_cell(&entry.models),
            names_note(&entry.same_as)
        );
    }
    if same.len() > SHOWN_LINES {
        let _ = writeln!(items, "- … and {} more", same.len() - SHOWN_LINES);
    }
    out.push_str(&folded(&items, same.len(), "definitions", fold));
    out
}

fn folded(items: &str, len: usize, what: &str, fold: bool) -> String {
    if fold && len > FOLD_AFTER {
        format!("<details><summary>{len} {what}</summary>\n\n{items}\n</details>\n\n")
    } else {
        format!("{items}\n")
    }
}

/// A Mermaid `xychart-beta` line of fully covered models per version of the doc (oldest
/// first, this run last), and the latest counts of every label in words.
fn trend_chart(trend: &[TrendPoint]) -> String {
    let Some(last) = trend.last() else {
        return String::new();
    };
    let labels: Vec<String> = trend
        .iter()
        .map(|point| match &point.commit {
            Some(commit) => format!("\"{}\"", commit.chars().take(7).collect::<String>()),
            None => "\"this run\"".to_string(),
        })
        .collect();
    let fully: Vec<String> = trend.iter().map(|p| p.models.fully.to_string()).collect();
    let top = trend
        .iter()
        .map(|p| p.models.fully)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = format!(
        "#### Coverage over time\n\n```mermaid\nxychart-beta\n    title \"Fully covered models per version of the doc\"\n    \
         x-axis [{}]\n    y-axis \"Models\" 0 --> {top}\n    line [{}]\n```\n\n",
        labels.join(", "),
        fully.join(", ")
    );
    let first = &trend[0];
    let counts = |p: &TrendPoint| {
        format!(
            "✅ {} fully covered, 🟡 {} partial, ❌ {} not covered",
            p.models.fully, p.models.partial, p.models.not
        )
    };
    if trend.len() == 1 {
        let _ = writeln!(out, "This run: {}.\n", counts(last));
    } else {
        let since = match (&first.commit, &first.date) {
            (Some(commit), Some(date)) => format!(
                "{} ({})",
                code_span(&commit.chars().take(7).collect::<String>()),
                date.get(..10).unwrap_or(date)
            ),
            _ => "the first version".to_string(),
        };
        let read = trend.len() - 1;
        let versions = if read == 1 { "version" } else { "versions" };
        let _ = writeln!(
            out,
            "This run: {}; at {since}: {} ({read} {versions} read).\n",
            counts(last),
            counts(first),
        );
    }
    out
}
