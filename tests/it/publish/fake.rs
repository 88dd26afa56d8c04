//! A stateful fake GitHub on loopback (one wiremock catch-all with a custom `Respond`).
//!
//! It keeps what publishing touches: blobs, flat trees, commits with author and committer
//! logins, branches, pull requests (open/closed/merged), issue comments (paginated with
//! `Link`), labels. Every request is logged (method, path and query, route name, JSON body).
//! Tests inject failures per route and run hooks before a route is handled (a person pushing
//! between two requests). Behaviours copied from GitHub: 422 for an existing ref or pull
//! request, a pull request closed when its branch is moved onto its base, `GET /user`
//! forbidden to the Actions token, commits without an author attributed to the token.
//!
//! With [`State::permissions`] set (the `permissions:` a workflow grants), it also enforces
//! what GitHub enforces for such a token: each call needs its permission (`read` for reads,
//! `write` for writes), else 403
//! "Resource not accessible by integration" with `X-Accepted-GitHub-Permissions`; adding a
//! label the repository does not have yet creates it and needs `issues: write` (403 "You do
//! not have permission to create labels on this repository."); a ref update whose old and
//! new commits differ under `.github/workflows/` needs `workflows` (refused in GitHub's words
//! for the kind of token, [`State::workflow_refusal`]: "refusing to allow a GitHub App / a
//! Personal Access Token / an OAuth App to create or update workflow …", with 403, 404 or
//! 422); with the repository setting "Allow GitHub Actions to create and approve pull
//! requests" off, the Actions token gets 403 on `POST /pulls`. Always: bodies and comments
//! over 65,536 characters are 422, deleting a pull request's head branch closes it, and a
//! non-forced ref update that is not a fast-forward is 422 "Update is not a fast forward".
//! Injected secondary rate limits come as GitHub usually sends them: its message, requests
//! remaining, and no `retry-after` unless a test sets one. A person's push between the bot's
//! read and its write is a hook ([`FakeGitHub::push_before`]; route `graphql` lands it between
//! the re-read and a forced move or a delete). The routes are answered by resource: `git` (objects and
//! refs), `graphql` (the `updateRefs` mutation, with `beforeOid`), `pulls`, `issues`
//! (comments and labels).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

mod git;
mod graphql;
mod issues;
mod pulls;

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const OWNER: &str = "o";
pub const REPO: &str = "o/r";
pub const TOKEN: &str = "ghs_SuperSecretToken123";
pub const DOC_PATH: &str = "docs/model_coverage.mdx";
pub const ACTIONS_BOT: &str = "github-actions[bot]";
/// The repository's GraphQL node id (`node_id` of `GET /repos/o/r`).
pub const REPO_NODE_ID: &str = "R_kgDOFakeRepo1";

#[derive(Debug, Clone)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Option<String>,
    pub committer: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Pull {
    pub number: u64,
    pub head: String,
    pub base: String,
    pub head_sha: String,
    pub open: bool,
    pub merged: bool,
    pub title: String,
    pub body: String,
    pub user: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub issue: u64,
    pub user: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub route: &'static str,
    pub body: Value,
    /// When the request arrived.
    pub at: std::time::Instant,
    /// Every `User-Agent` value it carried.
    pub user_agents: Vec<String>,
}

/// Which kind of token the fake answers as, for GitHub's wording of its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    App,
    Pat,
    OAuth,
}

pub struct Failure {
    pub route: &'static str,
    pub status: u16,
    /// `None`: always.
    pub remaining: Option<usize>,
}

type HookFn = Box<dyn FnMut(&mut State) + Send>;

pub struct Hook {
    pub route: &'static str,
    pub action: Option<HookFn>,
}

pub struct State {
    pub default_branch: String,
    /// `None`: the Actions token (`GET /user` answers 403).
    pub token_login: Option<String>,
    /// A GitHub App installation token: commits as this login, `GET /user` answers 403.
    pub app_login: Option<String>,
    pub blobs: HashMap<String, String>,
    pub trees: HashMap<String, BTreeMap<String, String>>,
    pub commits: HashMap<String, Commit>,
    pub refs: BTreeMap<String, String>,
    pub pulls: Vec<Pull>,
    pub comments: Vec<Comment>,
    /// Largest page the list endpoints serve (small, to exercise paging).
    pub page_size: usize,
    pub log: Vec<Logged>,
    pub failures: Vec<Failure>,
    pub hooks: Vec<Hook>,
    /// 422 answers still to give on the labels endpoint.
    pub label_422s: usize,
    /// Echo the Authorization header in error messages (a hostile server).
    pub echo_auth_in_errors: bool,
    /// Delay on every answer (keeps concurrent runs in step).
    pub latency: std::time::Duration,
    /// The token's permissions (`contents` → `write`, …) as a workflow grants them; `None`:
    /// a token that may do everything (a classic PAT with `repo` and `workflow`).
    pub permissions: Option<BTreeMap<String, String>>,
    /// Settings → Actions → General → "Allow GitHub Actions to create and approve pull
    /// requests" (off in new repositories).
    pub actions_may_open_pulls: bool,
    /// Labels the repository has.
    pub repo_labels: Vec<String>,
    /// `retry-after` sent with injected 429s (and secondary limits), when set.
    pub retry_after: Option<u64>,
    /// How GitHub words its refusal to touch `.github/workflows/`, and the status it sends
    /// (403, 404 and 422 are all seen).
    pub workflow_refusal: (TokenKind, u16),
    /// Injected 403s and 429s are GitHub's secondary rate limit (its message, requests
    /// remaining, `retry-after` only when [`State::retry_after`] is set).
    pub secondary_limit: bool,
    next_id: u64,
}

/// GitHub's limit on bodies and comments, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;

impl State {
    fn new(doc: &str) -> State {
        let mut state = State {
            default_branch: "main".into(),
            token_login: Some("coverage-bot".into()),
            app_login: None,
            blobs: HashMap::new(),
            trees: HashMap::new(),
            commits: HashMap::new(),
            refs: BTreeMap::new(),
            pulls: Vec::new(),
            comments: Vec::new(),
            page_size: 2,
            log: Vec::new(),
            failures: Vec::new(),
            hooks: Vec::new(),
            label_422s: 0,
            echo_auth_in_errors: false,
            latency: std::time::Duration::ZERO,
            permissions: None,
            actions_may_open_pulls: true,
            repo_labels: Vec::new(),
            retry_after: Some(61),
            secondary_limit: false,
            workflow_refusal: (TokenKind::App, 422),
            next_id: 0,
        };
        let first = state.commit_file(None, "maintainer", "README.md", "# r\n");
        let second = state.commit_file(
            Some(&first),
            "maintainer",
            ".github/workflows/ci.yml",
            "on: push\n",
        );
        let head = state.commit_file(Some(&second), "maintainer", DOC_PATH, doc);
        state.refs.insert("main".into(), head);
        state
    }

    /// A copy of the repository (hooks, failures and the log are not copied).
    pub fn snapshot(&self) -> State {
        State {
            default_branch: self.default_branch.clone(),
            token_login: self.token_login.clone(),
            app_login: self.app_login.clone(),
            blobs: self.blobs.clone(),
            trees: self.trees.clone(),
            commits: self.commits.clone(),
            refs: self.refs.clone(),
            pulls: self.pulls.clone(),
            comments: self.comments.clone(),
            page_size: self.page_size,
            log: Vec::new(),
            failures: Vec::new(),
            hooks: Vec::new(),
            label_422s: self.label_422s,
            echo_auth_in_errors: self.echo_auth_in_errors,
            latency: self.latency,
            permissions: self.permissions.clone(),
            actions_may_open_pulls: self.actions_may_open_pulls,
            repo_labels: self.repo_labels.clone(),
            retry_after: self.retry_after,
            secondary_limit: self.secondary_limit,
            workflow_refusal: self.workflow_refusal,
            next_id: self.next_id,
        }
    }

    pub fn bot(&self) -> String {
        self.app_login
            .clone()
            .or_else(|| self.token_login.clone())
            .unwrap_or_else(|| ACTIONS_BOT.to_string())
    }

    fn sha(&mut self, kind: &str) -> String {
        self.next_id += 1;
        let seed = format!("{kind}{:08}", self.next_id);
        let hex: String = seed.bytes().map(|b| format!("{:02x}", b)).collect();
        format!("{hex:0<40}")[..40].to_string()
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn blob(&mut self, content: &str) -> String {
        let sha = self.sha("b");
        self.blobs.insert(sha.clone(), content.to_string());
        sha
    }

    /// A commit on `parent` (or a root) that sets `path` to `content`.
    pub fn commit_file(
        &mut self,
        parent: Option<&str>,
        author: &str,
        path: &str,
        content: &str,
    ) -> String {
        let mut entries = parent
            .map(|p| self.trees[&self.commits[p].tree].clone())
            .unwrap_or_default();
        let blob = self.blob(content);
        entries.insert(path.to_string(), blob);
        let tree = self.sha("t");
        self.trees.insert(tree.clone(), entries);
        let sha = self.sha("c");
        self.commits.insert(
            sha.clone(),
            Commit {
                tree,
                parents: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
                author: Some(author.to_string()),
                committer: Some(author.to_string()),
                message: format!("edit {path}"),
            },
        );
        sha
    }

    pub fn file_at(&self, commit: &str, path: &str) -> Option<String> {
        let tree = &self.trees[&self.commits.get(commit)?.tree];
        tree.get(path).map(|blob| self.blobs[blob].clone())
    }

    pub fn doc_on(&self, branch: &str) -> Option<String> {
        self.file_at(self.refs.get(branch)?, DOC_PATH)
    }

    /// Another run's work: the bot's branch on a bot commit carrying `doc`.
    pub fn branch_as_bot(&mut self, branch: &str, doc: &str) -> String {
        let base = self.refs[&self.default_branch].clone();
        let bot = self.bot();
        let sha = self.commit_file(Some(&base), &bot, DOC_PATH, doc);
        self.set_ref(branch, &sha);
        sha
    }

    /// Another run's work: an open pull request by the bot.
    pub fn pull_as_bot(&mut self, branch: &str, body: &str) -> u64 {
        let number = self.id();
        let pull = Pull {
            number,
            head: branch.to_string(),
            base: self.default_branch.clone(),
            head_sha: self.refs[branch].clone(),
            open: true,
            merged: false,
            title: "docs: update model coverage".into(),
            body: body.to_string(),
            user: self.bot(),
            labels: Vec::new(),
        };
        self.pulls.push(pull);
        number
    }

    /// Another run's work: a comment by the bot.
    pub fn comment_as_bot(&mut self, issue: u64, body: &str) -> u64 {
        let id = self.id();
        let user = self.bot();
        self.comments.push(Comment {
            id,
            issue,
            user,
            body: body.to_string(),
        });
        id
    }

    /// Whether the token may `level` (`read`/`write`) on `scope`.
    pub fn may(&self, scope: &str, level: &str) -> bool {
        let Some(permissions) = &self.permissions else {
            return true;
        };
        match permissions.get(scope).map(String::as_str) {
            Some("write") => true,
            Some("read") => level == "read",
            _ => false,
        }
    }

    /// Paths under `.github/workflows/` whose blob differs between two commits.
    pub fn workflow_changes(&self, old: &str, new: &str) -> Vec<String> {
        let files = |sha: &str| {
            self.commits
                .get(sha)
                .and_then(|c| self.trees.get(&c.tree))
                .cloned()
                .unwrap_or_default()
        };
        let (old, new) = (files(old), files(new));
        let mut paths: Vec<String> = old
            .keys()
            .chain(new.keys())
            .filter(|p| p.starts_with(".github/workflows/") && old.get(*p) != new.get(*p))
            .cloned()
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Deletes a branch the way GitHub does: open pull requests from it close.
    pub fn delete_branch(&mut self, branch: &str) -> bool {
        if self.refs.remove(branch).is_none() {
            return false;
        }
        for pull in &mut self.pulls {
            if pull.open && pull.head == branch {
                pull.open = false;
            }
        }
        true
    }

    fn ancestors(&self, sha: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![sha.to_string()];
        while let Some(sha) = stack.pop() {
            if let Some(commit) = self.commits.get(&sha) {
                if seen.insert(sha.clone()) {
                    stack.extend(commit.parents.iter().cloned());
                }
            }
        }
        seen
    }

    /// Commits reachable from `head` and not from `base`, oldest first.
    fn commits_between(&self, base: &str, head: &str) -> Vec<String> {
        let base_set = self.ancestors(base);
        let mut out = Vec::new();
        let mut sha = head.to_string();
        while !base_set.contains(&sha) {
            let Some(commit) = self.commits.get(&sha) else {
                break;
            };
            out.push(sha.clone());
            match commit.parents.first() {
                Some(parent) => sha = parent.clone(),
                None => break,
            }
        }
        out.reverse();
        out
    }

    /// A commit as the pull request commits and compare endpoints list it.
    fn commit_json(&self, sha: &str) -> Value {
        let commit = &self.commits[sha];
        let person = |login: &Option<String>| match login {
            Some(login) => json!({ "login": login }),
            None => Value::Null,
        };
        let name = |login: &Option<String>| login.clone().unwrap_or("Someone".into());
        json!({
            "sha": sha,
            "commit": {
                "author": { "name": name(&commit.author), "email": "x@example.com" },
                "committer": { "name": name(&commit.committer), "email": "x@example.com" },
                "message": commit.message,
            },
            "author": person(&commit.author),
            "committer": person(&commit.committer),
        })
    }

    fn pull_json(&self, pull: &Pull) -> Value {
        let head_sha = if pull.open {
            self.refs
                .get(&pull.head)
                .cloned()
                .unwrap_or(pull.head_sha.clone())
        } else {
            pull.head_sha.clone()
        };
        json!({
            "number": pull.number,
            "html_url": format!("https://github.com/{REPO}/pull/{}", pull.number),
            "state": if pull.open { "open" } else { "closed" },
            "title": pull.title,
            "body": pull.body,
            "merged_at": if pull.merged { json!("2026-01-01T00:00:00Z") } else { Value::Null },
            "user": { "login": pull.user },
            "head": { "ref": pull.head, "sha": head_sha, "label": format!("{OWNER}:{}", pull.head) },
            "base": { "ref": pull.base, "sha": self.refs.get(&pull.base) },
            "labels": pull.labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
        })
    }

    /// Moves a branch the way GitHub does: a pull request whose head lands on its base closes.
    fn set_ref(&mut self, branch: &str, sha: &str) {
        self.refs.insert(branch.to_string(), sha.to_string());
        for index in 0..self.pulls.len() {
            let pull = &self.pulls[index];
            if pull.open && pull.head == branch {
                let base_head = self.refs.get(&pull.base).cloned().unwrap_or_default();
                if self.ancestors(&base_head).contains(sha) {
                    self.pulls[index].open = false;
                }
                self.pulls[index].head_sha = sha.to_string();
            }
        }
    }
}

#[derive(Clone)]
pub struct FakeGitHub {
    pub server: Arc<MockServer>,
    pub state: Arc<Mutex<State>>,
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let latency = state.latency;
        handle(&mut state, request).set_delay(latency)
    }
}

impl FakeGitHub {
    /// A repository `o/r` whose `main` has the doc, a README and a workflow file.
    pub async fn start(doc: &str) -> FakeGitHub {
        let state = Arc::new(Mutex::new(State::new(doc)));
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Responder(state.clone()))
            .mount(&server)
            .await;
        FakeGitHub {
            server: Arc::new(server),
            state,
        }
    }

    /// Starts over with a fresh repository on the same server (a client built for this
    /// server keeps working; building one per case is what is slow).
    pub fn reset(&self, doc: &str) {
        *self.lock() = State::new(doc);
    }

    pub fn restore(&self, snapshot: &State) {
        *self.lock() = snapshot.snapshot();
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// A person's commit on `branch` setting `path` to `content`.
    pub fn push_as(&self, branch: &str, login: &str, path: &str, content: &str) -> String {
        let mut state = self.lock();
        let parent = state.refs.get(branch).cloned();
        let sha = state.commit_file(parent.as_deref(), login, path, content);
        state.set_ref(branch, &sha);
        sha
    }

    /// A person's push to `branch` (setting the doc to `content`) right before the next
    /// request to `route` is handled: between the bot's read and its write. The returned cell
    /// holds the pushed commit once it happened.
    pub fn push_before(
        &self,
        route: &'static str,
        branch: &'static str,
        login: &'static str,
        content: &'static str,
    ) -> Arc<Mutex<String>> {
        let pushed = Arc::new(Mutex::new(String::new()));
        let seen = pushed.clone();
        self.before(route, move |state| {
            let parent = state.refs[branch].clone();
            let sha = state.commit_file(Some(&parent), login, DOC_PATH, content);
            state.set_ref(branch, &sha);
            *seen.lock().unwrap() = sha;
        });
        pushed
    }

    pub fn fail(&self, route: &'static str, status: u16, times: Option<usize>) {
        self.lock().failures.push(Failure {
            route,
            status,
            remaining: times,
        });
    }

    /// Runs `action` on the state once, right before the next request to `route` is handled.
    pub fn before(&self, route: &'static str, action: impl FnMut(&mut State) + Send + 'static) {
        self.lock().hooks.push(Hook {
            route,
            action: Some(Box::new(action)),
        });
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    /// The `force` flag of every ref update sent (`PATCH /git/refs/…`, and each of a GraphQL
    /// `updateRefs`), in order.
    pub fn ref_moves(&self) -> Vec<Value> {
        self.lock()
            .log
            .iter()
            .flat_map(|l| match l.route {
                "update_ref" => vec![l.body["force"].clone()],
                "graphql" => l.body["variables"]["input"]["refUpdates"]
                    .as_array()
                    .map(|updates| updates.iter().map(|u| u["force"].clone()).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The `beforeOid` of every GraphQL ref update sent, in order.
    pub fn guarded_moves(&self) -> Vec<Value> {
        self.lock()
            .log
            .iter()
            .filter(|l| l.route == "graphql")
            .flat_map(|l| {
                l.body["variables"]["input"]["refUpdates"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|u| u["beforeOid"].clone())
            .collect()
    }

    /// Non-GET requests as `METHOD route`.
    pub fn writes(&self) -> Vec<String> {
        self.lock()
            .log
            .iter()
            .filter(|l| l.method != "GET")
            .map(|l| format!("{} {}", l.method, l.route))
            .collect()
    }

    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    pub fn open_pulls(&self) -> Vec<Pull> {
        self.lock()
            .pulls
            .iter()
            .filter(|p| p.open)
            .cloned()
            .collect()
    }

    pub fn pull(&self, number: u64) -> Pull {
        self.lock()
            .pulls
            .iter()
            .find(|p| p.number == number)
            .cloned()
            .unwrap()
    }

    pub fn comments_on(&self, number: u64) -> Vec<Comment> {
        self.lock()
            .comments
            .iter()
            .filter(|c| c.issue == number)
            .cloned()
            .collect()
    }

    /// Merges a pull request by fast-forwarding its base.
    pub fn merge(&self, number: u64) {
        let mut state = self.lock();
        let index = state.pulls.iter().position(|p| p.number == number).unwrap();
        let head = state.refs[&state.pulls[index].head].clone();
        let base = state.pulls[index].base.clone();
        state.refs.insert(base, head.clone());
        let pull = &mut state.pulls[index];
        pull.open = false;
        pull.merged = true;
        pull.head_sha = head;
    }

    pub fn close(&self, number: u64) {
        let mut state = self.lock();
        let pull = state.pulls.iter_mut().find(|p| p.number == number).unwrap();
        pull.open = false;
    }

    /// Sets the doc on `main` with a commit by `login`.
    pub fn edit_base_doc(&self, login: &str, content: &str) -> String {
        self.push_as("main", login, DOC_PATH, content)
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
    }))
}

fn route_of(method: &str, parts: &[&str]) -> &'static str {
    let repo: Vec<&str> = REPO.split('/').collect();
    if parts == ["user"] {
        return "get_user";
    }
    if method == "POST" && matches!(parts, ["graphql"] | ["api", "graphql"]) {
        return "graphql";
    }
    if parts.len() < 3 || parts[0] != "repos" || parts[1] != repo[0] || parts[2] != repo[1] {
        return "unknown";
    }
    let rest = &parts[3..];
    match (method, rest) {
        ("GET", []) => "get_repo",
        ("GET", ["git", "ref", "heads", ..]) => "get_ref",
        ("GET", ["git", "commits", _]) => "get_commit",
        ("GET", ["contents", ..]) => "get_contents",
        ("GET", ["compare", _]) => "compare",
        ("GET", ["pulls"]) => "list_pulls",
        ("GET", ["pulls", _, "commits"]) => "list_pull_commits",
        ("GET", ["issues", _, "comments"]) => "list_comments",
        ("POST", ["git", "blobs"]) => "create_blob",
        ("POST", ["git", "trees"]) => "create_tree",
        ("POST", ["git", "commits"]) => "create_commit",
        ("POST", ["git", "refs"]) => "create_ref",
        ("PATCH", ["git", "refs", "heads", ..]) => "update_ref",
        ("DELETE", ["git", "refs", "heads", ..]) => "delete_ref",
        ("POST", ["pulls"]) => "create_pull",
        ("PATCH", ["pulls", _]) => "update_pull",
        ("POST", ["issues", _, "labels"]) => "add_labels",
        ("POST", ["issues", _, "comments"]) => "create_comment",
        ("PATCH", ["issues", "comments", _]) => "update_comment",
        ("DELETE", ["issues", "comments", _]) => "delete_comment",
        _ => "unknown",
    }
}

/// One request, parsed: what the resource handlers read.
pub(super) struct Call<'r> {
    pub route: &'static str,
    /// The path after `/repos/o/r/`.
    pub rest: Vec<&'r str>,
    pub query: HashMap<String, String>,
    pub body: Value,
    pub request: &'r Request,
    /// Who the token commits and comments as.
    pub bot: String,
}

fn handle(state: &mut State, request: &Request) -> ResponseTemplate {
    let method = request.method.to_string();
    // A GitHub Enterprise Server API lives under `/api/v3`.
    let path = decode(request.url.path());
    let path = path.strip_prefix("/api/v3").unwrap_or(&path).to_string();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let route = route_of(&method, &parts);
    let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    log(state, request, route, &body);
    let auth = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Some(refused) = refuse_request(request, &auth) {
        return refused;
    }
    if let Some(failure) = injected_failure(state, route, &auth) {
        return failure;
    }
    run_hooks(state, route);
    let rest: Vec<&str> = parts.iter().skip(3).copied().collect();
    let bot = state.bot();
    if let Some(refused) = permission_gate(state, route) {
        return refused;
    }
    if let Some(text) = body.get("body").and_then(Value::as_str) {
        if text.chars().count() > MAX_BODY_CHARS {
            return ResponseTemplate::new(422).set_body_json(json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "Issue", "code": "custom", "field": "body",
                             "message": "body is too long (maximum is 65536 characters)" }],
            }));
        }
    }
    let call = Call {
        route,
        rest,
        query,
        body,
        request,
        bot,
    };
    match route {
        "get_user" => match (&state.app_login, &state.token_login) {
            (None, Some(login)) => {
                ResponseTemplate::new(200).set_body_json(json!({ "login": login }))
            }
            _ => error(403, "Resource not accessible by integration"),
        },
        "get_repo" => ResponseTemplate::new(200).set_body_json(json!({
            "full_name": REPO,
            "node_id": REPO_NODE_ID,
            "default_branch": state.default_branch,
        })),
        "graphql" => graphql::graphql(state, &call),
        "get_commit" | "get_contents" | "compare" => git::object_reads(state, &call),
        "create_blob" | "create_tree" | "create_commit" => git::object_writes(state, &call),
        "get_ref" | "create_ref" | "update_ref" | "delete_ref" => git::refs(state, &call),
        "list_pulls" | "list_pull_commits" => pulls::pull_reads(state, &call),
        "create_pull" | "update_pull" => pulls::pull_writes(state, &call),
        "list_comments" | "add_labels" | "create_comment" | "update_comment" | "delete_comment" => {
            issues::issues(state, &call)
        }
        _ => error(404, "Not Found"),
    }
}

fn log(state: &mut State, request: &Request, route: &'static str, body: &Value) {
    state.log.push(Logged {
        method: request.method.to_string(),
        path: match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_string(),
        },
        route,
        body: body.clone(),
        at: std::time::Instant::now(),
        user_agents: request
            .headers
            .get_all("user-agent")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect(),
    });
}

/// What GitHub answers before looking at the route: no `User-Agent`, bad credentials, no API
/// version.
fn refuse_request(request: &Request, auth: &str) -> Option<ResponseTemplate> {
    if request.headers.get("user-agent").is_none() {
        // GitHub refuses requests without one.
        return Some(error(
            403,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        ));
    }
    if auth != format!("Bearer {TOKEN}") {
        return Some(error(401, "Bad credentials"));
    }
    let version = request
        .headers
        .get("x-github-api-version")
        .and_then(|v| v.to_str().ok());
    (version != Some("2022-11-28")).then(|| error(400, "missing X-GitHub-Api-Version"))
}

/// The next failure a test injected for `route`, as GitHub would send it: a secondary rate
/// limit (with [`State::secondary_limit`]) names itself, keeps requests remaining and sends
/// `retry-after` only when [`State::retry_after`] is set, as GitHub often does not.
fn injected_failure(state: &mut State, route: &str, auth: &str) -> Option<ResponseTemplate> {
    let index = state.failures.iter().position(|f| f.route == route)?;
    let failure = &mut state.failures[index];
    let status = failure.status;
    if let Some(remaining) = failure.remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            state.failures.remove(index);
        }
    }
    let secondary = matches!(status, 403 | 429) && state.secondary_limit;
    let message = if secondary {
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            .to_string()
    } else if state.echo_auth_in_errors {
        format!("injected failure for {auth}")
    } else {
        "injected failure".to_string()
    };
    let mut template = error(status, &message);
    if secondary {
        template = template.insert_header("x-ratelimit-remaining", "4999");
    }
    if let (429, _) | (_, true) = (status, secondary) {
        if let Some(after) = state.retry_after {
            template = template.insert_header("retry-after", after.to_string().as_str());
        }
    }
    Some(template)
}

/// Runs the hooks registered for `route` (each once).
fn run_hooks(state: &mut State, route: &str) {
    let mut ran = Vec::new();
    for hook in state.hooks.iter_mut() {
        if hook.route == route {
            if let Some(action) = hook.action.take() {
                ran.push(action);
            }
        }
    }
    for mut action in ran {
        action(state);
    }
    state.hooks.retain(|h| h.action.is_some());
}

/// The strings of a request's JSON array (`parents`, `labels`); none when it is absent.
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// GitHub's answer to a call the token's permissions do not cover (reads need `read`, writes
/// `write`, of the scope GitHub names in `X-Accepted-GitHub-Permissions`).
fn permission_gate(state: &State, route: &str) -> Option<ResponseTemplate> {
    let accepted = match route {
        "get_repo" | "get_ref" | "get_commit" | "get_contents" | "compare" => "contents=read",
        "list_pulls" | "list_pull_commits" => "pull_requests=read",
        "list_comments" => "issues=read; pull_requests=read",
        "create_blob" | "create_tree" | "create_commit" | "create_ref" | "update_ref"
        | "delete_ref" => "contents=write",
        "create_pull" | "update_pull" => "pull_requests=write",
        "add_labels" | "create_comment" | "update_comment" | "delete_comment" => {
            "issues=write; pull_requests=write"
        }
        _ => return None,
    };
    let allowed = accepted.split("; ").any(|set| {
        set.split(',').all(|pair| {
            let (scope, level) = pair.split_once('=').unwrap();
            state.may(scope, level)
        })
    });
    (!allowed).then(|| {
        error(403, "Resource not accessible by integration")
            .insert_header("x-accepted-github-permissions", accepted)
    })
}

/// GitHub refuses to move a ref when the change brings in `.github/workflows/` edits and the
/// token lacks the `workflows` permission, in the words and with the status of
/// [`State::workflow_refusal`].
fn workflows_rule(state: &State, old: &str, new: &str) -> Option<ResponseTemplate> {
    let message = workflow_refusal_message(state, old, new)?;
    Some(error(state.workflow_refusal.1, &message))
}

/// GitHub's words for refusing a ref change that brings in `.github/workflows/` edits without
/// the `workflows` permission, for the kind of token of [`State::workflow_refusal`].
fn workflow_refusal_message(state: &State, old: &str, new: &str) -> Option<String> {
    if state.may("workflows", "write") {
        return None;
    }
    let changed = state.workflow_changes(old, new);
    let first = changed.first()?;
    let message = match state.workflow_refusal.0 {
        TokenKind::App => format!(
            "refusing to allow a GitHub App to create or update workflow `{first}` without \
             `workflows` permission"
        ),
        TokenKind::Pat => format!(
            "refusing to allow a Personal Access Token to create or update workflow `{first}` \
             without `workflow` scope"
        ),
        TokenKind::OAuth => format!(
            "refusing to allow an OAuth App to create or update workflow `{first}` without \
             `workflow` scope"
        ),
    };
    Some(message)
}

/// The commits of `base...head` as `GET /compare` lists them (oldest first).
fn compare_json(state: &State, base: &str, head: &str) -> Value {
    let commits: Vec<Value> = state
        .commits_between(base, head)
        .into_iter()
        .map(|sha| state.commit_json(&sha))
        .collect();
    json!({
        "status": "ahead",
        "ahead_by": commits.len(),
        "total_commits": commits.len(),
        "commits": commits,
    })
}

fn paginate(
    state: &State,
    request: &Request,
    query: &HashMap<String, String>,
    items: Vec<Value>,
) -> ResponseTemplate {
    let per_page = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30usize)
        .min(state.page_size);
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
    let mut template = ResponseTemplate::new(200).set_body_json(slice);
    if start + per_page < items.len() {
        let mut next = request.url.clone();
        next.query_pairs_mut()
            .clear()
            .append_pair("per_page", &per_page.to_string())
            .append_pair("page", &(page + 1).to_string());
        template = template.insert_header("link", format!("<{next}>; rel=\"next\"").as_str());
    }
    template
}
