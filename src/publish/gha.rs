//! GitHub Actions integration: step outputs (`$GITHUB_OUTPUT`), the job summary
//! (`$GITHUB_STEP_SUMMARY`), `::warning` annotations, `::group::` per phase and `::add-mask::`.
//!
//! Everything goes through an explicit variable source and an explicit log writer (stdout in a
//! workflow), so tests need no process environment. Off Actions (`GITHUB_ACTIONS` is not
//! `true`) every method is a no-op.

use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::PathBuf;

/// Annotations written at most; the rest are counted in one plain log line.
pub const MAX_ANNOTATIONS: usize = 10;

/// The Actions side of a run.
pub struct Actions<W: Write> {
    enabled: bool,
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
    log: W,
    in_group: bool,
}

impl Actions<io::Sink> {
    /// Does nothing (off Actions, or for library callers).
    pub fn disabled() -> Self {
        Actions {
            enabled: false,
            output_file: None,
            summary_file: None,
            log: io::sink(),
            in_group: false,
        }
    }
}

impl<W: Write> Actions<W> {
    /// From `GITHUB_ACTIONS`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` in the process
    /// environment; workflow commands go to `log`.
    pub fn from_env(log: W) -> Self {
        Self::from_vars(|name| std::env::var(name).ok(), log)
    }

    pub fn from_vars(var: impl Fn(&str) -> Option<String>, log: W) -> Self {
        let file = |name| {
            var(name)
                .filter(|p: &String| !p.is_empty())
                .map(PathBuf::from)
        };
        Actions {
            enabled: var("GITHUB_ACTIONS").as_deref() == Some("true"),
            output_file: file("GITHUB_OUTPUT"),
            summary_file: file("GITHUB_STEP_SUMMARY"),
            log,
            in_group: false,
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Asks the runner to hide `secret` in all later log lines.
    pub fn add_mask(&mut self, secret: &str) -> io::Result<()> {
        if !self.enabled || secret.is_empty() {
            return Ok(());
        }
        writeln!(self.log, "::add-mask::{}", escape_data(secret))
    }

    /// Opens a collapsible log group (closing an open one first).
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        self.end_group()?;
        self.in_group = true;
        writeln!(self.log, "::group::{}", escape_data(title))
    }

    pub fn end_group(&mut self) -> io::Result<()> {
        if !self.enabled || !self.in_group {
            return Ok(());
        }
        self.in_group = false;
        writeln!(self.log, "::endgroup::")
    }

    /// A plain log line (inside the current group).
    pub fn log(&mut self, line: &str) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        writeln!(self.log, "{}", escape_data(line))
    }

    /// `::error::` for a failed run.
    pub fn error(&mut self, message: &str) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        writeln!(self.log, "::error::{}", escape_data(message))
    }

    /// One `::warning` per problem, at most [`MAX_ANNOTATIONS`], then a line counting the
    /// rest. Problems shaped `path:line: message` are annotated on that line of that file.
    pub fn annotate_problems(&mut self, problems: &[String]) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        for problem in problems.iter().take(MAX_ANNOTATIONS) {
            let annotation = Annotation::from_problem(problem);
            writeln!(self.log, "{}", annotation.command())?;
        }
        if problems.len() > MAX_ANNOTATIONS {
            writeln!(
                self.log,
                "{} more problems not annotated (all are listed in the job summary)",
                problems.len() - MAX_ANNOTATIONS
            )?;
        }
        Ok(())
    }

    /// `::warning`s for lint findings on their lines of the doc, within what is left of
    /// [`MAX_ANNOTATIONS`] after `used`: contradicting rows first, then stale prose, then one
    /// per section for traced definitions it does not list.
    pub fn annotate_lint(
        &mut self,
        doc: &str,
        findings: &[crate::lint::Finding],
        used: usize,
    ) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        for (line, message) in crate::lint::annotations(findings)
            .into_iter()
            .take(MAX_ANNOTATIONS.saturating_sub(used))
        {
            let annotation = Annotation {
                file: Some(doc.to_string()),
                line: Some(line),
                message,
            };
            writeln!(self.log, "{}", annotation.command())?;
        }
        Ok(())
    }

    /// Appends step outputs to `$GITHUB_OUTPUT` (multi-line values as heredocs with a random
    /// delimiter).
    pub fn set_outputs(&mut self, outputs: &[(&str, String)]) -> io::Result<()> {
        let Some(path) = self.output_file.as_ref().filter(|_| self.enabled) else {
            return Ok(());
        };
        let mut text = String::new();
        for (name, value) in outputs {
            text.push_str(&format_output(name, value, &random_delimiter));
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?
            .write_all(text.as_bytes())
    }

    /// Appends Markdown to `$GITHUB_STEP_SUMMARY`.
    pub fn append_summary(&mut self, markdown: &str) -> io::Result<()> {
        let Some(path) = self.summary_file.as_ref().filter(|_| self.enabled) else {
            return Ok(());
        };
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(markdown.as_bytes())?;
        if !markdown.ends_with('\n') {
            file.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// One `GITHUB_OUTPUT` entry: `name=value\n`, or for a value with a line break
/// `name<<DELIM\nvalue\nDELIM\n`, with a delimiter from `delimiter` that occurs in neither.
pub fn format_output(name: &str, value: &str, delimiter: &dyn Fn() -> String) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let delim = loop {
        let candidate = delimiter();
        if !value.contains(&candidate) && !name.contains(&candidate) {
            break candidate;
        }
    };
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// `ghadelimiter_` and 32 random hex digits (as `@actions/core` does, with a random id).
pub fn random_delimiter() -> String {
    let half = |salt: u64| {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.write_u32(std::process::id());
        hasher.finish()
    };
    format!("ghadelimiter_{:016x}{:016x}", half(1), half(2))
}

/// A warning annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub message: String,
}

impl Annotation {
    /// Reads `path:line: message` (as the run reports doc problems); anything else becomes a
    /// warning without a location.
    pub fn from_problem(problem: &str) -> Self {
        for (index, _) in problem.match_indices(':') {
            let rest = &problem[index + 1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if index == 0 || digits == 0 || !rest[digits..].starts_with(':') {
                continue;
            }
            if let Ok(line) = rest[..digits].parse() {
                return Annotation {
                    file: Some(problem[..index].to_string()),
                    line: Some(line),
                    message: rest[digits + 1..].trim().to_string(),
                };
            }
        }
        Annotation {
            file: None,
            line: None,
            message: problem.to_string(),
        }
    }

    /// `::warning file=…,line=…::message`, escaped as workflow commands require.
    pub fn command(&self) -> String {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        let properties = if properties.is_empty() {
            String::new()
        } else {
            format!(" {}", properties.join(","))
        };
        format!("::warning{properties}::{}", escape_data(&self.message))
    }
}

/// Escapes a workflow command's message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_with_and_without_location() {
        assert_eq!(
            Annotation::from_problem("docs/model_coverage.mdx:12: unknown status `?`").command(),
            "::warning file=docs/model_coverage.mdx,line=12::unknown status `?`"
        );
        assert_eq!(
            Annotation::from_problem("Qwen/Qwen3: config: 50% done\nnext").command(),
            "::warning::Qwen/Qwen3: config: 50%25 done%0Anext"
        );
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn delimiters_differ_and_avoid_the_value() {
        let a = random_delimiter();
        let b = random_delimiter();
        assert_ne!(a, b);
        assert_eq!(a.len(), "ghadelimiter_".len() + 32);
        let fixed = std::cell::Cell::new(0);
        let pick = || {
            fixed.set(fixed.get() + 1);
            if fixed.get() == 1 {
                "EOF".to_string()
            } else {
                "EOF2".to_string()
            }
        };
        assert_eq!(
            format_output("x", "a\nEOF", &pick),
            "x<<EOF2\na\nEOF\nEOF2\n"
        );
        assert_eq!(format_output("x", "one line", &pick), "x=one line\n");
    }
}
