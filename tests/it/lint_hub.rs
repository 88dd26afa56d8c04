//! The dataset's tags read from the Hub, as the shipped action reads them (no `--trace-dir`):
//! the definition files of the listing the run loaded its index from, fetched at the listed
//! commit and cached by blob oid in track-models' own state folder. A loopback Hub serves the
//! listing (the tree API with `oid` and `size`, as the real one answers) and the files at
//! `/datasets/{repo}/resolve/{sha}/{path}` (huggingface_hub's `hf_hub_url` for a dataset).

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{mount_hub_dataset_sha, mount_hub_tree, stderr};

const DATASET: &str = "flashinfer-ai/flashinfer-trace";
const SHA_1: &str = "1111111111111111111111111111111111111111";
const SHA_2: &str = "2222222222222222222222222222222222222222";
const TOKEN: &str = "hf_LintTagsSecretQq7Zz";
const DOC: &str = "## Summary\n\n| Model | Architecture | Coverage |\n|---|---|---|\n| Llama 3.1 8B | GQA | ✅ Fully covered |\n\n## Llama 3.1 8B\n\n| Definition | Op Type | Status |\n|---|---|:---:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n\n**Coverage**: 1 / 1 definitions present.\n";

/// One file of the fake dataset: its path, body, and the size the tree lists.
#[derive(Clone)]
struct File {
    path: String,
    body: String,
    listed_size: u64,
}

impl File {
    /// A definition in the shape of the real dataset's files (name, description, op_type,
    /// tags, axes, inputs, outputs, reference), not copied from one.
    fn definition(op: &str, name: &str, tags: &[&str]) -> File {
        let body = json!({
            "name": name,
            "description": format!("{op} captured for the lint's tests."),
            "op_type": op,
            "tags": tags,
            "axes": {"M": {"type": "var", "description": "Tokens."}},
            "inputs": {"A": {"shape": ["M"], "dtype": "bfloat16"}},
            "outputs": {"C": {"shape": ["M"], "dtype": "bfloat16"}},
            "reference": "def run(A):\n    return A\n",
        });
        let body = serde_json::to_string_pretty(&body).unwrap();
        File {
            path: format!("definitions/{op}/{name}.json"),
            listed_size: body.len() as u64,
            body,
        }
    }

    /// A 40-hex blob id that changes with the content (the Hub's is git's SHA-1 of it).
    fn oid(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!("blob {}\0", self.body.len()));
        hasher.update(&self.body);
        let digest = hasher.finalize();
        digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
    }
}

/// The dataset at its first commit: two traced definitions of Llama 3.1 8B the doc does not
/// list, one it lists, one of an untracked model, one without model tags, and one the tree
/// lists as 2 MiB (never requested).
fn dataset() -> Vec<File> {
    let mut huge = File::definition("gemm", "gemm_n9_k9", &["model:llama-3.1-8b"]);
    huge.listed_size = 2 << 20;
    vec![
        File::definition(
            "rmsnorm",
            "rmsnorm_h4096",
            &["status:verified", "model:llama-3.1-8b"],
        ),
        File::definition("gemm", "gemm_n6144_k4096", &["model:llama-3.1-8b", "tp:1"]),
        File::definition(
            "gqa_paged",
            "gqa_paged_decode_h8_kv2_d128_ps1",
            &["model:llama-3.1-8b", "tp:4"],
        ),
        File::definition("gemm", "gemm_n5120_k4096", &["model:qwen3-14b"]),
        File::definition("gemm", "gemm_n1_k1", &["status:verified"]),
        huge,
    ]
}

/// Serves `files` as the dataset at `sha`; `broken` answers 500 for that path.
async fn mount(server: &MockServer, sha: &str, files: &[File], broken: Option<&str>) {
    mount_hub_dataset_sha(server, DATASET, sha).await;
    let entries: Vec<Value> = files
        .iter()
        .map(|f| json!({"type": "file", "oid": f.oid(), "size": f.listed_size, "path": f.path}))
        .chain([json!({"type": "directory", "oid": "d0", "size": 0, "path": "definitions/gemm"})])
        .collect();
    mount_hub_tree(server, DATASET, sha, "definitions", Value::Array(entries)).await;
    let workloads = json!([
        {"type": "file", "oid": "w1", "size": 40, "path": "workloads/rmsnorm/rmsnorm_h4096.jsonl"}
    ]);
    mount_hub_tree(server, DATASET, sha, "workloads", workloads).await;
    for file in files {
        let route = format!("/datasets/{DATASET}/resolve/{sha}/{}", file.path);
        let answer = if broken == Some(file.path.as_str()) {
            ResponseTemplate::new(500).set_body_string("Internal Error")
        } else {
            ResponseTemplate::new(200)
                .insert_header("X-Repo-Commit", sha)
                .insert_header("ETag", format!("\"{}\"", file.oid()))
                .set_body_string(file.body.clone())
        };
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(answer)
            .mount(server)
            .await;
    }
}

/// The paths of the definition files requested so far (`…/resolve/…`).
async fn file_requests(server: &MockServer) -> Vec<String> {
    let mut paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .filter(|p| p.starts_with("/datasets/"))
        .collect();
    paths.sort();
    paths
}

struct Workspace {
    dir: tempfile::TempDir,
    doc: PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("model_coverage.mdx");
        fs::write(&doc, DOC).unwrap();
        Workspace { dir, doc }
    }

    fn report_path(&self) -> PathBuf {
        self.dir.path().join("report.json")
    }

    /// `--refresh-status --check` with a JSON report and no `--trace-dir`, against `endpoint`.
    fn run(&self, endpoint: &str, offline: bool) -> Output {
        let _ = fs::remove_file(self.report_path());
        let mut command = Command::new(env!("CARGO_BIN_EXE_track-models"));
        command
            .args(["--refresh-status", "--check", "--doc"])
            .arg(&self.doc)
            .arg("--report-json")
            .arg(self.report_path())
            .env("HF_HOME", self.dir.path().join("hf-home"))
            .env("HF_ENDPOINT", endpoint)
            .env("HF_TOKEN", TOKEN)
            .env_remove("HF_HUB_CACHE")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY");
        if offline {
            command.env("HF_HUB_OFFLINE", "1");
        } else {
            command.env_remove("HF_HUB_OFFLINE");
        }
        let output = command.output().unwrap();
        assert!(!stderr(&output).contains(TOKEN), "{}", stderr(&output));
        output
    }

    fn lint(&self) -> Value {
        let text = fs::read_to_string(self.report_path()).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["lint"].clone()
    }

    fn state(&self) -> PathBuf {
        self.dir
            .path()
            .join("hf-home/track-models/datasets--flashinfer-ai--flashinfer-trace")
    }
}

fn finding(definition: &str, op: &str, tp: u32) -> Value {
    json!({"section": "Llama 3.1 8B", "line": 7, "definition": definition, "kind": "traced_not_listed",
           "message": format!("the dataset traced `{definition}` ({op}, TP={tp}) from `model:llama-3.1-8b`, which this section does not list"),
           "suggestion": null})
}

fn resolve(sha: &str, path: &str) -> String {
    format!("/datasets/{DATASET}/resolve/{sha}/{path}")
}

/// Cold: the five listed files under the cap are each requested once at the listed commit (the
/// one listed as 2 MiB never is, with a note), and the findings are exactly the two unlisted
/// traced definitions. Warm: no file is requested again. A new commit changing one file's
/// content fetches that file alone (and its new tag is a new finding). Offline: the cached
/// tags, no request; without the tags cache, a note says what is missing.
#[tokio::test(flavor = "multi_thread")]
async fn tags_from_the_hub_cold_warm_changed_offline() {
    let server = MockServer::start().await;
    let files = dataset();
    mount(&server, SHA_1, &files, None).await;
    let workspace = Workspace::new();

    let cold = workspace.run(&server.uri(), false);
    assert_eq!(cold.status.code(), Some(0), "{}", stderr(&cold));
    assert_eq!(
        workspace.lint(),
        json!([
            finding("gemm_n6144_k4096", "gemm", 1),
            finding("gqa_paged_decode_h8_kv2_d128_ps1", "gqa_paged", 4)
        ])
    );
    let mut expected: Vec<String> = files[..5].iter().map(|f| resolve(SHA_1, &f.path)).collect();
    expected.sort();
    assert_eq!(file_requests(&server).await, expected);
    assert!(
        stderr(&cold).contains(&format!(
            "note: lint: 1 definition file(s) of `{DATASET}` at `{SHA_1}` are over 1024 KiB and were not read (first: `definitions/gemm/gemm_n9_k9.json`)"
        )),
        "{}",
        stderr(&cold)
    );
    // Nothing in the hub cache: huggingface_hub's `scan_cache_dir` stays clean.
    let hub = workspace.dir.path().join("hf-home/hub");
    assert!(!hub.exists() || fs::read_dir(&hub).unwrap().count() == 0);
    assert!(workspace
        .state()
        .join("track-models-tags-v2.json")
        .is_file());

    let warm = workspace.run(&server.uri(), false);
    assert_eq!(warm.status.code(), Some(0), "{}", stderr(&warm));
    assert_eq!(
        file_requests(&server).await.len(),
        5,
        "a warm run fetches no file"
    );
    assert_eq!(workspace.lint().as_array().unwrap().len(), 2);

    // The next commit: `gemm_n1_k1` now carries Llama's tags; every other blob is unchanged.
    let changed = MockServer::start().await;
    let mut next = files.clone();
    next[4] = File::definition("gemm", "gemm_n1_k1", &["model:llama-3.1-8b", "tp:2"]);
    mount(&changed, SHA_2, &next, None).await;
    let ran = workspace.run(&changed.uri(), false);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    assert_eq!(
        file_requests(&changed).await,
        vec![resolve(SHA_2, "definitions/gemm/gemm_n1_k1.json")]
    );
    assert_eq!(
        workspace.lint(),
        json!([
            finding("gemm_n1_k1", "gemm", 2),
            finding("gemm_n6144_k4096", "gemm", 1),
            finding("gqa_paged_decode_h8_kv2_d128_ps1", "gqa_paged", 4)
        ])
    );

    // Offline, on a port nobody listens on: the cached listing and tags.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let offline = workspace.run(&nowhere, true);
    assert_eq!(offline.status.code(), Some(0), "{}", stderr(&offline));
    assert_eq!(workspace.lint().as_array().unwrap().len(), 3);

    fs::remove_file(workspace.state().join("track-models-tags-v2.json")).unwrap();
    let incomplete = workspace.run(&nowhere, true);
    assert_eq!(incomplete.status.code(), Some(0), "{}", stderr(&incomplete));
    assert_eq!(workspace.lint(), json!([]));
    assert!(
        stderr(&incomplete).contains(&format!(
            "note: lint: offline: the tags of 5 of 6 definition file(s) of `{DATASET}` at `{SHA_2}` are not cached; `traced_not_listed` findings may be incomplete"
        )),
        "{}",
        stderr(&incomplete)
    );
}

/// A file the Hub answers 500 for (after the client's retries) is a note naming its URL; the
/// other files' findings stand and the exit code is the one the run has without it. The file
/// is not cached as unusable: the next run asks for it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_on_one_file_is_a_note() {
    let server = MockServer::start().await;
    let files = dataset();
    let broken = "definitions/gqa_paged/gqa_paged_decode_h8_kv2_d128_ps1.json";
    mount(&server, SHA_1, &files, Some(broken)).await;
    let workspace = Workspace::new();

    let ran = workspace.run(&server.uri(), false);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    assert_eq!(
        workspace.lint(),
        json!([finding("gemm_n6144_k4096", "gemm", 1)])
    );
    let url = format!("{}{}", server.uri(), resolve(SHA_1, broken));
    let note = stderr(&ran)
        .lines()
        .find(|l| l.contains("could not be read from the Hub"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", stderr(&ran)));
    assert!(
        note.starts_with(&format!("note: lint: 1 definition file(s) of `{DATASET}` could not be read from the Hub; their tags are missing (first: "))
            && note.contains(&url)
            && note.contains("500"),
        "{note}"
    );
    let tries = file_requests(&server)
        .await
        .iter()
        .filter(|p| p.ends_with(broken))
        .count();
    assert_eq!(tries, 5, "the client's five tries");

    server.reset().await;
    mount(&server, SHA_1, &files, None).await;
    let again = workspace.run(&server.uri(), false);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(file_requests(&server).await, vec![resolve(SHA_1, broken)]);
    assert_eq!(workspace.lint().as_array().unwrap().len(), 2);
}

/// A listing cached before blob ids were kept (no `definition_files`) still reads; the tags
/// need the ids, so the definitions folder is listed again once (the file tags stay cached).
#[tokio::test(flavor = "multi_thread")]
async fn an_older_cached_listing_is_listed_again_once() {
    let server = MockServer::start().await;
    mount(&server, SHA_1, &dataset(), None).await;
    let workspace = Workspace::new();
    let cold = workspace.run(&server.uri(), false);
    assert_eq!(cold.status.code(), Some(0), "{}", stderr(&cold));

    let stored = workspace
        .state()
        .join("track-models-listing")
        .join(format!("{SHA_1}.json"));
    let mut listing: Value = serde_json::from_str(&fs::read_to_string(&stored).unwrap()).unwrap();
    listing.as_object_mut().unwrap().remove("definition_files");
    fs::write(&stored, listing.to_string()).unwrap();
    server.reset().await;
    mount(&server, SHA_1, &dataset(), None).await;

    for _ in 0..2 {
        let warm = workspace.run(&server.uri(), false);
        assert_eq!(warm.status.code(), Some(0), "{}", stderr(&warm));
        assert_eq!(workspace.lint().as_array().unwrap().len(), 2);
    }
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    let trees = paths.iter().filter(|p| p.contains("/tree/")).count();
    assert_eq!(trees, 1, "{paths:?}");
    assert_eq!(file_requests(&server).await, Vec::<String>::new());
}

/// A discovery run reads the dataset's tags once, for discovery's `dataset` source and for the
/// lint at its end: the file the Hub fails on is tried five times (one reading), not ten, and
/// noted once. Every other service is the same fake, which knows none of their paths.
#[tokio::test(flavor = "multi_thread")]
async fn a_discovery_run_reads_the_tags_once() {
    let server = MockServer::start().await;
    let files = dataset();
    let broken = "definitions/gqa_paged/gqa_paged_decode_h8_kv2_d128_ps1.json";
    mount(&server, SHA_1, &files, Some(broken)).await;
    let workspace = Workspace::new();
    let output = Command::new(env!("CARGO_BIN_EXE_track-models"))
        .args(["--discover", "--max-new", "0", "--today", "2026-11-20"])
        .args(["--dry-run", "--doc"])
        .arg(&workspace.doc)
        .arg("--report-json")
        .arg(workspace.report_path())
        .env("HF_HOME", workspace.dir.path().join("hf-home"))
        .env("HF_ENDPOINT", server.uri())
        .env("HF_ROUTER_URL", server.uri())
        .env("OPENROUTER_API_URL", server.uri())
        .env("GITHUB_API_URL", server.uri())
        .env_remove("HF_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let tries = file_requests(&server)
        .await
        .iter()
        .filter(|p| p.ends_with(broken))
        .count();
    assert_eq!(tries, 5, "one reading: the client's five tries");
    let notes = stderr(&output)
        .lines()
        .filter(|l| l.contains("could not be read from the Hub"))
        .count();
    assert_eq!(notes, 1, "{}", stderr(&output));
    assert_eq!(
        workspace.lint(),
        json!([finding("gemm_n6144_k4096", "gemm", 1)])
    );
}
