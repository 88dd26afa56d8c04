//! The coverage document (`docs/model_coverage.mdx`), located but never re-rendered.
//!
//! [`CoverageDoc::parse`] finds the spans the bot may touch — headings, status tables and their
//! cells, `**Coverage**:` lines, the summary table, generated-section markers — and records
//! their byte ranges. Every edit is a splice of one of those ranges; all other bytes (front
//! matter, prose, notes, blank lines, CRLF line ends, a missing final newline) are copied as
//! they were. Fenced code blocks are skipped: nothing inside them is a heading or a table.

pub mod marker;
pub mod refresh;
mod syntax;
pub mod table;

use std::ops::Range;

// The statuses are the doc's vocabulary, but they live in a leaf module so that `dataset` can
// name them without importing `doc`; `doc::Status` stays the path the tests use.
pub use crate::status::Status;
use syntax::Fence;
use table::{is_delimiter, parse_row, starts_row, Row};

/// Something in the document the bot cannot process safely; the file is left untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DocError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// Something left alone that a maintainer may want to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
    /// The doc keeps text the bot cannot verify (a summary row no section matches): `--check`
    /// does not pass while it is there.
    pub unverified: bool,
}

impl Warning {
    pub fn new(line: usize, message: impl Into<String>) -> Warning {
        Warning {
            line,
            message: message.into(),
            unverified: false,
        }
    }

    /// A warning about text `--check` cannot vouch for.
    pub fn unverified(line: usize, message: impl Into<String>) -> Warning {
        Warning {
            unverified: true,
            ..Warning::new(line, message)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub title: String,
    /// 0-based line index.
    pub line: usize,
}

/// A table whose header's first cell contains `Definition` and which has a `Status` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusColumns {
    pub status: usize,
    pub op_type: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Row,
    pub rows: Vec<Row>,
    pub status: Option<StatusColumns>,
}

/// A `**Coverage**: N / M …` line: the byte ranges of N and of M (when M is a number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageLine {
    pub line: usize,
    pub present: Range<usize>,
    pub total: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(Heading),
    Table(Table),
    Coverage(CoverageLine),
    Marker(marker::GeneratedMarker),
}

/// The located structure of a coverage document. Borrows the text; owns only spans.
#[derive(Debug)]
pub struct CoverageDoc<'a> {
    pub text: &'a str,
    /// Byte range of each line's content, without its `\n` / `\r\n` terminator.
    pub lines: Vec<Range<usize>>,
    pub blocks: Vec<Block>,
    /// Text before `## Summary` contains 🟡: statuses distinguish "no workload" from ready.
    pub four_state: bool,
    /// Index into `blocks` of the `## Summary` heading.
    pub summary_heading: Option<usize>,
    /// What the parser left alone and a maintainer should know (a mangled summary heading).
    pub warnings: Vec<Warning>,
}

pub const COVERAGE_PREFIX: &str = "**Coverage**:";

impl<'a> CoverageDoc<'a> {
    pub fn parse(text: &'a str) -> Result<Self, DocError> {
        reject_cr_only_line_ends(text)?;
        let lines = split_lines(text);
        let first_content = skip_front_matter(text, &lines)?;
        let blocks = locate_blocks(text, &lines, first_content)?;
        let summary_heading = blocks.iter().position(|block| {
            matches!(block, Block::Heading(h) if h.level == 2 && h.title.eq_ignore_ascii_case("summary"))
        });
        let legend_end = summary_heading
            .or_else(|| {
                blocks
                    .iter()
                    .position(|block| matches!(block, Block::Heading(h) if h.level == 2))
            })
            .map_or(text.len(), |block| match &blocks[block] {
                Block::Heading(h) => lines[h.line].start,
                _ => unreachable!("position matched a heading"),
            });
        let four_state = text[..legend_end].contains(Status::NoWorkload.symbol());
        let warnings = summary_warnings(text, &lines, &blocks, summary_heading);
        Ok(CoverageDoc {
            text,
            lines,
            blocks,
            four_state,
            summary_heading,
            warnings,
        })
    }

    /// Every concrete definition name of the status tables: all a refresh looks up.
    pub fn concrete_names(&self) -> crate::dataset::NameSet<'a> {
        let tables = || {
            self.blocks.iter().filter_map(|block| match block {
                Block::Table(table) if table.status.is_some() => Some(&table.rows),
                _ => None,
            })
        };
        // Room for every row at once: growing the set rehashes every name so far each time.
        let rows = tables().map(Vec::len).sum();
        let mut names = crate::dataset::NameSet::with_capacity_and_hasher(rows, Default::default());
        names.extend(
            tables()
                .flatten()
                .filter_map(|row| row.cell(self.text, 0))
                .filter_map(concrete_name),
        );
        names
    }

    /// The first generated-section marker on a line in `lines` (0-based, end exclusive).
    pub fn marker_in(&self, lines: Range<usize>) -> Option<&marker::GeneratedMarker> {
        self.blocks.iter().find_map(|block| match block {
            Block::Marker(marker) if lines.contains(&marker.line) => Some(marker),
            _ => None,
        })
    }

    /// The first table under the `## Summary` heading (before the next `#`/`##` heading).
    pub fn summary_table(&self) -> Option<&Table> {
        let summary = self.summary_heading?;
        self.blocks[summary + 1..]
            .iter()
            .take_while(|block| !matches!(block, Block::Heading(h) if h.level <= 2))
            .find_map(|block| match block {
                Block::Table(table) => Some(table),
                _ => None,
            })
    }

    /// The byte range of line `index` including its terminator.
    pub fn line_with_terminator(&self, index: usize) -> Range<usize> {
        let start = self.lines[index].start;
        let end = self
            .lines
            .get(index + 1)
            .map_or(self.text.len(), |next| next.start);
        start..end
    }
}

/// A text a refresh made of a parsed doc ([`refresh::refresh`]), read through that parse
/// instead of being parsed again: a refresh splices status cells, Coverage numbers and summary
/// labels only, and no replacement holds a line end, a pipe or a backslash, so every line of
/// the refreshed text keeps its index and its kind. Lines are found one after another: ask for
/// them in increasing order.
pub struct RefreshedText<'t> {
    text: &'t str,
    /// 0-based index of the line starting at `start`.
    line: usize,
    start: usize,
}

impl<'t> RefreshedText<'t> {
    pub fn new(text: &'t str) -> RefreshedText<'t> {
        RefreshedText {
            text,
            line: 0,
            start: 0,
        }
    }

    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The parsed doc's Coverage line `coverage` as it reads in the refreshed text.
    pub fn coverage(&mut self, coverage: &CoverageLine) -> Option<CoverageLine> {
        let range = self.line(coverage.line)?;
        parse_coverage(self.text, range, coverage.line)
    }

    /// The byte range of line `index`, from its start to its line feed or the end of the text
    /// (a CRLF line's `\r` kept: no Coverage number reaches the line's end).
    fn line(&mut self, index: usize) -> Option<Range<usize>> {
        let skip = index.checked_sub(self.line)?;
        self.start = after_line_feeds(self.text.as_bytes(), self.start, skip)?;
        self.line = index;
        let rest = &self.text[self.start..];
        Some(self.start..self.start + rest.find('\n').unwrap_or(rest.len()))
    }
}

/// The position just after the `n`-th line feed at or after `from` (`from` itself for none),
/// looked for eight bytes at a time: reading a refreshed doc's Coverage lines skips all the
/// lines between them.
fn after_line_feeds(bytes: &[u8], from: usize, mut n: usize) -> Option<usize> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const LINE_FEEDS: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    if n == 0 {
        return Some(from);
    }
    let mut words = bytes.get(from..)?.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes")) ^ LINE_FEEDS;
        // The high bit of exactly the zero bytes of `x`, the line feeds (no carry crosses a
        // byte: each sum is at most 0xfe).
        let mut found = !(((x & LOW7) + LOW7) | x | LOW7);
        while found != 0 {
            n -= 1;
            if n == 0 {
                return Some(at + (found.trailing_zeros() / 8) as usize + 1);
            }
            found &= found - 1;
        }
        at += 8;
    }
    for (offset, &byte) in words.remainder().iter().enumerate() {
        if byte == b'\n' {
            n -= 1;
            if n == 0 {
                return Some(at + offset + 1);
            }
        }
    }
    None
}

/// Normalizes a heading or summary-row name for matching: lower case, all whitespace removed
/// (`DeepSeek V3/R1` matches `DeepSeek V3 / R1`).
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A concrete definition name: the whole cell is one backticked `[a-z0-9_]+`.
pub fn concrete_name(cell: &str) -> Option<&str> {
    let name = cell.strip_prefix('`')?.strip_suffix('`')?;
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    valid.then_some(name)
}

fn split_lines(text: &str) -> Vec<Range<usize>> {
    // About one line per 48 bytes in real docs. A plain byte loop: lines are short, so a
    // searcher's set-up per line costs more than it saves.
    let mut lines = Vec::with_capacity(text.len() / 48 + 1);
    let bytes = text.as_bytes();
    let mut start = 0;
    for (position, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            let end = if position > start && bytes[position - 1] == b'\r' {
                position - 1
            } else {
                position
            };
            lines.push(start..end);
            start = position + 1;
        }
    }
    if start < text.len() {
        lines.push(start..text.len());
    }
    lines
}

/// What a line may leave open for the lines after it.
#[derive(Clone, Copy)]
enum Open {
    /// A code fence, opened on this 0-based line.
    Fence(Fence, usize),
    /// An MDX comment, opened on this 0-based line.
    Comment(usize),
}

/// The blocks from line `first` on: code fences and MDX comments are skipped, a table takes
/// its rows. A fence or comment still open at the end is an error naming its line.
fn locate_blocks(text: &str, lines: &[Range<usize>], first: usize) -> Result<Vec<Block>, DocError> {
    let mut blocks = Vec::new();
    let mut open: Option<Open> = None;
    let mut index = first;
    while index < lines.len() {
        let line = &text[lines[index].clone()];
        match open {
            Some(Open::Fence(fence, _)) => {
                if fence.closed_by(line) {
                    open = None;
                }
            }
            Some(Open::Comment(_)) => {
                if let Some(end) = syntax::comment_end(line) {
                    open = syntax::opens_comment(&line[end..]).then_some(Open::Comment(index));
                }
            }
            None => {
                if let Some(fence) = Fence::opened_by(line) {
                    open = Some(Open::Fence(fence, index));
                } else if syntax::opens_comment(line) {
                    open = Some(Open::Comment(index));
                } else if let Some(table) = parse_table(text, lines, index) {
                    index = table
                        .rows
                        .last()
                        .map_or(table.header.line + 2, |row| row.line + 1);
                    blocks.push(Block::Table(table));
                    continue;
                } else if let Some(block) = line_block(text, lines[index].clone(), index) {
                    blocks.push(block);
                }
            }
        }
        index += 1;
    }
    match open {
        None => Ok(blocks),
        Some(Open::Fence(fence, line)) => Err(DocError {
            line: line + 1,
            message: format!(
                "the code fence {} opened here is never closed: nothing after it could be read",
                fence.shown()
            ),
        }),
        Some(Open::Comment(line)) => Err(DocError {
            line: line + 1,
            message: "the MDX comment `{/*` opened here is never closed (no `*/}`): nothing after it could be read".into(),
        }),
    }
}

/// A heading, `**Coverage**:` line or generated-section marker on one line.
fn line_block(text: &str, range: Range<usize>, index: usize) -> Option<Block> {
    let line = &text[range.clone()];
    match line.trim_start().as_bytes().first()? {
        b'#' => parse_heading(line, index).map(Block::Heading),
        b'*' => parse_coverage(text, range, index).map(Block::Coverage),
        b'{' => marker::GeneratedMarker::parse(line, index).map(Block::Marker),
        _ => None,
    }
}

/// A `\r` not followed by `\n`: the doc would read as one long line and nothing in it would be
/// found.
fn reject_cr_only_line_ends(text: &str) -> Result<(), DocError> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find('\r') {
        let position = from + offset;
        if bytes.get(position + 1) != Some(&b'\n') {
            return Err(DocError {
                line: bytes[..position].iter().filter(|&&b| b == b'\n').count() + 1,
                message: "a carriage return without a line feed (CR-only line ends): the doc must use LF or CRLF line ends".into(),
            });
        }
        from = position + 1;
    }
    Ok(())
}

/// The first line after the front matter, which is closed by its own delimiter line: the first
/// `---` or `...` after the opening `---` (a `## …` line before it is a YAML comment). Front
/// matter whose closing line is missing would take a later `---` (a section separator) for it
/// and swallow the doc's own content: a pipe-table row before that line (YAML cannot hold
/// one), or no such line at all, is an error naming the first Markdown line.
fn skip_front_matter(text: &str, lines: &[Range<usize>]) -> Result<usize, DocError> {
    let is_delimiter_line = |index: usize| {
        let line = text[lines[index].clone()].trim_end();
        line == "---" || (index > 0 && line == "...")
    };
    if lines.is_empty() || text[lines[0].clone()].trim_end() != "---" {
        return Ok(0);
    }
    let close = (1..lines.len()).find(|&index| is_delimiter_line(index));
    let markdown = |index: usize| {
        let line = &text[lines[index].clone()];
        let table_row = line.trim_start().starts_with('|');
        // Without a closing line, a `##` heading is where the front matter should have ended.
        let heading = close.is_none() && parse_heading(line, index).is_some_and(|h| h.level >= 2);
        table_row || heading
    };
    let not_yaml = (1..close.unwrap_or(lines.len())).find(|&index| markdown(index));
    match (close, not_yaml) {
        (Some(close), None) => Ok(close + 1),
        (_, Some(line)) => Err(DocError {
            line: 1,
            message: format!(
                "front matter opened here is never closed: line {} (`{}`) is Markdown, not YAML; add the closing `---` line before it",
                line + 1,
                crate::ident::echo(text[lines[line].clone()].trim())
            ),
        }),
        (None, None) => Err(DocError {
            line: 1,
            message: "front matter opened here is never closed (no second `---` line)".into(),
        }),
    }
}

/// Whether `title` (as written after `## `) is read as the `## Summary` heading, or as no
/// heading at all: a model section may not be titled so.
pub fn is_reserved_title(title: &str) -> bool {
    parse_heading(&format!("## {title}"), 0)
        .is_none_or(|heading| heading.level != 2 || heading.title.eq_ignore_ascii_case("summary"))
}

/// Warnings for a doc with model sections whose summary labels no rule would refresh: a
/// heading that looks like `## Summary` but is not one, no `## Summary` at all, or one with no
/// table under it.
fn summary_warnings(
    text: &str,
    lines: &[Range<usize>],
    blocks: &[Block],
    summary_heading: Option<usize>,
) -> Vec<Warning> {
    let sections = blocks
        .iter()
        .filter(|b| matches!(b, Block::Heading(h) if h.level == 2))
        .count();
    if let Some(position) = summary_heading {
        let has_table = blocks[position + 1..]
            .iter()
            .take_while(|b| !matches!(b, Block::Heading(h) if h.level <= 2))
            .any(|b| matches!(b, Block::Table(_)));
        let Block::Heading(heading) = &blocks[position] else {
            return Vec::new();
        };
        return if has_table || sections < 2 {
            Vec::new()
        } else {
            vec![Warning::new(
                heading.line + 1,
                "`## Summary` has no table under it: no summary label is refreshed",
            )]
        };
    }
    if sections == 0 {
        return Vec::new();
    }
    let near_miss = lines.iter().position(|range| {
        let line = text[range.clone()].trim();
        line.starts_with('#')
            && line
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .flat_map(|c| c.to_lowercase())
                .eq("summary".chars())
    });
    let first_section = blocks.iter().find_map(|b| match b {
        Block::Heading(h) if h.level == 2 => Some(h.line),
        _ => None,
    });
    match (near_miss, first_section) {
        (Some(line), _) => vec![Warning::new(
            line + 1,
            format!(
                "`{}` is not read as the summary heading (it must be `## Summary`): no summary label is refreshed",
                crate::ident::echo(text[lines[line].clone()].trim())
            ),
        )],
        (None, Some(line)) => vec![Warning::new(
            line + 1,
            "the doc has model sections but no `## Summary` heading: no summary label is refreshed",
        )],
        (None, None) => Vec::new(),
    }
}

fn parse_heading(line: &str, index: usize) -> Option<Heading> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim();
    let title = title.trim_end_matches('#');
    let title = if title.is_empty() || title.ends_with([' ', '\t']) {
        title.trim_end()
    } else {
        rest.trim()
    };
    Some(Heading {
        level: level as u8,
        title: title.to_string(),
        line: index,
    })
}

fn parse_table(text: &str, lines: &[Range<usize>], index: usize) -> Option<Table> {
    let header = parse_row(text, index, lines[index].start, lines[index].end)?;
    let delimiter_index = index + 1;
    let delimiter_line = lines.get(delimiter_index)?;
    let delimiter = parse_row(
        text,
        delimiter_index,
        delimiter_line.start,
        delimiter_line.end,
    )?;
    if !is_delimiter(text, &delimiter) || delimiter.len() != header.len() {
        return None;
    }
    // The rows are the lines that start like one: counted first, so that a doc's thousands of
    // tables each take only the room their rows need.
    let body = &lines[index + 2..];
    let count = body
        .iter()
        .take_while(|range| starts_row(&text.as_bytes()[range.start..range.end]))
        .count();
    let mut rows = Vec::with_capacity(count);
    for (offset, range) in body[..count].iter().enumerate() {
        match parse_row(text, index + 2 + offset, range.start, range.end) {
            Some(row) => rows.push(row),
            None => break,
        }
    }
    let status = status_columns(text, &header);
    Some(Table {
        header,
        rows,
        status,
    })
}

/// The summary table's columns, found by their header cells: the first column names the
/// model; `Coverage` (or `Status`) holds the label, `Architecture` the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryColumns {
    pub count: usize,
    pub label: Option<usize>,
    pub architecture: Option<usize>,
}

impl SummaryColumns {
    pub fn of(text: &str, header: &Row) -> SummaryColumns {
        let find = |names: &[&str]| {
            (1..header.cells.len()).find(|&i| {
                header
                    .cell(text, i)
                    .is_some_and(|cell| names.iter().any(|n| cell.eq_ignore_ascii_case(n)))
            })
        };
        SummaryColumns {
            count: header.len(),
            label: find(&["Coverage", "Status"]),
            architecture: find(&["Architecture"]),
        }
    }
}

fn status_columns(text: &str, header: &Row) -> Option<StatusColumns> {
    if !header.cell(text, 0)?.contains("Definition") {
        return None;
    }
    let status = (1..header.cells.len()).find(|&i| header.cell(text, i) == Some("Status"))?;
    let op_type = (1..header.cells.len())
        .find(|&i| {
            let cell = header
                .cell(text, i)
                .unwrap_or_default()
                .to_ascii_lowercase();
            cell.contains("op type") || cell.contains("op_type")
        })
        // No op-type header: a column between the name and the status holds it.
        .or_else(|| (status != 1).then_some(1));
    Some(StatusColumns { status, op_type })
}

fn parse_coverage(text: &str, range: Range<usize>, index: usize) -> Option<CoverageLine> {
    let line = &text[range.clone()];
    let start = line.find(COVERAGE_PREFIX)?;
    if !line[..start].trim().is_empty() {
        return None;
    }
    let mut cursor = range.start + start + COVERAGE_PREFIX.len();
    let digits = |from: usize| {
        text[from..range.end]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
    };
    let spaces = |from: usize| {
        text[from..range.end]
            .bytes()
            .take_while(|&b| b == b' ' || b == b'\t')
            .count()
    };
    cursor += spaces(cursor);
    let present_len = digits(cursor);
    if present_len == 0 {
        return None;
    }
    let present = cursor..cursor + present_len;
    cursor = present.end + spaces(present.end);
    if !text[cursor..range.end].starts_with('/') {
        return None;
    }
    cursor += 1;
    cursor += spaces(cursor);
    let total_len = digits(cursor);
    let number_ends =
        !text[cursor + total_len..range.end].starts_with(|c: char| c.is_alphanumeric());
    let total = (total_len > 0 && number_ends).then_some(cursor..cursor + total_len);
    Some(CoverageLine {
        line: index,
        present,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_feeds_are_found_at_every_offset_and_count() {
        // Bytes one bit away from a line feed (`\x0b`, `\x08`, `Ê`'s second byte 0x8a) are not
        // taken for one.
        let text = "ab\ncd\r\n\n\nefgh\u{b}ijklÊmnop\u{8}qrstu\nv\n\nw❌x\n";
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let feeds: Vec<usize> = (from..bytes.len())
                .filter(|&i| bytes[i] == b'\n')
                .map(|i| i + 1)
                .collect();
            assert_eq!(after_line_feeds(bytes, from, 0), Some(from));
            for n in 1..=feeds.len() + 1 {
                assert_eq!(
                    after_line_feeds(bytes, from, n),
                    feeds.get(n - 1).copied(),
                    "from {from}, n {n}"
                );
            }
        }
        assert_eq!(after_line_feeds(bytes, bytes.len() + 1, 1), None);
    }

    /// The Coverage lines of a refreshed text as its own parse finds them.
    fn parsed_coverage(text: &str) -> Vec<CoverageLine> {
        CoverageDoc::parse(text)
            .unwrap()
            .blocks
            .into_iter()
            .filter_map(|block| match block {
                Block::Coverage(coverage) => Some(coverage),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_refreshed_text_s_coverage_lines_are_found_through_the_parse_it_was_made_of() {
        let index = crate::dataset::DefinitionIndex::from_paths([
            "definitions/gemm/gemm_n1_k1.json",
            "workloads/gemm/gemm_n1_k1.jsonl",
            "definitions/rmsnorm/rmsnorm_h1.json",
        ]);
        let rows = "| `gemm_n1_k1` | ❌ |\n| `rmsnorm_h1` | |\n| `absent_a` | ✅ |\n".repeat(4);
        let synthetic = format!(
            "## Summary\n\n| Model | Coverage |\n|---|---|\n| A | ✅ Fully covered |\n\n## A\n\n| Definition | Status |\n|---|---|\n{rows}\n**Coverage**: 0 / 9\n\n```\n**Coverage**: 1 / 1 fenced\n```\n\n| Definition | Status |\n|---|---|\n| `gemm_n1_k1` | pending |\n\n  **Coverage**: 100 / ? words\n"
        );
        let samples = [
            include_str!("../../tests/fixtures/refresh/sample-3state.mdx").to_string(),
            include_str!("../../tests/fixtures/refresh/sample-4state.mdx").to_string(),
            synthetic.clone(),
            synthetic.replace('\n', "\r\n"),
        ];
        for sample in &samples {
            let doc = CoverageDoc::parse(sample).unwrap();
            let refreshed = refresh::refresh(&doc, &index).unwrap().text;
            assert_ne!(&refreshed, sample, "the refresh changes something");
            let mut text = RefreshedText::new(&refreshed);
            let found: Vec<Option<CoverageLine>> = doc
                .blocks
                .iter()
                .filter_map(|block| match block {
                    Block::Coverage(coverage) => Some(text.coverage(coverage)),
                    _ => None,
                })
                .collect();
            let expected: Vec<Option<CoverageLine>> =
                parsed_coverage(&refreshed).into_iter().map(Some).collect();
            assert_eq!(found, expected);
            assert!(!found.is_empty());
        }
    }

    #[test]
    fn lines_keep_crlf_out_of_content() {
        let text = "a\r\nb\nc";
        let lines = split_lines(text);
        assert_eq!(lines, vec![0..1, 3..4, 5..6]);
    }

    /// What a block is and on which line it starts, for whole-structure expectations.
    fn shape(doc: &CoverageDoc) -> Vec<(&'static str, usize)> {
        doc.blocks
            .iter()
            .map(|block| match block {
                Block::Heading(h) => ("heading", h.line),
                Block::Table(t) => ("table", t.header.line),
                Block::Coverage(c) => ("coverage", c.line),
                Block::Marker(m) => ("marker", m.line),
            })
            .collect()
    }

    #[test]
    fn a_multi_line_mdx_comment_hides_the_table_inside_it() {
        let text = "## A\n{/* draft\n| Definition | Status |\n|---|---|\n| `hidden` | ❌ |\n*/}\n| Definition | Status |\n|---|---|\n| `shown` | ❌ |\n";
        let doc = CoverageDoc::parse(text).unwrap();
        assert_eq!(shape(&doc), [("heading", 0), ("table", 6)]);
        assert_eq!(
            doc.concrete_names().into_iter().collect::<Vec<_>>(),
            ["shown"]
        );
    }

    #[test]
    fn a_table_without_rows_ends_after_its_delimiter() {
        let text = "## A\n\n\n| Definition | Status |\n|---|---|\n**Coverage**: 0 / 0 definitions present.\n";
        let doc = CoverageDoc::parse(text).unwrap();
        assert_eq!(shape(&doc), [("heading", 0), ("table", 3), ("coverage", 5)]);
        assert!(doc.concrete_names().is_empty());
    }

    #[test]
    fn lines_of_leading_and_trailing_terminators() {
        assert_eq!(split_lines("\nb"), vec![0..0, 1..2]);
        assert_eq!(split_lines("a\n"), vec![0..1]);
        assert_eq!(split_lines("a\r\n\r\n"), vec![0..1, 3..3]);
        assert_eq!(split_lines(""), Vec::<Range<usize>>::new());
    }

    #[test]
    fn a_marker_is_found_only_inside_the_lines_asked_for() {
        let text = "## A\n{/* track-models: hf_repo_id=o/a */}\n## B\n{/* track-models: hf_repo_id=o/b */}\n";
        let doc = CoverageDoc::parse(text).unwrap();
        let repo = |lines: Range<usize>| doc.marker_in(lines).and_then(|m| m.hf_repo_id());
        assert_eq!(repo(0..2), Some("o/a"));
        assert_eq!(repo(2..4), Some("o/b"));
        assert_eq!(repo(2..3), None);
    }

    #[test]
    fn a_heading_inside_the_front_matter_is_yaml_not_a_section() {
        let doc = CoverageDoc::parse("---\n# note\n---\n## A\n").unwrap();
        assert_eq!(shape(&doc), [("heading", 3)]);
    }

    #[test]
    fn a_summary_without_a_table_is_a_warning_once_there_are_sections() {
        let warnings = |text| {
            CoverageDoc::parse(text)
                .unwrap()
                .warnings
                .iter()
                .map(|w| (w.line, w.message.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            warnings("## A\n## B\n## Summary\ntext\n"),
            [(
                3,
                "`## Summary` has no table under it: no summary label is refreshed".to_string()
            )]
        );
        assert_eq!(warnings("## Summary\ntext\n"), []);
        assert_eq!(
            warnings("## A\n## B\n## Summary\n| Model | Status |\n|---|---|\n"),
            []
        );
    }

    /// The status and op-type columns of a table with this header (none: not a status table).
    fn columns(header: &str) -> Option<(usize, Option<usize>)> {
        let text = format!("{header}\n");
        let row = parse_row(&text, 0, 0, header.len()).unwrap();
        status_columns(&text, &row).map(|c| (c.status, c.op_type))
    }

    #[test]
    fn status_and_op_type_columns() {
        assert_eq!(
            columns("| Definition | Status | Op Type |"),
            Some((1, Some(2)))
        );
        assert_eq!(
            columns("| Definition | Status | op_type |"),
            Some((1, Some(2)))
        );
        assert_eq!(columns("| Definition | Op | Status |"), Some((2, Some(1))));
        assert_eq!(columns("| Definition | Status | Notes |"), Some((1, None)));
        assert_eq!(columns("| Definition | Status |"), Some((1, None)));
        assert_eq!(columns("| Definition | State |"), None);
        assert_eq!(columns("| Kernel | Status |"), None);
    }

    #[test]
    fn a_delimiter_row_must_have_the_header_s_cells() {
        let doc = CoverageDoc::parse("| Definition | Status |\n|---|\n| `a` | ❌ |\n").unwrap();
        assert_eq!(shape(&doc), []);
        let doc = CoverageDoc::parse("| Definition | Status |\n| x | y |\n| `a` | ❌ |\n").unwrap();
        assert_eq!(shape(&doc), []);
    }

    #[test]
    fn fences_and_headings_may_be_indented_up_to_three_spaces() {
        assert!(Fence::opened_by("   ```").is_some());
        assert!(Fence::opened_by("    ```").is_none());
        assert_eq!(parse_heading("   ## A", 0).unwrap().title, "A");
        assert!(parse_heading("    ## A", 0).is_none());
    }

    #[test]
    fn an_indented_coverage_line_further_down_the_text() {
        let text = "x\n  **Coverage**: 3 / 4 definitions present.";
        let line = parse_coverage(text, 2..text.len(), 1).unwrap();
        assert_eq!(&text[line.present.clone()], "3");
        assert_eq!(&text[line.total.unwrap()], "4");
    }

    #[test]
    fn only_status_tables_give_concrete_names() {
        let text = "| Definition | Notes |\n|---|---|\n| `elsewhere` | x |\n\n| Definition | Status |\n|---|---|\n| `mine` | ❌ |\n| `pattern_h{h}` | — |\n";
        let doc = CoverageDoc::parse(text).unwrap();
        let mut names: Vec<&str> = doc.concrete_names().into_iter().collect();
        names.sort();
        assert_eq!(names, ["mine"]);
    }

    #[test]
    fn a_comment_opener_inside_a_table_cell_opens_no_comment() {
        let text = "| Definition | Status |\n|---|---|\n| `a` | ❌ {/* |\n## B\n";
        let doc = CoverageDoc::parse(text).unwrap();
        assert_eq!(shape(&doc), [("table", 0), ("heading", 3)]);
    }

    #[test]
    fn a_comment_opened_after_a_closing_mark_on_its_line_stays_open() {
        let text = "## A\nx */} {/* open\n## Hidden\n*/}\n## Shown\n";
        let doc = CoverageDoc::parse(text).unwrap();
        assert_eq!(shape(&doc), [("heading", 0), ("heading", 4)]);
    }

    #[test]
    fn headings() {
        assert_eq!(parse_heading("## Qwen3 8B", 0).unwrap().title, "Qwen3 8B");
        assert_eq!(parse_heading("### Sub ##", 0).unwrap().title, "Sub");
        assert_eq!(parse_heading("## C# #", 0).unwrap().title, "C#");
        assert!(parse_heading("#hashtag", 0).is_none());
        assert!(parse_heading("    ## code", 0).is_none());
    }

    #[test]
    fn coverage_numbers() {
        let text = "**Coverage**: 13 / 14 definitions present.";
        let line = parse_coverage(text, 0..text.len(), 0).unwrap();
        assert_eq!(&text[line.present.clone()], "13");
        assert_eq!(&text[line.total.unwrap()], "14");
        let text = "**Coverage**: 0 / ? definitions present.";
        let line = parse_coverage(text, 0..text.len(), 0).unwrap();
        assert_eq!(line.total, None);
        let text = "**Coverage**: 3/14";
        let line = parse_coverage(text, 0..text.len(), 0).unwrap();
        assert_eq!(&text[line.total.unwrap()], "14");
        let text = "**Coverage**: 3 / 14x";
        assert_eq!(parse_coverage(text, 0..text.len(), 0).unwrap().total, None);
        assert!(parse_coverage("**Coverage**: all", 0..17, 0).is_none());
    }

    #[test]
    fn concrete_names() {
        assert_eq!(concrete_name("`rmsnorm_h4096`"), Some("rmsnorm_h4096"));
        assert_eq!(concrete_name("`rmsnorm_h{hidden}`"), None);
        assert_eq!(concrete_name("`a` `b`"), None);
        assert_eq!(concrete_name("MoE gate"), None);
    }
}
