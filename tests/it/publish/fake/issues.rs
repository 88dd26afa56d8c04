//! The fake's issue side of pull requests: comments and labels.

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use super::{error, paginate, strings, Call, Comment, State};

/// Comments (list, create, edit, delete) and labels.
pub(super) fn issues(state: &mut State, call: &Call) -> ResponseTemplate {
    let (rest, query, body, request) = (&call.rest, &call.query, &call.body, call.request);
    let bot = call.bot.clone();
    match call.route {
        "list_comments" => {
            let number: u64 = rest[1].parse().unwrap();
            let items: Vec<Value> = state
                .comments
                .iter()
                .filter(|c| c.issue == number)
                .map(|c| json!({ "id": c.id, "user": { "login": c.user }, "body": c.body }))
                .collect();
            paginate(state, request, query, items)
        }
        "add_labels" => {
            if state.label_422s > 0 {
                // What GitHub answers while a pull request created a moment ago is not indexed.
                state.label_422s -= 1;
                return ResponseTemplate::new(422).set_body_json(json!({
                    "message": "Validation Failed",
                    "errors": [{ "resource": "Label", "code": "unprocessable", "field": "data",
                                 "message": "Could not resolve to a node with the global id of 'PR_kwDOAAAAAA'." }],
                }));
            }
            let number: u64 = rest[1].parse().unwrap();
            let wanted = strings(&body["labels"]);
            let new: Vec<String> = wanted
                .iter()
                .filter(|l| !state.repo_labels.iter().any(|r| r.eq_ignore_ascii_case(l)))
                .cloned()
                .collect();
            if !new.is_empty() && !state.may("issues", "write") {
                return ResponseTemplate::new(403).set_body_json(json!({
                    "message": "You do not have permission to create labels on this repository.",
                    "errors": [{ "resource": "Repository", "field": "label", "code": "unauthorized" }],
                    "documentation_url": "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue",
                }));
            }
            state.repo_labels.extend(new);
            let Some(pull) = state.pulls.iter_mut().find(|p| p.number == number) else {
                return error(404, "Not Found");
            };
            for label in wanted {
                if !pull.labels.contains(&label) {
                    pull.labels.push(label);
                }
            }
            let labels: Vec<Value> = pull.labels.iter().map(|l| json!({ "name": l })).collect();
            ResponseTemplate::new(200).set_body_json(labels)
        }
        "create_comment" => {
            let number: u64 = rest[1].parse().unwrap();
            if !state.pulls.iter().any(|p| p.number == number) {
                return error(404, "Not Found");
            }
            let id = state.id();
            let text = body["body"].as_str().unwrap_or_default().to_string();
            state.comments.push(Comment {
                id,
                issue: number,
                user: bot.clone(),
                body: text.clone(),
            });
            ResponseTemplate::new(201)
                .set_body_json(json!({ "id": id, "user": { "login": bot }, "body": text }))
        }
        "update_comment" => {
            let id: u64 = rest[2].parse().unwrap();
            let Some(comment) = state.comments.iter_mut().find(|c| c.id == id) else {
                return error(404, "Not Found");
            };
            comment.body = body["body"].as_str().unwrap_or_default().to_string();
            ResponseTemplate::new(200).set_body_json(json!({ "id": id }))
        }
        "delete_comment" => {
            let id: u64 = rest[2].parse().unwrap();
            let before = state.comments.len();
            state.comments.retain(|c| c.id != id);
            if state.comments.len() == before {
                return error(404, "Not Found");
            }
            ResponseTemplate::new(204)
        }
        _ => error(404, "Not Found"),
    }
}
