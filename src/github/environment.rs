//! What publishing needs from the environment, read and checked before any work
//! ([`PublishEnv`], from `crate::request`): the repository, the token (kept in a [`Secret`])
//! and the client's settings. Building the client from them is publishing's
//! ([`crate::publish::GitHub`]).

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Result};

/// Where and as whom publishing talks to GitHub, read from the environment before any work:
/// `GITHUB_REPOSITORY` (`owner/name`), `GITHUB_TOKEN`, and the optional `GITHUB_API_URL`,
/// `GITHUB_SERVER_URL`, `TRACK_MODELS_BOT_LOGIN`, `TRACK_MODELS_WRITE_INTERVAL_MS` and
/// [`crate::github::rate_limit::WAIT_BUDGET_VAR`], each checked. Building it makes no request
/// and needs no runtime; [`PublishEnv::github`] builds the client (inside the runtime).
#[derive(Debug, Clone)]
pub struct PublishEnv {
    /// `owner/name`.
    pub repository: String,
    pub(crate) client: ClientSettings,
}

/// What the client is built from.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    pub(crate) api_url: String,
    pub(crate) token: Secret,
    pub(crate) graphql_url: Option<String>,
    pub(crate) server_url: Option<String>,
    pub(crate) bot_login: Option<String>,
    pub(crate) write_interval: Option<Duration>,
}

impl PublishEnv {
    /// Checks the environment `var` reads for `--publish` (`dry_run`: `--publish --dry-run`,
    /// which reads only, so a read-only token is enough).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, dry_run: bool) -> Result<PublishEnv> {
        let repository = var("GITHUB_REPOSITORY").unwrap_or_default();
        let repository = repository.trim();
        if repository.is_empty() {
            bail!(
                "`--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions \
                 sets it; elsewhere export it"
            );
        }
        let part = |text: &str| {
            !text.is_empty()
                && text.len() <= 100
                && text != "."
                && text != ".."
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !repository
            .split_once('/')
            .is_some_and(|(owner, name)| part(owner) && part(name))
        {
            bail!(
                "`GITHUB_REPOSITORY` is `{}`, not `owner/name`\nhint: GitHub Actions sets it; \
                 elsewhere export it as `owner/name`",
                crate::ident::echo(repository)
            );
        }
        let client = ClientSettings::from_vars(&var, dry_run)?;
        crate::github::rate_limit::budget_from(
            var(crate::github::rate_limit::WAIT_BUDGET_VAR).as_deref(),
        )?;
        Ok(PublishEnv {
            repository: repository.to_string(),
            client,
        })
    }
}

impl ClientSettings {
    pub(crate) fn from_vars(var: &impl Fn(&str) -> Option<String>, dry_run: bool) -> Result<Self> {
        let token = var("GITHUB_TOKEN").filter(|t| !t.trim().is_empty());
        let Some(token) = token else {
            let needs = if dry_run {
                "`--publish --dry-run` only reads: a token that can read the repository is \
                 enough"
            } else {
                "`--publish` needs a token that can write contents and pull requests"
            };
            bail!("`GITHUB_TOKEN` is not set\nhint: {needs}");
        };
        let write_interval = match var("TRACK_MODELS_WRITE_INTERVAL_MS") {
            Some(text) if !text.trim().is_empty() => {
                let millis: u64 = text.trim().parse().map_err(|_| {
                    anyhow::anyhow!(
                        "`TRACK_MODELS_WRITE_INTERVAL_MS` must be a number of milliseconds, not \
                         `{}`",
                        crate::ident::echo(&text)
                    )
                })?;
                Some(Duration::from_millis(millis))
            }
            _ => None,
        };
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(ClientSettings {
            api_url: crate::github::api_url(var),
            token: Secret::new(token.trim()),
            graphql_url: set("GITHUB_GRAPHQL_URL"),
            server_url: set("GITHUB_SERVER_URL"),
            bot_login: set("TRACK_MODELS_BOT_LOGIN"),
            write_interval,
        })
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
    pub(crate) fn new(value: &str) -> Secret {
        Secret(value.to_string())
    }

    /// The value: for `::add-mask::` and for building the client only.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_publish_environment_is_checked_before_any_work() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let error = |pairs, dry_run| {
            PublishEnv::from_vars(vars(pairs), dry_run)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error(&[("GITHUB_TOKEN", "t")], false),
            "`--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions sets \
             it; elsewhere export it"
        );
        assert_eq!(
            error(
                &[("GITHUB_REPOSITORY", "o/r/x"), ("GITHUB_TOKEN", "t")],
                false
            ),
            "`GITHUB_REPOSITORY` is `o/r/x`, not `owner/name`\nhint: GitHub Actions sets it; \
             elsewhere export it as `owner/name`"
        );
        assert_eq!(
            error(
                &[("GITHUB_REPOSITORY", "../r"), ("GITHUB_TOKEN", "t")],
                false
            ),
            "`GITHUB_REPOSITORY` is `../r`, not `owner/name`\nhint: GitHub Actions sets it; \
             elsewhere export it as `owner/name`"
        );
        assert_eq!(
            error(&[("GITHUB_REPOSITORY", "o/r")], false),
            "`GITHUB_TOKEN` is not set\nhint: `--publish` needs a token that can write \
             contents and pull requests"
        );
        // Outside any runtime, before any work: no request is made.
        let env = PublishEnv::from_vars(
            vars(&[("GITHUB_REPOSITORY", " o/r "), ("GITHUB_TOKEN", "t")]),
            false,
        )
        .unwrap();
        assert_eq!(env.repository, "o/r");
        assert_eq!(
            error(
                &[
                    ("GITHUB_REPOSITORY", "o/r"),
                    ("GITHUB_TOKEN", "t"),
                    ("TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS", "soon"),
                ],
                false
            ),
            "`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS` must be a number of seconds, not `soon`"
        );
        assert_eq!(
            error(&[("GITHUB_REPOSITORY", "o/r")], true),
            "`GITHUB_TOKEN` is not set\nhint: `--publish --dry-run` only reads: a token that \
             can read the repository is enough"
        );
    }
}
