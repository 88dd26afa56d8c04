//! The GitHub Action's shell steps, run through their script files with the environment
//! `action.yml` gives them: the install step against a fake release server on loopback (right
//! checksum → the binary runs; wrong checksum → nothing runs; no entry → a clear error or the
//! source build), the run step's inputs → arguments, and `action.yml`, the shipped workflows,
//! the README and docs/action.md staying in step with each other.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{root, stderr, stdout};

const ASSET: &str = "track-models-x86_64-unknown-linux-musl.tar.gz";
const TAG: &str = "v9.9.9";

// ---------------------------------------------------------------- the install step

#[tokio::test(flavor = "multi_thread")]
async fn right_checksum_installs_the_release_binary_and_runs_it() {
    let runner = Runner::new();
    let tarball = release_tarball(&runner);
    let sha = sha256(&tarball);
    let server = release_server(&tarball, 1).await;
    let checksums = runner.write("checksums.txt", &checksum_line(&sha, ASSET));

    let output = runner.install(&checksums, "release", &release_url(&server));

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bin = runner.install_dir().join("bin/track-models");
    assert_eq!(
        stdout(&output),
        format!(
            "Downloading track-models {TAG} for Linux/X64: {}/{ASSET}\n\
             SHA-256 verified: {sha}\n\
             fake track-models ran: --version\n\
             GITHUB_TOKEN=<unset> HF_TOKEN=<unset>\n",
            release_url(&server)
        )
    );
    assert_eq!(runner.mark(), "ran\n", "the installed binary ran once");
    assert_eq!(runner.step_output(), format!("bin={}\n", bin.display()));
    let mode = fs::metadata(&bin).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_checksum_fails_clearly_and_runs_nothing() {
    let runner = Runner::new();
    let tarball = release_tarball(&runner);
    let actual = sha256(&tarball);
    let expected = "0123456789abcdef".repeat(4);
    let server = release_server(&tarball, 1).await;
    let checksums = runner.write("checksums.txt", &checksum_line(&expected, ASSET));

    let output = runner.install(&checksums, "auto", &release_url(&server));

    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "::error title=track-models install failed::SHA-256 mismatch for `{ASSET}` of {TAG}: \
             expected {expected} (`{}`), got {actual}; nothing was installed or run\n",
            checksums.display()
        )
    );
    assert!(!stdout(&output).contains("fake track-models"));
    assert_eq!(runner.mark(), "", "the downloaded binary must not run");
    assert!(!runner.install_dir().join("bin").exists());
    assert_eq!(runner.step_output(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn placeholder_entry_fails_clearly_without_a_download_when_release_is_required() {
    let runner = Runner::new();
    let server = MockServer::start().await;
    let checksums = fixture_path("checksums-placeholder.txt");

    let output = runner.install(&checksums, "release", &release_url(&server));

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "::error title=track-models install failed::no SHA-256 for `{ASSET}` in `{}` \
             (a placeholder until the first release); hint: use `install-from: auto` to build \
             from source, or pin the action to a commit whose checksum file lists a release\n",
            checksums.display()
        )
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    assert_eq!(runner.mark(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_asset_fails_with_the_http_status_and_never_falls_back() {
    let runner = Runner::new();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .expect(1)
        .mount(&server)
        .await;
    let sha = "0123456789abcdef".repeat(4);
    let checksums = runner.write("checksums.txt", &checksum_line(&sha, ASSET));

    let output = runner.install(&checksums, "auto", &release_url(&server));

    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "::error title=track-models install failed::could not download `{}/{ASSET}`: HTTP 404\n",
            release_url(&server)
        )
    );
    assert_eq!(runner.mark(), "");
    assert_eq!(
        runner.step_output(),
        "",
        "no `bin`, and no source build either"
    );
    assert!(!runner.install_dir().join("bin").exists());
}

/// Without `release-url`, the assets come from GitHub releases of `release-repository`, else of
/// the action's repository (`github.action_repository`, else the folder the runner put the
/// action in), else of the workflow's repository. (A fake `curl` takes the URL and fails as an
/// unresolvable host does: no network.)
#[test]
fn the_default_release_url_names_the_release_repository() {
    let cases = [
        ("me/fork", "flashinfer-ai/track-models", None, "me/fork"),
        (
            "",
            "flashinfer-ai/track-models",
            None,
            "flashinfer-ai/track-models",
        ),
        ("", "", Some("_actions/acme/tm/0123abc"), "acme/tm"),
        ("", "", None, "flashinfer-ai/flashinfer-bench"),
    ];
    for (release_repository, action_repository, action_folder, expected) in cases {
        let runner = Runner::new();
        let fake_bin = runner.dir("fake-bin");
        install_executable(&fixture_path("fake-curl.sh"), &fake_bin.join("curl"));
        let sha = "0123456789abcdef".repeat(4);
        let checksums = runner.write("checksums.txt", &checksum_line(&sha, ASSET));
        let mut step = runner.step("install.sh");
        step.envs(install_env(&runner, &checksums, "release", ""))
            .env("TRACK_MODELS_RELEASE_REPOSITORY", release_repository)
            .env("TRACK_MODELS_ACTION_REPOSITORY", action_repository)
            .env("GITHUB_REPOSITORY", "flashinfer-ai/flashinfer-bench")
            .env("PATH", search_path(Some(&fake_bin)))
            .env("FAKE_CURL_URL", runner.path("curl-url"));
        if let Some(folder) = action_folder {
            step.env("GITHUB_ACTION_PATH", runner.dir(folder));
        }

        let output = step.output().unwrap();

        let url = format!("https://github.com/{expected}/releases/download/{TAG}/{ASSET}");
        assert_eq!(output.status.code(), Some(1), "{expected}");
        assert_eq!(
            stderr(&output),
            format!(
                "::error title=track-models install failed::could not download `{url}`: \
                 curl: (6) Could not resolve host: github.com\n"
            )
        );
        assert_eq!(lines(&runner.path("curl-url")), [url]);
        assert_eq!(runner.mark(), "");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn placeholder_entry_hands_over_to_the_source_build_in_auto_mode() {
    let runner = Runner::new();
    let server = MockServer::start().await;
    let checksums = fixture_path("checksums-placeholder.txt");

    let output = runner.install(&checksums, "auto", &release_url(&server));

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "::notice title=track-models is built from source::no SHA-256 for `{ASSET}` in `{}` \
             (a placeholder until the first release); building with `cargo install --locked` \
             (minutes on a cold cache, seconds on a warm one)\n",
            checksums.display()
        )
    );
    assert_eq!(
        runner.step_output(),
        format!(
            "bin={}\nbuild=true\nbuild-key={}\n",
            runner.install_dir().join("bin/track-models").display(),
            source_hash(root())
        )
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    assert_eq!(runner.mark(), "", "nothing is built or run yet");
}

/// The cache key of the source build names exactly what `cargo install --path` compiles: the
/// same sources give the same key (a warm cache), a changed source file a new one, anything
/// else (docs, tests) none.
#[test]
fn the_source_build_key_changes_with_the_sources_only() {
    let runner = Runner::new();
    let action = runner.dir("action-copy");
    fs::write(action.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    fs::write(action.join("Cargo.lock"), "version = 4\n").unwrap();
    fs::create_dir_all(action.join("src/sub")).unwrap();
    fs::write(action.join("src/main.rs"), "fn main() {}\n").unwrap();
    fs::write(action.join("src/sub/a b.rs"), "// a space in a name\n").unwrap();
    fs::write(action.join("README.md"), "one\n").unwrap();
    let key = || {
        fs::write(runner.path("github-output"), "").unwrap();
        let output = runner
            .step("install.sh")
            .env("GITHUB_ACTION_PATH", &action)
            .env("TRACK_MODELS_INSTALL_FROM", "source")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let output = runner.step_output();
        let bin = format!(
            "bin={}\n",
            runner.install_dir().join("bin/track-models").display()
        );
        output.strip_prefix(&bin).unwrap().to_string()
    };

    let first = key();
    assert_eq!(
        first,
        format!("build=true\nbuild-key={}\n", source_hash(&action))
    );
    fs::write(action.join("README.md"), "two\n").unwrap();
    assert_eq!(key(), first, "a doc is not compiled");
    fs::write(action.join("src/sub/a b.rs"), "// changed\n").unwrap();
    let changed = key();
    assert_ne!(changed, first);
    assert_eq!(
        changed,
        format!("build=true\nbuild-key={}\n", source_hash(&action))
    );
}

#[test]
fn sources_that_cannot_be_hashed_fail_before_any_build() {
    let runner = Runner::new();
    let empty = runner.dir("not-the-action");
    let output = runner
        .step("install.sh")
        .env("GITHUB_ACTION_PATH", &empty)
        .env("TRACK_MODELS_INSTALL_FROM", "source")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().last(),
        Some(
            format!(
                "::error title=track-models install failed::could not hash the action's sources \
                 in `{}` (Cargo.toml, Cargo.lock, src/)",
                empty.display()
            )
            .as_str()
        )
    );
    assert_eq!(runner.step_output(), "", "no key, no build");
}

#[test]
fn the_build_step_installs_with_cargo_into_the_cached_target_folder() {
    let runner = Runner::new();
    let fake_bin = runner.dir("fake-bin");
    install_executable(&fixture_path("fake-cargo.sh"), &fake_bin.join("cargo"));
    let cargo_args = runner.path("cargo-args");
    let target = runner.path("runner-temp/track-models/target");

    let output = runner
        .step("build.sh")
        .envs(build_env(&runner))
        .env("PATH", search_path(Some(&fake_bin)))
        .env("FAKE_CARGO_ARGS", &cargo_args)
        .env("FAKE_TRACK_MODELS", fixture_path("fake-track-models.sh"))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "Building track-models: cargo install --locked --path {}\n\
             fake track-models ran: --version\nGITHUB_TOKEN=<unset> HF_TOKEN=<unset>\n",
            root().display()
        )
    );
    let install_dir = runner.install_dir();
    let expected_args = [
        format!("CARGO_TARGET_DIR={}", target.display()),
        "install".into(),
        "--locked".into(),
        "--path".into(),
        root().display().to_string(),
        "--root".into(),
        install_dir.display().to_string(),
        "--force".into(),
    ];
    assert_eq!(lines(&cargo_args), expected_args);
    assert!(install_dir.join("bin/track-models").is_file());
    assert_eq!(
        runner.step_output(),
        "",
        "install.sh named the path already"
    );
    assert_eq!(runner.mark(), "ran\n");
    assert_eq!(
        fs::read_to_string(install_dir.join("bin/.build-key")).unwrap(),
        format!("{BUILD_KEY}\n"),
        "the binary is stamped with the source it was built from"
    );
}

/// A repeat run of the same source: the cache gave back the binary stamped with this key, so
/// cargo does not run at all; a binary of another source is rebuilt.
#[test]
fn the_build_step_uses_a_cached_binary_of_the_same_source_as_it_is() {
    for (stamp, builds) in [(BUILD_KEY, false), ("an older source", true)] {
        let runner = Runner::new();
        let fake_bin = runner.dir("fake-bin");
        install_executable(&fixture_path("fake-cargo.sh"), &fake_bin.join("cargo"));
        let cargo_args = runner.path("cargo-args");
        let bin_dir = runner.dir("runner-temp/track-models/bin");
        install_executable(
            &fixture_path("fake-track-models.sh"),
            &bin_dir.join("track-models"),
        );
        fs::write(bin_dir.join(".build-key"), format!("{stamp}\n")).unwrap();

        let output = runner
            .step("build.sh")
            .envs(build_env(&runner))
            .env("PATH", search_path(Some(&fake_bin)))
            .env("FAKE_CARGO_ARGS", &cargo_args)
            .env("FAKE_TRACK_MODELS", fixture_path("fake-track-models.sh"))
            .output()
            .unwrap();

        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(cargo_args.exists(), builds, "{stamp}");
        let first = stdout(&output).lines().next().unwrap().to_string();
        if builds {
            assert!(
                first.starts_with("Building track-models: cargo install"),
                "{first}"
            );
        } else {
            assert_eq!(
                first,
                format!(
                    "track-models of this source ({BUILD_KEY}) is in the cache: nothing to build"
                )
            );
        }
        assert_eq!(
            fs::read_to_string(bin_dir.join(".build-key")).unwrap(),
            format!("{BUILD_KEY}\n")
        );
        assert_eq!(runner.step_output(), "");
        assert_eq!(runner.mark(), "ran\n", "--version, once");
    }
}

#[test]
fn the_build_step_without_cargo_says_what_to_do() {
    let runner = Runner::new();
    let output = runner
        .step("build.sh")
        .envs(build_env(&runner))
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "::error title=track-models install failed::building from source needs `cargo`; hint: \
         install a Rust toolchain before this action, or pin the action to a commit whose \
         checksum file lists a release\n"
    );
    assert_eq!(runner.step_output(), "");
}

/// The release workflow's own script writes the checksum file; the installer reads it as it
/// reads action/checksums.txt and installs the binary it names.
#[tokio::test(flavor = "multi_thread")]
async fn the_release_workflow_writes_the_checksum_file_the_installer_reads() {
    let runner = Runner::new();
    let tarball = release_tarball(&runner);
    let dist = runner.dir("dist");
    fs::write(dist.join(ASSET), &tarball).unwrap();
    let other = "track-models-aarch64-unknown-linux-musl.tar.gz";
    fs::write(dist.join(other), b"the other arch").unwrap();
    let script = workflow_step_script("release.yml", "Write the SHA-256 sums");
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(runner.temp.path())
        .env("TAG", TAG)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let checksums = dist.join("action-checksums.txt");
    let written = fs::read_to_string(&checksums).unwrap();
    let entries: Vec<&str> = written.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        entries,
        [
            format!("{}  {TAG}/{other}", sha256(b"the other arch")),
            format!("{}  {TAG}/{ASSET}", sha256(&tarball)),
        ]
    );
    let server = release_server(&tarball, 1).await;

    let output = runner.install(&checksums, "release", &release_url(&server));

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("SHA-256 verified: {}\n", sha256(&tarball))));
    assert_eq!(runner.mark(), "ran\n");
}

/// The release's image holds the release's own binaries: the assets the Pack step writes for each
/// target of the build matrix are the ones the Docker step unpacks into the `release` target's
/// context, one folder per Docker platform (the script up to the registry login; the rest needs
/// a Docker daemon).
#[test]
fn the_release_image_is_built_from_the_packed_release_binaries() {
    let runner = Runner::new();
    let runner_temp = runner.dir("runner-temp");
    let dist = runner.dir("runner-temp/dist");
    let release = workflow("release.yml");
    let targets = release["jobs"]["binaries"]["strategy"]["matrix"]["target"]
        .as_array()
        .unwrap();
    let pack = workflow_step_script("release.yml", "Pack");
    for target in targets {
        let target = target.as_str().unwrap();
        let build = runner.dir(&format!("build-{target}"));
        let release_dir = build.join(format!("target/{target}/release"));
        fs::create_dir_all(&release_dir).unwrap();
        fs::write(
            release_dir.join("track-models"),
            format!("binary for {target}\n"),
        )
        .unwrap();
        let output = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &pack])
            .current_dir(&build)
            .env("TARGET", target)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let asset = format!("track-models-{target}.tar.gz");
        fs::copy(build.join("dist").join(&asset), dist.join(&asset)).unwrap();
    }

    let script = workflow_step_script("release.yml", "Build and push to ghcr.io");
    let context_part = &script[..script.find("image=").unwrap()];
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", context_part])
        .env("RUNNER_TEMP", &runner_temp)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    for (platform, target) in [
        ("amd64", "x86_64-unknown-linux-musl"),
        ("arm64", "aarch64-unknown-linux-musl"),
    ] {
        let binary = runner_temp
            .join("image")
            .join(platform)
            .join("track-models");
        assert_eq!(
            fs::read_to_string(binary).unwrap(),
            format!("binary for {target}\n")
        );
    }
    assert!(script.contains("--platform linux/amd64,linux/arm64 --target release"));
    let dockerfile = fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM runtime AS release\nARG TARGETARCH\nCOPY ${TARGETARCH}/track-models /usr/local/bin/track-models\n"));
}

#[test]
fn a_runner_without_a_prebuilt_binary_is_told_so() {
    let runner = Runner::new();
    let checksums = fixture_path("checksums-placeholder.txt");

    let output = runner
        .step("install.sh")
        .envs(install_env(&runner, &checksums, "release", ""))
        .env("RUNNER_OS", "macOS")
        .env("RUNNER_ARCH", "ARM64")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "::error title=track-models install failed::no prebuilt track-models for macOS/ARM64; \
         hint: use `install-from: auto` to build from source\n"
    );
}

// ---------------------------------------------------------------- the run step

#[test]
fn check_mode_reports_without_publishing_and_keeps_the_exit_code() {
    let runner = Runner::new();
    let output = runner.run_step(&[
        ("INPUT_MODE", "check"),
        ("INPUT_DOC", "docs/model_coverage.mdx"),
        ("INPUT_TRACE_DIR", "trace"),
        ("INPUT_DRY_RUN", "false"),
        ("INPUT_RECREATE", "false"),
        ("FAKE_EXIT", "1"),
    ]);

    assert_eq!(
        output.status.code(),
        Some(1),
        "drift under --check fails the step"
    );
    let reports = runner.reports();
    assert_eq!(
        runner.fake_args(),
        [
            "--refresh-status",
            "--doc",
            "docs/model_coverage.mdx",
            "--trace-dir",
            "trace",
            "--check",
            "--report-json",
            &format!("{reports}/report.json"),
            "--report-md",
            &format!("{reports}/report.md"),
        ]
    );
    assert_eq!(
        runner.step_output(),
        format!("report-json={reports}/report.json\nreport-md={reports}/report.md\n")
    );
    assert_eq!(
        fs::read_to_string(runner.path("step-summary")).unwrap(),
        "",
        "the binary writes the job summary itself"
    );
}

#[test]
fn check_mode_with_dry_run_only_reports() {
    let runner = Runner::new();
    let output = runner.run_step(&[("INPUT_MODE", "check"), ("INPUT_DRY_RUN", "true")]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let args = runner.fake_args();
    assert_eq!(args[..2], ["--refresh-status", "--dry-run"]);
    assert!(!args.contains(&"--check".to_string()));
}

#[test]
fn model_mode_passes_each_input_as_one_argument_and_evaluates_none() {
    let runner = Runner::new();
    let hostile = "Qwen3 $(touch pwned) `touch pwned`; touch pwned | x";
    let output = runner.run_step(&[
        ("INPUT_MODE", "model"),
        ("INPUT_MODEL_NAME", hostile),
        ("INPUT_HF_REPO_ID", "Qwen/Qwen3-8B"),
        ("INPUT_DOC", "docs/model coverage.mdx"),
        ("INPUT_BRANCH", "bot/track-models"),
        ("INPUT_BASE", "main"),
        ("INPUT_LABELS", "models,automated"),
        ("INPUT_MAX_NEW", "5"),
        ("INPUT_DRY_RUN", "true"),
        ("INPUT_RECREATE", "true"),
        ("INPUT_ARGS", "--since\n30\n\n--tp\n1,8\n"),
        ("GITHUB_TOKEN", "ghs_fake"),
        ("HF_TOKEN", ""),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let reports = runner.reports();
    assert_eq!(
        runner.fake_args(),
        [
            "--model-name",
            hostile,
            "--hf-repo-id",
            "Qwen/Qwen3-8B",
            "--doc",
            "docs/model coverage.mdx",
            "--publish",
            "--branch",
            "bot/track-models",
            "--base",
            "main",
            "--labels",
            "models,automated",
            "--recreate",
            "--dry-run",
            "--report-json",
            &format!("{reports}/report.json"),
            "--report-md",
            &format!("{reports}/report.md"),
            "--since",
            "30",
            "--tp",
            "1,8",
        ],
        "max-new belongs to nightly only; blank lines of `args` are dropped"
    );
    assert!(
        !runner.temp.path().join("pwned").exists(),
        "nothing was evaluated"
    );
    assert!(stdout(&output).contains("GITHUB_TOKEN=ghs_fake HF_TOKEN=<unset>\n"));
    assert_eq!(
        fs::read_to_string(runner.path("step-summary")).unwrap(),
        "",
        "the publishing modes leave the summary to the binary"
    );
}

#[test]
fn nightly_mode_discovers_refreshes_and_publishes() {
    let runner = Runner::new();
    let output = runner.run_step(&[
        ("INPUT_MODE", "nightly"),
        ("INPUT_DOC", "docs/model_coverage.mdx"),
        ("INPUT_TRACE_REPO", "flashinfer-ai/flashinfer-trace"),
        ("INPUT_MAX_NEW", "3"),
        ("INPUT_MIN_PROVIDERS", "2"),
        ("INPUT_MODEL_NAME", "ignored outside mode: model"),
        ("INPUT_DRY_RUN", "false"),
        ("INPUT_RECREATE", "false"),
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let reports = runner.reports();
    assert_eq!(
        runner.fake_args(),
        [
            "--discover",
            "--refresh-status",
            "--max-new",
            "3",
            "--min-providers",
            "2",
            "--doc",
            "docs/model_coverage.mdx",
            "--trace-repo",
            "flashinfer-ai/flashinfer-trace",
            "--publish",
            "--report-json",
            &format!("{reports}/report.json"),
            "--report-md",
            &format!("{reports}/report.md"),
        ]
    );
}

#[test]
fn bad_inputs_fail_before_the_binary_runs() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("INPUT_MODE", "weekly")],
            "`mode` must be `nightly`, `model` or `check`, not `weekly`",
        ),
        (
            &[("INPUT_MODE", "model")],
            "`mode: model` needs `model-name`",
        ),
        (
            &[("INPUT_MODE", "check"), ("INPUT_DRY_RUN", "yes")],
            "`dry-run` must be `true` or `false`, not `yes`",
        ),
        (
            &[("INPUT_MODE", "x\n::warning::injected")],
            "`mode` must be `nightly`, `model` or `check`, not `x%0A::warning::injected`",
        ),
    ];
    for (env, message) in cases {
        let runner = Runner::new();
        let output = runner.run_step(env);
        assert_eq!(output.status.code(), Some(2), "{env:?}");
        assert_eq!(
            stderr(&output),
            format!("::error title=track-models::{message}\n")
        );
        assert_eq!(runner.mark(), "", "{env:?}: the binary must not run");
    }
}

// ---------------------------------------------------------------- action.yml and its reference

#[test]
fn action_yml_hands_every_input_to_the_scripts_through_env() {
    let action = action_yml();
    let steps = action["runs"]["steps"].as_array().unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert_eq!(
        runs,
        [
            r#"bash "$GITHUB_ACTION_PATH/action/install.sh""#,
            r#"bash "$GITHUB_ACTION_PATH/action/build.sh""#,
            r#"bash "$GITHUB_ACTION_PATH/action/run.sh""#
        ],
        "the tests run these script files"
    );
    let mut passed = BTreeSet::new();
    for step in steps {
        let Some(env) = step["env"].as_object() else {
            continue;
        };
        for value in env.values() {
            let value = value.as_str().unwrap();
            if let Some(input) = value
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
            {
                passed.insert(input.to_string());
            }
        }
    }
    let inputs: BTreeSet<String> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(passed, inputs, "every input reaches a step as an env var");

    let runner = Runner::new();
    for (index, tested) in [
        (0, install_env_names(&runner)),
        (2, build_env_names(&runner)),
    ] {
        let step_env: BTreeSet<String> = steps[index]["env"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            step_env, tested,
            "the tests of step {index} set exactly the variables action.yml sets"
        );
    }
    let (restore, save) = (&steps[1], &steps[3]);
    assert_eq!(restore["if"], "steps.install.outputs.build == 'true'");
    assert_eq!(steps[2]["if"], restore["if"]);
    assert_eq!(
        save["if"],
        "steps.install.outputs.build == 'true' && steps.build-cache.outputs.cache-hit != 'true'"
    );
    assert_eq!(restore["id"], "build-cache");
    assert_eq!(
        restore["with"]["key"],
        "track-models-build-${{ runner.os }}-${{ runner.arch }}-${{ steps.install.outputs.build-key }}"
    );
    assert_eq!(save["with"]["key"], restore["with"]["key"]);
    assert_eq!(save["with"]["path"], restore["with"]["path"]);
    let paths: Vec<&str> = restore["with"]["path"].as_str().unwrap().lines().collect();
    assert_eq!(
        paths[paths.len() - 2..],
        [
            "${{ runner.temp }}/track-models/bin",
            "${{ runner.temp }}/track-models/target"
        ],
        "the binary and the target folder build.sh writes"
    );
    assert_eq!(
        steps[2]["env"]["TRACK_MODELS_BUILD_KEY"],
        "${{ steps.install.outputs.build-key }}"
    );
    assert_eq!(
        steps[4]["env"]["TRACK_MODELS_BIN"], "${{ steps.install.outputs.bin }}",
        "install.sh names the binary's path, also where build.sh will put it"
    );
}

#[test]
fn the_action_reference_documents_every_input_and_output() {
    let reference = fs::read_to_string(root().join("docs/action.md")).unwrap();
    let section = &reference[reference
        .find("## Inputs and outputs")
        .expect("an `## Inputs and outputs` section")..];
    let action = action_yml();
    for kind in ["inputs", "outputs"] {
        for name in action[kind].as_object().unwrap().keys() {
            assert!(
                section.contains(&format!("| `{name}` |")),
                "docs/action.md has no table row for {kind} `{name}`"
            );
        }
    }
}

// ---------------------------------------------------------------- the shipped workflows

/// Warm nights: every shipped workflow that runs track-models restores `$HF_HOME` from the
/// newest entry and saves it under a key of its own run (an entry never changes), with the same
/// pinned actions/cache, and checks out the whole history (the trend; no partial clone, which
/// libgit2 cannot open).
#[test]
fn the_shipped_workflows_keep_hf_home_between_runs() {
    let restore_uses = "actions/cache/restore@0057852bfaa89a56745cba8c7296529d2fc39830";
    let save_uses = "actions/cache/save@0057852bfaa89a56745cba8c7296529d2fc39830";
    let key = "track-models-hf-${{ runner.os }}-${{ github.run_id }}-${{ github.run_attempt }}";
    for file in ["track-models.yml", "coverage-report.yml"] {
        let workflow = workflow(file);
        let (_, job) = workflow["jobs"].as_object().unwrap().iter().next().unwrap();
        assert_eq!(job["env"]["HF_HOME"], "~/.cache/huggingface", "{file}");
        let steps = job["steps"].as_array().unwrap();
        let position = |uses: &str| {
            steps
                .iter()
                .position(|step| step["uses"] == uses)
                .unwrap_or_else(|| panic!("{file}: no step uses {uses}"))
        };
        let run = steps
            .iter()
            .position(|step| step["id"] == "track" || step["id"] == "check")
            .unwrap();
        let (restore, save) = (position(restore_uses), position(save_uses));
        assert!(restore < run && run < save, "{file}: restore, run, save");
        for at in [restore, save] {
            assert_eq!(steps[at]["with"]["path"], "${{ env.HF_HOME }}", "{file}");
            assert_eq!(steps[at]["with"]["key"], key, "{file}");
        }
        assert_eq!(
            steps[restore]["with"]["restore-keys"],
            "track-models-hf-${{ runner.os }}-"
        );
        assert!(
            steps[save]["if"].as_str().unwrap().contains("!cancelled()"),
            "{file}: saved after a failed run too"
        );
        let checkout = &steps[position(CHECKOUT)];
        assert_eq!(checkout["with"]["fetch-depth"], 0, "{file}");
        assert!(
            checkout["with"]["filter"].is_null(),
            "{file}: no partial clone"
        );
        assert_eq!(checkout["with"]["persist-credentials"], false, "{file}");
    }
}

/// The README's workflow files are the shipped ones as another repository writes them: the
/// nightly job has the same cache steps, checkout and action inputs as track-models.yml, and the
/// pull request check calls the reusable workflows with inputs and secrets they declare and the
/// permissions their jobs ask for.
#[test]
fn the_readme_workflows_match_the_shipped_ones() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let blocks = yaml_blocks(&readme);
    assert_eq!(
        blocks.len(),
        3,
        "the nightly job and the two PR check callers"
    );

    let nightly = &blocks[0]["jobs"]["track"];
    let shipped = &workflow("track-models.yml")["jobs"]["track"];
    assert_eq!(nightly["permissions"], shipped["permissions"]);
    assert_eq!(nightly["environment"], shipped["environment"]);
    assert_eq!(nightly["env"]["HF_HOME"], shipped["env"]["HF_HOME"]);
    let by_uses = |job: &Value, prefix: &str| -> Value {
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no step uses {prefix}"))
            .clone()
    };
    for prefix in [CHECKOUT, "actions/cache/restore@", "actions/cache/save@"] {
        let (readme_step, shipped_step) = (by_uses(nightly, prefix), by_uses(shipped, prefix));
        assert_eq!(readme_step["uses"], shipped_step["uses"], "{prefix}");
        assert_eq!(readme_step["with"], shipped_step["with"], "{prefix}");
    }
    let action_step = by_uses(nightly, "flashinfer-ai/track-models@");
    let shipped_run = by_uses(shipped, "./");
    let inputs = action_yml()["inputs"].clone();
    for (name, value) in action_step["with"].as_object().unwrap() {
        assert!(
            inputs.get(name).is_some(),
            "`{name}` is no input of action.yml"
        );
        let shipped_value = match &shipped_run["with"][name] {
            Value::String(v) if v == "${{ env.DOC }}" => {
                workflow("track-models.yml")["env"]["DOC"].clone()
            }
            other => other.clone(),
        };
        assert_eq!(shipped_value, *value, "input `{name}`");
    }

    for (caller, file) in [
        (&blocks[1], "coverage-report.yml"),
        (&blocks[2], "coverage-report-comment.yml"),
    ] {
        let (_, job) = caller["jobs"].as_object().unwrap().iter().next().unwrap();
        let uses = job["uses"].as_str().unwrap();
        let path = format!("flashinfer-ai/track-models/.github/workflows/{file}@");
        assert!(uses.starts_with(&path), "{uses}");
        let called = workflow(file);
        let call = &called["on"]["workflow_call"];
        for (name, _) in job["with"].as_object().into_iter().flatten() {
            assert!(
                call["inputs"].get(name).is_some(),
                "{file}: no input `{name}`"
            );
        }
        for (name, spec) in call["inputs"].as_object().into_iter().flatten() {
            if spec["required"] == true {
                assert!(
                    job["with"].get(name).is_some(),
                    "{file}: `{name}` is required"
                );
            }
        }
        for (name, _) in job["secrets"].as_object().into_iter().flatten() {
            assert!(
                call["secrets"].get(name).is_some(),
                "{file}: no secret `{name}`"
            );
        }
        let (_, called_job) = called["jobs"].as_object().unwrap().iter().next().unwrap();
        assert_eq!(job["permissions"], called_job["permissions"], "{file}");
    }
}

/// The README's picture of the pull request comment is cut from the bundled example's report
/// (docs/example-report.md): every quoted line is one of its lines, in its order, save the
/// lines that say what was left out (`…`).
#[test]
fn the_readme_comment_is_cut_from_the_example_report() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let report = fs::read_to_string(root().join("docs/example-report.md")).unwrap();
    let quoted: Vec<&str> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("> "))
        .filter(|line| !line.contains('…'))
        .collect();
    assert!(quoted.len() > 10, "a picture of the comment");
    let mut rest = report.lines();
    for line in quoted {
        assert!(
            rest.any(|report_line| report_line == line),
            "not in docs/example-report.md (in this order): {line}"
        );
    }
}

/// The README's two commands: the bundled example and the tests, which `.ci/run` runs too.
#[test]
fn the_readme_commands_are_the_ones_that_exist() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("```sh\nbash examples/run-nightly.sh\n```"));
    assert!(root().join("examples/run-nightly.sh").is_file());
    assert!(readme.contains("```sh\ncargo test --locked\n```"));
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|line| line == "cargo test --locked"));
    let set_up = readme.find("\n## Set up\n").expect("a set-up checklist");
    assert!(
        readme[..set_up].lines().count() <= 50,
        "the checklist starts on the first screen"
    );
}

// ---------------------------------------------------------------- helpers

/// One job's worth of runner folders: `$RUNNER_TEMP`, the step's `$GITHUB_OUTPUT` and
/// `$GITHUB_STEP_SUMMARY`, and the fake binary's mark.
struct Runner {
    temp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let runner = Runner {
            temp: tempfile::tempdir().unwrap(),
        };
        for file in ["github-output", "step-summary", "mark"] {
            fs::write(runner.path(file), "").unwrap();
        }
        runner
    }

    fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// `${{ runner.temp }}/track-models`, as action.yml passes it.
    fn install_dir(&self) -> PathBuf {
        self.path("runner-temp/track-models")
    }

    fn reports(&self) -> String {
        self.path("runner-temp/track-models/reports")
            .display()
            .to_string()
    }

    fn mark(&self) -> String {
        fs::read_to_string(self.path("mark")).unwrap()
    }

    fn step_output(&self) -> String {
        fs::read_to_string(self.path("github-output")).unwrap()
    }

    fn fake_args(&self) -> Vec<String> {
        lines(&self.path("fake-args"))
    }

    /// `bash action/<script>` in a clean environment that looks like a Linux x64 runner step.
    fn step(&self, script: &str) -> Command {
        let runner_temp = self.dir("runner-temp");
        let mut command = Command::new("bash");
        command
            .arg(root().join("action").join(script))
            .current_dir(self.temp.path())
            .env_clear()
            .env("PATH", search_path(None))
            .env("HOME", self.temp.path())
            .env("RUNNER_TEMP", runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_REPOSITORY", "flashinfer-ai/track-models")
            .env("GITHUB_OUTPUT", self.path("github-output"))
            .env("GITHUB_STEP_SUMMARY", self.path("step-summary"))
            .env("FAKE_MARK", self.path("mark"));
        command
    }

    fn install(&self, checksums: &Path, install_from: &str, release_url: &str) -> Output {
        self.step("install.sh")
            .envs(install_env(self, checksums, install_from, release_url))
            .output()
            .unwrap()
    }

    /// Runs the run step with the fake binary installed, as action.yml runs it after the install.
    fn run_step(&self, inputs: &[(&str, &str)]) -> Output {
        let bin = self
            .dir("runner-temp/track-models/bin")
            .join("track-models");
        install_executable(&fixture_path("fake-track-models.sh"), &bin);
        self.step("run.sh")
            .env("TRACK_MODELS_BIN", &bin)
            .env("TRACK_MODELS_REPORTS", self.reports())
            .env("FAKE_ARGS", self.path("fake-args"))
            .envs(inputs.iter().copied())
            .output()
            .unwrap()
    }
}

/// The install step's variables, named and shaped as action.yml sets them (`uses: ./`, where
/// `github.action_repository` is empty).
fn install_env(
    runner: &Runner,
    checksums: &Path,
    install_from: &str,
    release_url: &str,
) -> Vec<(String, String)> {
    vec![
        (
            "TRACK_MODELS_CHECKSUMS".into(),
            checksums.display().to_string(),
        ),
        ("TRACK_MODELS_INSTALL_FROM".into(), install_from.into()),
        ("TRACK_MODELS_RELEASE_URL".into(), release_url.into()),
        ("TRACK_MODELS_RELEASE_REPOSITORY".into(), String::new()),
        ("TRACK_MODELS_ACTION_REPOSITORY".into(), String::new()),
        (
            "TRACK_MODELS_INSTALL_DIR".into(),
            runner.install_dir().display().to_string(),
        ),
    ]
}

/// The build step's variables, as action.yml sets them.
fn build_env(runner: &Runner) -> Vec<(String, String)> {
    let install_dir = runner.install_dir();
    vec![
        (
            "TRACK_MODELS_INSTALL_DIR".into(),
            install_dir.display().to_string(),
        ),
        (
            "TRACK_MODELS_TARGET_DIR".into(),
            install_dir.join("target").display().to_string(),
        ),
        ("TRACK_MODELS_BUILD_KEY".into(), BUILD_KEY.into()),
    ]
}

const BUILD_KEY: &str = "5f1e0c0a4b3d2e1f5f1e0c0a4b3d2e1f5f1e0c0a4b3d2e1f5f1e0c0a4b3d2e1f";

fn build_env_names(runner: &Runner) -> BTreeSet<String> {
    build_env(runner)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The build cache key, computed here as `sha256sum` lists them: the SHA-256 of the lines
/// `<sha256>  <path>` of Cargo.toml, Cargo.lock and every file under src/, in byte order of
/// their paths.
fn source_hash(action: &Path) -> String {
    use sha2::{Digest, Sha256};
    fn walk(dir: &Path, relative: &str, files: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{relative}/{}", entry.file_name().to_str().unwrap());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &name, files);
            } else {
                files.push(name);
            }
        }
    }
    let mut files = vec!["Cargo.toml".to_string(), "Cargo.lock".to_string()];
    walk(&action.join("src"), "src", &mut files);
    files.sort();
    let mut listing = String::new();
    for file in files {
        let digest = Sha256::digest(fs::read(action.join(&file)).unwrap());
        listing.push_str(&format!("{digest:x}  {file}\n"));
    }
    format!("{:x}", Sha256::digest(listing.as_bytes()))
}

fn install_env_names(runner: &Runner) -> BTreeSet<String> {
    install_env(runner, Path::new("x"), "auto", "")
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// A release asset as release.yml packs it: `track-models` at the top of a gzipped tarball
/// (here the fake binary, a shell script, so it runs on any arch).
fn release_tarball(runner: &Runner) -> Vec<u8> {
    let staging = runner.dir("staging");
    install_executable(
        &fixture_path("fake-track-models.sh"),
        &staging.join("track-models"),
    );
    let tarball = runner.path(ASSET);
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(&staging)
        .arg("track-models")
        .status()
        .unwrap();
    assert!(status.success());
    fs::read(tarball).unwrap()
}

/// A loopback release server answering only `/releases/{TAG}/{ASSET}`.
async fn release_server(tarball: &[u8], downloads: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/releases/{TAG}/{ASSET}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(tarball.to_vec()))
        .expect(downloads)
        .mount(&server)
        .await;
    server
}

fn release_url(server: &MockServer) -> String {
    format!("{}/releases/{TAG}", server.uri())
}

fn checksum_line(sha: &str, asset: &str) -> String {
    format!("# test release\n{sha}  {TAG}/{asset}\n")
}

fn sha256(bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    fs::write(file.path(), bytes).unwrap();
    let output = Command::new("sha256sum").arg(file.path()).output().unwrap();
    assert!(output.status.success());
    stdout(&output)[..64].to_string()
}

fn fixture_path(name: &str) -> PathBuf {
    root().join("tests/fixtures/action").join(name)
}

fn install_executable(from: &Path, to: &Path) {
    fs::copy(from, to).unwrap();
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).unwrap();
}

fn search_path(first: Option<&Path>) -> String {
    let inherited = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    match first {
        Some(dir) => format!("{}:{inherited}", dir.display()),
        None => inherited,
    }
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

const CHECKOUT: &str = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8";

fn workflow(file: &str) -> Value {
    serde_norway::from_str(
        &fs::read_to_string(root().join(".github/workflows").join(file)).unwrap(),
    )
    .unwrap()
}

/// The ```yaml blocks of a Markdown text, parsed (a `<full commit sha>` placeholder is fine:
/// it only stands in a string).
fn yaml_blocks(markdown: &str) -> Vec<Value> {
    markdown
        .split("```yaml\n")
        .skip(1)
        .map(|rest| serde_norway::from_str(&rest[..rest.find("```").unwrap()]).unwrap())
        .collect()
}

fn action_yml() -> Value {
    serde_norway::from_str(&fs::read_to_string(root().join("action.yml")).unwrap()).unwrap()
}

// ---------------------------------------------------------------- the coverage report comment

/// The `run:` script of the step named `name` in a workflow file.
fn workflow_step_script(file: &str, name: &str) -> String {
    for job in workflow(file)["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().into_iter().flatten() {
            if step["name"] == name {
                return step["run"].as_str().unwrap().to_string();
            }
        }
    }
    panic!("no step `{name}` in {file}")
}

/// A report far over a comment's limit, bundled by coverage-report.yml for a failed check and
/// cut by coverage-report-comment.yml's own script: at most 65,536 characters, cut by
/// characters (valid UTF-8), the "out of date" warning kept, every `<details>` closed and a
/// visible note at the end.
#[test]
fn the_comment_workflow_cuts_a_long_report_by_characters_and_keeps_the_warning() {
    let runner = Runner::new();
    let mut report =
        String::from("## Model coverage\n\n<details><summary>gemm (9000)</summary>\n\n");
    for i in 0..9_000 {
        report.push_str(&format!("- `gemm_n{i}_k4096` — Modèle ✅ numéro {i}\n"));
    }
    report.push_str("\n</details>\n");
    let report_md = runner.write("report.md", &report);
    let runner_temp = runner.dir("runner-temp");

    let bundle = workflow_step_script(
        "coverage-report.yml",
        "Bundle the report for the comment workflow",
    );
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &bundle])
        .env("RUNNER_TEMP", &runner_temp)
        .env("REPORT_MD", &report_md)
        .env("PR_NUMBER", "7")
        .env("OUTCOME", "failure")
        .env("DOC", "docs/model_coverage.mdx")
        .env("TRACK_MODELS_REPOSITORY", "flashinfer-ai/track-models")
        .env(
            "TRACK_MODELS_REF",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    // The comment script up to the body file (the rest talks to the GitHub API).
    let script = workflow_step_script(
        "coverage-report-comment.yml",
        "Create or update the sticky comment",
    );
    let start = script.find("marker=").unwrap();
    let end = script.find("} >\"$body\"").unwrap() + "} >\"$body\"".len();
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script[start..end]])
        .env("RUNNER_TEMP", &runner_temp)
        .env("REPORT_DIR", runner_temp.join("coverage-report"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    let body = fs::read(runner_temp.join("comment.md")).unwrap();
    let body = String::from_utf8(body).expect("cut on a character boundary");
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.chars().count() > 50_000);
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("<!-- track-models: coverage report -->"));
    assert_eq!(lines.next(), Some("> [!WARNING]"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("> The doc is out of date"));
    assert_eq!(
        lines.next(),
        Some(
            "> Install this version of track-models with `cargo install --git \
             https://github.com/flashinfer-ai/track-models --rev \
             0123456789abcdef0123456789abcdef01234567 --locked`."
        )
    );
    assert_eq!(body.matches("<details>").count(), 1);
    assert_eq!(body.matches("</details>").count(), 1);
    let note = body
        .find("> [!NOTE]\n> Truncated to fit")
        .expect("a visible note");
    assert!(body.rfind("</details>").unwrap() < note);
    assert!(
        body.trim_end().ends_with("Coverage report run."),
        "{}",
        &body[body.len() - 200..]
    );
}
