//! Git data: commits, trees, blobs and files, and the bot's branch ref.
//!
//! No ref is moved or deleted without compare-and-swap: [`GitHub::move_branch`] and
//! [`GitHub::delete_branch`] re-read the branch right before writing and write only when it
//! is still where the run read it; a move that is not forced is also a fast-forward GitHub
//! checks itself (`force: false`), and a forced move or a delete goes through GraphQL
//! `updateRefs` with `beforeOid` (`super::graphql`), so a push landing between the re-read
//! and the write fails the write instead of being overwritten or deleted.

use anyhow::{bail, Result};
use serde::Deserialize;
use serde_json::json;

use super::error::{is_workflow_refusal, message_of};
use super::pulls::CommitItem;
use super::{encode_path, encode_query, parse, short, GitHub, Method};
use crate::publish::plan::CommitIdentity;

/// What moving a branch with a compare-and-swap came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefUpdate {
    Moved,
    /// The branch is no longer where it was read (someone pushed): nothing was moved.
    Changed,
    /// The branch was deleted meanwhile: nothing was moved.
    Gone,
    /// GitHub refused because the change touches `.github/workflows/` and the token may not;
    /// GitHub's message.
    WorkflowsRefused(String),
}

/// What deleting the bot's branch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefDelete {
    Deleted,
    /// Already gone.
    Gone,
    /// The branch moved to this commit since it was read: not deleted.
    Moved(String),
}

/// Commits of a comparison read at most (one page); more count as unread.
const MAX_COMPARED: usize = 100;

/// Reads.
impl GitHub {
    /// The commit a branch points at, `None` when the branch does not exist.
    pub async fn branch_head(&self, repo: &str, branch: &str) -> Result<Option<String>> {
        #[derive(Deserialize)]
        struct Ref {
            object: Object,
        }
        #[derive(Deserialize)]
        struct Object {
            sha: String,
        }
        let call = format!("reading the branch `{branch}` of {repo}");
        let path = format!("/repos/{repo}/git/ref/heads/{}", encode_path(branch));
        let reply = self.send(Method::Get, &path, None, false, &call).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = self.require(reply, &call, &[])?;
        let sha = parse::<Ref>(&reply.text, &call)?.object.sha;
        if !crate::ident::is_git_sha(&sha) {
            bail!(
                "{call}: GitHub answered `{}`, not a commit id",
                crate::ident::echo(&sha)
            );
        }
        Ok(Some(sha))
    }

    /// The tree of a commit.
    pub async fn commit_tree(&self, repo: &str, sha: &str) -> Result<String> {
        Ok(self.commit_info(repo, sha).await?.0)
    }

    /// The tree and the parents of a commit.
    pub async fn commit_info(&self, repo: &str, sha: &str) -> Result<(String, Vec<String>)> {
        #[derive(Deserialize)]
        struct Commit {
            tree: Sha,
            #[serde(default)]
            parents: Vec<Sha>,
        }
        #[derive(Deserialize)]
        struct Sha {
            sha: String,
        }
        let call = format!("reading the commit `{}` of {repo}", short(sha));
        let reply = self
            .get_ok(&format!("/repos/{repo}/git/commits/{sha}"), &call, &[])
            .await?;
        let commit = parse::<Commit>(&reply.text, &call)?;
        Ok((
            commit.tree.sha,
            commit.parents.into_iter().map(|p| p.sha).collect(),
        ))
    }

    /// A file's text at a commit, `None` when it is not there.
    pub async fn file_at(&self, repo: &str, path: &str, sha: &str) -> Result<Option<String>> {
        let call = format!("reading `{path}` at `{}` of {repo}", short(sha));
        let uri = format!(
            "/repos/{repo}/contents/{}?ref={}",
            encode_path(path),
            encode_query(sha)
        );
        let reply = self.send(Method::Get, &uri, None, true, &call).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        Ok(Some(self.require(reply, &call, &[])?.text))
    }

    /// The commits `head` has and `base` lacks (`GET /compare/base...head`, one page of
    /// [`MAX_COMPARED`]), and how many more there are that were not read.
    pub async fn commits_between(
        &self,
        repo: &str,
        base: &str,
        head: &str,
    ) -> Result<(Vec<CommitIdentity>, usize)> {
        #[derive(Deserialize)]
        struct Comparison {
            #[serde(default)]
            total_commits: usize,
            #[serde(default)]
            commits: Vec<CommitItem>,
        }
        let call = format!(
            "comparing `{}` with `{}` in {repo}",
            short(base),
            short(head)
        );
        let uri = format!("/repos/{repo}/compare/{base}...{head}?per_page={MAX_COMPARED}");
        let reply = self.get_ok(&uri, &call, &[]).await?;
        let comparison = parse::<Comparison>(&reply.text, &call)?;
        let read = comparison.commits.len().min(MAX_COMPARED);
        let commits: Vec<CommitIdentity> = comparison
            .commits
            .into_iter()
            .take(MAX_COMPARED)
            .map(CommitItem::into_identity)
            .collect();
        Ok((commits, comparison.total_commits.saturating_sub(read)))
    }
}

/// Writes: objects first, refs last.
impl GitHub {
    pub async fn create_blob(&self, repo: &str, path: &str, content: &str) -> Result<String> {
        let call = format!("creating the blob for `{path}` in {repo}");
        let body = json!({ "content": content, "encoding": "utf-8" });
        self.post_for_sha(&format!("/repos/{repo}/git/blobs"), &body, &call)
            .await
    }

    /// A tree that is `base_tree` with `path` set to `blob`.
    pub async fn create_tree(
        &self,
        repo: &str,
        base_tree: &str,
        path: &str,
        blob: &str,
    ) -> Result<String> {
        let call = format!("creating the tree for {repo}");
        let body = json!({
            "base_tree": base_tree,
            "tree": [{ "path": path, "mode": "100644", "type": "blob", "sha": blob }],
        });
        self.post_for_sha(&format!("/repos/{repo}/git/trees"), &body, &call)
            .await
    }

    /// A commit with no author or committer set, so GitHub attributes it to the token and
    /// signs it.
    pub async fn create_commit(
        &self,
        repo: &str,
        message: &str,
        tree: &str,
        parents: &[&str],
    ) -> Result<String> {
        let call = format!("creating the commit for {repo}");
        let body = json!({ "message": message, "tree": tree, "parents": parents });
        self.post_for_sha(&format!("/repos/{repo}/git/commits"), &body, &call)
            .await
    }

    /// Creates `refs/heads/{branch}`; `Ok(false)` when it already exists (creating is its own
    /// compare-and-swap: GitHub refuses an existing ref).
    pub async fn create_branch(&self, repo: &str, branch: &str, sha: &str) -> Result<bool> {
        let call = format!("creating the branch `{branch}` in {repo}");
        let body = json!({ "ref": format!("refs/heads/{branch}"), "sha": sha });
        let uri = format!("/repos/{repo}/git/refs");
        let reply = self
            .send(Method::Post, &uri, Some(&body), false, &call)
            .await?;
        if reply.status == 422 && message_of(&reply.text).contains("already exists") {
            return Ok(false);
        }
        self.require(reply, &call, &[])?;
        Ok(true)
    }

    /// Points `branch` at `to` if it is still at `from`: re-reads the branch right before the
    /// update ([`RefUpdate::Changed`] or [`RefUpdate::Gone`] when it moved or went), then
    /// updates it. Without `force` GitHub itself moves it only when `to` descends from the
    /// branch's head (`PATCH /git/refs/…`, `force: false`); with `force` (`--recreate`, a
    /// branch whose commits are all the bot's) GitHub moves it only while it is at `from`
    /// (GraphQL `updateRefs`, `beforeOid`). Either way a push landing after the re-read is
    /// not overwritten.
    pub async fn move_branch(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        to: &str,
        force: bool,
    ) -> Result<RefUpdate> {
        if force {
            return self.force_branch(repo, branch, from, to).await;
        }
        match self.branch_head(repo, branch).await? {
            None => return Ok(RefUpdate::Gone),
            Some(head) if head != from => return Ok(RefUpdate::Changed),
            Some(_) => {}
        }
        let call = format!("moving the branch `{branch}` in {repo}");
        let body = json!({ "sha": to, "force": false });
        let uri = format!("/repos/{repo}/git/refs/heads/{}", encode_path(branch));
        let reply = self
            .send(Method::Patch, &uri, Some(&body), false, &call)
            .await?;
        let message = message_of(&reply.text);
        if is_workflow_refusal(reply.status, &message) {
            return Ok(RefUpdate::WorkflowsRefused(self.secret.scrub(&message)));
        }
        if reply.status == 422 && message.contains("not a fast forward") {
            return Ok(RefUpdate::Changed);
        }
        if reply.status == 422 && message.contains("does not exist") {
            return Ok(RefUpdate::Gone);
        }
        self.require(reply, &call, &[])?;
        Ok(RefUpdate::Moved)
    }

    /// Deletes `branch` if it is still at `expected` ([`RefDelete::Moved`] when it is not):
    /// re-reads it, then deletes it by compare-and-swap (GraphQL `updateRefs`, `beforeOid:
    /// expected`), so a push landing after the re-read is kept too; a branch already gone is
    /// fine.
    pub async fn delete_branch(
        &self,
        repo: &str,
        branch: &str,
        expected: &str,
    ) -> Result<RefDelete> {
        self.delete_swapped(repo, branch, expected).await
    }
}
