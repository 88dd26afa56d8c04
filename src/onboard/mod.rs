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

use crate::arch::parse_config;
use crate::dataset::DefinitionIndex;
use crate::discover::display_name::name_key;
use crate::doc::marker::GeneratedMarker;
use crate::doc::refresh::{refresh, splice, RefreshOutcome, SectionOutcome};
use crate::doc::{Block, CoverageDoc, DocError, Warning};
use crate::naming::{derive, Parallelism};
use crate::report::{report_from_outcome, Action, DefinitionReport, ModelReport, Plan};
pub use section::{ServingOrigin, ServingPlan};

/// One model to add, as resolved by the shell.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// The name asked for (`--model-name`), used to find an existing section.
    pub model_name: String,
    pub hf_repo_id: String,
    pub display_name: String,
    /// The config.json text, or why it could not be read (naming the model and URL).
    pub config: Result<String, String>,
    pub serving: ServingPlan,
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
    let doc_text = doc.text;
    let newline = if doc_text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut appended = String::new();
    let mut summary_rows = String::new();
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut onboarded: Vec<(String, Action, Vec<DefinitionReport>)> = Vec::new();
    let mut seen = HashSet::new();

    // Names already in use (headings in the doc, sections added in this run), and the kernels
    // (fingerprints) of the sections added in this run: one section per model.
    let mut titles: HashSet<String> = existing
        .sections
        .iter()
        .map(|s| name_key(&crate::markdown::plain_text(&s.title)))
        .collect();
    let mut added_kernels: Vec<(String, String)> = Vec::new();

    for request in requests {
        if !seen.insert(request.hf_repo_id.to_ascii_lowercase()) {
            continue;
        }
        let (found, by_repo) = find_section(doc, existing, request);
        // Rendering reads the section back; a title read as `## Summary` would leave no section.
        if crate::doc::is_reserved_title(&crate::markdown::escape_doc(request.display_name.trim()))
        {
            failures.push(format!(
                "`{}`: a section titled `{}` would be read as the `## Summary` heading; pass another `--display-name`",
                request.hf_repo_id,
                request.display_name.trim()
            ));
            continue;
        }
        let (mut rendered, failure) =
            render_request(request, index, sglang_supports, doc.four_state);
        if let Some(reason) = failure {
            failures.push(reason);
            if found.is_some() {
                continue;
            }
        }
        let kernels = rendered
            .marker_fields()
            .into_iter()
            .find(|(key, _)| key == "fingerprint")
            .map(|(_, value)| value);
        // A generated section found by its name but made for another repo: never switch its
        // marker's repo id. Same kernels: the model is covered there; else it is another model
        // that needs a section (and a name) of its own.
        let found = match found {
            Some(Found::Generated { section, marker }) if !by_repo => {
                let same_kernels =
                    kernels.is_some() && marker.get("fingerprint") == kernels.as_deref();
                if same_kernels {
                    warnings.push(Warning {
                        line: section.heading_line + 1,
                        message: format!(
                            "`{}` has the same kernels as `## {}` (tracked as `{}`): not added",
                            request.hf_repo_id,
                            section.title,
                            marker.get("hf_repo_id").unwrap_or("?")
                        ),
                    });
                    continue;
                }
                None
            }
            other => other,
        };
        if found.is_none() {
            if let Some((_, title)) = kernels
                .as_ref()
                .and_then(|k| added_kernels.iter().find(|(known, _)| known == k))
            {
                warnings.push(Warning {
                    line: 1,
                    message: format!(
                        "`{}` has the same kernels as `## {title}`, added in this run: one section",
                        request.hf_repo_id
                    ),
                });
                continue;
            }
            if titles.contains(&name_key(&crate::markdown::plain_text(&rendered.title))) {
                let distinct = distinct_request(request, &titles);
                warnings.push(Warning {
                    line: 1,
                    message: format!(
                        "`{}`: another section is already named `{}`; added as `{}`",
                        request.hf_repo_id, request.display_name, distinct.display_name
                    ),
                });
                rendered = render_request(&distinct, index, sglang_supports, doc.four_state).0;
            }
            titles.insert(name_key(&crate::markdown::plain_text(&rendered.title)));
            if let Some(kernels) = kernels {
                added_kernels.push((kernels, rendered.title.clone()));
            }
        }
        match found {
            Some(Found::Human { title, line }) => {
                warnings.push(Warning {
                    line: line + 1,
                    message: format!(
                        "`{}` is already tracked as `## {title}`, a section written by people: only its statuses are refreshed",
                        request.hf_repo_id
                    ),
                });
            }
            Some(Found::Generated { section, marker }) => {
                if marker.fields == rendered.marker_fields() {
                    continue;
                }
                let span = section_body_span(doc, section);
                let mut text = rendered.text.replace('\n', newline);
                if !doc.text[span.clone()].ends_with('\n') {
                    text.truncate(text.trim_end().len());
                }
                edits.push((span, text));
                onboarded.push((
                    section.title.clone(),
                    Action::Refreshed,
                    rendered.definitions,
                ));
            }
            None => {
                appended.push_str(newline);
                appended.push_str(&rendered.text.replace('\n', newline));
                appended.push_str(&format!("---{newline}"));
                summary_rows.push_str(&rendered.summary_row);
                summary_rows.push_str(newline);
                onboarded.push((rendered.title.clone(), Action::Added, rendered.definitions));
            }
        }
    }

    if !summary_rows.is_empty() {
        match summary_insertion_point(doc) {
            Some((at, unterminated)) => {
                let lead = if unterminated { newline } else { "" };
                edits.push((at..at, format!("{lead}{summary_rows}")));
            }
            None => warnings.push(Warning {
                line: doc
                    .blocks
                    .get(doc.summary_heading.unwrap_or(usize::MAX))
                    .map_or(1, |block| match block {
                        Block::Heading(heading) => heading.line + 1,
                        _ => 1,
                    }),
                message: "no `## Summary` table to add the new models' rows to".into(),
            }),
        }
    }
    if !appended.is_empty() {
        let end = doc_text.len();
        let lead = if doc_text.is_empty() || doc_text.ends_with('\n') {
            ""
        } else {
            newline
        };
        edits.push((end..end, format!("{lead}{appended}")));
    }
    edits.sort_by_key(|(range, _)| (range.start, range.end));
    let text = splice(doc_text, &edits);

    let final_doc = CoverageDoc::parse(&text)?;
    let outcome = refresh(&final_doc, index)?;
    let (text, outcome) = if refresh_all {
        (outcome.text.clone(), outcome)
    } else {
        (text.clone(), outcome)
    };
    let mut plan = report_plan(outcome, text, refresh_all, &onboarded);
    plan.warnings.extend(warnings);
    plan.warnings.sort_by_key(|w| w.line);
    Ok(OnboardPlan { plan, failures })
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
            .find(|(title, _, _)| crate::markdown::plain_text(title) == model.name);
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

/// An existing section for the request: by the marker's repo id, else by normalized name.
/// The section for `request` and why it failed to render, if it did (then the section says
/// the config is unavailable).
fn render_request(
    request: &ModelRequest,
    index: &DefinitionIndex,
    sglang_supports: &dyn Fn(&str) -> bool,
    four_state: bool,
) -> (section::RenderedSection, Option<String>) {
    let text = match &request.config {
        Err(reason) => {
            let shown = crate::markdown::redact_locations(reason);
            let rendered = section::render_unavailable(request, &shown, index, four_state);
            return (rendered, Some(reason.clone()));
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

/// After the summary table's last row (or its delimiter row when it has none), and whether
/// that row lacks a line terminator (the doc ends there).
fn summary_insertion_point(doc: &CoverageDoc) -> Option<(usize, bool)> {
    let summary = doc.summary_heading?;
    let table = doc.blocks[summary + 1..]
        .iter()
        .take_while(|block| !matches!(block, Block::Heading(h) if h.level <= 2))
        .find_map(|block| match block {
            Block::Table(table) => Some(table),
            _ => None,
        })?;
    let last_line = table
        .rows
        .last()
        .map_or(table.header.line + 1, |row| row.line);
    let end = doc.line_with_terminator(last_line).end;
    Some((end, end == doc.lines[last_line].end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thematic_breaks() {
        for line in ["---", "***", "___", "- - -", " ** * ", "-----"] {
            assert!(is_thematic_break(line), "{line:?}");
        }
        for line in ["", "--", "===", "aaa", "-*-", "| --- |", "## A"] {
            assert!(!is_thematic_break(line), "{line:?}");
        }
    }
}
