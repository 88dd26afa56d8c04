//! Pull requests: the bot's, their commits (who made them) and their labels.

use anyhow::Result;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::message_of;
use super::{encode_query, parse, GitHub, Method};
use crate::publish::plan::CommitIdentity;

/// A pull request, as far as publishing goes.
#[derive(Debug, Clone, Deserialize)]
pub struct PullInfo {
    pub number: u64,
    pub html_url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub merged_at: Option<String>,
    pub head: PullRef,
    #[serde(default)]
    pub labels: Vec<LabelInfo>,
    /// Who opened it (the bot, for its own branch).
    #[serde(default)]
    pub user: Option<UserLogin>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserLogin {
    pub login: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullRef {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabelInfo {
    pub name: String,
}

/// A commit as the pull request commits and the compare endpoints list it.
#[derive(Deserialize)]
pub(super) struct CommitItem {
    sha: String,
    commit: GitCommit,
    author: Option<UserLogin>,
    committer: Option<UserLogin>,
}

#[derive(Deserialize)]
struct GitCommit {
    author: Option<Person>,
    committer: Option<Person>,
}

#[derive(Deserialize)]
struct Person {
    #[serde(default)]
    name: String,
}

impl CommitItem {
    pub(super) fn into_identity(self) -> CommitIdentity {
        CommitIdentity {
            sha: self.sha,
            author_login: self.author.map(|a| a.login),
            author_name: self.commit.author.map(|p| p.name).unwrap_or_default(),
            committer_login: self.committer.map(|c| c.login),
            committer_name: self.commit.committer.map(|p| p.name).unwrap_or_default(),
        }
    }
}

impl GitHub {
    /// Pull requests from `owner:branch` in `state` (`open` or `closed`), newest first, first
    /// page only (100): the bot has one branch and at most one open pull request.
    pub async fn pulls(&self, repo: &str, branch: &str, state: &str) -> Result<Vec<PullInfo>> {
        let owner = repo.split('/').next().unwrap_or_default();
        let call = format!("listing {state} pull requests from `{branch}` in {repo}");
        let uri = format!(
            "/repos/{repo}/pulls?state={state}&head={}&sort=created&direction=desc&per_page=100",
            encode_query(&format!("{owner}:{branch}"))
        );
        let reply = self.get_ok(&uri, &call, &[]).await?;
        parse(&reply.text, &call)
    }

    /// Every commit of a pull request (all pages).
    pub async fn pull_commits(&self, repo: &str, number: u64) -> Result<Vec<CommitIdentity>> {
        let call = format!("listing the commits of pull request #{number} in {repo}");
        let items: Vec<CommitItem> = self
            .all_pages(&format!("/repos/{repo}/pulls/{number}/commits"), &call)
            .await?;
        Ok(items.into_iter().map(CommitItem::into_identity).collect())
    }

    /// Opens a pull request; `Ok(None)` when GitHub says one already exists for the branch.
    pub async fn create_pull(
        &self,
        repo: &str,
        branch: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<Option<PullInfo>> {
        let call = format!("opening the pull request from `{branch}` in {repo}");
        let payload = json!({ "title": title, "head": branch, "base": base, "body": body });
        let uri = format!("/repos/{repo}/pulls");
        let reply = self
            .send(Method::Post, &uri, Some(&payload), false, &call)
            .await?;
        if reply.status == 422 && message_of(&reply.text).contains("already exists") {
            return Ok(None);
        }
        let reply = self.require(reply, &call, &[])?;
        Ok(Some(parse(&reply.text, &call)?))
    }

    /// Edits title, body and/or state of a pull request.
    pub async fn edit_pull(
        &self,
        repo: &str,
        number: u64,
        changes: &Value,
        what: &str,
    ) -> Result<()> {
        let call = format!("{what} pull request #{number} in {repo}");
        let uri = format!("/repos/{repo}/pulls/{number}");
        let reply = self
            .send(Method::Patch, &uri, Some(changes), false, &call)
            .await?;
        self.require(reply, &call, &[])?;
        Ok(())
    }

    /// Adds labels. A 422 is retried (up to three times) only when GitHub has not yet indexed
    /// a pull request created a moment ago ("Could not resolve to a node…", "Issue not
    /// found"); any other failure is returned at once. Attempt `n` waits `n` times twice the
    /// write interval first (2 s, 4 s, 6 s by default): slower than the pacing of writes,
    /// because GitHub is still indexing the pull request.
    pub async fn add_labels(&self, repo: &str, number: u64, labels: &[String]) -> Result<()> {
        let call = format!("adding labels to pull request #{number} in {repo}");
        let uri = format!("/repos/{repo}/issues/{number}/labels");
        let body = json!({ "labels": labels });
        let mut attempt = 1;
        loop {
            let reply = self
                .send(Method::Post, &uri, Some(&body), false, &call)
                .await?;
            let message = message_of(&reply.text).to_ascii_lowercase();
            let not_indexed =
                message.contains("could not resolve") || message.contains("issue not found");
            if reply.status == 422 && not_indexed && attempt < 4 {
                tracing::debug!(attempt, "labels rejected with 422; retrying");
                tokio::time::sleep(self.write_interval * 2 * attempt).await;
                attempt += 1;
                continue;
            }
            self.require(reply, &call, &[])?;
            return Ok(());
        }
    }
}
