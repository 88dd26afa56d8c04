//! The forced branch move and the branch delete as a real compare-and-swap: GitHub's GraphQL
//! `updateRefs` mutation with `beforeOid` (`POST` to the GraphQL endpoint, `contents: write`
//! as for the REST ref endpoints). GitHub applies the update only if the ref still points at
//! `beforeOid`, so a push landing after the run's last read is never overwritten or deleted.
//!
//! GitHub answers a refused update with HTTP 200 and an `errors` array (a stale `beforeOid`,
//! a token without `contents: write`: `FORBIDDEN`, "Resource not accessible by integration").
//! The wording of the stale-ref refusal is not documented, so it is not matched: after any
//! refusal the branch is read again, and a branch no longer at `beforeOid` is
//! [`RefUpdate::Changed`] (or [`RefUpdate::Gone`]); one still there means the refusal was
//! something else, and the run fails with GitHub's messages.

use anyhow::{bail, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::is_workflow_refusal;
use super::{parse, GitHub, Method, RefDelete, RefUpdate};

/// What a compare-and-swap of the branch came to.
enum Swap {
    Done,
    /// The branch is at this other commit (someone pushed): nothing was written.
    Moved(String),
    /// The branch does not exist: nothing was written.
    Gone,
    /// GitHub refused because the change touches `.github/workflows/`; its message.
    WorkflowsRefused(String),
}

/// `afterOid` that deletes a ref, `beforeOid` that says it must not exist.
const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// The mutation: one ref update, atomic on GitHub's side.
const UPDATE_REFS: &str = "mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { \
                           clientMutationId } }";

/// Longest repository node id accepted (GitHub's are about 20 characters).
const MAX_NODE_ID: usize = 100;

/// Errors of a GraphQL answer kept at most.
const MAX_ERRORS: usize = 10;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

#[derive(Deserialize)]
struct GraphQlError {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl GitHub {
    /// The repository's GraphQL node id (`node_id` of `GET /repos/{repo}`), checked to be a
    /// short plain token.
    async fn repository_node_id(&self, repo: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Repo {
            node_id: String,
        }
        let call = format!("reading the node id of {repo}");
        let reply = self.get_ok(&format!("/repos/{repo}"), &call, &[]).await?;
        let id = parse::<Repo>(&reply.text, &call)?.node_id;
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=');
        if id.is_empty() || id.len() > MAX_NODE_ID || !id.chars().all(plain) {
            bail!(
                "{call}: GitHub answered `{}`, not a node id",
                crate::ident::echo(&id)
            );
        }
        Ok(id)
    }

    /// Force-moves `branch` from `from` to `to` with `updateRefs` (`beforeOid: from`,
    /// `force: true`): the branch is re-read right before (the caller's read may be old), and
    /// GitHub itself refuses the update if it moved after that.
    pub(super) async fn force_branch(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        to: &str,
    ) -> Result<RefUpdate> {
        let call = format!("moving the branch `{branch}` in {repo} (GraphQL `updateRefs`)");
        Ok(match self.swap(repo, branch, from, to, &call).await? {
            Swap::Done => RefUpdate::Moved,
            Swap::Moved(_) => RefUpdate::Changed,
            Swap::Gone => RefUpdate::Gone,
            Swap::WorkflowsRefused(message) => RefUpdate::WorkflowsRefused(message),
        })
    }

    /// Deletes `branch` if it is still at `expected`: `updateRefs` with `beforeOid: expected`
    /// and `afterOid` all zeros, after a re-read; a branch already gone is fine.
    pub(super) async fn delete_swapped(
        &self,
        repo: &str,
        branch: &str,
        expected: &str,
    ) -> Result<RefDelete> {
        let call = format!("deleting the branch `{branch}` in {repo} (GraphQL `updateRefs`)");
        Ok(
            match self.swap(repo, branch, expected, ZERO_OID, &call).await? {
                Swap::Done => RefDelete::Deleted,
                Swap::Moved(now) => RefDelete::Moved(now),
                Swap::Gone => RefDelete::Gone,
                Swap::WorkflowsRefused(message) => bail!("{call}: {message}"),
            },
        )
    }

    /// Points `branch` at `to` (all zeros: deletes it) only if it is at `from`, forced: reads
    /// the node id, re-reads the branch, then sends `updateRefs` with `beforeOid: from`.
    async fn swap(
        &self,
        repo: &str,
        branch: &str,
        from: &str,
        to: &str,
        call: &str,
    ) -> Result<Swap> {
        let repository_id = self.repository_node_id(repo).await?;
        if let Some(moved) = self.unless_at(repo, branch, from).await? {
            return Ok(moved);
        }
        let body = json!({
            "query": UPDATE_REFS,
            "variables": { "input": {
                "repositoryId": repository_id,
                "refUpdates": [{
                    "name": format!("refs/heads/{branch}"),
                    "beforeOid": from,
                    "afterOid": to,
                    "force": true,
                }],
            }},
        });
        let reply = self
            .send(Method::Post, &self.graphql_url, Some(&body), false, call)
            .await?;
        let reply = self.require(reply, call, &[])?;
        let answer = parse::<Answer>(&reply.text, call)?;
        let done = answer
            .data
            .as_ref()
            .is_some_and(|data| !data["updateRefs"].is_null());
        if answer.errors.is_empty() && done {
            return Ok(Swap::Done);
        }
        let messages = self.messages(&answer.errors);
        if is_workflow_refusal(422, &messages) {
            return Ok(Swap::WorkflowsRefused(messages));
        }
        // Refused: whether because the branch moved is read from the branch, not the wording.
        if let Some(moved) = self.unless_at(repo, branch, from).await? {
            return Ok(moved);
        }
        let forbidden = answer
            .errors
            .iter()
            .any(|e| e.kind.as_deref() == Some("FORBIDDEN"));
        let hint = if forbidden {
            "\nhint: changing the branch needs `contents: write` (in a workflow: `permissions: \
             contents: write`)"
        } else {
            ""
        };
        let messages = if messages.is_empty() {
            "GitHub did not apply it and gave no reason".to_string()
        } else {
            messages
        };
        bail!("{call}: {messages}{hint}")
    }

    /// `None` when `branch` is at `sha`, else where it is ([`Swap::Moved`]) or that it is gone.
    async fn unless_at(&self, repo: &str, branch: &str, sha: &str) -> Result<Option<Swap>> {
        Ok(match self.branch_head(repo, branch).await? {
            None => Some(Swap::Gone),
            Some(head) if head != sha => Some(Swap::Moved(head)),
            Some(_) => None,
        })
    }

    /// The errors' messages, joined, bounded and without the token.
    fn messages(&self, errors: &[GraphQlError]) -> String {
        let joined = errors
            .iter()
            .take(MAX_ERRORS)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        self.secret
            .scrub(&crate::ident::echo_at_most(&joined, 1000))
    }
}
