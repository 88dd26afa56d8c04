//! The pull request's title and body, the sticky comment and the closing comment, built by pure
//! functions from the report and a little context (release-plz style): no I/O, no clock.
//!
//! Everything from outside (model names, repo ids, summary labels, problems) goes through
//! [`escape_inline`] or [`code_span`], so a hostile name cannot break a table, open HTML/JSX
//! or ping anyone. The bot's part of the body sits between hidden markers; text people add
//! outside them survives every edit. A hidden state marker records the hash of the generated
//! doc, so a later run can tell which content a (closed) pull request carried.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::markdown::{code_span, escape_inline};
use crate::report::Report;
use crate::status::SummaryLabel;

/// Opens the bot's part of the PR body.
pub const BODY_START: &str = "<!-- track-models:start -->";
/// Closes the bot's part of the PR body.
pub const BODY_END: &str = "<!-- track-models:end -->";
/// Identifies the sticky comment (together with its author).
pub const COMMENT_MARKER: &str = "<!-- track-models:comment -->";
const STATE_PREFIX: &str = "<!-- track-models:state content=";
const STATE_SUFFIX: &str = " -->";

/// GitHub rejects bodies and comments over 65,536 characters; stay well under.
pub const MAX_CHARS: usize = 60_000;

/// Lists longer than this are folded in `<details>` in the comment.
const FOLD_AFTER: usize = 5;

/// Where the rendered text points and what it says about the branch.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// `owner/name`.
    pub repository: &'a str,
    pub branch: &'a str,
    pub base: &'a str,
    /// Repo-relative path of the doc.
    pub doc_path: &'a str,
    /// Web root, e.g. `https://github.com` (links in truncated texts).
    pub server_url: &'a str,
    /// [`content_hash`] of the generated doc.
    pub content_hash: &'a str,
}

/// What the sticky comment says about the state of the pull request, besides the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The pull request carries (or will carry) the generated doc.
    Current,
    /// Others committed to the branch and the doc is out of date: the bot did not push.
    Paused { commits: Vec<ForeignCommit> },
    /// The base already has the generated doc, but others committed to the branch, so the bot
    /// leaves the pull request open.
    NoLongerNeeded { commits: Vec<ForeignCommit> },
    /// The base changed `.github/workflows/`, which the token may not bring into the branch:
    /// the doc was committed on top of the branch instead of on the base.
    WorkflowsKept,
    /// `--recreate` had to delete the branch (the base changed `.github/workflows/`), which
    /// closed pull request `previous`; this one replaces it.
    Replaced { previous: u64 },
}

/// A commit on the bot's branch made by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignCommit {
    pub sha: String,
    /// Login (or name, when the commit has no GitHub user) of the author or committer that is
    /// not the bot.
    pub who: String,
}

/// Stable hash of the generated doc: `sha256:` and 64 lowercase hex digits.
pub fn content_hash(doc: &str) -> String {
    let digest = Sha256::digest(doc.as_bytes());
    let mut out = String::from("sha256:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The content hash recorded in a body's state marker, if any.
pub fn parse_content_hash(body: &str) -> Option<&str> {
    let start = body.find(STATE_PREFIX)? + STATE_PREFIX.len();
    let rest = &body[start..];
    let end = rest.find(STATE_SUFFIX)?;
    Some(rest[..end].trim())
}

/// The pull request title: stable wording, the number of added models when there are any.
pub fn render_title(report: &Report) -> String {
    let added = report.added_models().len();
    match added {
        0 => "docs: update model coverage".to_string(),
        1 => "docs: update model coverage (1 model added)".to_string(),
        n => format!("docs: update model coverage ({n} models added)"),
    }
}

/// The full PR body: `existing` with its bot section replaced (text outside the markers kept
/// byte for byte), or the bot section alone for a new pull request. At most [`MAX_CHARS`]
/// characters as long as the text people added leaves room.
pub fn render_body(report: &Report, ctx: &RenderContext<'_>, existing: Option<&str>) -> String {
    let (before, after) = match existing.and_then(split_body) {
        Some((before, _, after)) => (before.to_string(), after.to_string()),
        None => match existing.map(str::trim_end).filter(|s| !s.is_empty()) {
            // Markers removed by hand: keep the people's text, put ours after it.
            Some(text) => (format!("{text}\n\n"), String::new()),
            None => (String::new(), String::new()),
        },
    };
    // People's text keeps at most what leaves the bot's section `MIN_SECTION` characters;
    // beyond that it is cut (the end first), so the body never passes GitHub's limit.
    let room = MAX_CHARS - MIN_SECTION;
    let after = cut_people_text(
        &after,
        room.saturating_sub(before.chars().count().min(room)),
    );
    let before = cut_people_text(&before, room - after.chars().count());
    let outside = before.chars().count() + after.chars().count();
    let budget = MAX_CHARS.saturating_sub(outside);
    let section = render_section(report, ctx, budget);
    format!("{before}{section}{after}")
}

/// Room always left to the bot's section of the body.
const MIN_SECTION: usize = 4_000;

/// Text people wrote in the body, cut to `limit` characters with a note when longer.
fn cut_people_text(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let note = "\n\n… (text cut here: a pull request body holds at most 65,536 characters)\n\n";
    let keep = limit.saturating_sub(note.chars().count());
    let cut = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(index, _)| index);
    format!("{}{note}", &text[..cut])
}

/// The bot's part of the body, markers included, at most `budget` characters.
pub fn render_section(report: &Report, ctx: &RenderContext<'_>, budget: usize) -> String {
    let head = format!(
        "{BODY_START}\n{STATE_PREFIX}{}{STATE_SUFFIX}\n",
        ctx.content_hash
    );
    let mut text = format!(
        "Refreshes {} from the model sources and the flashinfer-trace dataset.\n\n",
        code_span(ctx.doc_path)
    );
    text.push_str(&render_delta(report, false));
    let footer = format!(
        "\n\n---\n\n<sub>Generated by track-models on {base}; each run keeps this pull request up \
         to date. **To pause it**, push a commit of your own to {branch}: the bot then stops \
         pushing and says so in its comment. **To resume**, rebuilding the branch on {base} and \
         dropping other commits, run `track-models --publish --recreate` (or the workflow with \
         its `recreate` input). Closing this pull request without merging stops the bot from \
         opening it again with the same content.</sub>\n{BODY_END}",
        base = code_span(ctx.base),
        branch = code_span(ctx.branch),
    );
    let fixed = head.chars().count() + footer.chars().count();
    let text = truncate(text.trim_end(), budget.saturating_sub(fixed), ctx);
    format!("{head}{}{footer}", text.trim_end())
}

/// The sticky comment: marker, notice, summary delta, a Mermaid chart of the model labels
/// before and after, the missing definitions grouped by op type (long groups folded) and the
/// problems. Also what goes to the Actions step summary.
pub fn render_comment(report: &Report, ctx: &RenderContext<'_>, notice: &Notice) -> String {
    render_report(report, ctx, notice, MAX_CHARS - 1)
}

/// The job summary holds up to 1 MiB per step: the report in full, as far as that goes.
pub const SUMMARY_MAX_CHARS: usize = 250_000;

/// The report for the job summary: the comment's text with a much larger limit, so a comment
/// cut to GitHub's size can point at it.
pub fn render_summary(report: &Report, ctx: &RenderContext<'_>) -> String {
    render_report(report, ctx, &Notice::Current, SUMMARY_MAX_CHARS)
}

fn render_report(
    report: &Report,
    ctx: &RenderContext<'_>,
    notice: &Notice,
    limit: usize,
) -> String {
    let mut out = format!("{COMMENT_MARKER}\n## Model coverage\n\n");
    out.push_str(&render_notice(notice, ctx));
    out.push_str(&render_delta(report, true));
    out.push_str(&render_chart(report));
    // What to write next: the ranking, the closest models and the trend (`crate::next`).
    out.push_str(&report.what_to_write_next_markdown(true));
    out.push_str(&render_missing(report));
    out.push_str(&crate::lint::render_markdown(&report.lint));
    out.push_str(&render_problems(report));
    let mut out = truncate(out.trim_end_matches('\n'), limit, ctx);
    out.truncate(out.trim_end_matches('\n').len());
    out.push('\n');
    out
}

/// The one-line comment posted when the bot closes its pull request.
pub fn render_close_comment(ctx: &RenderContext<'_>) -> String {
    format!(
        "{} on {} already matches what track-models generates, so this pull request is no \
         longer needed; closing it and deleting {}.",
        code_span(ctx.doc_path),
        code_span(ctx.base),
        code_span(ctx.branch)
    )
}

/// Splits a body into (before, bot section with markers, after), if both markers are there
/// in order.
pub fn split_body(body: &str) -> Option<(&str, &str, &str)> {
    let start = body.find(BODY_START)?;
    let end = start + body[start..].find(BODY_END)? + BODY_END.len();
    Some((&body[..start], &body[start..end], &body[end..]))
}

/// The models the report added, in report order.
fn render_notice(notice: &Notice, ctx: &RenderContext<'_>) -> String {
    let base = code_span(ctx.base);
    let branch = code_span(ctx.branch);
    match notice {
        Notice::Current => String::new(),
        Notice::Paused { commits } => format!(
            "> [!WARNING]\n> **Paused.** {branch} has commits by others ({}), so the bot did \
             not push the refreshed doc below. To resume, throwing those commits away and \
             rebuilding the branch on {base}, run `track-models --publish --recreate` or the \
             workflow with its `recreate` input.\n\n",
            commit_list(commits)
        ),
        Notice::NoLongerNeeded { commits } => format!(
            "> [!NOTE]\n> **No longer needed.** {} on {base} already matches what track-models \
             generates. {branch} has commits by others ({}), so the bot leaves this pull \
             request open: close it when it is done.\n\n",
            code_span(ctx.doc_path),
            commit_list(commits)
        ),
        Notice::WorkflowsKept => format!(
            "> [!NOTE]\n> {base} {WORKFLOWS_KEPT_MARK}, and GitHub lets only \
             a token with the `workflows` permission bring such changes into a branch. The \
             refreshed doc is committed on top of {branch} instead of on the current {base}; \
             the pull request still changes only {}.\n\n",
            code_span(ctx.doc_path)
        ),
        Notice::Replaced { previous } => format!(
            "> [!NOTE]\n> Replaces #{previous}: `--recreate` rebuilt {branch} on {base}, and \
             because {base} changed files under `.github/workflows/` (which the token may not \
             bring into an existing branch) the branch was deleted and created again, which \
             closed #{previous}.\n\n"
        ),
    }
}

/// The words of [`Notice::WorkflowsKept`] a later run recognises it by.
pub const WORKFLOWS_KEPT_MARK: &str = "changed files under `.github/workflows/`";

/// Posted on a pull request closed by `--recreate` deleting its branch.
pub fn render_superseded_comment(ctx: &RenderContext<'_>, replacement: u64) -> String {
    format!(
        "`--recreate` rebuilt {} on {} by deleting and creating it again (the base changed \
         `.github/workflows/`), which closed this pull request. It continues in #{replacement}.",
        code_span(ctx.branch),
        code_span(ctx.base)
    )
}

/// The run's warnings for the job summary.
pub fn render_warnings(warnings: &[String]) -> String {
    let mut out = format!("### Warnings ({})\n\n", warnings.len());
    for warning in warnings {
        let _ = writeln!(out, "- {}", escape_inline(&warning.replace('\n', " ")));
    }
    out
}

fn commit_list(commits: &[ForeignCommit]) -> String {
    let mut shown: Vec<String> = commits
        .iter()
        .take(5)
        .map(|c| format!("{} by {}", short_sha(&c.sha), code_span(&c.who)))
        .collect();
    if commits.len() > 5 {
        shown.push(format!("{} more", commits.len() - 5));
    }
    shown.join(", ")
}

fn short_sha(sha: &str) -> String {
    code_span(&sha.chars().take(7).collect::<String>())
}

/// Models added, labels changed (before → after) and the totals tables.
fn render_delta(report: &Report, fold: bool) -> String {
    let mut out = String::new();
    let added = report.added_models();
    if !added.is_empty() {
        let list = report.added_models_list();
        let _ = writeln!(out, "### Models added ({})\n", added.len());
        out.push_str(&maybe_fold(
            &list,
            added.len(),
            &format!("{} models", added.len()),
            fold,
        ));
        out.push('\n');
    }
    let changed = report.changed_labels();
    let _ = writeln!(out, "### Summary labels changed ({})\n", changed.len());
    if changed.is_empty() {
        out.push_str("No model changed its summary label.\n\n");
    } else {
        let table = report.changed_labels_table();
        out.push_str(&maybe_fold(
            &table,
            changed.len(),
            &format!("{} models", changed.len()),
            fold,
        ));
        out.push('\n');
    }
    out.push_str(&report.totals_markdown());
    out
}

fn label_counts(totals: &BTreeMap<SummaryLabel, usize>) -> [usize; 3] {
    SummaryLabel::ALL.map(|label| totals.get(&label).copied().unwrap_or(0))
}

/// A Mermaid `xychart-beta` bar chart: models per summary label, before and after.
fn render_chart(report: &Report) -> String {
    let (before, after) = report.label_totals();
    let before = label_counts(&before);
    let after = label_counts(&after);
    let values = [
        before[0], after[0], before[1], after[1], before[2], after[2],
    ];
    let top = values.iter().copied().max().unwrap_or(0).max(1);
    let bars: Vec<String> = values.iter().map(usize::to_string).collect();
    format!(
        "```mermaid\nxychart-beta\n    title \"Models by coverage label, before and after\"\n    \
         x-axis [\"✅ before\", \"✅ after\", \"🟡 before\", \"🟡 after\", \"❌ before\", \"❌ after\"]\n    \
         y-axis \"Models\" 0 --> {top}\n    bar [{}]\n```\n\n",
        bars.join(", ")
    )
}

/// Missing definitions grouped by op type with the models that need each; groups longer than
/// [`FOLD_AFTER`] are folded.
fn render_missing(report: &Report) -> String {
    let missing = &report.missing_definitions;
    let mut out = format!("### Missing definitions ({})\n\n", missing.len());
    if missing.is_empty() {
        out.push_str("None: every concrete definition the doc lists exists.\n\n");
        return out;
    }
    let mut by_op: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for definition in missing {
        by_op
            .entry(&definition.op_type)
            .or_default()
            .push(definition);
    }
    for (op_type, list) in by_op {
        let op = if op_type.is_empty() {
            "(no op type)"
        } else {
            op_type
        };
        let mut items = String::new();
        for definition in &list {
            let models: Vec<String> = definition.models.iter().map(|m| escape_inline(m)).collect();
            let _ = writeln!(
                items,
                "- {} — {}",
                code_span(&definition.name),
                models.join(", ")
            );
        }
        if list.len() > FOLD_AFTER {
            let _ = write!(
                out,
                "<details><summary><code>{}</code> ({})</summary>\n\n{items}\n</details>\n\n",
                html_escape(op),
                list.len()
            );
        } else {
            let _ = write!(out, "#### {} ({})\n\n{items}\n", code_span(op), list.len());
        }
    }
    out
}

fn render_problems(report: &Report) -> String {
    if report.problems.is_empty() {
        return String::new();
    }
    let mut items = String::new();
    for problem in &report.problems {
        let _ = writeln!(items, "- {}", escape_inline(problem));
    }
    let mut out = format!("### Problems ({})\n\n", report.problems.len());
    out.push_str(&maybe_fold(
        &items,
        report.problems.len(),
        &format!("{} problems", report.problems.len()),
        true,
    ));
    out.push('\n');
    out
}

fn maybe_fold(block: &str, len: usize, summary: &str, fold: bool) -> String {
    if fold && len > FOLD_AFTER {
        format!(
            "<details><summary>{}</summary>\n\n{block}\n</details>\n",
            html_escape(summary)
        )
    } else {
        block.to_string()
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("&#64;"),
            _ => out.push(c),
        }
    }
    out
}

/// Cuts `text` at a line end so that it and a pointer to the full report fit in `limit`
/// characters. Every `<details>` left open by the cut is closed, so the note is visible.
fn truncate(text: &str, limit: usize, ctx: &RenderContext<'_>) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let link = format!(
        "{}/{}/blob/{}/{}",
        ctx.server_url.trim_end_matches('/'),
        ctx.repository,
        ctx.branch,
        ctx.doc_path
    );
    let tail = format!(
        "\n\n> [!NOTE]\n> Truncated to fit GitHub's size limit: the full report is in the \
         job summary of the workflow run, and the doc is [{}]({link}) on {}.\n",
        escape_inline(ctx.doc_path),
        code_span(ctx.branch)
    );
    // Room for closing every `<details>` the cut could leave open.
    let closers = "\n</details>\n".chars().count() * text.matches("<details").count();
    let keep = limit.saturating_sub(tail.chars().count() + closers);
    let cut = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(index, _)| index);
    let cut = text[..cut].rfind('\n').map_or(cut, |line_end| line_end + 1);
    let mut kept = text[..cut].trim_end_matches('\n').to_string();
    let open = kept.matches("<details").count();
    let closed = kept.matches("</details>").count();
    for _ in closed..open {
        kept.push_str("\n</details>\n");
    }
    format!("{}{tail}", kept.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RenderContext<'static> {
        RenderContext {
            repository: "o/r",
            branch: "track-models/coverage",
            base: "main",
            doc_path: "docs/model_coverage.mdx",
            server_url: "https://github.com",
            content_hash: "sha256:ab",
        }
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            content_hash("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn state_marker_round_trips_and_people_text_survives() {
        let report = Report::default();
        let first = render_body(&report, &ctx(), None);
        assert!(first.starts_with(BODY_START));
        assert!(first.ends_with(BODY_END));
        assert_eq!(parse_content_hash(&first), Some("sha256:ab"));
        let edited = format!("Reviewer note.\n\n{first}\n\nFixes #12\n");
        let again = render_body(&report, &ctx(), Some(&edited));
        assert_eq!(again, edited);
    }

    #[test]
    fn markers_removed_by_hand_keep_the_text() {
        let body = render_body(&Report::default(), &ctx(), Some("Just my words\n"));
        assert!(body.starts_with("Just my words\n\n<!-- track-models:start -->"));
    }

    #[test]
    fn truncation_keeps_the_limit_and_links_the_file() {
        let text = "line\n".repeat(200);
        let cut = truncate(&text, 500, &ctx());
        assert!(cut.chars().count() <= 500, "{}", cut.chars().count());
        assert!(cut.ends_with(
            "the doc is [docs/model\\_coverage.mdx](https://github.com/o/r/blob/track-models/coverage/docs/model_coverage.mdx) on `track-models/coverage`.\n"
        ), "{cut}");
        assert!(cut.starts_with("line\nline\n"));
    }

    #[test]
    fn truncation_closes_every_open_details_before_the_note() {
        let mut text = String::from("## Report\n\n<details><summary>a</summary>\n\n");
        text.push_str("<details><summary>b</summary>\n\n");
        text.push_str(&"- é item ✅\n".repeat(500));
        text.push_str("</details>\n</details>\n");
        let cut = truncate(&text, 1_000, &ctx());
        assert!(cut.chars().count() <= 1_000, "{}", cut.chars().count());
        assert_eq!(cut.matches("<details>").count(), 2);
        assert_eq!(cut.matches("</details>").count(), 2);
        let note = cut.find("> [!NOTE]").unwrap();
        assert!(cut.rfind("</details>").unwrap() < note, "{cut}");
    }

    #[test]
    fn people_text_is_cut_so_the_body_fits() {
        let huge = format!("{}\n{}", "x".repeat(50_000), "y".repeat(50_000));
        let first = render_body(&Report::default(), &ctx(), None);
        let edited = format!("{huge}\n\n{first}\n\n{huge}");
        let body = render_body(&Report::default(), &ctx(), Some(&edited));
        assert!(
            body.chars().count() <= MAX_CHARS,
            "{}",
            body.chars().count()
        );
        assert!(body.contains(BODY_START) && body.contains(BODY_END));
        assert!(body.contains("text cut here"));
        // Stable: a second run over what the first sent changes nothing.
        assert_eq!(render_body(&Report::default(), &ctx(), Some(&body)), body);
    }
}
