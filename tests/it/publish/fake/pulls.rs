//! The fake's pull requests.

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use super::{error, paginate, Call, Pull, State, OWNER};

/// Listing pull requests and their commits.
pub(super) fn pull_reads(state: &mut State, call: &Call) -> ResponseTemplate {
    let (rest, query, request) = (&call.rest, &call.query, call.request);
    match call.route {
        "list_pulls" => {
            let wanted = query.get("state").cloned().unwrap_or("open".into());
            let head = query.get("head").cloned();
            let mut pulls: Vec<&Pull> = state
                .pulls
                .iter()
                .filter(|p| match wanted.as_str() {
                    "open" => p.open,
                    "closed" => !p.open,
                    _ => true,
                })
                .filter(|p| {
                    head.as_ref()
                        .is_none_or(|h| *h == format!("{OWNER}:{}", p.head))
                })
                .collect();
            pulls.sort_by_key(|p| std::cmp::Reverse(p.number));
            let list: Vec<Value> = pulls.iter().map(|p| state.pull_json(p)).collect();
            ResponseTemplate::new(200).set_body_json(list)
        }
        "list_pull_commits" => {
            let number: u64 = rest[1].parse().unwrap();
            let Some(pull) = state.pulls.iter().find(|p| p.number == number) else {
                return error(404, "Not Found");
            };
            let head = state
                .refs
                .get(&pull.head)
                .cloned()
                .unwrap_or(pull.head_sha.clone());
            let base = state.refs[&pull.base].clone();
            let items: Vec<Value> = state
                .commits_between(&base, &head)
                .into_iter()
                .map(|sha| state.commit_json(&sha))
                .collect();
            paginate(state, request, query, items)
        }
        _ => error(404, "Not Found"),
    }
}

/// Opening and editing pull requests.
pub(super) fn pull_writes(state: &mut State, call: &Call) -> ResponseTemplate {
    let (rest, body) = (&call.rest, &call.body);
    let bot = call.bot.clone();
    match call.route {
        "create_pull" => {
            let actions_token = state.token_login.is_none() && state.app_login.is_none();
            if actions_token && !state.actions_may_open_pulls {
                return error(
                    403,
                    "GitHub Actions is not permitted to create or approve pull requests.",
                );
            }
            let head = body["head"].as_str().unwrap_or_default().to_string();
            let base = body["base"].as_str().unwrap_or_default().to_string();
            let (Some(head_sha), Some(base_sha)) = (
                state.refs.get(&head).cloned(),
                state.refs.get(&base).cloned(),
            ) else {
                return error(422, "Validation Failed");
            };
            if state.pulls.iter().any(|p| p.open && p.head == head) {
                return ResponseTemplate::new(422).set_body_json(json!({
                    "message": "Validation Failed",
                    "errors": [{ "resource": "PullRequest", "code": "custom",
                                 "message": format!("A pull request already exists for {OWNER}:{head}.") }],
                }));
            }
            if state.ancestors(&base_sha).contains(&head_sha) {
                return error(422, &format!("No commits between {base} and {head}"));
            }
            let number = state.id();
            let pull = Pull {
                number,
                head,
                base,
                head_sha,
                open: true,
                merged: false,
                title: body["title"].as_str().unwrap_or_default().to_string(),
                body: body["body"].as_str().unwrap_or_default().to_string(),
                user: bot,
                labels: Vec::new(),
            };
            let json = state.pull_json(&pull);
            state.pulls.push(pull);
            ResponseTemplate::new(201).set_body_json(json)
        }
        "update_pull" => {
            let number: u64 = rest[1].parse().unwrap();
            let Some(pull) = state.pulls.iter_mut().find(|p| p.number == number) else {
                return error(404, "Not Found");
            };
            if let Some(title) = body["title"].as_str() {
                pull.title = title.to_string();
            }
            if let Some(text) = body["body"].as_str() {
                pull.body = text.to_string();
            }
            if body["state"] == json!("closed") {
                pull.open = false;
            }
            let pull = pull.clone();
            ResponseTemplate::new(200).set_body_json(state.pull_json(&pull))
        }
        _ => error(404, "Not Found"),
    }
}
