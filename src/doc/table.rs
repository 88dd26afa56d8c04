//! Markdown pipe-table rows: where each cell's bytes are, without copying or re-rendering.
//!
//! A row is a line that starts with `|` (after at most three spaces). Cells are the spans
//! between unescaped pipes (`\|` stays inside a cell, as in GitHub-flavoured Markdown, even
//! inside backticks). A trailing pipe is optional. Spans are absolute byte ranges into the
//! document, so an edit can replace one cell's content and copy everything else verbatim.
//!
//! Memory does not grow with a row's length: one pass over the line, and only the first
//! [`MAX_CELLS`] cells are located (a line of a million pipes is one row of that many cells,
//! counted, not stored). No table the bot edits comes near that many columns.

use std::ops::Range;

/// Cells located per row; the rest are only counted.
pub const MAX_CELLS: usize = 64;

/// One table row: the absolute byte range of each cell's raw content (between the pipes,
/// whitespace included), for the first [`MAX_CELLS`] cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Cells,
    /// How many cells the row has (also those past [`MAX_CELLS`]).
    pub count: usize,
}

/// Cells held in place up to [`INLINE_CELLS`] (every row of the doc's own tables), on the heap
/// past that: a row costs no allocation of its own. Reads as a slice.
#[derive(Clone, PartialEq, Eq)]
pub enum Cells {
    Inline([Range<usize>; INLINE_CELLS], usize),
    Heap(Vec<Range<usize>>),
}

/// Cells a row holds without allocating.
pub const INLINE_CELLS: usize = 4;

impl Cells {
    fn new() -> Cells {
        Cells::Inline([const { 0..0 }; INLINE_CELLS], 0)
    }

    fn push(&mut self, cell: Range<usize>) {
        match self {
            Cells::Inline(cells, len) if *len < INLINE_CELLS => {
                cells[*len] = cell;
                *len += 1;
            }
            Cells::Inline(cells, len) => {
                let mut heap = Vec::with_capacity(2 * INLINE_CELLS);
                heap.extend_from_slice(&cells[..*len]);
                heap.push(cell);
                *self = Cells::Heap(heap);
            }
            Cells::Heap(heap) => heap.push(cell),
        }
    }
}

impl std::ops::Deref for Cells {
    type Target = [Range<usize>];

    fn deref(&self) -> &[Range<usize>] {
        match self {
            Cells::Inline(cells, len) => &cells[..*len],
            Cells::Heap(heap) => heap,
        }
    }
}

impl std::fmt::Debug for Cells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Row {
    /// How many cells the row has.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the row has no cells (a lone `|`).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The trimmed text of cell `index`, if the row has that many cells.
    pub fn cell<'a>(&self, text: &'a str, index: usize) -> Option<&'a str> {
        Some(&text[trim(text, self.cells.get(index)?.clone())])
    }

    /// The absolute byte range of cell `index` with surrounding whitespace removed.
    pub fn trimmed_range(&self, text: &str, index: usize) -> Option<Range<usize>> {
        Some(trim(text, self.cells.get(index)?.clone()))
    }
}

/// `range` without the whitespace [`str::trim`] removes (Unicode `White_Space`), found byte by
/// byte for ASCII and by decoding only the characters at the two ends otherwise.
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let ascii_space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    let (mut start, mut end) = (range.start, range.end);
    loop {
        while start < end && ascii_space(bytes[start]) {
            start += 1;
        }
        while end > start && ascii_space(bytes[end - 1]) {
            end -= 1;
        }
        let raw = &text[start..end];
        let wide_space = |c: char| !c.is_ascii() && c.is_whitespace();
        match (raw.chars().next(), raw.chars().next_back()) {
            (Some(first), _) if wide_space(first) => start += first.len_utf8(),
            (_, Some(last)) if wide_space(last) => end -= last.len_utf8(),
            _ => return start..end,
        }
    }
}

/// Splits the line `text[start..end]` (no line terminator) into cells, or `None` when the line
/// is not a table row.
pub fn parse_row(text: &str, line: usize, start: usize, end: usize) -> Option<Row> {
    let bytes = &text.as_bytes()[start..end];
    let indent = bytes.iter().take_while(|&&b| b == b' ').count();
    if indent > 3 || bytes.get(indent) != Some(&b'|') {
        return None;
    }
    let mut cells = Cells::new();
    let mut count = 0;
    let mut cell_start = indent + 1;
    let mut i = cell_start;
    while let Some(at) = next_pipe_or_backslash(bytes, i) {
        if bytes[at] == b'\\' {
            i = at + 2;
            continue;
        }
        if count < MAX_CELLS {
            cells.push(start + cell_start..start + at);
        }
        count += 1;
        i = at + 1;
        cell_start = i;
    }
    // Text after the last pipe is a cell of its own; whitespace there is not.
    if !text[start + cell_start..end].trim().is_empty() {
        if count < MAX_CELLS {
            cells.push(start + cell_start..end);
        }
        count += 1;
    }
    Some(Row { line, cells, count })
}

/// The position of the next `|` or `\` at or after `from`, eight bytes at a time (a row is
/// mostly cell text: this is the parser's inner loop).
fn next_pipe_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The lowest flagged byte of `word` equal to `byte` is exact (higher ones may be false
    // positives after a match, and only the lowest is used).
    let matches = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut i = from;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let found = matches(word, b'|') | matches(word, b'\\');
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes
        .get(i..)?
        .iter()
        .position(|&b| b == b'|' || b == b'\\')
        .map(|offset| i + offset)
}

/// A delimiter row (`|---|:---:|`): every cell is dashes with optional alignment colons.
pub fn is_delimiter(text: &str, row: &Row) -> bool {
    !row.is_empty()
        && row.count == row.cells.len()
        && row.cells.iter().all(|range| {
            let cell = text[range.clone()].trim();
            let inner = cell.strip_prefix(':').unwrap_or(cell);
            let inner = inner.strip_suffix(':').unwrap_or(inner);
            !inner.is_empty() && inner.bytes().all(|b| b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Vec<String> {
        let row = parse_row(line, 0, 0, line.len()).unwrap();
        row.cells
            .iter()
            .map(|range| line[range.clone()].to_string())
            .collect()
    }

    #[test]
    fn splits_on_unescaped_pipes_only() {
        assert_eq!(cells("| `a` | b \\| c |"), vec![" `a` ", " b \\| c "]);
        assert_eq!(cells("|a|b"), vec!["a", "b"]);
        assert_eq!(cells("| a | |"), vec![" a ", " "]);
    }

    #[test]
    fn pipes_and_backslashes_are_found_at_every_offset_of_a_word() {
        for at in 0..20 {
            let mut line = "x".repeat(20);
            line.replace_range(at..=at, "|");
            assert_eq!(next_pipe_or_backslash(line.as_bytes(), 0), Some(at));
            assert_eq!(next_pipe_or_backslash(line.as_bytes(), at + 1), None);
            line.replace_range(at..=at, "\\");
            assert_eq!(next_pipe_or_backslash(line.as_bytes(), 0), Some(at));
        }
        assert_eq!(next_pipe_or_backslash(b"ab", 5), None);
        // Bytes just around `|` (0x7c) and `\\` (0x5c) are not taken for them.
        assert_eq!(
            next_pipe_or_backslash(&[0x7b, 0x7d, 0x5b, 0x5d, 0xfc, 0xdc, 0x7b, 0x7d, 0x7c], 0),
            Some(8)
        );
    }

    #[test]
    fn cells_trim_as_str_trim_does() {
        for raw in [
            " a ",
            "\u{a0}❌\u{3000}",
            "\u{b}x\u{2028}",
            "  ",
            "",
            "é ",
            " \u{85}",
            "✅",
        ] {
            let line = format!("|{raw}|");
            let row = parse_row(&line, 0, 0, line.len()).unwrap();
            assert_eq!(row.cell(&line, 0), Some(raw.trim()), "{raw:?}");
        }
    }

    #[test]
    fn not_a_row() {
        assert!(parse_row("text | x", 0, 0, 8).is_none());
        assert!(parse_row("    | indented code", 0, 0, 19).is_none());
    }

    #[test]
    fn a_row_may_be_indented_up_to_three_spaces() {
        let row = parse_row("   | a | b |", 4, 0, 12).unwrap();
        assert_eq!(row.line, 4);
        assert_eq!(*row.cells, [4..7, 8..11]);
    }

    #[test]
    fn delimiter_rows() {
        for (line, want) in [
            ("|---|:--:|", true),
            ("| --- | :---: |", true),
            ("| a | --- |", false),
            ("|:|", false),
        ] {
            let row = parse_row(line, 0, 0, line.len()).unwrap();
            assert_eq!(is_delimiter(line, &row), want, "{line}");
        }
    }
}
