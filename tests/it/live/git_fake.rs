//! A loopback fake of GitHub's read API over real git repositories the test makes: repository
//! info, recursive and plain trees (with `truncated` on demand), blobs (base64 with line breaks,
//! as GitHub sends them), the commit list of a path in a date window, one commit's files, and
//! raw contents. Answers are built from the repositories at request time, so a commit made
//! between two runs is what the next run sees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::{Oid, Repository};
use serde_json::{json, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `owner/name` → the repository's folder.
#[derive(Clone, Default)]
pub struct GitFake {
    pub repos: Arc<Mutex<BTreeMap<String, PathBuf>>>,
    /// Repositories whose recursive root listing answers `truncated: true`.
    pub truncate: Arc<Mutex<Vec<String>>>,
}

impl GitFake {
    pub fn add(&self, repo: &str, dir: &Path) {
        self.repos
            .lock()
            .unwrap()
            .insert(repo.to_string(), dir.to_path_buf());
    }

    /// Serves every repository under `/repos/{owner}/…` of `server`, before its other mocks.
    pub async fn mount(&self, server: &MockServer, owner: &str) {
        Mock::given(path_regex(format!("^/repos/{owner}/")))
            .respond_with(self.clone())
            .with_priority(1)
            .mount(server)
            .await;
    }
}

impl Respond for GitFake {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<String> = request
            .url
            .path_segments()
            .map(|s| s.map(|p| p.to_string()).collect())
            .unwrap_or_default();
        if parts.len() < 3 || parts[0] != "repos" {
            return not_found();
        }
        let name = format!("{}/{}", parts[1], parts[2]);
        let Some(dir) = self.repos.lock().unwrap().get(&name).cloned() else {
            return not_found();
        };
        let repo = Repository::open(&dir).unwrap();
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let rest: Vec<&str> = parts[3..].iter().map(String::as_str).collect();
        match rest.as_slice() {
            [] => ok(json!({ "full_name": name, "default_branch": "main" })),
            ["git", "trees", reference] => {
                let Some(tree) = resolve_tree(&repo, reference) else {
                    return not_found();
                };
                let recursive = query.contains_key("recursive");
                let truncated = recursive
                    && self.truncate.lock().unwrap().contains(&name)
                    && repo.head().unwrap().peel_to_tree().unwrap().id() == tree;
                ok(tree_json(&repo, tree, recursive, truncated))
            }
            ["git", "blobs", sha] => {
                let Ok(blob) = Oid::from_str(sha).and_then(|oid| repo.find_blob(oid)) else {
                    return not_found();
                };
                ok(json!({
                    "sha": sha,
                    "size": blob.size(),
                    "encoding": "base64",
                    "content": base64_lines(blob.content()),
                }))
            }
            ["commits"] => ok(commit_list(&repo, &query)),
            ["commits", sha] => ok(commit_detail(&repo, sha)),
            ["contents", path @ ..] => {
                let reference = query.get("ref").map(String::as_str).unwrap_or("main");
                let Some(tree) = resolve_tree(&repo, reference) else {
                    return not_found();
                };
                let tree = repo.find_tree(tree).unwrap();
                match tree.get_path(Path::new(&path.join("/"))) {
                    Ok(entry) => {
                        let blob = repo.find_blob(entry.id()).unwrap();
                        ResponseTemplate::new(200).set_body_bytes(blob.content().to_vec())
                    }
                    Err(_) => not_found(),
                }
            }
            _ => not_found(),
        }
    }
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("Content-Type", "application/json; charset=utf-8")
        .set_body_json(body)
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
    }))
}

/// A branch name or a tree / commit sha → the tree id.
fn resolve_tree(repo: &Repository, reference: &str) -> Option<Oid> {
    if let Ok(branch) = repo.find_reference(&format!("refs/heads/{reference}")) {
        return Some(branch.peel_to_tree().ok()?.id());
    }
    let oid = Oid::from_str(reference).ok()?;
    if let Ok(tree) = repo.find_tree(oid) {
        return Some(tree.id());
    }
    Some(repo.find_commit(oid).ok()?.tree().ok()?.id())
}

fn tree_json(repo: &Repository, tree: Oid, recursive: bool, truncated: bool) -> Value {
    let tree_obj = repo.find_tree(tree).unwrap();
    let mut entries = Vec::new();
    let mut push = |path: String, entry: &git2::TreeEntry| {
        let kind = match entry.kind() {
            Some(git2::ObjectType::Tree) => "tree",
            _ => "blob",
        };
        let mut item = json!({
            "path": path,
            "mode": format!("{:06o}", entry.filemode()),
            "type": kind,
            "sha": entry.id().to_string(),
            "url": "https://api.github.invalid/x",
        });
        if kind == "blob" {
            item["size"] = json!(repo.find_blob(entry.id()).unwrap().size());
        }
        entries.push(item);
    };
    if recursive && !truncated {
        tree_obj
            .walk(git2::TreeWalkMode::PreOrder, |root, entry| {
                push(format!("{root}{}", entry.name().unwrap()), entry);
                git2::TreeWalkResult::Ok
            })
            .unwrap();
    } else {
        // Non-recursive, or the truncated answer: the top level only.
        for entry in tree_obj.iter() {
            push(entry.name().unwrap().to_string(), &entry);
        }
    }
    json!({ "sha": tree.to_string(), "url": "https://api.github.invalid/t", "tree": entries, "truncated": truncated })
}

fn commit_list(repo: &Repository, query: &BTreeMap<String, String>) -> Value {
    let prefix = query.get("path").cloned().unwrap_or_default();
    let since = query.get("since").map(|s| seconds(s)).unwrap_or(i64::MIN);
    let until = query.get("until").map(|s| seconds(s)).unwrap_or(i64::MAX);
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let mut commits = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid.unwrap()).unwrap();
        let time = commit.committer().when().seconds();
        let touches = changed_files(repo, &commit)
            .iter()
            .any(|(path, _)| path.starts_with(&prefix));
        if touches && time >= since && time <= until {
            commits.push(json!({
                "sha": commit.id().to_string(),
                "commit": {
                    "message": commit.message().unwrap_or_default(),
                    "committer": { "date": iso(time) },
                    "author": { "date": iso(time) },
                },
            }));
        }
    }
    Value::Array(commits)
}

fn commit_detail(repo: &Repository, sha: &str) -> Value {
    let commit = repo.find_commit(Oid::from_str(sha).unwrap()).unwrap();
    let files: Vec<Value> = changed_files(repo, &commit)
        .into_iter()
        .map(|(filename, status)| json!({ "filename": filename, "status": status }))
        .collect();
    json!({ "sha": sha, "files": files })
}

fn changed_files(repo: &Repository, commit: &git2::Commit) -> Vec<(String, &'static str)> {
    let parent = commit.parent(0).ok().map(|p| p.tree().unwrap());
    let diff = repo
        .diff_tree_to_tree(parent.as_ref(), Some(&commit.tree().unwrap()), None)
        .unwrap();
    diff.deltas()
        .map(|delta| {
            let status = match delta.status() {
                git2::Delta::Added => "added",
                git2::Delta::Deleted => "removed",
                _ => "modified",
            };
            let path = delta.new_file().path().or(delta.old_file().path()).unwrap();
            (path.to_string_lossy().into_owned(), status)
        })
        .collect()
}

fn seconds(iso: &str) -> i64 {
    track_models::api::discover::parse_timestamp(iso).unwrap()
}

fn iso(seconds: i64) -> String {
    let date = track_models::api::discover::Date::from_unix_seconds(seconds);
    let in_day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// Base64 with a line break every 60 characters, as GitHub's blob answers have.
pub fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    let mut lines = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            lines.push('\n');
        }
        lines.push(c);
    }
    lines.push('\n');
    lines
}

/// A git repository at `dir` on `main`, built commit by commit.
pub struct GitRepo {
    pub dir: PathBuf,
    repo: Repository,
}

impl GitRepo {
    pub fn init(dir: &Path) -> GitRepo {
        let repo = Repository::init(dir).unwrap();
        repo.set_head("refs/heads/main").unwrap();
        GitRepo {
            dir: dir.to_path_buf(),
            repo,
        }
    }

    /// Adds a symlink `path` → `target` to the next commit's index.
    pub fn symlink(&self, path: &str, target: &str) {
        let full = self.dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &full).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(path)).unwrap();
        index.write().unwrap();
    }

    /// Writes `files` (path, text; `None` deletes) and commits them at `time` (unix seconds).
    pub fn commit(&self, message: &str, time: i64, files: &[(&str, Option<&str>)]) -> String {
        crate::support::git_commit(&self.repo, "Test", time, message, files)
    }
}
