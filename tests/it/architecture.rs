//! The dependency structure ARCHITECTURE.md promises: no two top-level modules of `src/` import
//! each other, directly or through others, and the leaves import nothing of ours that does I/O.
//! Read from the source text (`crate::module` paths outside `#[cfg(test)]` blocks and comments),
//! so a new circle fails here with the path that closes it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::support::root;

/// Top-level module → the top-level modules it names (`crate::x`), with one place each.
fn imports() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let src = root().join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).unwrap();
                let module = top_module(relative);
                let text = fs::read_to_string(&path).unwrap();
                for (number, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.starts_with("#[cfg(test)]") {
                        break; // test modules sit at the end of a file
                    }
                    if line.starts_with("//") {
                        continue;
                    }
                    for name in crate_paths(line) {
                        if name != module {
                            edges
                                .entry(module.clone())
                                .or_default()
                                .insert(name, format!("src/{}:{}", relative.display(), number + 1));
                        }
                    }
                }
            }
        }
    }
    edges
}

fn top_module(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// `x` of every `crate::x` in `line`.
fn crate_paths(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(at, _)| {
            // `track_models::…` or `$crate::…` are not ours to follow.
            !line[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(at, _)| {
            line[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// A path from `from` back to `to` through `edges`, if any.
fn path_back(
    edges: &BTreeMap<String, BTreeMap<String, String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(trail) = stack.pop() {
        let last = trail.last().unwrap().clone();
        if last == to {
            return Some(trail);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(&last).into_iter().flat_map(|m| m.keys()) {
            let mut longer = trail.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = imports();
    assert!(edges.len() > 10, "the scan found the modules: {edges:?}");
    let mut circles = Vec::new();
    for (module, names) in &edges {
        for (name, place) in names {
            if let Some(trail) = path_back(&edges, name, module) {
                circles.push(format!("{module} → {} ({place})", trail.join(" → ")));
            }
        }
    }
    assert!(circles.is_empty(), "circles:\n{}", circles.join("\n"));
}

/// The pure modules (the core and its leaves) name nothing that does I/O: no source, shell,
/// client or file writer, and of discovery only its pure parts (candidate types, display
/// names, the decision), never its fetching (`gather`, `day0*`, `providers`, `responses`,
/// `source`).
#[test]
fn the_pure_modules_import_nothing_that_does_io() {
    let io = [
        "crate::sources",
        "crate::run",
        "crate::publish",
        "crate::github",
        "crate::resolve",
        "crate::nightly",
        "crate::lint_gather",
        "crate::atomic_file",
        "crate::console",
        "crate::discover::gather",
        "crate::discover::day0",
        "crate::discover::providers",
        "crate::discover::responses",
        "crate::discover::source",
    ];
    let src = root().join("src");
    let mut checked = 0;
    for pure in [
        "status.rs",
        "date.rs",
        "markdown.rs",
        "dataset.rs",
        "arch",
        "naming",
        "lint",
        "doc",
        "plan",
        "onboard",
        "sizing.rs",
        "report.rs",
    ] {
        let path = src.join(pure);
        let files: Vec<_> = if path.is_dir() {
            fs::read_dir(&path)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![path]
        };
        for file in files {
            checked += 1;
            let text = fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.starts_with("#[cfg(test)]") {
                    break;
                }
                if line.starts_with("//") {
                    continue;
                }
                if let Some(name) = io.iter().find(|name| line.contains(*name)) {
                    panic!(
                        "the pure `{}:{}` names `{name}`: {line}",
                        file.strip_prefix(&src).unwrap().display(),
                        number + 1
                    );
                }
            }
        }
    }
    assert!(checked > 30, "read {checked} files");
}

#[test]
fn the_scan_sees_a_circle() {
    let mut edges = imports();
    edges
        .entry("status".into())
        .or_default()
        .insert("doc".into(), "made up".into());
    assert_eq!(
        path_back(&edges, "doc", "status"),
        Some(vec!["doc".to_string(), "status".to_string()])
    );
    assert_eq!(
        crate_paths("use crate::doc::Status; crate::arch::x; track_models::doc"),
        ["doc", "arch"]
    );
}
