//! Day-0 from a local SGLang clone: model files added under `python/sglang/srt/models/` inside
//! the window, found by walking the first-parent history with git2 (no subprocess, no API).
//!
//! Guarantees: only top-level `*.py` files whose diff status against the first parent is
//! "added" count (modified files and sub-folders do not; renames are detected and are not
//! additions); a file added twice counts once, at its latest addition; the classes are the
//! file's module-level `EntryClass` as it is at `HEAD` (or at the adding commit when it is gone
//! since), generative only. A missing clone is a problem line; a shallow clone whose history
//! ends inside the window is a problem line too, and the boundary commit's files are not taken
//! as new (git shows a cut history's first commit as adding everything).

use std::collections::BTreeMap;
use std::path::Path;

use git2::{DiffFindOptions, DiffOptions, Repository, Sort, Tree};

use super::options::DiscoveryOptions;
use super::signals::Day0File;
use crate::date::Date;
use crate::sources::sglang::{classify, parse_entry_class, ClassKind};

/// Where SGLang keeps its model files.
pub const MODELS_DIR: &str = "python/sglang/srt/models";

const LABEL: &str = "sglang-day0 (git)";

/// The model files added inside the window, sorted by file name, and the problem lines.
pub fn day0_from_clone(dir: &Path, options: &DiscoveryOptions) -> (Vec<Day0File>, Vec<String>) {
    let mut problems = Vec::new();
    let files = match scan(dir, options, &mut problems) {
        Ok(files) => files,
        Err(err) => {
            problems.push(format!(
                "{LABEL}: cannot read the history of `{}`: {}\nhint: pass a git clone of SGLang to `--sglang-dir`, or omit it to use the GitHub API",
                dir.display(),
                err.message()
            ));
            Vec::new()
        }
    };
    (files, problems)
}

fn scan(
    dir: &Path,
    options: &DiscoveryOptions,
    problems: &mut Vec<String>,
) -> Result<Vec<Day0File>, git2::Error> {
    let repo = Repository::open(dir)?;
    let head_tree = repo.head()?.peel_to_tree()?;
    let shallow_boundary = shallow_commits(&repo);
    let mut walk = repo.revwalk()?;
    walk.push_head()?;
    walk.simplify_first_parent()?;
    walk.set_sorting(Sort::TOPOLOGICAL)?;

    // file name → (date, commit, blob text); the walk runs newest first, so the first addition
    // seen is the latest.
    let mut added: BTreeMap<String, (i64, String, Option<String>)> = BTreeMap::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let seconds = commit.time().seconds();
        if seconds < options.window_start().unix_seconds() {
            // First-parent history only goes back in time from here (up to clock skew, which
            // the window's day granularity absorbs).
            break;
        }
        if !options.in_window(seconds) {
            continue;
        }
        let cut = shallow_boundary.contains(&commit.id());
        let parent = if cut { None } else { commit.parent(0).ok() };
        let parent_tree = match parent {
            Some(parent) => Some(parent.tree()?),
            None if cut || commit.parent_count() > 0 || repo.is_shallow() => {
                problems.push(format!(
                    "{LABEL}: `{}` is a shallow clone whose history ends at {} ({}), inside the last {} days; files added before then are missed\nhint: `git -C {} fetch --shallow-since={}`",
                    dir.display(),
                    short(&oid_text(&commit)),
                    Date::from_unix_seconds(seconds),
                    options.since_days,
                    dir.display(),
                    options.window_start()
                ));
                break;
            }
            None => None, // the root commit of a full history: everything in it was added
        };
        let tree = commit.tree()?;
        for file in added_model_files(&repo, parent_tree.as_ref(), &tree)? {
            if added.contains_key(&file) {
                continue;
            }
            let text =
                blob_text(&repo, &head_tree, &file).or_else(|| blob_text(&repo, &tree, &file));
            added.insert(file, (seconds, oid_text(&commit), text));
        }
    }

    let mut files = Vec::new();
    for (file, (seconds, commit, text)) in added {
        let Some(text) = text else {
            problems.push(format!(
                "{LABEL}: cannot read `{MODELS_DIR}/{file}` at {}",
                short(&commit)
            ));
            continue;
        };
        match parse_entry_class(&text) {
            Ok(Some(classes)) => {
                let generative: Vec<String> = classes
                    .into_iter()
                    .filter(|class| classify(class) == ClassKind::Generative)
                    .collect();
                if generative.is_empty() {
                    tracing::debug!(file, "new model file without a generative class");
                    continue;
                }
                files.push(Day0File {
                    file,
                    classes: generative,
                    commit,
                    date: Date::from_unix_seconds(seconds),
                });
            }
            Ok(None) => tracing::debug!(file, "new helper file (no EntryClass)"),
            Err(err) => problems.push(format!(
                "{LABEL}: `{MODELS_DIR}/{file}`:{}: cannot read `EntryClass`: {}",
                err.line, err.message
            )),
        }
    }
    Ok(files)
}

/// The commits a shallow clone's history is cut at (`.git/shallow`): git shows them without
/// parents, so their diff would claim every file as added.
fn shallow_commits(repo: &Repository) -> Vec<git2::Oid> {
    std::fs::read_to_string(repo.path().join("shallow"))
        .map(|text| {
            text.lines()
                .filter_map(|line| git2::Oid::from_str(line.trim()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Top-level `*.py` file names under [`MODELS_DIR`] that `tree` adds over `parent`.
fn added_model_files(
    repo: &Repository,
    parent: Option<&Tree<'_>>,
    tree: &Tree<'_>,
) -> Result<Vec<String>, git2::Error> {
    let mut diff_options = DiffOptions::new();
    diff_options.pathspec(format!("{MODELS_DIR}/"));
    let mut diff = repo.diff_tree_to_tree(parent, Some(tree), Some(&mut diff_options))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let mut files = Vec::new();
    for delta in diff.deltas() {
        if delta.status() != git2::Delta::Added {
            continue;
        }
        let Some(path) = delta.new_file().path().and_then(|p| p.to_str()) else {
            continue;
        };
        let Some(name) = path
            .strip_prefix(MODELS_DIR)
            .and_then(|p| p.strip_prefix('/'))
        else {
            continue;
        };
        if !name.contains('/') && name.ends_with(".py") {
            files.push(name.to_string());
        }
    }
    Ok(files)
}

fn blob_text(repo: &Repository, tree: &Tree<'_>, file: &str) -> Option<String> {
    let entry = tree
        .get_path(Path::new(&format!("{MODELS_DIR}/{file}")))
        .ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
}

fn oid_text(commit: &git2::Commit<'_>) -> String {
    commit.id().to_string()
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}
