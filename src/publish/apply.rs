//! Applying a plan through [`GitHub`]: objects first (blob, tree, commit), then the ref, then
//! the pull request and its texts.
//!
//! No ref is moved or deleted without compare-and-swap against the head the run read
//! ([`GitHub::move_branch`], [`GitHub::delete_branch`]). When the branch changed meanwhile the
//! plan is [`Applied::Raced`]: the run reads again and plans again, and a commit by someone
//! else found then pauses the bot (only `--recreate` discards it, and says so). A branch
//! deleted meanwhile is created again by that second plan; a branch that moved while its pull
//! request was being closed is kept, with a note.

use std::io::Write;

use anyhow::{anyhow, Result};
use serde_json::json;

use super::github::{GitHub, GitHubError, RefDelete, RefUpdate};
use super::plan::{self, comment_edits, missing_labels, pull_edits, OpenPull, RemoteState, Step};
use super::render::{self, Notice, COMMENT_MARKER};
use super::{
    content_hash, context, github, preview, render_body, render_comment, Actions, Operation,
    PublishOutcome, PublishPlan, PublishRequest, Texts,
};
use crate::report::Report;

pub(super) enum Applied {
    Done(PublishOutcome),
    /// The branch was created, moved or deleted by someone else between the read and the
    /// write: read the state again.
    Raced,
}

/// One plan being applied: what it needs at hand.
pub(super) struct Apply<'a, W: Write> {
    pub github: &'a GitHub,
    pub request: &'a PublishRequest,
    pub report: &'a Report,
    pub state: &'a RemoteState,
    pub texts: &'a Texts,
    pub actions: &'a mut Actions<W>,
}

impl<W: Write> Apply<'_, W> {
    fn repo(&self) -> &str {
        &self.request.repository
    }

    pub async fn apply(mut self, plan: &PublishPlan) -> Result<Applied> {
        let mut outcome = preview(self.state, plan, self.texts);
        match &plan.step {
            Step::Refuse { .. } | Step::Nothing | Step::PauseBranch => {}
            Step::Close { number } => return self.close(*number, outcome).await,
            Step::MarkNoLongerNeeded { number } | Step::Pause { number } => {
                self.actions.group("track-models: updating the comment")?;
                let existing = self
                    .state
                    .open_pull
                    .as_ref()
                    .map(|p| p.comments.as_slice())
                    .unwrap_or_default();
                let comment = &self.texts.comment;
                upsert_comment(
                    self.github,
                    self.repo(),
                    *number,
                    existing,
                    comment,
                    self.bot(),
                )
                .await?;
            }
            Step::Refresh { .. } => {
                self.actions
                    .group("track-models: updating the pull request")?;
                outcome.warnings = self.finish_pull(open_of(self.state)?, self.texts).await?;
            }
            Step::Create => return self.create(outcome).await,
            Step::Push { .. } if self.request.recreate => return self.recreate(outcome).await,
            Step::Push { .. } => return self.push(outcome).await,
        }
        Ok(Applied::Done(outcome))
    }

    fn bot(&self) -> &str {
        &self.state.bot_login
    }

    /// Comments, closes, and deletes the branch if it is still where the run read it.
    async fn close(&mut self, number: u64, mut outcome: PublishOutcome) -> Result<Applied> {
        let (github, request) = (self.github, self.request);
        let (repo, branch) = (request.repository.as_str(), &request.branch);
        let head = open_of(self.state)?.head_sha.clone();
        // A push since the read makes this a pull request with others' commits: plan again.
        if github.branch_head(repo, branch).await?.as_deref() != Some(head.as_str()) {
            return Ok(Applied::Raced);
        }
        self.actions
            .group("track-models: closing the pull request")?;
        github
            .create_comment(repo, number, &self.texts.close_comment)
            .await?;
        github
            .edit_pull(repo, number, &json!({ "state": "closed" }), "closing")
            .await?;
        outcome.head_sha = None;
        if let RefDelete::Moved(now) = github.delete_branch(repo, branch, &head).await? {
            outcome.note = format!(
                "{}; the branch `{branch}` is kept: it moved to {} during the run",
                outcome.note,
                short(&now)
            );
            outcome.head_sha = Some(now);
        }
        Ok(Applied::Done(outcome))
    }

    /// A commit on the base, the branch created (or a leftover one moved) onto it, and the
    /// pull request opened.
    async fn create(&mut self, mut outcome: PublishOutcome) -> Result<Applied> {
        self.actions.group("track-models: committing")?;
        let tree = doc_tree(self.github, self.request, &self.state.base_tree).await?;
        let sha = commit(self.github, self.request, &tree, &[&self.state.base_head]).await?;
        self.actions.log(&format!("commit {sha}"))?;
        self.actions
            .group("track-models: opening the pull request")?;
        if !self.place_branch(&sha).await? {
            return Ok(Applied::Raced);
        }
        let (pull, warnings) = self.open_pull(self.state, self.texts, &sha).await?;
        outcome.warnings = warnings;
        outcome.pull_request = Some((pull.number, pull.url));
        outcome.head_sha = Some(sha);
        Ok(Applied::Done(outcome))
    }

    /// Points the bot's branch at `sha` for a new pull request: creates it, or moves a
    /// leftover one (a closed pull request's, or a run's that could not open one) if it is
    /// still where the run read it, its commits checked by the plan (the bot's, or
    /// `--recreate`); if GitHub refuses the move because the base changed
    /// `.github/workflows/`, deletes it (same check) and creates it. `Ok(false)`: someone
    /// created, moved or deleted it meanwhile.
    async fn place_branch(&mut self, sha: &str) -> Result<bool> {
        let (github, request) = (self.github, self.request);
        let (repo, branch) = (request.repository.as_str(), &request.branch);
        if let Some(head) = &self.state.branch_head {
            match github.move_branch(repo, branch, head, sha, true).await? {
                RefUpdate::Moved => return Ok(true),
                RefUpdate::Changed => return Ok(false),
                RefUpdate::Gone => {}
                RefUpdate::WorkflowsRefused(_) => {
                    if let RefDelete::Moved(_) = github.delete_branch(repo, branch, head).await? {
                        return Ok(false);
                    }
                }
            }
        }
        github.create_branch(repo, branch, sha).await
    }

    /// A new commit on the current base that is also a fast-forward of the head read (a
    /// merge of both), moved by compare-and-swap; when GitHub refuses to bring in the base's
    /// workflow changes, the doc is committed on top of the branch instead.
    async fn push(&mut self, mut outcome: PublishOutcome) -> Result<Applied> {
        let (github, request) = (self.github, self.request);
        let pull = open_of(self.state)?;
        self.actions.group("track-models: committing")?;
        let tree = doc_tree(github, request, &self.state.base_tree).await?;
        let parents = [self.state.base_head.as_str(), pull.head_sha.as_str()];
        let sha = commit(github, request, &tree, &parents).await?;
        self.actions.log(&format!("commit {sha}"))?;
        self.actions
            .group("track-models: updating the pull request")?;
        let (repo, branch) = (request.repository.as_str(), &request.branch);
        let sha = match github
            .move_branch(repo, branch, &pull.head_sha, &sha, false)
            .await?
        {
            RefUpdate::Moved => sha,
            RefUpdate::Changed | RefUpdate::Gone => return Ok(Applied::Raced),
            RefUpdate::WorkflowsRefused(message) => {
                self.actions.log(&format!(
                    "{message}: committing the doc on top of the branch instead"
                ))?;
                return self.push_on_top(outcome).await;
            }
        };
        outcome.warnings = self.finish_pull(pull, self.texts).await?;
        outcome.head_sha = Some(sha);
        Ok(Applied::Done(outcome))
    }

    /// The doc committed on top of the branch head read (the base's workflow changes stay out),
    /// and the comment says why.
    async fn push_on_top(&mut self, mut outcome: PublishOutcome) -> Result<Applied> {
        let (github, request) = (self.github, self.request);
        let pull = open_of(self.state)?;
        let (repo, branch) = (request.repository.as_str(), &request.branch);
        let head_tree = github.commit_tree(repo, &pull.head_sha).await?;
        let tree = doc_tree(github, request, &head_tree).await?;
        let sha = commit(github, request, &tree, &[&pull.head_sha]).await?;
        match github
            .move_branch(repo, branch, &pull.head_sha, &sha, false)
            .await?
        {
            RefUpdate::Moved => {}
            RefUpdate::Changed | RefUpdate::Gone => return Ok(Applied::Raced),
            RefUpdate::WorkflowsRefused(message) => {
                return Err(anyhow!("moving the branch `{branch}` in {repo}: {message}"))
            }
        }
        let hash = content_hash(&request.generated_doc);
        let ctx = context(github, request, self.state, &hash);
        let kept = Texts {
            comment: render_comment(self.report, &ctx, &Notice::WorkflowsKept),
            ..self.texts.clone()
        };
        outcome.note = plan::NOTE_WORKFLOWS_KEPT.to_string();
        outcome.comment = kept.comment.clone();
        outcome.warnings = self.finish_pull(pull, &kept).await?;
        outcome.head_sha = Some(sha);
        Ok(Applied::Done(outcome))
    }

    /// `--recreate` over a stale pull request: one commit on the base, the branch force-moved
    /// to it if it is still at the head read (the only place others' commits are discarded,
    /// and the plan's note says so; a push since the read is seen by reading again, and
    /// named). When GitHub refuses because the base changed `.github/workflows/`, the branch
    /// is deleted (same check) and created again, which closes the old pull request: a new
    /// one is opened and both say so.
    async fn recreate(&mut self, mut outcome: PublishOutcome) -> Result<Applied> {
        let (github, request) = (self.github, self.request);
        let pull = open_of(self.state)?;
        self.actions.group("track-models: committing")?;
        let tree = doc_tree(github, request, &self.state.base_tree).await?;
        let sha = commit(github, request, &tree, &[&self.state.base_head]).await?;
        self.actions.log(&format!("commit {sha}"))?;
        self.actions
            .group("track-models: rebuilding the branch on the base")?;
        outcome.head_sha = Some(sha.clone());
        outcome.operation = Operation::Updated;
        let (repo, branch) = (request.repository.as_str(), &request.branch);
        match github
            .move_branch(repo, branch, &pull.head_sha, &sha, true)
            .await?
        {
            RefUpdate::Moved => {
                outcome.warnings = self.finish_pull(pull, self.texts).await?;
                return Ok(Applied::Done(outcome));
            }
            RefUpdate::Changed | RefUpdate::Gone => return Ok(Applied::Raced),
            RefUpdate::WorkflowsRefused(message) => {
                self.actions.log(&format!(
                    "{message}: deleting and creating the branch again (this closes #{})",
                    pull.number
                ))?;
            }
        }
        if let RefDelete::Moved(_) = github.delete_branch(repo, branch, &pull.head_sha).await? {
            return Ok(Applied::Raced);
        }
        if !github.create_branch(repo, branch, &sha).await? {
            return Ok(Applied::Raced);
        }
        self.replace_pull(pull, &sha, outcome).await
    }

    /// After `--recreate` deleted the branch (closing `old`): the new pull request, and a
    /// comment on the old one pointing to it.
    async fn replace_pull(
        &mut self,
        old: &OpenPull,
        sha: &str,
        mut outcome: PublishOutcome,
    ) -> Result<Applied> {
        let (github, request) = (self.github, self.request);
        let hash = content_hash(&request.generated_doc);
        let ctx = context(github, request, self.state, &hash);
        let fresh = RemoteState {
            open_pull: None,
            ..self.state.clone()
        };
        let previous = old.number;
        let replaced = Texts {
            body: render_body(self.report, &ctx, None),
            comment: render_comment(self.report, &ctx, &Notice::Replaced { previous }),
            ..self.texts.clone()
        };
        let (new_pull, warnings) = self.open_pull(&fresh, &replaced, sha).await?;
        let superseded = render::render_superseded_comment(&ctx, new_pull.number);
        github
            .create_comment(self.repo(), previous, &superseded)
            .await?;
        outcome.operation = Operation::Created;
        outcome.note = format!(
            "recreated as #{}: rebuilding the branch closed #{previous}",
            new_pull.number
        );
        outcome.pull_request = Some((new_pull.number, new_pull.url));
        outcome.body = replaced.body;
        outcome.comment = replaced.comment;
        outcome.warnings = warnings;
        Ok(Applied::Done(outcome))
    }

    /// Opens the pull request from the branch (or finds the one another run just opened) and
    /// finishes it; returns it with the label warnings.
    async fn open_pull(
        &mut self,
        state: &RemoteState,
        texts: &Texts,
        sha: &str,
    ) -> Result<(OpenPull, Vec<String>)> {
        let (github, request) = (self.github, self.request);
        let created = github
            .create_pull(
                self.repo(),
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
        let warnings = self.finish_pull(&pull, texts).await?;
        Ok((pull, warnings))
    }

    /// Title and body (only when different), the sticky comment, then labels (only missing
    /// ones). Labels come last and never fail the run: their failures come back as warnings.
    async fn finish_pull(&self, pull: &OpenPull, texts: &Texts) -> Result<Vec<String>> {
        let (github, repo) = (self.github, self.repo());
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
        let comments = &pull.comments;
        upsert_comment(
            github,
            repo,
            pull.number,
            comments,
            &texts.comment,
            self.bot(),
        )
        .await?;
        let labels = missing_labels(&pull.labels, &self.request.labels);
        if labels.is_empty() {
            return Ok(Vec::new());
        }
        let Err(error) = github.add_labels(repo, pull.number, &labels).await else {
            return Ok(Vec::new());
        };
        let mut warning = format!("labels {} not added: {error:#}", labels.join(", "));
        let forbidden = error
            .downcast_ref::<GitHubError>()
            .is_some_and(|e| e.status == 403 && e.rate_limited.is_none());
        if forbidden && !warning.contains("issues: write") {
            warning.push_str(&format!("\nhint: {}", github::LABELS_HINT));
        }
        Ok(vec![warning])
    }
}

/// The open pull request a step works on.
fn open_of(state: &RemoteState) -> Result<&OpenPull> {
    state
        .open_pull
        .as_ref()
        .ok_or_else(|| anyhow!("internal: the plan needs an open pull request"))
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
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
    super::gather::listed_pull(github, repo, pull, bot).await
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
