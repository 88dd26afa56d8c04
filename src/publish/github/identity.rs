//! Who the token is, and the repository's default branch.

use anyhow::{bail, Result};
use serde::Deserialize;

use super::{parse, GitHub, Method};

/// The login of the token GitHub Actions hands to workflows (`GET /user` is forbidden to it).
pub const ACTIONS_BOT: &str = "github-actions[bot]";

impl GitHub {
    /// The bot's own login: `TRACK_MODELS_BOT_LOGIN` when set, else the token's user, else
    /// [`ACTIONS_BOT`] when `GET /user` is forbidden (the Actions `GITHUB_TOKEN` is an
    /// installation token, not a user). A rate-limited answer (primary or secondary, with or
    /// without `retry-after`) is waited for within the budget and then an error, never "the
    /// Actions bot": a personal token must not take itself for it.
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
        if reply.status == 403 && reply.rate_limit.is_none() {
            return Ok((ACTIONS_BOT.to_string(), true));
        }
        let reply = self.require(reply, call, &[])?;
        Ok((parse::<User>(&reply.text, call)?.login, false))
    }

    /// The repository's default branch, refused unless it is a valid branch name (an answer
    /// of any size is echoed bounded).
    pub async fn default_branch(&self, repo: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Repo {
            default_branch: String,
        }
        let call = format!("reading the repository {repo}");
        let reply = self.get_ok(&format!("/repos/{repo}"), &call, &[]).await?;
        let branch = parse::<Repo>(&reply.text, &call)?.default_branch;
        if !crate::ident::is_git_ref(&branch) {
            bail!(
                "{call}: GitHub answered a default branch that is not a branch name: `{}`",
                crate::ident::echo(&branch)
            );
        }
        Ok(branch)
    }
}
