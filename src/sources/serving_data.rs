//! Where SGLang's model catalog and the serving configurations come from, in order:
//!
//! 1. local folders when given (`--sglang-dir`, `--cookbook-dir`): they always win;
//! 2. else the repositories live (`sgl-project/sglang` and `sgl-project/sgl-cookbook` at their
//!    default branch's head, or `--sglang-repo` / `--cookbook-repo` / `TRACK_MODELS_SGLANG_REPO`
//!    / `TRACK_MODELS_COOKBOOK_REPO` as `owner/name[@ref]`) through the GitHub REST API at
//!    `GITHUB_API_URL` (with `GITHUB_TOKEN` when set), cached by blob sha
//!    ([`crate::sources::github_repo`]);
//! 3. offline (`HF_HUB_OFFLINE`), or when GitHub cannot be read, the last state cached, with its
//!    age;
//! 4. else the bundled catalog snapshot, and no serving configuration (the serving plan then
//!    falls back to its estimate, never to a silent TP=1).
//!
//! A repository that could not be read live is one problem line naming it, the URL and what was
//! used instead. Each repository's walk has a deadline.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::github_repo::{self, read_live, RepoCache, RepoError, RepoRef, RepoSnapshot, Wanted};
use super::serving::{parse_cookbook_yaml, parse_jsx_config, CookbookIndex};
use super::sglang::{SglangCatalog, BUNDLED_DATE};
use crate::github::reader::GithubApi;

pub const DEFAULT_SGLANG_REPO: &str = "sgl-project/sglang";
pub const DEFAULT_COOKBOOK_REPO: &str = "sgl-project/sgl-cookbook";

const SGLANG_FILES: [Wanted; 4] = [
    Wanted {
        folder: "python/sglang/srt/models",
        extensions: &["py"],
        nested: false,
    },
    Wanted {
        folder: "docs_new/src/snippets/configs",
        extensions: &["jsx"],
        nested: true,
    },
    Wanted {
        folder: "docs_new/docs/supported-models",
        extensions: &["mdx", "md"],
        nested: false,
    },
    Wanted {
        folder: "docs/supported_models",
        extensions: &["md"],
        nested: true,
    },
];

const COOKBOOK_FILES: [Wanted; 1] = [Wanted {
    folder: "data/models/generated",
    extensions: &["yaml", "yml"],
    nested: true,
}];

/// How to reach the sources. Build it with [`ServingDataOptions::from_vars`].
#[derive(Clone)]
pub struct ServingDataOptions {
    pub sglang_dir: Option<PathBuf>,
    pub cookbook_dirs: Vec<PathBuf>,
    pub sglang_repo: RepoRef,
    pub cookbook_repo: RepoRef,
    /// Without a trailing `/`.
    pub github_api_url: String,
    pub github_token: Option<String>,
    pub offline: bool,
    /// `$HF_HOME/track-models/github`.
    pub cache_dir: PathBuf,
    /// Deadline of one repository's whole walk.
    pub deadline: Duration,
    /// Whole-request timeout of one GitHub call.
    pub request_timeout: Duration,
    /// GitHub calls per repository (a cold read of SGLang needs a few hundred).
    pub budget: u32,
}

impl std::fmt::Debug for ServingDataOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServingDataOptions")
            .field("sglang_dir", &self.sglang_dir)
            .field("cookbook_dirs", &self.cookbook_dirs)
            .field("sglang_repo", &self.sglang_repo)
            .field("cookbook_repo", &self.cookbook_repo)
            .field("github_api_url", &self.github_api_url)
            .field(
                "github_token",
                &self.github_token.as_ref().map(|_| "<redacted>"),
            )
            .field("offline", &self.offline)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl ServingDataOptions {
    /// From the command line's values and the environment (`var` stands in for it):
    /// `GITHUB_API_URL`, `GITHUB_TOKEN`, `HF_HUB_OFFLINE`, `HF_HOME` (and its defaults),
    /// `TRACK_MODELS_SGLANG_REPO`, `TRACK_MODELS_COOKBOOK_REPO`. A flag wins over its variable.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        sglang_dir: Option<PathBuf>,
        cookbook_dirs: &[PathBuf],
        sglang_repo: Option<&str>,
        cookbook_repo: Option<&str>,
    ) -> anyhow::Result<ServingDataOptions> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repo = |flag: Option<&str>, name: &str, default: &str| {
            let text = flag
                .map(str::to_string)
                .or_else(|| set(name))
                .unwrap_or_else(|| default.to_string());
            RepoRef::parse(&text).map_err(|e| anyhow::anyhow!("{e} (from `{name}` or its flag)"))
        };
        let hf_home =
            crate::sources::hf::hf_home(&var).context("locating `HF_HOME` for the cache")?;
        let offline = crate::sources::hf::offline(&var);
        Ok(ServingDataOptions {
            sglang_dir,
            cookbook_dirs: cookbook_dirs.to_vec(),
            sglang_repo: repo(sglang_repo, "TRACK_MODELS_SGLANG_REPO", DEFAULT_SGLANG_REPO)?,
            cookbook_repo: repo(
                cookbook_repo,
                "TRACK_MODELS_COOKBOOK_REPO",
                DEFAULT_COOKBOOK_REPO,
            )?,
            github_api_url: crate::github::api_url(&var),
            github_token: set("GITHUB_TOKEN"),
            offline,
            cache_dir: hf_home.join("track-models").join("github"),
            deadline: Duration::from_secs(300),
            request_timeout: Duration::from_secs(30),
            budget: 2_000,
        })
    }
}

/// The catalog and serving configurations a run uses, and how they were obtained.
#[derive(Debug)]
pub struct ServingData {
    pub catalog: SglangCatalog,
    pub cookbook: CookbookIndex,
    /// Lines every run shows (a repository that could not be read, what replaced it).
    pub problems: Vec<String>,
    /// Where each source came from (`sgl-project/sglang@main (tree 1a2b3c4, live)`, `cached
    /// state of 2026-11-20, 3 days old`); for stderr.
    pub notes: Vec<String>,
    /// GitHub requests made.
    pub github_requests: u64,
}

/// What one repository gave.
enum Read {
    Live(RepoSnapshot),
    /// `(snapshot, why the live read was not used)`; the reason is `None` when offline.
    Cached(RepoSnapshot, Option<LiveFailure>),
    /// Neither live nor cached: why.
    Nothing(NotRead),
}

/// Why a repository was not read live.
#[derive(Debug, thiserror::Error)]
enum LiveFailure {
    /// A request failed, its answer was unusable, or the budget ran out (names the repository
    /// or the URL).
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The whole read took longer than the deadline.
    #[error("`{repo}`: not read within {} s", .deadline.as_secs())]
    Deadline { repo: String, deadline: Duration },
    /// No HTTP client to read with.
    #[error("cannot build an HTTP client: {0:#}")]
    Client(anyhow::Error),
}

/// Why a repository gave nothing, neither live nor from the cache.
#[derive(Debug, thiserror::Error)]
enum NotRead {
    #[error("offline and {0}")]
    Offline(RepoError),
    #[error("{live}, and {cached}")]
    Neither {
        live: LiveFailure,
        cached: RepoError,
    },
}

/// Loads the catalog and the serving configurations (see the module doc). Never fails.
pub async fn load(options: &ServingDataOptions, now: i64) -> ServingData {
    let mut data = ServingData {
        catalog: SglangCatalog::bundled(),
        cookbook: CookbookIndex::default(),
        problems: Vec::new(),
        notes: Vec::new(),
        github_requests: 0,
    };
    let cache = RepoCache {
        dir: options.cache_dir.clone(),
    };
    let sglang = match &options.sglang_dir {
        Some(_) => None,
        None => Some(
            read(
                options,
                &cache,
                &options.sglang_repo,
                &SGLANG_FILES,
                now,
                &mut data,
            )
            .await,
        ),
    };
    let cookbook = match options.cookbook_dirs.is_empty() {
        false => None,
        true => Some(
            read(
                options,
                &cache,
                &options.cookbook_repo,
                &COOKBOOK_FILES,
                now,
                &mut data,
            )
            .await,
        ),
    };

    // Local folders first, as before.
    data.cookbook = CookbookIndex::load(&options.cookbook_dirs, options.sglang_dir.as_deref());
    if let Some(dir) = &options.sglang_dir {
        data.catalog = SglangCatalog::from_dir(dir);
    }

    let mut unread = Vec::new();
    if let Some(sglang) = sglang {
        let label = &options.sglang_repo.repo;
        match snapshot_of(sglang, label, now, &mut data.notes, &mut unread) {
            Some(snapshot) => {
                data.catalog = SglangCatalog::from_files(
                    format!(
                        "{label}@{} ({})",
                        snapshot.reference,
                        short(&snapshot.tree_sha)
                    ),
                    &snapshot.files,
                );
                add_files(&mut data.cookbook, &snapshot, |path| path.ends_with(".jsx"));
                data.notes.extend(snapshot.notes.iter().cloned());
            }
            None => {
                if let Some(line) = unread.last_mut() {
                    line.push_str(&format!(
                        ": SGLang's model classes come from the bundled list ({BUNDLED_DATE}) and its `docs_new` serving configs are missing"
                    ));
                }
            }
        }
    }
    if let Some(cookbook) = cookbook {
        let label = &options.cookbook_repo.repo;
        match snapshot_of(cookbook, label, now, &mut data.notes, &mut unread) {
            Some(snapshot) => {
                add_files(&mut data.cookbook, &snapshot, |path| {
                    path.ends_with(".yaml") || path.ends_with(".yml")
                });
                data.notes.extend(snapshot.notes.iter().cloned());
            }
            None => {
                if let Some(line) = unread.last_mut() {
                    line.push_str(": its serving configs are missing");
                }
            }
        }
    }
    if !unread.is_empty() {
        // One line for the whole of GitHub, whatever failed.
        data.problems.push(format!(
            "serving data: {}\nhint: serving sizes then come from the configs that were read, else an estimate; {}pass `--sglang-dir` / `--cookbook-dir` to read local checkouts",
            unread.join("; "),
            if options.github_token.is_none() && !options.offline {
                "set `GITHUB_TOKEN` (a first read of SGLang takes a few hundred requests, more than GitHub allows without one), or "
            } else {
                ""
            }
        ));
    }
    data
}

async fn read(
    options: &ServingDataOptions,
    cache: &RepoCache,
    repo: &RepoRef,
    wanted: &[Wanted],
    now: i64,
    data: &mut ServingData,
) -> Read {
    if options.offline {
        return match cache.load(repo) {
            Ok(snapshot) => Read::Cached(snapshot, None),
            Err(why) => Read::Nothing(NotRead::Offline(why)),
        };
    }
    let built = GithubApi::new(
        &options.github_api_url,
        options.github_token.as_deref(),
        options.request_timeout,
        options.budget,
    );
    let live = match built {
        Ok(mut api) => {
            let walk = read_live(&mut api, cache, repo, wanted, now);
            let result = match tokio::time::timeout(options.deadline, walk).await {
                Ok(result) => result.map_err(LiveFailure::Repo),
                Err(_) => Err(LiveFailure::Deadline {
                    repo: repo.repo.clone(),
                    deadline: options.deadline,
                }),
            };
            data.github_requests += u64::from(api.used);
            result
        }
        Err(err) => Err(LiveFailure::Client(err)),
    };
    match live {
        Ok(snapshot) => Read::Live(snapshot),
        Err(why) => match cache.load(repo) {
            Ok(snapshot) => Read::Cached(snapshot, Some(why)),
            Err(cached) => Read::Nothing(NotRead::Neither { live: why, cached }),
        },
    }
}

/// The snapshot to use, recording where it came from in `notes` and what failed in `unread`.
fn snapshot_of(
    read: Read,
    label: &str,
    now: i64,
    notes: &mut Vec<String>,
    unread: &mut Vec<String>,
) -> Option<RepoSnapshot> {
    match read {
        Read::Live(snapshot) => {
            notes.push(format!(
                "{label}@{} read live (tree {}, {} files)",
                snapshot.reference,
                short(&snapshot.tree_sha),
                snapshot.files.len()
            ));
            Some(snapshot)
        }
        Read::Cached(snapshot, why) => {
            let age = describe_age(snapshot.read_at, now);
            let text = format!(
                "{label}@{} from the cached state read {age} (tree {})",
                snapshot.reference,
                short(&snapshot.tree_sha)
            );
            match why {
                None => notes.push(format!("offline: {text}")),
                Some(why) => unread.push(format!("`{label}` not read live ({why}): {text}")),
            }
            Some(snapshot)
        }
        Read::Nothing(why) => {
            unread.push(format!("`{label}` not read ({why})"));
            None
        }
    }
}

fn add_files(index: &mut CookbookIndex, snapshot: &RepoSnapshot, keep: impl Fn(&str) -> bool) {
    let files: BTreeMap<&String, &String> = snapshot
        .files
        .iter()
        .filter(|(path, _)| keep(path))
        .collect();
    for (path, text) in files {
        let shown = github_repo::shown_path(&snapshot.repo, path);
        if path.ends_with(".jsx") {
            index.add(parse_jsx_config(text, &shown));
        } else {
            index.add(parse_cookbook_yaml(text, &shown));
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// `on 2026-11-20 (3 days ago)`, `on 2026-11-20 (today)`.
fn describe_age(read_at: i64, now: i64) -> String {
    let date = crate::date::Date::from_unix_seconds(read_at);
    let days = (now - read_at).max(0) / 86_400;
    match days {
        0 => format!("on {date} (less than a day ago)"),
        1 => format!("on {date} (1 day ago)"),
        n => format!("on {date} ({n} days ago)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a repository that was not read live says (one line each, naming the repository).
    #[test]
    fn why_a_repository_was_not_read() {
        let late = || LiveFailure::Deadline {
            repo: "o/r".to_string(),
            deadline: Duration::from_secs(90),
        };
        assert_eq!(late().to_string(), "`o/r`: not read within 90 s");
        let budget = LiveFailure::from(RepoError::Budget("o/r".to_string()));
        assert_eq!(budget.to_string(), "`o/r`: request budget reached");
        let cached = || RepoError::NothingCached {
            repo: "o/r".to_string(),
            path: "/c/o--r.json".to_string(),
        };
        assert_eq!(
            NotRead::Neither {
                live: late(),
                cached: cached()
            }
            .to_string(),
            "`o/r`: not read within 90 s, and nothing cached for `o/r` (`/c/o--r.json`)"
        );
        assert_eq!(
            NotRead::Offline(cached()).to_string(),
            "offline and nothing cached for `o/r` (`/c/o--r.json`)"
        );
    }

    #[test]
    fn ages() {
        let day = 86_400;
        let read = 1_763_596_800; // 2025-11-20
        assert_eq!(
            describe_age(read, read + 3 * day + 5),
            "on 2025-11-20 (3 days ago)"
        );
        assert_eq!(
            describe_age(read, read + 60),
            "on 2025-11-20 (less than a day ago)"
        );
    }

    /// The serving readers and the Hub client read the same environment the same way: the HF
    /// home (and so the GitHub cache under it) and "offline", `TRANSFORMERS_OFFLINE` included.
    #[test]
    fn same_home_and_offline_as_the_hub_client() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let env = vars(&[("HOME", "/home/u"), ("TRANSFORMERS_OFFLINE", "1")]);
        let options = ServingDataOptions::from_vars(env, None, &[], None, None).unwrap();
        let hub = crate::sources::hf::HfConfig::from_vars(env).unwrap();
        assert!(options.offline && hub.offline);
        assert_eq!(
            options.cache_dir,
            PathBuf::from("/home/u/.cache/huggingface/track-models/github")
        );
        assert_eq!(
            hub.state_dir,
            PathBuf::from("/home/u/.cache/huggingface/track-models")
        );

        let env = vars(&[("HF_HOME", "~/hf")]);
        let err = ServingDataOptions::from_vars(env, None, &[], None, None).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "locating `HF_HOME` for the cache: expanding `~` in `HF_HOME`: `HOME` is not set"
        );
    }
}
