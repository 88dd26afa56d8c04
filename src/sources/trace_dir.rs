//! A local checkout of the flashinfer-trace dataset: walk `definitions/` and `workloads/`.
//!
//! Reads directory entries only (no file contents, no `stat` per file: the entry's file type
//! comes with `readdir` on Linux), so the walk is the floor of what a refresh costs.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::dataset::DefinitionIndex;

pub fn load(trace_dir: &Path) -> Result<DefinitionIndex> {
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
    // Definitions and workloads are walked on two threads: the walk is the floor of a refresh.
    let workloads = trace_dir.join("workloads");
    let (index, workload_index) = std::thread::scope(|scope| {
        let workload_walk = scope.spawn(|| -> Result<DefinitionIndex> {
            let mut index = DefinitionIndex::default();
            if workloads.is_dir() {
                walk(&workloads, ".jsonl", &mut |_, name| {
                    index.insert_workload(name)
                })?;
            }
            Ok(index)
        });
        let mut index = DefinitionIndex::default();
        let definitions = walk(&definitions, ".json", &mut |op_type, name| {
            index.insert_definition(name, op_type)
        })
        .map(|()| index);
        let workloads = workload_walk
            .join()
            .expect("the workload walk does not panic");
        (definitions, workloads)
    });
    let mut index = index?;
    index.absorb_workloads(workload_index?);
    Ok(index)
}

/// Calls `found(op_type, name)` for every `{root}/**/{name}{extension}`; the op type is the
/// first folder under the root.
fn walk(root: &Path, extension: &str, found: &mut dyn FnMut(&str, &str)) -> Result<()> {
    let mut stack = vec![(root.to_path_buf(), String::new())];
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
                let op = if op_type.is_empty() {
                    file_name
                } else {
                    &op_type
                };
                stack.push((entry.path(), op.to_string()));
            } else if let Some(name) = file_name.strip_suffix(extension) {
                found(&op_type, name);
            }
        }
    }
    Ok(())
}
