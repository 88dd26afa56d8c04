//! The dataset's definitions as kernels: each `definitions/{op_type}/**/*.json`'s `axes` (the
//! dataset's own schema: `{"type": "const", "value": 16}` or `{"type": "var"}`), inputs and
//! outputs, for the same-kernel check of `crate::next::same_kernel`.
//!
//! Read from a local `--trace-dir`, only for the op types asked (those with ❌ rows): regular
//! files only (no symlink is followed), at most [`MAX_FILES`] files of at most
//! [`MAX_DEFINITION_BYTES`] each, folders at most [`MAX_DEPTH`] deep. An op type that is not one
//! plain folder name (`[A-Za-z0-9_-]`) is never joined to a path. What cannot be read is counted,
//! never an error.

use crate::atomic_file::read_regular;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::next::same_kernel::{KernelDefinition, KernelShape};
pub use crate::sources::dataset_tags::MAX_DEFINITION_BYTES;
use crate::sources::hf::FileTags;

/// The most definition files one run reads.
pub const MAX_FILES: usize = 5_000;
/// The deepest folder under an op type's folder that is read.
pub const MAX_DEPTH: usize = 8;

/// The definitions read and what was not.
#[derive(Debug, Default)]
pub struct AxesReading {
    pub definitions: Vec<KernelDefinition>,
    /// Files that could not be read or parsed, were too large, or were past [`MAX_FILES`].
    pub skipped: usize,
}

/// The definitions of `op_types` under `trace_dir/definitions/`, sorted by name.
pub fn read(trace_dir: &Path, op_types: &BTreeSet<&str>) -> AxesReading {
    let mut files = Vec::new();
    let mut skipped = 0;
    for op_type in op_types.iter().filter(|op| is_folder_name(op)) {
        let dir = trace_dir.join("definitions").join(op_type);
        skipped += list_json(&dir, &mut files);
    }
    let mut reading = AxesReading {
        definitions: Vec::with_capacity(files.len()),
        skipped,
    };
    for path in files {
        match read_definition(&path) {
            Some(definition) => reading.definitions.push(definition),
            None => reading.skipped += 1,
        }
    }
    reading.definitions.sort_by(|a, b| a.name.cmp(&b.name));
    reading
}

/// The definitions of `op_types` among the Hub's tagged files (`(path, tags)`, as
/// [`crate::sources::hf::HfClient::dataset_tags`] reads them: each file's shape is read with its
/// tags, from the same bytes and the same cache), sorted by name. A file read without a shape
/// (no `axes` object) counts as skipped.
pub fn from_tags(files: &[(String, FileTags)], op_types: &BTreeSet<&str>) -> AxesReading {
    let mut reading = AxesReading::default();
    for (path, tags) in files {
        let path = Path::new(path);
        let folder = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let op_type = tags.op_type.clone().unwrap_or(folder);
        if !op_types.contains(op_type.as_str()) {
            continue;
        }
        let (Some(name), Some(shape)) = (path.file_stem(), &tags.kernel) else {
            reading.skipped += 1;
            continue;
        };
        let name = name.to_string_lossy().into_owned();
        reading.definitions.push(shape.clone().named(name, op_type));
    }
    reading.definitions.sort_by(|a, b| a.name.cmp(&b.name));
    reading
}

fn is_folder_name(op_type: &str) -> bool {
    !op_type.is_empty()
        && op_type.len() <= 100
        && op_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Adds the regular `*.json` files under the op type's folder `root` to `files` (up to
/// [`MAX_FILES`] in all); returns how many were left out.
fn list_json(root: &Path, files: &mut Vec<PathBuf>) -> usize {
    // The op type's folder itself must be a folder, not a link to one.
    if !fs::symlink_metadata(root).is_ok_and(|m| m.is_dir()) {
        return 0;
    }
    crate::sources::dataset_tags::list_json(root, MAX_DEPTH, MAX_FILES, files)
}

/// One definition file; `None` when it cannot be read, is too large or is not a JSON object.
fn read_definition(path: &Path) -> Option<KernelDefinition> {
    let bytes = read_regular(path, MAX_DEFINITION_BYTES).ok()?;
    let json: Value = serde_json::from_slice(&bytes).ok()?;
    let name = path.file_stem()?.to_string_lossy().into_owned();
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let op_type = json
        .get("op_type")
        .and_then(Value::as_str)
        .map_or(folder, str::to_string);
    Some(KernelShape::parse(&json)?.named(name, op_type))
}
