//! Day-0 without a clone: GitHub REST reads through the budgeted reader
//! ([`crate::github::reader`]) with a hard call budget.
//!
//! `GET /repos/sgl-project/sglang/commits?path=python/sglang/srt/models&since=…&until=…`
//! (`Link`-paginated), then `GET /repos/sgl-project/sglang/commits/{sha}` for each commit's
//! `files[]` (paginated too) with `status: added`. Commits whose first message line says
//! "support", "add", "new", "model" or "init" are inspected first, since the budget rarely
//! covers them all. A new file's classes come from the SGLang catalog when it lists the file,
//! else from `GET …/contents/{path}?ref={sha}` (raw) while the budget lasts. Every request sends
//! `X-GitHub-Api-Version: 2022-11-28` and, when set, `Authorization: Bearer $GITHUB_TOKEN`.

use std::collections::{BTreeMap, HashMap};

use reqwest::Url;
use serde::Deserialize;

use super::day0::MODELS_DIR;
use super::options::DiscoveryOptions;
use super::signals::Day0File;
use crate::date::parse_timestamp;
use crate::date::Date;
use crate::github::reader::{decode, Failure, GithubApi};
use crate::sources::sglang::{classify, parse_entry_class, ClassKind};

pub(super) const SGLANG_REPO: &str = "sgl-project/sglang";
pub(super) const LABEL: &str = "sglang-day0 (GitHub API)";

/// What the API walk found.
#[derive(Debug, Default)]
pub(super) struct ApiDay0 {
    /// `None` when the commit list itself could not be read (the source is dead).
    pub files: Option<Vec<Day0File>>,
    pub problems: Vec<String>,
    pub calls: u64,
}

/// The SGLang files added in the window, through the API.
pub(super) async fn day0_from_api(
    api: &mut GithubApi<'_>,
    options: &DiscoveryOptions,
    catalog_files: &HashMap<String, Vec<String>>,
) -> ApiDay0 {
    let mut result = ApiDay0::default();
    let commits = match list_commits(api, options, &mut result.problems).await {
        Some(commits) => commits,
        None => {
            result.calls = u64::from(api.used);
            return result;
        }
    };

    // Most likely model additions first; otherwise newest first, as listed.
    let mut order: Vec<&ListedCommit> = commits.iter().collect();
    order.sort_by_key(|commit| !looks_like_a_model_addition(&commit.commit.message));

    // file name → (date, commit)
    let mut added: BTreeMap<String, (i64, String)> = BTreeMap::new();
    let mut inspected = 0;
    'commits: for commit in &order {
        let Some(seconds) = commit_seconds(commit) else {
            continue;
        };
        let mut url = format!("{}/repos/{SGLANG_REPO}/commits/{}", api.base, commit.sha);
        loop {
            match api.get(&url, "application/vnd.github+json").await {
                Ok(page) => {
                    let detail: CommitDetail = match decode(&page.body) {
                        Ok(detail) => detail,
                        Err(reason) => {
                            result
                                .problems
                                .push(format!("{LABEL}: `GET {url}`: {reason}"));
                            break;
                        }
                    };
                    for file in detail.files {
                        let Some(name) = top_level_model_file(&file.filename) else {
                            continue;
                        };
                        if file.status == "added" {
                            let entry = added
                                .entry(name.to_string())
                                .or_insert((seconds, commit.sha.clone()));
                            if seconds > entry.0 {
                                *entry = (seconds, commit.sha.clone());
                            }
                        }
                    }
                    match page.next {
                        Some(next) => url = next,
                        None => break,
                    }
                }
                Err(Failure::Budget) => break 'commits,
                Err(Failure::Failed(problem)) => {
                    result.problems.push(format!("{LABEL}: {problem}"));
                    break;
                }
            }
        }
        inspected += 1;
    }
    if inspected < order.len() {
        result.problems.push(format!(
            "{LABEL}: budget reached: {} of {} commits in the window were not inspected within {} API calls\nhint: pass `--sglang-dir` with a git clone of SGLang to read its history locally",
            order.len() - inspected,
            order.len(),
            api.budget
        ));
    }

    let mut files = Vec::new();
    for (file, (seconds, sha)) in added {
        let classes = match catalog_files.get(&file) {
            Some(classes) => Some(classes.clone()),
            None => read_entry_classes(api, &file, &sha, &mut result.problems).await,
        };
        let Some(classes) = classes else { continue };
        let generative: Vec<String> = classes
            .into_iter()
            .filter(|class| classify(class) == ClassKind::Generative)
            .collect();
        if !generative.is_empty() {
            files.push(Day0File {
                file,
                classes: generative,
                commit: sha,
                date: Date::from_unix_seconds(seconds),
            });
        }
    }
    result.files = Some(files);
    result.calls = u64::from(api.used);
    result
}

#[derive(Debug, Deserialize)]
struct ListedCommit {
    sha: String,
    commit: CommitMeta,
}

#[derive(Debug, Deserialize)]
struct CommitMeta {
    #[serde(default)]
    message: String,
    #[serde(default)]
    committer: Option<Signature>,
    #[serde(default)]
    author: Option<Signature>,
}

#[derive(Debug, Deserialize)]
struct Signature {
    #[serde(default)]
    date: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CommitDetail {
    #[serde(default)]
    files: Vec<ChangedFile>,
}

#[derive(Debug, Deserialize)]
struct ChangedFile {
    filename: String,
    #[serde(default)]
    status: String,
}

/// Every commit in the window touching the models folder, following `Link` pages while the
/// budget lasts. `None` when the first page failed.
async fn list_commits(
    api: &mut GithubApi<'_>,
    options: &DiscoveryOptions,
    problems: &mut Vec<String>,
) -> Option<Vec<ListedCommit>> {
    let first = Url::parse_with_params(
        &format!("{}/repos/{SGLANG_REPO}/commits", api.base),
        [
            ("path", MODELS_DIR.to_string()),
            ("since", format!("{}T00:00:00Z", options.window_start())),
            ("until", format!("{}T00:00:00Z", options.today.add_days(1))),
            ("per_page", "100".to_string()),
        ],
    );
    let mut url = match first {
        Ok(url) => url.to_string(),
        Err(err) => {
            problems.push(format!(
                "{LABEL}: bad `GITHUB_API_URL` `{}`: {err}",
                api.base
            ));
            return None;
        }
    };
    let mut commits: Vec<ListedCommit> = Vec::new();
    let mut pages = 0;
    loop {
        match api.get(&url, "application/vnd.github+json").await {
            Ok(page) => {
                pages += 1;
                match decode::<Vec<ListedCommit>>(&page.body) {
                    Ok(listed) => commits.extend(listed),
                    Err(reason) => {
                        problems.push(format!("{LABEL}: `GET {url}`: {reason}"));
                        if pages == 1 {
                            return None;
                        }
                        break;
                    }
                }
                match page.next {
                    Some(next) => url = next,
                    None => break,
                }
            }
            Err(Failure::Budget) => {
                problems.push(format!(
                    "{LABEL}: budget reached while listing commits ({} API calls); later pages were not read",
                    api.budget
                ));
                break;
            }
            Err(Failure::Failed(problem)) => {
                problems.push(format!("{LABEL}: {problem}"));
                if pages == 0 {
                    return None;
                }
                break;
            }
        }
    }
    commits.retain(|commit| commit_seconds(commit).is_some_and(|s| options.in_window(s)));
    Some(commits)
}

async fn read_entry_classes(
    api: &mut GithubApi<'_>,
    file: &str,
    sha: &str,
    problems: &mut Vec<String>,
) -> Option<Vec<String>> {
    let url = format!(
        "{}/repos/{SGLANG_REPO}/contents/{MODELS_DIR}/{file}?ref={sha}",
        api.base
    );
    match api.get(&url, "application/vnd.github.raw+json").await {
        Ok(page) => match parse_entry_class(&String::from_utf8_lossy(&page.body)) {
            Ok(classes) => classes,
            Err(err) => {
                problems.push(format!(
                    "{LABEL}: `{MODELS_DIR}/{file}`:{}: cannot read `EntryClass`: {}",
                    err.line, err.message
                ));
                None
            }
        },
        Err(Failure::Budget) => {
            problems.push(format!(
                "{LABEL}: budget reached: cannot read the classes of the new file `{file}`, and the SGLang catalog does not list it"
            ));
            None
        }
        Err(Failure::Failed(problem)) => {
            problems.push(format!("{LABEL}: {problem}"));
            None
        }
    }
}

fn commit_seconds(commit: &ListedCommit) -> Option<i64> {
    let signature = commit
        .commit
        .committer
        .as_ref()
        .or(commit.commit.author.as_ref())?;
    parse_timestamp(signature.date.as_deref()?)
}

fn looks_like_a_model_addition(message: &str) -> bool {
    let first_line = message.lines().next().unwrap_or_default().to_lowercase();
    ["support", "add", "new", "model", "init"]
        .iter()
        .any(|word| first_line.contains(word))
}

/// `python/sglang/srt/models/x.py` → `x.py`; anything deeper or not Python → `None`.
fn top_level_model_file(path: &str) -> Option<&str> {
    let name = path.strip_prefix(MODELS_DIR)?.strip_prefix('/')?;
    (!name.contains('/') && name.ends_with(".py")).then_some(name)
}
