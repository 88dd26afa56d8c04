//! A local checkout of the flashinfer-trace dataset: walk `definitions/` and `workloads/`.
//!
//! Reads directory entries only (no file contents, no `stat` per file: the entry's file type
//! comes with `getdents64` on Linux, read into one reused buffer with no allocation per entry),
//! so the walk is the floor of what a refresh costs.

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
            kind,
            recurse: false,
        });
        for entry in fs::read_dir(&root).with_context(|| format!("reading `{}`", root.display()))? {
            let entry = entry.with_context(|| format!("reading `{}`", root.display()))?;
            if entry.file_type()?.is_dir() {
                jobs.push(Job {
                    dir: entry.path(),
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
    kind: Kind,
    recurse: bool,
}

impl Job {
    fn run(&self, index: &mut DefinitionIndex, wanted: Option<&NameSet>) -> Result<()> {
        let keep = |name: &str| wanted.is_none_or(|wanted| wanted.contains(name));
        match self.kind {
            Kind::Definitions => walk(self, ".json", &mut |name| {
                if keep(name) {
                    index.insert_definition(name);
                }
            }),
            Kind::Workloads => walk(self, ".jsonl", &mut |name| {
                if keep(name) {
                    index.insert_workload(name);
                }
            }),
        }
    }
}

/// Calls `found(name)` for every `{dir}/**/{name}{extension}` (only the folder's own
/// files when the job does not recurse). Names that are not UTF-8 are skipped, folders too.
fn walk(job: &Job, extension: &str, found: &mut dyn FnMut(&str)) -> Result<()> {
    let mut stack = vec![job.dir.clone()];
    let mut entries = Entries::new();
    while let Some(dir) = stack.pop() {
        entries
            .read(&dir, &mut |name, is_dir| {
                let Ok(name) = std::str::from_utf8(name) else {
                    return;
                };
                if is_dir {
                    // A root's sub-folders are jobs of their own.
                    if job.recurse {
                        stack.push(dir.join(name));
                    }
                } else if let Some(name) = name.strip_suffix(extension) {
                    found(name);
                }
            })
            .with_context(|| format!("reading `{}`", dir.display()))?;
    }
    Ok(())
}

/// Reads a folder's entries without allocating per entry: on Linux straight from `getdents64`
/// into one buffer reused for every folder (the standard library's `read_dir` allocates each
/// entry's name, twice with `file_name`, which was most of a refresh's walk).
struct Entries {
    #[cfg(target_os = "linux")]
    buffer: Vec<u8>,
}

impl Entries {
    fn new() -> Entries {
        Entries {
            #[cfg(target_os = "linux")]
            buffer: Vec::with_capacity(64 << 10),
        }
    }

    /// Calls `entry(name, is_dir)` for each entry of `dir` but `.` and `..`; a symbolic link is
    /// not a folder (as `DirEntry::file_type` says).
    #[cfg(target_os = "linux")]
    fn read(&mut self, dir: &Path, entry: &mut dyn FnMut(&[u8], bool)) -> std::io::Result<()> {
        use rustix::fs::{open, statat, AtFlags, FileType, Mode, OFlags, RawDir};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = open(dir, flags, Mode::empty())?;
        let mut entries = RawDir::new(&fd, self.buffer.spare_capacity_mut());
        while let Some(next) = entries.next() {
            let next = next?;
            let name = next.file_name();
            if matches!(name.to_bytes(), b"." | b"..") {
                continue;
            }
            let kind = match next.file_type() {
                // Some file systems leave the type out: asked of the entry itself.
                FileType::Unknown => {
                    FileType::from_raw_mode(statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode)
                }
                kind => kind,
            };
            entry(name.to_bytes(), kind == FileType::Directory);
        }
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn read(&mut self, dir: &Path, entry: &mut dyn FnMut(&[u8], bool)) -> std::io::Result<()> {
        for next in fs::read_dir(dir)? {
            let next = next?;
            entry(
                next.file_name().as_encoded_bytes(),
                next.file_type()?.is_dir(),
            );
        }
        Ok(())
    }
}
