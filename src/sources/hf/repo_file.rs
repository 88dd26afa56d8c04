//! A model's `config.json` (or another small file of a model repo) at the commit `main` points
//! to, through the HF cache (`cache.rs`), as huggingface_hub's `hf_hub_download` gets it:
//!
//! - **Cold** (no cached snapshot for `refs/main`): one `GET` of `main` downloads the file and
//!   learns its commit (`X-Repo-Commit`) and blob id (`ETag`); both are cached.
//! - **Warm**: one `HEAD` of `main`, sent once with the ETag timeout (`HF_HUB_ETAG_TIMEOUT`),
//!   learns the current commit. Still the cached one: the snapshot answers, no download. A new
//!   commit: the known blob is linked, or the file is downloaded by commit.
//! - **Hub down**: when that `HEAD` fails (connection, timeout, 5xx, 429, 401/403, an answer
//!   without the commit) the cached snapshot answers, with a warning naming the model and the
//!   commit ([`ConfigFile::fallback`]). Not found, no such file or revision are answers, not
//!   outages: they are reported.
//! - **Offline** (`HF_HUB_OFFLINE`): no request; the snapshot `refs/main` names, or
//!   [`HfError::OfflineMiss`].

use reqwest::{Method, Url};

use super::cache::{keep_going, RepoCache, RepoKind};
use super::transport::{self, Call, Exchange, Target};
use super::{validate_repo_id, ConfigFile, HfClient, HfError};

const CONFIG_FILE: &str = "config.json";

/// One file of one repo being fetched.
struct Fetch<'a> {
    repo: &'a str,
    file: &'a str,
    cache: RepoCache,
    /// `{endpoint}/{repo}/resolve/main/{file}`.
    main_url: Url,
}

impl Fetch<'_> {
    fn target<'s>(&'s self, revision: &'s str) -> Target<'s> {
        Target {
            repo: self.repo,
            revision,
            path: self.file,
        }
    }
}

impl HfClient {
    /// `config.json` of `repo` at the commit `main` points to now (offline: when last seen;
    /// Hub down: when last seen, with [`ConfigFile::fallback`] saying so).
    pub async fn fetch_config(&self, repo: &str) -> Result<ConfigFile, HfError> {
        self.fetch_file(repo, CONFIG_FILE).await
    }

    /// [`HfClient::fetch_config`] for each repo, concurrently (at most `max_in_flight` requests
    /// on the wire), in input order. One repo's failure does not affect the others; each has
    /// one deadline (`model_deadline`) for everything it needs, 429 waits excepted.
    pub async fn fetch_configs(
        &self,
        repos: &[String],
    ) -> Vec<(String, Result<ConfigFile, HfError>)> {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, repo) in repos.iter().enumerate() {
            let client = self.clone();
            let repo = repo.clone();
            tasks.spawn(async move {
                let deadline = client.deadline(client.inner.limits.model_deadline);
                let result = deadline
                    .run(client.fetch_config(&repo))
                    .await
                    .unwrap_or_else(|| {
                        Err(HfError::DeadlineExceeded {
                            url: format!(
                                "{}/{repo}/resolve/main/{CONFIG_FILE}",
                                client.inner.endpoint
                            ),
                            repo: repo.clone(),
                            deadline: deadline.limit,
                        })
                    });
                (index, repo, result)
            });
        }
        let mut slots: Vec<Option<(String, Result<ConfigFile, HfError>)>> =
            repos.iter().map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, repo, result)) => slots[index] = Some((repo, result)),
                // Tasks are never aborted, so a join error is a panic: pass it on.
                Err(err) => std::panic::resume_unwind(err.into_panic()),
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// One file of a model repo at the commit `main` points to, through the cache (see the
    /// module's documentation for the cases).
    async fn fetch_file(&self, repo: &str, file: &str) -> Result<ConfigFile, HfError> {
        validate_repo_id(repo)?;
        let fetch = Fetch {
            repo,
            file,
            cache: RepoCache::new(&self.inner.cache_dir, RepoKind::Model, repo),
            main_url: self.url(repo, &format!("{repo}/resolve/main/{file}"))?,
        };
        if self.offline {
            return self.cached_file_offline(&fetch);
        }
        let cached = fetch
            .cache
            .read_ref("main")
            .filter(|sha| self.usable_snapshot(&fetch.cache, sha, file).is_some());
        match cached {
            Some(sha) => self.revalidate(&fetch, sha).await,
            None => self.download_main(&fetch).await,
        }
    }

    /// Cold: `GET` of `main`, which answers the file and its commit at once.
    async fn download_main(&self, fetch: &Fetch<'_>) -> Result<ConfigFile, HfError> {
        let first = self
            .exchange(fetch.repo, Method::GET, &fetch.main_url)
            .await?;
        // The Hub's own answer first (huggingface_hub reads the metadata there), then the
        // answer that carried the body.
        let (commit, etag, answer) = match self.follow_other_host(fetch.repo, &first).await? {
            Some(body) => (
                commit_of(&first).or_else(|| commit_of(&body)),
                etag_of(&first).or_else(|| etag_of(&body)),
                body,
            ),
            None => (commit_of(&first), etag_of(&first), first),
        };
        if !answer.status.is_success() {
            return Err(self.file_error(fetch, &answer, commit.as_deref()));
        }
        let Some(sha) = commit else {
            return Err(no_commit(fetch.repo, &answer));
        };
        keep_going(fetch.cache.write_ref("main", &sha), fetch.cache.dir());
        if let Some(text) = self.usable_snapshot(&fetch.cache, &sha, fetch.file) {
            tracing::debug!(
                repo = fetch.repo,
                sha,
                file = fetch.file,
                "served from the cache"
            );
            return Ok(self.cached(fetch, text, sha, None));
        }
        self.store_download(fetch, sha, etag, &answer)
    }

    /// Warm: one metadata request; the cached snapshot at `cached` answers when the commit is
    /// unchanged, and when the Hub could not tell.
    async fn revalidate(&self, fetch: &Fetch<'_>, cached: String) -> Result<ConfigFile, HfError> {
        let head = match self
            .exchange_with(fetch.repo, Method::HEAD, &fetch.main_url, Call::Metadata)
            .await
        {
            Ok(head) => head,
            Err(err) => return self.fall_back(fetch, cached, err),
        };
        let commit = commit_of(&head);
        // A redirect to another host (an LFS file on a CDN) carries the metadata; so does a 200.
        if !head.status.is_success() && !head.status.is_redirection() {
            let err = self.file_error(fetch, &head, commit.as_deref());
            return self.fall_back(fetch, cached, err);
        }
        let Some(sha) = commit else {
            return self.fall_back(fetch, cached, no_commit(fetch.repo, &head));
        };
        keep_going(fetch.cache.write_ref("main", &sha), fetch.cache.dir());
        if let Some(text) = self.usable_snapshot(&fetch.cache, &sha, fetch.file) {
            tracing::debug!(repo = fetch.repo, sha, file = fetch.file, "still current");
            return Ok(self.cached(fetch, text, sha, None));
        }
        self.download_pinned(fetch, sha, etag_of(&head)).await
    }

    /// `main` moved to `sha`: the blob `etag` if it is cached already (the file did not change),
    /// else a `GET` of the file at `sha`.
    async fn download_pinned(
        &self,
        fetch: &Fetch<'_>,
        sha: String,
        etag: Option<String>,
    ) -> Result<ConfigFile, HfError> {
        if let Some(etag) = etag.as_deref().filter(|etag| fetch.cache.has_blob(etag)) {
            let linked = fetch.cache.link_snapshot(&sha, fetch.file, etag);
            keep_going(linked, fetch.cache.dir());
            if let Some(text) = self.usable_snapshot(&fetch.cache, &sha, fetch.file) {
                return Ok(self.cached(fetch, text, sha, None));
            }
        }
        let (repo, file) = (fetch.repo, fetch.file);
        let pinned = self.url(repo, &format!("{repo}/resolve/{sha}/{file}"))?;
        let first = self.exchange(repo, Method::GET, &pinned).await?;
        let etag = etag_of(&first).or(etag);
        let answer = match self.follow_other_host(repo, &first).await? {
            Some(body) => body,
            None => first,
        };
        let answer = self.success(&fetch.target(&sha), answer)?;
        self.store_download(fetch, sha, etag, &answer)
    }

    /// `err`, unless it says the Hub could not answer now ([`HfError::is_outage`]): then the
    /// cached snapshot at `sha`, with a warning saying so.
    fn fall_back(
        &self,
        fetch: &Fetch<'_>,
        sha: String,
        err: HfError,
    ) -> Result<ConfigFile, HfError> {
        if !err.is_outage() {
            return Err(err);
        }
        let Some(text) = self.usable_snapshot(&fetch.cache, &sha, fetch.file) else {
            return Err(err);
        };
        let message = err.to_string();
        let why = message.lines().next().unwrap_or_default();
        let note = format!(
            "`{}`: the Hub did not confirm `{}` ({why}); using the cached snapshot at commit `{sha}`",
            fetch.repo, fetch.file
        );
        tracing::warn!("{note}");
        Ok(self.cached(fetch, text, sha, Some(note)))
    }

    /// The error a non-success answer for the file means; a file the Hub says is missing at a
    /// commit is remembered (`.no_exist`), as huggingface_hub does.
    fn file_error(&self, fetch: &Fetch<'_>, answer: &Exchange, commit: Option<&str>) -> HfError {
        let err = self.status_error(&fetch.target("main"), answer);
        if let (HfError::EntryNotFound { .. }, Some(sha)) = (&err, commit) {
            keep_going(fetch.cache.write_ref("main", sha), fetch.cache.dir());
            keep_going(fetch.cache.mark_missing(sha, fetch.file), fetch.cache.dir());
        }
        err
    }

    /// The cached text of `file` at `sha`, unless it is not the JSON a `.json` file must be (a
    /// cache damaged by a crash or a disk error): then it is treated as absent, with a warning,
    /// and fetched again.
    fn usable_snapshot(&self, cache: &RepoCache, sha: &str, file: &str) -> Option<String> {
        let text = cache.read_snapshot(sha, file)?;
        if !file.ends_with(".json")
            || transport::check_json_text(&crate::arch::sanitize_json(&text)).is_ok()
        {
            return Some(text);
        }
        tracing::warn!(
            "the cached `{}` is not valid JSON; ignoring it",
            cache.snapshot_path(sha, file).display()
        );
        None
    }

    fn cached(
        &self,
        fetch: &Fetch<'_>,
        text: String,
        sha: String,
        fallback: Option<String>,
    ) -> ConfigFile {
        ConfigFile {
            text,
            url: self.file_url(fetch, &sha),
            sha,
            from_cache: true,
            fallback,
        }
    }

    /// `{endpoint}/{repo}/resolve/{sha}/{file}`: where this exact text lives.
    fn file_url(&self, fetch: &Fetch<'_>, sha: &str) -> String {
        format!(
            "{}/{}/resolve/{sha}/{}",
            self.inner.endpoint, fetch.repo, fetch.file
        )
    }

    /// Checks a downloaded body, caches it under its ETag and returns it.
    fn store_download(
        &self,
        fetch: &Fetch<'_>,
        sha: String,
        etag: Option<String>,
        answer: &Exchange,
    ) -> Result<ConfigFile, HfError> {
        let checked = transport::check_html(answer).and_then(|()| {
            let text = String::from_utf8(answer.body.clone())?;
            // Real config.json files are Python's `json.dump` output: a bare `Infinity` or
            // `NaN` is valid there (Nemotron-H), so check the text the config parser will read.
            transport::check_json_text(&crate::arch::sanitize_json(&text))?;
            Ok(text)
        });
        let text = checked.map_err(|err| self.invalid_body(fetch.repo, answer, &err))?;
        match etag {
            Some(etag) => {
                let stored = fetch.cache.store(&sha, fetch.file, &etag, &answer.body);
                keep_going(stored, fetch.cache.dir());
            }
            None => {
                tracing::warn!(repo = fetch.repo, url = %answer.url, "no usable ETag; not caching")
            }
        }
        Ok(ConfigFile {
            text,
            url: self.file_url(fetch, &sha),
            sha,
            from_cache: false,
            fallback: None,
        })
    }

    /// Offline: the snapshot `refs/main` names, a remembered `.no_exist`, or
    /// [`HfError::OfflineMiss`].
    fn cached_file_offline(&self, fetch: &Fetch<'_>) -> Result<ConfigFile, HfError> {
        let (repo, file, cache) = (fetch.repo, fetch.file, &fetch.cache);
        let sha = cache.main_commit(repo, fetch.main_url.as_str())?;
        if let Some(text) = self.usable_snapshot(cache, &sha, file) {
            return Ok(self.cached(fetch, text, sha, None));
        }
        if cache.is_marked_missing(&sha, file) {
            return Err(HfError::EntryNotFound {
                repo: repo.to_string(),
                path: file.to_string(),
                url: self.file_url(fetch, &sha),
                reason: format!(
                    "known missing at commit `{sha}` (`{}`)",
                    cache.no_exist_path(&sha, file).display()
                ),
            });
        }
        Err(HfError::offline_miss(
            repo,
            fetch.main_url.as_str(),
            format!("no `{}`", cache.snapshot_path(&sha, file).display()),
        ))
    }
}

/// The commit an answer names (`X-Repo-Commit`), if it is one ([`crate::ident::is_hub_commit`]).
fn commit_of(answer: &Exchange) -> Option<String> {
    answer
        .header("x-repo-commit")
        .filter(|sha| crate::ident::is_hub_commit(sha))
        .map(str::to_string)
}

/// The blob id: `X-Linked-Etag` (LFS files) else `ETag`, without `W/` and quotes, if it is
/// safe as a file name ([`crate::ident::is_hub_etag`]).
fn etag_of(answer: &Exchange) -> Option<String> {
    let raw = answer
        .header("x-linked-etag")
        .or_else(|| answer.header("etag"))?;
    let etag = raw.trim();
    let etag = etag.strip_prefix("W/").unwrap_or(etag).trim_matches('"');
    crate::ident::is_hub_etag(etag).then(|| etag.to_string())
}

fn no_commit(repo: &str, answer: &Exchange) -> HfError {
    HfError::InvalidResponse {
        repo: repo.to_string(),
        url: answer.url.to_string(),
        reason: "no usable `X-Repo-Commit` header".to_string(),
    }
}
