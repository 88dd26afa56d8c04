//! `--refresh-status`: new leading symbols for concrete rows, recounted `**Coverage**:` lines
//! and summary labels — as byte splices, nothing else.
//!
//! Rules (exact):
//! - A concrete row (first cell is one backticked `[a-z0-9_]+`) gets ✅ / 🟡 / ❌ from the
//!   dataset; text after an existing leading ✅/🟡/❌/— is kept, a cell with no symbol at all
//!   becomes `symbol + space + old text`; a cell whose first character is an unknown symbol
//!   (or invisible), or whose symbol comes after other text (`(tbd) ❌`, `**✅**`), is warned
//!   about and left alone. Other rows are left alone.
//! - The first `**Coverage**: N / M` line after status tables (before the next heading) gets
//!   N = present concrete rows and M = concrete rows (a non-number M such as `?` is kept),
//!   counted over the status tables since the previous heading or Coverage line.
//! - A summary row whose first cell matches a `##` heading (lower case, whitespace removed)
//!   gets `❌ Not covered` when no concrete row is ✅/🟡, `✅ Fully covered` when every status
//!   row (concrete or not, by its leading symbol) is ✅, else `🟡 Partial`. Rows under `###`
//!   belong to the enclosing `##` section.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::table::Row;
use super::{
    concrete_name, normalize_name, Block, CoverageDoc, DocError, Status, SummaryColumns, Table,
    Warning,
};
use crate::dataset::DefinitionIndex;
use crate::ident::echo;
use crate::status::SummaryLabel;

/// The refreshed text plus what happened to each `##` model section.
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    pub text: String,
    pub sections: Vec<SectionOutcome>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionOutcome {
    pub title: String,
    /// 0-based line of the heading; the section runs to `end_line` (exclusive).
    pub heading_line: usize,
    pub end_line: usize,
    pub hf_repo_id: Option<String>,
    /// Any byte of the section or of its summary row changed.
    pub changed: bool,
    /// The summary row's last cell before the refresh; `None` when no row matches.
    pub summary_before: Option<String>,
    pub summary_after: SummaryLabel,
    pub rows: Vec<RowOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// The definition name, or the first cell's text for a row that is not concrete.
    pub name: String,
    pub op_type: String,
    pub tp: Option<u32>,
    pub ep: Option<u32>,
    /// `Unmapped` for every row that is not concrete.
    pub status: Status,
    /// The row's status before the refresh (its old leading symbol), if it had one.
    pub before: Option<Status>,
}

pub fn refresh(doc: &CoverageDoc, index: &DefinitionIndex) -> Result<RefreshOutcome, DocError> {
    refresh_with(doc, index, true)
}

/// The same refresh without the per-row outcomes (`SectionOutcome::rows` stays empty): for a
/// run whose report nobody reads, this saves allocating a record for every row.
pub fn refresh_summary_only(
    doc: &CoverageDoc,
    index: &DefinitionIndex,
) -> Result<RefreshOutcome, DocError> {
    refresh_with(doc, index, false)
}

fn refresh_with(
    doc: &CoverageDoc,
    index: &DefinitionIndex,
    rows: bool,
) -> Result<RefreshOutcome, DocError> {
    let mut refresher = Refresher {
        doc,
        index,
        rows,
        edits: Vec::new(),
        warnings: doc.warnings.clone(),
        sections: Vec::new(),
        judgements: Vec::new(),
    };
    refresher.walk()?;
    Ok(refresher.finish())
}

struct Refresher<'d, 'a> {
    doc: &'d CoverageDoc<'a>,
    index: &'d DefinitionIndex,
    /// Record a [`RowOutcome`] per row.
    rows: bool,
    edits: Vec<(Range<usize>, Cow<'static, str>)>,
    warnings: Vec<Warning>,
    sections: Vec<SectionOutcome>,
    /// Per section: (any concrete row present, every status row ready).
    judgements: Vec<(bool, bool)>,
}

/// Status rows seen since the previous heading or Coverage line.
#[derive(Default)]
struct Tally {
    tables: usize,
    concrete: usize,
    present: usize,
}

impl Refresher<'_, '_> {
    fn walk(&mut self) -> Result<(), DocError> {
        let doc = self.doc;
        let mut tally = Tally::default();
        let mut current: Option<usize> = None;
        let mut in_summary = false;
        let mut summary_table: Option<&Table> = None;
        for (position, block) in doc.blocks.iter().enumerate() {
            match block {
                Block::Heading(heading) => {
                    tally = Tally::default();
                    if heading.level > 2 {
                        continue;
                    }
                    if let Some(open) = current.take() {
                        self.sections[open].end_line = heading.line;
                    }
                    in_summary = doc.summary_heading == Some(position);
                    if heading.level == 2 && !in_summary {
                        self.sections.push(SectionOutcome {
                            title: heading.title.clone(),
                            heading_line: heading.line,
                            end_line: doc.lines.len(),
                            hf_repo_id: None,
                            changed: false,
                            summary_before: None,
                            summary_after: SummaryLabel::NotCovered,
                            rows: Vec::new(),
                        });
                        self.judgements.push((false, true));
                        current = Some(self.sections.len() - 1);
                    }
                }
                Block::Marker(marker) => {
                    if let (Some(open), Some(repo)) = (current, marker.hf_repo_id()) {
                        self.sections[open]
                            .hf_repo_id
                            .get_or_insert_with(|| repo.to_string());
                    }
                }
                Block::Table(table) => {
                    if in_summary && summary_table.is_none() {
                        summary_table = Some(table);
                    }
                    if table.status.is_some() {
                        tally.tables += 1;
                        self.status_table(table, current, &mut tally)?;
                    }
                }
                Block::Coverage(coverage) => {
                    if tally.tables == 0 {
                        continue;
                    }
                    self.replace(coverage.present.clone(), tally.present.to_string());
                    if let Some(total) = coverage.total.clone() {
                        self.replace(total, tally.concrete.to_string());
                    }
                    tally = Tally::default();
                }
            }
        }
        self.judge_sections();
        if let Some(table) = summary_table {
            self.summary(table);
        }
        Ok(())
    }

    fn status_table(
        &mut self,
        table: &Table,
        section: Option<usize>,
        tally: &mut Tally,
    ) -> Result<(), DocError> {
        let text = self.doc.text;
        let columns = table.status.as_ref().expect("a status table");
        for row in &table.rows {
            let first = row.cell(text, 0).unwrap_or_default();
            let ragged = row.len() != table.header.len();
            let status_range = row.trimmed_range(text, columns.status);
            let before = status_range
                .clone()
                .and_then(|range| Status::leading(&text[range]))
                .map(|(status, _)| status);
            let outcome = |name: &str, status: Status| {
                let (op_type, tp, ep) = columns
                    .op_type
                    .and_then(|column| row.cell(text, column))
                    .map(parse_op_type)
                    .unwrap_or_default();
                RowOutcome {
                    name: name.to_string(),
                    op_type,
                    tp,
                    ep,
                    status,
                    before,
                }
            };
            let Some(name) = concrete_name(first) else {
                if ragged {
                    self.warn(
                        row.line,
                        format!(
                            "status table row has {} cells but the header has {}; left alone",
                            row.len(),
                            table.header.len()
                        ),
                    );
                }
                if let Some(open) = section {
                    self.judgements[open].1 &= before == Some(Status::Ready);
                    if self.rows {
                        self.sections[open]
                            .rows
                            .push(outcome(first, Status::Unmapped));
                    }
                }
                continue;
            };
            let Some(range) = status_range.filter(|_| !ragged) else {
                return Err(DocError {
                    line: row.line + 1,
                    message: format!(
                        "the status table row for `{name}` has {} cells but the header has {}, so its status cell cannot be located safely",
                        row.len(),
                        table.header.len()
                    ),
                });
            };
            let status = self.index.status(name, self.doc.four_state);
            self.set_status(row, columns.status, range, status, name);
            tally.concrete += 1;
            tally.present += usize::from(status.is_present());
            if let Some(open) = section {
                let judgement = &mut self.judgements[open];
                judgement.0 |= status.is_present();
                judgement.1 &= status == Status::Ready;
                if self.rows {
                    self.sections[open].rows.push(outcome(name, status));
                }
            }
        }
        Ok(())
    }

    fn set_status(
        &mut self,
        row: &Row,
        column: usize,
        range: Range<usize>,
        status: Status,
        name: &str,
    ) {
        let content = &self.doc.text[range.clone()];
        match Status::leading(content) {
            // The same symbol: `replace` records nothing.
            Some((_, length)) => {
                self.replace(range.start..range.start + length, status.symbol());
            }
            None if content.is_empty() => {
                let cell = row.cells.get(column).expect("the status cell is located");
                self.replace(cell, format!(" {} ", status.symbol()));
            }
            // Text with no symbol (`pending`) gets one in front; a symbol that is not the first
            // visible character (`(tbd) ❌`, `**✅**`, a zero-width space first) or an unknown
            // symbol is a form the rules do not know: warned about and left alone.
            None if !content.starts_with(|c: char| c.is_ascii()) => self.warn(
                row.line,
                format!("unknown status symbol at the start of `{content}` for `{name}`; left alone"),
            ),
            None if Status::ALL.iter().any(|s| content.contains(s.symbol())) => self.warn(
                row.line,
                format!(
                    "the status symbol in `{content}` for `{name}` is not the cell's first character; left alone"
                ),
            ),
            None => {
                self.replace(range.start..range.start, format!("{} ", status.symbol()));
            }
        }
    }

    fn judge_sections(&mut self) {
        for (section, &(any_present, every_ready)) in self.sections.iter_mut().zip(&self.judgements)
        {
            section.summary_after = SummaryLabel::judge(any_present, every_ready);
        }
    }

    /// Writes each summary row's label into the column the header names `Coverage`; every
    /// other cell stays as it was. Rows that cannot be matched safely are warned about and
    /// left alone: a row with another cell count than the header, a row matching several
    /// sections (summarised per title), a row matching none (its label cannot be verified).
    fn summary(&mut self, table: &Table) {
        let text = self.doc.text;
        let columns = SummaryColumns::of(text, &table.header);
        let Some(label_column) = columns.label else {
            self.warn(
                table.header.line,
                "the summary table has no `Coverage` column (no header cell `Coverage` or `Status`): no summary label is refreshed".into(),
            );
            return;
        };
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (position, section) in self.sections.iter().enumerate() {
            by_name
                .entry(normalize_name(&section.title))
                .or_default()
                .push(position);
        }
        let mut duplicated: Vec<(String, Vec<usize>)> = Vec::new();
        let mut duplicated_at: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let first = row.cell(text, 0).unwrap_or_default();
            let key = normalize_name(first);
            let Some(matches) = by_name.get(&key) else {
                self.orphan_row(row, first, label_column);
                continue;
            };
            if row.len() != columns.count {
                self.warn(
                    row.line,
                    format!(
                        "summary row `{}` has {} cells but the header has {}; left alone",
                        echo(first),
                        row.len(),
                        columns.count
                    ),
                );
                continue;
            }
            if matches.len() > 1 {
                let at = *duplicated_at.entry(key).or_insert_with(|| {
                    duplicated.push((first.to_string(), Vec::new()));
                    duplicated.len() - 1
                });
                duplicated[at].1.push(row.line);
                continue;
            }
            self.write_label(row, label_column, matches[0]);
        }
        for (first, rows) in duplicated {
            let sections = &by_name[&normalize_name(&first)];
            let headings: Vec<usize> = sections
                .iter()
                .map(|&m| self.sections[m].heading_line + 1)
                .collect();
            let rows_after = rows[1..].iter().map(|line| line + 1).collect::<Vec<_>>();
            let also = if rows_after.is_empty() {
                String::new()
            } else {
                format!(" (so are the rows on lines {})", listed(&rows_after))
            };
            self.warn(
                rows[0],
                format!(
                    "summary row `{}` matches {} sections (lines {}); left alone{also}",
                    echo(&first),
                    sections.len(),
                    listed(&headings)
                ),
            );
        }
    }

    /// A summary row no `##` section matches (renamed or removed): its label is stale or
    /// unverifiable, so it is reported and `--check` does not pass.
    fn orphan_row(&mut self, row: &Row, first: &str, label_column: usize) {
        if first.is_empty() {
            return;
        }
        let label = row.cell(self.doc.text, label_column).unwrap_or_default();
        self.warnings.push(Warning::unverified(
            row.line + 1,
            format!(
                "summary row `{}` matches no `##` section (renamed or removed?): its label `{}` cannot be checked\nhint: rename the row to its section's heading, or remove it",
                echo(first),
                echo(label)
            ),
        ));
    }

    fn write_label(&mut self, row: &Row, column: usize, section: usize) {
        let text = self.doc.text;
        let range = row
            .trimmed_range(text, column)
            .expect("the row has the header's cells");
        let label = self.sections[section].summary_after.text();
        self.sections[section].summary_before = Some(text[range.clone()].to_string());
        if &text[range.clone()] != label {
            let changed = if range.is_empty() {
                let cell = row.cells.get(column).expect("the label cell is located");
                self.replace(cell, format!(" {label} "))
            } else {
                self.replace(range, label)
            };
            self.sections[section].changed |= changed;
        }
    }
}

/// Duplicated titles warned about one by one; the rest are counted in one more warning.
const DUPLICATE_TITLES: usize = 20;

/// How many line numbers a warning lists before it counts the rest.
const LISTED_LINES: usize = 5;

/// `3, 7, 9` — or the first [`LISTED_LINES`] and `and N more`: a warning stays short however
/// many lines there are.
fn listed(lines: &[usize]) -> String {
    let shown: Vec<String> = lines
        .iter()
        .take(LISTED_LINES)
        .map(usize::to_string)
        .collect();
    let mut out = shown.join(", ");
    if lines.len() > LISTED_LINES {
        out.push_str(&format!(" and {} more", lines.len() - LISTED_LINES));
    }
    out
}

/// Bookkeeping: edits that change a byte, warnings, and the outcome.
impl Refresher<'_, '_> {
    /// Records an edit when it changes a byte; returns whether it did.
    fn replace(&mut self, range: Range<usize>, replacement: impl Into<Cow<'static, str>>) -> bool {
        let replacement = replacement.into();
        if self.doc.text[range.clone()] == *replacement {
            return false;
        }
        self.edits.push((range, replacement));
        true
    }

    fn warn(&mut self, line: usize, message: String) {
        self.warnings.push(Warning::new(line + 1, message));
    }

    /// One warning per duplicated `##` title, listing a bounded number of its other lines;
    /// past [`DUPLICATE_TITLES`] titles, one more warning counts the rest.
    fn duplicate_headings(&mut self) {
        let mut by_title: HashMap<String, Vec<usize>> = HashMap::new();
        for (position, section) in self.sections.iter().enumerate() {
            by_title
                .entry(normalize_name(&section.title))
                .or_default()
                .push(position);
        }
        let mut groups: Vec<Vec<usize>> = by_title
            .into_values()
            .filter(|positions| positions.len() > 1)
            .collect();
        groups.sort_unstable();
        for positions in groups.iter().take(DUPLICATE_TITLES) {
            let first = &self.sections[positions[0]];
            let again: Vec<usize> = positions[1..]
                .iter()
                .map(|&p| self.sections[p].heading_line + 1)
                .collect();
            let message = format!(
                "duplicate `## {}` heading (again on line{} {}); its summary row is left alone",
                echo(&first.title),
                if again.len() > 1 { "s" } else { "" },
                listed(&again)
            );
            self.warnings
                .push(Warning::new(first.heading_line + 1, message));
        }
        if let Some(rest) = groups.get(DUPLICATE_TITLES..).filter(|r| !r.is_empty()) {
            let line = self.sections[rest[0][0]].heading_line + 1;
            self.warnings.push(Warning::new(
                line,
                format!(
                    "{} more `##` titles are duplicated (from this line on); their summary rows are left alone",
                    rest.len()
                ),
            ));
        }
    }

    fn finish(mut self) -> RefreshOutcome {
        self.edits
            .sort_by_key(|(range, _)| (range.start, range.end));
        let lines = &self.doc.lines;
        for (range, _) in &self.edits {
            let line = lines.partition_point(|line| line.start <= range.start) - 1;
            // Sections are in document order: the candidate is the last one starting at or
            // before the edited line.
            let after = self.sections.partition_point(|s| s.heading_line <= line);
            if let Some(section) = after.checked_sub(1).map(|i| &mut self.sections[i]) {
                if line < section.end_line {
                    section.changed = true;
                }
            }
        }
        self.duplicate_headings();
        self.warnings.sort_by_key(|w| w.line);
        let text = splice(self.doc.text, &self.edits);
        RefreshOutcome {
            text,
            sections: self.sections,
            warnings: self.warnings,
        }
    }
}

/// Applies sorted, non-overlapping edits; every byte outside them is copied verbatim.
pub fn splice<S: AsRef<str>>(text: &str, edits: &[(Range<usize>, S)]) -> String {
    let extra: usize = edits.iter().map(|(_, r)| r.as_ref().len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut cursor = 0;
    for (range, replacement) in edits {
        out.push_str(&text[cursor..range.start]);
        out.push_str(replacement.as_ref());
        cursor = range.end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// `gqa_paged TP=4` → (`gqa_paged`, Some(4), None); `moe EP=8` → (`moe`, None, Some(8)).
pub fn parse_op_type(cell: &str) -> (String, Option<u32>, Option<u32>) {
    let mut tokens = cell.split_whitespace();
    let op_type = tokens.next().unwrap_or_default().to_string();
    let mut tp = None;
    let mut ep = None;
    for token in tokens {
        if let Some(value) = token.strip_prefix("TP=") {
            tp = value.trim_end_matches(',').parse().ok();
        } else if let Some(value) = token.strip_prefix("EP=") {
            ep = value.trim_end_matches(',').parse().ok();
        }
    }
    (op_type, tp, ep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_type_cells() {
        assert_eq!(
            parse_op_type("gqa_paged TP=4"),
            ("gqa_paged".into(), Some(4), None)
        );
        assert_eq!(parse_op_type("moe EP=8"), ("moe".into(), None, Some(8)));
        assert_eq!(
            parse_op_type("moe TP=8, EP=2"),
            ("moe".into(), Some(8), Some(2))
        );
        assert_eq!(parse_op_type(""), (String::new(), None, None));
    }

    fn outcome(text: &str) -> RefreshOutcome {
        let index = DefinitionIndex::from_paths([
            "definitions/gemm/gemm_n1_k1.json",
            "workloads/gemm/gemm_n1_k1.jsonl",
        ]);
        refresh(&CoverageDoc::parse(text).unwrap(), &index).unwrap()
    }

    fn changed(outcome: &RefreshOutcome) -> Vec<(&str, bool)> {
        outcome
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.changed))
            .collect()
    }

    const TABLE: &str = "| Definition | Status |\n|---|---|\n";

    #[test]
    fn a_section_changes_when_a_row_or_its_summary_label_does() {
        let summary = |a: &str, b: &str| {
            format!("## Summary\n\n| Model | Coverage |\n|---|---|\n| A | {a} |\n| B | {b} |\n\n")
        };
        let a = format!("## A\n\n{TABLE}| `gemm_n1_k1` | ✅ |\n\n");
        let b = format!("## B\n\n{TABLE}| `gemm_n1_k1` | ❌ |\n");
        // Only B's row is stale: B changed, A did not (its last line sits right before B).
        let text = format!("{}{a}{b}", summary("✅ Fully covered", "✅ Fully covered"));
        assert_eq!(changed(&outcome(&text)), [("A", false), ("B", true)]);
        // Only A's summary label is stale: A changed.
        let text = format!("{}{a}{b}", summary("❌ Not covered", "✅ Fully covered"));
        let fixed_b = b.replace("❌", "✅");
        let text = text.replace(&b, &fixed_b);
        assert_eq!(changed(&outcome(&text)), [("A", true), ("B", false)]);
    }

    #[test]
    fn a_duplicate_heading_warning_names_the_duplicated_section() {
        let text = format!("## A\n\n{TABLE}| `gemm_n1_k1` | ✅ |\n\n## B\n\n## B\n");
        let warnings: Vec<(usize, String)> = outcome(&text)
            .warnings
            .into_iter()
            .map(|w| (w.line, w.message))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    1,
                    "the doc has model sections but no `## Summary` heading: no summary label is refreshed".to_string()
                ),
                (
                    7,
                    "duplicate `## B` heading (again on line 9); its summary row is left alone".to_string()
                )
            ]
        );
    }
}
