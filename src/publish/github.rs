//! The authenticated GitHub client publishing uses (the reads of discovery and the serving
//! configs go through [`crate::github::reader`], on the same octocrab client): a thin client over octocrab's raw request helpers
//! (`_get`/`_post`/`_patch`/`_delete`), one method per endpoint, each failure an error that
//! names the call (`creating the tree for owner/repo: 422 …`).
//!
//! Why the raw helpers rather than octocrab's typed models: the Git Data endpoints need exact
//! bodies (no author on the commit, `force` on the ref), a few statuses are answers rather than
//! errors (404 on a ref, 403 on `GET /user` with the Actions token, 422 on an existing ref),
//! and we read a handful of fields that small structs describe better than the full models.
//! Requests go to the base URI (`GITHUB_API_URL`, path prefix kept) plus the endpoint's path,
//! on the client [`crate::github::client`] builds for every GitHub call (the token only to
//! that host).
//!
//! The token lives inside octocrab (a `SecretString`) and in a [`Secret`] used only to scrub
//! it from error text and to mask it in Actions; neither prints it in `Debug`.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use http::header::{HeaderMap, HeaderValue, ACCEPT};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::publish::plan::{CommitIdentity, StickyComment};

/// The login of the token GitHub Actions hands to workflows (`GET /user` is forbidden to it).
pub const ACTIONS_BOT: &str = "github-actions[bot]";
pub use crate::github::DEFAULT_API_URL;

/// GitHub REST client for one token.
pub struct GitHub {
    client: Octocrab,
    api_url: String,
    server_url: String,
    secret: Secret,
    /// The bot's login when given (`TRACK_MODELS_BOT_LOGIN`) instead of asked for.
    bot_login: Option<String>,
    /// Minimum time between two writes ([`DEFAULT_WRITE_INTERVAL`]).
    write_interval: Duration,
    last_write: std::sync::Mutex<Option<std::time::Instant>>,
}

impl fmt::Debug for GitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHub")
            .field("api_url", &self.api_url)
            .field("server_url", &self.server_url)
            .field("token", &self.secret)
            .finish()
    }
}

/// A secret kept out of `Debug`, `Display` and error messages.
#[derive(Clone)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// The value, for `::add-mask::` only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

/// A request GitHub answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{call}: {status} {message}{}", hint_line(self))]
pub struct GitHubError {
    /// What we were doing, naming the thing: `creating the tree for owner/repo`.
    pub call: String,
    pub status: u16,
    /// GitHub's `message` (plus validation `errors`), or the start of a non-JSON body.
    pub message: String,
    /// When rate limited: `retry in N s` (from `retry-after`) or when the limit resets.
    pub retry_after: Option<String>,
    /// GitHub's `X-Accepted-GitHub-Permissions` (`contents=write; …`): what the call needs.
    pub accepted_permissions: Option<String>,
}

/// The Actions setting GitHub names when it refuses a pull request from `GITHUB_TOKEN`.
const ACTIONS_PR_SETTING: &str = "not permitted to create or approve pull requests";

fn hint_line(error: &GitHubError) -> String {
    let (status, message) = (error.status, error.message.as_str());
    let hint = match (status, error.retry_after.as_deref()) {
        (403 | 429, Some(wait)) => format!("rate limited; {wait}"),
        (401, _) => "`GITHUB_TOKEN` is missing, expired or revoked".to_string(),
        (403, _) if message.contains(ACTIONS_PR_SETTING) => {
            "the repository does not let GitHub Actions open pull requests: enable Settings → \
             Actions → General → \"Allow GitHub Actions to create and approve pull requests\", \
             or pass a GitHub App token (`github-token`); the branch is kept and reused by the \
             next run"
                .to_string()
        }
        (403, _) if message.contains("create labels") => LABELS_HINT.to_string(),
        (403 | 422, _) if message.contains("without `workflows` permission") => {
            "the token lacks the `workflows` permission, which GitHub requires to bring changes \
             of `.github/workflows/` into a branch"
                .to_string()
        }
        (403, _) => match &error.accepted_permissions {
            Some(wanted) if !wanted.trim().is_empty() => format!(
                "the token lacks a permission this call needs (GitHub accepts: {}); in a \
                 workflow grant it under `permissions:`",
                wanted.trim()
            ),
            _ => "the token needs `contents: write`, `pull-requests: write` and `issues: write` \
                  (in a workflow: `permissions:`)"
                .to_string(),
        },
        (404, _) => {
            "check `GITHUB_REPOSITORY` and that the token can see the repository".to_string()
        }
        (429, None) => "rate limited; retry later".to_string(),
        (500..=599, _) => "GitHub failed to answer; run again later".to_string(),
        _ => return String::new(),
    };
    format!("\nhint: {hint}")
}

/// What labels need: creating a label that does not exist yet takes `issues: write`.
pub const LABELS_HINT: &str = "labels need `issues: write` (in a workflow: `permissions: issues: \
     write`; for a GitHub App token: `permission-issues: write`)";

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

/// A reply that is not an error: status, `Link` header and body text.
struct Reply {
    status: u16,
    next_page: bool,
    /// `retry-after` (or the rate-limit reset) when GitHub sent one.
    retry_after: Option<String>,
    /// `X-Accepted-GitHub-Permissions`, when GitHub sent it.
    accepted_permissions: Option<String>,
    text: String,
}

/// What moving a branch with a compare-and-swap came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefUpdate {
    Moved,
    /// The branch is no longer where it was read (someone pushed): nothing was moved.
    NotFastForward,
    /// GitHub refused because the change touches `.github/workflows/` and the token lacks the
    /// `workflows` permission; GitHub's message.
    WorkflowsRefused(String),
}

/// Longest `retry-after` honoured by waiting (once); a longer one is an error.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// Pause between two writes by default: GitHub asks integrations to space mutating requests
/// by at least one second.
pub const DEFAULT_WRITE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl GitHub {
    /// A client for `api_url` (e.g. `https://api.github.com`, or a GHES `…/api/v3`).
    pub fn new(api_url: &str, token: &str) -> Result<Self> {
        let api_url = api_url.trim_end_matches('/').to_string();
        if token.trim().is_empty() {
            bail!("the GitHub token is empty\nhint: set `GITHUB_TOKEN`");
        }
        let timeouts = crate::github::client::Timeouts {
            connect: Duration::from_secs(30),
            read: Duration::from_secs(60),
            write: Duration::from_secs(60),
        };
        let client = crate::github::client::octocrab(&api_url, Some(token.trim()), timeouts)?;
        Ok(GitHub {
            client,
            server_url: server_url_for(&api_url),
            api_url,
            secret: Secret(token.trim().to_string()),
            bot_login: None,
            write_interval: DEFAULT_WRITE_INTERVAL,
            last_write: std::sync::Mutex::new(None),
        })
    }

    /// From `GITHUB_TOKEN`, `GITHUB_API_URL` and `GITHUB_SERVER_URL` in the process
    /// environment.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`GitHub::from_env`] with an explicit variable source.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let token = var("GITHUB_TOKEN").filter(|t| !t.trim().is_empty());
        let Some(token) = token else {
            bail!(
                "`GITHUB_TOKEN` is not set\nhint: `--publish` needs a token that can write \
                 contents and pull requests"
            );
        };
        let api_url = crate::github::api_url(&var);
        let mut github = GitHub::new(&api_url, &token)?;
        if let Some(server) = var("GITHUB_SERVER_URL").filter(|u| !u.trim().is_empty()) {
            github = github.with_server_url(&server);
        }
        if let Some(login) = var("TRACK_MODELS_BOT_LOGIN").filter(|l| !l.trim().is_empty()) {
            github = github.with_bot_login(login.trim());
        }
        if let Some(text) = var("TRACK_MODELS_WRITE_INTERVAL_MS").filter(|t| !t.trim().is_empty()) {
            let millis: u64 = text.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "`TRACK_MODELS_WRITE_INTERVAL_MS` must be a number of milliseconds, not `{text}`"
                )
            })?;
            github = github.with_write_interval(Duration::from_millis(millis));
        }
        Ok(github)
    }

    /// Web root for links (`https://github.com`); derived from the API URL unless set.
    pub fn with_server_url(mut self, server_url: &str) -> Self {
        self.server_url = server_url.trim_end_matches('/').to_string();
        self
    }

    /// Minimum time between two writes (default [`DEFAULT_WRITE_INTERVAL`]; zero in tests). The
    /// pause between label attempts derives from it ([`GitHub::add_labels`]).
    pub fn with_write_interval(mut self, interval: Duration) -> Self {
        self.write_interval = interval;
        self
    }

    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The token, for masking in Actions logs.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The bot's login when it cannot be asked for (`TRACK_MODELS_BOT_LOGIN`): a GitHub App
    /// installation token commits as `<app-slug>[bot]`, and `GET /user` is forbidden to it.
    pub fn with_bot_login(mut self, login: &str) -> Self {
        self.bot_login = Some(login.to_string());
        self
    }
}

/// Reads: who we are, branches, commits, files, pull requests and their comments.
impl GitHub {
    /// The bot's own login: `TRACK_MODELS_BOT_LOGIN` when set, else the token's user, else
    /// [`ACTIONS_BOT`] when `GET /user` is forbidden (the Actions `GITHUB_TOKEN` is an
    /// installation token, not a user). A rate-limited 403 is an error, never "the Actions
    /// bot".
    ///
    /// Also whether it is only assumed ([`ACTIONS_BOT`] after a plain 403 on `GET /user`): a
    /// GitHub App token without `TRACK_MODELS_BOT_LOGIN` looks the same, so the caller may
    /// learn the login from what the bot created.
    pub async fn identity_and_source(&self) -> Result<(String, bool)> {
        if let Some(login) = &self.bot_login {
            return Ok((login.clone(), false));
        }
        #[derive(Deserialize)]
        struct User {
            login: String,
        }
        let call = "reading the token's user (`GET /user`)";
        let reply = self.send(Method::Get, "/user", None, false, call).await?;
        if reply.status == 403 && reply.retry_after.is_none() {
            return Ok((ACTIONS_BOT.to_string(), true));
        }
        let reply = self.require(reply, call, &[])?;
        Ok((parse::<User>(&reply.text, call)?.login, false))
    }

    pub async fn default_branch(&self, repo: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Repo {
            default_branch: String,
        }
        let call = format!("reading the repository {repo}");
        let reply = self.get_ok(&format!("/repos/{repo}"), &call, &[]).await?;
        Ok(parse::<Repo>(&reply.text, &call)?.default_branch)
    }

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
        Ok(Some(parse::<Ref>(&reply.text, &call)?.object.sha))
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
        #[derive(Deserialize)]
        struct Item {
            sha: String,
            commit: GitCommit,
            author: Option<Login>,
            committer: Option<Login>,
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
        let call = format!("listing the commits of pull request #{number} in {repo}");
        let items: Vec<Item> = self
            .all_pages(&format!("/repos/{repo}/pulls/{number}/commits"), &call)
            .await?;
        Ok(items
            .into_iter()
            .map(|item| CommitIdentity {
                sha: item.sha,
                author_login: item.author.map(|a| a.login),
                author_name: item.commit.author.map(|p| p.name).unwrap_or_default(),
                committer_login: item.committer.map(|c| c.login),
                committer_name: item.commit.committer.map(|p| p.name).unwrap_or_default(),
            })
            .collect())
    }

    /// The comments of a pull request by `author` that start with `marker`, oldest first,
    /// found by paging through all comments.
    pub async fn sticky_comments(
        &self,
        repo: &str,
        number: u64,
        author: &str,
        marker: &str,
    ) -> Result<Vec<StickyComment>> {
        #[derive(Deserialize)]
        struct Comment {
            id: u64,
            #[serde(default)]
            body: Option<String>,
            user: Option<Login>,
        }
        let call = format!("listing the comments of pull request #{number} in {repo}");
        let comments: Vec<Comment> = self
            .all_pages(&format!("/repos/{repo}/issues/{number}/comments"), &call)
            .await?;
        let mut sticky: Vec<StickyComment> = comments
            .into_iter()
            .filter(|c| c.user.as_ref().is_some_and(|u| u.login == author))
            .filter_map(|c| {
                let body = c.body?;
                body.starts_with(marker)
                    .then_some(StickyComment { id: c.id, body })
            })
            .collect();
        sticky.sort_by_key(|c| c.id);
        Ok(sticky)
    }
}

/// Writes: blobs, trees, commits, branches, pull requests, labels and comments.
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

    /// Creates `refs/heads/{branch}`; `Ok(false)` when it already exists.
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

    /// Points `branch` at `sha` in one step. Without `force` GitHub moves it only when `sha`
    /// descends from the branch's current head: a compare-and-swap against the head read, so
    /// a push made meanwhile is never overwritten ([`RefUpdate::NotFastForward`]).
    pub async fn update_branch(
        &self,
        repo: &str,
        branch: &str,
        sha: &str,
        force: bool,
    ) -> Result<RefUpdate> {
        let call = format!("moving the branch `{branch}` in {repo}");
        let body = json!({ "sha": sha, "force": force });
        let uri = format!("/repos/{repo}/git/refs/heads/{}", encode_path(branch));
        let reply = self
            .send(Method::Patch, &uri, Some(&body), false, &call)
            .await?;
        let message = message_of(&reply.text);
        if matches!(reply.status, 403 | 422) && message.contains("without `workflows` permission") {
            return Ok(RefUpdate::WorkflowsRefused(self.secret.scrub(&message)));
        }
        if reply.status == 422 && message.contains("not a fast forward") {
            return Ok(RefUpdate::NotFastForward);
        }
        self.require(reply, &call, &[])?;
        Ok(RefUpdate::Moved)
    }

    /// Deletes `branch`; a branch already gone is fine.
    pub async fn delete_branch(&self, repo: &str, branch: &str) -> Result<()> {
        let call = format!("deleting the branch `{branch}` in {repo}");
        let uri = format!("/repos/{repo}/git/refs/heads/{}", encode_path(branch));
        let reply = self.send(Method::Delete, &uri, None, false, &call).await?;
        if reply.status == 422 && message_of(&reply.text).contains("does not exist") {
            return Ok(());
        }
        self.require(reply, &call, &[404])?;
        Ok(())
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

    pub async fn create_comment(&self, repo: &str, number: u64, body: &str) -> Result<u64> {
        #[derive(Deserialize)]
        struct Created {
            id: u64,
        }
        let call = format!("commenting on pull request #{number} in {repo}");
        let uri = format!("/repos/{repo}/issues/{number}/comments");
        let payload = json!({ "body": body });
        let reply = self
            .send(Method::Post, &uri, Some(&payload), false, &call)
            .await?;
        let reply = self.require(reply, &call, &[])?;
        Ok(parse::<Created>(&reply.text, &call)?.id)
    }

    pub async fn update_comment(&self, repo: &str, id: u64, body: &str) -> Result<()> {
        let call = format!("editing comment {id} in {repo}");
        let uri = format!("/repos/{repo}/issues/comments/{id}");
        let payload = json!({ "body": body });
        let reply = self
            .send(Method::Patch, &uri, Some(&payload), false, &call)
            .await?;
        self.require(reply, &call, &[])?;
        Ok(())
    }

    /// Deletes a comment; one already gone (another run deleted it) is fine.
    pub async fn delete_comment(&self, repo: &str, id: u64) -> Result<()> {
        let call = format!("deleting comment {id} in {repo}");
        let uri = format!("/repos/{repo}/issues/comments/{id}");
        let reply = self.send(Method::Delete, &uri, None, false, &call).await?;
        self.require(reply, &call, &[404])?;
        Ok(())
    }
}

/// Transport: paging, pacing of writes, one request with its retries, status checks.
impl GitHub {
    async fn post_for_sha(&self, uri: &str, body: &Value, call: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Created {
            sha: String,
        }
        let reply = self
            .send(Method::Post, uri, Some(body), false, call)
            .await?;
        let reply = self.require(reply, call, &[])?;
        Ok(parse::<Created>(&reply.text, call)?.sha)
    }

    async fn get_ok(&self, uri: &str, call: &str, also_ok: &[u16]) -> Result<Reply> {
        let reply = self.send(Method::Get, uri, None, false, call).await?;
        Ok(self.require(reply, call, also_ok)?)
    }

    /// Every page of a list endpoint (`per_page=100`, following `rel="next"` by page number,
    /// so a base URI with a path prefix stays right).
    async fn all_pages<T: DeserializeOwned>(&self, path: &str, call: &str) -> Result<Vec<T>> {
        let mut items = Vec::new();
        for page in 1.. {
            let reply = self
                .get_ok(&format!("{path}?per_page=100&page={page}"), call, &[])
                .await?;
            let batch: Vec<T> = parse(&reply.text, call)?;
            let empty = batch.is_empty();
            items.extend(batch);
            if !reply.next_page || empty || page >= 100 {
                break;
            }
        }
        Ok(items)
    }

    /// Sends one request: writes are paced ([`GitHub::with_write_interval`]), and a 403/429
    /// with a `retry-after` of at most [`MAX_RETRY_WAIT`] is waited out and sent again, once.
    /// Transport failures are errors; every other HTTP status comes back.
    async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        raw: bool,
        call: &str,
    ) -> Result<Reply> {
        let reply = self.send_once(method, uri, body, raw, call).await?;
        let wait = match (reply.reply.status, &reply.retry_wait) {
            (403 | 429, Some(wait)) if *wait <= MAX_RETRY_WAIT => *wait,
            _ => return Ok(reply.reply),
        };
        tracing::debug!(?wait, call, "rate limited; waiting once");
        tokio::time::sleep(wait).await;
        Ok(self.send_once(method, uri, body, raw, call).await?.reply)
    }

    /// Waits until the previous write's answer is at least the write interval ago (counted
    /// from the answer, so two writes never reach GitHub closer than that).
    async fn pace(&self) {
        let wait = {
            let last = self.last_write.lock().unwrap_or_else(|e| e.into_inner());
            last.and_then(|at| self.write_interval.checked_sub(at.elapsed()))
        };
        if let Some(wait) = wait.filter(|w| !w.is_zero()) {
            tokio::time::sleep(wait).await;
        }
    }

    fn wrote(&self) {
        *self.last_write.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now());
    }

    async fn send_once(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        raw: bool,
        call: &str,
    ) -> Result<Timed> {
        if !matches!(method, Method::Get) {
            self.pace().await;
        }
        let uri = format!("{}{uri}", self.api_url);
        let uri = uri.as_str();
        let result = match method {
            Method::Get => {
                let mut headers = HeaderMap::new();
                headers.insert(
                    ACCEPT,
                    HeaderValue::from_static(if raw {
                        "application/vnd.github.raw+json"
                    } else {
                        "application/vnd.github+json"
                    }),
                );
                self.client._get_with_headers(uri, Some(headers)).await
            }
            Method::Post => self.client._post(uri, body).await,
            Method::Patch => self.client._patch(uri, body).await,
            Method::Delete => self.client._delete(uri, body).await,
        };
        let response = result.map_err(|e| {
            let text = crate::github::client::error_text(&e);
            anyhow::anyhow!("{call}: {}", self.secret.scrub(&text))
        })?;
        if !matches!(method, Method::Get) {
            self.wrote();
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let next_page = headers
            .get_all(http::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("rel=\"next\""));
        let retry_after = retry_after(&headers);
        let retry_wait = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let accepted_permissions = headers
            .get("x-accepted-github-permissions")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = self
            .client
            .body_to_string(response)
            .await
            .map_err(|e| anyhow::anyhow!("{call}: reading the answer: {e}"))?;
        Ok(Timed {
            reply: Reply {
                status,
                next_page,
                retry_after,
                accepted_permissions,
                text,
            },
            retry_wait,
        })
    }

    /// The reply when its status is 2xx or in `also_ok`, else a [`GitHubError`].
    fn require(&self, reply: Reply, call: &str, also_ok: &[u16]) -> Result<Reply, GitHubError> {
        if (200..300).contains(&reply.status) || also_ok.contains(&reply.status) {
            return Ok(reply);
        }
        Err(GitHubError {
            call: call.to_string(),
            status: reply.status,
            message: self.secret.scrub(&error_message(&reply.text)),
            retry_after: reply.retry_after,
            accepted_permissions: reply.accepted_permissions,
        })
    }
}

/// A reply and how long GitHub asked to wait before trying again.
struct Timed {
    reply: Reply,
    retry_wait: Option<Duration>,
}

#[derive(Deserialize)]
struct Login {
    login: String,
}

fn parse<T: DeserializeOwned>(text: &str, call: &str) -> Result<T> {
    serde_json::from_str(text).with_context(|| format!("{call}: unexpected answer"))
}

/// GitHub's `message`, with validation `errors` appended; a non-JSON body is shortened.
fn error_message(text: &str) -> String {
    #[derive(Deserialize)]
    struct ApiError {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<Value>,
    }
    match serde_json::from_str::<ApiError>(text) {
        Ok(ApiError {
            message: Some(message),
            errors,
        }) => {
            let details: Vec<String> = errors
                .iter()
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| other.to_string()),
                })
                .collect();
            if details.is_empty() {
                message
            } else {
                format!("{message} ({})", details.join("; "))
            }
        }
        _ => {
            let text = text.trim();
            let short: String = text.chars().take(200).collect();
            if short.is_empty() {
                "(empty answer)".to_string()
            } else {
                short
            }
        }
    }
}

fn message_of(text: &str) -> String {
    error_message(text)
}

/// How long to wait when rate limited: `retry-after`, else the `x-ratelimit-reset` time when
/// `x-ratelimit-remaining` is 0 (reported as is: this code reads no clock).
fn retry_after(headers: &HeaderMap) -> Option<String> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(wait) = get("retry-after") {
        return Some(format!("retry in {} s", wait.trim()));
    }
    if get("x-ratelimit-remaining") == Some("0") {
        return Some(match get("x-ratelimit-reset") {
            Some(reset) => format!("the limit resets at {} (Unix time)", reset.trim()),
            None => "retry later".to_string(),
        });
    }
    None
}

/// `https://api.github.com` → `https://github.com`; a GHES `https://host/api/v3` → `https://host`.
fn server_url_for(api_url: &str) -> String {
    if let Some(rest) = api_url.strip_prefix("https://api.") {
        return format!("https://{rest}");
    }
    api_url
        .strip_suffix("/api/v3")
        .unwrap_or(api_url)
        .to_string()
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Percent-encodes a path, keeping `/` between segments.
fn encode_path(path: &str) -> String {
    encode(path, |b| b == b'/')
}

fn encode_query(value: &str) -> String {
    encode(value, |_| false)
}

fn encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(
            server_url_for("https://api.github.com"),
            "https://github.com"
        );
        assert_eq!(
            server_url_for("https://ghe.corp/api/v3"),
            "https://ghe.corp"
        );
        assert_eq!(server_url_for("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }

    #[test]
    fn messages() {
        assert_eq!(
            error_message(r#"{"message":"Validation Failed","errors":[{"message":"bad sha"}]}"#),
            "Validation Failed (bad sha)"
        );
        assert_eq!(error_message("<html>oops</html>"), "<html>oops</html>");
        assert_eq!(
            encode_query("o:track-models/coverage"),
            "o%3Atrack-models%2Fcoverage"
        );
        assert_eq!(encode_path("docs/a b.mdx"), "docs/a%20b.mdx");
    }

    #[test]
    fn rate_limit_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1767225600"));
        assert_eq!(
            retry_after(&headers).as_deref(),
            Some("the limit resets at 1767225600 (Unix time)")
        );
        headers.insert("retry-after", HeaderValue::from_static("60"));
        assert_eq!(retry_after(&headers).as_deref(), Some("retry in 60 s"));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn error_display_names_the_call() {
        let error = GitHubError {
            call: "creating the tree for o/r".into(),
            status: 422,
            message: "Validation Failed".into(),
            retry_after: None,
            accepted_permissions: None,
        };
        assert_eq!(
            error.to_string(),
            "creating the tree for o/r: 422 Validation Failed"
        );
        let limited = GitHubError {
            status: 429,
            retry_after: Some("retry in 30 s".into()),
            ..error
        };
        assert_eq!(
            limited.to_string(),
            "creating the tree for o/r: 429 Validation Failed\nhint: rate limited; retry in 30 s"
        );
    }
}
