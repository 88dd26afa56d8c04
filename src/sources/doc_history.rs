//! The coverage doc's history, for the trend of `crate::next`: when the doc is in a git work
//! tree, the versions of it on the current branch (first parent from `HEAD`, like
//! `git log --first-parent -- DOC`), newest first until [`MAX_VERSIONS`], each counted by the
//! project's own doc parser. Read with git2, no `git` binary.
//!
//! A version is a commit whose doc blob differs from its first parent's (a commit without a
//! parent — the root, or the edge of a shallow clone — counts when it has the doc). Bounded: at
//! most [`MAX_COMMITS`] commits walked, a version over [`MAX_VERSION_BYTES`] is skipped, and a
//! version the parser cannot read is skipped. Outside a work tree (or with an unborn `HEAD`)
//! there is no history, never an error; a history cut short (an object a partial clone lacks)
//! is a note.

use std::path::{Path, PathBuf};

use git2::{Commit, ObjectType, Oid, Repository};

use crate::next::{label_counts, TrendPoint};

/// The most versions of the doc read.
pub const MAX_VERSIONS: usize = 52;
/// The most commits walked looking for them.
pub const MAX_COMMITS: usize = 20_000;
/// The largest version read (larger ones are skipped).
pub const MAX_VERSION_BYTES: usize = 16 << 20;

/// The doc's versions, oldest first, and notes on what could not be read.
#[derive(Debug, Default)]
pub struct History {
    pub points: Vec<TrendPoint>,
    pub notes: Vec<String>,
}

/// The history of `doc` (see the module doc).
pub fn read(doc: &Path) -> History {
    let mut history = History::default();
    let Some((repo, relative)) = open(doc, &mut history.notes) else {
        return history;
    };
    let Ok(head) = repo.head().and_then(|head| head.peel_to_commit()) else {
        return history;
    };
    let mut commit = head;
    // Each commit's doc blob is looked up once: a parent's is the next step's own.
    let mut blob = blob_at(&commit, &relative);
    for _ in 0..MAX_COMMITS {
        let parent = first_parent(&commit, &mut history.notes);
        let before = parent.as_ref().and_then(|p| blob_at(p, &relative));
        if let Some(changed) = blob.filter(|blob| Some(*blob) != before) {
            if let Some(point) = version(&repo, &commit, changed, &mut history.notes) {
                history.points.push(point);
                if history.points.len() == MAX_VERSIONS {
                    break;
                }
            }
        }
        match parent {
            Some(parent) => (commit, blob) = (parent, before),
            None => break,
        }
    }
    history.points.reverse();
    history
}

/// The first parent of `commit`; `None` for a root (or the edge of a shallow clone), and a
/// note when the parent is named but cannot be read.
fn first_parent<'r>(commit: &Commit<'r>, notes: &mut Vec<String>) -> Option<Commit<'r>> {
    if commit.parent_count() == 0 {
        return None;
    }
    match commit.parent(0) {
        Ok(parent) => Some(parent),
        Err(error) => {
            notes.push(format!(
                "the doc's history stops at commit `{}`: its parent cannot be read ({})",
                commit.id(),
                error.message()
            ));
            None
        }
    }
}

/// The repository whose work tree holds `doc`, and the doc's path in it. Outside a work tree:
/// `None`; in one git refuses to open (owned by another user): `None` and a note saying so.
fn open(doc: &Path, notes: &mut Vec<String>) -> Option<(Repository, PathBuf)> {
    let doc = doc.canonicalize().ok()?;
    let repo = match Repository::discover(doc.parent()?) {
        Ok(repo) => repo,
        Err(error) if error.code() == git2::ErrorCode::Owner => {
            notes.push(format!(
                "the doc's history was not read: {}\nhint: add the checkout to git's `safe.directory` (`git config --global --add safe.directory PATH`)",
                error.message()
            ));
            return None;
        }
        Err(_) => return None,
    };
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let relative = doc.strip_prefix(&workdir).ok()?.to_path_buf();
    Some((repo, relative))
}

/// The blob of `path` in `commit`'s tree, if it is a file there.
fn blob_at(commit: &Commit, path: &Path) -> Option<Oid> {
    let entry = commit.tree().ok()?.get_path(path).ok()?;
    (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
}

/// One version's point: the commit, its committer date and the labels as written.
fn version(
    repo: &Repository,
    commit: &Commit,
    blob: Oid,
    notes: &mut Vec<String>,
) -> Option<TrendPoint> {
    let size = repo
        .odb()
        .and_then(|odb| odb.read_header(blob))
        .map(|(size, _)| size);
    let too_large = match size {
        Ok(size) => size > MAX_VERSION_BYTES,
        Err(error) => {
            notes.push(format!(
                "the doc at commit `{}` cannot be read ({})",
                commit.id(),
                error.message()
            ));
            return None;
        }
    };
    if too_large {
        notes.push(format!(
            "the doc at commit `{}` is larger than {} MiB; that version is left out of the trend",
            commit.id(),
            MAX_VERSION_BYTES >> 20
        ));
        return None;
    }
    let blob = repo.find_blob(blob).ok()?;
    let text = std::str::from_utf8(blob.content()).ok()?;
    let counts = label_counts(text)?;
    let when = commit.committer().when();
    Some(TrendPoint {
        commit: Some(commit.id().to_string()),
        date: Some(iso_date(when.seconds(), when.offset_minutes())),
        models: counts,
    })
}

/// `2026-01-05T10:00:00+01:00`: the committer's local time and offset, as `git log
/// --format=%cI` prints it (git 2.47 writes a zero offset as `Z`).
fn iso_date(seconds: i64, offset_minutes: i32) -> String {
    let local = seconds + i64::from(offset_minutes) * 60;
    let date = crate::date::Date::from_unix_seconds(local);
    let (year, month, day) = date.ymd();
    let time = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.unsigned_abs();
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        format!("{sign}{:02}:{:02}", offset / 60, offset % 60)
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{zone}",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_git_prints_them() {
        assert_eq!(iso_date(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(1_767_607_200, 60), "2026-01-05T11:00:00+01:00");
        assert_eq!(iso_date(1_767_607_200, -330), "2026-01-05T04:30:00-05:30");
    }
}
