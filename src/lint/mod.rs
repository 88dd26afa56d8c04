//! Catching what people got wrong, without editing it: rows that no config size can produce,
//! definitions the dataset traced from a tracked model that its section does not list, and
//! `**Coverage**:` prose that contradicts its refreshed numbers.
//!
//! Pure: [`lint`] takes the doc (the text the run ends with) and what the shell read — parsed
//! configs of the sections whose repo id is known, the dataset's tagged definitions — and returns
//! [`Finding`]s. Rows and prose are never edited; findings go to the reports, the PR comment,
//! `::warning` annotations and `--check`'s output, and never change an exit code.
//!
//! Guarantees: a section the tool generated from a config never gets a `contradicts_config`
//! finding for that config (its rows are candidates by construction); a row of a family the
//! naming does not give for the model is unchecked, never an alarm; findings are sorted by line.

pub mod dims;
pub mod names;
pub mod prose;
pub mod traced;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::arch::Architecture;
use crate::doc::marker::GeneratedMarker;
use crate::doc::{concrete_name, Block, CoverageDoc};
use crate::markdown::{code_span, escape_inline, escape_prose};
use dims::{ConfigCandidates, Verdict};

/// One thing a maintainer may want to fix by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The `##` heading as people read it (escapes removed).
    pub section: String,
    /// 1-based line of the doc the finding is about.
    pub line: usize,
    pub definition: Option<String>,
    pub kind: FindingKind,
    pub message: String,
    pub suggestion: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ContradictsConfig,
    TracedNotListed,
    StaleCoverageProse,
}

/// The parsed config of a section whose repo id is known.
#[derive(Debug, Clone)]
pub struct SectionConfig {
    /// The `##` heading text as it is in the doc.
    pub section: String,
    pub hf_repo_id: String,
    pub arch: Architecture,
    /// Serving sizes the section or the run names beyond [`dims::SIZES`].
    pub extra_tp: Vec<u32>,
    pub extra_ep: Vec<u32>,
}

/// A dataset definition with the models and sizes its tags say it was traced from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedDefinition {
    pub name: String,
    pub op_type: String,
    /// `model:<slug>` tags, in file order.
    pub models: Vec<String>,
    pub tp: Option<u32>,
    pub ep: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct LintInputs<'a> {
    pub configs: &'a [SectionConfig],
    /// `None` when the dataset's tags were not read (a Hub listing has none).
    pub traced: Option<&'a [TracedDefinition]>,
}

/// A model the dataset has traces for that no section tracks: a discovery signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntrackedModel {
    pub slug: String,
    pub definitions: usize,
}

#[derive(Debug, Clone, Default)]
pub struct LintOutcome {
    pub findings: Vec<Finding>,
    /// Rows compared with a config: (consistent, contradicting, unchecked).
    pub rows_checked: (usize, usize, usize),
    pub untracked: Vec<UntrackedModel>,
}

/// Lints `doc` against what the shell read.
pub fn lint(doc: &CoverageDoc, inputs: &LintInputs) -> LintOutcome {
    lint_sections(&sections(doc), inputs)
}

/// [`lint`] over sections already walked.
pub(crate) fn lint_sections(sections: &[Section], inputs: &LintInputs) -> LintOutcome {
    let mut outcome = LintOutcome::default();
    for config in inputs.configs {
        let Some(section) = sections.iter().find(|s| s.title == config.section) else {
            continue;
        };
        let candidates = ConfigCandidates::new(&config.arch, &config.extra_tp, &config.extra_ep);
        for &(line, name) in &section.rows {
            match candidates.verdict(name) {
                Verdict::Consistent => outcome.rows_checked.0 += 1,
                Verdict::Unchecked => outcome.rows_checked.2 += 1,
                Verdict::Contradicts {
                    suggestion,
                    explanation,
                } => {
                    outcome.rows_checked.1 += 1;
                    outcome.findings.push(Finding {
                        section: unescape(section.title),
                        line: line + 1,
                        definition: Some(name.to_string()),
                        kind: FindingKind::ContradictsConfig,
                        message: format!(
                            "no TP / EP in {{1, 2, 4, 8, 16}} makes `{name}` from the config of `{}`: it gives `{suggestion}` ({explanation})",
                            config.hf_repo_id
                        ),
                        suggestion: Some(suggestion),
                    });
                }
            }
        }
    }
    for section in sections {
        for (line, present, total, words) in &section.coverage {
            if let Some(message) = prose::contradiction(*present, *total, words) {
                outcome.findings.push(Finding {
                    section: unescape(section.title),
                    line: line + 1,
                    definition: None,
                    kind: FindingKind::StaleCoverageProse,
                    message: format!("{message}; the words are left to people"),
                    suggestion: None,
                });
            }
        }
    }
    if let Some(traced) = inputs.traced {
        cross_check(sections, traced, &mut outcome);
    }
    outcome
        .findings
        .sort_by(|a, b| (a.line, a.kind, &a.definition).cmp(&(b.line, b.kind, &b.definition)));
    outcome
}

/// A `##` model section as the lint sees it.
/// Borrows the doc: a refresh-sized doc is walked once, without a copy of its names.
pub(crate) struct Section<'d> {
    /// The heading text as it is in the doc.
    pub(crate) title: &'d str,
    heading_line: usize,
    /// Its first generated-section marker.
    pub(crate) marker: Option<&'d GeneratedMarker>,
    /// (0-based line, concrete name) of every status-table row.
    pub(crate) rows: Vec<(usize, &'d str)>,
    /// (0-based line, N, M, the words after the numbers) of every Coverage line with a numeric M.
    coverage: Vec<(usize, u64, u64, &'d str)>,
}

/// Every `##` model section (not the summary), with what the lint reads of it.
pub(crate) fn sections<'d>(doc: &'d CoverageDoc) -> Vec<Section<'d>> {
    let mut out: Vec<Section<'d>> = Vec::new();
    let mut in_model = false;
    for (position, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading(heading) if heading.level <= 2 => {
                in_model = heading.level == 2 && doc.summary_heading != Some(position);
                if in_model {
                    out.push(Section {
                        title: &heading.title,
                        heading_line: heading.line,
                        marker: None,
                        rows: Vec::new(),
                        coverage: Vec::new(),
                    });
                }
            }
            Block::Marker(marker) if in_model => {
                if let Some(section) = out.last_mut() {
                    section.marker.get_or_insert(marker);
                }
            }
            Block::Table(table) if in_model && table.status.is_some() => {
                if let Some(section) = out.last_mut() {
                    section.rows.extend(table.rows.iter().filter_map(|row| {
                        let name = concrete_name(row.cell(doc.text, 0)?)?;
                        Some((row.line, name))
                    }));
                }
            }
            Block::Coverage(coverage) if in_model => {
                let Some(total) = coverage.total.clone() else {
                    continue;
                };
                let (Ok(present), Ok(count)) = (
                    doc.text[coverage.present.clone()].parse::<u64>(),
                    doc.text[total.clone()].parse::<u64>(),
                ) else {
                    continue;
                };
                let words = &doc.text[total.end..doc.lines[coverage.line].end];
                if let Some(section) = out.last_mut() {
                    section
                        .coverage
                        .push((coverage.line, present, count, words));
                }
            }
            _ => {}
        }
    }
    out
}

/// Traced definitions of a tracked model that its section does not list, and the models the
/// dataset traced that no section tracks.
fn cross_check(sections: &[Section], traced: &[TracedDefinition], outcome: &mut LintOutcome) {
    let words: Vec<BTreeSet<String>> = sections
        .iter()
        .map(|s| {
            let repo = s.marker.as_ref().and_then(|m| m.hf_repo_id());
            traced::section_words(&unescape(s.title), repo)
        })
        .collect();
    let mut untracked: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    // One finding per (section, definition), however many slugs of that section traced it.
    let mut reported: BTreeSet<(usize, &str)> = BTreeSet::new();
    for definition in traced {
        for slug in &definition.models {
            let Some(index) = traced::section_for(slug, &words) else {
                untracked
                    .entry(slug.clone())
                    .or_default()
                    .insert(&definition.name);
                continue;
            };
            let section = &sections[index];
            if section
                .rows
                .iter()
                .any(|(_, name)| *name == definition.name)
                || !reported.insert((index, &definition.name))
            {
                continue;
            }
            let sizes = [("TP", definition.tp), ("EP", definition.ep)]
                .iter()
                .filter_map(|(label, size)| size.map(|s| format!(", {label}={s}")))
                .collect::<String>();
            outcome.findings.push(Finding {
                section: unescape(section.title),
                line: section.heading_line + 1,
                definition: Some(definition.name.clone()),
                kind: FindingKind::TracedNotListed,
                message: format!(
                    "the dataset traced `{}` ({}{sizes}) from `model:{slug}`, which this section does not list",
                    definition.name, definition.op_type
                ),
                suggestion: None,
            });
        }
    }
    outcome.untracked = untracked
        .into_iter()
        .map(|(slug, names)| UntrackedModel {
            slug,
            definitions: names.len(),
        })
        .collect();
}

/// One (line, message) per annotation, most useful first: each contradicting row, each stale
/// Coverage line, then one per section for the traced definitions it does not list.
pub fn annotations(findings: &[Finding]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for kind in [
        FindingKind::ContradictsConfig,
        FindingKind::StaleCoverageProse,
    ] {
        out.extend(
            findings
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| (f.line, format!("{}: {}", f.section, f.message))),
        );
    }
    let mut traced: BTreeMap<(usize, &str), Vec<&str>> = BTreeMap::new();
    for finding in findings
        .iter()
        .filter(|f| f.kind == FindingKind::TracedNotListed)
    {
        traced
            .entry((finding.line, &finding.section))
            .or_default()
            .push(finding.definition.as_deref().unwrap_or_default());
    }
    for ((line, section), names) in traced {
        out.push((line, traced_summary(section, &names)));
    }
    out
}

/// `` `X` does not list 5 definition(s) the dataset traced from it: `a`, `b`, `c`, `d` and 1 more ``
pub fn traced_summary(section: &str, names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("`{n}`")).collect();
    let more = match names.len().saturating_sub(4) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    format!(
        "`{section}` does not list {} definition(s) the dataset traced from it: {}{more}",
        names.len(),
        shown.join(", ")
    )
}

/// A heading as people read it: the backslash escapes of [`crate::markdown::escape_inline`]
/// removed, and the zero-width space after `@` dropped.
pub fn unescape(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut chars = title.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {
                out.extend(chars.next());
            }
            '\u{200b}' if out.ends_with('@') => {}
            _ => out.push(c),
        }
    }
    out
}

/// The findings for the Markdown report and the PR comment: one folded block per kind, empty
/// when there is nothing to say.
pub fn render_markdown(findings: &[Finding]) -> String {
    let mut out = String::new();
    for (kind, title) in [
        (
            FindingKind::ContradictsConfig,
            "Rows that contradict the model's config",
        ),
        (
            FindingKind::TracedNotListed,
            "Traced in the dataset but not listed",
        ),
        (
            FindingKind::StaleCoverageProse,
            "Coverage lines whose words are stale",
        ),
    ] {
        let found: Vec<&Finding> = findings.iter().filter(|f| f.kind == kind).collect();
        if found.is_empty() {
            continue;
        }
        let sections: BTreeSet<&str> = found.iter().map(|f| f.section.as_str()).collect();
        let _ = write!(
            out,
            "\n### {title}\n\n<details><summary>{} in {} section(s) (rows are never edited)</summary>\n\n",
            found.len(),
            sections.len()
        );
        out.push_str("| Section | Line | Definition | Suggestion | Why |\n|---|---|---|---|---|\n");
        for finding in found {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                escape_inline(&finding.section),
                finding.line,
                finding
                    .definition
                    .as_deref()
                    .map_or_else(|| "—".to_string(), code_span),
                finding
                    .suggestion
                    .as_deref()
                    .map_or_else(|| "—".to_string(), code_span),
                escape_prose(&finding.message),
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescaped_headings() {
        assert_eq!(
            unescape("Foo \\| Bar \\<x\\> @\u{200b}me"),
            "Foo | Bar <x> @me"
        );
        assert_eq!(unescape("Qwen3 8B"), "Qwen3 8B");
    }
}
