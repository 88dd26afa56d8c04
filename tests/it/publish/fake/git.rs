//! The fake's Git data: commits, trees, blobs, contents, comparisons and branch refs.

use serde_json::json;
use wiremock::ResponseTemplate;

use super::{error, strings, workflows_rule, Call, Commit, State};

/// `GET` a commit, a file, a comparison.
pub(super) fn object_reads(state: &mut State, call: &Call) -> ResponseTemplate {
    let (rest, query, request) = (&call.rest, &call.query, call.request);
    match call.route {
        "get_commit" => match state.commits.get(rest[2]) {
            Some(commit) => ResponseTemplate::new(200).set_body_json(json!({
                "sha": rest[2],
                "tree": { "sha": commit.tree },
                "parents": commit.parents.iter().map(|p| json!({ "sha": p })).collect::<Vec<_>>(),
            })),
            None => error(404, "Not Found"),
        },
        "get_contents" => {
            let file = rest[1..].join("/");
            let reference = query
                .get("ref")
                .cloned()
                .unwrap_or(state.default_branch.clone());
            let sha = state.refs.get(&reference).cloned().unwrap_or(reference);
            let raw = request
                .headers
                .get("accept")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("raw"));
            match state.file_at(&sha, &file) {
                Some(text) if raw => ResponseTemplate::new(200).set_body_string(text),
                Some(_) => error(415, "this fake serves raw contents only"),
                None => error(404, "Not Found"),
            }
        }
        "compare" => {
            let Some((base, head)) = rest[1].split_once("...") else {
                return error(404, "Not Found");
            };
            let resolve = |name: &str| state.refs.get(name).cloned().unwrap_or(name.to_string());
            let (base, head) = (resolve(base), resolve(head));
            if !state.commits.contains_key(&base) || !state.commits.contains_key(&head) {
                return error(404, "Not Found");
            }
            ResponseTemplate::new(200).set_body_json(super::compare_json(state, &base, &head))
        }
        _ => error(404, "Not Found"),
    }
}

/// `POST` a blob, a tree, a commit.
pub(super) fn object_writes(state: &mut State, call: &Call) -> ResponseTemplate {
    let body = &call.body;
    let bot = call.bot.clone();
    match call.route {
        "create_blob" => {
            let content = body["content"].as_str().unwrap_or_default().to_string();
            let sha = state.blob(&content);
            ResponseTemplate::new(201).set_body_json(json!({ "sha": sha }))
        }
        "create_tree" => {
            let base_tree = body["base_tree"].as_str().unwrap_or_default();
            let Some(mut entries) = state.trees.get(base_tree).cloned() else {
                return error(422, "base_tree is not a valid tree");
            };
            for entry in body["tree"].as_array().cloned().unwrap_or_default() {
                let blob = entry["sha"].as_str().unwrap_or_default().to_string();
                if !state.blobs.contains_key(&blob) {
                    return error(422, "tree.sha is not a valid blob");
                }
                entries.insert(entry["path"].as_str().unwrap().to_string(), blob);
            }
            let sha = state.sha("t");
            state.trees.insert(sha.clone(), entries);
            ResponseTemplate::new(201).set_body_json(json!({ "sha": sha }))
        }
        "create_commit" => {
            let tree = body["tree"].as_str().unwrap_or_default().to_string();
            let parents = strings(&body["parents"]);
            if !state.trees.contains_key(&tree)
                || parents.iter().any(|p| !state.commits.contains_key(p))
            {
                return error(422, "tree or parent sha is not valid");
            }
            let author = body["author"]["name"].as_str().map(str::to_string);
            let sha = state.sha("c");
            state.commits.insert(
                sha.clone(),
                Commit {
                    tree,
                    parents,
                    author: Some(author.unwrap_or(bot.clone())),
                    committer: Some(bot),
                    message: body["message"].as_str().unwrap_or_default().to_string(),
                },
            );
            ResponseTemplate::new(201).set_body_json(json!({ "sha": sha }))
        }
        _ => error(404, "Not Found"),
    }
}

/// Branch refs: read, create, move (fast-forward unless forced), delete (closing pull requests
/// from the branch, as GitHub does).
pub(super) fn refs(state: &mut State, call: &Call) -> ResponseTemplate {
    let (rest, body) = (&call.rest, &call.body);
    match call.route {
        "get_ref" => {
            let branch = rest[3..].join("/");
            match state.refs.get(&branch) {
                Some(sha) => ResponseTemplate::new(200).set_body_json(json!({
                    "ref": format!("refs/heads/{branch}"),
                    "object": { "sha": sha, "type": "commit" },
                })),
                None => error(404, "Not Found"),
            }
        }
        "create_ref" => {
            let name = body["ref"].as_str().unwrap_or_default();
            let sha = body["sha"].as_str().unwrap_or_default().to_string();
            let Some(branch) = name.strip_prefix("refs/heads/") else {
                return error(422, "Reference name is not valid");
            };
            if state.refs.contains_key(branch) {
                return error(422, "Reference already exists");
            }
            if !state.commits.contains_key(&sha) {
                return error(422, "Object does not exist");
            }
            // A new branch brings in what its commit changes against its first parent.
            let parent = state.commits[&sha]
                .parents
                .first()
                .cloned()
                .unwrap_or_default();
            if let Some(refused) = workflows_rule(state, &parent, &sha) {
                return refused;
            }
            let branch = branch.to_string();
            state.set_ref(&branch, &sha);
            ResponseTemplate::new(201)
                .set_body_json(json!({ "ref": name, "object": { "sha": sha } }))
        }
        "update_ref" => {
            let branch = rest[3..].join("/");
            let sha = body["sha"].as_str().unwrap_or_default().to_string();
            let Some(old) = state.refs.get(&branch).cloned() else {
                return error(422, "Reference does not exist");
            };
            if !state.commits.contains_key(&sha) {
                return error(422, "Object does not exist");
            }
            if body["force"] != json!(true) && !state.ancestors(&sha).contains(&old) {
                return error(422, "Update is not a fast forward");
            }
            if let Some(refused) = workflows_rule(state, &old, &sha) {
                return refused;
            }
            state.set_ref(&branch, &sha);
            ResponseTemplate::new(200).set_body_json(json!({ "object": { "sha": sha } }))
        }
        "delete_ref" => {
            let branch = rest[3..].join("/");
            if !state.delete_branch(&branch) {
                return error(422, "Reference does not exist");
            }
            ResponseTemplate::new(204)
        }
        _ => error(404, "Not Found"),
    }
}
