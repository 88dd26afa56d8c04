//! The fake's GraphQL endpoint (`POST /graphql`, `/api/graphql` on GHES): the `updateRefs`
//! mutation as GitHub documents it. All updates are checked before any is applied (atomic);
//! `beforeOid` must be where the ref points (all zeros: the ref must not exist); `afterOid`
//! all zeros deletes; without `force` the update must be a fast-forward. Like GitHub it
//! answers every refusal with HTTP 200, `data.updateRefs: null` and an `errors` array: a token
//! without `contents: write` gets `FORBIDDEN` "Resource not accessible by integration" (the
//! permission gate of the REST ref endpoints), and a change of `.github/workflows/` without
//! `workflows` is refused in the REST endpoints' words. GitHub does not document the wording
//! of a stale `beforeOid`; the fake words it like git's ref transaction, and the client does
//! not read it (it re-reads the branch).

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use super::{workflow_refusal_message, Call, State, REPO_NODE_ID};

const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// One checked update: the branch and the commit it will point at (`None`: deleted).
type Planned = (String, Option<String>);

pub(super) fn graphql(state: &mut State, call: &Call) -> ResponseTemplate {
    let query = call.body["query"].as_str().unwrap_or_default();
    if !query.contains("updateRefs") {
        return refused(
            "UNPROCESSABLE",
            "this fake answers only the updateRefs mutation",
        );
    }
    if !state.may("contents", "write") {
        return refused("FORBIDDEN", "Resource not accessible by integration");
    }
    let input = &call.body["variables"]["input"];
    let id = input["repositoryId"].as_str().unwrap_or_default();
    if id != REPO_NODE_ID {
        let message = format!("Could not resolve to a node with the global id of '{id}'");
        return refused("NOT_FOUND", &message);
    }
    let updates = input["refUpdates"].as_array().cloned().unwrap_or_default();
    let mut planned = Vec::new();
    for update in &updates {
        match check(state, update) {
            Ok(change) => planned.push(change),
            Err(message) => return refused("UNPROCESSABLE", &message),
        }
    }
    for (branch, after) in planned {
        match after {
            Some(sha) => state.set_ref(&branch, &sha),
            None => {
                state.delete_branch(&branch);
            }
        }
    }
    ResponseTemplate::new(200)
        .set_body_json(json!({ "data": { "updateRefs": { "clientMutationId": null } } }))
}

/// Whether one `RefUpdate` may be applied to the refs as they are now.
fn check(state: &State, update: &Value) -> Result<Planned, String> {
    let name = update["name"].as_str().unwrap_or_default();
    let Some(branch) = name.strip_prefix("refs/heads/") else {
        return Err(format!("`{name}` is not a valid ref name"));
    };
    let current = state.refs.get(branch).cloned();
    let after = update["afterOid"].as_str().unwrap_or_default().to_string();
    if let Some(before) = update["beforeOid"].as_str() {
        let expected = (before != ZERO_OID).then(|| before.to_string());
        if current != expected {
            return Err(format!(
                "cannot lock ref '{name}': is at {} but expected {before}",
                current.as_deref().unwrap_or(ZERO_OID)
            ));
        }
    }
    if after == ZERO_OID {
        return match current {
            Some(_) => Ok((branch.to_string(), None)),
            None => Err(format!("`{name}` does not exist")),
        };
    }
    if !state.commits.contains_key(&after) {
        return Err(format!("`{after}` is not a commit in this repository"));
    }
    let old = match &current {
        Some(old) => old.clone(),
        None => state.commits[&after]
            .parents
            .first()
            .cloned()
            .unwrap_or_default(),
    };
    if let Some(old) = current.as_ref() {
        let forced = update["force"] == json!(true);
        if !forced && !state.ancestors(&after).contains(old) {
            return Err("Update is not a fast forward".to_string());
        }
    }
    if let Some(message) = workflow_refusal_message(state, &old, &after) {
        return Err(message);
    }
    Ok((branch.to_string(), Some(after)))
}

/// GitHub's answer to a mutation it refused: HTTP 200, `data.updateRefs: null`, one error.
fn refused(kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": { "updateRefs": null },
        "errors": [{
            "type": kind,
            "path": ["updateRefs"],
            "locations": [{ "line": 1, "column": 40 }],
            "message": message,
        }],
    }))
}
