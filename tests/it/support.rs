//! Shared test fixtures: the bundled dataset snapshot, fixture docs, running the binary, and the
//! Hub client set-up and answers the loopback fakes share.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use track_models::api::dataset::DefinitionIndex;
use track_models::api::doc::{CoverageDoc, DocError};
use track_models::api::onboard::ModelRequest;
use track_models::api::plan::{
    onboarding_base, plan_run, Job, Onboard, Plan, RunPlan, ServingConfigs,
};
use track_models::api::sources::hf::{HfConfig, RetryPolicy};
use track_models::api::sources::trace_dir;
use wiremock::ResponseTemplate;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The dataset snapshot bundled with the example workspace.
pub fn trace_dir() -> PathBuf {
    root().join("examples/workspace/flashinfer-trace")
}

pub fn index() -> DefinitionIndex {
    trace_dir::load(&trace_dir()).expect("the bundled trace dir loads")
}

/// A Hub client configuration for loopback fakes: tiny retry waits, short timeouts; never reads
/// the environment.
pub fn hf_config(endpoint: &str, cache: &Path) -> HfConfig {
    let mut config = HfConfig::new(endpoint, cache);
    config.timeout = Duration::from_secs(5);
    config.connect_timeout = Duration::from_secs(1);
    config.retry = RetryPolicy {
        max_tries: 5,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_rate_limit_wait: Duration::from_secs(3),
    };
    config
}

/// The Hub's `200` for a `config.json` at commit `sha`: the commit and the blob id in the headers,
/// as huggingface_hub reads them.
pub fn config_answer(sha: &str, etag: &str, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("X-Repo-Commit", sha)
        .insert_header("ETag", format!("\"{etag}\""))
        .set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A temp folder holding `doc` as `model_coverage.mdx`, and that file's path; the folder goes
/// when the `TempDir` drops.
pub fn workspace(doc: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_coverage.mdx");
    std::fs::write(&path, doc).unwrap();
    (dir, path.to_str().unwrap().to_string())
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures").join(path)).expect("fixture exists")
}

/// Runs the binary offline, with an empty HF home of its own (never the developer's cache) and
/// no GitHub or Hub credentials or endpoints from the environment.
pub fn track_models(args: &[&str]) -> Output {
    track_models_env(args, &[])
}

/// [`track_models`] with `env` set on top (e.g. `GITHUB_ACTIONS` and `GITHUB_STEP_SUMMARY`).
pub fn track_models_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("a temp HF home");
    Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", home.path())
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

/// Where rendered pull request texts point in tests: `o/r`, its bot branch, `main`.
pub fn render_context() -> track_models::api::publish::render::RenderContext<'static> {
    track_models::api::publish::render::RenderContext {
        repository: "o/r",
        branch: "track-models/coverage",
        base: "main",
        doc_path: "docs/model_coverage.mdx",
        server_url: "https://github.com",
        content_hash: "sha256:ab",
    }
}

/// `--sglang-dir` / `--cookbook-dir` arguments naming a quiet, minimal serving-data source
/// (`tests/fixtures/sglang-min`), for runs whose stderr a test asserts exactly.
pub fn quiet_serving_args() -> [String; 4] {
    let min = root().join("tests/fixtures/sglang-min");
    [
        "--sglang-dir".to_string(),
        min.display().to_string(),
        "--cookbook-dir".to_string(),
        min.join("cookbook").display().to_string(),
    ]
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The planning core's refresh job on a doc's text, keeping every row for the report (what
/// `--refresh-status` runs when a report is read).
pub fn plan_refresh(text: &str, index: &DefinitionIndex) -> Result<Plan, DocError> {
    let doc = CoverageDoc::parse(text)?;
    Ok(plan_run(&doc, index, Job::Refresh { rows: true })?.plan)
}

/// The planning core's onboarding job on a doc's text, as `--model-name` runs it (no
/// discovery, no serving-config warnings).
pub fn plan_onboard(
    text: &str,
    requests: &[ModelRequest],
    index: &DefinitionIndex,
    sglang_supports: &dyn Fn(&str) -> bool,
    refresh_all: bool,
) -> Result<RunPlan, DocError> {
    let doc = CoverageDoc::parse(text)?;
    let existing = onboarding_base(&doc, index)?;
    let job = Job::Onboard(Onboard {
        existing: &existing,
        resolved: requests.iter().cloned().map(Ok).collect(),
        sglang_supports,
        refresh_all,
        discovered: None,
        problems: Vec::new(),
        serving_configs: ServingConfigs {
            warnings: &[],
            files: &|_| Vec::new(),
        },
        verbose: false,
    });
    plan_run(&doc, index, job)
}

/// A temporary folder holding a doc (`model_coverage.mdx`) and what a run writes next to it:
/// `report.json`, its own HF home (`hf-home`). Shared by the test files that run the binary on
/// a doc and read it back.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub doc: PathBuf,
}

impl Workspace {
    pub fn new(doc: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model_coverage.mdx");
        std::fs::write(&path, doc).unwrap();
        Workspace { dir, doc: path }
    }

    /// A file in the workspace folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The doc as the last run left it.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.doc).unwrap()
    }

    /// The `report.json` of the last [`Workspace::command`] run.
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.path("report.json")).unwrap()).unwrap()
    }

    /// The binary with `args` on this doc and the bundled trace dir, writing `report.json`;
    /// offline against an unreachable Hub, with the workspace's HF home and no credentials or
    /// Actions variables from the environment. Callers add or override what they test.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_track-models"));
        command
            .args(args)
            .arg("--doc")
            .arg(&self.doc)
            .arg("--trace-dir")
            .arg(trace_dir())
            .arg("--report-json")
            .arg(self.path("report.json"))
            .env("HF_HOME", self.path("hf-home"))
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_ENDPOINT", "http://127.0.0.1:9")
            .env_remove("HF_HUB_CACHE")
            .env_remove("HF_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY");
        command
    }
}

// ---------------------------------------------------------------- the fake Hub (wiremock)

/// `GET` (the file) and `HEAD` (its metadata: commit and weak ETag) of
/// `/{repo}/resolve/main/config.json` at `sha`, as the Hub answers them.
pub async fn mount_hub_config(
    server: &wiremock::MockServer,
    repo: &str,
    sha: &str,
    etag: &str,
    body: &str,
) {
    use wiremock::matchers::{method, path};
    let route = format!("/{repo}/resolve/main/config.json");
    wiremock::Mock::given(method("GET"))
        .and(path(route.clone()))
        .respond_with(config_answer(sha, etag, body))
        .mount(server)
        .await;
    wiremock::Mock::given(method("HEAD"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Repo-Commit", sha)
                .insert_header("ETag", format!("W/\"{etag}\"")),
        )
        .mount(server)
        .await;
}

/// The `config.json` of `tests/fixtures/configs/{folder}`.
pub fn fixture_config(folder: &str) -> String {
    fixture(&format!("configs/{folder}/config.json"))
}

/// Every `config.json` not mounted otherwise: 404 `RepoNotFound`, as the Hub answers for a repo
/// it does not have.
pub async fn mount_hub_configs_missing(server: &wiremock::MockServer) {
    use wiremock::matchers::path_regex;
    wiremock::Mock::given(path_regex("^/.+/resolve/main/config.json$"))
        .respond_with(ResponseTemplate::new(404).insert_header("X-Error-Code", "RepoNotFound"))
        .mount(server)
        .await;
}

/// `config.json` of `repo`: 401 `GatedRepo`, with the Hub's `message` as the body (none when
/// empty).
pub async fn mount_hub_gated(server: &wiremock::MockServer, repo: &str, message: &str) {
    use wiremock::matchers::path;
    let mut answer = ResponseTemplate::new(401).insert_header("X-Error-Code", "GatedRepo");
    if !message.is_empty() {
        answer = answer.set_body_string(message);
    }
    wiremock::Mock::given(path(format!("/{repo}/resolve/main/config.json")))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Discovery's lists and catalogs with nothing in them: the Hub's model lists (`/api/models`),
/// the HF router's (`/v1/models`) and OpenRouter's (`/models`) catalogs.
pub async fn mount_empty_discovery_lists(server: &wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("GET"))
        .and(path("/api/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(server)
        .await;
    for route in ["/v1/models", "/models"] {
        wiremock::Mock::given(method("GET"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "data": [] })),
            )
            .mount(server)
            .await;
    }
}

/// `GET /api/datasets/{repo}?expand[]=sha`: the dataset's current commit.
pub async fn mount_hub_dataset_sha(server: &wiremock::MockServer, repo: &str, sha: &str) {
    hub_dataset_sha(repo, sha).mount(server).await;
}

/// [`mount_hub_dataset_sha`]'s mock, for a caller that adds expectations.
pub fn hub_dataset_sha(repo: &str, sha: &str) -> wiremock::Mock {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("GET"))
        .and(path(format!("/api/datasets/{repo}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"_id": "x", "id": repo, "sha": sha})),
        )
}

/// `GET /api/datasets/{repo}/tree/{sha}/{folder}?recursive=true`: one page holding `entries`
/// (objects with `type`, `oid`, `size`, `path`, as the tree API answers).
pub async fn mount_hub_tree(
    server: &wiremock::MockServer,
    repo: &str,
    sha: &str,
    folder: &str,
    entries: serde_json::Value,
) {
    hub_tree(repo, sha, folder, entries).mount(server).await;
}

/// [`mount_hub_tree`]'s mock, for a caller that adds expectations or a priority.
pub fn hub_tree(repo: &str, sha: &str, folder: &str, entries: serde_json::Value) -> wiremock::Mock {
    use wiremock::matchers::{method, path, query_param};
    wiremock::Mock::given(method("GET"))
        .and(path(format!("/api/datasets/{repo}/tree/{sha}/{folder}")))
        .and(query_param("recursive", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(entries))
}

/// Tree entries for `paths` (relative to the dataset's root), each a file of 2 bytes with the
/// blob id `0`: a listing whose files are never downloaded.
pub fn tree_entries<S: AsRef<str>>(paths: &[S]) -> serde_json::Value {
    paths
        .iter()
        .map(|path| serde_json::json!({"type": "file", "oid": "0", "size": 2, "path": path.as_ref()}))
        .collect()
}

/// Runs the binary online against the Hub at `endpoint`, with `hf_home` as its HF home and no
/// GitHub or Hub credentials from the environment.
pub fn track_models_with_hub(args: &[&str], endpoint: &str, hf_home: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_track-models"));
    command
        .args(args)
        .env("HF_HOME", hf_home)
        .env("HF_ENDPOINT", endpoint);
    let unset = [
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "HF_HUB_OFFLINE",
        "HF_HUB_CACHE",
        "HF_TOKEN",
        "GITHUB_TOKEN",
    ];
    for name in unset {
        command.env_remove(name);
    }
    command.env("GITHUB_API_URL", "http://127.0.0.1:9");
    command.output().expect("the binary runs")
}

/// An endpoint nobody listens on: any request is refused.
pub fn closed_port_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Rate-limit waits for a GitHub client under test: `budget_secs` of budget, sleeps recorded
/// instead of slept (the returned list), a clock fixed at 1,000 s past the epoch.
pub fn recording_waits(
    budget_secs: u64,
) -> (
    track_models::api::github::rate_limit::Waits,
    std::sync::Arc<std::sync::Mutex<Vec<std::time::Duration>>>,
) {
    use std::sync::{Arc, Mutex};
    let slept = Arc::new(Mutex::new(Vec::new()));
    let record = slept.clone();
    let sleep: track_models::api::github::rate_limit::Sleep = Arc::new(move |wait| {
        record.lock().unwrap().push(wait);
        Box::pin(async {})
    });
    let waits = track_models::api::github::rate_limit::Waits::new(
        std::time::Duration::from_secs(budget_secs),
        sleep,
        Arc::new(|| 1_000),
    );
    (waits, slept)
}

/// For tests that run the binary as `nobody` when the suite runs as root (so that file
/// permissions apply): copies of the binary and of the bundled trace dir in a folder any user
/// may enter, since the checkout itself may sit in a folder only its owner can enter (a clone
/// under a `mktemp -d` folder, as CI makes).
pub struct Unprivileged {
    _dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub trace_dir: PathBuf,
}

impl Unprivileged {
    pub fn new() -> Unprivileged {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("track-models");
        std::fs::copy(env!("CARGO_BIN_EXE_track-models"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let trace = dir.path().join("flashinfer-trace");
        copy_tree(&trace_dir(), &trace);
        Unprivileged {
            _dir: dir,
            bin,
            trace_dir: trace,
        }
    }
}

/// Copies the folder `from` to `to`: folders readable and enterable by anyone, files readable.
fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

// ---------------------------------------------------------------- git repositories

/// Writes (`Some`) or deletes (`None`) `files` (paths in `repo`'s work tree) and commits them on
/// `HEAD` as `author` <test@example.invalid> at `seconds` past the epoch (author and committer
/// alike, so the history is the same on every run); returns the commit id.
pub fn git_commit(
    repo: &git2::Repository,
    author: &str,
    seconds: i64,
    message: &str,
    files: &[(&str, Option<&str>)],
) -> String {
    let workdir = repo.workdir().expect("a repository with a work tree");
    let mut index = repo.index().unwrap();
    for (path, text) in files {
        let full = workdir.join(path);
        match text {
            Some(text) => {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, text).unwrap();
                index.add_path(Path::new(path)).unwrap();
            }
            None => {
                std::fs::remove_file(&full).unwrap();
                index.remove_path(Path::new(path)).unwrap();
            }
        }
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature =
        git2::Signature::new(author, "test@example.invalid", &git2::Time::new(seconds, 0)).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .unwrap()
    .to_string()
}

/// The example workspace's SGLang snapshot as a git repository with dated commits, the newest
/// on `today` (`examples/workspace/make-sglang-repo.sh`), at `dir/sglang`.
pub fn example_sglang_repo(dir: &Path, today: &str) -> PathBuf {
    let repo = dir.join("sglang");
    let made = Command::new("bash")
        .arg(root().join("examples/workspace/make-sglang-repo.sh"))
        .arg(&repo)
        .arg(today)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    repo
}

// ---------------------------------------------------------------- work counted, not timed

/// The allocations one thread made during a call: a measure of the work the call did that is
/// the same on every run and every machine, whatever the load (a time is neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocations {
    /// Allocations and reallocations.
    pub count: u64,
    /// Bytes asked for by them (a reallocation counts its new size).
    pub bytes: u64,
}

/// `work()`'s result and the allocations this thread made during it (the test binary counts
/// every thread's own allocations through [`CountingAllocator`]).
pub fn allocations<T>(work: impl FnOnce() -> T) -> (T, Allocations) {
    let before = ALLOCATED.with(Cell::get);
    let result = work();
    let after = ALLOCATED.with(Cell::get);
    let counted = Allocations {
        count: after.count - before.count,
        bytes: after.bytes - before.bytes,
    };
    (result, counted)
}

thread_local! {
    /// This thread's allocations so far; `const`, so reading it never allocates.
    static ALLOCATED: Cell<Allocations> = const { Cell::new(Allocations { count: 0, bytes: 0 }) };
}

/// The system allocator, counting each thread's allocations in [`ALLOCATED`].
pub struct CountingAllocator;

#[global_allocator]
static COUNTING: CountingAllocator = CountingAllocator;

impl CountingAllocator {
    fn count(bytes: usize) {
        // A thread being torn down has no counter left; its allocations are nobody's test.
        let _ = ALLOCATED.try_with(|allocated| {
            let Allocations {
                count,
                bytes: total,
            } = allocated.get();
            allocated.set(Allocations {
                count: count + 1,
                bytes: total + bytes as u64,
            });
        });
    }
}

// SAFETY: every call is passed on unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: the caller's `layout` is valid for `alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count(new_size);
        // SAFETY: `ptr` came from this allocator (that is, from `System`) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (that is, from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}
