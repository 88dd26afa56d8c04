//! The flashinfer-trace dataset as a set of names: which definitions exist, which have
//! workloads. Built from file paths (a local checkout's walk or the Hub's tree listing), so it
//! does no I/O itself.
//!
//! `definitions/{op_type}/{name}.json` → a definition of `op_type`;
//! `workloads/{op_type}/{name}.jsonl` → that definition has captured workloads. Deeper folders
//! are accepted too (`definitions/**/{name}.json`): the op type is then the first folder.

use std::collections::{HashMap, HashSet};
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
    /// Name → position of its op type in `op_types` (a handful of distinct values).
    definitions: HashMap<Box<str>, u16, NameHash>,
    op_types: Vec<Box<str>>,
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
            definitions: HashMap::with_capacity_and_hasher(definitions, NameHash::default()),
            op_types: Vec::new(),
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
            if let Some((op_type, name)) = split_entry(rest, ".json") {
                self.insert_definition(name, op_type);
            }
        } else if let Some(rest) = path.strip_prefix("workloads/") {
            if let Some((_, name)) = split_entry(rest, ".jsonl") {
                self.insert_workload(name);
            }
        }
    }

    pub fn insert_definition(&mut self, name: &str, op_type: &str) {
        let op = self.op_position(op_type);
        self.definitions.insert(name.into(), op);
    }

    /// The position of `op_type` in `op_types`, added when new.
    fn op_position(&mut self, op_type: &str) -> u16 {
        // Names come folder by folder: the op type is almost always the last one seen.
        let last = self.op_types.len().checked_sub(1);
        let op = match last
            .filter(|&l| &*self.op_types[l] == op_type)
            .or_else(|| self.op_types.iter().position(|known| &**known == op_type))
        {
            Some(position) => position,
            None => {
                self.op_types.push(op_type.into());
                self.op_types.len() - 1
            }
        };
        u16::try_from(op).unwrap_or(u16::MAX)
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
        // The other's op types looked up once each; its names moved across, not copied.
        let ops: Vec<u16> = other
            .op_types
            .iter()
            .map(|op_type| self.op_position(op_type))
            .collect();
        self.definitions.reserve(other.definitions.len());
        for (name, op) in other.definitions {
            let op = match ops.get(usize::from(op)) {
                Some(&op) => op,
                None => self.op_position(""),
            };
            self.definitions.insert(name, op);
        }
        self.workloads.extend(other.workloads);
    }

    pub fn presence(&self, name: &str) -> Presence {
        if !self.definitions.contains_key(name) {
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

    pub fn op_type(&self, name: &str) -> Option<&str> {
        let op = *self.definitions.get(name)?;
        self.op_types.get(usize::from(op)).map(|op| &**op)
    }

    #[cfg(test)]
    fn definition_count(&self) -> usize {
        self.definitions.len()
    }
}

/// `gemm/x.json` → (`gemm`, `x`); `a/b/x.json` → (`a`, `x`); `x.json` → (``, `x`).
fn split_entry<'a>(rest: &'a str, extension: &str) -> Option<(&'a str, &'a str)> {
    let (folder, file) = rest.rsplit_once('/').unwrap_or(("", rest));
    let name = file.strip_suffix(extension)?;
    let op_type = folder.split('/').next().unwrap_or_default();
    (!name.is_empty()).then_some((op_type, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_index_keeps_each_name_s_op_type_and_workload() {
        let mut index =
            DefinitionIndex::from_paths(["definitions/gemm/g.json", "workloads/moe/m.jsonl"]);
        index.merge(DefinitionIndex::from_paths([
            "definitions/rope/r.json",
            "definitions/moe/m.json",
            "definitions/gemm/g2.json",
        ]));
        let read = |name| (index.op_type(name), index.status(name, true));
        assert_eq!(read("g"), (Some("gemm"), Status::NoWorkload));
        assert_eq!(read("g2"), (Some("gemm"), Status::NoWorkload));
        assert_eq!(read("m"), (Some("moe"), Status::Ready));
        assert_eq!(read("r"), (Some("rope"), Status::NoWorkload));
        assert_eq!(index.definition_count(), 4);
        let mut empty = DefinitionIndex::default();
        empty.merge(index.clone());
        assert_eq!(empty.op_type("r"), Some("rope"));
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
        assert_eq!(index.op_type("gemm_n3_k4"), Some("gemm"));
        assert_eq!(index.definition_count(), 2);
    }
}
