//! Turning `--model-name` arguments into [`ModelRequest`]s: the repo id, the config.json text
//! and the serving sizes. I/O lives here (files, the Hub); the decisions are small functions.
//!
//! Repo id, in order: `--hf-repo-id`; the marker of an existing doc section with that name; a
//! cookbook `model_path` or SGLang supported-models entry whose repo name matches; an HF
//! search (`text-generation` and `image-text-to-text`). Several plausible matches is an error
//! that lists them.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::onboard::{ConfigUnavailable, Unresolved};

use crate::discover::display_name::{display_name, name_key};
use crate::doc::refresh::SectionOutcome;
use crate::naming::normalized_sizes;
use crate::onboard::{ConfigFiles, ModelRequest, ServingOrigin, ServingPlan};
use crate::request::{ModelArgs, Sizes};
use crate::sources::hf::{HfClient, ModelQuery};
use crate::sources::serving::{CookbookIndex, ServingConfig};
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
pub async fn requests(
    models: &[ModelArgs],
    sizes: &Sizes,
    resolver: &Resolver<'_>,
) -> Vec<Result<ModelRequest, Unresolved>> {
    let mut resolved = Vec::new();
    for model in models {
        let repo = match &model.hf_repo_id {
            Some(repo) => validate_repo_id(repo),
            None => resolver.repo_id(&model.name).await,
        };
        resolved.push(repo.map(|repo| (model, repo)));
    }
    let to_fetch: Vec<String> = resolved
        .iter()
        .flatten()
        .filter(|(model, _)| model.config_file.is_none())
        .map(|(_, repo)| repo.clone())
        .collect();
    let mut fetched: BTreeMap<String, Result<String, ConfigUnavailable>> = resolver
        .hf
        .fetch_configs(&to_fetch)
        .await
        .into_iter()
        .map(|(repo, result)| {
            let text = result
                .map(|file| file.text)
                .map_err(|source| ConfigUnavailable::Hub {
                    repo: repo.clone(),
                    source: Arc::new(source),
                });
            (repo, text)
        })
        .collect();
    let resolved_configs = resolved
        .into_iter()
        .map(|entry| {
            let (model, repo) = entry?;
            let name = model.name.clone();
            let config = match &model.config_file {
                Some(path) => {
                    crate::atomic_file::read_regular(path, crate::atomic_file::MAX_CONFIG_BYTES)
                        .and_then(|bytes| Ok(String::from_utf8(bytes)?))
                        .map_err(|error| ConfigUnavailable::File {
                            model: name.clone(),
                            path: path.clone(),
                            source: Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(
                                error,
                            )),
                        })
                }
                None => fetched
                    .remove(&repo)
                    .unwrap_or_else(|| Err(ConfigUnavailable::NotFetched { repo: repo.clone() })),
            };
            let display_name = model
                .display_name
                .clone()
                .unwrap_or_else(|| display_name(&repo));
            Ok((name, repo, display_name, config))
        })
        .collect::<Vec<Result<_, Unresolved>>>();
    let mut requests = Vec::new();
    for entry in resolved_configs {
        requests.push(match entry {
            Ok((name, repo, display_name, config)) => {
                let serving = serving_plan(
                    sizes,
                    resolver.cookbook,
                    resolver.hf,
                    &repo,
                    config.as_deref().ok(),
                )
                .await;
                Ok(ModelRequest {
                    model_name: name,
                    serving,
                    hf_repo_id: repo,
                    display_name,
                    config,
                })
            }
            Err(error) => Err(error),
        });
    }
    requests
}

impl Resolver<'_> {
    async fn repo_id(&self, name: &str) -> Result<String, Unresolved> {
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
            let models =
                self.hf
                    .list_models(&query)
                    .await
                    .map_err(|source| Unresolved::SearchFailed {
                        model: name.to_string(),
                        source: Arc::new(source),
                    })?;
            found.extend(models.into_iter().map(|m| m.id));
        }
        found.dedup();
        // `pick` answers `None` only when nothing was found.
        pick(&found, &key, name, "the Hub")?.ok_or_else(|| Unresolved::NoRepo {
            model: name.to_string(),
        })
    }
}

/// The repo whose name spells the model name (letters and digits compared), else the one whose
/// name means it (variant and quantization words dropped), else the only candidate; several
/// without one of those is an error that lists them.
fn pick(
    candidates: &[String],
    key: &str,
    name: &str,
    place: &'static str,
) -> Result<Option<String>, Unresolved> {
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
        (_, _, many) => Err(Unresolved::Ambiguous {
            model: name.to_string(),
            place,
            repos: many.to_vec(),
        }),
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
pub fn validate_repo_id(repo: &str) -> Result<String, Unresolved> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && !part.starts_with(['.', '-'])
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    match repo.split_once('/') {
        Some((org, name)) if valid_part(org) && valid_part(name) => Ok(repo.to_string()),
        _ => Err(Unresolved::InvalidRepoId {
            repo: repo.to_string(),
        }),
    }
}

/// The serving sizes for `repo`, and where they came from (the first that answers):
///
/// 1. explicit `--tp` / `--ep`;
/// 2. the serving configs that name `repo` (cookbook YAML, SGLang `docs_new` configs);
/// 3. the configs of a repo with the same architecture fingerprint: a quantized, fine-tuned or
///    mirrored upload (`-FP8`, `-NVFP4`, `-Instruct`, another org) whose config.json has the same
///    kernels. Candidates are the configured repos with the same base name (quantization and
///    fine-tune words dropped, any org) or of the same family (same org, one base name extends
///    the other: `DeepSeek-V3` / `DeepSeek-V3.2`); at most [`MAX_RELATIVES`] configs are read;
/// 4. the configs of the same family, same org, without the fingerprint check (the closest name);
/// 5. an estimate from `config` ([`crate::sizing`]);
/// 6. TP=1 when even `config` is unreadable.
///
/// When a serving-config file that would serve `repo` could not be read (or gave no cells,
/// [`CookbookIndex::unread_for`]), steps 3 and 4 are skipped and the estimate's note names the
/// file and the reason first, so the serving line and the report's `why` say so.
pub async fn serving_plan(
    sizes: &Sizes,
    cookbook: &CookbookIndex,
    hf: &HfClient,
    repo: &str,
    config: Option<&str>,
) -> ServingPlan {
    if sizes.is_given() {
        return ServingPlan {
            attention_tp: normalized_sizes(sizes.tp.clone()),
            ep: normalized_sizes(sizes.ep.clone()),
            origin: ServingOrigin::Explicit,
        };
    }
    if let Some(plan) = configured_plan(cookbook, repo, None) {
        return plan;
    }
    let arch = config.and_then(|text| crate::arch::parse_config(text).ok());
    let unread = cookbook.unread_for(repo);
    if !unread.is_empty() {
        let said = unread
            .iter()
            .map(|u| {
                format!(
                    "the serving config `{}` could not be read ({})",
                    u.file, u.reason
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return match &arch {
            Some(arch) => {
                let estimate = crate::sizing::estimate(arch);
                ServingPlan {
                    attention_tp: vec![estimate.tp],
                    ep: vec![estimate.ep],
                    origin: ServingOrigin::Estimated(format!("{said}; {}", estimate.note)),
                }
            }
            None => ServingPlan {
                attention_tp: vec![1],
                ep: vec![1],
                origin: ServingOrigin::Estimated(format!("{said}; single GPU assumed")),
            },
        };
    }
    let relatives = relatives(cookbook, repo);
    if let Some(arch) = &arch {
        let fingerprint = arch.fingerprint_digest();
        let to_read: Vec<String> = relatives
            .iter()
            .take(MAX_RELATIVES)
            .map(|r| r.repo.clone())
            .collect();
        let fetched: BTreeMap<String, String> = hf
            .fetch_configs(&to_read)
            .await
            .into_iter()
            .filter_map(|(repo, file)| {
                let digest = crate::arch::parse_config(&file.ok()?.text)
                    .ok()?
                    .fingerprint_digest();
                Some((repo, digest))
            })
            .collect();
        for relative in relatives.iter().take(MAX_RELATIVES) {
            if fetched.get(&relative.repo) == Some(&fingerprint) {
                if let Some(plan) = configured_plan(cookbook, &relative.repo, Some(true)) {
                    return plan;
                }
            }
        }
    }
    if let Some(relative) = relatives.iter().find(|r| r.same_org) {
        if let Some(plan) = configured_plan(cookbook, &relative.repo, Some(false)) {
            return plan;
        }
    }
    match &arch {
        Some(arch) => {
            let estimate = crate::sizing::estimate(arch);
            ServingPlan {
                attention_tp: vec![estimate.tp],
                ep: vec![estimate.ep],
                origin: ServingOrigin::Estimated(estimate.note),
            }
        }
        None => ServingPlan::single_gpu(),
    }
}

/// Configs read per model for the fingerprint check.
pub const MAX_RELATIVES: usize = 6;

/// The union of the serving configs that name `repo`; `borrowed` is set when `repo` is another
/// model's relative (`Some(true)`: same kernels, `Some(false)`: same family).
fn configured_plan(
    cookbook: &CookbookIndex,
    repo: &str,
    borrowed: Option<bool>,
) -> Option<ServingPlan> {
    let sources = cookbook.serving(repo);
    if sources.is_empty() {
        return None;
    }
    let mut hardware: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for source in &sources {
        let key = (describe(&source.config), source_label(&source.file));
        let entry = hardware.entry(key).or_default();
        if !entry.contains(&source.hardware) {
            entry.push(source.hardware.clone());
        }
    }
    let configs: Vec<String> = hardware
        .into_iter()
        .map(|((config, label), hw)| format!("{config} on {}{label}", hw.join(", ")))
        .collect();
    Some(ServingPlan {
        attention_tp: normalized_sizes(sources.iter().map(|s| s.config.attention_tp()).collect()),
        ep: normalized_sizes(sources.iter().map(|s| s.config.ep).collect()),
        origin: match borrowed {
            None => ServingOrigin::Cookbook(configs, config_files(&sources)),
            Some(same_kernels) => ServingOrigin::Borrowed {
                from: repo.to_string(),
                same_kernels,
                configs,
            },
        },
    })
}

/// A configured repo related to the one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Relative {
    repo: String,
    same_org: bool,
}

/// Configured repos (with at least one serving config) with the same base name (any org), or
/// of the same family (same org, one base name extending the other at a separator); the
/// closest first: same base before family, same org before others, shorter names first.
fn relatives(cookbook: &CookbookIndex, repo: &str) -> Vec<Relative> {
    let (org, name) = repo.split_once('/').unwrap_or(("", repo));
    let base = base_name(name);
    if base.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(u8, usize, Relative)> = cookbook
        .repo_ids()
        .into_iter()
        .filter(|other| !other.eq_ignore_ascii_case(repo) && !cookbook.serving(other).is_empty())
        .filter_map(|other| {
            let (other_org, other_name) = other.split_once('/')?;
            let other_base = base_name(other_name);
            let same_org = other_org.eq_ignore_ascii_case(org);
            let rank = if other_base == base {
                if same_org {
                    0
                } else {
                    1
                }
            } else if same_org && (extends(&other_base, &base) || extends(&base, &other_base)) {
                2
            } else {
                return None;
            };
            let distance = other_name.len().abs_diff(name.len());
            Some((
                rank,
                distance,
                Relative {
                    repo: other,
                    same_org,
                },
            ))
        })
        .collect();
    found.sort_by(|a, b| (a.0, a.1, &a.2.repo).cmp(&(b.0, b.1, &b.2.repo)));
    found.into_iter().map(|(_, _, relative)| relative).collect()
}

/// Whether `longer` is `shorter` plus a version or variant after a separator, with no size in
/// it (`deepseek-v3.2` and `deepseek-v3.1-terminus` extend `deepseek-v3`; `qwen3-80b` does not
/// extend `qwen3-8b`, and `glm-4-32b` is another size, not a later `glm-4`).
fn extends(longer: &str, shorter: &str) -> bool {
    let Some(rest) = longer.strip_prefix(shorter) else {
        return false;
    };
    let is_size = |word: &str| {
        let word = word.strip_prefix('a').unwrap_or(word);
        word.len() > 1
            && word.ends_with(['b', 'm'])
            && word[..word.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
    };
    rest.starts_with(['.', '-', '_'])
        && !rest.split(['-', '_']).any(|word| {
            is_size(word) || word.starts_with(|c: char| c.is_ascii_digit()) && word.contains('x')
        })
}

/// The repo name lower-cased without its trailing quantization / fine-tune / date words:
/// `DeepSeek-V3.2-Exp-FP8` → `deepseek-v3.2-exp`, `Qwen3-8B-Instruct-2507` → `qwen3-8b`.
fn base_name(name: &str) -> String {
    const SUFFIXES: [&str; 22] = [
        "fp8", "fp4", "nvfp4", "mxfp4", "int4", "int8", "awq", "gptq", "w4a16", "w8a8", "w4a8",
        "bf16", "fp16", "dynamic", "instruct", "chat", "base", "it", "hf", "thinking", "gguf",
        "mlx",
    ];
    let mut base = name.to_lowercase();
    while let Some((head, last)) = base.rsplit_once(['-', '_']) {
        let is_date = last.len() >= 4 && last.bytes().all(|b| b.is_ascii_digit());
        if head.is_empty() || !(SUFFIXES.contains(&last) || is_date) {
            break;
        }
        base = head.to_string();
    }
    base
}

/// Which kinds of file `sources` were read from (a `docs_new/src/snippets/configs/` path is
/// SGLang's, any other the sgl-cookbook's).
fn config_files(sources: &[crate::sources::serving::ServingSource]) -> ConfigFiles {
    let cookbook = sources.iter().any(|s| !is_docs_new(&s.file));
    let docs_new = sources.iter().any(|s| is_docs_new(&s.file));
    match (cookbook, docs_new) {
        (true, true) => ConfigFiles::Both,
        (false, true) => ConfigFiles::DocsNew,
        _ => ConfigFiles::Cookbook,
    }
}

fn is_docs_new(file: &std::path::Path) -> bool {
    file.to_string_lossy()
        .contains("docs_new/src/snippets/configs/")
}

/// Where a config came from, when it is not the sgl-cookbook (which the serving line already
/// names): ` (SGLang's docs_new config moonshotai/kimi-k3.jsx)`.
fn source_label(file: &std::path::Path) -> String {
    let shown = file.to_string_lossy();
    match shown.split_once("docs_new/src/snippets/configs/") {
        Some((_, config)) => format!(" (SGLang's docs_new config {config})"),
        None => String::new(),
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
    fn the_serving_line_names_the_kinds_of_file_the_sizes_came_from() {
        let source = |file: &str| crate::sources::serving::ServingSource {
            repo_id: "org/model".into(),
            config: ServingConfig::new(8, 8, 1, false),
            hardware: "H200".into(),
            file: file.into(),
        };
        let yaml = source("data/models/generated/v0.5.6/model.yaml");
        let jsx = source("docs_new/src/snippets/configs/org/model.jsx");
        assert_eq!(
            config_files(std::slice::from_ref(&yaml)),
            ConfigFiles::Cookbook
        );
        assert_eq!(
            config_files(std::slice::from_ref(&jsx)),
            ConfigFiles::DocsNew
        );
        assert_eq!(config_files(&[yaml, jsx]), ConfigFiles::Both);
    }

    #[test]
    fn base_names_drop_quantization_and_fine_tune_words() {
        assert_eq!(base_name("DeepSeek-V3.2-Exp-FP8"), "deepseek-v3.2-exp");
        assert_eq!(base_name("Qwen3-8B-Instruct-2507"), "qwen3-8b");
        assert_eq!(base_name("Kimi-K2-Instruct"), "kimi-k2");
        assert_eq!(base_name("gemma-3-27b-it"), "gemma-3-27b");
        assert_eq!(base_name("Instruct"), "instruct");
        assert!(extends("deepseek-v3.2", "deepseek-v3"));
        assert!(!extends("qwen3-80b", "qwen3-8b"));
        assert!(!extends("deepseek-v3", "deepseek-v3"));
        assert!(extends("deepseek-v3.1-terminus", "deepseek-v3"));
        assert!(!extends("glm-4-32b", "glm-4"));
        assert!(!extends("qwen3-30b-a3b", "qwen3"));
        assert!(!extends("mixtral-8x22b", "mixtral"));
    }

    #[test]
    fn repo_ids_are_checked() {
        assert!(validate_repo_id("Qwen/Qwen3-8B").is_ok());
        for bad in ["Qwen", "a/b/c", "a/b c", "a/*/}", "/x", "a/.x"] {
            assert!(validate_repo_id(bad).is_err(), "{bad}");
        }
    }
}
