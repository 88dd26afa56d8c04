//! The line-level syntax the locator must read as CommonMark and MDX read it: code fences,
//! code spans and MDX comments.
//!
//! - A fence opens with three or more backticks or tildes after at most three spaces (a
//!   backtick fence's info string holds no backtick) and closes with a run of the same
//!   character at least as long, after at most three spaces, followed only by spaces or tabs.
//!   A line indented four or more spaces inside a fence is content, never its end.
//! - A code span is a run of n backticks up to the next run of exactly n; an unmatched run is
//!   literal text. Nothing inside a code span opens a comment.
//! - An MDX comment `{/* … */}` opens outside code (not as an escaped `\{`) and runs to the
//!   next `*/}`, on this line or a later one.
//!
//! Every scan is linear in the line: code-span closers are found through an index of the
//! line's backtick runs, never by searching the rest of the line once per run.

use std::collections::HashMap;

/// An open code fence: its character (`` ` `` or `~`) and run length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub marker: u8,
    pub length: usize,
}

impl Fence {
    /// The fence `line` opens, if it opens one.
    pub fn opened_by(line: &str) -> Option<Fence> {
        let rest = without_indent(line)?;
        let marker = *rest.as_bytes().first()?;
        if marker != b'`' && marker != b'~' {
            return None;
        }
        let length = rest.bytes().take_while(|&b| b == marker).count();
        let info = &rest[length..];
        let valid = length >= 3 && (marker == b'~' || !info.contains('`'));
        valid.then_some(Fence { marker, length })
    }

    /// Whether `line` closes this fence.
    pub fn closed_by(self, line: &str) -> bool {
        let Some(rest) = without_indent(line) else {
            return false;
        };
        let run = rest.bytes().take_while(|&b| b == self.marker).count();
        run >= self.length && rest[run..].bytes().all(|b| b == b' ' || b == b'\t')
    }

    /// The fence as written (` ``` `, `~~~~`), for messages.
    pub fn shown(self) -> String {
        String::from(self.marker as char).repeat(self.length)
    }
}

/// The line after at most three spaces of indentation; `None` when indented four or more
/// (indented code, or content inside a fence).
fn without_indent(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(' ');
    (line.len() - rest.len() <= 3).then_some(rest)
}

pub const COMMENT_OPEN: &str = "{/*";
pub const COMMENT_CLOSE: &str = "*/}";

/// Whether `line` leaves an MDX comment open: a `{/*` outside code spans, not escaped, with no
/// `*/}` after it on the line.
pub fn opens_comment(line: &str) -> bool {
    if !line.contains(COMMENT_OPEN) {
        return false;
    }
    let runs = BacktickRuns::of(line);
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => i = runs.after_span_or_run(i, line),
            b'{' if line[i..].starts_with(COMMENT_OPEN) => {
                match line[i + COMMENT_OPEN.len()..].find(COMMENT_CLOSE) {
                    Some(close) => i += COMMENT_OPEN.len() + close + COMMENT_CLOSE.len(),
                    None => return true,
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// Where an open comment ends on `line` (the byte after its `*/}`), if it does.
pub fn comment_end(line: &str) -> Option<usize> {
    line.find(COMMENT_CLOSE).map(|at| at + COMMENT_CLOSE.len())
}

/// The maximal backtick runs of a line, indexed by length.
struct BacktickRuns {
    /// Run length → start of every run of that length, in order.
    by_length: HashMap<usize, Vec<usize>>,
}

impl BacktickRuns {
    fn of(line: &str) -> BacktickRuns {
        let bytes = line.as_bytes();
        let mut by_length: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'`' {
                let length = run_length(bytes, i);
                by_length.entry(length).or_default().push(i);
                i += length;
            } else {
                i += 1;
            }
        }
        BacktickRuns { by_length }
    }

    /// From an (unescaped) backtick at `start`: the byte after the code span it opens, or after
    /// its run when no run of the same length follows (then the backticks are literal).
    fn after_span_or_run(&self, start: usize, line: &str) -> usize {
        let length = run_length(line.as_bytes(), start);
        let end = start + length;
        let closer = self.by_length.get(&length).and_then(|starts| {
            // Runs of this length after this one (none starts inside it).
            let next = starts.partition_point(|&s| s <= start);
            starts.get(next)
        });
        closer.map_or(end, |&close| close + length)
    }
}

/// The length of the backtick run starting at `start` (to its end, even when `start` is not
/// the run's first backtick: an escaped first backtick leaves the rest as a run).
fn run_length(bytes: &[u8], start: usize) -> usize {
    bytes[start..].iter().take_while(|&&b| b == b'`').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_open_and_close_as_commonmark_says() {
        let open = |line| Fence::opened_by(line);
        assert_eq!(
            open("   ```"),
            Some(Fence {
                marker: b'`',
                length: 3
            })
        );
        assert_eq!(
            open("  ~~~~ rust"),
            Some(Fence {
                marker: b'~',
                length: 4
            })
        );
        assert_eq!(
            open("~~~ a`b"),
            Some(Fence {
                marker: b'~',
                length: 3
            })
        );
        assert_eq!(open("    ```"), None);
        assert_eq!(open("``"), None);
        assert_eq!(open("```a`b"), None);
        let fence = Fence {
            marker: b'`',
            length: 3,
        };
        assert!(fence.closed_by("```"));
        assert!(fence.closed_by("   ````  \t"));
        assert!(!fence.closed_by("    ```"));
        assert!(!fence.closed_by("     ```"));
        assert!(!fence.closed_by("``"));
        assert!(!fence.closed_by("``` x"));
        assert!(!fence.closed_by("~~~"));
        assert_eq!(fence.shown(), "```");
    }

    #[test]
    fn a_comment_opener_inside_a_code_span_opens_nothing() {
        assert!(!opens_comment("write `{/*` to open a comment"));
        assert!(!opens_comment("``a ` {/* b`` c"));
        assert!(opens_comment("`code` then {/* open"));
        // An unmatched run is literal: the opener after it is outside code.
        assert!(opens_comment("`` {/* x `"));
        // An escaped backtick opens no span; an escaped brace opens no comment.
        assert!(opens_comment("\\`{/* x`"));
        assert!(!opens_comment("\\{/* not a comment"));
        assert!(!opens_comment("{/* closed */} and `{/*`"));
        assert!(!opens_comment("{/* closed */} then {brace"));
        // Scanning resumes right after a closed comment and right after a span's closing run.
        assert!(opens_comment("{/* ` */} {/* open `"));
        assert!(opens_comment("```x``` {/* open"));
        assert!(!opens_comment("```{/*``` after"));
        // A run closes only a span opened by a run of its own length.
        assert!(!opens_comment("```a`b{/*`c```"));
        assert!(opens_comment("x */} {/* open"));
        assert!(!opens_comment("no opener here"));
    }

    #[test]
    fn comment_ends() {
        assert_eq!(comment_end("still open"), None);
        assert_eq!(comment_end("a */} b"), Some(5));
    }
}
