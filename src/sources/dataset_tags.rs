//! The dataset's definition tags (`model:<slug>`, `tp:N`, `ep:N`): which model and serving
//! sizes each definition was traced from. Read from a local `--trace-dir` (bounded in file
//! count, file size and depth; regular files only), else from the Hub: the definition files of
//! the listing the run loaded its index from, through the per-blob cache of
//! [`HfClient::dataset_tags`]. The lint (`traced_not_listed`) and discovery ("traced in the
//! dataset") both read them here; a discovery run reads them once ([`TagReading`]) for both.

use crate::atomic_file::read_regular;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::doc::CoverageDoc;
use crate::lint::{LintInputs, TracedDefinition};
use crate::request::Request;
use crate::sources::hf::{FileTags, HfClient};

pub use crate::sources::hf::{MAX_DEFINITION_BYTES, MAX_TAGGED_FILES};
const MAX_DEPTH: usize = 8;

/// The definitions of `repo` (as the run listed it) with their `model:` tags, read through
/// `client`; what could not be read is a `lint:` note.
pub async fn hub_traced(
    client: &HfClient,
    repo: &str,
    notes: &mut Vec<String>,
) -> Option<Vec<TracedDefinition>> {
    match client.dataset_tags(repo).await {
        Ok(tags) => {
            notes.extend(tags.notes.iter().map(|note| format!("lint: {note}")));
            let mut traced: Vec<TracedDefinition> = tags
                .files
                .into_iter()
                .filter_map(|(path, tags)| {
                    let path = Path::new(&path);
                    traced_definition(path, tags)
                })
                .collect();
            traced.sort_by(|a, b| a.name.cmp(&b.name));
            Some(traced)
        }
        Err(error) => {
            notes.push(format!(
                "lint: the dataset's tags were not read from the Hub: {error}"
            ));
            None
        }
    }
}

/// Every `definitions/**/*.json` with its `model:` / `tp:` / `ep:` tags, and how many files were
/// skipped (unreadable, not JSON, too large, past the limits). The files are parsed by as many
/// threads as there are cores (at most 4), like the dataset walk.
pub fn read_traced(trace_dir: &Path) -> Result<(Vec<TracedDefinition>, usize), NoDefinitions> {
    let root = trace_dir.join("definitions");
    if !root.is_dir() {
        return Err(NoDefinitions { root });
    }
    let mut files = Vec::new();
    let mut skipped = list_json(&root, MAX_DEPTH, MAX_TAGGED_FILES, &mut files);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    let parts: Vec<(Vec<TracedDefinition>, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|paths| {
                scope.spawn(move || {
                    let mut traced = Vec::new();
                    let mut skipped = 0;
                    for path in paths {
                        match read_definition(path) {
                            Some(definition) => traced.extend(definition),
                            None => skipped += 1,
                        }
                    }
                    (traced, skipped)
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker that panicked skipped (at most) its whole chunk.
            .map(|worker| worker.join().unwrap_or_else(|_| (Vec::new(), chunk)))
            .collect()
    });
    let mut traced = Vec::new();
    for (part, part_skipped) in parts {
        traced.extend(part);
        skipped += part_skipped;
    }
    traced.sort_by(|a: &TracedDefinition, b| a.name.cmp(&b.name));
    Ok((traced, skipped))
}

/// `Some(None)`: a definition without `model:` tags; `None`: unreadable.
fn read_definition(path: &Path) -> Option<Option<TracedDefinition>> {
    let bytes = read_regular(path, MAX_DEFINITION_BYTES).ok()?;
    Some(traced_definition(path, FileTags::parse(&bytes)?))
}

/// The definition at `path` (`definitions/{op_type}/{name}.json`, in a folder or in the Hub's
/// listing) with its tags; `None` without `model:` tags.
fn traced_definition(path: &Path, tags: FileTags) -> Option<TracedDefinition> {
    // The file name is the definition's name everywhere else (statuses, the index).
    let name = path.file_stem()?.to_string_lossy().into_owned();
    let op_type = tags.op_type.unwrap_or_else(|| {
        path.parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut definition = TracedDefinition {
        name,
        op_type,
        models: Vec::new(),
        tp: None,
        ep: None,
    };
    for tag in &tags.tags {
        if let Some(slug) = tag.strip_prefix("model:") {
            let slug = slug.trim().to_ascii_lowercase();
            if !slug.is_empty() && !definition.models.contains(&slug) {
                definition.models.push(slug);
            }
        } else if let Some(tp) = tag.strip_prefix("tp:") {
            definition.tp = tp.trim().parse().ok();
        } else if let Some(ep) = tag.strip_prefix("ep:") {
            definition.ep = ep.trim().parse().ok();
        }
    }
    (!definition.models.is_empty()).then_some(definition)
}

/// Why no tag of a `--trace-dir` could be read: its `definitions` folder is not a folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not a folder", .root.display())]
pub struct NoDefinitions {
    /// `<trace dir>/definitions`.
    pub root: PathBuf,
}

/// The dataset's tags as a run read them: read once, by discovery's `dataset` source, and
/// handed to the lint at the end of the run.
#[derive(Debug, Clone)]
pub enum TagReading {
    /// From `--trace-dir`: the definitions and how many files were skipped, or why none were read.
    Local(Result<(Vec<TracedDefinition>, usize), NoDefinitions>),
    /// From the Hub: the definitions, unless the dataset could not be read, and the `lint:`
    /// notes of what was not read.
    Hub(Option<Vec<TracedDefinition>>, Vec<String>),
}

/// Reads the tags from `--trace-dir`, else from the Hub's copy of `--trace-repo` through `hf`.
pub async fn read_tags(request: &Request, hf: &HfClient) -> TagReading {
    match request.sources.trace_dir.as_deref() {
        Some(dir) => TagReading::Local(read_traced(dir)),
        None => {
            let mut notes = Vec::new();
            let traced = hub_traced(hf, &request.sources.trace_repo, &mut notes).await;
            TagReading::Hub(traced, notes)
        }
    }
}

/// The `model:<slug>` tags that no section of `doc` tracks (the discovery signal "traced in
/// the dataset"), from the tags in `read` (read there first if they are not yet). A dataset
/// that cannot be read is one line in `problems`.
pub async fn untracked_models(
    request: &Request,
    doc: &CoverageDoc<'_>,
    hf: &HfClient,
    read: &OnceLock<TagReading>,
    problems: &mut Vec<String>,
) -> Vec<String> {
    let tags = match read.get() {
        Some(tags) => tags,
        None => {
            let tags = read_tags(request, hf).await;
            read.get_or_init(|| tags)
        }
    };
    let traced = match tags {
        TagReading::Local(Ok((traced, _))) => traced,
        TagReading::Local(Err(error)) => {
            problems.push(format!("dataset tags (`--trace-dir`): {error}"));
            return Vec::new();
        }
        TagReading::Hub(Some(traced), _) => traced,
        // Per-file notes are the lint's to give at the end of the run; only a dataset that
        // could not be read at all is a problem here.
        TagReading::Hub(None, notes) => {
            problems.extend(notes.iter().map(|n| {
                format!(
                    "dataset tags (`{}`): {}",
                    request.sources.trace_repo,
                    n.trim_start_matches("lint: ")
                )
            }));
            return Vec::new();
        }
    };
    let inputs = LintInputs {
        configs: &[],
        traced: Some(traced),
    };
    crate::lint::lint(doc, &inputs)
        .untracked
        .into_iter()
        .map(|model| model.slug)
        .collect()
}

/// Adds the regular `*.json` files under `root` (folders at most `max_depth` below it, no link
/// followed) to `files`, up to `max_files` in all; returns how many were left out (unreadable
/// folders, files past the cap). Shared by the tags' and the axes' readers of `--trace-dir`.
pub(crate) fn list_json(
    root: &Path,
    max_depth: usize,
    max_files: usize,
    files: &mut Vec<PathBuf>,
) -> usize {
    let mut skipped = 0;
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            skipped += 1;
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() && depth < max_depth {
                stack.push((path, depth + 1));
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "json") {
                if files.len() < max_files {
                    files.push(path);
                } else {
                    skipped += 1;
                }
            }
        }
    }
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_dir_without_definitions_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_traced(dir.path()).unwrap_err();
        let root = dir.path().join("definitions");
        assert_eq!(error, NoDefinitions { root: root.clone() });
        assert_eq!(
            error.to_string(),
            format!("`{}` is not a folder", root.display())
        );
    }
}
