//! [`GitHubError`]: a request GitHub answered with an error status, the call named, GitHub's
//! message kept, and a `hint:` line when the user can do something about it.

use serde::Deserialize;
use serde_json::Value;

/// A request GitHub answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{call}: {status} {message}{}", hint_line(self))]
pub struct GitHubError {
    /// What we were doing, naming the thing: `creating the tree for owner/repo`.
    pub call: String,
    pub status: u16,
    /// GitHub's `message` (plus validation `errors`), or the start of a non-JSON body.
    pub message: String,
    /// When rate limited (primary or secondary, as GitHub answered): which limit, when to retry
    /// and what the run already waited.
    pub rate_limited: Option<String>,
    /// GitHub's `X-Accepted-GitHub-Permissions` (`contents=write; …`): what the call needs.
    pub accepted_permissions: Option<String>,
}

/// The Actions setting GitHub names when it refuses a pull request from `GITHUB_TOKEN`.
const ACTIONS_PR_SETTING: &str = "not permitted to create or approve pull requests";

/// What labels need: creating a label that does not exist yet takes `issues: write`.
pub const LABELS_HINT: &str = "labels need `issues: write` (in a workflow: `permissions: issues: \
     write`; for a GitHub App token: `permission-issues: write`)";

/// Whether GitHub refused a ref change because it touches `.github/workflows/` and the token
/// may not: recognised by its meaning, whatever the token (a GitHub App: "…without
/// `workflows` permission", a personal access token: "…without `workflow` scope", an OAuth
/// App: "…an OAuth App…") and whatever the status (403, 404 and 422 are all seen).
pub(super) fn is_workflow_refusal(status: u16, message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    matches!(status, 403 | 404 | 422)
        && lower.contains("refusing to allow")
        && lower.contains("workflow")
}

fn hint_line(error: &GitHubError) -> String {
    let (status, message) = (error.status, error.message.as_str());
    let hint = match (status, error.rate_limited.as_deref()) {
        (_, Some(limited)) => limited.to_string(),
        (_, None) if is_workflow_refusal(status, message) => {
            "the token may not change `.github/workflows/`, which GitHub requires to bring \
             changes of workflow files into a branch (a GitHub App needs the `workflows` \
             permission, a personal access token the `workflow` scope)"
                .to_string()
        }
        (401, _) => "`GITHUB_TOKEN` is missing, expired or revoked".to_string(),
        (403, _) if message.contains(ACTIONS_PR_SETTING) => {
            "the repository does not let GitHub Actions open pull requests: enable Settings → \
             Actions → General → \"Allow GitHub Actions to create and approve pull requests\", \
             or pass a GitHub App token (`github-token`); the branch is kept and reused by the \
             next run"
                .to_string()
        }
        (403, _) if message.contains("create labels") => LABELS_HINT.to_string(),
        (403, _) => match &error.accepted_permissions {
            Some(wanted) if !wanted.trim().is_empty() => format!(
                "the token lacks a permission this call needs (GitHub accepts: {}); in a \
                 workflow grant it under `permissions:`",
                crate::ident::echo(wanted.trim())
            ),
            _ => "the token needs `contents: write`, `pull-requests: write` and `issues: write` \
                  (in a workflow: `permissions:`)"
                .to_string(),
        },
        (404, _) => {
            "check `GITHUB_REPOSITORY` and that the token can see the repository".to_string()
        }
        (500..=599, _) => "GitHub failed to answer; run again later".to_string(),
        _ => return String::new(),
    };
    format!("\nhint: {hint}")
}

/// GitHub's `message`, with validation `errors` appended; a non-JSON body is shortened; the
/// whole bounded ([`crate::ident::echo_at_most`], 1,000 characters).
pub(super) fn error_message(text: &str) -> String {
    #[derive(Deserialize)]
    struct ApiError {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<Value>,
    }
    let message = match serde_json::from_str::<ApiError>(text) {
        Ok(ApiError {
            message: Some(message),
            errors,
        }) => {
            let details: Vec<String> = errors
                .iter()
                .take(10)
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
            let short: String = text.trim().chars().take(200).collect();
            if short.is_empty() {
                "(empty answer)".to_string()
            } else {
                short
            }
        }
    };
    crate::ident::echo_at_most(&message, 1000).into_owned()
}

/// GitHub's `message` as the classifications read it.
pub(super) fn message_of(text: &str) -> String {
    error_message(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            error_message(r#"{"message":"Validation Failed","errors":[{"message":"bad sha"}]}"#),
            "Validation Failed (bad sha)"
        );
        assert_eq!(error_message("<html>oops</html>"), "<html>oops</html>");
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(7_000_000));
        assert!(error_message(&long).len() < 1100);
    }

    #[test]
    fn the_workflow_refusal_by_its_meaning() {
        let app = "refusing to allow a GitHub App to create or update workflow \
                   `.github/workflows/ci.yml` without `workflows` permission";
        let pat = "refusing to allow a Personal Access Token to create or update workflow \
                   `.github/workflows/ci.yml` without `workflow` scope";
        let oauth = "refusing to allow an OAuth App to create or update workflow \
                     `.github/workflows/ci.yml` without `workflow` scope";
        for message in [app, pat, oauth] {
            for status in [403, 404, 422] {
                assert!(is_workflow_refusal(status, message), "{status} {message}");
            }
            assert!(!is_workflow_refusal(500, message));
        }
        assert!(!is_workflow_refusal(422, "Update is not a fast forward"));
        assert!(!is_workflow_refusal(
            403,
            "Resource not accessible by integration"
        ));
    }

    #[test]
    fn error_display_names_the_call() {
        let error = GitHubError {
            call: "creating the tree for o/r".into(),
            status: 422,
            message: "Validation Failed".into(),
            rate_limited: None,
            accepted_permissions: None,
        };
        assert_eq!(
            error.to_string(),
            "creating the tree for o/r: 422 Validation Failed"
        );
        let limited = GitHubError {
            status: 429,
            rate_limited: Some("rate limited; retry in 30 s".into()),
            ..error.clone()
        };
        assert_eq!(
            limited.to_string(),
            "creating the tree for o/r: 429 Validation Failed\nhint: rate limited; retry in 30 s"
        );
        let refused = GitHubError {
            status: 404,
            message: "refusing to allow a Personal Access Token to create or update workflow \
                      `.github/workflows/ci.yml` without `workflow` scope"
                .into(),
            ..error
        };
        assert!(refused
            .to_string()
            .ends_with("a personal access token the `workflow` scope)"));
    }
}
