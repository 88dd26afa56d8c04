//! Publishing the regenerated doc as ONE pull request (`--publish`).
//!
//! The shape is a pure core in a thin shell:
//! - [`plan`](plan::plan) decides the operation from what the repository looks like (read
//!   with GET requests only) and the [`PublishRequest`]; [`render`] builds the title, body and
//!   comments from the report. Neither does I/O.
//! - [`publish`] gathers the state (`gather.rs`), plans, and applies the plan (`apply.rs`)
//!   through [`GitHub`], the only code that talks to the API; [`gha`] writes the Actions outputs, summary and annotations.
//!
//! Guarantees:
//! - A dry run makes GET requests only.
//! - A commit is built blobs → tree (on the base tree) → commit (no author, so GitHub signs it)
//!   before any ref points at it: a ref never points at a commit without the doc.
//! - No ref is moved or deleted without compare-and-swap ([`apply`]): the branch is re-read
//!   right before every move or delete and written only when it is where the run read it; an
//!   update is moreover a fast-forward (`force: false`) of a commit that descends from the
//!   head read (a merge of the base head and that head, carrying the base tree plus the doc).
//!   A push made meanwhile makes the run read again and apply the lifecycle (which pauses on
//!   foreign commits); a branch that moved while closing is kept, with a note; a branch
//!   deleted meanwhile is created again. Only `--recreate` force-moves the branch over
//!   others' commits, and says so; a leftover branch (no open pull request) with others'
//!   commits pauses the bot too ([`plan::Step::PauseBranch`]).
//! - When GitHub refuses to bring the base's `.github/workflows/` changes into the branch (no
//!   `workflows` permission), the doc is committed on top of the branch instead; under
//!   `--recreate` the branch is rebuilt and a new pull request opened (GitHub closes the one
//!   whose branch was deleted), and the comments say so.
//! - The sticky comment (and the body) are written before labels; a label failure is a
//!   warning, never an error.
//! - Only `doc_path` is written, never anything under `.github/`.
//! - If the doc on the base head is not the text the generation started from, nothing is
//!   written ([`PublishError::BaseChanged`]).
//! - Commits by others on the branch pause the bot (no push) until `--recreate`.
//! - The token never appears in an error, an outcome or `Debug` output.

mod apply;
mod gather;
pub mod gha;
pub mod github;
pub mod plan;
pub mod render;

use std::fmt;
use std::io::Write;

use anyhow::{anyhow, Result};
use serde::Serialize;

pub use gha::Actions;
pub use github::GitHub;
pub use plan::{PublishPlan, RemoteState, Step};
pub use render::{content_hash, render_body, render_comment, render_title, Notice, RenderContext};

use crate::report::Report;
use apply::{Applied, Apply};
use gather::gather;

/// What to publish and where. Built by the CLI from flags and `GITHUB_*` variables.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    /// `owner/name`.
    pub repository: String,
    /// The bot's branch (`track-models/coverage` by default).
    pub branch: String,
    /// Base branch; `None`: the repository's default branch.
    pub base: Option<String>,
    pub labels: Vec<String>,
    /// Rebuild on the base even over commits by others or a previously closed pull request.
    pub recreate: bool,
    /// GET requests only; the outcome says what would happen.
    pub dry_run: bool,
    /// Repo-relative path of the doc (the only path written).
    pub doc_path: String,
    /// The doc text the generation started from (the checkout of the base).
    pub base_doc: String,
    pub generated_doc: String,
}

/// What a publish did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    None,
    Created,
    Updated,
    Closed,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::None => "none",
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::Closed => "closed",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOutcome {
    pub operation: Operation,
    /// Number and web URL of the bot's pull request, when there is one.
    pub pull_request: Option<(u64, String)>,
    /// The pull request's head commit after the run.
    pub head_sha: Option<String>,
    /// Why the operation is what it is (`previously closed`, `paused: commits by others`, …);
    /// empty when the operation says it all.
    pub note: String,
    /// The PR body as sent (or as it would be sent).
    pub body: String,
    /// The report comment: the sticky comment as sent (or as it would be sent), also the step
    /// summary. When closing, the pull request gets a one-line comment instead.
    pub comment: String,
    /// What went wrong without failing the run (labels that could not be added).
    pub warnings: Vec<String>,
    /// The report for the job summary: the comment's text without GitHub's comment limit.
    pub summary: String,
}

/// Failures a caller may want to tell apart; GitHub API failures are [`GitHubError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The doc on the base head is not the text the generation started from.
    #[error("{0}")]
    BaseChanged(String),
    /// The request cannot be published (bad repository, branch or path).
    #[error("{0}")]
    InvalidRequest(String),
}

impl PublishRequest {
    /// Checks names and the path: `owner/name`, a usable branch different from the base, a
    /// relative doc path outside `.github/`.
    pub fn validate(&self) -> Result<(), PublishError> {
        let invalid = |message: String| Err(PublishError::InvalidRequest(message));
        let name_ok = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match self.repository.split_once('/') {
            Some((owner, name)) if name_ok(owner) && name_ok(name) => {}
            _ => {
                return invalid(format!(
                    "`{}` is not a repository (`owner/name`)\nhint: set `GITHUB_REPOSITORY`",
                    self.repository
                ))
            }
        }
        if !branch_ok(&self.branch) {
            return invalid(format!("`{}` is not a valid branch name", self.branch));
        }
        if let Some(base) = &self.base {
            if !branch_ok(base) {
                return invalid(format!("`{base}` is not a valid branch name"));
            }
            if *base == self.branch {
                return invalid(format!(
                    "the branch `{base}` is also the base\nhint: pass another `--branch`"
                ));
            }
        }
        let path = &self.doc_path;
        let parts: Vec<&str> = path.split('/').collect();
        if path.is_empty()
            || path.contains('\\')
            || parts
                .iter()
                .any(|p| p.is_empty() || *p == "." || *p == "..")
        {
            return invalid(format!("`{path}` is not a repo-relative path of the doc"));
        }
        if parts[0].eq_ignore_ascii_case(".github") {
            return invalid(format!(
                "refusing to write `{path}`: the bot never writes under `.github/`"
            ));
        }
        Ok(())
    }
}

fn branch_ok(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
}

/// Publishes without Actions integration. See [`publish_with_actions`].
pub async fn publish(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
) -> Result<PublishOutcome> {
    publish_with_actions(github, request, report, &mut Actions::disabled()).await
}

/// Masks the token, annotates the report's problems, publishes (one log group per phase),
/// then writes the step outputs and the job summary — or an `::error::` on failure.
pub async fn publish_with_actions<W: Write>(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
    actions: &mut Actions<W>,
) -> Result<PublishOutcome> {
    actions.add_mask(github.secret().expose())?;
    actions.annotate_problems(&report.problems)?;
    actions.annotate_lint(&request.doc_path, &report.lint, report.problems.len())?;
    let result = run(github, request, report, actions).await;
    actions.end_group()?;
    match &result {
        Ok(outcome) => {
            actions.annotate_problems(&outcome.warnings)?;
            actions.set_outputs(&action_outputs(outcome, report))?;
            actions.append_summary(&outcome.summary)?;
            if !outcome.warnings.is_empty() {
                actions.append_summary(&render::render_warnings(&outcome.warnings))?;
            }
        }
        Err(error) => actions.error(&format!("{error:#}"))?,
    }
    result
}

/// The step outputs: `pull-request-number`, `pull-request-url`, `pull-request-operation`,
/// `pull-request-head-sha`, `models-added` and `missing-definitions` (one name a line).
pub fn action_outputs(outcome: &PublishOutcome, report: &Report) -> Vec<(&'static str, String)> {
    let (number, url) = match &outcome.pull_request {
        Some((number, url)) => (number.to_string(), url.clone()),
        None => (String::new(), String::new()),
    };
    let added: Vec<&str> = report
        .added_models()
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    let missing: Vec<&str> = report
        .missing_definitions
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    vec![
        ("pull-request-number", number),
        ("pull-request-url", url),
        ("pull-request-operation", outcome.operation.to_string()),
        (
            "pull-request-head-sha",
            outcome.head_sha.clone().unwrap_or_default(),
        ),
        ("models-added", added.join("\n")),
        ("missing-definitions", missing.join("\n")),
    ]
}

/// The texts for one plan.
#[derive(Clone)]
struct Texts {
    title: String,
    body: String,
    comment: String,
    /// Posted (instead of editing the sticky comment) when closing.
    close_comment: String,
    summary: String,
}

async fn run<W: Write>(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
    actions: &mut Actions<W>,
) -> Result<PublishOutcome> {
    request.validate()?;
    let hash = content_hash(&request.generated_doc);
    actions.group("track-models: reading the repository")?;
    let mut state = gather(github, request).await?;
    // Retries after losing a race (another run created the branch, someone pushed between the
    // read and the ref update): read again and plan again.
    for attempt in 0..3 {
        let plan = plan::plan(&state, request, &hash);
        actions.log(&format!(
            "plan: {}{}",
            plan.operation,
            if plan.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", plan.note)
            }
        ))?;
        if let Step::Refuse { reason } = &plan.step {
            return Err(PublishError::BaseChanged(reason.clone()).into());
        }
        let texts = render_texts(github, request, report, &state, &plan, &hash);
        if request.dry_run {
            return Ok(preview(&state, &plan, &texts));
        }
        let apply = Apply {
            github,
            request,
            report,
            state: &state,
            texts: &texts,
            actions,
        };
        match apply.apply(&plan).await? {
            Applied::Done(outcome) => return Ok(outcome),
            Applied::Raced if attempt < 2 => {
                actions.group("track-models: the branch changed meanwhile; reading again")?;
                state = gather(github, request).await?;
            }
            Applied::Raced => break,
        }
    }
    Err(anyhow!(
        "moving the branch `{}` in {}: it keeps changing while publishing; another run or a \
         person is pushing at the same time",
        request.branch,
        request.repository
    ))
}

fn context<'a>(
    github: &'a GitHub,
    request: &'a PublishRequest,
    state: &'a RemoteState,
    hash: &'a str,
) -> RenderContext<'a> {
    RenderContext {
        repository: &request.repository,
        branch: &request.branch,
        base: &state.base,
        doc_path: &request.doc_path,
        server_url: github.server_url(),
        content_hash: hash,
    }
}

fn render_texts(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
    state: &RemoteState,
    plan: &PublishPlan,
    hash: &str,
) -> Texts {
    let ctx = context(github, request, state, hash);
    let foreign = || {
        state
            .open_pull
            .as_ref()
            .map(|p| p.foreign_commits.clone())
            .unwrap_or_default()
    };
    // The note that the doc sits on top of the branch (the base changed workflows) stays as
    // long as the branch is not rebuilt on the base: a quiet night edits nothing.
    let kept_on_top = state.open_pull.as_ref().is_some_and(|pull| {
        !pull.on_base
            && pull
                .comments
                .first()
                .is_some_and(|c| c.body.contains(render::WORKFLOWS_KEPT_MARK))
    });
    let notice = match plan.step {
        Step::Pause { .. } => Notice::Paused { commits: foreign() },
        Step::MarkNoLongerNeeded { .. } => Notice::NoLongerNeeded { commits: foreign() },
        Step::Refresh { .. } if kept_on_top => Notice::WorkflowsKept,
        _ => Notice::Current,
    };
    let existing = state.open_pull.as_ref().map(|p| p.body.as_str());
    Texts {
        title: render_title(report),
        body: render_body(report, &ctx, existing),
        comment: render_comment(report, &ctx, &notice),
        close_comment: render::render_close_comment(&ctx),
        summary: render::render_summary(report, &ctx),
    }
}

/// The outcome as planned: what a dry run returns, and where applying starts from.
fn preview(state: &RemoteState, plan: &PublishPlan, texts: &Texts) -> PublishOutcome {
    let pull = state.open_pull.as_ref();
    PublishOutcome {
        operation: plan.operation,
        pull_request: pull.map(|p| (p.number, p.url.clone())),
        head_sha: pull.map(|p| p.head_sha.clone()),
        note: plan.note.clone(),
        body: texts.body.clone(),
        comment: texts.comment.clone(),
        warnings: Vec::new(),
        summary: texts.summary.clone(),
    }
}
