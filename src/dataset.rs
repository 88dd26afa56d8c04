//! The flashinfer-trace dataset as a set of names: which definitions exist, which have
//! workloads. Built from file paths (a local checkout's walk or the Hub's tree listing), so it
//! does no I/O itself.
//!
//! `definitions/{op_type}/{name}.json` → a definition named `name`;
//! `workloads/{op_type}/{name}.jsonl` → that definition has captured workloads. Deeper folders
//! are accepted too (`definitions/**/{name}.json`). The op type is not kept: a row names its
//! own.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::status::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Absent,
    DefinitionOnly,
    WithWorkload,
}

#[derive(Debug, Default, Clone)]
pub struct DefinitionIndex {
    definitions: HashSet<Box<str>, NameHash>,
    workloads: HashSet<Box<str>, NameHash>,
}

/// The keys are short ASCII names from a trusted listing, and a refresh hashes ~150,000 of
/// them, so a cheap word-at-a-time hash beats the DoS-resistant default.
pub type NameHash = BuildHasherDefault<WordHasher>;

/// A set of definition names hashed like the index.
pub type NameSet<'a> = HashSet<&'a str, NameHash>;

/// The Fx hash (rustc's): eight bytes per step. For hash maps only; not stable across
/// versions, never persisted.
#[derive(Debug, Default)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.write(&[byte]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// FNV-1a 64: a stable digest (the generated-section marker's fingerprint), byte by byte.
#[derive(Debug)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl DefinitionIndex {
    /// An empty index with room for `definitions` and `workloads` names.
    pub fn with_capacity(definitions: usize, workloads: usize) -> DefinitionIndex {
        DefinitionIndex {
            definitions: HashSet::with_capacity_and_hasher(definitions, NameHash::default()),
            workloads: HashSet::with_capacity_and_hasher(workloads, NameHash::default()),
        }
    }

    /// Builds the index from dataset-relative paths such as `definitions/gemm/gemm_n128_k2048.json`
    /// and `workloads/gemm/gemm_n128_k2048.jsonl`; other paths are ignored.
    pub fn from_paths<'p>(paths: impl IntoIterator<Item = &'p str>) -> DefinitionIndex {
        let mut index = DefinitionIndex::default();
        for path in paths {
            index.insert_path(path);
        }
        index
    }

    pub fn insert_path(&mut self, path: &str) {
        let path = path.trim_start_matches("./");
        if let Some(rest) = path.strip_prefix("definitions/") {
            if let Some(name) = entry_name(rest, ".json") {
                self.insert_definition(name);
            }
        } else if let Some(rest) = path.strip_prefix("workloads/") {
            if let Some(name) = entry_name(rest, ".jsonl") {
                self.insert_workload(name);
            }
        }
    }

    pub fn insert_definition(&mut self, name: &str) {
        self.definitions.insert(name.into());
    }

    pub fn insert_workload(&mut self, name: &str) {
        self.workloads.insert(name.into());
    }

    /// Takes everything of an index built on another thread.
    pub fn merge(&mut self, other: DefinitionIndex) {
        if self.definitions.is_empty() && self.workloads.is_empty() {
            *self = other;
            return;
        }
        // Its names moved across, not copied.
        self.definitions.extend(other.definitions);
        self.workloads.extend(other.workloads);
    }

    pub fn presence(&self, name: &str) -> Presence {
        if !self.definitions.contains(name) {
            Presence::Absent
        } else if self.workloads.contains(name) {
            Presence::WithWorkload
        } else {
            Presence::DefinitionOnly
        }
    }

    /// The status a concrete row gets: in a 3-state doc a definition alone is ✅.
    pub fn status(&self, name: &str, four_state: bool) -> Status {
        match self.presence(name) {
            Presence::Absent => Status::Missing,
            Presence::DefinitionOnly if four_state => Status::NoWorkload,
            Presence::DefinitionOnly | Presence::WithWorkload => Status::Ready,
        }
    }

    #[cfg(test)]
    fn definition_count(&self) -> usize {
        self.definitions.len()
    }
}

/// `gemm/x.json`, `a/b/x.json` and `x.json` → `x`.
fn entry_name<'a>(rest: &'a str, extension: &str) -> Option<&'a str> {
    let file = rest.rsplit_once('/').map_or(rest, |(_, file)| file);
    let name = file.strip_suffix(extension)?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_index_keeps_each_name_and_workload() {
        let mut index =
            DefinitionIndex::from_paths(["definitions/gemm/g.json", "workloads/moe/m.jsonl"]);
        index.merge(DefinitionIndex::from_paths([
            "definitions/rope/r.json",
            "definitions/moe/m.json",
            "definitions/gemm/g2.json",
        ]));
        let read = |name| index.status(name, true);
        assert_eq!(read("g"), Status::NoWorkload);
        assert_eq!(read("g2"), Status::NoWorkload);
        assert_eq!(read("m"), Status::Ready);
        assert_eq!(read("r"), Status::NoWorkload);
        assert_eq!(index.definition_count(), 4);
        let mut empty = DefinitionIndex::default();
        empty.merge(index.clone());
        assert_eq!(empty.status("r", true), Status::NoWorkload);
        assert_eq!(empty.definition_count(), 4);
    }

    #[test]
    fn statuses_from_paths() {
        let index = DefinitionIndex::from_paths([
            "definitions/gemm/gemm_n1_k2.json",
            "definitions/gemm/gemm_n3_k4.json",
            "workloads/gemm/gemm_n1_k2.jsonl",
            "definitions/gemm/README.md",
            "workloads/gemm/orphan.jsonl",
        ]);
        assert_eq!(index.status("gemm_n1_k2", true), Status::Ready);
        assert_eq!(index.status("gemm_n3_k4", true), Status::NoWorkload);
        assert_eq!(index.status("gemm_n3_k4", false), Status::Ready);
        assert_eq!(index.status("orphan", true), Status::Missing);
        assert_eq!(index.definition_count(), 2);
    }

    #[test]
    fn names_are_read_at_any_depth_and_empty_names_are_skipped() {
        let index = DefinitionIndex::from_paths([
            "./definitions/top.json",
            "definitions/a/b/deep.json",
            "workloads/a/b/deep.jsonl",
            "definitions/gemm/.json",
            "workloads/x.json",
        ]);
        assert_eq!(index.status("top", true), Status::NoWorkload);
        assert_eq!(index.status("deep", true), Status::Ready);
        assert_eq!(index.status("", true), Status::Missing);
        assert_eq!(index.status("x", true), Status::Missing);
        assert_eq!(index.definition_count(), 2);
    }
}
