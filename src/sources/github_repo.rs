//! Selected files of a GitHub repository at its default branch's head, read through the REST API
//! and cached content-addressed by blob sha, so a night with an unchanged repository costs two
//! requests and a changed one fetches only the blobs that changed.
//!
//! The walk: `GET /repos/{o}/{r}` for the default branch (skipped when a ref is given), then one
//! `GET /repos/{o}/{r}/git/trees/{ref}?recursive=1`. When GitHub truncates that listing (more
//! than 100,000 entries or 7 MB), the listing is not trusted for anything: as GitHub documents,
//! each wanted folder is reached from the root through non-recursive listings, then listed
//! recursively on its own, or, when that is truncated too, one sub-tree at a time. Then
//! `GET /repos/{o}/{r}/git/blobs/{sha}` (base64) for each wanted file whose blob is not cached
//! yet, at most [`BLOBS_IN_FLIGHT`] at a time; a blob's content is checked against its sha.
//!
//! Nothing from the API touches the file system unchecked: every sha (tree, entry, saved state)
//! must be 40 hex digits ([`crate::ident::is_git_sha`]) and every path a plain relative path, or
//! the walk fails with a message naming it; cached blobs are read as regular files of bounded
//! size. A walk that fails saves nothing, so the last complete state stays.
//!
//! Cache (under `$HF_HOME/track-models/github/`): `blobs/{sha}` (the file's bytes; a blob never
//! changes) and `repos/{owner}--{name}.json` (the last complete state: ref, tree sha, when it
//! was read, and each wanted path with its blob sha). An offline run, or a run whose walk failed,
//! answers from that state and says how old it is.
//!
//! Regular files only: symlinks (mode `120000`) are skipped. Bounds: the tree listing ≤ 16 MB, each blob answer ≤ 4 MB (files over 2 MB are skipped with a
//! note), a wanted set of at most 5,000 files, and the caller's deadline for the whole walk.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::atomic_file::{read_regular, write_if_changed};
use crate::github::reader::{decode, Failure, GithubApi, SharedApi};
use crate::ident::{echo, is_git_sha, is_relative_path};

const MAX_TREE_BYTES: usize = 16 << 20;
const MAX_BLOB_ANSWER_BYTES: usize = 4 << 20;
/// Files larger than this are not fetched (no serving config or model file is near it).
pub const MAX_FILE_BYTES: u64 = 2 << 20;
const MAX_WANTED_FILES: usize = 5_000;
/// Blob requests in flight at once during a cold read.
pub const BLOBS_IN_FLIGHT: usize = 8;
/// Entries gathered by walking a truncated listing folder by folder.
const MAX_WALKED_ENTRIES: usize = 100_000;

/// Why a repository could not be read (live or from the cache). One line naming the
/// repository or the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// Not `owner/name[@ref]`.
    #[error("`{0}` is not a GitHub repository (expected `owner/name` or `owner/name@ref`)")]
    NotARepository(String),
    /// The request budget ran out during the walk.
    #[error("`{0}`: request budget reached")]
    Budget(String),
    /// A request failed or its answer cannot be used (names the URL).
    #[error("{0}")]
    Live(String),
    /// No saved state for the repository.
    #[error("nothing cached for `{repo}` (`{path}`)")]
    NothingCached { repo: String, path: String },
    /// The saved state or a blob it names cannot be used.
    #[error("{0}")]
    Cache(String),
}

/// A repository and, optionally, the ref to read (default: its default branch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    /// `owner/name`.
    pub repo: String,
    pub reference: Option<String>,
}

impl RepoRef {
    /// `owner/name` or `owner/name@ref`.
    pub fn parse(text: &str) -> Result<RepoRef, RepoError> {
        let text = text.trim();
        let (repo, reference) = match text.split_once('@') {
            Some((repo, reference)) => (repo, Some(reference.trim())),
            None => (text, None),
        };
        let valid = |part: &str| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        let ok_ref = reference.is_none_or(|r| {
            !r.is_empty()
                && !r.contains("..")
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        });
        match repo.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) && ok_ref => Ok(RepoRef {
                repo: repo.to_string(),
                reference: reference.map(str::to_string),
            }),
            _ => Err(RepoError::NotARepository(echo(text).into_owned())),
        }
    }

    fn cache_name(&self) -> String {
        self.repo.replace('/', "--")
    }
}

/// Which files of the repository a caller needs: those under one of `folders` (any depth when
/// `nested`, else directly in it) with one of `extensions`.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub folder: &'static str,
    pub extensions: &'static [&'static str],
    pub nested: bool,
}

impl Wanted {
    fn matches(&self, path: &str) -> bool {
        let Some(rest) = path
            .strip_prefix(self.folder)
            .and_then(|r| r.strip_prefix('/'))
        else {
            return false;
        };
        let hidden = rest.split('/').any(|part| part.starts_with('.'));
        let extension_ok = rest
            .rsplit_once('.')
            .is_some_and(|(_, ext)| self.extensions.iter().any(|x| ext.eq_ignore_ascii_case(x)));
        !hidden && extension_ok && (self.nested || !rest.contains('/'))
    }
}

/// What was read: every wanted file's text, by repository path, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSnapshot {
    pub repo: String,
    pub reference: String,
    pub tree_sha: String,
    /// Unix seconds of the walk that produced this state.
    pub read_at: i64,
    pub files: BTreeMap<String, String>,
    /// Files left out (too large, not UTF-8), one line each.
    pub notes: Vec<String>,
}

/// The saved last complete state of one repository.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedState {
    repo: String,
    reference: String,
    tree_sha: String,
    read_at: i64,
    /// path → blob sha
    files: BTreeMap<String, String>,
    #[serde(default)]
    notes: Vec<String>,
}

/// The cache folder (`$HF_HOME/track-models/github`).
#[derive(Debug, Clone)]
pub struct RepoCache {
    pub dir: PathBuf,
}

impl RepoCache {
    fn state_path(&self, repo: &RepoRef) -> PathBuf {
        self.dir
            .join("repos")
            .join(format!("{}.json", repo.cache_name()))
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        self.dir.join("blobs").join(sha)
    }

    /// The cached blob `sha`: a regular file of at most [`MAX_FILE_BYTES`] whose content hashes
    /// to `sha`; `None` otherwise (a sha that is not one is never a path).
    fn read_blob(&self, sha: &str) -> Option<Vec<u8>> {
        if !is_git_sha(sha) {
            return None;
        }
        let bytes = read_regular(&self.blob_path(sha), MAX_FILE_BYTES).ok()?;
        (blob_sha(&bytes) == sha).then_some(bytes)
    }

    /// Saves a checked blob; whatever else stands at its path (a symlink, a FIFO) is removed
    /// first, so the write never lands outside the cache.
    fn save_blob(&self, sha: &str, bytes: &[u8]) {
        if !is_git_sha(sha) {
            return;
        }
        let path = self.blob_path(sha);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_file()) {
            let _ = std::fs::remove_file(&path);
        }
        let result = std::fs::create_dir_all(self.dir.join("blobs"))
            .map_err(anyhow::Error::from)
            .and_then(|()| write_if_changed(&path, bytes));
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), "cannot cache the blob: {err:#}");
        }
    }

    /// The last complete state, with every file read from the blob cache.
    pub fn load(&self, repo: &RepoRef) -> Result<RepoSnapshot, RepoError> {
        let path = self.state_path(repo);
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(RepoError::NothingCached {
                repo: repo.repo.clone(),
                path: path.display().to_string(),
            });
        }
        let text = read_regular(&path, MAX_TREE_BYTES as u64).map_err(|err| {
            RepoError::Cache(format!("cannot read `{}`: {err:#}", path.display()))
        })?;
        let state: SavedState = serde_json::from_slice(&text).map_err(|err| {
            RepoError::Cache(format!("`{}` is not a saved state: {err}", path.display()))
        })?;
        let mut files = BTreeMap::new();
        for (file, sha) in &state.files {
            if !is_git_sha(sha) || !is_relative_path(file) {
                return Err(RepoError::Cache(format!(
                    "the cached state of `{}` names `{}` for `{}`, not a git object id and a relative path; refused",
                    repo.repo,
                    echo(sha),
                    echo(file)
                )));
            }
            let bytes = self.read_blob(sha).ok_or_else(|| {
                RepoError::Cache(format!(
                    "the cached state of `{}` names blob {sha} (`{file}`), which is not in `{}`",
                    repo.repo,
                    self.dir.join("blobs").display()
                ))
            })?;
            files.insert(file.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(RepoSnapshot {
            repo: state.repo,
            reference: state.reference,
            tree_sha: state.tree_sha,
            read_at: state.read_at,
            files,
            notes: state.notes,
        })
    }

    fn save(&self, repo: &RepoRef, snapshot: &RepoSnapshot, shas: BTreeMap<String, String>) {
        let state = SavedState {
            repo: snapshot.repo.clone(),
            reference: snapshot.reference.clone(),
            tree_sha: snapshot.tree_sha.clone(),
            read_at: snapshot.read_at,
            files: shas,
            notes: snapshot.notes.clone(),
        };
        let path = self.state_path(repo);
        let result = serde_json::to_vec_pretty(&state)
            .map_err(anyhow::Error::from)
            .and_then(|body| {
                std::fs::create_dir_all(self.dir.join("repos"))?;
                write_if_changed(&path, &body).map(|_| ())
            });
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), "cannot save the repository state: {err:#}");
        }
    }
}

#[derive(Debug, Deserialize)]
struct RepoInfo {
    default_branch: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Tree {
    sha: String,
    tree: Vec<TreeEntry>,
    #[serde(default)]
    truncated: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct TreeEntry {
    path: String,
    /// `100644` / `100755` regular files, `120000` symlinks, `160000` submodules.
    #[serde(default)]
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
    #[serde(default)]
    size: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Blob {
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
}

/// Reads the wanted files of `repo` live, using and filling the cache. `Err` is one line naming
/// the repository or the URL that failed; blobs fetched before the failure stay cached, the
/// saved state is replaced only by a complete read.
pub(crate) async fn read_live(
    api: &mut GithubApi<'_>,
    cache: &RepoCache,
    repo: &RepoRef,
    wanted: &[Wanted],
    now: i64,
) -> Result<RepoSnapshot, RepoError> {
    let failed = |failure: Failure| match failure {
        Failure::Budget => RepoError::Budget(repo.repo.clone()),
        Failure::Failed(problem) => RepoError::Live(problem),
    };
    let base = format!("{}/repos/{}", api.base, repo.repo);
    let reference = match &repo.reference {
        Some(reference) => reference.clone(),
        None => {
            let page = api
                .get(&base, "application/vnd.github+json")
                .await
                .map_err(failed)?;
            let branch = decode::<RepoInfo>(&page.body)
                .map_err(|reason| RepoError::Live(format!("`GET {base}`: {reason}")))?
                .default_branch;
            if !crate::ident::is_git_ref(&branch) {
                return Err(RepoError::Live(format!(
                    "`GET {base}`: `default_branch` `{}` is not a branch name",
                    echo(&branch)
                )));
            }
            branch
        }
    };
    let mut lister = Lister {
        api,
        base: &base,
        seen: HashMap::new(),
    };
    let (tree_sha, entries) = lister
        .wanted_entries(&reference, wanted)
        .await
        .map_err(failed)?;
    let chosen = choose(entries, wanted, &repo.repo)?;
    let (files, shas, notes) = read_blobs(&mut lister, cache, &repo.repo, chosen).await?;
    let snapshot = RepoSnapshot {
        repo: repo.repo.clone(),
        reference,
        tree_sha,
        read_at: now,
        files,
        notes,
    };
    cache.save(repo, &snapshot, shas);
    Ok(snapshot)
}

/// The wanted regular files among `entries`, sorted, each with a checked sha and path.
fn choose(
    entries: Vec<TreeEntry>,
    wanted: &[Wanted],
    repo: &str,
) -> Result<Vec<TreeEntry>, RepoError> {
    let mut chosen: Vec<TreeEntry> = entries
        .into_iter()
        .filter(|e| e.kind == "blob" && e.mode.starts_with("100"))
        .filter(|e| wanted.iter().any(|w| w.matches(&e.path)))
        .collect();
    chosen.sort_by(|a, b| a.path.cmp(&b.path));
    chosen.dedup_by(|a, b| a.path == b.path);
    if chosen.len() > MAX_WANTED_FILES {
        return Err(RepoError::Live(format!(
            "`{repo}`: {} wanted files, more than the {MAX_WANTED_FILES} this tool reads",
            chosen.len()
        )));
    }
    for entry in &chosen {
        check_entry(repo, entry)?;
    }
    Ok(chosen)
}

/// A tree entry's sha and path as GitHub gives them, before either is used.
fn check_entry(repo: &str, entry: &TreeEntry) -> Result<(), RepoError> {
    if is_git_sha(&entry.sha) && is_relative_path(&entry.path) {
        return Ok(());
    }
    Err(RepoError::Live(format!(
        "`{repo}`: the tree entry `{}` has sha `{}`; not a git object id and a relative path, refused",
        echo(&entry.path),
        echo(&entry.sha)
    )))
}

/// File texts and blob shas by path, and the notes about files left out.
type Blobs = (
    BTreeMap<String, String>,
    BTreeMap<String, String>,
    Vec<String>,
);

/// Every chosen file's text: from the cache, else fetched, [`BLOBS_IN_FLIGHT`] at a time.
async fn read_blobs(
    lister: &mut Lister<'_, '_, '_>,
    cache: &RepoCache,
    repo: &str,
    chosen: Vec<TreeEntry>,
) -> Result<Blobs, RepoError> {
    let mut notes = Vec::new();
    let mut to_read = Vec::new();
    for entry in chosen {
        match entry.size {
            Some(size) if size > MAX_FILE_BYTES => notes.push(format!(
                "`{repo}/{}`: {size} bytes, more than {MAX_FILE_BYTES}; left out",
                entry.path
            )),
            _ => to_read.push(entry),
        }
    }
    let shared = lister.api.shared();
    let base = lister.base;
    let read: Vec<(TreeEntry, Result<Vec<u8>, RepoError>)> = stream::iter(to_read)
        .map(|entry| {
            let shared = &shared;
            async move {
                let bytes = match cache.read_blob(&entry.sha) {
                    Some(bytes) => Ok(bytes),
                    None => fetch_blob(shared, base, repo, cache, &entry.sha).await,
                };
                (entry, bytes)
            }
        })
        .buffer_unordered(BLOBS_IN_FLIGHT)
        .collect()
        .await;
    drop(shared);
    let (mut files, mut shas) = (BTreeMap::new(), BTreeMap::new());
    for (entry, bytes) in read {
        match String::from_utf8(bytes?) {
            Ok(text) => {
                files.insert(entry.path.clone(), text);
                shas.insert(entry.path, entry.sha);
            }
            Err(_) => notes.push(format!("`{repo}/{}`: not UTF-8; left out", entry.path)),
        }
    }
    notes.sort();
    Ok((files, shas, notes))
}

/// One blob, checked against its sha and cached.
async fn fetch_blob(
    api: &SharedApi<'_, '_>,
    base: &str,
    repo: &str,
    cache: &RepoCache,
    sha: &str,
) -> Result<Vec<u8>, RepoError> {
    let url = format!("{base}/git/blobs/{sha}");
    let page = api
        .get_capped(&url, "application/vnd.github+json", MAX_BLOB_ANSWER_BYTES)
        .await
        .map_err(|failure| match failure {
            Failure::Budget => RepoError::Budget(repo.to_string()),
            Failure::Failed(problem) => RepoError::Live(problem),
        })?;
    let bad = |why: String| RepoError::Live(format!("`GET {url}`: {why}"));
    let blob: Blob = decode(&page.body).map_err(|reason| bad(reason.to_string()))?;
    let bytes = match blob.encoding.as_str() {
        "base64" => {
            decode_base64(&blob.content).ok_or_else(|| bad("`content` is not base64".into()))?
        }
        "utf-8" | "utf8" => blob.content.into_bytes(),
        other => return Err(bad(format!("unknown encoding `{}`", echo(other)))),
    };
    if blob_sha(&bytes) != sha {
        return Err(bad(format!("the content does not hash to {sha}")));
    }
    cache.save_blob(sha, &bytes);
    Ok(bytes)
}

/// Tree listings of one repository.
struct Lister<'l, 'api, 'a> {
    api: &'l mut GithubApi<'a>,
    base: &'api str,
    /// Non-recursive listings already made, by tree sha (a walk passes the root once).
    seen: HashMap<String, Tree>,
}

impl Lister<'_, '_, '_> {
    /// One listing of the tree `sha` (a ref at the root), checked: its sha and every entry's.
    async fn list(&mut self, sha: &str, recursive: bool) -> Result<Tree, Failure> {
        let url = match recursive {
            true => format!("{}/git/trees/{sha}?recursive=1", self.base),
            false => format!("{}/git/trees/{sha}", self.base),
        };
        let page = self
            .api
            .get_capped(&url, "application/vnd.github+json", MAX_TREE_BYTES)
            .await?;
        let tree: Tree = decode(&page.body)
            .map_err(|reason| Failure::Failed(format!("`GET {url}`: {reason}")))?;
        let bad = std::iter::once((&tree.sha, ""))
            .chain(tree.tree.iter().map(|e| (&e.sha, e.path.as_str())))
            .find(|(sha, path)| !is_git_sha(sha) || (!path.is_empty() && !is_relative_path(path)));
        if let Some((sha, path)) = bad {
            return Err(Failure::Failed(format!(
                "`GET {url}`: the entry `{}` has sha `{}`; not a git object id and a relative path, refused",
                echo(path),
                echo(sha)
            )));
        }
        Ok(tree)
    }

    /// The root tree's sha and every entry under the wanted folders.
    async fn wanted_entries(
        &mut self,
        reference: &str,
        wanted: &[Wanted],
    ) -> Result<(String, Vec<TreeEntry>), Failure> {
        let tree = self.list(reference, true).await?;
        if !tree.truncated {
            return Ok((tree.sha, tree.tree));
        }
        let mut entries = Vec::new();
        for want in wanted {
            entries.extend(self.folder(&tree.sha, want.folder).await?);
        }
        Ok((tree.sha, entries))
    }

    /// Every entry under `folder`, reached from the root tree `root` through non-recursive
    /// listings, then listed recursively, or one sub-tree at a time when that is truncated too.
    /// A folder a complete listing does not have gives nothing.
    async fn folder(&mut self, root: &str, folder: &str) -> Result<Vec<TreeEntry>, Failure> {
        let mut sha = root.to_string();
        for part in folder.split('/') {
            let level = match self.seen.get(&sha) {
                Some(level) => level.clone(),
                None => {
                    let level = self.list(&sha, false).await?;
                    self.seen.insert(sha.clone(), level.clone());
                    level
                }
            };
            if level.truncated {
                return Err(Failure::Failed(format!(
                    "`{}`: the listing on the way to `{folder}` is truncated even without recursion",
                    self.base
                )));
            }
            match level
                .tree
                .into_iter()
                .find(|e| e.kind == "tree" && e.path == part)
            {
                Some(found) => sha = found.sha,
                None => return Ok(Vec::new()),
            }
        }
        let listed = self.list(&sha, true).await?;
        let mut entries = Vec::new();
        if listed.truncated {
            self.walk(&sha, folder, &mut entries).await?;
        } else {
            entries.extend(listed.tree.into_iter().map(|mut e| {
                e.path = format!("{folder}/{}", e.path);
                e
            }));
        }
        Ok(entries)
    }

    /// `folder` (the tree `sha`) one non-recursive listing per sub-tree, bounded.
    async fn walk(
        &mut self,
        sha: &str,
        folder: &str,
        entries: &mut Vec<TreeEntry>,
    ) -> Result<(), Failure> {
        let mut pending = vec![(sha.to_string(), folder.to_string())];
        while let Some((sha, prefix)) = pending.pop() {
            let level = self.list(&sha, false).await?;
            if level.truncated || entries.len() + level.tree.len() > MAX_WALKED_ENTRIES {
                return Err(Failure::Failed(format!(
                    "`{}`: `{prefix}` holds more entries than this tool walks",
                    self.base
                )));
            }
            for mut entry in level.tree {
                entry.path = format!("{prefix}/{}", entry.path);
                if entry.kind == "tree" {
                    pending.push((entry.sha.clone(), entry.path.clone()));
                }
                entries.push(entry);
            }
        }
        Ok(())
    }
}

/// Git's blob id: SHA-1 of `blob {len}\0{content}`.
fn blob_sha(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

/// Standard base64 with GitHub's line breaks; `None` on anything else.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let symbols: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = symbols
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(&symbols[..0], |last| &symbols[..=last]);
    if symbols.len() - data.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for &b in chunk {
            acc = (acc << 6) | value(b)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 => out.push((acc >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

/// `Path`-like display of a file inside a repository (`owner/name/path`), for messages.
pub fn shown_path(repo: &str, path: &str) -> PathBuf {
    Path::new(repo).join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_github_sends_it() {
        assert_eq!(decode_base64("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8h").unwrap(), b"hello!");
        assert_eq!(decode_base64("aA==").unwrap(), b"h");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("a$==").is_none());
        assert!(decode_base64("a").is_none());
    }

    #[test]
    fn blob_ids_are_gits() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_sha(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn repo_refs() {
        assert_eq!(
            RepoRef::parse("sgl-project/sglang@v0.5.9").unwrap(),
            RepoRef {
                repo: "sgl-project/sglang".into(),
                reference: Some("v0.5.9".into())
            }
        );
        assert_eq!(RepoRef::parse("a/b").unwrap().reference, None);
        for bad in ["a", "a/b/c", "a/b@", "a/b@x..y", "../b", "a/b c"] {
            assert_eq!(
                RepoRef::parse(bad),
                Err(RepoError::NotARepository(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn wanted_files() {
        let models = Wanted {
            folder: "python/sglang/srt/models",
            extensions: &["py"],
            nested: false,
        };
        assert!(models.matches("python/sglang/srt/models/llama.py"));
        assert!(!models.matches("python/sglang/srt/models/deepseek_common/x.py"));
        assert!(!models.matches("python/sglang/srt/models.py"));
        let configs = Wanted {
            folder: "docs_new/src/snippets/configs",
            extensions: &["jsx"],
            nested: true,
        };
        assert!(configs.matches("docs_new/src/snippets/configs/qwen/qwen3.5.jsx"));
        assert!(!configs.matches("docs_new/src/snippets/configs/.hidden/x.jsx"));
    }
}
