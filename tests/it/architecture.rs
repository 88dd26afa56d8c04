//! The dependency structure ARCHITECTURE.md promises, read from the source text:
//!
//! - every file of `src/` is in a row of the "Folders and files" table;
//! - every import of one top-level module by another is allowed by the importer's "may import"
//!   cell of that table (read from ARCHITECTURE.md itself, so the map cannot drift from the
//!   code without this test failing);
//! - no file imports one that imports it back, directly or through others;
//! - the pure modules name nothing that does I/O.
//!
//! Imports are `use` trees (grouped and nested: `use crate::{a, b::{c, d}}`, `super::`,
//! `self::`, a child module by its name) and paths in code (`crate::x::y`, `super::z`), outside
//! comments, string literals and the `#[cfg(test)]` module at the end of a file. Each failure
//! names the file, the line and the row or edge to add or remove.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use crate::support::root;

/// One file of `src/`: its path (`discover/gather.rs`), its module path (`discover::gather`;
/// `[]` for `lib.rs`, `["main"]` for the binary) and its code.
struct SrcFile {
    rel: String,
    module: Vec<String>,
    code: String,
}

fn src_files() -> Vec<SrcFile> {
    let src = root().join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push(SrcFile {
                    module: module_of(&rel),
                    code: code_of(&fs::read_to_string(&path).unwrap()),
                    rel,
                });
            }
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// `discover/gather.rs` → `discover::gather`, `discover/mod.rs` → `discover`, `lib.rs` → the
/// crate root, `main.rs` → `main`.
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file: up to its `#[cfg(test)]` module (tests sit at the end of a file), with
/// comments and string literals blanked out (newlines kept, so line numbers stay right).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &str| {
        out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    while i < bytes.len() {
        let rest = &text[i..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let open = 2 + hashes;
            rest[open..]
                .find(&close)
                .map_or(rest.len(), |e| open + e + close.len())
        } else if rest.starts_with('"') && !text[..i].ends_with('\'') {
            string_end(rest)
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        blank(&mut out, &rest[..end]);
        i += end;
    }
    out
}

/// `r"`, `r#"`, `br"`…: the number of `#`.
fn raw_string_start(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after.chars().take_while(|&c| c == '#').count();
    after[hashes..].starts_with('"').then_some(hashes)
}

/// The length of the string literal `rest` starts with (escapes honoured).
fn string_end(rest: &str) -> usize {
    let mut escaped = false;
    for (at, c) in rest.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return at + 1,
            _ => {}
        }
    }
    rest.len()
}

/// Every path `code` names, made absolute (crate-root segments) with its 1-based line: `use`
/// trees expanded, and `crate::…` / `super::…` / `self::…` / child-module paths in code.
/// External paths (`std::…`, `anyhow::…`) are dropped.
fn named_paths(
    code: &str,
    module: &[String],
    children: &BTreeSet<String>,
) -> Vec<(Vec<String>, usize)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut in_use = Vec::new();
    for (at, _) in code.match_indices("use ") {
        if !boundary_before(code, at) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            continue;
        };
        in_use.push(at..at + end);
        for path in expand_use(&strip_renames(&code[at + 4..at + end])) {
            if let Some(absolute) = absolute(&path, module, children) {
                found.push((absolute, line_of(at)));
            }
        }
    }
    let mut starts: Vec<&str> = vec!["crate::", "super::", "self::", "track_models::"];
    let child_prefixes: Vec<String> = children.iter().map(|c| format!("{c}::")).collect();
    starts.extend(child_prefixes.iter().map(String::as_str));
    for start in starts {
        for (at, _) in code.match_indices(start) {
            if !boundary_before(code, at) || in_use.iter().any(|r| r.contains(&at)) {
                continue;
            }
            let mut path: Vec<String> = Vec::new();
            for part in code[at..].split("::") {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let whole = name.len() == part.len();
                if !name.is_empty() {
                    path.push(name);
                }
                if !whole || path.is_empty() {
                    break;
                }
            }
            if let Some(absolute) = absolute(&path, module, children) {
                found.push((absolute, line_of(at)));
            }
        }
    }
    found
}

/// `at` starts a path: not the tail of an identifier, another path (`a::crate`) or `$crate`.
fn boundary_before(code: &str, at: usize) -> bool {
    let before = &code[..at];
    !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == ':')
}

/// A `use` tree without whitespace and without its renames (`a as b` → `a`).
fn strip_renames(tree: &str) -> String {
    let mut out = String::new();
    let mut tokens = tree.split_whitespace();
    while let Some(token) = tokens.next() {
        if token == "as" {
            let alias = tokens.next().unwrap_or_default();
            out.extend(
                alias
                    .chars()
                    .skip_while(|c| c.is_alphanumeric() || *c == '_'),
            );
        } else {
            out.push_str(token);
        }
    }
    out
}

/// The paths of a `use` tree as [`strip_renames`] leaves it: `crate::{a,b::{c,d}}` →
/// `crate::a`, `crate::b::c`, `crate::b::d`.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    expand_into(&[], tree, &mut out);
    out
}

fn expand_into(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    let (head, group) = match tree.find('{') {
        Some(open) if tree.ends_with('}') => (&tree[..open], Some(&tree[open + 1..tree.len() - 1])),
        _ => (tree, None),
    };
    let mut path = prefix.to_vec();
    path.extend(
        head.split("::")
            .filter(|s| !s.is_empty() && *s != "*")
            .map(str::to_string),
    );
    let Some(group) = group else {
        out.push(path);
        return;
    };
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand_item(&path, &group[start..at], out);
                start = at + 1;
            }
            _ => {}
        }
    }
    expand_item(&path, &group[start..], out);
}

/// One item of a group: `self` is the group's own path.
fn expand_item(path: &[String], item: &str, out: &mut Vec<Vec<String>>) {
    match item {
        "" => {}
        "self" => out.push(path.to_vec()),
        item => expand_into(path, item, out),
    }
}

/// `path` from the crate root, or `None` when it is not ours (`std::…`).
fn absolute(
    path: &[String],
    module: &[String],
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let (base, rest): (Vec<String>, &[String]) = match first.as_str() {
        "crate" | "track_models" => (Vec::new(), &path[1..]),
        "self" => (module.to_vec(), &path[1..]),
        "super" => {
            let mut base = module.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            (base, rest)
        }
        name if children.contains(name) => (module.to_vec(), path),
        _ => return None,
    };
    let mut absolute = base;
    absolute.extend(rest.iter().filter(|s| s.as_str() != "pub").cloned());
    Some(absolute)
}

/// The file an absolute path lands in: the longest module prefix that is a file of `src/`,
/// followed through that file's re-exports (`pub use child::Name` in a `mod.rs`: a path to
/// `module::Name` lands in the child that defines it).
fn file_of<'a>(
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, String>,
    reexports: &'a BTreeMap<String, BTreeMap<String, Vec<String>>>,
) -> Option<&'a String> {
    let (len, file) = (1..=path.len())
        .rev()
        .find_map(|len| Some((len, modules.get(&path[..len])?)))?;
    let target = path
        .get(len)
        .and_then(|name| reexports.get(file)?.get(name))
        .filter(|target| target.len() > len)
        .and_then(|target| file_of(target, modules, reexports));
    Some(target.unwrap_or(file))
}

/// The files of `src/` by module path (the binary's and the crate root's left out: nothing
/// imports them).
fn module_files(files: &[SrcFile]) -> BTreeMap<Vec<String>, String> {
    files
        .iter()
        .filter(|f| f.rel != "main.rs" && f.rel != "lib.rs")
        .map(|f| (f.module.clone(), f.rel.clone()))
        .collect()
}

/// The child modules of a `mod.rs` (or of `lib.rs`): the names it may use without a prefix.
fn children_of(file: &SrcFile, modules: &BTreeMap<Vec<String>, String>) -> BTreeSet<String> {
    if !(file.rel.ends_with("mod.rs") || file.rel == "lib.rs") {
        return BTreeSet::new();
    }
    modules
        .keys()
        .filter(|m| m.len() == file.module.len() + 1 && m.starts_with(&file.module))
        .map(|m| m.last().unwrap().clone())
        .collect()
}

/// Each file's `pub use` names: name → the absolute path it re-exports.
fn reexports_of(
    files: &[SrcFile],
    modules: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut all = BTreeMap::new();
    for file in files.iter().filter(|f| f.rel != "main.rs") {
        let children = children_of(file, modules);
        let mut names = BTreeMap::new();
        for (at, _) in file
            .code
            .match_indices("pub use ")
            .chain(file.code.match_indices("pub(crate) use "))
        {
            let start = file.code[at..].find("use ").unwrap() + at + 4;
            let Some(end) = file.code[start..].find(';') else {
                continue;
            };
            for path in expand_use(&strip_renames(&file.code[start..start + end])) {
                if let Some(absolute) = absolute(&path, &file.module, &children) {
                    if let Some(name) = absolute.last() {
                        names.insert(name.clone(), absolute.clone());
                    }
                }
            }
        }
        all.insert(file.rel.clone(), names);
    }
    all
}

/// File → the files it imports, each with the first place it does.
fn file_edges(files: &[SrcFile]) -> BTreeMap<String, BTreeMap<String, String>> {
    let modules = module_files(files);
    let reexports = reexports_of(files, &modules);
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        // The binary's module is not part of the library: its paths start at the crate root.
        let module: &[String] = if file.rel == "main.rs" {
            &[]
        } else {
            &file.module
        };
        let children = children_of(file, &modules);
        for (path, line) in named_paths(&file.code, module, &children) {
            let Some(to) = file_of(&path, &modules, &reexports) else {
                continue;
            };
            if *to != file.rel {
                edges
                    .entry(file.rel.clone())
                    .or_default()
                    .entry(to.clone())
                    .or_insert_with(|| format!("src/{}:{line}", file.rel));
            }
        }
    }
    edges
}

/// Whether `a` and `b` are a `mod.rs` and one of its own files (`discover/mod.rs` and
/// `discover/gather.rs`, or `discover/serving/mod.rs`): a module calling its parts and its
/// parts naming the module's own types is the module's structure, not a circle between files.
fn parent_and_child(a: &str, b: &str) -> bool {
    let is_child = |parent: &str, child: &str| {
        let Some(folder) = parent.strip_suffix("mod.rs") else {
            return false;
        };
        child.strip_prefix(folder).is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('/').collect();
            parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod.rs")
        })
    };
    is_child(a, b) || is_child(b, a)
}

/// The top-level module a file belongs to (`discover/gather.rs` → `discover`).
fn top(rel: &str) -> String {
    rel.split('/')
        .next()
        .unwrap()
        .trim_end_matches(".rs")
        .to_string()
}

// ------------------------------------------------------------------ the map

/// What a row's "may import" cell allows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MayImport {
    /// `anything`, or `anything except `x`, `y``.
    AnythingExcept(Vec<Allowed>),
    /// The backticked entries (`doc`, `discover::decide`, `discover/mod.rs`); none for
    /// `nothing of ours`.
    Only(Vec<Allowed>),
}

/// One backticked entry of a "may import" cell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// `doc`, `discover::decide`: the module and everything in it.
    Module(Vec<String>),
    /// `discover/mod.rs`: that file only.
    File(String),
}

impl Allowed {
    fn parse(text: &str) -> Allowed {
        if text.ends_with(".rs") {
            Allowed::File(text.to_string())
        } else {
            Allowed::Module(text.split("::").map(str::to_string).collect())
        }
    }

    fn covers(&self, module: &[String], file: &str) -> bool {
        match self {
            Allowed::Module(prefix) => module.starts_with(prefix),
            Allowed::File(allowed) => allowed == file,
        }
    }
}

/// One row of the "Folders and files" table: the top-level modules it names and its rule.
#[derive(Debug)]
struct Row {
    names: Vec<String>,
    may_import: MayImport,
}

/// The rows of ARCHITECTURE.md's "Folders and files" table.
fn map_rows(text: &str) -> Vec<Row> {
    let section = format!("\n{text}");
    let section = section
        .split("\n## ")
        .find(|s| s.starts_with("Folders and files"))
        .expect("ARCHITECTURE.md has a `## Folders and files` section");
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 3, "a map row has three cells: {line}");
            let names = backticked(cells[0])
                .into_iter()
                .map(|path| {
                    path.trim_end_matches('/')
                        .trim_end_matches(".rs")
                        .to_string()
                })
                .collect();
            let rule = cells[2].trim();
            let paths = |text: &str| -> Vec<Allowed> {
                backticked(text).iter().map(|p| Allowed::parse(p)).collect()
            };
            let may_import = if let Some(rest) = rule.strip_prefix("anything") {
                MayImport::AnythingExcept(paths(rest))
            } else {
                MayImport::Only(paths(rule))
            };
            Row { names, may_import }
        })
        .collect()
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn architecture_md() -> String {
    fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap()
}

/// Whether `rule` lets a module import the module at `target` (a module path) in `file`.
fn allows(rule: &MayImport, target: &[String], file: &str) -> bool {
    let matches = |entries: &Vec<Allowed>| entries.iter().any(|e| e.covers(target, file));
    match rule {
        MayImport::AnythingExcept(except) => !matches(except),
        MayImport::Only(only) => matches(only),
    }
}

#[test]
fn every_src_file_is_in_the_map() {
    let rows = map_rows(&architecture_md());
    let named: BTreeSet<String> = rows.iter().flat_map(|r| r.names.clone()).collect();
    let unnamed: Vec<String> = src_files()
        .iter()
        .filter(|f| !named.contains(&top(&f.rel)))
        .map(|f| {
            let entry = if f.rel.contains('/') {
                format!("{}/", top(&f.rel))
            } else {
                f.rel.clone()
            };
            format!(
                "`src/{}` is in no row: add a row for `{entry}` (what it owns, what it may import)",
                f.rel
            )
        })
        .collect();
    assert!(
        unnamed.is_empty(),
        "ARCHITECTURE.md's \"Folders and files\" table misses files:\n{}",
        unnamed.join("\n")
    );
}

#[test]
fn every_import_is_allowed_by_the_map() {
    let rows = map_rows(&architecture_md());
    let rule_of = |module: &str| rows.iter().find(|r| r.names.iter().any(|n| n == module));
    let files = src_files();
    let modules: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|f| (f.rel.clone(), f.module.clone()))
        .collect();
    let mut refused = Vec::new();
    let mut checked = 0;
    for (from, targets) in file_edges(&files) {
        let Some(row) = rule_of(&top(&from)) else {
            continue; // named by `every_src_file_is_in_the_map`
        };
        for (to, place) in targets {
            if top(&to) == top(&from) {
                continue;
            }
            checked += 1;
            if !allows(&row.may_import, &modules[&to], &to) {
                refused.push(format!(
                    "{place}: `{}` imports `{}` (`src/{to}`), which the \"may import\" cell of `{}` does not allow: add `{}` to it, or remove the import",
                    top(&from),
                    modules[&to].join("::"),
                    row.names.join("`, `"),
                    top(&to)
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "the scan found {checked} imports between modules"
    );
    assert!(
        refused.is_empty(),
        "imports ARCHITECTURE.md does not allow:\n{}",
        refused.join("\n")
    );
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let mut edges = file_edges(&src_files());
    assert!(edges.len() > 50, "the scan found the files: {edges:?}");
    for (from, targets) in &mut edges {
        targets.retain(|to, _| !parent_and_child(from, to));
    }
    let circles: Vec<String> = circles(&edges)
        .into_iter()
        .map(|circle| {
            let steps: Vec<String> = circle
                .windows(2)
                .map(|pair| format!("src/{} ({})", pair[1], edges[&pair[0]][&pair[1]]))
                .collect();
            format!("src/{} → {}", circle[0], steps.join(" → "))
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between files (each step names the line that imports):\n{}",
        circles.join("\n")
    );
}

/// The same between top-level modules (a folder or a file of `src/`): `doc` may not import
/// `plan` if anything in `plan/` imports `doc`, whichever files do it.
#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut modules: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, targets) in file_edges(&src_files()) {
        for (to, place) in targets {
            if top(&from) != top(&to) {
                modules
                    .entry(top(&from))
                    .or_default()
                    .entry(top(&to))
                    .or_insert(place);
            }
        }
    }
    assert!(
        modules.len() > 15,
        "the scan found the modules: {modules:?}"
    );
    let circles: Vec<String> = circles(&modules)
        .into_iter()
        .map(|circle| {
            let steps: Vec<String> = circle
                .windows(2)
                .map(|pair| format!("{} ({})", pair[1], modules[&pair[0]][&pair[1]]))
                .collect();
            format!("{} → {}", circle[0], steps.join(" → "))
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between modules (each step names a line that imports):\n{}",
        circles.join("\n")
    );
}

/// One shortest circle through each file that is on one, from its first file back to it.
fn circles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut covered = BTreeSet::new();
    for start in edges.keys() {
        if covered.contains(start) {
            continue;
        }
        if let Some(circle) = shortest_path_back(edges, start) {
            covered.extend(circle.iter().cloned());
            found.push(circle);
        }
    }
    found
}

/// The shortest `start → … → start`, breadth first.
fn shortest_path_back(
    edges: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<String>> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(file) = queue.pop_front() {
        for next in edges.get(&file).into_iter().flat_map(|m| m.keys()) {
            if next == start {
                let mut trail = vec![start.to_string(), file.clone()];
                let mut at = file.clone();
                while let Some(before) = previous.get(&at) {
                    trail.push(before.clone());
                    at = before.clone();
                }
                if trail.last().map(String::as_str) != Some(start) {
                    trail.push(start.to_string());
                }
                trail.reverse();
                trail.dedup();
                if trail.len() == 1 {
                    trail.push(start.to_string());
                }
                return Some(trail);
            }
            if next != start && !previous.contains_key(next) {
                previous.insert(next.clone(), file.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

/// The pure modules (the core and its leaves) name nothing that does I/O: no source, shell,
/// client or file writer, and of discovery only its pure parts (candidate types, display
/// names, the decision), never its fetching.
#[test]
fn the_pure_modules_import_nothing_that_does_io() {
    let io: [&[&str]; 14] = [
        &["sources"],
        &["run"],
        &["publish"],
        &["github"],
        &["resolve"],
        &["nightly"],
        &["lint_gather"],
        &["atomic_file"],
        &["console"],
        &["discover", "gather"],
        &["discover", "day0"],
        &["discover", "providers"],
        &["discover", "responses"],
        &["discover", "source"],
    ];
    let pure = [
        "status", "date", "markdown", "dataset", "arch", "naming", "lint", "doc", "plan",
        "onboard", "sizing", "report", "next",
    ];
    let files = src_files();
    let modules: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|f| (f.rel.clone(), f.module.clone()))
        .collect();
    let edges = file_edges(&files);
    let mut checked = 0;
    for file in files
        .iter()
        .filter(|f| pure.contains(&top(&f.rel).as_str()))
    {
        checked += 1;
        for (to, place) in edges.get(&file.rel).into_iter().flatten() {
            let target = &modules[to];
            if let Some(name) = io.iter().find(|io| {
                target.starts_with(&io.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            }) {
                panic!(
                    "the pure `src/{}` names `crate::{}` ({place})",
                    file.rel,
                    name.join("::")
                );
            }
        }
    }
    assert!(checked > 30, "read {checked} files");
}

#[test]
fn the_scan_reads_grouped_nested_and_relative_paths() {
    let module: Vec<String> = vec!["discover".into(), "gather".into()];
    let none = BTreeSet::new();
    let code = code_of(
        "use crate::{doc::CoverageDoc, plan::{self, Discovery}, sources::hf::{HfClient as H, *}};\n\
         use super::decide::Decision;\n\
         // crate::run::run in a comment\n\
         let text = \"crate::publish in a string\";\n\
         fn f() { crate::markdown::escape(x); super::super::report::Report::default(); }\n\
         pub(crate) use self::inner::Thing;\n\
         #[cfg(test)]\nmod tests { use crate::lint; }\n",
    );
    let paths: Vec<(String, usize)> = named_paths(&code, &module, &none)
        .into_iter()
        .map(|(path, line)| (path.join("::"), line))
        .collect();
    assert_eq!(
        paths,
        [
            ("doc::CoverageDoc".to_string(), 1),
            ("plan".to_string(), 1),
            ("plan::Discovery".to_string(), 1),
            ("sources::hf::HfClient".to_string(), 1),
            ("sources::hf".to_string(), 1),
            ("discover::decide::Decision".to_string(), 2),
            ("discover::gather::inner::Thing".to_string(), 6),
            ("markdown::escape".to_string(), 5),
            ("report::Report::default".to_string(), 5),
        ]
    );
    let children: BTreeSet<String> = ["gather".to_string()].into();
    let parent: Vec<String> = vec!["discover".into()];
    let paths: Vec<String> = named_paths(
        "pub use gather::{a, b};\nlet x = gather::c();",
        &parent,
        &children,
    )
    .into_iter()
    .map(|(path, _)| path.join("::"))
    .collect();
    assert_eq!(
        paths,
        [
            "discover::gather::a",
            "discover::gather::b",
            "discover::gather::c"
        ]
    );
}

#[test]
fn the_scan_sees_a_circle_and_the_map_its_rules() {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut add = |from: &str, to: &str| {
        edges
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string(), format!("src/{from}:1"));
    };
    add("a.rs", "b.rs");
    add("b.rs", "c/mod.rs");
    add("c/mod.rs", "a.rs");
    add("d.rs", "a.rs");
    assert_eq!(circles(&edges), [vec!["a.rs", "b.rs", "c/mod.rs", "a.rs"]]);
    let rows = map_rows(
        "## Folders and files\n\n| path | owns | may import |\n|---|---|---|\n\
         | `a.rs`, `b/` | x | `doc`, `discover::decide` (pure), `discover/mod.rs` |\n\
         | `c.rs` | y | anything except `run` |\n| `d.rs` | z | nothing of ours |\n",
    );
    let path = |text: &str| -> Vec<String> { text.split("::").map(str::to_string).collect() };
    assert_eq!(rows[0].names, ["a", "b"]);
    assert!(allows(
        &rows[0].may_import,
        &path("discover::decide"),
        "discover/decide.rs"
    ));
    assert!(allows(
        &rows[0].may_import,
        &path("discover"),
        "discover/mod.rs"
    ));
    assert!(!allows(
        &rows[0].may_import,
        &path("discover::gather"),
        "discover/gather.rs"
    ));
    assert!(allows(&rows[1].may_import, &path("plan"), "plan/mod.rs"));
    assert!(!allows(&rows[1].may_import, &path("run"), "run.rs"));
    assert!(!allows(&rows[2].may_import, &path("plan"), "plan/mod.rs"));
    assert!(parent_and_child("discover/mod.rs", "discover/gather.rs"));
    assert!(parent_and_child("sources/serving/mod.rs", "sources/mod.rs"));
    assert!(!parent_and_child(
        "discover/gather.rs",
        "discover/source.rs"
    ));
    assert!(!parent_and_child("sources/mod.rs", "sources/hf/cache.rs"));
    assert_eq!(module_of("discover/mod.rs"), ["discover"]);
    assert_eq!(module_of("lib.rs"), Vec::<String>::new());
}
