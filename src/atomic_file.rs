//! Writing files so that a crash or kill never leaves a truncated one: write a temporary file
//! in the same folder, flush it to disk, give it the old file's permissions, rename it over.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `content` to `path` atomically, only when it differs from what is there.
/// Returns whether the file was written.
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<bool> {
    if let Ok(existing) = fs::read(path) {
        if existing == content {
            return Ok(false);
        }
    }
    write_atomically(path, content)?;
    Ok(true)
}

/// Writes `content` to `path` atomically (temporary file in the same folder, flushed, given the
/// old file's permissions, renamed over it).
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".track-models-")
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
