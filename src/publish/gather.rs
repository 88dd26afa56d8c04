//! Reading what the planner needs from GitHub, with GET requests only.

use anyhow::Result;

use super::github::{GitHub, PullInfo};
use super::plan::{foreign_commits, ClosedPull, OpenPull, RemoteState};
use super::render::{self, ForeignCommit, COMMENT_MARKER};
use super::{PublishError, PublishRequest};

/// Reads everything the planner needs, with GET requests only.
pub(super) async fn gather(github: &GitHub, request: &PublishRequest) -> Result<RemoteState> {
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
    let mut state = RemoteState {
        base,
        base_head,
        base_tree,
        base_doc,
        branch_head,
        ..RemoteState::default()
    };
    match open {
        Some(pull) => {
            // Learnt from what the bot created: its pull request's author, when the identity
            // was only assumed (a GitHub App token looks like the Actions token to `GET /user`).
            if let Some(author) = pull.user.as_ref().map(|u| u.login.as_str()) {
                if assumed && author != bot_login && author.ends_with("[bot]") {
                    bot_login = author.to_string();
                }
            }
            state.open_pull = Some(open_pull(github, request, &state, pull, &bot_login).await?);
        }
        None if request.generated_doc != request.base_doc => {
            state.previously_closed = previously_closed(github, request).await?;
            if let Some(head) = &state.branch_head {
                state.leftover_foreign =
                    leftover_foreign(github, repo, &state.base_head, head, &bot_login).await?;
            }
        }
        None => {}
    }
    state.bot_login = bot_login;
    Ok(state)
}

/// The open pull request with its commits, doc and sticky comments.
async fn open_pull(
    github: &GitHub,
    request: &PublishRequest,
    state: &RemoteState,
    pull: PullInfo,
    bot_login: &str,
) -> Result<OpenPull> {
    let repo = request.repository.as_str();
    if !crate::ident::is_git_sha(&pull.head.sha) {
        anyhow::bail!(
            "reading pull request #{} in {repo}: GitHub answered a head `{}`, not a commit id",
            pull.number,
            crate::ident::echo(&pull.head.sha)
        );
    }
    let commits = github.pull_commits(repo, pull.number).await?;
    let (_, parents) = github.commit_info(repo, &pull.head.sha).await?;
    let doc = github
        .file_at(repo, &request.doc_path, &pull.head.sha)
        .await?;
    Ok(OpenPull {
        doc,
        foreign_commits: foreign_commits(&commits, bot_login),
        on_base: parents.first() == Some(&state.base_head),
        ..listed_pull(github, repo, pull, bot_login).await?
    })
}

/// An open pull request as its listing gives it, with the bot's sticky comments.
pub(super) async fn listed_pull(
    github: &GitHub,
    repo: &str,
    pull: PullInfo,
    bot_login: &str,
) -> Result<OpenPull> {
    let comments = github
        .sticky_comments(repo, pull.number, bot_login, COMMENT_MARKER)
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

/// The newest closed, unmerged pull request from the branch that carries a state marker.
async fn previously_closed(
    github: &GitHub,
    request: &PublishRequest,
) -> Result<Option<ClosedPull>> {
    Ok(github
        .pulls(&request.repository, &request.branch, "closed")
        .await?
        .into_iter()
        .filter(|p| p.head.name == request.branch && p.merged_at.is_none())
        .find_map(|p| {
            let hash = render::parse_content_hash(p.body.as_deref()?)?.to_string();
            Some(ClosedPull {
                number: p.number,
                content_hash: hash,
            })
        }))
}

/// Commits by others on a branch no open pull request uses: what moving it would discard.
/// Commits the comparison did not list count as others' (the safe side).
async fn leftover_foreign(
    github: &GitHub,
    repo: &str,
    base_head: &str,
    head: &str,
    bot_login: &str,
) -> Result<Vec<ForeignCommit>> {
    let (commits, unread) = github.commits_between(repo, base_head, head).await?;
    let mut foreign = foreign_commits(&commits, bot_login);
    if unread > 0 {
        foreign.push(ForeignCommit {
            sha: head.to_string(),
            who: format!("{unread} more commits not read"),
        });
    }
    Ok(foreign)
}
