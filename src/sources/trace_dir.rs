//! A local checkout of the flashinfer-trace dataset: walk `definitions/` and `workloads/`.
//!
//! Reads directory entries only (no file contents, no `stat` per file: the entry's file type
//! comes with `readdir` on Linux), so the walk is the floor of what a refresh costs.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};

use crate::dataset::{DefinitionIndex, NameSet};

/// Every definition and workload of the dataset.
pub fn load(trace_dir: &Path) -> Result<DefinitionIndex> {
    load_names(trace_dir, None)
}

/// Only the definitions and workloads named in `wanted` (what a refresh looks up): the walk
/// still reads every entry, but keeps only these, which saves allocating the rest.
pub fn load_names(trace_dir: &Path, wanted: Option<&NameSet>) -> Result<DefinitionIndex> {
    if !trace_dir.is_dir() {
        bail!(
            "trace dir `{}` does not exist or is not a directory\nhint: pass `--trace-dir` a local checkout of the flashinfer-trace dataset, or leave it out to list the dataset from the Hugging Face Hub",
            trace_dir.display()
        );
    }
    let definitions = trace_dir.join("definitions");
    if !definitions.is_dir() {
        bail!(
            "trace dir `{}` has no `definitions/` folder; is it a flashinfer-trace checkout?",
            trace_dir.display()
        );
    }
    // Every op-type folder is one job; the jobs are shared by as many threads as there are
    // cores (at most 4), each building a partial index that is merged at the end: the walk is
    // the floor of a refresh.
    let mut jobs = Vec::new();
    for (root, kind) in [
        (definitions, Kind::Definitions),
        (trace_dir.join("workloads"), Kind::Workloads),
    ] {
        if !root.is_dir() {
            continue;
        }
        jobs.push(Job {
            dir: root.clone(),
            op_type: String::new(),
            kind,
            recurse: false,
        });
        for entry in fs::read_dir(&root).with_context(|| format!("reading `{}`", root.display()))? {
            let entry = entry.with_context(|| format!("reading `{}`", root.display()))?;
            if entry.file_type()?.is_dir() {
                let op_type = entry.file_name().to_string_lossy().into_owned();
                jobs.push(Job {
                    dir: entry.path(),
                    op_type,
                    kind,
                    recurse: true,
                });
            }
        }
    }
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let partials: Vec<Result<DefinitionIndex>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    // With a wanted list its size bounds what a thread keeps.
                    let room = wanted.map_or(0, |wanted| wanted.len());
                    let mut index = DefinitionIndex::with_capacity(room, room);
                    loop {
                        let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(index);
                        };
                        job.run(&mut index, wanted)?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a dataset walker panicked")))
            })
            .collect()
    });
    let mut index = DefinitionIndex::default();
    for partial in partials {
        index.merge(partial?);
    }
    Ok(index)
}

#[derive(Clone, Copy)]
enum Kind {
    Definitions,
    Workloads,
}

/// One folder to read: an op-type folder (with everything below it), or a root's own files.
struct Job {
    dir: PathBuf,
    op_type: String,
    kind: Kind,
    recurse: bool,
}

impl Job {
    fn run(&self, index: &mut DefinitionIndex, wanted: Option<&NameSet>) -> Result<()> {
        let keep = |name: &str| wanted.is_none_or(|wanted| wanted.contains(name));
        match self.kind {
            Kind::Definitions => walk(self, ".json", &mut |op_type, name| {
                if keep(name) {
                    index.insert_definition(name, op_type);
                }
            }),
            Kind::Workloads => walk(self, ".jsonl", &mut |_, name| {
                if keep(name) {
                    index.insert_workload(name);
                }
            }),
        }
    }
}

/// Calls `found(op_type, name)` for every `{dir}/**/{name}{extension}` (only the folder's own
/// files when the job does not recurse).
fn walk(job: &Job, extension: &str, found: &mut dyn FnMut(&str, &str)) -> Result<()> {
    let mut stack = vec![(job.dir.clone(), job.op_type.clone())];
    while let Some((dir, op_type)) = stack.pop() {
        let entries = fs::read_dir(&dir).with_context(|| format!("reading `{}`", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading `{}`", dir.display()))?;
            let file_type = entry.file_type()?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if file_type.is_dir() {
                // A root's sub-folders are jobs of their own.
                if job.recurse {
                    stack.push((entry.path(), op_type.clone()));
                }
            } else if let Some(name) = file_name.strip_suffix(extension) {
                found(&op_type, name);
            }
        }
    }
    Ok(())
}
