//! The tags of the dataset's definition files, read from the Hub at the commit the run listed
//! (the listing itself is `listing.rs`'s).
//!
//! `GET {endpoint}/datasets/{repo}/resolve/{sha}/{path}` for each `definitions/**/*.json` the
//! listing names (huggingface_hub's URL for a dataset file), bounded: at most
//! [`MAX_TAGGED_FILES`] files, none over [`MAX_DEFINITION_BYTES`] (a file the tree lists as
//! larger is never requested), at most `max_in_flight` on the wire (the client's semaphore),
//! and one deadline for them all (`source_deadline`).
//!
//! Each file's `model:` / `tp:` / `ep:` tags are cached under its blob `oid` from the tree
//! listing, in one file in track-models' own state folder (never in the hub cache, whose
//! `datasets--…` folders huggingface_hub's `scan_cache_dir` reads). A file whose content did
//! not change keeps its oid, so a warm run with an unchanged dataset sends no request and a
//! changed dataset fetches only the files whose oid changed. Offline, only cached tags are
//! used. Every failure is a note naming the URL (never the token), never an error.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::cache::{self, keep_going, RepoCache, RepoKind};
use super::listing::{store_listing, ListedFile};
use super::transport::Target;
use super::{DatasetListing, HfClient, HfError};
use crate::next::same_kernel::KernelShape;

/// At most this many definition files are read for their tags.
pub const MAX_TAGGED_FILES: usize = 50_000;
/// A definition file larger than this is skipped (the snapshot's largest is a few KiB).
pub const MAX_DEFINITION_BYTES: u64 = 1 << 20;
/// Tags kept per file, and the longest tag kept (real files have a handful of short ones).
const MAX_TAGS: usize = 64;
const MAX_TAG_CHARS: usize = 200;
/// The tags cache: one entry per listed file, well under this.
const MAX_TAGS_CACHE_BYTES: u64 = 64 << 20;
/// Version 2 keeps each file's kernel shape too: a version-1 cache (tags only) is read anew once.
const TAGS_FILE: &str = "track-models-tags-v2.json";

/// What a definition file says about where it was traced (its `op_type` and the string tags
/// that name a model, a TP or an EP size) and, for the same-kernel check, its kernel's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTags {
    pub op_type: Option<String>,
    pub tags: Vec<String>,
    /// Axes, inputs and outputs (`None` without an `axes` object).
    #[serde(default)]
    pub kernel: Option<KernelShape>,
}

impl FileTags {
    /// The tags of a definition file's JSON; `None` when it is not a JSON object.
    pub fn parse(bytes: &[u8]) -> Option<FileTags> {
        let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let object = json.as_object()?;
        let tags = object
            .get("tags")
            .and_then(serde_json::Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .filter(|tag| ["model:", "tp:", "ep:"].iter().any(|p| tag.starts_with(p)))
            .filter(|tag| tag.chars().count() <= MAX_TAG_CHARS)
            .take(MAX_TAGS)
            .map(str::to_string)
            .collect();
        let op_type = object
            .get("op_type")
            .and_then(serde_json::Value::as_str)
            .filter(|op| op.chars().count() <= MAX_TAG_CHARS)
            .map(str::to_string);
        let kernel = KernelShape::parse(&json);
        Some(FileTags {
            op_type,
            tags,
            kernel,
        })
    }
}

/// The tags of the listed definition files that could be read, and notes on the others.
#[derive(Debug, Clone, Default)]
pub struct DatasetTags {
    /// `(path, tags)` per file read, sorted by path.
    pub files: Vec<(String, FileTags)>,
    /// What was skipped or failed, one line each (URLs, never the token).
    pub notes: Vec<String>,
    /// Files downloaded by this call (the others came from the cache or were skipped).
    pub downloaded: usize,
}

/// A cached answer for one blob: its tags, or why it is no definition (it never will be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Cached {
    Tags(FileTags),
    Unusable(String),
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct TagsCache {
    /// Blob oid → its answer.
    blobs: BTreeMap<String, Cached>,
}

/// The files of one listing, sorted into what the cache answers, what must be fetched and
/// what is skipped.
#[derive(Default)]
struct Plan<'l> {
    /// The listed definition files (at most [`MAX_TAGGED_FILES`]).
    files: Vec<&'l ListedFile>,
    /// Blob oid → its answer, from the cache so far.
    answers: BTreeMap<String, Cached>,
    /// One file per blob not cached yet.
    to_fetch: Vec<&'l ListedFile>,
    too_large: Vec<&'l str>,
}

impl HfClient {
    /// The tags of the definition files of `repo` at the commit of its recorded listing (see
    /// [`HfClient::recorded_dataset_listing`]), through the per-blob cache.
    pub async fn dataset_tags(&self, repo: &str) -> Result<DatasetTags, HfError> {
        let mut listing = self.recorded_dataset_listing(repo)?;
        let cache = RepoCache::new(&self.inner.state_dir, RepoKind::Dataset, repo);
        if listing.definition_files.is_empty() && !listing.definitions.is_empty() {
            // A listing cached before blob ids were kept: list the definitions again, once.
            if self.offline {
                return Ok(DatasetTags {
                    notes: vec![format!(
                        "offline: the cached listing of `{repo}` at `{}` has no blob ids (an older cache); the dataset's tags were not read",
                        listing.sha
                    )],
                    ..DatasetTags::default()
                });
            }
            listing.definition_files = self
                .list_tree_entries(repo, &listing.sha, "definitions")
                .await?
                .into_iter()
                .filter(|file| file.path.ends_with(".json"))
                .collect();
            store_listing(&cache, &listing);
        }
        let tags_path = cache.dir().join(TAGS_FILE);
        let before = read_tags_cache(&tags_path);
        let mut out = DatasetTags::default();
        let mut plan = plan(repo, &listing, &before, &mut out.notes);
        if self.offline && !plan.to_fetch.is_empty() {
            out.notes.push(format!(
                "offline: the tags of {} of {} definition file(s) of `{repo}` at `{}` are not cached; `traced_not_listed` findings may be incomplete",
                plan.to_fetch.len(),
                plan.files.len(),
                listing.sha
            ));
        } else if !plan.to_fetch.is_empty() {
            let (fetched, notes) = self
                .fetch_definitions(repo, &listing.sha, &plan.to_fetch)
                .await;
            out.downloaded = fetched.len();
            out.notes.extend(notes);
            plan.answers.extend(fetched);
        }
        collect(repo, &listing.sha, &plan, &mut out);
        // Only this listing's blobs are kept: the cache never outgrows the dataset.
        let after = TagsCache {
            blobs: plan.answers,
        };
        if after != before {
            match serde_json::to_vec(&after) {
                Ok(bytes) => keep_going(cache::write_atomic(&tags_path, &bytes), &tags_path),
                Err(err) => tracing::warn!(%err, "cannot serialise the dataset tags"),
            }
        }
        Ok(out)
    }

    /// Downloads `files` (at most `max_in_flight` at once, one deadline for all): the answer
    /// per blob oid that was read, and notes on the failures (not cached: tried again next run).
    async fn fetch_definitions(
        &self,
        repo: &str,
        sha: &str,
        files: &[&ListedFile],
    ) -> (BTreeMap<String, Cached>, Vec<String>) {
        let deadline = Instant::now() + self.inner.limits.source_deadline;
        let mut answers = BTreeMap::new();
        let mut failures: Vec<HfError> = Vec::new();
        let mut pending = files.iter();
        let mut tasks = JoinSet::new();
        let mut timed_out = false;
        loop {
            while tasks.len() < self.inner.max_in_flight {
                let Some(file) = pending.next() else { break };
                let client = self.clone();
                let (repo, sha, file) = (repo.to_string(), sha.to_string(), (*file).clone());
                tasks.spawn(async move {
                    let answer = client.fetch_definition(&repo, &sha, &file.path).await;
                    (file.oid, answer)
                });
            }
            let next = match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(_) => {
                    timed_out = true;
                    break;
                }
            };
            match next {
                Ok((oid, Ok(answer))) => {
                    answers.insert(oid, answer);
                }
                Ok((_, Err(err))) => failures.push(err),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(_) => {}
            }
        }
        let mut notes = Vec::new();
        if timed_out {
            let unread = tasks.len() + pending.len();
            tasks.abort_all();
            notes.push(format!(
                "reading the definition files of `{repo}` stopped at the {} s deadline; {unread} file(s) were not read",
                self.inner.limits.source_deadline.as_secs()
            ));
        }
        if let Some(first) = failures.first() {
            let first = first.to_string();
            let first = first.lines().next().unwrap_or_default();
            notes.push(format!(
                "{} definition file(s) of `{repo}` could not be read from the Hub; their tags are missing (first: {first})",
                failures.len()
            ));
        }
        (answers, notes)
    }

    /// One definition file at `sha`: its tags, or why it is no definition.
    async fn fetch_definition(&self, repo: &str, sha: &str, path: &str) -> Result<Cached, HfError> {
        let url = self.dataset_file_url(repo, sha, path)?;
        let target = Target {
            repo,
            revision: sha,
            path,
        };
        let first = self.exchange(repo, Method::GET, &url).await?;
        let answer = match self.follow_other_host(repo, &first).await? {
            Some(body) => body,
            None => first,
        };
        let answer = self.success(&target, answer)?;
        if answer.body.len() as u64 > MAX_DEFINITION_BYTES {
            return Ok(Cached::Unusable(format!(
                "over {} KiB",
                MAX_DEFINITION_BYTES >> 10
            )));
        }
        Ok(match FileTags::parse(&answer.body) {
            Some(tags) => Cached::Tags(tags),
            None => Cached::Unusable("not a JSON object".to_string()),
        })
    }

    /// `{endpoint}/datasets/{repo}/resolve/{sha}/{path}`, each path segment escaped.
    fn dataset_file_url(&self, repo: &str, sha: &str, path: &str) -> Result<Url, HfError> {
        let mut url = self.url(repo, &format!("datasets/{repo}/resolve/{sha}"))?;
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.extend(path.split('/'));
        }
        Ok(url)
    }
}

/// Sorts the listed definition files (at most [`MAX_TAGGED_FILES`]) by what answers them: the
/// cache, a download, or nothing (too large); notes what is left out.
fn plan<'l>(
    repo: &str,
    listing: &'l DatasetListing,
    before: &TagsCache,
    notes: &mut Vec<String>,
) -> Plan<'l> {
    let mut files: Vec<&ListedFile> = listing
        .definition_files
        .iter()
        .filter(|file| file.path.starts_with("definitions/") && file.path.ends_with(".json"))
        .collect();
    if files.len() > MAX_TAGGED_FILES {
        notes.push(format!(
            "`{repo}` lists {} definition files; the tags of the first {MAX_TAGGED_FILES} were read",
            files.len()
        ));
        files.truncate(MAX_TAGGED_FILES);
    }
    let mut plan = Plan::default();
    let mut queued = HashSet::new();
    for file in &files {
        if file.size > MAX_DEFINITION_BYTES {
            plan.too_large.push(file.path.as_str());
        } else if let Some(cached) = before.blobs.get(&file.oid) {
            plan.answers.insert(file.oid.clone(), cached.clone());
        } else if queued.insert(file.oid.as_str()) {
            plan.to_fetch.push(file);
        }
    }
    if let Some(first) = plan.too_large.first() {
        notes.push(format!(
            "{} definition file(s) of `{repo}` at `{}` are over {} KiB and were not read (first: `{first}`)",
            plan.too_large.len(),
            listing.sha,
            MAX_DEFINITION_BYTES >> 10,
        ));
    }
    plan.files = files;
    plan
}

/// The tags of every planned file that has an answer, sorted by path; a note on the files that
/// are not definitions.
fn collect(repo: &str, sha: &str, plan: &Plan<'_>, out: &mut DatasetTags) {
    let mut unusable = Vec::new();
    for file in &plan.files {
        match plan.answers.get(&file.oid) {
            Some(Cached::Tags(tags)) => out.files.push((file.path.clone(), tags.clone())),
            Some(Cached::Unusable(why)) => unusable.push(format!("`{}`: {why}", file.path)),
            None => {}
        }
    }
    if let Some(first) = unusable.first() {
        out.notes.push(format!(
            "{} definition file(s) of `{repo}` at `{sha}` are not definitions and were skipped (first: {first})",
            unusable.len(),
        ));
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
}

/// The tags cache; empty when absent, unreadable, too large or damaged (then rebuilt).
fn read_tags_cache(path: &Path) -> TagsCache {
    if !path.exists() {
        return TagsCache::default();
    }
    let parsed = crate::atomic_file::read_regular(path, MAX_TAGS_CACHE_BYTES)
        .and_then(|bytes| Ok(serde_json::from_slice(&bytes)?));
    parsed.unwrap_or_else(|err| {
        tracing::warn!(path = %path.display(), err = %format!("{err:#}"), "ignoring a bad dataset tags cache");
        TagsCache::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_model_tp_and_ep_tags_are_kept() {
        let body = br#"{"name": "gemm_n1_k1", "op_type": "gemm",
            "tags": ["status:verified", "model:qwen3-8b", 7, "tp:2", "ep:8", "fi_api:x"]}"#;
        assert_eq!(
            FileTags::parse(body),
            Some(FileTags {
                op_type: Some("gemm".to_string()),
                tags: vec!["model:qwen3-8b".into(), "tp:2".into(), "ep:8".into()],
                kernel: None,
            })
        );
        assert_eq!(FileTags::parse(b"[1, 2]"), None);
        assert_eq!(FileTags::parse(b"{\"tags\": "), None);
        assert_eq!(
            FileTags::parse(b"{\"op_type\": 3}"),
            Some(FileTags::default())
        );
    }

    #[test]
    fn the_kernel_shape_is_read_with_the_tags() {
        let body = br#"{"name": "gemm_n8_k4", "op_type": "gemm", "tags": ["model:m"],
            "axes": {"M": {"type": "var"}, "N": {"type": "const", "value": 8},
                     "K": {"type": "const", "value": 4}},
            "inputs": {"A": {}, "B": {}}, "outputs": {"C": {}}}"#;
        let kernel = FileTags::parse(body).unwrap().kernel.unwrap();
        let axes: Vec<(&str, &str, Option<u64>)> = kernel
            .axes
            .iter()
            .map(|(name, axis)| (name.as_str(), axis.kind.as_str(), axis.value))
            .collect();
        assert_eq!(
            axes,
            [
                ("K", "const", Some(4)),
                ("M", "var", None),
                ("N", "const", Some(8))
            ]
        );
        assert_eq!(kernel.inputs.iter().collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(kernel.outputs.iter().collect::<Vec<_>>(), ["C"]);
    }
}
