//! The Hugging Face cache layout, shared with the Python client and other tools:
//! `{kind}s--{org}--{name}/refs/main` (commit sha), `blobs/{etag}`,
//! `snapshots/{sha}/{file}` (relative symlink into `blobs/`, or a copy where symlinks fail) and
//! `.no_exist/{sha}/{file}` (empty marker: the file is known missing at that commit).
//!
//! Every write goes to a temporary name in the target folder and is renamed into place, so a
//! reader (this process, a concurrent one, or the Python client) never sees a partial file.
//! Every read takes a regular file only (a symlink is followed to one), of bounded size: a
//! FIFO or a device planted in the cache is a miss, never a hang. Commits and ETags that name
//! files are checked by [`crate::ident`] before they touch the file system.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ident::{is_hub_commit, is_hub_etag};

use super::HfError;

/// The largest cached file read back: a ref, a snapshot file (a `config.json`: the download
/// cap is 8 MiB), a recorded listing.
pub(super) const MAX_CACHED_BYTES: u64 = 256 << 20;

/// Which kind of Hub repo a cache folder belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) enum RepoKind {
    Model,
    Dataset,
}

/// One repo's folder in the cache.
#[derive(Debug, Clone)]
pub(super) struct RepoCache {
    dir: PathBuf,
}

impl RepoCache {
    /// `repo` must already be checked by [`crate::ident::is_hub_repo_id`] (no `/` beyond the org
    /// separator, no `..`, no `--`).
    pub(super) fn new(root: &Path, kind: RepoKind, repo: &str) -> Self {
        let prefix = match kind {
            RepoKind::Model => "models",
            RepoKind::Dataset => "datasets",
        };
        RepoCache {
            dir: root.join(format!("{prefix}--{}", repo.replace('/', "--"))),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn ref_path(&self, name: &str) -> PathBuf {
        self.dir.join("refs").join(name)
    }

    /// The commit a ref pointed to when last seen, if recorded and well formed.
    pub(super) fn read_ref(&self, name: &str) -> Option<String> {
        let text = read_optional(&self.ref_path(name))?;
        let sha = text.trim();
        is_hub_commit(sha).then(|| sha.to_string())
    }

    /// The commit `refs/main` names, for an answer without a request; a miss is
    /// [`HfError::OfflineMiss`] naming `url` and the ref file that is not there.
    pub(super) fn main_commit(&self, repo: &str, url: &str) -> Result<String, HfError> {
        self.read_ref("main").ok_or_else(|| {
            HfError::offline_miss(
                repo,
                url,
                format!("no `{}`", self.ref_path("main").display()),
            )
        })
    }

    /// Records `sha` as the ref's commit; a no-op when it already is.
    pub(super) fn write_ref(&self, name: &str, sha: &str) -> io::Result<()> {
        if !is_hub_commit(sha) {
            return Err(invalid_name("commit", sha));
        }
        if self.read_ref(name).as_deref() == Some(sha) {
            return Ok(());
        }
        write_atomic(&self.ref_path(name), sha.as_bytes())
    }

    /// `sha` must be a Hub commit ([`is_hub_commit`]): every caller got it from `read_ref` or
    /// checked it first.
    pub(super) fn snapshot_path(&self, sha: &str, file: &str) -> PathBuf {
        self.dir.join("snapshots").join(sha).join(file)
    }

    pub(super) fn no_exist_path(&self, sha: &str, file: &str) -> PathBuf {
        self.dir.join(".no_exist").join(sha).join(file)
    }

    pub(super) fn blob_path(&self, etag: &str) -> PathBuf {
        self.dir.join("blobs").join(etag)
    }

    /// The file's text at `sha`, if the snapshot holds it (following the symlink).
    pub(super) fn read_snapshot(&self, sha: &str, file: &str) -> Option<String> {
        read_optional(&self.snapshot_path(sha, file))
    }

    pub(super) fn has_blob(&self, etag: &str) -> bool {
        is_hub_etag(etag) && self.blob_path(etag).is_file()
    }

    /// Stores the content under `blobs/{etag}` (again when what is there differs: a damaged
    /// blob is replaced) and points the snapshot entry at it.
    pub(super) fn store(&self, sha: &str, file: &str, etag: &str, bytes: &[u8]) -> io::Result<()> {
        check_names(sha, etag)?;
        if read_bytes(&self.blob_path(etag)).as_deref() != Some(bytes) {
            write_atomic(&self.blob_path(etag), bytes)?;
        }
        self.link_snapshot(sha, file, etag)
    }

    /// Makes `snapshots/{sha}/{file}` a relative symlink to `blobs/{etag}`, or a copy of it
    /// where the file system refuses symlinks.
    pub(super) fn link_snapshot(&self, sha: &str, file: &str, etag: &str) -> io::Result<()> {
        check_names(sha, etag)?;
        let link = self.snapshot_path(sha, file);
        let depth = 2 + file.matches('/').count();
        let target = PathBuf::from(format!("{}blobs/{etag}", "../".repeat(depth)));
        let parent = parent_of(&link)?;
        std::fs::create_dir_all(parent)?;
        let temp = temp_sibling(&link);
        match make_symlink(&target, &temp) {
            Ok(()) => rename_or_clean(&temp, &link),
            Err(err) => {
                tracing::debug!(path = %link.display(), %err, "symlink refused; copying the blob");
                let bytes = read_bytes(&self.blob_path(etag)).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "the blob is not a readable file")
                })?;
                write_atomic(&link, &bytes)
            }
        }
    }

    /// Records that `file` does not exist at `sha`.
    pub(super) fn mark_missing(&self, sha: &str, file: &str) -> io::Result<()> {
        if !is_hub_commit(sha) {
            return Err(invalid_name("commit", sha));
        }
        write_atomic(&self.no_exist_path(sha, file), b"")
    }

    pub(super) fn is_marked_missing(&self, sha: &str, file: &str) -> bool {
        self.no_exist_path(sha, file).exists()
    }
}

/// Writes `bytes` to `path` through a temporary sibling and a rename.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::create_dir_all(parent_of(path)?)?;
    let temp = temp_sibling(path);
    if let Err(err) = std::fs::write(&temp, bytes) {
        let _ = std::fs::remove_file(&temp);
        return Err(err);
    }
    rename_or_clean(&temp, path)
}

/// Reads a text file; `None` when it is absent, not a regular file, over
/// [`MAX_CACHED_BYTES`], unreadable or not UTF-8 (a cache miss).
pub(super) fn read_optional(path: &Path) -> Option<String> {
    let bytes = read_bytes(path)?;
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "unreadable cache entry; treating it as missing");
            None
        }
    }
}

/// A regular file's bytes (at most [`MAX_CACHED_BYTES`]); `None` when absent, and with a
/// warning when it is there but not a readable regular file of that size.
fn read_bytes(path: &Path) -> Option<Vec<u8>> {
    match crate::atomic_file::read_regular(path, MAX_CACHED_BYTES) {
        Ok(bytes) => Some(bytes),
        Err(err)
            if err
                .downcast_ref::<io::Error>()
                .is_some_and(|err| err.kind() == io::ErrorKind::NotFound) =>
        {
            None
        }
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "unreadable cache entry; treating it as missing");
            None
        }
    }
}

/// A cache write that failed costs a download next time, not this run's answer.
pub(super) fn keep_going(result: io::Result<()>, path: &Path) {
    if let Err(err) = result {
        tracing::warn!(path = %path.display(), %err, "cannot write to the HF cache");
    }
}

fn check_names(sha: &str, etag: &str) -> io::Result<()> {
    if !is_hub_commit(sha) {
        return Err(invalid_name("commit", sha));
    }
    if !is_hub_etag(etag) {
        return Err(invalid_name("ETag", etag));
    }
    Ok(())
}

fn invalid_name(what: &str, value: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("`{}` is not a Hub {what}", crate::ident::echo(value)),
    )
}

fn parent_of(path: &Path) -> io::Result<&Path> {
    path.parent().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` has no parent folder", path.display()),
        )
    })
}

/// A name next to `path` that no other writer (thread or process) uses at the same time.
fn temp_sibling(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.incomplete", std::process::id()))
}

fn rename_or_clean(temp: &Path, path: &Path) -> io::Result<()> {
    std::fs::rename(temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(temp);
    })
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

#[cfg(not(any(unix, windows)))]
fn make_symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no symlinks here",
    ))
}
