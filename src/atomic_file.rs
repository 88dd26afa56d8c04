//! Reading and writing the files a run is given, safely.
//!
//! - Writes never leave a truncated file after a crash or kill: a temporary file in the same
//!   folder, flushed, given the old file's permissions, renamed over. A symlinked path is
//!   followed: the link's target is replaced and the link stays a link.
//! - Temporary files carry the writer's process id (`.track-models-{pid}.XXXXXX`); one whose
//!   process is gone (killed mid-write) is removed by the next write in that folder.
//! - Inputs are regular files only (a FIFO or a device would block or never end), read up to a
//!   size limit.
//! - [`DocLock`] serialises runs on one doc: a run that writes holds an exclusive advisory lock
//!   on the doc's folder, read-only runs a shared one; a second run waits briefly, then fails.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

const TEMP_PREFIX: &str = ".track-models-";

/// Largest coverage doc read (far above any real one: 100,000 rows are ~8 MiB).
pub const MAX_DOC_BYTES: u64 = 256 << 20;
/// Largest local `config.json` read (real ones are a few KiB).
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// How long a run waits for another run on the same doc to finish.
pub const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Reads `path`, which must be a regular file (after following symlinks) of at most `limit`
/// bytes. The type is checked before opening, so a FIFO is never opened (that would block),
/// and again on the open handle.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let kind = fs::metadata(path)?.file_type();
    if !kind.is_file() {
        bail!("not a regular file (it is {})", describe(kind));
    }
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        bail!(
            "not a regular file (it is {})",
            describe(metadata.file_type())
        );
    }
    if metadata.len() > limit {
        bail!(
            "{} bytes, more than the {limit} bytes this tool reads",
            metadata.len()
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        bail!("more than the {limit} bytes this tool reads (it grew while read)");
    }
    Ok(bytes)
}

fn describe(kind: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Writes `content` to `path` atomically, only when it differs from what is there.
/// Returns whether the file was written.
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<bool> {
    let target = resolve_link(path)?;
    if fs::metadata(&target).is_ok_and(|m| m.is_file() && m.len() == content.len() as u64) {
        if let Ok(existing) = fs::read(&target) {
            if existing == content {
                return Ok(false);
            }
        }
    }
    write_atomically(path, content)?;
    Ok(true)
}

/// Writes `content` to `path` atomically (temporary file in the same folder, flushed, given the
/// old file's permissions, renamed over it). A symlink is followed to its target.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let path = &resolve_link(path)?;
    if fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        bail!("`{}` is not a regular file", path.display());
    }
    let dir = folder(path);
    remove_stale_temporaries(dir);
    let mut temp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}.", std::process::id()))
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in `{}`", dir.display()))?;
    temp.write_all(content)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("writing a temporary file for `{}`", path.display()))?;
    if let Ok(metadata) = fs::metadata(path) {
        fs::set_permissions(temp.path(), metadata.permissions())
            .with_context(|| format!("copying the permissions of `{}`", path.display()))?;
    }
    temp.persist(path)
        .with_context(|| format!("replacing `{}`", path.display()))?;
    Ok(())
}

/// The file a path names: a symlink (chain) is followed to its final target, which may not
/// exist yet; any other path is itself.
pub fn resolve_link(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&current)
                    .with_context(|| format!("reading the link `{}`", current.display()))?;
                current = folder(&current).join(target);
            }
            _ => return Ok(current),
        }
    }
    bail!("`{}`: too many levels of symbolic links", path.display())
}

/// The folder holding `path` (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Removes `.track-models-{pid}.*` files in `dir` whose process no longer runs (a run killed
/// while writing). Without `/proc` nothing is removed: a live run's file must never go.
fn remove_stale_temporaries(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(TEMP_PREFIX))
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && !Path::new(&format!("/proc/{pid}")).exists() {
            if let Err(error) = fs::remove_file(entry.path()) {
                tracing::warn!(
                    "could not remove the stale temporary file `{}`: {error}",
                    entry.path().display()
                );
            }
        }
    }
}

/// Whether two paths name the same file (following symlinks), also when neither exists yet.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let key = |path: &Path| -> Option<PathBuf> {
        let resolved = resolve_link(path).ok()?;
        match fs::canonicalize(&resolved) {
            Ok(canonical) => Some(canonical),
            Err(_) => Some(
                fs::canonicalize(folder(&resolved))
                    .ok()?
                    .join(resolved.file_name()?),
            ),
        }
    };
    matches!((key(a), key(b)), (Some(a), Some(b)) if a == b)
}

/// An advisory lock on the doc's folder, held for a whole run (released on drop).
#[derive(Debug)]
pub struct DocLock {
    _dir: File,
}

impl DocLock {
    /// Exclusive when the run may write, shared otherwise; waits up to `wait`. `None` when the
    /// folder does not exist (reading the doc then fails with the clearer error). A folder that
    /// exists but cannot be opened (no read permission) is an error: the run never goes on
    /// unlocked in silence.
    pub fn acquire(doc: &Path, exclusive: bool, wait: Duration) -> Result<Option<DocLock>> {
        let target = resolve_link(doc)?;
        let dir = folder(&target);
        let handle = match File::open(dir) {
            Ok(handle) => handle,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(anyhow!(
                    "cannot open the folder `{}` to lock `{}` against other runs ({error}); the doc was left untouched\nhint: give the folder read permission (`chmod u+r`), or move the doc to a folder you can read",
                    dir.display(),
                    doc.display()
                ))
            }
        };
        let deadline = Instant::now() + wait;
        loop {
            match try_flock(&handle, exclusive) {
                Ok(true) => return Ok(Some(DocLock { _dir: handle })),
                Ok(false) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(false) => {
                    return Err(anyhow!(
                        "another track-models run is working on `{}` (it holds the lock on `{}`; waited {} s); the doc was left untouched\nhint: run again when it has finished",
                        doc.display(),
                        dir.display(),
                        wait.as_secs()
                    ))
                }
                // A file system without `flock` support: run unserialised rather than not at all.
                Err(error) => {
                    tracing::warn!(
                        "cannot lock the folder `{}` ({error}); running without the lock",
                        dir.display()
                    );
                    return Ok(None);
                }
            }
        }
    }
}

/// `flock(LOCK_EX | LOCK_NB)` (or `LOCK_SH`): `Ok(false)` when another process holds it.
/// (`File::try_lock` would do, but needs Rust 1.89.)
fn try_flock(file: &File, exclusive: bool) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let operation = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    } | libc::LOCK_NB;
    // SAFETY: `flock` only reads the descriptor, which `file` keeps open for the call; the lock
    // is released when the descriptor is closed (the `File` dropped).
    if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(code) if code == libc::EWOULDBLOCK => Ok(false),
        _ => Err(error),
    }
}
