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

/// A row's located cells, kept as their boundaries: the byte offset of each cell's opening
/// pipe, then the end of the last cell (its closing pipe, or the line's end), so that cell `i`
/// is `bounds[i] + 1 .. bounds[i + 1]`. Offsets are `u32` (a doc is at most 256 MiB) and held
/// in place up to [`INLINE_CELLS`] cells (every row of the doc's own tables), on the heap past
/// that: a row costs no allocation of its own, and a big doc's hundreds of thousands of rows
/// take half the memory that ranges would.
#[derive(Clone, PartialEq, Eq)]
pub enum Cells {
    Inline([u32; INLINE_CELLS + 1], u8),
    Heap(Vec<u32>),
}

/// Cells a row holds without allocating.
pub const INLINE_CELLS: usize = 4;

impl Cells {
    /// No cell yet: only the opening pipe at `first`.
    fn new(first: u32) -> Cells {
        let mut bounds = [0; INLINE_CELLS + 1];
        bounds[0] = first;
        Cells::Inline(bounds, 1)
    }

    /// Closes the last cell at `end` (a pipe, or the line's end).
    fn push(&mut self, end: u32) {
        match self {
            Cells::Inline(bounds, len) if usize::from(*len) <= INLINE_CELLS => {
                bounds[usize::from(*len)] = end;
                *len += 1;
            }
            Cells::Inline(bounds, _) => {
                let mut heap = bounds.to_vec();
                heap.push(end);
                *self = Cells::Heap(heap);
            }
            Cells::Heap(heap) => heap.push(end),
        }
    }

    fn bounds(&self) -> &[u32] {
        match self {
            Cells::Inline(bounds, len) => &bounds[..usize::from(*len)],
            Cells::Heap(heap) => heap,
        }
    }

    /// How many cells are located.
    pub fn len(&self) -> usize {
        self.bounds().len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw byte range of cell `index` (between its pipes, whitespace included).
    pub fn get(&self, index: usize) -> Option<Range<usize>> {
        let bounds = self.bounds();
        let end = *bounds.get(index + 1)? as usize;
        Some(bounds[index] as usize + 1..end)
    }

    /// The raw byte range of every located cell, in order.
    pub fn iter(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.bounds()
            .windows(2)
            .map(|pair| pair[0] as usize + 1..pair[1] as usize)
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
        Some(&text[trim(text, self.cells.get(index)?)])
    }

    /// The absolute byte range of cell `index` with surrounding whitespace removed.
    pub fn trimmed_range(&self, text: &str, index: usize) -> Option<Range<usize>> {
        Some(trim(text, self.cells.get(index)?))
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
/// is not a table row (nor is a line ending past 4 GiB, beyond any doc's size).
pub fn parse_row(text: &str, line: usize, start: usize, end: usize) -> Option<Row> {
    let bytes = &text.as_bytes()[start..end];
    if !starts_row(bytes) {
        return None;
    }
    let indent = bytes.iter().take_while(|&&b| b == b' ').count();
    let (Ok(offset), Ok(_)) = (u32::try_from(start), u32::try_from(end)) else {
        return None;
    };
    // A position inside the line fits in `u32`, as its end does.
    let at = |position: usize| offset + position as u32;
    let mut cells = Cells::new(at(indent));
    let mut count = 0;
    let mut cell_start = indent + 1;
    let mut i = cell_start;
    while let Some(found) = next_pipe_or_backslash(bytes, i) {
        if bytes[found] == b'\\' {
            i = found + 2;
            continue;
        }
        if count < MAX_CELLS {
            cells.push(at(found));
        }
        count += 1;
        i = found + 1;
        cell_start = i;
    }
    // Text after the last pipe is a cell of its own; whitespace there is not.
    if !text[start + cell_start..end].trim().is_empty() {
        if count < MAX_CELLS {
            cells.push(at(bytes.len()));
        }
        count += 1;
    }
    Some(Row { line, cells, count })
}

/// Whether `line` starts like a table row: a `|` after at most three spaces.
pub fn starts_row(line: &[u8]) -> bool {
    let indent = line.iter().take(4).take_while(|&&b| b == b' ').count();
    indent <= 3 && line.get(indent) == Some(&b'|')
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
            let cell = text[range].trim();
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
            .map(|range| line[range].to_string())
            .collect()
    }

    #[test]
    fn splits_on_unescaped_pipes_only() {
        assert_eq!(cells("| `a` | b \\| c |"), vec![" `a` ", " b \\| c "]);
        assert_eq!(cells("|a|b"), vec!["a", "b"]);
        assert_eq!(cells("| a | |"), vec![" a ", " "]);
    }

    #[test]
    fn cells_past_those_held_in_place() {
        let line = "| a | b | c | d | e \\| f | g";
        let row = parse_row(line, 0, 0, line.len()).unwrap();
        assert!(matches!(row.cells, Cells::Heap(_)));
        assert_eq!(cells(line), [" a ", " b ", " c ", " d ", " e \\| f ", " g"]);
        assert_eq!(row.len(), 6);
        assert_eq!(row.cell(line, 5), Some("g"));
        assert_eq!(row.cells.get(6), None);
        assert!(!row.cells.is_empty());
        assert!(parse_row("|", 0, 0, 1).unwrap().cells.is_empty());
        let line = "|a|b|c|d|";
        assert!(matches!(
            parse_row(line, 0, 0, 9).unwrap().cells,
            Cells::Inline(..)
        ));
        assert_eq!(cells(line), ["a", "b", "c", "d"]);
    }

    #[test]
    fn a_trailing_cell_past_the_limit_is_counted_not_located() {
        let line = format!("|{}tail", "a|".repeat(MAX_CELLS));
        let row = parse_row(&line, 0, 0, line.len()).unwrap();
        assert_eq!(row.len(), MAX_CELLS + 1);
        assert_eq!(row.cells.len(), MAX_CELLS);
        assert_eq!(row.cell(&line, MAX_CELLS - 1), Some("a"));
        assert_eq!(row.cell(&line, MAX_CELLS), None);
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
        assert_eq!(row.cells.iter().collect::<Vec<_>>(), [4..7, 8..11]);
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
