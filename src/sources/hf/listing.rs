//! Listings: the model search (`GET /api/models`, never cached) and the dataset's file listing
//! (`GET /api/datasets/{repo}` for its commit, then the recursive tree of `definitions/` and
//! `workloads/` at that commit), cached by dataset commit in track-models' own state folder.
//!
//! A warm run sends one request (the commit); offline sends none. `refs/main` moves to a new
//! commit only once that commit's listing is stored, so a listing that fails (an error, a
//! listing past the client's caps on entries or pages) keeps the cached state as it was.

use std::path::{Path, PathBuf};

use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};

use super::cache::{self, keep_going, RepoCache, RepoKind};
use super::transport::Target;
use super::{validate_repo_id, DatasetListing, HfClient, HfError, ModelInfo, ModelQuery};

/// One file of a tree listing: its path, blob id and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedFile {
    pub path: String,
    pub oid: String,
    pub size: u64,
}

const LISTING_DIR: &str = "track-models-listing";

impl HfClient {
    /// Models matching `query`, following `Link` pages until `query.limit` models or the end.
    pub async fn list_models(&self, query: &ModelQuery) -> Result<Vec<ModelInfo>, HfError> {
        let url = self.model_search_url(query)?;
        let target = Target {
            repo: "",
            revision: "main",
            path: "",
        };
        if self.offline {
            return Err(HfError::offline_miss(
                "",
                url.as_str(),
                "model search is never cached".to_string(),
            ));
        }
        let enough = if query.limit == 0 {
            usize::MAX
        } else {
            query.limit
        };
        let mut models: Vec<ModelInfo> = self.get_pages(&target, url, enough).await?;
        models.truncate(enough);
        Ok(models)
    }

    fn model_search_url(&self, query: &ModelQuery) -> Result<Url, HfError> {
        let mut url = self.url("", "api/models")?;
        let mut pairs = url.query_pairs_mut();
        let optional = [
            ("search", &query.search),
            ("author", &query.author),
            ("pipeline_tag", &query.pipeline_tag),
            ("sort", &query.sort),
            ("inference_provider", &query.inference_provider),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                pairs.append_pair(name, value);
            }
        }
        if query.limit > 0 {
            pairs.append_pair("limit", &query.limit.min(1000).to_string());
        }
        for field in &query.expand {
            pairs.append_pair("expand[]", field);
        }
        drop(pairs);
        Ok(url)
    }

    /// The `definitions/` and `workloads/` file paths of a dataset (like
    /// `flashinfer-ai/flashinfer-trace`) at its current commit.
    pub async fn list_dataset(&self, repo: &str) -> Result<DatasetListing, HfError> {
        validate_repo_id(repo)?;
        // Kept in track-models' own folder: a `datasets--…` folder with `refs/main` and no
        // snapshot would be a corrupted repo to huggingface_hub's `scan_cache_dir`.
        let cache = RepoCache::new(&self.inner.state_dir, RepoKind::Dataset, repo);
        let mut info_url = self.url(repo, &format!("api/datasets/{repo}"))?;
        info_url.query_pairs_mut().append_pair("expand[]", "sha");
        if self.offline {
            return recorded_listing(repo, &cache, info_url.as_str());
        }
        let sha = self.dataset_commit(repo, &info_url).await?;
        if let Some(listing) = read_listing(&listing_path(&cache, &sha), &sha) {
            tracing::debug!(repo, sha, "dataset listing from cache");
            keep_going(cache.write_ref("main", &sha), cache.dir());
            return Ok(listing);
        }
        let definition_files = self.list_tree_entries(repo, &sha, "definitions").await?;
        let workloads = self.list_tree_entries(repo, &sha, "workloads").await?;
        let listing = DatasetListing {
            definitions: definition_files.iter().map(|f| f.path.clone()).collect(),
            definition_files: definition_files
                .into_iter()
                .filter(|file| file.path.ends_with(".json"))
                .collect(),
            workloads: workloads.into_iter().map(|file| file.path).collect(),
            sha,
        };
        store_listing(&cache, &listing);
        keep_going(cache.write_ref("main", &listing.sha), cache.dir());
        Ok(listing)
    }

    /// The dataset's current commit, checked to be one before it names a file.
    async fn dataset_commit(&self, repo: &str, info_url: &Url) -> Result<String, HfError> {
        #[derive(Deserialize)]
        struct DatasetSha {
            sha: String,
        }
        let target = Target {
            repo,
            revision: "main",
            path: "",
        };
        let answer = self.exchange(repo, Method::GET, info_url).await?;
        let answer = self.success(&target, answer)?;
        let DatasetSha { sha } = self.json(&target, &answer)?;
        if !crate::ident::is_hub_commit(&sha) {
            return Err(HfError::InvalidResponse {
                repo: repo.to_string(),
                url: answer.url.to_string(),
                reason: format!("`sha` is not a commit id: `{}`", crate::ident::echo(&sha)),
            });
        }
        Ok(sha)
    }

    /// The listing this process (or the last run) recorded for `repo`: the cached listing at
    /// the commit `refs/main` names in track-models' state folder. No request: a run without
    /// `--trace-dir` listed the dataset when it loaded its index, so this is that listing.
    pub fn recorded_dataset_listing(&self, repo: &str) -> Result<DatasetListing, HfError> {
        validate_repo_id(repo)?;
        let cache = RepoCache::new(&self.inner.state_dir, RepoKind::Dataset, repo);
        let url = format!("{}/api/datasets/{repo}", self.inner.endpoint);
        recorded_listing(repo, &cache, &url)
    }

    /// Files (not folders) under `folder` at `sha`, recursively, sorted by path, with their
    /// blob ids and sizes.
    pub(super) async fn list_tree_entries(
        &self,
        repo: &str,
        sha: &str,
        folder: &str,
    ) -> Result<Vec<ListedFile>, HfError> {
        #[derive(Deserialize)]
        struct TreeEntry {
            #[serde(rename = "type")]
            kind: String,
            path: String,
            #[serde(default)]
            oid: String,
            #[serde(default)]
            size: u64,
        }
        let mut url = self.url(repo, &format!("api/datasets/{repo}/tree/{sha}/{folder}"))?;
        url.query_pairs_mut().append_pair("recursive", "true");
        let target = Target {
            repo,
            revision: sha,
            path: folder,
        };
        let entries: Vec<TreeEntry> = self.get_pages(&target, url, usize::MAX).await?;
        let mut files: Vec<ListedFile> = entries
            .into_iter()
            .filter(|entry| entry.kind == "file")
            .map(|entry| ListedFile {
                path: entry.path,
                oid: entry.oid,
                size: entry.size,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok(files)
    }
}

fn listing_path(cache: &RepoCache, sha: &str) -> PathBuf {
    cache.dir().join(LISTING_DIR).join(format!("{sha}.json"))
}

pub(super) fn store_listing(cache: &RepoCache, listing: &DatasetListing) {
    let path = listing_path(cache, &listing.sha);
    match serde_json::to_vec_pretty(listing) {
        Ok(bytes) => keep_going(cache::write_atomic(&path, &bytes), &path),
        Err(err) => tracing::warn!(%err, "cannot serialise the dataset listing"),
    }
}

/// The listing cached at the commit `refs/main` names (no request); a miss is
/// [`HfError::OfflineMiss`] naming `url` and what is missing.
fn recorded_listing(repo: &str, cache: &RepoCache, url: &str) -> Result<DatasetListing, HfError> {
    let sha = cache.main_commit(repo, url)?;
    let path = listing_path(cache, &sha);
    read_listing(&path, &sha).ok_or_else(|| {
        HfError::offline_miss(
            repo,
            url,
            format!("no listing for commit `{sha}` at `{}`", path.display()),
        )
    })
}

fn read_listing(path: &Path, sha: &str) -> Option<DatasetListing> {
    let text = cache::read_optional(path)?;
    match serde_json::from_str::<DatasetListing>(&text) {
        Ok(listing) if listing.sha == sha => Some(listing),
        Ok(_) | Err(_) => {
            tracing::warn!(path = %path.display(), "ignoring a bad cached dataset listing");
            None
        }
    }
}
