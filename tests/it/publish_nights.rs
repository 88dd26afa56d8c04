//! Nights on a replica of FlashInfer-Bench, run exactly as the shipped workflow runs them: the
//! job's `permissions:` become the fake token's, the run step's `with:` (evaluated for a
//! `workflow_dispatch`) and `action.yml`'s defaults become the `INPUT_*` variables `action.yml`
//! sets, and `action/run.sh` runs the real binary against the stateful fake GitHub and a
//! loopback Hub. No flag is added by hand; the only knob is `TRACK_MODELS_WRITE_INTERVAL_MS=0`
//! on nights that do not look at pacing.
//!
//! Most nights are `workflow_dispatch` runs with a `model-name` (`mode: model`); the scheduled
//! night (`mode: nightly`) runs discovery too, against loopback HF lists and provider catalogs
//! and the SGLang repository the same fake GitHub serves.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::live::git_fake::{GitFake, GitRepo};
use crate::publish::fake::{FakeGitHub, TokenKind, DOC_PATH, TOKEN};
use crate::support::{
    fixture, fixture_config, hub_tree, mount_empty_discovery_lists, mount_hub_config,
    mount_hub_dataset_sha, mount_hub_tree, root, trace_dir, tree_entries,
};

const BRANCH: &str = "track-models/coverage";
const DATASET: &str = "flashinfer-ai/flashinfer-trace";
const DATASET_SHA: &str = "5f0c1e2d3b4a59687766554433221100ffeeddcc";
const LLAMA: (&str, &str) = ("Llama 3.1 8B", "meta-llama/Llama-3.1-8B");
const QWEN: (&str, &str) = ("Qwen3 30B A3B", "Qwen/Qwen3-30B-A3B");
const GEMMA: (&str, &str) = ("Gemma 3 27B", "google/gemma-3-27b-it");
/// New in SGLang five days before the scheduled night, served at TP 8 / EP 8 by its `docs_new`
/// config.
const FLASH: (&str, &str) = ("DeepSeek V4 Flash", "deepseek-ai/DeepSeek-V4-Flash");

/// The parts of `.github/workflows/track-models.yml` a night depends on.
struct Workflow {
    /// The job's `permissions:` (`pull-requests` spelled `pull_requests`, as GitHub's
    /// permission names are).
    permissions: BTreeMap<String, String>,
    /// The `track` step's `with:`, unevaluated.
    with: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
}

fn yaml(path: &Path) -> Value {
    serde_norway::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

fn shipped_workflow() -> Workflow {
    let workflow = yaml(&root().join(".github/workflows/track-models.yml"));
    let job = &workflow["jobs"]["track"];
    let step = job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "track")
        .expect("the workflow's `track` step");
    assert_eq!(
        step["uses"], "./",
        "the step runs this repository's action.yml"
    );
    Workflow {
        permissions: strings(&job["permissions"])
            .into_iter()
            .map(|(k, v)| (k.replace('-', "_"), v))
            .collect(),
        with: strings(&step["with"]),
        env: strings(&workflow["env"]),
    }
}

/// A `workflow_dispatch` of the shipped workflow (no GitHub App configured).
#[derive(Clone, Default)]
struct Dispatch {
    model: (&'static str, &'static str),
    recreate: bool,
}

/// Evaluates the expressions the workflow uses; any other one fails the test (teach it here
/// when the workflow changes).
fn evaluate(value: &str, workflow: &Workflow, dispatch: &Dispatch) -> String {
    let Some(expression) = value
        .trim()
        .strip_prefix("${{")
        .and_then(|v| v.strip_suffix("}}"))
    else {
        assert!(!value.contains("${{"), "an expression inside `{value}`");
        return value.to_string();
    };
    match expression.trim() {
        "inputs.model-name != '' && 'model' || 'nightly'" => if dispatch.model.0.is_empty() {
            "nightly"
        } else {
            "model"
        }
        .into(),
        "inputs.model-name" => dispatch.model.0.into(),
        "inputs.hf-repo-id" => dispatch.model.1.into(),
        "inputs.dry-run == true" => "false".into(),
        "inputs.recreate == true" => dispatch.recreate.to_string(),
        "env.DOC" => workflow.env["DOC"].clone(),
        "steps.app-token.outputs.token || github.token" | "github.token" => TOKEN.into(),
        "secrets.HF_TOKEN" => String::new(),
        other if other.starts_with("steps.app-token.outputs.app-slug &&") => String::new(),
        other => panic!("the nights cannot evaluate `${{{{ {other} }}}}` yet"),
    }
}

/// One night: the repository as `actions/checkout` leaves it, the runner's files, the Hub.
struct Night<'a> {
    github: &'a FakeGitHub,
    hub: &'a MockServer,
    dir: tempfile::TempDir,
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
}

impl Ran {
    fn output(&self, name: &str) -> String {
        let plain = format!("{name}=");
        let mut lines = self.outputs.lines();
        while let Some(line) = lines.next() {
            if let Some(value) = line.strip_prefix(&plain) {
                return value.to_string();
            }
            if let Some(delimiter) = line.strip_prefix(&format!("{name}<<")) {
                let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
                return value.join("\n");
            }
        }
        panic!("no output `{name}` in {}", self.outputs)
    }

    /// The token shows only in the `::add-mask::` line Actions needs.
    fn assert_token_masked(&self) {
        for text in [&self.stdout, &self.stderr, &self.outputs, &self.summary] {
            for line in text.lines() {
                assert!(
                    !line.contains(TOKEN) || line.starts_with("::add-mask::"),
                    "the token leaked: {line}"
                );
            }
        }
        assert!(self.stdout.contains(&format!("::add-mask::{TOKEN}")));
    }
}

impl<'a> Night<'a> {
    fn new(github: &'a FakeGitHub, hub: &'a MockServer) -> Night<'a> {
        Night {
            github,
            hub,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs the workflow's `track` step for `dispatch`: `action/run.sh` with the environment
    /// `action.yml` gives it, in a checkout of the base.
    fn run(&self, dispatch: &Dispatch, write_interval_ms: Option<u64>) -> Ran {
        let workflow = shipped_workflow();
        self.github.lock().permissions = Some(workflow.permissions.clone());
        let checkout = self.dir.path().join("checkout");
        let _ = fs::remove_dir_all(&checkout);
        fs::create_dir_all(checkout.join("docs")).unwrap();
        let base_doc = self.github.lock().doc_on("main").unwrap();
        fs::write(checkout.join(DOC_PATH), base_doc).unwrap();
        let runner_temp = self.dir.path().join("runner-temp");
        fs::create_dir_all(&runner_temp).unwrap();
        let outputs = self.dir.path().join("github-output");
        let summary = self.dir.path().join("step-summary");
        fs::write(&outputs, "").unwrap();
        fs::write(&summary, "").unwrap();

        let action = yaml(&root().join("action.yml"));
        let mut inputs = BTreeMap::new();
        for (name, spec) in action["inputs"].as_object().unwrap() {
            let value = match workflow.with.get(name) {
                Some(value) => value.clone(),
                None => spec["default"].as_str().unwrap_or_default().to_string(),
            };
            inputs.insert(name.clone(), evaluate(&value, &workflow, dispatch));
        }
        for name in workflow.with.keys() {
            assert!(
                inputs.contains_key(name),
                "the workflow passes an unknown input `{name}`"
            );
        }
        let step = action["runs"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "run")
            .unwrap();
        assert_eq!(step["run"], r#"bash "$GITHUB_ACTION_PATH/action/run.sh""#);
        let mut command = Command::new("bash");
        command
            .arg(root().join("action/run.sh"))
            .current_dir(&checkout)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", &checkout)
            .env("GITHUB_REPOSITORY", crate::publish::fake::REPO)
            .env("GITHUB_API_URL", self.github.uri())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("HF_ENDPOINT", self.hub.uri())
            .env("HF_ROUTER_URL", self.hub.uri())
            .env("OPENROUTER_API_URL", self.hub.uri())
            .env("HF_HOME", self.dir.path().join("hf-home"));
        if let Some(ms) = write_interval_ms {
            command.env("TRACK_MODELS_WRITE_INTERVAL_MS", ms.to_string());
        }
        for (name, value) in strings(&step["env"]) {
            let value = if let Some(input) = value
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
            {
                inputs[input].clone()
            } else if value == "${{ steps.install.outputs.bin }}" {
                env!("CARGO_BIN_EXE_track-models").to_string()
            } else if let Some(rest) = value.strip_prefix("${{ runner.temp }}") {
                format!("{}{rest}", runner_temp.display())
            } else {
                panic!("the nights cannot evaluate `{name}: {value}` yet")
            };
            command.env(name, value);
        }
        let output = command.output().unwrap();
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            outputs: fs::read_to_string(&outputs).unwrap(),
            summary: fs::read_to_string(&summary).unwrap(),
        }
    }
}

/// A loopback Hub serving the configs of the nights' models and the dataset's listing (the
/// bundled example dataset).
async fn hub() -> MockServer {
    let server = MockServer::start().await;
    for (repo, fixture) in [
        (LLAMA.1, LLAMA.1),
        (QWEN.1, QWEN.1),
        (GEMMA.1, GEMMA.1),
        (FLASH.1, "handmade/deepseek-v4"),
    ] {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        mount_hub_config(&server, repo, sha, "cfg", &fixture_config(fixture)).await;
    }
    // Discovery's lists and catalogs: nothing trending, no provider signal.
    mount_empty_discovery_lists(&server).await;
    mount_hub_dataset_sha(&server, DATASET, DATASET_SHA).await;
    for folder in ["definitions", "workloads"] {
        let mut files = Vec::new();
        collect(&trace_dir(), &trace_dir().join(folder), &mut files);
        mount_hub_tree(&server, DATASET, DATASET_SHA, folder, tree_entries(&files)).await;
    }
    server
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path: PathBuf = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// FlashInfer-Bench's replica: `main` holds the doc (no model yet), a README and a workflow;
/// the token is the Actions `GITHUB_TOKEN`. The same fake GitHub serves `sgl-project/sglang`
/// and `sgl-project/sgl-cookbook` (git repositories made here), which the shipped action reads
/// live for SGLang's model classes and serving sizes; the returned folder holds them.
async fn replica() -> (FakeGitHub, tempfile::TempDir) {
    replica_with(&fixture("refresh/empty-doc.mdx")).await
}

/// The empty doc with one hand-written model: `row` in the index table, `section` at the end.
fn empty_doc_with(row: &str, section: &str) -> String {
    let delimiter = "|-------|-------------|:--------:|\n";
    let mut doc = fixture("refresh/empty-doc.mdx").replace(delimiter, &format!("{delimiter}{row}"));
    doc.push_str(section);
    doc
}

/// [`replica`] whose `main` holds `doc`.
async fn replica_with(doc: &str) -> (FakeGitHub, tempfile::TempDir) {
    let github = FakeGitHub::start(doc).await;
    github.lock().token_login = None;
    let dir = tempfile::tempdir().unwrap();
    let sglang = GitRepo::init(&dir.path().join("sglang"));
    sglang.commit(
        "Model zoo",
        1_700_000_000,
        &[
            (
                "python/sglang/srt/models/llama.py",
                Some("class LlamaForCausalLM:\n    pass\n\n\nEntryClass = LlamaForCausalLM\n"),
            ),
            (
                "python/sglang/srt/models/qwen3_moe.py",
                Some("class Qwen3MoeForCausalLM:\n    pass\n\n\nEntryClass = Qwen3MoeForCausalLM\n"),
            ),
            (
                "python/sglang/srt/models/gemma3_mm.py",
                Some("class Gemma3ForConditionalGeneration:\n    pass\n\n\nEntryClass = Gemma3ForConditionalGeneration\n"),
            ),
        ],
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    sglang.commit(
        "Support DeepSeek V4",
        now - 5 * 86_400,
        &[
            (
                "python/sglang/srt/models/deepseek_v4.py",
                Some("class DeepseekV4ForCausalLM:\n    pass\n\n\nEntryClass = [DeepseekV4ForCausalLM]\n"),
            ),
            (
                "docs_new/src/snippets/configs/deepseek-ai/deepseek-v4.jsx",
                Some(concat!(
                    "export const config = {\n",
                    "  modelName: \"DeepSeek-V4\",\n",
                    "  modelNames: { \"flash|fp8\": \"deepseek-ai/DeepSeek-V4-Flash\" },\n",
                    "  cells: [\n",
                    "    {\n",
                    "      match: { hw: \"h200\", variant: \"flash\", quant: \"fp8\", strategy: \"default\", nodes: \"single\" },\n",
                    "      flags: [\"--model-path {{MODEL_NAME}}\", \"--tp 8\", \"--ep 8\"],\n",
                    "    },\n",
                    "  ],\n",
                    "};\n",
                )),
            ),
        ],
    );
    let cookbook = GitRepo::init(&dir.path().join("cookbook"));
    cookbook.commit(
        "Serving configs",
        1_700_000_000,
        &[(
            "data/models/generated/v0.5.10/qwen3.yaml",
            Some("families:\n  - name: Qwen3\n    models:\n      - model_path: Qwen/Qwen3-235B-A22B\n        hardware:\n          H200:\n            configurations:\n              - name: default\n                engine:\n                  tp: 8\n                  ep: 8\n"),
        )],
    );
    let repos = GitFake::default();
    repos.add("sgl-project/sglang", &sglang.dir);
    repos.add("sgl-project/sgl-cookbook", &cookbook.dir);
    repos.mount(&github.server, "sgl-project").await;
    (github, dir)
}

/// Runs `dispatch` again on a repository where everything is in place: no write, no
/// operation, the same one pull request, the token masked.
fn a_quiet_night(night: &Night<'_>, github: &FakeGitHub, dispatch: &Dispatch, pull: u64) {
    github.clear_log();
    let quiet = night.run(dispatch, Some(0));
    assert_eq!(quiet.code, Some(0), "{}", quiet.stderr);
    assert_eq!(
        github.writes(),
        Vec::<String>::new(),
        "a quiet night writes nothing"
    );
    assert_eq!(quiet.output("pull-request-operation"), "none");
    assert_eq!(open_pull(github).number, pull);
    quiet.assert_token_masked();
}

fn open_pull(github: &FakeGitHub) -> crate::publish::fake::Pull {
    let open = github.open_pulls();
    assert_eq!(open.len(), 1, "exactly one open pull request: {open:?}");
    open[0].clone()
}

fn llama() -> Dispatch {
    Dispatch {
        model: LLAMA,
        ..Dispatch::default()
    }
}

fn qwen() -> Dispatch {
    Dispatch {
        model: QWEN,
        ..Dispatch::default()
    }
}

/// The nightly schedule: no model input, so `mode: nightly`.
fn scheduled() -> Dispatch {
    Dispatch::default()
}

/// The first night: branch, commit, pull request, the sticky comment, then the labels
/// (created, since the workflow grants `issues: write`), every write at least 1 s after the
/// previous one. The second night finds everything in place and writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn first_night_with_labels_then_a_quiet_night() {
    let (github, _serving) = replica().await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);

    let first = night.run(&llama(), None);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    first.assert_token_masked();
    assert_eq!(
        github.writes(),
        [
            "POST create_blob",
            "POST create_tree",
            "POST create_commit",
            "POST create_ref",
            "POST create_pull",
            "POST create_comment",
            "POST add_labels"
        ]
    );
    let writes: Vec<_> = github
        .requests()
        .into_iter()
        .filter(|l| l.method != "GET")
        .collect();
    for pair in writes.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_secs(1), "writes {gap:?} apart");
    }
    let pull = open_pull(&github);
    assert_eq!(pull.labels, ["model-coverage", "automated"]);
    assert_eq!(github.lock().repo_labels, ["model-coverage", "automated"]);
    let doc = github.lock().doc_on(BRANCH).unwrap();
    assert!(doc.contains(&format!("## {}", LLAMA.0)), "{doc}");
    let comments = github.comments_on(pull.number);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].user, "github-actions[bot]");
    assert_eq!(first.output("pull-request-operation"), "created");
    assert_eq!(first.output("pull-request-number"), pull.number.to_string());
    assert_eq!(first.output("models-added"), LLAMA.0);
    assert!(
        first.summary.contains("## Model coverage"),
        "{}",
        first.summary
    );
    assert!(!first.stdout.contains("::warning"), "{}", first.stdout);

    a_quiet_night(&night, &github, &llama(), pull.number);
}

/// With the permissions the workflow used to grant (no `issues: write`), creating the labels
/// is refused: the pull request and its comment are there anyway, the run succeeds, and the
/// warning names the permission.
#[tokio::test(flavor = "multi_thread")]
async fn labels_without_issues_write_are_a_warning_after_the_comment() {
    let (github, _serving) = replica().await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    let mut permissions = shipped_workflow().permissions;
    assert_eq!(permissions.remove("issues").as_deref(), Some("write"));
    github.before("get_user", move |state| {
        state.permissions = Some(permissions.clone());
    });

    let ran = night.run(&llama(), Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let pull = open_pull(&github);
    assert_eq!(github.comments_on(pull.number).len(), 1);
    assert!(pull.labels.is_empty());
    let warning = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning"))
        .unwrap_or_else(|| panic!("no warning annotation: {}", ran.stdout));
    assert!(
        warning.contains("You do not have permission to create labels"),
        "{warning}"
    );
    assert!(warning.contains("issues: write"), "{warning}");
    assert!(ran
        .stderr
        .contains("warning: labels model-coverage, automated not added"));
    assert!(ran.summary.contains("### Warnings (1)"), "{}", ran.summary);
    // The report files carry it too.
    let reports = night.dir.path().join("runner-temp/track-models/reports");
    let report: Value =
        serde_json::from_str(&fs::read_to_string(reports.join("report.json")).unwrap()).unwrap();
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p
            .as_str()
            .unwrap()
            .contains("labels model-coverage, automated not added")),
        "{problems:?}"
    );
    ran.assert_token_masked();
}

/// A person pushes to the bot's branch between the run's read and its ref update: the
/// fast-forward fails, the run reads again and pauses instead of overwriting; `recreate`
/// then discards the push and says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_push_during_the_run_pauses_and_recreate_discards_it() {
    let (github, _serving) = replica().await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    assert_eq!(night.run(&llama(), Some(0)).code, Some(0));
    let number = open_pull(&github).number;

    let pushed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = pushed.clone();
    github.before("update_ref", move |state| {
        let head = state.refs[BRANCH].clone();
        let sha = state.commit_file(Some(&head), "maintainer", DOC_PATH, "a maintainer's edit\n");
        state.refs.insert(BRANCH.into(), sha.clone());
        *seen.lock().unwrap() = sha;
    });
    let ran = night.run(&qwen(), Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let bob = pushed.lock().unwrap().clone();
    assert_eq!(
        github.lock().refs[BRANCH],
        bob,
        "the push was not overwritten"
    );
    assert_eq!(github.ref_moves(), [json!(false)]);
    assert_eq!(ran.output("pull-request-operation"), "none");
    assert!(
        ran.stderr.contains("paused: commits by others"),
        "{}",
        ran.stderr
    );
    let comment = &github.comments_on(number)[0].body;
    assert!(comment.contains("**Paused.**") && comment.contains("by `maintainer`"));

    let recreate = Dispatch {
        recreate: true,
        ..qwen()
    };
    github.clear_log();
    let ran = night.run(&recreate, Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let line = format!(
        "pull request: updated #{number} https://github.com/o/r/pull/{number} (recreated on \
         base, discarding commits by others ({} by maintainer))",
        &bob[..7]
    );
    assert!(ran.stderr.lines().any(|l| l == line), "{}", ran.stderr);
    // Nobody interfered: one forced move, guarded by the head the run read.
    assert_eq!(github.ref_moves(), [json!(true)]);
    assert_eq!(github.guarded_moves(), [json!(bob)]);
    let pull = open_pull(&github);
    assert_eq!(pull.number, number);
    let doc = github.lock().doc_on(BRANCH).unwrap();
    assert!(doc.contains(&format!("## {}", QWEN.0)) && !doc.contains("maintainer's edit"));
    ran.assert_token_masked();
}

/// A leftover branch holding only the bot's commits is force-moved by compare-and-swap
/// (GraphQL `updateRefs`, `beforeOid` = the head the run re-read). A maintainer's push landing
/// between that re-read and the write is kept: GitHub refuses the stale `beforeOid`, the run
/// reads again and pauses with a note naming the commit. `recreate` then discards it, naming
/// it, and its own forced move is guarded by the head it saw.
#[tokio::test(flavor = "multi_thread")]
async fn a_push_between_the_reread_and_a_forced_move_is_kept() {
    let (github, _serving) = replica().await;
    github.lock().actions_may_open_pulls = false;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    assert_eq!(night.run(&llama(), Some(0)).code, Some(2));
    let left = github.lock().refs[BRANCH].clone();
    github.lock().actions_may_open_pulls = true;
    github.clear_log();

    let pushed = github.push_before("graphql", BRANCH, "maintainer", "a maintainer's edit\n");
    let ran = night.run(&qwen(), Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let pushed = pushed.lock().unwrap().clone();
    assert_eq!(
        github.lock().refs[BRANCH],
        pushed,
        "the push was not overwritten"
    );
    assert_eq!(github.ref_moves(), [json!(true)]);
    assert_eq!(github.guarded_moves(), [json!(left)]);
    assert!(github.open_pulls().is_empty());
    assert_eq!(ran.output("pull-request-operation"), "none");
    let paused = format!(
        "pull request: none (paused: commits by others on the branch `{BRANCH}` ({} by \
         maintainer); pass `--recreate` to discard them)",
        &pushed[..7]
    );
    assert!(ran.stderr.lines().any(|l| l == paused), "{}", ran.stderr);
    ran.assert_token_masked();

    github.clear_log();
    let recreate = Dispatch {
        recreate: true,
        ..qwen()
    };
    let ran = night.run(&recreate, Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let pull = open_pull(&github);
    let recreated = format!(
        "pull request: created #{} https://github.com/o/r/pull/{} (recreated on base, \
         discarding commits by others ({} by maintainer))",
        pull.number,
        pull.number,
        &pushed[..7]
    );
    assert!(ran.stderr.lines().any(|l| l == recreated), "{}", ran.stderr);
    assert_eq!(github.ref_moves(), [json!(true)]);
    assert_eq!(github.guarded_moves(), [json!(pushed)]);
    let doc = github.lock().doc_on(BRANCH).unwrap();
    assert!(doc.contains(&format!("## {}", QWEN.0)) && !doc.contains("maintainer's edit"));
    ran.assert_token_masked();
}

/// `recreate` over the open pull request while a maintainer pushes between the run's re-read
/// and its forced move: GitHub refuses the stale `beforeOid`, the run reads again, and only
/// then discards the push, which it now knows and names.
#[tokio::test(flavor = "multi_thread")]
async fn recreate_names_a_push_that_landed_before_its_forced_move() {
    let (github, _serving) = replica().await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    assert_eq!(night.run(&llama(), Some(0)).code, Some(0));
    let number = open_pull(&github).number;
    let head = github.lock().refs[BRANCH].clone();
    github.clear_log();

    let pushed = github.push_before("graphql", BRANCH, "maintainer", "a maintainer's edit\n");
    let recreate = Dispatch {
        recreate: true,
        ..qwen()
    };
    let ran = night.run(&recreate, Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let pushed = pushed.lock().unwrap().clone();
    assert_eq!(github.ref_moves(), [json!(true), json!(true)]);
    assert_eq!(github.guarded_moves(), [json!(head), json!(pushed)]);
    let line = format!(
        "pull request: updated #{number} https://github.com/o/r/pull/{number} (recreated on \
         base, discarding commits by others ({} by maintainer))",
        &pushed[..7]
    );
    assert!(ran.stderr.lines().any(|l| l == line), "{}", ran.stderr);
    assert_eq!(open_pull(&github).number, number);
    let doc = github.lock().doc_on(BRANCH).unwrap();
    assert!(doc.contains(&format!("## {}", QWEN.0)) && !doc.contains("maintainer's edit"));
    ran.assert_token_masked();
}

/// The base changes a workflow file. The Actions token may not bring that into the branch, so
/// the doc is committed on top of the branch: one open pull request with the right doc, and
/// the comment says why. With `recreate`, the branch is deleted and created again on the base
/// (which closes the pull request), and a new one is opened that says whom it replaces.
///
/// GitHub words (and answers) the refusal by the kind of token: the night ends the same way
/// with a GitHub App's wording, a personal access token's and an OAuth App's, under any of the
/// statuses seen in the wild.
#[tokio::test(flavor = "multi_thread")]
async fn a_base_that_changed_a_workflow_then_recreate() {
    workflow_night(TokenKind::App, 422).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_that_changed_a_workflow_with_a_personal_token_s_wording() {
    workflow_night(TokenKind::Pat, 403).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_that_changed_a_workflow_with_an_oauth_app_s_wording() {
    workflow_night(TokenKind::OAuth, 404).await;
}

async fn workflow_night(kind: TokenKind, status: u16) {
    let (github, _serving) = replica().await;
    github.lock().workflow_refusal = (kind, status);
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    assert_eq!(night.run(&llama(), Some(0)).code, Some(0));
    let first = open_pull(&github);
    let old_head = github.lock().refs[BRANCH].clone();
    github.push_as(
        "main",
        "maintainer",
        ".github/workflows/ci.yml",
        "on: [push, pull_request]\n",
    );

    let ran = night.run(&qwen(), Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let pull = open_pull(&github);
    assert_eq!(pull.number, first.number);
    let state = github.lock().snapshot();
    let head = state.refs[BRANCH].clone();
    assert_eq!(
        state.commits[&head].parents,
        std::slice::from_ref(&old_head),
        "on top of the branch"
    );
    assert_eq!(
        state.workflow_changes(&old_head, &head),
        Vec::<String>::new()
    );
    let doc = state.doc_on(BRANCH).unwrap();
    assert!(doc.contains(&format!("## {}", QWEN.0)), "{doc}");
    assert_eq!(ran.output("pull-request-operation"), "updated");
    let comment = &github.comments_on(pull.number)[0].body;
    assert!(
        comment.contains("changed files under `.github/workflows/`"),
        "{comment}"
    );

    github.clear_log();
    let quiet = night.run(&qwen(), Some(0));
    assert_eq!(quiet.code, Some(0), "{}", quiet.stderr);
    assert_eq!(
        github.writes(),
        Vec::<String>::new(),
        "the next quiet night writes nothing"
    );

    let recreate = Dispatch {
        recreate: true,
        ..qwen()
    };
    let ran = night.run(&recreate, Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let new = open_pull(&github);
    assert_ne!(new.number, first.number);
    assert!(!github.pull(first.number).open);
    let state = github.lock().snapshot();
    let head = state.refs[BRANCH].clone();
    assert_eq!(state.commits[&head].parents, [state.refs["main"].clone()]);
    assert!(state
        .doc_on(BRANCH)
        .unwrap()
        .contains(&format!("## {}", QWEN.0)));
    assert_eq!(ran.output("pull-request-operation"), "created");
    assert_eq!(ran.output("pull-request-number"), new.number.to_string());
    assert!(
        ran.stderr.contains(&format!(
            "recreated as #{}: rebuilding the branch closed #{}",
            new.number, first.number
        )),
        "{}",
        ran.stderr
    );
    let replaced = &github.comments_on(new.number)[0].body;
    assert!(
        replaced.contains(&format!("Replaces #{}", first.number)),
        "{replaced}"
    );
    let old_comments = github.comments_on(first.number);
    assert!(old_comments
        .last()
        .unwrap()
        .body
        .contains(&format!("It continues in #{}.", new.number)));
    ran.assert_token_masked();
}

/// "Allow GitHub Actions to create and approve pull requests" is off (new repositories): the
/// run fails with a hint naming the setting; the branch it created is reused by the next night,
/// once the setting is on, which opens the one pull request.
#[tokio::test(flavor = "multi_thread")]
async fn the_actions_pull_request_setting_off_then_on() {
    let (github, _serving) = replica().await;
    github.lock().actions_may_open_pulls = false;
    let hub = hub().await;
    let night = Night::new(&github, &hub);

    let ran = night.run(&llama(), Some(0));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("403 GitHub Actions is not permitted to create or approve pull requests."),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains(
            "Settings → Actions → General → \"Allow GitHub Actions to create and approve pull requests\""
        ),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.contains("::error::"), "{}", ran.stdout);
    assert!(github.open_pulls().is_empty());
    let left = github.lock().refs.get(BRANCH).cloned();
    assert!(left.is_some(), "the branch stays for the next run");
    ran.assert_token_masked();

    github.lock().actions_may_open_pulls = true;
    github.clear_log();
    let ran = night.run(&llama(), Some(0));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let writes = github.writes();
    assert!(
        !writes.contains(&"POST create_ref".to_string()),
        "{writes:?}"
    );
    // The leftover branch (the bot's commits only) is force-moved by compare-and-swap.
    assert!(writes.contains(&"POST graphql".to_string()), "{writes:?}");
    assert_eq!(github.ref_moves(), [json!(true)]);
    assert_eq!(github.guarded_moves(), [json!(left.unwrap())]);
    let pull = open_pull(&github);
    assert_eq!(pull.head, BRANCH);
    assert_eq!(github.comments_on(pull.number).len(), 1);
}

/// The scheduled night (`mode: nightly`, no inputs): discovery finds DeepSeek V4 Flash, new in
/// SGLang five days ago, reads SGLang and the cookbook live from GitHub (no local dirs), names
/// its kernels at the TP 8 / EP 8 of its `docs_new` config, and publishes one pull request with
/// its comment and labels. The next scheduled night writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_night_discovers_publishes_then_stays_quiet() {
    let (github, _serving) = replica().await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    let scheduled = scheduled();

    let first = night.run(&scheduled, Some(0));
    assert_eq!(first.code, Some(0), "{}\n{}", first.stderr, first.stdout);
    assert!(
        !first.stdout.contains("--sglang-dir") && !first.stdout.contains("--cookbook-dir"),
        "{}",
        first.stdout
    );
    let pull = open_pull(&github);
    assert_eq!(pull.head, BRANCH);
    assert_eq!(
        pull.labels,
        ["model-coverage".to_string(), "automated".to_string()]
    );
    assert_eq!(github.comments_on(pull.number).len(), 1);
    assert_eq!(first.output("models-added"), FLASH.0);
    let doc = github.lock().doc_on(BRANCH).unwrap();
    let section = doc
        .split(&format!("## {}", FLASH.0))
        .nth(1)
        .unwrap_or_else(|| panic!("no `## {}` section: {doc}", FLASH.0));
    let section = section.split("\n## ").next().unwrap();
    assert!(
        section.contains("Serving configuration: **TP=8, EP=8**"),
        "{section}"
    );
    assert!(
        section
            .contains("| `dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64` | dsa_paged TP=8 |")
            && section.contains(
                "| `moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048` | moe EP=8 |"
            ),
        "{section}"
    );
    first.assert_token_masked();

    a_quiet_night(&night, &github, &scheduled, pull.number);
}

/// A doc people filled with thousands of definitions the dataset lacks: the scheduled night's
/// comment (the missing list) and PR body stay within GitHub's 65,536 characters, every
/// `<details>` is closed, and the note pointing at the full report (the job summary) is outside
/// any collapsed block. The job summary holds the list.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_list_far_over_the_limits_is_cut_with_a_visible_note() {
    let mut section =
        "\n## Huge Model\n\n| Definition | Op Type | Status |\n|---|---|---|\n".to_string();
    for i in 0..4000 {
        section.push_str(&format!("| `gemm_n{i}_k{}` | gemm | ❌ |\n", 100_000 + i));
    }
    section.push_str("\n**Coverage**: 0 / 4000 definitions present.\n");
    let doc = empty_doc_with("| Huge Model | hand-written | ❌ 0 / 4000 |\n", &section);
    let (github, _serving) = replica_with(&doc).await;
    let hub = hub().await;
    let night = Night::new(&github, &hub);
    let scheduled = scheduled();

    let ran = night.run(&scheduled, Some(0));
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stderr, ran.stdout);
    let pull = open_pull(&github);
    assert!(pull.body.chars().count() <= 65_536);
    let comments = github.comments_on(pull.number);
    assert_eq!(comments.len(), 1);
    let comment = &comments[0].body;
    let length = comment.chars().count();
    assert!(
        (50_000..=65_536).contains(&length),
        "cut close to the limit: {length}"
    );
    assert!(comment.contains("`gemm_n0_k100000`"), "the list starts");
    assert!(!comment.contains("`gemm_n3999_k103999`"), "and is cut");
    assert_eq!(
        comment.matches("<details").count(),
        comment.matches("</details>").count()
    );
    let note = comment
        .rfind("Truncated to fit GitHub's size limit")
        .expect("a truncation note");
    assert!(
        comment[..note].matches("<details").count()
            == comment[..note].matches("</details>").count(),
        "the note is outside every collapsed block"
    );
    assert!(comment[note..].contains("job summary"));
    assert!(
        ran.summary.contains("`gemm_n3999_k103999`"),
        "the job summary holds the full list"
    );
    ran.assert_token_masked();
}

/// [`hub`] serving the dataset's definition files as the Hub does: the tree lists each file with
/// its blob `oid` (changing with the content) and `size`, and
/// `/datasets/{repo}/resolve/{sha}/{path}` answers the file (the bundled example dataset).
async fn serve_definitions(server: &MockServer) {
    use sha2::{Digest, Sha256};
    let mut files = Vec::new();
    collect(&trace_dir(), &trace_dir().join("definitions"), &mut files);
    let mut entries = Vec::new();
    for file in &files {
        let body = fs::read(trace_dir().join(file)).unwrap();
        let digest = Sha256::digest([format!("blob {}\0", body.len()).as_bytes(), &body].concat());
        let oid: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
        entries.push(json!({ "type": "file", "oid": oid, "size": body.len(), "path": file }));
        Mock::given(method("GET"))
            .and(path(format!(
                "/datasets/{DATASET}/resolve/{DATASET_SHA}/{file}"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("X-Repo-Commit", DATASET_SHA)
                    .insert_header("ETag", format!("\"{oid}\""))
                    .set_body_bytes(body),
            )
            .mount(server)
            .await;
    }
    // Before `hub`'s own listing of the same folder.
    hub_tree(DATASET, DATASET_SHA, "definitions", json!(entries))
        .with_priority(1)
        .mount(server)
        .await;
}

/// The scheduled night in production (no `--trace-dir`: the dataset comes from the Hub) on a doc
/// whose hand-written `Llama 3.1 8B` lists one of the definitions the dataset traced from
/// `model:llama-3.1-8b`: the report's `lint` names each of the others as `traced_not_listed`,
/// and a model traced in the dataset that no repo id fits is a discovery candidate, skipped
/// with that reason. The quiet night after it fetches no definition file again.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_night_lints_against_the_hub_dataset_tags() {
    let doc = empty_doc_with(
        "| Llama 3.1 8B | GQA | ✅ Fully covered |\n",
        "\n## Llama 3.1 8B\n\n| Definition | Op Type | Status |\n|---|---|:---:|\n| `rmsnorm_h4096` | rmsnorm | ✅ |\n\n**Coverage**: 1 / 1 definitions present.\n",
    );
    let (github, _serving) = replica_with(&doc).await;
    let hub = hub().await;
    serve_definitions(&hub).await;
    let night = Night::new(&github, &hub);
    let scheduled = scheduled();

    let ran = night.run(&scheduled, Some(0));
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stderr, ran.stdout);
    assert!(!ran.stdout.contains("--trace-dir"), "{}", ran.stdout);
    let report: Value =
        serde_json::from_str(&fs::read_to_string(ran.output("report-json")).unwrap()).unwrap();
    let traced: Vec<String> = report["lint"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "traced_not_listed" && f["section"] == LLAMA.0)
        .map(|f| f["definition"].as_str().unwrap().to_string())
        .collect();
    // What the bundled dataset traced from Llama 3.1 8B, read here from the files themselves.
    let mut files = Vec::new();
    collect(&trace_dir(), &trace_dir().join("definitions"), &mut files);
    let mut expected: Vec<String> = files
        .iter()
        .filter(|f| {
            fs::read_to_string(trace_dir().join(f))
                .unwrap()
                .contains("\"model:llama-3.1-8b\"")
        })
        .map(|f| {
            Path::new(f)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "rmsnorm_h4096")
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 13);
    assert_eq!(traced, expected, "{}", ran.stderr);
    let skipped = report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["display_name"] == "model:nemotron-h-8b"
                || c["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("`model:nemotron-h-8b`"))
        })
        .unwrap_or_else(|| panic!("{:#}", report["candidates"]));
    assert_eq!(
        skipped["reason"],
        "traced in the dataset as `model:nemotron-h-8b`, but no repo id in the HF lists, the SGLang docs or the cookbooks matches it"
    );
    let fetched = |requests: &[wiremock::Request]| {
        requests
            .iter()
            .filter(|r| r.url.path().starts_with("/datasets/"))
            .count()
    };
    let first = fetched(&hub.received_requests().await.unwrap());
    assert_eq!(first, files.len(), "each definition file once");

    let quiet = night.run(&scheduled, Some(0));
    assert_eq!(quiet.code, Some(0), "{}", quiet.stderr);
    assert_eq!(fetched(&hub.received_requests().await.unwrap()), first);
}
