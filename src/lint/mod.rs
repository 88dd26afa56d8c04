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
use crate::doc::{concrete_name, Block, CoverageDoc, CoverageLine, RefreshedText, Table};
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
        for (line, name) in section.rows() {
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
    /// Its status tables, read through [`Section::rows`] (a plain refresh reads no row).
    tables: Vec<&'d Table>,
    text: &'d str,
    /// (0-based line, N, M, the words after the numbers) of every Coverage line with a numeric M.
    coverage: Vec<(usize, u64, u64, &'d str)>,
}

impl<'d> Section<'d> {
    /// (0-based line, concrete name) of every status-table row.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, &'d str)> + '_ {
        let text = self.text;
        self.tables
            .iter()
            .flat_map(|table| &table.rows)
            .filter_map(move |row| Some((row.line, concrete_name(row.cell(text, 0)?)?)))
    }
}

/// Every `##` model section (not the summary), with what the lint reads of it.
pub(crate) fn sections<'d>(doc: &'d CoverageDoc) -> Vec<Section<'d>> {
    sections_reading(doc, None)
}

/// [`sections`] of `refreshed`, the text a refresh of `doc` made, without parsing it again: a
/// refresh keeps every title, marker and row name (see [`RefreshedText`]), so these are `doc`'s
/// sections with the Coverage numbers read from `refreshed`.
pub(crate) fn refreshed_sections<'d>(doc: &'d CoverageDoc, refreshed: &str) -> Vec<Section<'d>> {
    sections_reading(doc, Some(RefreshedText::new(refreshed)))
}

/// The sections of `doc`, whose Coverage numbers are read from `refreshed` when given.
fn sections_reading<'d>(
    doc: &'d CoverageDoc,
    mut refreshed: Option<RefreshedText>,
) -> Vec<Section<'d>> {
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
                        tables: Vec::new(),
                        text: doc.text,
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
                    section.tables.push(table);
                }
            }
            Block::Coverage(coverage) if in_model => {
                let Some(total) = &coverage.total else {
                    continue;
                };
                let numbers = match &mut refreshed {
                    None => coverage_numbers(doc.text, coverage),
                    Some(refreshed) => refreshed
                        .coverage(coverage)
                        .and_then(|now| coverage_numbers(refreshed.text(), &now)),
                };
                let Some((present, count)) = numbers else {
                    continue;
                };
                // The words after the numbers are no refresh's: the same in both texts.
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

/// A Coverage line's N and M, when both are numbers.
fn coverage_numbers(text: &str, coverage: &CoverageLine) -> Option<(u64, u64)> {
    let total = coverage.total.clone()?;
    let present = text[coverage.present.clone()].parse().ok()?;
    Some((present, text[total].parse().ok()?))
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
    let listed: Vec<Vec<&str>> = sections
        .iter()
        .map(|s| s.rows().map(|(_, name)| name).collect())
        .collect();
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
            if listed[index].contains(&definition.name.as_str())
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

    /// What the lint reads of each section, owned.
    type Read = (
        String,
        usize,
        Option<usize>,
        Vec<(usize, String)>,
        Vec<(usize, u64, u64, String)>,
    );

    fn read(sections: &[Section]) -> Vec<Read> {
        sections
            .iter()
            .map(|s| {
                (
                    s.title.to_string(),
                    s.heading_line,
                    s.marker.map(|m| m.line),
                    s.rows()
                        .map(|(line, name)| (line, name.to_string()))
                        .collect(),
                    s.coverage
                        .iter()
                        .map(|&(line, n, m, words)| (line, n, m, words.to_string()))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_refreshed_doc_reads_as_its_own_parse() {
        let index = crate::dataset::DefinitionIndex::from_paths([
            "definitions/gemm/gemm_n1_k1.json",
            "workloads/gemm/gemm_n1_k1.jsonl",
            "definitions/rmsnorm/rmsnorm_h1.json",
        ]);
        let section = |title: &str, coverage: &str| {
            format!("## {title}\n{{/* track-models: hf_repo_id=o/{title} */}}\n\n| Definition | Status |\n|---|---|\n| `gemm_n1_k1` | ❌ |\n| `rmsnorm_h1` | |\n| `absent_a` | ✅ |\n| pattern | ✅ |\n\n**Coverage**: {coverage}\n\n")
        };
        let synthetic = format!(
            "## Summary\n\n| Model | Coverage |\n|---|---|\n| A | ✅ Fully covered |\n\n{}{}{}",
            section("A", "0 / 9 definitions present, fully covered."),
            section("B", "3 / ? definitions present."),
            section("C", "12/3 all present"),
        );
        for sample in [
            include_str!("../../tests/fixtures/refresh/sample-4state.mdx").to_string(),
            synthetic.clone(),
            synthetic.replace('\n', "\r\n"),
        ] {
            let doc = CoverageDoc::parse(&sample).unwrap();
            let refreshed = crate::doc::refresh::refresh(&doc, &index).unwrap().text;
            let again = CoverageDoc::parse(&refreshed).unwrap();
            let expected = read(&sections(&again));
            assert_eq!(read(&refreshed_sections(&doc, &refreshed)), expected);
            assert_ne!(read(&sections(&doc)), expected, "the numbers changed");
        }
    }

    #[test]
    fn unescaped_headings() {
        assert_eq!(
            unescape("Foo \\| Bar \\<x\\> @\u{200b}me"),
            "Foo | Bar <x> @me"
        );
        assert_eq!(unescape("Qwen3 8B"), "Qwen3 8B");
    }
}
