//! The unified diff `--check` and `--dry-run` print, in time linear in the doc's size.
//!
//! A general line diff (Myers) costs O((N + M) · D): with 100,000 changed rows that is minutes.
//! But the bot's edits are splices inside lines plus whole sections inserted or replaced, so
//! the change set has a known shape: after the common first and last lines are set aside, a
//! middle with as many lines on both sides is aligned line by line (each differing line is a
//! `-`/`+` pair — exactly what a refresh does), and only a middle whose line counts differ
//! (a section added or regenerated) goes to Myers, under a deadline after which it reports the
//! rest coarsely. Hunks are printed like `git diff` (`a/` and `b/` prefixes, 3 context lines).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use similar::udiff::UnifiedHunkHeader;
use similar::{capture_diff_deadline, group_diff_ops, Algorithm, DiffOp, DiffTag};

const CONTEXT: usize = 3;

/// How long Myers may search on a middle whose line counts differ before it gives up and
/// reports what is left as one replaced block.
const MYERS_DEADLINE: Duration = Duration::from_millis(200);

/// Writes the diff from `old` to `new` under the header `--- a/{name}` / `+++ b/{name}`;
/// nothing when they are equal.
pub fn write(out: &mut dyn Write, name: &str, old: &str, new: &str) -> io::Result<()> {
    if old == new {
        return Ok(());
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = line_ops(&old_lines, &new_lines);
    let mut out = io::BufWriter::new(out);
    writeln!(out, "--- a/{name}")?;
    writeln!(out, "+++ b/{name}")?;
    for group in group_diff_ops(ops, CONTEXT) {
        writeln!(out, "{}", UnifiedHunkHeader::new(&group))?;
        for op in &group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => write_lines(&mut out, ' ', &old_lines[old_range])?,
                DiffTag::Delete => write_lines(&mut out, '-', &old_lines[old_range])?,
                DiffTag::Insert => write_lines(&mut out, '+', &new_lines[new_range])?,
                DiffTag::Replace => {
                    write_lines(&mut out, '-', &old_lines[old_range])?;
                    write_lines(&mut out, '+', &new_lines[new_range])?;
                }
            }
        }
    }
    out.flush()
}

fn write_lines(out: &mut impl Write, tag: char, lines: &[&str]) -> io::Result<()> {
    for line in lines {
        write!(out, "{tag}{line}")?;
        if !line.ends_with('\n') {
            writeln!(out, "\n\\ No newline at end of file")?;
        }
    }
    Ok(())
}

/// The diff operations, in order, covering every line of both sides.
fn line_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_end = old.len() - suffix;
    let new_end = new.len() - suffix;
    let mut ops = Vec::new();
    if prefix > 0 {
        ops.push(equal(0, 0, prefix));
    }
    if old_end - prefix == new_end - prefix {
        aligned(old, new, prefix..old_end, &mut ops);
    } else {
        let deadline = Instant::now() + MYERS_DEADLINE;
        ops.extend(capture_diff_deadline(
            Algorithm::Myers,
            old,
            prefix..old_end,
            new,
            prefix..new_end,
            Some(deadline),
        ));
    }
    if suffix > 0 {
        ops.push(equal(old_end, new_end, suffix));
    }
    ops
}

/// Line `i` of the old middle against line `i` of the new one (the middle starts at the same
/// index on both sides, after the common prefix): runs of equal lines and of replaced lines.
fn aligned(old: &[&str], new: &[&str], range: std::ops::Range<usize>, ops: &mut Vec<DiffOp>) {
    let mut index = range.start;
    while index < range.end {
        let same = old[index] == new[index];
        let run = (index..range.end)
            .take_while(|&i| (old[i] == new[i]) == same)
            .count();
        ops.push(if same {
            equal(index, index, run)
        } else {
            DiffOp::Replace {
                old_index: index,
                old_len: run,
                new_index: index,
                new_len: run,
            }
        });
        index += run;
    }
}

fn equal(old_index: usize, new_index: usize, len: usize) -> DiffOp {
    DiffOp::Equal {
        old_index,
        new_index,
        len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> String {
        let mut out = Vec::new();
        write(&mut out, "d", old, new).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The same bytes `similar`'s own unified diff prints, for the shapes both handle.
    fn reference(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header("a/d", "b/d")
            .to_string()
    }

    #[test]
    fn matches_the_reference_on_the_shapes_a_run_produces() {
        let old: String = (0..30).map(|i| format!("| `n{i}` | ❌ |\n")).collect();
        let mut new = old
            .replace("`n3` | ❌", "`n3` | ✅")
            .replace("`n20` | ❌", "`n20` | ✅");
        assert_eq!(diff(&old, &new), reference(&old, &new));
        new.push_str("## Added\n\n| `x` | ❌ |\n");
        assert_eq!(diff(&old, &new), reference(&old, &new));
        let shorter = old.replacen("| `n5` | ❌ |\n", "", 1);
        assert_eq!(diff(&old, &shorter), reference(&old, &shorter));
        assert_eq!(diff(&old, &old), "");
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            diff("a\nb\n", "a\nc"),
            "--- a/d\n+++ b/d\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(diff("a\nb\n", "a\nc"), reference("a\nb\n", "a\nc"));
    }

    #[test]
    fn adjacent_changed_lines_form_one_run() {
        assert_eq!(
            diff("a\nb\nc\nd\n", "a\nB\nC\nd\n"),
            "--- a/d\n+++ b/d\n@@ -1,4 +1,4 @@\n a\n-b\n-c\n+B\n+C\n d\n"
        );
    }
}
