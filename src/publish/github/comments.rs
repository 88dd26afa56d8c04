//! Issue comments: the bot's sticky comment on its pull request.

use anyhow::Result;
use serde::Deserialize;
use serde_json::json;

use super::pulls::UserLogin;
use super::{parse, GitHub, Method};
use crate::publish::plan::StickyComment;

impl GitHub {
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
            user: Option<UserLogin>,
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
