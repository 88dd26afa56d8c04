//! Onboarding: add a model's section (or regenerate a generated one) from its config.json and
//! serving sizes, without touching sections people wrote.
//!
//! Pure: the shell resolves repo ids, fetches configs and serving configs, then calls
//! [`plan_onboard`]. Guarantees:
//! - a model already in the doc (by the marker's repo id, or by normalized name) is never
//!   duplicated; a section without the generated marker is never regenerated;
//! - a generated section is regenerated only when its config fingerprint or TP/EP changed, and
//!   only from a config that was actually read (a failing fetch keeps the section as it was);
//! - a new section is a fixed point: a `--refresh-status` right after it changes nothing.

pub mod section;

use std::collections::HashSet;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::arch::parse_config;
use crate::dataset::DefinitionIndex;
use crate::discover::display_name::name_key;
use crate::doc::marker::GeneratedMarker;
use crate::doc::refresh::{refresh, splice, RefreshOutcome, SectionOutcome};
use crate::doc::{is_reserved_title, Block, CoverageDoc, DocError, SummaryColumns, Warning};
use crate::ident::echo;
use crate::markdown::{escape_doc, plain_text};
use crate::naming::{derive, Parallelism};
use crate::report::{report_from_outcome, Action, DefinitionReport, ModelReport, Plan};
pub use section::{ConfigFiles, ServingOrigin, ServingPlan};
use section::{RenderedSection, SummaryCells};

/// One model to add, as resolved by the shell.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// The name asked for (`--model-name`), used to find an existing section.
    pub model_name: String,
    pub hf_repo_id: String,
    pub display_name: String,
    /// The config.json text, or why it could not be read (naming the model and the file or URL).
    pub config: Result<String, ConfigUnavailable>,
    pub serving: ServingPlan,
}

/// An error from a source this pure module does not name (the Hub client's, a file read's):
/// kept whole, so a caller can still downcast it to its kind; shared, so a request stays `Clone`.
pub type SourceError = Arc<dyn std::error::Error + Send + Sync>;

/// Why a model's `config.json` is not at hand. Each names the model and where the config was
/// to come from; the section then says the config is unavailable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigUnavailable {
    /// `--config-file` could not be read (or is not UTF-8).
    #[error("reading the config file `{}` for `{model}`: {source}", .path.display())]
    File {
        model: String,
        path: PathBuf,
        source: SourceError,
    },
    /// The Hub (or its cache) did not give it; `source` names the URL.
    #[error("config.json unavailable for `{repo}`: {source}")]
    Hub { repo: String, source: SourceError },
    /// The fetch gave no answer for the repo.
    #[error("config.json for `{repo}` was not fetched")]
    NotFetched { repo: String },
}

/// Why a `--model-name` has no request: no repo id could be settled on. Each names the model
/// (or the repo id given for it).
#[derive(Debug, thiserror::Error)]
pub enum Unresolved {
    /// `--hf-repo-id` is not `org/name` with the Hub's characters.
    #[error(
        "`{repo}` is not an HF repo id (expected `org/name` with letters, digits, `.`, `_`, `-`)"
    )]
    InvalidRepoId { repo: String },
    /// The Hub's model search failed; `source` names the URL.
    #[error("searching the Hub for `{model}`: {source}\nhint: pass `--hf-repo-id ORG/REPO`")]
    SearchFailed { model: String, source: SourceError },
    /// Nothing the tool looked at names a repo for the model.
    #[error("no HF repo found for `{model}`\nhint: pass `--hf-repo-id ORG/REPO`")]
    NoRepo { model: String },
    /// Several repos in `place` fit the name, none better than the others.
    #[error(
        "`{model}` matches several repos in {place}: {}\nhint: pass `--hf-repo-id ORG/REPO`",
        backticked(.repos)
    )]
    Ambiguous {
        model: String,
        /// Where they were found: `the Hub`, `the cookbooks and SGLang's docs`.
        place: &'static str,
        repos: Vec<String>,
    },
}

/// `` `a`, `b` ``.
fn backticked(repos: &[String]) -> String {
    repos
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the shell needs beyond the plan: which models failed.
#[derive(Debug, Clone)]
pub struct OnboardPlan {
    pub plan: Plan,
    /// One line per model that could not be onboarded (config unavailable or unparsable).
    pub failures: Vec<String>,
}

/// Adds or regenerates the requested models; with `refresh_all`, also refreshes every other
/// section. Without it, bytes outside the onboarded sections and summary rows stay as they are.
pub fn plan_onboard(
    doc: &CoverageDoc,
    existing: &RefreshOutcome,
    requests: &[ModelRequest],
    index: &DefinitionIndex,
    sglang_supports: &dyn Fn(&str) -> bool,
    refresh_all: bool,
) -> Result<OnboardPlan, DocError> {
    let mut onboarding = Onboarding::new(doc, existing, index, sglang_supports);
    let mut seen = HashSet::new();
    for request in requests {
        if seen.insert(request.hf_repo_id.to_ascii_lowercase()) {
            onboarding.onboard(request);
        }
    }
    let (text, mut warnings, failures, onboarded) = onboarding.splice();
    let final_doc = CoverageDoc::parse(&text)?;
    let outcome = refresh(&final_doc, index)?;
    let text = if refresh_all {
        outcome.text.clone()
    } else {
        text
    };
    let mut plan = report_plan(outcome, text, refresh_all, &onboarded);
    plan.warnings.append(&mut warnings);
    plan.warnings.sort_by_key(|w| w.line);
    Ok(OnboardPlan { plan, failures })
}

/// An onboarded model for the report: its title, what happened, its definitions.
type Onboarded = (String, Action, Vec<DefinitionReport>);

/// Where a request's section goes.
enum Placement<'d> {
    /// Nothing to write (a warning says why).
    Skip,
    /// A section people wrote tracks the model: only its statuses are refreshed.
    Human { title: String, line: usize },
    /// A generated section of the model: regenerated in place when its marker changed.
    Regenerate {
        section: &'d SectionOutcome,
        marker: GeneratedMarker,
    },
    /// A new section at the end of the doc, with a summary row.
    New,
}

/// The edits of one onboarding run, gathered request by request.
struct Onboarding<'d, 'a> {
    doc: &'d CoverageDoc<'a>,
    existing: &'d RefreshOutcome,
    index: &'d DefinitionIndex,
    sglang_supports: &'d dyn Fn(&str) -> bool,
    newline: &'static str,
    /// Regenerated sections.
    edits: Vec<(Range<usize>, String)>,
    /// New sections, in request order.
    appended: String,
    summary_rows: Vec<SummaryCells>,
    failures: Vec<String>,
    warnings: Vec<Warning>,
    onboarded: Vec<Onboarded>,
    /// Names already in use: headings in the doc and sections added in this run.
    titles: HashSet<String>,
    /// The kernels (fingerprints) of the sections added in this run, with their titles.
    added_kernels: Vec<(String, String)>,
}

impl<'d, 'a> Onboarding<'d, 'a> {
    fn new(
        doc: &'d CoverageDoc<'a>,
        existing: &'d RefreshOutcome,
        index: &'d DefinitionIndex,
        sglang_supports: &'d dyn Fn(&str) -> bool,
    ) -> Self {
        let newline = if doc.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let titles = existing
            .sections
            .iter()
            .map(|s| name_key(&plain_text(&s.title)))
            .collect();
        Onboarding {
            doc,
            existing,
            index,
            sglang_supports,
            newline,
            edits: Vec::new(),
            appended: String::new(),
            summary_rows: Vec::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            onboarded: Vec::new(),
            titles,
            added_kernels: Vec::new(),
        }
    }

    fn onboard(&mut self, request: &ModelRequest) {
        // Rendering reads the section back; a title read as `## Summary` would leave no section.
        if is_reserved_title(&escape_doc(request.display_name.trim())) {
            self.failures.push(format!(
                "`{}`: a section titled `{}` would be read as the `## Summary` heading; pass another `--display-name`",
                request.hf_repo_id,
                echo(request.display_name.trim())
            ));
            return;
        }
        let (found, by_repo) = find_section(self.doc, self.existing, request);
        let (rendered, failure) = self.render(request);
        if let Some(reason) = failure {
            self.failures.push(reason);
            if found.is_some() {
                return;
            }
        }
        match self.placement(found, by_repo, request, &rendered) {
            Placement::Skip => {}
            Placement::Human { title, line } => self.warnings.push(Warning::new(
                line + 1,
                format!(
                    "`{}` is already tracked as `## {title}`, a section written by people: only its statuses are refreshed",
                    request.hf_repo_id
                ),
            )),
            Placement::Regenerate { section, marker } => {
                self.regenerate(section, &marker, rendered);
            }
            Placement::New => self.add(request, rendered),
        }
    }

    fn render(&self, request: &ModelRequest) -> (RenderedSection, Option<String>) {
        render_request(
            request,
            self.index,
            self.sglang_supports,
            self.doc.four_state,
        )
    }

    /// A generated section found by its name but made for another repo never has its
    /// marker's repo id switched: same kernels, the model is covered there (skipped); else it
    /// is another model that needs a section of its own.
    fn placement(
        &mut self,
        found: Option<Found<'d>>,
        by_repo: bool,
        request: &ModelRequest,
        rendered: &RenderedSection,
    ) -> Placement<'d> {
        match found {
            Some(Found::Human { title, line }) => Placement::Human { title, line },
            Some(Found::Generated { section, marker }) if by_repo => {
                Placement::Regenerate { section, marker }
            }
            Some(Found::Generated { section, marker }) => {
                let kernels = rendered.marker.fingerprint.as_deref();
                if kernels.is_none() || marker.fingerprint.as_deref() != kernels {
                    return Placement::New;
                }
                self.warnings.push(Warning::new(
                    section.heading_line + 1,
                    format!(
                        "`{}` has the same kernels as `## {}` (tracked as `{}`): not added",
                        request.hf_repo_id,
                        section.title,
                        marker.hf_repo_id().unwrap_or("?")
                    ),
                ));
                Placement::Skip
            }
            None => Placement::New,
        }
    }

    /// Replaces a generated section whose marker changed, unless it holds text the generator
    /// does not write (a note people added): then the section is left as it was, with a warning.
    fn regenerate(
        &mut self,
        section: &SectionOutcome,
        marker: &GeneratedMarker,
        rendered: RenderedSection,
    ) {
        if marker.same_content(&rendered.marker) {
            return;
        }
        let span = section_body_span(self.doc, section);
        if let Some(line) = hand_written_line(self.doc, section.heading_line + 1, &span) {
            self.warnings.push(Warning::new(
                line + 1,
                format!(
                    "`## {}` is generated but holds text the generator does not write (`{}`): not regenerated, so that text is kept\nhint: move the note below the section's `---` line (or delete it) and run again",
                    section.title,
                    echo(self.doc.text[self.doc.lines[line].clone()].trim())
                ),
            ));
            return;
        }
        let mut text = rendered.text.replace('\n', self.newline);
        if !self.doc.text[span.clone()].ends_with('\n') {
            text.truncate(text.trim_end().len());
        }
        self.edits.push((span, text));
        self.onboarded.push((
            section.title.clone(),
            Action::Refreshed,
            rendered.definitions,
        ));
    }

    /// A new section, unless a section added in this run has the same kernels; under a
    /// distinct name when its name is taken.
    fn add(&mut self, request: &ModelRequest, mut rendered: RenderedSection) {
        let kernels = rendered.marker.fingerprint.clone();
        if let Some((_, title)) = kernels
            .as_ref()
            .and_then(|k| self.added_kernels.iter().find(|(known, _)| known == k))
        {
            self.warnings.push(Warning::new(
                1,
                format!(
                    "`{}` has the same kernels as `## {title}`, added in this run: one section",
                    request.hf_repo_id
                ),
            ));
            return;
        }
        if self
            .titles
            .contains(&name_key(&plain_text(&rendered.title)))
        {
            let distinct = distinct_request(request, &self.titles);
            self.warnings.push(Warning::new(
                1,
                format!(
                    "`{}`: another section is already named `{}`; added as `{}`",
                    request.hf_repo_id,
                    echo(&request.display_name),
                    echo(&distinct.display_name)
                ),
            ));
            rendered = self.render(&distinct).0;
        }
        self.titles.insert(name_key(&plain_text(&rendered.title)));
        if let Some(kernels) = kernels {
            self.added_kernels.push((kernels, rendered.title.clone()));
        }
        let newline = self.newline;
        self.appended.push_str(newline);
        self.appended
            .push_str(&rendered.text.replace('\n', newline));
        self.appended.push_str("---");
        self.appended.push_str(newline);
        self.summary_rows.push(rendered.summary);
        self.onboarded
            .push((rendered.title, Action::Added, rendered.definitions));
    }

    /// The doc with every edit applied: regenerated sections, new summary rows (in the summary
    /// table's columns) and new sections at the end; with the warnings, failures and report
    /// entries gathered.
    fn splice(mut self) -> (String, Vec<Warning>, Vec<String>, Vec<Onboarded>) {
        let doc = self.doc;
        let newline = self.newline;
        if !self.summary_rows.is_empty() {
            match summary_insertion_point(doc) {
                Some((at, unterminated, columns)) => {
                    let mut rows = String::from(if unterminated { newline } else { "" });
                    for cells in &self.summary_rows {
                        rows.push_str(&cells.row(&columns));
                        rows.push_str(newline);
                    }
                    self.edits.push((at..at, rows));
                }
                None => self.warnings.push(Warning::new(
                    summary_heading_line(doc),
                    "no `## Summary` table to add the new models' rows to",
                )),
            }
        }
        if !self.appended.is_empty() {
            let end = doc.text.len();
            let lead = if doc.text.is_empty() || doc.text.ends_with('\n') {
                ""
            } else {
                newline
            };
            self.edits
                .push((end..end, format!("{lead}{}", self.appended)));
        }
        self.edits
            .sort_by_key(|(range, _)| (range.start, range.end));
        let text = splice(doc.text, &self.edits);
        (text, self.warnings, self.failures, self.onboarded)
    }
}

/// The 1-based line of the `## Summary` heading, or 1 without one.
fn summary_heading_line(doc: &CoverageDoc) -> usize {
    doc.summary_heading
        .and_then(|at| match &doc.blocks[at] {
            Block::Heading(heading) => Some(heading.line + 1),
            _ => None,
        })
        .unwrap_or(1)
}

/// The first line (0-based) from `from` within `span` that the generator does not write: not
/// blank, not the marker, not the `**Architecture**:` or serving line, not a table row, not a
/// `**Coverage**: N / M definitions present.` line as written, not the `Notes:` list.
fn hand_written_line(doc: &CoverageDoc, from: usize, span: &Range<usize>) -> Option<usize> {
    let mut in_notes = false;
    (from..doc.lines.len())
        .take_while(|&line| doc.lines[line].start < span.end)
        .find(|&line| {
            let text = doc.text[doc.lines[line].clone()].trim();
            in_notes =
                (in_notes && (text.is_empty() || text.starts_with("- "))) || text == "Notes:";
            !(in_notes || is_generated_line(text) || GeneratedMarker::parse(text, line).is_some())
        })
}

/// A line shape the section renderer writes (outside the notes list).
fn is_generated_line(line: &str) -> bool {
    const PREFIXES: [&str; 4] = [
        "**Architecture**:",
        "Serving configuration:",
        "No serving configuration found in the cookbooks:",
        "|",
    ];
    line.is_empty()
        || PREFIXES.iter().any(|prefix| line.starts_with(prefix))
        || is_generated_coverage_line(line)
}

/// `**Coverage**: 3 / 14 definitions present.` exactly (text after it is a note).
fn is_generated_coverage_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("**Coverage**: ") else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(" definitions present.") else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    rest.split_once(" / ")
        .is_some_and(|(present, total)| number(present) && (number(total) || total == "?"))
}

/// The report: every section when refreshing all, else only the onboarded models; onboarded
/// models carry their computed definitions (with `why`) and action `added` / `refreshed`.
fn report_plan(
    outcome: RefreshOutcome,
    text: String,
    refresh_all: bool,
    onboarded: &[(String, Action, Vec<DefinitionReport>)],
) -> Plan {
    let mut plan = report_from_outcome(outcome, text);
    let mut models = Vec::new();
    for model in plan.report.models.drain(..) {
        let onboarded_model = onboarded
            .iter()
            .find(|(title, _, _)| plain_text(title) == model.name);
        match onboarded_model {
            Some((_, action, definitions)) => models.push(ModelReport {
                action: *action,
                summary_before: if *action == Action::Added {
                    None
                } else {
                    model.summary_before
                },
                definitions: definitions.clone(),
                ..model
            }),
            None if refresh_all => models.push(model),
            None => {}
        }
    }
    plan.report.models = models;
    plan.report.collect_missing();
    plan
}

enum Found<'d> {
    /// A section written by people: its title and 0-based heading line.
    Human { title: String, line: usize },
    Generated {
        section: &'d SectionOutcome,
        marker: GeneratedMarker,
    },
}

/// The section for `request` and why it failed to render, if it did (then the section says
/// the config is unavailable).
fn render_request(
    request: &ModelRequest,
    index: &DefinitionIndex,
    sglang_supports: &dyn Fn(&str) -> bool,
    four_state: bool,
) -> (RenderedSection, Option<String>) {
    let text = match &request.config {
        Err(unavailable) => {
            let reason = unavailable.to_string();
            let shown = crate::markdown::redact_locations(&reason);
            let rendered = section::render_unavailable(request, &shown, index, four_state);
            return (rendered, Some(reason));
        }
        Ok(text) => text,
    };
    match parse_config(text) {
        Err(error) => {
            let reason = format!(
                "config.json of `{}` is unusable: {error}",
                request.hf_repo_id
            );
            let shown = crate::markdown::redact_locations(&reason);
            let rendered = section::render_unavailable(request, &shown, index, four_state);
            (rendered, Some(reason))
        }
        Ok(arch) => {
            let parallelism = Parallelism::new(
                request.serving.attention_tp.clone(),
                request.serving.ep.clone(),
            );
            let derivation = derive(&arch, &parallelism);
            let supported = arch
                .architectures
                .first()
                .is_none_or(|class| sglang_supports(class));
            let rendered =
                section::render(request, &arch, &derivation, supported, index, four_state);
            (rendered, None)
        }
    }
}

/// `request` under a display name no section uses: `Name (repo name)`, else
/// `Name (org/repo name)`.
fn distinct_request(request: &ModelRequest, titles: &HashSet<String>) -> ModelRequest {
    let repo_name = request.hf_repo_id.rsplit('/').next().unwrap_or_default();
    let candidates = [
        format!("{} ({repo_name})", request.display_name),
        format!("{} ({})", request.display_name, request.hf_repo_id),
    ];
    let display_name = candidates
        .iter()
        .find(|name| !titles.contains(&name_key(name)))
        .unwrap_or(&candidates[1])
        .clone();
    ModelRequest {
        display_name,
        ..request.clone()
    }
}

/// The section tracking `request` and whether it was found by the repo id in its marker
/// (rather than by its name).
fn find_section<'d>(
    doc: &CoverageDoc,
    existing: &'d RefreshOutcome,
    request: &ModelRequest,
) -> (Option<Found<'d>>, bool) {
    let by_repo = existing.sections.iter().find(|s| {
        s.hf_repo_id
            .as_deref()
            .is_some_and(|repo| repo.eq_ignore_ascii_case(&request.hf_repo_id))
    });
    let keys = [
        name_key(&request.model_name),
        name_key(&request.display_name),
        name_key(request.hf_repo_id.rsplit('/').next().unwrap_or_default()),
    ];
    let found_by_repo = by_repo.is_some();
    let Some(section) = by_repo.or_else(|| {
        existing
            .sections
            .iter()
            .find(|s| keys.contains(&name_key(&s.title)))
    }) else {
        return (None, false);
    };
    let marker = doc
        .marker_in(section.heading_line..section.end_line)
        .cloned();
    let found = match marker {
        Some(marker) => Found::Generated { section, marker },
        None => Found::Human {
            title: section.title.clone(),
            line: section.heading_line,
        },
    };
    (Some(found), found_by_repo)
}

/// From the heading to the section's first thematic break (the `---` written after every
/// section), leaving that separator and whatever follows it (notes, comments people put between
/// sections) in place; without a separator, to the section's end.
fn section_body_span(doc: &CoverageDoc, section: &SectionOutcome) -> Range<usize> {
    let start = doc.lines[section.heading_line].start;
    // The heading itself is never a break: searching from it finds the first one below it.
    let end_line = (section.heading_line..section.end_line)
        .find(|&line| is_thematic_break(&doc.text[doc.lines[line].clone()]))
        .unwrap_or(section.end_line);
    let end = doc.lines.get(end_line).map_or(doc.text.len(), |l| l.start);
    start..end
}

/// Three or more of one of `-`, `*`, `_`, spaces allowed between (CommonMark's thematic break;
/// a generated section has none of its own, its table rows start with `|`).
fn is_thematic_break(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first) = marks.next() else {
        return false;
    };
    let mut count = 1;
    for mark in marks {
        if mark != first {
            return false;
        }
        count += 1;
    }
    matches!(first, '-' | '*' | '_') && count >= 3
}

/// After the summary table's last row (or its delimiter row when it has none), whether that
/// row lacks a line terminator (the doc ends there), and the table's columns.
fn summary_insertion_point(doc: &CoverageDoc) -> Option<(usize, bool, SummaryColumns)> {
    let table = doc.summary_table()?;
    let last_line = table
        .rows
        .last()
        .map_or(table.header.line + 1, |row| row.line);
    let end = doc.line_with_terminator(last_line).end;
    let columns = SummaryColumns::of(doc.text, &table.header);
    Some((end, end == doc.lines[last_line].end, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines a failed request prints, from the typed errors (the snapshots pin the others
    /// through the binary: invalid repo id, ambiguous, search failed, config file unreadable).
    #[test]
    fn why_a_request_failed_names_the_model() {
        let not_fetched = ConfigUnavailable::NotFetched {
            repo: "o/m".to_string(),
        };
        assert_eq!(
            not_fetched.to_string(),
            "config.json for `o/m` was not fetched"
        );
        let hub = ConfigUnavailable::Hub {
            repo: "o/m".to_string(),
            source: Arc::new(std::io::Error::other("`o/m` is gated (http://hub/o/m)")),
        };
        assert_eq!(
            hub.to_string(),
            "config.json unavailable for `o/m`: `o/m` is gated (http://hub/o/m)"
        );
        let no_repo = Unresolved::NoRepo {
            model: "Foo".to_string(),
        };
        assert_eq!(
            no_repo.to_string(),
            "no HF repo found for `Foo`\nhint: pass `--hf-repo-id ORG/REPO`"
        );
        let ambiguous = Unresolved::Ambiguous {
            model: "Foo".to_string(),
            place: "the Hub",
            repos: vec!["a/Foo".to_string(), "b/Foo".to_string()],
        };
        assert_eq!(
            ambiguous.to_string(),
            "`Foo` matches several repos in the Hub: `a/Foo`, `b/Foo`\nhint: pass `--hf-repo-id ORG/REPO`"
        );
    }

    #[test]
    fn thematic_breaks() {
        for line in ["---", "***", "___", "- - -", " ** * ", "-----"] {
            assert!(is_thematic_break(line), "{line:?}");
        }
        for line in ["", "--", "===", "aaa", "-*-", "| --- |", "## A"] {
            assert!(!is_thematic_break(line), "{line:?}");
        }
    }

    #[test]
    fn only_the_coverage_line_as_written_is_generated() {
        for line in [
            "**Coverage**: 3 / 14 definitions present.",
            "**Coverage**: 0 / ? definitions present.",
        ] {
            assert!(is_generated_coverage_line(line), "{line:?}");
        }
        for line in [
            "**Coverage**:  / 14 definitions present.",
            "**Coverage**: a / 14 definitions present.",
            "**Coverage**: 3 / x definitions present.",
            "**Coverage**: 3 / 14 definitions present. Two more are traced.",
            "**Coverage**: 3 of 14 definitions present.",
            "Coverage: 3 / 14 definitions present.",
        ] {
            assert!(!is_generated_coverage_line(line), "{line:?}");
        }
    }
}
