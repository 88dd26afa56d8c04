//! What to write next (`crate::next`): `next`, `closest`, `same_kernel` and `trend` in the
//! reports, through the binary; the comment's limit with a large `next` through the renderer.

use std::fs;
use std::path::Path;

use git2::{Repository, Signature, Time};
use serde_json::{json, Value};

use crate::support::{root, stderr, track_models};

/// A model section: its heading and rows `(name, op type cell, status cell)`.
type Section<'a> = (&'a str, &'a [(&'a str, &'a str, &'a str)]);

/// A doc: a Summary table with `labels` as written, then one section per `(heading, rows)`,
/// each row `(name, op type cell, status cell)`.
fn doc(labels: &[(&str, &str)], sections: &[Section]) -> String {
    let mut text = String::from("# Coverage\n\n## Summary\n\n| Model | Coverage |\n|---|---|\n");
    for (model, label) in labels {
        text.push_str(&format!("| {model} | {label} |\n"));
    }
    for (heading, rows) in sections {
        text.push_str(&format!(
            "\n## {heading}\n\n| Definition | Op Type | Status |\n|---|---|---|\n"
        ));
        for (name, op, status) in *rows {
            text.push_str(&format!("| {name} | {op} | {status} |\n"));
        }
    }
    text
}

/// Runs `--refresh-status --dry-run` on `doc_path` against `trace` with both reports; returns
/// the JSON report, the Markdown report and stderr.
fn run(doc_path: &Path, trace: &Path) -> (Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("report.json");
    let md_path = dir.path().join("report.md");
    let output = track_models(&[
        "--refresh-status",
        "--dry-run",
        "--doc",
        doc_path.to_str().unwrap(),
        "--trace-dir",
        trace.to_str().unwrap(),
        "--report-json",
        json_path.to_str().unwrap(),
        "--report-md",
        md_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = serde_json::from_str(&fs::read_to_string(&json_path).unwrap()).unwrap();
    (
        report,
        fs::read_to_string(&md_path).unwrap(),
        stderr(&output),
    )
}

/// A dataset folder holding only `rmsnorm_h100`.
fn small_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("definitions/rmsnorm");
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join("rmsnorm_h100.json"),
        r#"{"name": "rmsnorm_h100", "op_type": "rmsnorm", "axes": {"batch_size": {"type": "var"}, "hidden_size": {"type": "const", "value": 100}}, "inputs": {"hidden_states": {}, "weight": {}}, "outputs": {"output": {}}}"#,
    )
    .unwrap();
    dir
}

const MISSING: &str = "❌";

/// Overlaps (a name in several sections, twice in one), ties on models and on completes, a
/// section four away, one complete, a `TP=2` op type cell and an unmapped row.
fn ranked_doc() -> String {
    doc(
        &[],
        &[
            (
                "Alpha",
                &[
                    ("`gemm_n100_k1`", "gemm", MISSING),
                    ("`rmsnorm_h100`", "rmsnorm", "✅"),
                ],
            ),
            (
                "Beta",
                &[
                    ("`gemm_n200_k1`", "gemm", MISSING),
                    ("`gemm_n100_k1`", "gemm", MISSING),
                ],
            ),
            (
                "Gamma",
                &[
                    ("`gemm_n500_k1`", "gemm", MISSING),
                    ("`gemm_n400_k1`", "gemm", MISSING),
                    ("`gemm_n300_k1`", "gemm", MISSING),
                    ("`gemm_n200_k1`", "gemm", MISSING),
                ],
            ),
            (
                "Delta",
                &[
                    ("`gemm_n300_k1`", "gemm TP=2", MISSING),
                    ("attention (sliding window)", "—", "—"),
                    ("`rmsnorm_h100`", "rmsnorm", "✅"),
                ],
            ),
            ("Epsilon", &[("`rmsnorm_h100`", "rmsnorm", "✅")]),
            (
                "Zeta",
                &[
                    ("`gemm_n600_k1`", "gemm", MISSING),
                    ("`gemm_n600_k1`", "gemm", MISSING),
                ],
            ),
        ],
    )
}

#[test]
fn next_and_closest_rank_overlaps_and_break_ties_exactly() {
    let dataset = small_dataset();
    let (_dir, path) = crate::support::workspace(&ranked_doc());
    let (report, markdown, _) = run(Path::new(&path), dataset.path());
    let entry = |name: &str, models: &[&str], completes: &[&str]| json!({"definition": name, "op_type": "gemm", "models": models, "completes": completes});
    assert_eq!(
        report["next"],
        json!([
            entry("gemm_n100_k1", &["Alpha", "Beta"], &["Alpha"]),
            entry("gemm_n300_k1", &["Delta", "Gamma"], &["Delta"]),
            entry("gemm_n200_k1", &["Beta", "Gamma"], &[]),
            entry("gemm_n600_k1", &["Zeta"], &["Zeta"]),
            entry("gemm_n400_k1", &["Gamma"], &[]),
            entry("gemm_n500_k1", &["Gamma"], &[]),
        ])
    );
    assert_eq!(
        report["closest"],
        json!([
            {"model": "Alpha", "missing": ["gemm_n100_k1"]},
            {"model": "Delta", "missing": ["gemm_n300_k1"]},
            {"model": "Zeta", "missing": ["gemm_n600_k1"]},
            {"model": "Beta", "missing": ["gemm_n100_k1", "gemm_n200_k1"]},
        ])
    );
    assert_eq!(report["same_kernel"], json!([]));
    let section = markdown
        .split("### What to write next\n\n")
        .nth(1)
        .and_then(|rest| rest.split("#### Coverage over time").next())
        .unwrap();
    assert_eq!(
        section,
        "The missing definitions that unblock the most models (6 of 6):\n\n\
         | # | Definition (op type) | Unblocks | Completes |\n|---:|---|---|---|\n\
         | 1 | `gemm_n100_k1` (`gemm`) | 2: Alpha, Beta | 1: Alpha |\n\
         | 2 | `gemm_n300_k1` (`gemm`) | 2: Delta, Gamma | 1: Delta |\n\
         | 3 | `gemm_n200_k1` (`gemm`) | 2: Beta, Gamma | 0 |\n\
         | 4 | `gemm_n600_k1` (`gemm`) | 1: Zeta | 1: Zeta |\n\
         | 5 | `gemm_n400_k1` (`gemm`) | 1: Gamma | 0 |\n\
         | 6 | `gemm_n500_k1` (`gemm`) | 1: Gamma | 0 |\n\n\
         #### Closest to full coverage (4)\n\n\
         - **Alpha** (1 missing): `gemm_n100_k1`\n\
         - **Delta** (1 missing): `gemm_n300_k1`\n\
         - **Zeta** (1 missing): `gemm_n600_k1`\n\
         - **Beta** (2 missing): `gemm_n100_k1`, `gemm_n200_k1`\n\n"
    );
}

#[test]
fn a_renamed_definition_is_probably_the_same_kernel_read_from_its_axes() {
    let dataset = root().join("tests/fixtures/next/flashinfer-trace");
    let text = doc(
        &[("Llama", "🟡 Partial"), ("Dense", "❌ Not covered")],
        &[
            (
                "Llama",
                &[
                    ("`gqa_paged_decode_h32_kv8_d128_ps1`", "gqa_paged", MISSING),
                    (
                        "`gqa_paged_prefill_causal_h32_kv8_d128_ps1`",
                        "gqa_paged",
                        "✅",
                    ),
                    ("`rmsnorm_h8192`", "rmsnorm", MISSING),
                    ("`fused_add_rmsnorm_h8192`", "rmsnorm", "✅"),
                    // Present, so ✅; its pattern is the doc's own: another kernel than
                    // `rmsnorm_h8192`, though its `hidden_size` is the same.
                ],
            ),
            ("Dense", &[("`gemm_n5120_k4096`", "gemm", MISSING)]),
        ],
    );
    let (_dir, path) = crate::support::workspace(&text);
    let (report, markdown, errors) = run(Path::new(&path), &dataset);
    // Nothing read was skipped: no `note:` line, only the run's summary.
    assert_eq!(
        errors,
        format!("`{path}` is up to date (0 sections would change, 0 models would be added, 3 definitions missing)\n")
    );
    assert_eq!(
        report["same_kernel"],
        json!([
            {"definition": "gemm_n5120_k4096", "op_type": "gemm", "models": ["Dense"],
             "same_as": ["matmul_bf16_n5120_k4096"],
             "note": "probably the same kernel as `matmul_bf16_n5120_k4096`"},
            {"definition": "gqa_paged_decode_h32_kv8_d128_ps1", "op_type": "gqa_paged",
             "models": ["Llama"], "same_as": ["paged_decode_h32_kv8_d128_ps1"],
             "note": "probably the same kernel as `paged_decode_h32_kv8_d128_ps1`"},
        ])
    );
    // Never silently ✅: the rows stay ❌ and are still ranked.
    let statuses: Vec<&str> = report["models"][0]["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["missing", "ready", "missing", "ready"]);
    assert!(
        markdown.contains("| 1 | `gemm_n5120_k4096` (`gemm`; probably the same kernel as `matmul_bf16_n5120_k4096`) | 1: Dense | 1: Dense |\n| 2 | `gqa_paged_decode_h32_kv8_d128_ps1` (`gqa_paged`; probably the same kernel as `paged_decode_h32_kv8_d128_ps1`) | 1: Llama | 0 |\n| 3 | `rmsnorm_h8192` (`rmsnorm`) | 1: Llama | 0 |\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("#### Probably the same kernel, other name (2)\n\n- `gemm_n5120_k4096` (1: Dense): probably the same kernel as `matmul_bf16_n5120_k4096`\n- `gqa_paged_decode_h32_kv8_d128_ps1` (1: Llama): probably the same kernel as `paged_decode_h32_kv8_d128_ps1`\n\n"),
        "{markdown}"
    );
}

/// A git repository in a temp folder whose commits have a pinned author, committer and date.
struct TempRepo {
    dir: tempfile::TempDir,
    repo: Repository,
}

impl TempRepo {
    fn new() -> TempRepo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        repo.set_head("refs/heads/main").unwrap();
        TempRepo { dir, repo }
    }

    /// Writes `files` and commits them on top of `parents` (the first is HEAD's commit when
    /// `parents` is empty and HEAD exists), moving `branch`; returns the commit id.
    fn commit(
        &self,
        seconds: i64,
        offset_minutes: i32,
        files: &[(&str, &str)],
        parents: &[git2::Oid],
        branch: &str,
    ) -> git2::Oid {
        let mut index = self.repo.index().unwrap();
        for (path, text) in files {
            fs::write(self.dir.path().join(path), text).unwrap();
            index.add_path(Path::new(path)).unwrap();
        }
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let signature = Signature::new(
            "Doc Writer",
            "doc@example.invalid",
            &Time::new(seconds, offset_minutes),
        )
        .unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|id| self.repo.find_commit(*id).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        let reference = format!("refs/heads/{branch}");
        self.repo
            .commit(
                Some(&reference),
                &signature,
                &signature,
                "commit",
                &tree,
                &parents,
            )
            .unwrap()
    }
}

/// A doc whose Summary says `labels` as written; every section lists `rmsnorm_h100` (✅), and
/// `Partial` also `gemm_n1_k1` (❌), so this run labels sections A and B fully covered and C
/// partial.
fn versioned_doc(labels: &[(&str, &str)]) -> String {
    doc(
        labels,
        &[
            ("A", &[("`rmsnorm_h100`", "rmsnorm", "✅")]),
            ("B", &[("`rmsnorm_h100`", "rmsnorm", "✅")]),
            (
                "C",
                &[
                    ("`rmsnorm_h100`", "rmsnorm", "✅"),
                    ("`gemm_n1_k1`", "gemm", MISSING),
                ],
            ),
        ],
    )
}

const DAY: i64 = 86_400;
/// 2026-01-01T12:00:00Z.
const NEW_YEAR_NOON: i64 = 1_767_268_800;

#[test]
fn the_trend_counts_each_first_parent_version_of_the_doc_then_this_run() {
    let git = TempRepo::new();
    let doc_name = "model_coverage.mdx";
    let v1 = versioned_doc(&[("A", "❌ Not covered"), ("B", "❌ Not covered")]);
    let v2 = versioned_doc(&[("A", "✅ Fully covered"), ("B", "❌ Not covered")]);
    let v3 = versioned_doc(&[
        ("A", "✅ Fully covered"),
        ("B", "🟡 Partial"),
        ("C", "🟡 Partial"),
    ]);
    let side = versioned_doc(&[
        ("A", "✅ Fully covered"),
        ("B", "✅ Fully covered"),
        ("C", "🟡 Partial"),
    ]);
    let c1 = git.commit(NEW_YEAR_NOON, 0, &[(doc_name, &v1)], &[], "main");
    let c2 = git.commit(NEW_YEAR_NOON + DAY, 60, &[(doc_name, &v2)], &[c1], "main");
    // Touches another file only: not a version of the doc.
    let c3 = git.commit(
        NEW_YEAR_NOON + 2 * DAY,
        0,
        &[("notes.txt", "hi\n")],
        &[c2],
        "main",
    );
    let c4 = git.commit(
        NEW_YEAR_NOON + 3 * DAY,
        -300,
        &[(doc_name, &v3)],
        &[c3],
        "main",
    );
    // A side branch changes the doc; its commit is not on the first-parent line, the merge is.
    let s1 = git.commit(
        NEW_YEAR_NOON + 4 * DAY,
        0,
        &[(doc_name, &side)],
        &[c4],
        "side",
    );
    git.repo.set_head("refs/heads/main").unwrap();
    git.repo
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
    let c5 = git.commit(
        NEW_YEAR_NOON + 5 * DAY,
        0,
        &[("notes.txt", "ho\n")],
        &[c4],
        "main",
    );
    let merge = git.commit(
        NEW_YEAR_NOON + 6 * DAY,
        0,
        &[(doc_name, &side)],
        &[c5, s1],
        "main",
    );
    let dataset = small_dataset();
    let (report, markdown, errors) = run(&git.dir.path().join(doc_name), dataset.path());
    assert!(!errors.contains("trend"), "{errors}");
    let point = |commit: git2::Oid, date: &str, [fully, partial, not]: [u32; 3]| {
        json!({"commit": commit.to_string(), "date": date,
               "models": {"fully": fully, "partial": partial, "not": not}})
    };
    assert_eq!(
        report["trend"],
        json!([
            point(c1, "2026-01-01T12:00:00Z", [0, 0, 2]),
            point(c2, "2026-01-02T13:00:00+01:00", [1, 0, 1]),
            point(c4, "2026-01-04T07:00:00-05:00", [1, 2, 0]),
            point(merge, "2026-01-07T12:00:00Z", [2, 1, 0]),
            {"commit": null, "date": null, "models": {"fully": 2, "partial": 1, "not": 0}},
        ])
    );
    let short = |id: git2::Oid| id.to_string()[..7].to_string();
    let chart = format!(
        "```mermaid\nxychart-beta\n    title \"Fully covered models per version of the doc\"\n    \
         x-axis [\"{}\", \"{}\", \"{}\", \"{}\", \"this run\"]\n    y-axis \"Models\" 0 --> 2\n    \
         line [0, 1, 1, 2, 2]\n```\n\nThis run: ✅ 2 fully covered, 🟡 1 partial, ❌ 0 not covered; \
         at `{}` (2026-01-01): ✅ 0 fully covered, 🟡 0 partial, ❌ 2 not covered (4 versions read).\n",
        short(c1),
        short(c2),
        short(c4),
        short(merge),
        short(c1)
    );
    assert!(markdown.contains(&chart), "{markdown}");
}

#[test]
fn the_trend_keeps_the_52_most_recent_versions() {
    let git = TempRepo::new();
    let mut parent = Vec::new();
    let mut commits = Vec::new();
    for version in 0..55 {
        let labels: Vec<(String, &str)> = (0..version % 3)
            .map(|i| (format!("M{i}"), "✅ Fully covered"))
            .collect();
        let labels: Vec<(&str, &str)> = labels.iter().map(|(m, l)| (m.as_str(), *l)).collect();
        let text = format!("{}<!-- version {version} -->\n", versioned_doc(&labels));
        let id = git.commit(
            NEW_YEAR_NOON + version * 3600,
            0,
            &[("doc.mdx", &text)],
            &parent,
            "main",
        );
        parent = vec![id];
        commits.push(id.to_string());
    }
    let dataset = small_dataset();
    let (report, _, _) = run(&git.dir.path().join("doc.mdx"), dataset.path());
    let trend = report["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 53);
    let read: Vec<&str> = trend[..52]
        .iter()
        .map(|p| p["commit"].as_str().unwrap())
        .collect();
    assert_eq!(
        read,
        commits[3..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(trend[0]["models"]["fully"], json!(0)); // version 3: 3 % 3 = 0 labels
    assert_eq!(trend[51]["models"]["fully"], json!(0)); // version 54
    assert_eq!(trend[50]["models"]["fully"], json!(2)); // version 53
}

#[test]
fn outside_git_the_trend_is_this_run_alone() {
    let dataset = small_dataset();
    let (_dir, path) = crate::support::workspace(&versioned_doc(&[
        ("A", "❌ Not covered"),
        ("B", "❌ Not covered"),
        ("C", "❌ Not covered"),
    ]));
    let (report, markdown, _) = run(Path::new(&path), dataset.path());
    assert_eq!(
        report["trend"],
        json!([{"commit": null, "date": null, "models": {"fully": 2, "partial": 1, "not": 0}}])
    );
    assert!(markdown.contains(
        "    x-axis [\"this run\"]\n    y-axis \"Models\" 0 --> 2\n    line [2]\n```\n\nThis run: ✅ 2 fully covered, 🟡 1 partial, ❌ 0 not covered.\n"
    ), "{markdown}");
}

#[test]
fn the_comment_stays_within_limits_with_a_large_next() {
    use track_models::api::next::{LabelCounts, TrendPoint};
    use track_models::api::publish::render::{render_comment, Notice, MAX_CHARS};
    use track_models::api::report::{Action, DefinitionReport, ModelReport, Report};
    use track_models::api::status::Status;
    let models = (0..2_000)
        .map(|m| ModelReport {
            name: format!("Model number {m} with a long heading"),
            hf_repo_id: None,
            action: Action::Unchanged,
            summary_before: Some("🟡 Partial".into()),
            summary_after: "🟡 Partial".into(),
            definitions: (0..40)
                .map(|d| DefinitionReport {
                    name: format!("gemm_n{}_k{}", (m * 7 + d) % 3_000, d),
                    op_type: "gemm".into(),
                    tp: None,
                    ep: None,
                    status: if m % 3 == 0 && d > 1 {
                        Status::Ready
                    } else {
                        Status::Missing
                    },
                    why: None,
                    before: None,
                })
                .collect(),
        })
        .collect();
    let mut report = Report {
        models,
        ..Report::default()
    };
    report.collect_missing();
    report.trend = (0..53)
        .map(|i| TrendPoint {
            commit: (i < 52).then(|| format!("{i:040x}")),
            date: (i < 52).then(|| "2026-01-01T00:00:00+00:00".to_string()),
            models: LabelCounts {
                fully: i,
                partial: 1,
                not: 2,
            },
        })
        .collect();
    assert!(report.next.len() > 10_000, "{}", report.next.len());
    let ctx = crate::support::render_context();
    let comment = render_comment(&report, &ctx, &Notice::Current);
    assert!(
        comment.chars().count() <= MAX_CHARS,
        "{}",
        comment.chars().count()
    );
    let section = comment.split("### What to write next").nth(1).unwrap();
    let rows: Vec<&str> = section
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| #"))
        .take_while(|line| !line.starts_with("| Model"))
        .collect();
    let first: Vec<String> = report.next[..10]
        .iter()
        .enumerate()
        .map(|(i, e)| format!("| {} | `{}` (`gemm`) |", i + 1, e.definition))
        .collect();
    assert_eq!(rows.len(), 10);
    for (row, start) in rows.iter().zip(&first) {
        assert!(row.starts_with(start.as_str()), "{row} / {start}");
    }
    assert!(
        section.contains("<details><summary>"),
        "the closest list is folded"
    );
    assert!(section.contains("    line [0, 1, 2,"), "{section}");
}

#[test]
fn the_job_summary_shows_what_to_write_next() {
    let dataset = small_dataset();
    let (dir, path) = crate::support::workspace(&ranked_doc());
    let summary = dir.path().join("summary.md");
    let summary_path = summary.to_str().unwrap();
    let output = crate::support::track_models_env(
        &[
            "--refresh-status",
            "--dry-run",
            "--doc",
            &path,
            "--trace-dir",
            dataset.path().to_str().unwrap(),
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary_path),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = fs::read_to_string(summary).unwrap();
    assert!(
        summary.contains("### What to write next\n\nThe missing definitions that unblock the most models (6 of 6):\n\n| # | Definition (op type) | Unblocks | Completes |\n|---:|---|---|---|\n| 1 | `gemm_n100_k1` (`gemm`) | 2: Alpha, Beta | 1: Alpha |\n"),
        "{summary}"
    );
    assert!(
        // The doc's Summary table has no rows: nothing is counted.
        summary
            .contains("    x-axis [\"this run\"]\n    y-axis \"Models\" 0 --> 1\n    line [0]\n"),
        "{summary}"
    );
}
