//! Selected files of a GitHub repository at its default branch's head, read through the REST API
//! and cached content-addressed by blob sha, so a night with an unchanged repository costs two
//! requests and a changed one fetches only the blobs that changed.
//!
//! The walk: `GET /repos/{o}/{r}` for the default branch (skipped when a ref is given), then one
//! `GET /repos/{o}/{r}/git/trees/{ref}?recursive=1`. When GitHub truncates that listing (more
//! than 100,000 entries or 7 MB), each wanted folder is reached through non-recursive listings
//! and listed recursively on its own. Then `GET /repos/{o}/{r}/git/blobs/{sha}` (base64) for each
//! wanted file whose blob is not cached yet; a blob's content is checked against its sha.
//!
//! Cache (under `$HF_HOME/track-models/github/`): `blobs/{sha}` (the file's bytes; a blob never
//! changes) and `repos/{owner}--{name}.json` (the last complete state: ref, tree sha, when it
//! was read, and each wanted path with its blob sha). An offline run, or a run whose walk failed,
//! answers from that state and says how old it is.
//!
//! Regular files only: symlinks (mode `120000`) are skipped. Bounds: the tree listing ≤ 16 MB, each blob answer ≤ 4 MB (files over 2 MB are skipped with a
//! note), a wanted set of at most 5,000 files, and the caller's deadline for the whole walk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic_file::write_if_changed;
use crate::github::reader::{decode, Failure, GithubApi};

const MAX_TREE_BYTES: usize = 16 << 20;
const MAX_BLOB_ANSWER_BYTES: usize = 4 << 20;
/// Files larger than this are not fetched (no serving config or model file is near it).
pub const MAX_FILE_BYTES: u64 = 2 << 20;
const MAX_WANTED_FILES: usize = 5_000;

/// A repository and, optionally, the ref to read (default: its default branch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    /// `owner/name`.
    pub repo: String,
    pub reference: Option<String>,
}

impl RepoRef {
    /// `owner/name` or `owner/name@ref`.
    pub fn parse(text: &str) -> Result<RepoRef, String> {
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
            _ => Err(format!(
                "`{text}` is not a GitHub repository (expected `owner/name` or `owner/name@ref`)"
            )),
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

    fn read_blob(&self, sha: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.blob_path(sha)).ok()?;
        (blob_sha(&bytes) == sha).then_some(bytes)
    }

    fn save_blob(&self, sha: &str, bytes: &[u8]) {
        let path = self.blob_path(sha);
        let result = std::fs::create_dir_all(self.dir.join("blobs"))
            .map_err(anyhow::Error::from)
            .and_then(|()| write_if_changed(&path, bytes));
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), "cannot cache the blob: {err:#}");
        }
    }

    /// The last complete state, with every file read from the blob cache.
    pub fn load(&self, repo: &RepoRef) -> Result<RepoSnapshot, String> {
        let path = self.state_path(repo);
        let text = std::fs::read(&path).map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                format!("nothing cached for `{}` (`{}`)", repo.repo, path.display())
            } else {
                format!("cannot read `{}`: {err}", path.display())
            }
        })?;
        let state: SavedState = serde_json::from_slice(&text)
            .map_err(|err| format!("`{}` is not a saved state: {err}", path.display()))?;
        let mut files = BTreeMap::new();
        for (file, sha) in &state.files {
            let bytes = self.read_blob(sha).ok_or_else(|| {
                format!(
                    "the cached state of `{}` names blob {sha} (`{file}`), which is not in `{}`",
                    repo.repo,
                    self.dir.join("blobs").display()
                )
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

#[derive(Debug, Deserialize)]
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
/// the repository and the URL that failed; blobs fetched before the failure stay cached.
pub(crate) async fn read_live(
    api: &mut GithubApi<'_>,
    cache: &RepoCache,
    repo: &RepoRef,
    wanted: &[Wanted],
    now: i64,
) -> Result<RepoSnapshot, String> {
    let failed = |failure: Failure| match failure {
        Failure::Budget => format!("`{}`: request budget reached", repo.repo),
        Failure::Failed(problem) => problem,
    };
    let base = format!("{}/repos/{}", api.base, repo.repo);
    let reference = match &repo.reference {
        Some(reference) => reference.clone(),
        None => {
            let page = api
                .get(&base, "application/vnd.github+json")
                .await
                .map_err(failed)?;
            decode::<RepoInfo>(&page.body)
                .map_err(|reason| format!("`GET {base}`: {reason}"))?
                .default_branch
        }
    };
    let tree_url = format!("{base}/git/trees/{reference}?recursive=1");
    let page = api
        .get_capped(&tree_url, "application/vnd.github+json", MAX_TREE_BYTES)
        .await
        .map_err(failed)?;
    let tree: Tree = decode(&page.body).map_err(|reason| format!("`GET {tree_url}`: {reason}"))?;
    let tree_sha = tree.sha.clone();
    let entries = if tree.truncated {
        let mut entries = Vec::new();
        for want in wanted {
            entries.extend(
                list_folder(api, &base, &tree, want.folder)
                    .await
                    .map_err(failed)?,
            );
        }
        entries
    } else {
        tree.tree
    };

    let mut notes = Vec::new();
    let mut chosen: Vec<TreeEntry> = entries
        .into_iter()
        .filter(|e| e.kind == "blob" && e.mode.starts_with("100"))
        .filter(|e| wanted.iter().any(|w| w.matches(&e.path)))
        .collect();
    chosen.sort_by(|a, b| a.path.cmp(&b.path));
    chosen.dedup_by(|a, b| a.path == b.path);
    if chosen.len() > MAX_WANTED_FILES {
        return Err(format!(
            "`{}`: {} wanted files, more than the {MAX_WANTED_FILES} this tool reads",
            repo.repo,
            chosen.len()
        ));
    }
    let mut files = BTreeMap::new();
    let mut shas = BTreeMap::new();
    for entry in chosen {
        if entry.size.is_some_and(|size| size > MAX_FILE_BYTES) {
            notes.push(format!(
                "`{}/{}`: {} bytes, more than {MAX_FILE_BYTES}; left out",
                repo.repo,
                entry.path,
                entry.size.unwrap_or_default()
            ));
            continue;
        }
        let bytes = match cache.read_blob(&entry.sha) {
            Some(bytes) => bytes,
            None => {
                let url = format!("{base}/git/blobs/{}", entry.sha);
                let page = api
                    .get_capped(&url, "application/vnd.github+json", MAX_BLOB_ANSWER_BYTES)
                    .await
                    .map_err(failed)?;
                let blob: Blob =
                    decode(&page.body).map_err(|reason| format!("`GET {url}`: {reason}"))?;
                let bytes = match blob.encoding.as_str() {
                    "base64" => decode_base64(&blob.content)
                        .ok_or_else(|| format!("`GET {url}`: `content` is not base64"))?,
                    "utf-8" | "utf8" => blob.content.into_bytes(),
                    other => return Err(format!("`GET {url}`: unknown encoding `{other}`")),
                };
                if blob_sha(&bytes) != entry.sha {
                    return Err(format!(
                        "`GET {url}`: the content does not hash to {}",
                        entry.sha
                    ));
                }
                cache.save_blob(&entry.sha, &bytes);
                bytes
            }
        };
        match String::from_utf8(bytes) {
            Ok(text) => {
                files.insert(entry.path.clone(), text);
                shas.insert(entry.path, entry.sha);
            }
            Err(_) => notes.push(format!(
                "`{}/{}`: not UTF-8; left out",
                repo.repo, entry.path
            )),
        }
    }
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

/// Every blob under `folder` when the root listing was truncated: walk down with non-recursive
/// listings from the root tree, then list the folder recursively. A folder the repository does
/// not have gives nothing.
async fn list_folder(
    api: &mut GithubApi<'_>,
    base: &str,
    root: &Tree,
    folder: &str,
) -> Result<Vec<TreeEntry>, Failure> {
    let mut level: Vec<TreeEntry> = root
        .tree
        .iter()
        .filter(|e| !e.path.contains('/'))
        .cloned()
        .collect();
    let parts: Vec<&str> = folder.split('/').collect();
    let mut sha = None;
    for (i, part) in parts.iter().enumerate() {
        let Some(found) = level.iter().find(|e| e.kind == "tree" && e.path == *part) else {
            return Ok(Vec::new());
        };
        if i + 1 == parts.len() {
            sha = Some(found.sha.clone());
            break;
        }
        let url = format!("{base}/git/trees/{}", found.sha);
        let page = api
            .get_capped(&url, "application/vnd.github+json", MAX_TREE_BYTES)
            .await?;
        level = decode::<Tree>(&page.body)
            .map_err(|reason| Failure::Failed(format!("`GET {url}`: {reason}")))?
            .tree;
    }
    let Some(sha) = sha else {
        return Ok(Vec::new());
    };
    let url = format!("{base}/git/trees/{sha}?recursive=1");
    let page = api
        .get_capped(&url, "application/vnd.github+json", MAX_TREE_BYTES)
        .await?;
    let tree: Tree =
        decode(&page.body).map_err(|reason| Failure::Failed(format!("`GET {url}`: {reason}")))?;
    if tree.truncated {
        return Err(Failure::Failed(format!(
            "`GET {url}`: the listing of `{folder}` is truncated too"
        )));
    }
    Ok(tree
        .tree
        .into_iter()
        .map(|mut e| {
            e.path = format!("{folder}/{}", e.path);
            e
        })
        .collect())
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
            assert!(RepoRef::parse(bad).is_err(), "{bad}");
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
