//! Turning `--model-name` arguments into [`ModelRequest`]s: the repo id, the config.json text
//! and the serving sizes. I/O lives here (files, the Hub); the decisions are small functions.
//!
//! Repo id, in order: `--hf-repo-id`; the marker of an existing doc section with that name; a
//! cookbook `model_path` or SGLang supported-models entry whose repo name matches; an HF
//! search (`text-generation` and `image-text-to-text`). Several plausible matches is an error
//! that lists them.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};

use crate::cli::Cli;
use crate::discover::display_name::{display_name, name_key};
use crate::doc::refresh::SectionOutcome;
use crate::naming::normalized_sizes;
use crate::onboard::{ModelRequest, ServingOrigin, ServingPlan};
use crate::sources::cookbook::{CookbookIndex, ServingConfig};
use crate::sources::hf::{HfClient, ModelQuery};
use crate::sources::sglang::SglangCatalog;

/// What resolution can look at.
pub struct Resolver<'a> {
    pub sections: &'a [SectionOutcome],
    pub cookbook: &'a CookbookIndex,
    pub catalog: &'a SglangCatalog,
    pub hf: &'a HfClient,
}

/// Builds one request per `--model-name`. A model that cannot be resolved is an `Err` naming
/// it; the others still get their requests.
pub async fn requests(cli: &Cli, resolver: &Resolver<'_>) -> Vec<Result<ModelRequest>> {
    let names = &cli.model_name;
    let mut resolved = Vec::new();
    for (position, name) in names.iter().enumerate() {
        let repo = match paired(&cli.hf_repo_id, position, names.len()) {
            Some(repo) => validate_repo_id(repo),
            None => resolver.repo_id(name).await,
        };
        resolved.push(repo.map(|repo| (position, name.clone(), repo)));
    }
    let to_fetch: Vec<String> = resolved
        .iter()
        .flatten()
        .filter(|(position, _, _)| paired_path(cli, *position).is_none())
        .map(|(_, _, repo)| repo.clone())
        .collect();
    let mut fetched: BTreeMap<String, Result<String, String>> = resolver
        .hf
        .fetch_configs(&to_fetch)
        .await
        .into_iter()
        .map(|(repo, result)| {
            let text = result
                .map(|file| file.text)
                .map_err(|e| format!("config.json unavailable for `{repo}`: {e}"));
            (repo, text)
        })
        .collect();
    resolved
        .into_iter()
        .map(|entry| {
            let (position, name, repo) = entry?;
            let config = match paired_path(cli, position) {
                Some(path) => {
                    crate::atomic_file::read_regular(path, crate::atomic_file::MAX_CONFIG_BYTES)
                        .and_then(|bytes| Ok(String::from_utf8(bytes)?))
                        .map_err(|e| {
                            format!(
                                "reading the config file `{}` for `{name}`: {e}",
                                path.display()
                            )
                        })
                }
                None => fetched
                    .remove(&repo)
                    .unwrap_or_else(|| Err(format!("config.json for `{repo}` was not fetched"))),
            };
            let display_name = paired(&cli.display_name, position, cli.model_name.len())
                .map(|text| text.trim().to_string())
                .filter(|text| !text.is_empty())
                .unwrap_or_else(|| display_name(&repo));
            Ok(ModelRequest {
                model_name: name,
                serving: serving_plan(cli, resolver.cookbook, &repo),
                hf_repo_id: repo,
                display_name,
                config,
            })
        })
        .collect()
}

/// Checks that the per-model lists line up with `--model-name` (same length, or one value for
/// one model).
pub fn check_pairing(cli: &Cli) -> Result<()> {
    let models = cli.model_name.len();
    for (flag, count) in [
        ("--hf-repo-id", cli.hf_repo_id.len()),
        ("--config-file", cli.config_file.len()),
        ("--display-name", cli.display_name.len()),
    ] {
        if count != 0 && count != models {
            bail!("{flag} is given {count} time(s) for {models} `--model-name`(s)\nhint: give it once per `--model-name`, in the same order");
        }
    }
    Ok(())
}

fn paired<T>(values: &[T], position: usize, models: usize) -> Option<&T> {
    (values.len() == models)
        .then(|| values.get(position))
        .flatten()
}

fn paired_path(cli: &Cli, position: usize) -> Option<&std::path::PathBuf> {
    paired(&cli.config_file, position, cli.model_name.len())
}

impl Resolver<'_> {
    async fn repo_id(&self, name: &str) -> Result<String> {
        let key = name_key(name);
        if let Some(repo) = self
            .sections
            .iter()
            .filter(|s| name_key(&s.title) == key)
            .find_map(|s| s.hf_repo_id.clone())
        {
            return Ok(repo);
        }
        let mut known: Vec<String> = self.cookbook.find_by_repo_name(name);
        known.extend(
            self.catalog
                .doc_repo_ids
                .iter()
                .map(|(_, repo)| repo.clone())
                .filter(|repo| name_key(repo_name(repo)) == key),
        );
        known.sort_by_key(|r| r.to_ascii_lowercase());
        known.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        if let Some(repo) = pick(&known, &key, name, "the cookbooks and SGLang's docs")? {
            return Ok(repo);
        }
        let mut found = Vec::new();
        for tag in ["text-generation", "image-text-to-text"] {
            let query = ModelQuery {
                search: Some(name.to_string()),
                pipeline_tag: Some(tag.to_string()),
                sort: Some("downloads".to_string()),
                limit: 20,
                ..ModelQuery::default()
            };
            let models = self.hf.list_models(&query).await.map_err(|e| {
                anyhow!("searching the Hub for `{name}`: {e}\nhint: pass `--hf-repo-id ORG/REPO`")
            })?;
            found.extend(models.into_iter().map(|m| m.id));
        }
        found.dedup();
        match pick(&found, &key, name, "the Hub")? {
            Some(repo) => Ok(repo),
            None if found.is_empty() => Err(anyhow!(
                "no HF repo found for `{name}`\nhint: pass `--hf-repo-id ORG/REPO`"
            )),
            None => Err(anyhow!(
                "`{name}` matches several HF repos: {}\nhint: pass `--hf-repo-id ORG/REPO`",
                found
                    .iter()
                    .take(8)
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// The repo whose name spells the model name (letters and digits compared), else the one whose
/// name means it (variant and quantization words dropped), else the only candidate; several
/// without one of those is an error that lists them.
fn pick(candidates: &[String], key: &str, name: &str, source: &str) -> Result<Option<String>> {
    let spelled = |repo: &str| alphanumeric(repo_name(repo)) == alphanumeric(name);
    let strict: Vec<&String> = candidates.iter().filter(|r| spelled(r)).collect();
    let meant: Vec<&String> = candidates
        .iter()
        .filter(|r| name_key(repo_name(r)) == key)
        .collect();
    match (strict.as_slice(), meant.as_slice(), candidates) {
        ([one], _, _) | ([], [one], _) => Ok(Some((*one).clone())),
        ([], [], [one]) => Ok(Some(one.clone())),
        ([], [], []) => Ok(None),
        (_, _, many) => {
            bail!(
            "`{name}` matches several repos in {source}: {}\nhint: pass `--hf-repo-id ORG/REPO`",
            many.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        )
        }
    }
}

fn alphanumeric(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn repo_name(repo: &str) -> &str {
    repo.rsplit('/').next().unwrap_or(repo)
}

/// `org/name` with the Hub's characters only (so it is safe in the marker and in URLs).
pub fn validate_repo_id(repo: &str) -> Result<String> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && !part.starts_with(['.', '-'])
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match repo.split_once('/') {
        Some((org, name)) if valid_part(org) && valid_part(name) => Ok(repo.to_string()),
        _ => bail!("`{repo}` is not an HF repo id (expected `org/name` with letters, digits, `.`, `_`, `-`)"),
    }
}

/// Explicit `--tp`/`--ep` win; else the union of the cookbooks' serving configs; else TP=1.
pub fn serving_plan(cli: &Cli, cookbook: &CookbookIndex, repo: &str) -> ServingPlan {
    if !cli.tp.is_empty() || !cli.ep.is_empty() {
        return ServingPlan {
            attention_tp: normalized_sizes(cli.tp.clone()),
            ep: normalized_sizes(cli.ep.clone()),
            origin: ServingOrigin::Explicit,
        };
    }
    let sources = cookbook.serving(repo);
    if sources.is_empty() {
        return ServingPlan::single_gpu();
    }
    let mut hardware: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for source in &sources {
        let entry = hardware.entry(describe(&source.config)).or_default();
        if !entry.contains(&source.hardware) {
            entry.push(source.hardware.clone());
        }
    }
    ServingPlan {
        attention_tp: normalized_sizes(sources.iter().map(|s| s.config.attention_tp()).collect()),
        ep: normalized_sizes(sources.iter().map(|s| s.config.ep).collect()),
        origin: ServingOrigin::Cookbook(
            hardware
                .into_iter()
                .map(|(config, hw)| format!("{config} on {}", hw.join(", ")))
                .collect(),
        ),
    }
}

/// `TP=8`, `TP=8 EP=8`, `TP=8 DP=8 (DP attention)`.
fn describe(config: &ServingConfig) -> String {
    let mut text = format!("TP={}", config.tp);
    if config.ep > 1 {
        text.push_str(&format!(" EP={}", config.ep));
    }
    if config.dp > 1 {
        text.push_str(&format!(" DP={}", config.dp));
        if config.dp_attention {
            text.push_str(" (DP attention)");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_are_checked() {
        assert!(validate_repo_id("Qwen/Qwen3-8B").is_ok());
        for bad in ["Qwen", "a/b/c", "a/b c", "a/*/}", "/x", "a/.x"] {
            assert!(validate_repo_id(bad).is_err(), "{bad}");
        }
    }
}
