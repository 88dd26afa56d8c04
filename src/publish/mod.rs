//! Publishing the regenerated doc as ONE pull request (`--publish`).
//!
//! The shape is a pure core in a thin shell:
//! - [`plan`](plan::plan) decides the operation from what the repository looks like (read
//!   with GET requests only) and the [`PublishRequest`]; [`render`] builds the title, body and
//!   comments from the report. Neither does I/O.
//! - [`publish`] gathers the state, plans, and applies the plan through [`GitHub`], the only
//!   code that talks to the API; [`gha`] writes the Actions outputs, summary and annotations.
//!
//! Guarantees:
//! - A dry run makes GET requests only.
//! - A commit is built blobs → tree (on the base tree) → commit (no author, so GitHub signs it)
//!   before any ref points at it: a ref never points at a commit without the doc.
//! - The branch is moved by compare-and-swap: the new commit descends from the head that was
//!   read (a merge of the base head and that head, carrying the base tree plus the doc), and
//!   the ref update is a fast-forward (`force: false`). A push made meanwhile makes the update
//!   fail; the run reads again and applies the lifecycle (which pauses on foreign commits).
//!   Only `--recreate` force-moves the branch over others' commits.
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

pub mod gha;
pub mod github;
pub mod plan;
pub mod render;

use std::fmt;
use std::io::Write;

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::json;

pub use gha::Actions;
pub use github::{GitHub, GitHubError, RefUpdate};
pub use plan::{plan, PublishPlan, RemoteState, Step};
pub use render::{content_hash, render_body, render_comment, render_title, Notice, RenderContext};

use crate::report::Report;
use plan::{comment_edits, foreign_commits, missing_labels, pull_edits, ClosedPull, OpenPull};
use render::COMMENT_MARKER;

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
        let applied = apply(github, request, report, &state, &plan, &texts, actions).await?;
        match applied {
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

/// Reads everything the planner needs, with GET requests only.
async fn gather(github: &GitHub, request: &PublishRequest) -> Result<RemoteState> {
    let repo = request.repository.as_str();
    let (mut bot_login, assumed) = github.identity_and_source().await?;
    let base = match &request.base {
        Some(base) => base.clone(),
        None => github.default_branch(repo).await?,
    };
    if base == request.branch {
        return Err(PublishError::InvalidRequest(format!(
            "the branch `{base}` is the base of {repo}\nhint: pass another `--branch`"
        ))
        .into());
    }
    let base_head = github.branch_head(repo, &base).await?.ok_or_else(|| {
        PublishError::InvalidRequest(format!("the base branch `{base}` does not exist in {repo}"))
    })?;
    let base_tree = github.commit_tree(repo, &base_head).await?;
    let base_doc = github.file_at(repo, &request.doc_path, &base_head).await?;
    let branch_head = github.branch_head(repo, &request.branch).await?;
    let open = github
        .pulls(repo, &request.branch, "open")
        .await?
        .into_iter()
        .find(|p| p.head.name == request.branch);
    let mut previously_closed = None;
    let open_pull = match open {
        Some(pull) => {
            // Learnt from what the bot created: its pull request's author, when the identity
            // was only assumed (a GitHub App token looks like the Actions token to `GET /user`).
            if let Some(author) = pull.user.as_ref().map(|u| u.login.as_str()) {
                if assumed && author != bot_login && author.ends_with("[bot]") {
                    bot_login = author.to_string();
                }
            }
            let commits = github.pull_commits(repo, pull.number).await?;
            let (_, parents) = github.commit_info(repo, &pull.head.sha).await?;
            let doc = github
                .file_at(repo, &request.doc_path, &pull.head.sha)
                .await?;
            let comments = github
                .sticky_comments(repo, pull.number, &bot_login, COMMENT_MARKER)
                .await?;
            Some(OpenPull {
                number: pull.number,
                url: pull.html_url,
                head_sha: pull.head.sha,
                title: pull.title,
                body: pull.body.unwrap_or_default(),
                labels: pull.labels.into_iter().map(|l| l.name).collect(),
                doc,
                foreign_commits: foreign_commits(&commits, &bot_login),
                comments,
                on_base: parents.first() == Some(&base_head),
            })
        }
        None if request.generated_doc != request.base_doc => {
            previously_closed = github
                .pulls(repo, &request.branch, "closed")
                .await?
                .into_iter()
                .filter(|p| p.head.name == request.branch && p.merged_at.is_none())
                .find_map(|p| {
                    let hash = render::parse_content_hash(p.body.as_deref()?)?.to_string();
                    Some(ClosedPull {
                        number: p.number,
                        content_hash: hash,
                    })
                });
            None
        }
        None => None,
    };
    Ok(RemoteState {
        bot_login,
        base,
        base_head,
        base_tree,
        base_doc,
        branch_head,
        open_pull,
        previously_closed,
    })
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

enum Applied {
    Done(PublishOutcome),
    /// The branch was created or moved by someone else between the read and the write:
    /// read the state again.
    Raced,
}

async fn apply<W: Write>(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
    state: &RemoteState,
    plan: &PublishPlan,
    texts: &Texts,
    actions: &mut Actions<W>,
) -> Result<Applied> {
    let repo = request.repository.as_str();
    let mut outcome = preview(state, plan, texts);
    let open = state.open_pull.as_ref();
    match &plan.step {
        Step::Refuse { .. } | Step::Nothing => {}
        Step::Close { number } => {
            actions.group("track-models: closing the pull request")?;
            github
                .create_comment(repo, *number, &texts.close_comment)
                .await?;
            github
                .edit_pull(repo, *number, &json!({ "state": "closed" }), "closing")
                .await?;
            github.delete_branch(repo, &request.branch).await?;
            outcome.head_sha = None;
        }
        Step::MarkNoLongerNeeded { number } | Step::Pause { number } => {
            actions.group("track-models: updating the comment")?;
            let existing = open.map(|p| p.comments.as_slice()).unwrap_or_default();
            upsert_comment(
                github,
                repo,
                *number,
                existing,
                &texts.comment,
                &state.bot_login,
            )
            .await?;
        }
        Step::Refresh { .. } => {
            let pull = open.ok_or_else(|| anyhow!("internal: refresh without a pull request"))?;
            actions.group("track-models: updating the pull request")?;
            outcome.warnings = finish_pull(github, request, state, pull, texts).await?;
        }
        Step::Create => {
            actions.group("track-models: committing")?;
            let tree = doc_tree(github, request, &state.base_tree).await?;
            let sha = commit(github, request, &tree, &[&state.base_head]).await?;
            actions.log(&format!("commit {sha}"))?;
            actions.group("track-models: opening the pull request")?;
            if !place_branch(github, request, state.branch_head.is_some(), &sha).await? {
                return Ok(Applied::Raced);
            }
            let (pull, warnings) = open_pull(github, request, state, texts, &sha).await?;
            outcome.warnings = warnings;
            outcome.pull_request = Some((pull.number, pull.url));
            outcome.head_sha = Some(sha);
        }
        Step::Push { .. } => {
            let pull = open.ok_or_else(|| anyhow!("internal: push without a pull request"))?;
            actions.group("track-models: committing")?;
            let tree = doc_tree(github, request, &state.base_tree).await?;
            if request.recreate {
                return recreate(github, request, report, state, pull, texts, &tree, actions).await;
            }
            // A merge of the base head and the head read: on the current base, and a
            // fast-forward of the branch, so the update below is a compare-and-swap.
            let sha = commit(github, request, &tree, &[&state.base_head, &pull.head_sha]).await?;
            actions.log(&format!("commit {sha}"))?;
            actions.group("track-models: updating the pull request")?;
            let mut texts = texts;
            let kept;
            let sha = match github
                .update_branch(repo, &request.branch, &sha, false)
                .await?
            {
                RefUpdate::Moved => sha,
                RefUpdate::NotFastForward => return Ok(Applied::Raced),
                RefUpdate::WorkflowsRefused(message) => {
                    actions.log(&format!(
                        "{message}: committing the doc on top of the branch instead"
                    ))?;
                    let head_tree = github.commit_tree(repo, &pull.head_sha).await?;
                    let tree = doc_tree(github, request, &head_tree).await?;
                    let sha = commit(github, request, &tree, &[&pull.head_sha]).await?;
                    match github
                        .update_branch(repo, &request.branch, &sha, false)
                        .await?
                    {
                        RefUpdate::Moved => {}
                        RefUpdate::NotFastForward => return Ok(Applied::Raced),
                        RefUpdate::WorkflowsRefused(message) => {
                            return Err(anyhow!(
                                "moving the branch `{}` in {repo}: {message}",
                                request.branch
                            ))
                        }
                    }
                    let hash = content_hash(&request.generated_doc);
                    let ctx = context(github, request, state, &hash);
                    kept = Texts {
                        comment: render_comment(report, &ctx, &Notice::WorkflowsKept),
                        title: texts.title.clone(),
                        body: texts.body.clone(),
                        close_comment: texts.close_comment.clone(),
                        summary: texts.summary.clone(),
                    };
                    texts = &kept;
                    outcome.note = plan::NOTE_WORKFLOWS_KEPT.to_string();
                    outcome.comment = texts.comment.clone();
                    sha
                }
            };
            outcome.warnings = finish_pull(github, request, state, pull, texts).await?;
            outcome.head_sha = Some(sha);
        }
    }
    Ok(Applied::Done(outcome))
}

/// `--recreate` over a stale pull request: one commit on the base, the branch force-moved to
/// it (the only place others' commits are discarded, and the plan's note says so). When
/// GitHub refuses because the base changed `.github/workflows/`, the branch is deleted and
/// created again, which closes the old pull request: a new one is opened and both say so.
#[allow(clippy::too_many_arguments)]
async fn recreate<W: Write>(
    github: &GitHub,
    request: &PublishRequest,
    report: &Report,
    state: &RemoteState,
    pull: &OpenPull,
    texts: &Texts,
    tree: &str,
    actions: &mut Actions<W>,
) -> Result<Applied> {
    let repo = request.repository.as_str();
    let plan_note = if pull.foreign_commits.is_empty() {
        String::new()
    } else {
        plan::NOTE_RECREATED.to_string()
    };
    let sha = commit(github, request, tree, &[&state.base_head]).await?;
    actions.log(&format!("commit {sha}"))?;
    actions.group("track-models: rebuilding the branch on the base")?;
    let mut outcome = PublishOutcome {
        operation: Operation::Updated,
        pull_request: Some((pull.number, pull.url.clone())),
        head_sha: Some(sha.clone()),
        note: plan_note,
        body: texts.body.clone(),
        comment: texts.comment.clone(),
        warnings: Vec::new(),
        summary: texts.summary.clone(),
    };
    match github
        .update_branch(repo, &request.branch, &sha, true)
        .await?
    {
        RefUpdate::Moved => {
            outcome.warnings = finish_pull(github, request, state, pull, texts).await?;
            return Ok(Applied::Done(outcome));
        }
        RefUpdate::NotFastForward => return Ok(Applied::Raced),
        RefUpdate::WorkflowsRefused(message) => {
            actions.log(&format!(
                "{message}: deleting and creating the branch again (this closes #{})",
                pull.number
            ))?;
        }
    }
    github.delete_branch(repo, &request.branch).await?;
    if !github.create_branch(repo, &request.branch, &sha).await? {
        return Ok(Applied::Raced);
    }
    let hash = content_hash(&request.generated_doc);
    let ctx = context(github, request, state, &hash);
    let fresh = RemoteState {
        open_pull: None,
        ..state.clone()
    };
    let replaced = Texts {
        title: texts.title.clone(),
        body: render_body(report, &ctx, None),
        comment: render_comment(
            report,
            &ctx,
            &Notice::Replaced {
                previous: pull.number,
            },
        ),
        close_comment: texts.close_comment.clone(),
        summary: texts.summary.clone(),
    };
    let (new_pull, warnings) = open_pull(github, request, &fresh, &replaced, &sha).await?;
    github
        .create_comment(
            repo,
            pull.number,
            &render::render_superseded_comment(&ctx, new_pull.number),
        )
        .await?;
    outcome.operation = Operation::Created;
    outcome.note = format!(
        "recreated as #{}: rebuilding the branch closed #{}",
        new_pull.number, pull.number
    );
    outcome.pull_request = Some((new_pull.number, new_pull.url));
    outcome.body = replaced.body;
    outcome.comment = replaced.comment;
    outcome.warnings = warnings;
    Ok(Applied::Done(outcome))
}

/// Points the bot's branch at `sha` for a new pull request: creates it, or, when a branch is
/// left over (a closed pull request, or a run that could not open one), moves it there; if
/// GitHub refuses the move because the base changed `.github/workflows/`, deletes and
/// creates it. `Ok(false)`: another run created the branch meanwhile.
async fn place_branch(
    github: &GitHub,
    request: &PublishRequest,
    exists: bool,
    sha: &str,
) -> Result<bool> {
    let repo = request.repository.as_str();
    if exists {
        // No open pull request uses it: the bot owns the branch name.
        match github
            .update_branch(repo, &request.branch, sha, true)
            .await?
        {
            RefUpdate::Moved => return Ok(true),
            RefUpdate::NotFastForward => return Ok(false),
            RefUpdate::WorkflowsRefused(_) => {
                github.delete_branch(repo, &request.branch).await?;
            }
        }
    }
    github.create_branch(repo, &request.branch, sha).await
}

/// Opens the pull request from the branch (or finds the one another run just opened) and
/// finishes it; returns it with the label warnings.
async fn open_pull(
    github: &GitHub,
    request: &PublishRequest,
    state: &RemoteState,
    texts: &Texts,
    sha: &str,
) -> Result<(OpenPull, Vec<String>)> {
    let repo = request.repository.as_str();
    let created = github
        .create_pull(
            repo,
            &request.branch,
            &state.base,
            &texts.title,
            &texts.body,
        )
        .await?;
    let pull = match created {
        Some(created) => OpenPull {
            number: created.number,
            url: created.html_url,
            head_sha: sha.to_string(),
            title: created.title,
            body: created.body.unwrap_or_default(),
            labels: created.labels.into_iter().map(|l| l.name).collect(),
            ..OpenPull::default()
        },
        // Another run opened it a moment ago.
        None => existing_pull(github, request, &state.bot_login).await?,
    };
    let warnings = finish_pull(github, request, state, &pull, texts).await?;
    Ok((pull, warnings))
}

/// A tree that is `base_tree` with the doc set to the generated text.
async fn doc_tree(github: &GitHub, request: &PublishRequest, base_tree: &str) -> Result<String> {
    let repo = request.repository.as_str();
    let blob = github
        .create_blob(repo, &request.doc_path, &request.generated_doc)
        .await?;
    github
        .create_tree(repo, base_tree, &request.doc_path, &blob)
        .await
}

/// The commit of `tree` on `parents`. Nothing points at it yet.
async fn commit(
    github: &GitHub,
    request: &PublishRequest,
    tree: &str,
    parents: &[&str],
) -> Result<String> {
    let message = format!(
        "docs: update model coverage\n\nRegenerated `{}` with track-models.",
        request.doc_path
    );
    github
        .create_commit(&request.repository, &message, tree, parents)
        .await
}

/// Title and body (only when different), the sticky comment, then labels (only missing
/// ones). Labels come last and never fail the run: their failures come back as warnings.
async fn finish_pull(
    github: &GitHub,
    request: &PublishRequest,
    state: &RemoteState,
    pull: &OpenPull,
    texts: &Texts,
) -> Result<Vec<String>> {
    let repo = request.repository.as_str();
    let (title, body) = pull_edits(pull, &texts.title, &texts.body);
    if title.is_some() || body.is_some() {
        let mut changes = serde_json::Map::new();
        if let Some(title) = title {
            changes.insert("title".into(), title.into());
        }
        if let Some(body) = body {
            changes.insert("body".into(), body.into());
        }
        github
            .edit_pull(repo, pull.number, &changes.into(), "editing")
            .await?;
    }
    upsert_comment(
        github,
        repo,
        pull.number,
        &pull.comments,
        &texts.comment,
        &state.bot_login,
    )
    .await?;
    let mut warnings = Vec::new();
    let labels = missing_labels(&pull.labels, &request.labels);
    if !labels.is_empty() {
        if let Err(error) = github.add_labels(repo, pull.number, &labels).await {
            let mut warning = format!("labels {} not added: {error:#}", labels.join(", "));
            let forbidden = error
                .downcast_ref::<GitHubError>()
                .is_some_and(|e| e.status == 403 && e.retry_after.is_none());
            if forbidden && !warning.contains("issues: write") {
                warning.push_str(&format!("\nhint: {}", github::LABELS_HINT));
            }
            warnings.push(warning);
        }
    }
    Ok(warnings)
}

/// The open pull request another run just opened from the branch.
async fn existing_pull(github: &GitHub, request: &PublishRequest, bot: &str) -> Result<OpenPull> {
    let repo = request.repository.as_str();
    let pull = github
        .pulls(repo, &request.branch, "open")
        .await?
        .into_iter()
        .find(|p| p.head.name == request.branch)
        .ok_or_else(|| {
            anyhow!(
                "opening the pull request from `{}` in {repo}: GitHub says one exists, but none \
                 is open",
                request.branch
            )
        })?;
    let comments = github
        .sticky_comments(repo, pull.number, bot, COMMENT_MARKER)
        .await?;
    Ok(OpenPull {
        number: pull.number,
        url: pull.html_url,
        head_sha: pull.head.sha,
        title: pull.title,
        body: pull.body.unwrap_or_default(),
        labels: pull.labels.into_iter().map(|l| l.name).collect(),
        comments,
        ..OpenPull::default()
    })
}

/// Makes the bot's sticky comment read `text`: edit only when different, delete duplicates
/// (keeping the oldest), and after creating one, look again in case a concurrent run created
/// another.
async fn upsert_comment(
    github: &GitHub,
    repo: &str,
    number: u64,
    existing: &[plan::StickyComment],
    text: &str,
    bot: &str,
) -> Result<()> {
    let edits = comment_edits(existing, text);
    for id in &edits.delete {
        github.delete_comment(repo, *id).await?;
    }
    if let Some(id) = edits.update {
        github.update_comment(repo, id, text).await?;
    }
    if edits.create {
        github.create_comment(repo, number, text).await?;
        let now = github
            .sticky_comments(repo, number, bot, COMMENT_MARKER)
            .await?;
        if now.len() > 1 {
            let again = comment_edits(&now, text);
            for id in &again.delete {
                github.delete_comment(repo, *id).await?;
            }
            if let Some(id) = again.update {
                github.update_comment(repo, id, text).await?;
            }
        }
    }
    Ok(())
}
