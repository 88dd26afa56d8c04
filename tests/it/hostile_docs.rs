//! Issue 19, second hostile-input round, the doc's share: each reproduction in our words, with
//! the exact behaviour the binary must show (warning lines, exit codes, bytes kept).
//!
//! - 3: the summary table is addressed by its header (Notes column, a row with a missing cell);
//! - 5: `{/*` inside inline code opens no MDX comment;
//! - 9: a summary row whose section was renamed fails `--check`;
//! - 10: a doc folder that cannot be opened is refused, never run unlocked;
//! - 11: a note people wrote inside a generated section survives a regeneration;
//! - 12: thousands of duplicate headings: bounded warnings, linear work;
//! - 13: a line of pipes: cells located up to a fixed count, however long the line;
//! - 14: closed front matter may hold a `## …` YAML comment;
//! - 15: a fence indented four or more spaces inside a code block is content.

use std::fs;
use std::process::Output;

use crate::hardening::DOC;
use crate::support::{
    allocations, plan_refresh, root, stderr, stdout, trace_dir, track_models, workspace,
};

/// Runs the binary on a copy of `doc` with `args` after `--refresh-status`: (exit code, stdout,
/// stderr with the path shown as `DOC`, the doc left behind).
fn refresh(doc: &str, args: &[&str]) -> (Option<i32>, String, String, String) {
    let (_dir, path) = workspace(doc);
    let trace = trace_dir();
    let mut all = vec![
        "--refresh-status",
        "--doc",
        &path,
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let output = track_models(&all);
    let after = fs::read_to_string(&path).unwrap();
    (
        output.status.code(),
        stdout(&output),
        stderr(&output).replace(&path, "DOC"),
        after,
    )
}

// ------------------------------------------------------------------ 3: summary by header

#[test]
fn a_notes_column_in_the_summary_keeps_every_note_and_the_label_goes_under_coverage() {
    let doc = DOC
        .replace(
            "| Model | Architecture | Coverage |\n|-------|-------------|:--------:|\n| Alpha | GQA | 🟡 Partial |",
            "| Model | Architecture | Coverage | Notes |\n|-------|-------------|:--------:|-------|\n| Alpha | GQA | ❌ Not covered | ask @kernels first |",
        );
    let (code, _, err, after) = refresh(&doc, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err, "updated `DOC` (1 section changed, 0 models added, 1 definition missing)\n",
        "the label changed, nothing was warned about"
    );
    assert_eq!(
        after,
        doc.replace(
            "| Alpha | GQA | ❌ Not covered | ask @kernels first |",
            "| Alpha | GQA | 🟡 Partial | ask @kernels first |"
        )
    );
}

#[test]
fn a_summary_row_with_a_missing_cell_is_left_alone_with_a_warning() {
    let doc = DOC.replace("| Alpha | GQA | 🟡 Partial |", "| Alpha | ❌ Not covered |");
    let (code, _, err, after) = refresh(&doc, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "warning: `DOC`:14: summary row `Alpha` has 2 cells but the header has 3; left alone\n`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing)\n"
    );
    assert_eq!(after, doc, "the row keeps its text, bytes unchanged");
}

#[test]
fn a_summary_table_without_a_coverage_column_is_a_warning() {
    let doc = DOC.replace(
        "| Model | Architecture | Coverage |",
        "| Model | Architecture | Remarks |",
    );
    let (code, _, err, after) = refresh(&doc, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "warning: `DOC`:12: the summary table has no `Coverage` column (no header cell `Coverage` or `Status`): no summary label is refreshed\n`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing)\n"
    );
    assert_eq!(after, doc);
}

// ------------------------------------------------------------------ 5: code spans

#[test]
fn a_comment_opener_inside_inline_code_opens_no_comment() {
    // Prose that shows the MDX comment syntax, then the model section with a stale row: the
    // section is read (not swallowed up to the next `*/}`) and `--check` fails on the row.
    let doc = DOC
        .replace(
            "- ❌ Definition is missing\n",
            "- ❌ Definition is missing\n\nHide a draft with `{/*` … `*/}`; write ``{/* `x` */}`` inline.\n",
        )
        .replace("| `rmsnorm_h4096` | rmsnorm | ✅ |", "| `rmsnorm_h4096` | rmsnorm | ❌ |");
    let (code, out, err, after) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains("-| `rmsnorm_h4096` | rmsnorm | ❌ |\n+| `rmsnorm_h4096` | rmsnorm | ✅ |\n"),
        "{out}"
    );
    assert_eq!(after, doc, "--check writes nothing");
}

#[test]
fn a_comment_opened_in_prose_outside_code_still_hides_what_follows() {
    let doc = DOC.replace(
        "## Alpha\n",
        "`code` then {/* draft\n\n## Alpha\n\n*/}\n\n## Alpha\n",
    );
    let (code, _, err, _) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n", "one `## Alpha`, no duplicate");
}

// ------------------------------------------------------------------ 9: orphaned summary rows

#[test]
fn a_summary_row_whose_section_was_renamed_fails_the_check() {
    let doc = DOC.replace("## Alpha", "## Alpha Prime");
    let warning = "warning: `DOC`:14: summary row `Alpha` matches no `##` section (renamed or removed?): its label `🟡 Partial` cannot be checked\nhint: rename the row to its section's heading, or remove it\n";
    let (code, out, err, after) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "", "nothing would change: no diff");
    assert_eq!(
        err,
        format!("{warning}`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n`DOC` cannot be checked: 1 line(s) named above cannot be verified\n")
    );
    assert_eq!(after, doc);
    // Write mode warns the same and leaves the row (it has no section to be judged by).
    let (code, _, err, after) = refresh(&doc, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(err, format!("{warning}`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing)\n"));
    assert_eq!(after, doc);
}

// ------------------------------------------------------------------ 10: the lock

#[test]
fn a_doc_folder_that_cannot_be_opened_is_refused_not_run_unlocked() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let outer = tempfile::tempdir().unwrap();
    fs::set_permissions(outer.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let folder = outer.path().join("docs");
    fs::create_dir(&folder).unwrap();
    let path = folder.join("model_coverage.mdx");
    let stale = DOC.replace(
        "| `rmsnorm_h4096` | rmsnorm | ✅ |",
        "| `rmsnorm_h4096` | rmsnorm | ❌ |",
    );
    fs::write(&path, &stale).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    // Write and search, but no read: the folder cannot be opened to lock it.
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o333)).unwrap();
    // The binary and the dataset where `nobody` may read them, wherever the checkout is.
    let unprivileged = crate::support::Unprivileged::new();
    let mut command = std::process::Command::new(&unprivileged.bin);
    command
        .args(["--refresh-status", "--doc"])
        .arg(&path)
        .arg("--trace-dir")
        .arg(&unprivileged.trace_dir)
        .env_remove("GITHUB_ACTIONS")
        .env("HF_HUB_OFFLINE", "1");
    // Root opens any folder: run as an unprivileged user so the permission applies.
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        command.uid(65534).gid(65534);
    }
    let output: Output = command.output().unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot open the folder `{}` to lock `{}` against other runs (Permission denied (os error 13)); the doc was left untouched\nhint: give the folder read permission (`chmod u+r`), or move the doc to a folder you can read\n",
            folder.display(),
            path.display()
        )
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), stale);
}

// ------------------------------------------------------------------ 11: notes in generated sections

#[test]
fn a_note_people_wrote_inside_a_generated_section_is_kept_with_a_warning() {
    let before = fs::read_to_string(
        root().join("tests/fixtures/regenerate/last-stale-fingerprint.before.mdx"),
    )
    .unwrap();
    let note = "Note from the kernels team: the sliding-window kernels land next week.";
    let heading = before.find("## Gemma 3 27B\n").unwrap();
    let at = heading + before[heading..].find("| Definition |").unwrap();
    let doc = format!("{}{note}\n\n{}", &before[..at], &before[at..]);
    let note_line = doc[..doc.find(note).unwrap()].lines().count() + 1;
    let (dir, path) = workspace(&doc);
    let config = root().join("tests/fixtures/configs/google/gemma-3-27b-it/config.json");
    let quiet = crate::support::quiet_serving_args();
    let mut args = vec![
        "--model-name",
        "gemma-3-27b-it",
        "--hf-repo-id",
        "google/gemma-3-27b-it",
        "--config-file",
        config.to_str().unwrap(),
        "--tp",
        "1",
        "--ep",
        "1",
        "--doc",
        &path,
    ];
    let trace = trace_dir();
    args.extend(["--trace-dir", trace.to_str().unwrap()]);
    args.extend(quiet.iter().map(String::as_str));
    let output = track_models(&args);
    drop(dir);
    let err = stderr(&output).replace(&path, "DOC");
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(
        err,
        format!("warning: `DOC`:{note_line}: `## Gemma 3 27B` is generated but holds text the generator does not write (`{note}`): not regenerated, so that text is kept\nhint: move the note below the section's `---` line (or delete it) and run again\n`DOC` is up to date (0 sections changed, 0 models added, 1 definition missing)\n")
    );
}

// ------------------------------------------------------------------ 12: duplicate headings

/// A doc with `copies` sections all titled `Twin` and as many summary rows naming it.
fn twins(copies: usize) -> String {
    let mut doc =
        String::from("## Summary\n\n| Model | Architecture | Coverage |\n|---|---|---|\n");
    for _ in 0..copies {
        doc.push_str("| Twin | GQA | ❌ Not covered |\n");
    }
    for _ in 0..copies {
        doc.push_str("\n## Twin\n\n| Definition | Status |\n|---|---|\n| `rmsnorm_h4096` | ✅ |\n");
    }
    doc
}

#[test]
fn duplicate_headings_give_one_bounded_warning_however_many_there_are() {
    let index = crate::support::index();
    let warnings = |copies: usize| -> Vec<(usize, String)> {
        plan_refresh(&twins(copies), &index)
            .unwrap()
            .warnings
            .into_iter()
            .map(|w| (w.line, w.message))
            .collect()
    };
    assert_eq!(
        warnings(8_000),
        [
            (
                5,
                "summary row `Twin` matches 8000 sections (lines 8006, 8012, 8018, 8024, 8030 and 7995 more); left alone (so are the rows on lines 6, 7, 8, 9, 10 and 7994 more)".to_string()
            ),
            (
                8006,
                "duplicate `## Twin` heading (again on lines 8012, 8018, 8024, 8030, 8036 and 7994 more); its summary row is left alone".to_string()
            ),
        ]
    );
    // Many distinct duplicated titles: 20 named, the rest counted in one line.
    let mut doc = String::new();
    for title in 0..50 {
        doc.push_str(&format!("## T{title}\n## T{title}\n"));
    }
    doc.push_str("| Definition | Status |\n|---|---|\n| `rmsnorm_h4096` | ✅ |\n");
    let plan = plan_refresh(&doc, &index).unwrap();
    let duplicates: Vec<&str> = plan
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .filter(|m| m.contains("duplicate") || m.contains("duplicated"))
        .collect();
    assert_eq!(duplicates.len(), 21);
    assert_eq!(
        duplicates[20],
        "30 more `##` titles are duplicated (from this line on); their summary rows are left alone"
    );
}

#[test]
fn duplicate_headings_cost_linear_work() {
    // The work counted in allocations, which are the same on every run whatever the machine's
    // load: 8× the duplicates cost about 8× (linear), never 64× (quadratic, as when every row
    // listed every heading or looked each one up again).
    let index = crate::support::index();
    let work = |copies: usize| {
        let doc = twins(copies);
        allocations(|| plan_refresh(&doc, &index).unwrap()).1
    };
    let small = work(1_000);
    let large = work(8_000);
    assert_eq!(work(1_000), small, "the count is the same on every run");
    assert!(
        large.count < 9 * small.count && large.bytes < 9 * small.bytes,
        "8x input cost {:.2}x the allocations, {:.2}x the bytes",
        large.count as f64 / small.count as f64,
        large.bytes as f64 / small.bytes as f64
    );
}

// ------------------------------------------------------------------ 13: a line of pipes

#[test]
fn a_line_of_pipes_locates_a_bounded_number_of_cells() {
    use track_models::api::doc::table::{parse_row, Cells, MAX_CELLS};
    let line = "|".repeat(1_000_001);
    let row = parse_row(&line, 0, 0, line.len()).unwrap();
    assert_eq!(row.len(), 1_000_000, "every cell is counted");
    assert_eq!(
        row.cells.len(),
        MAX_CELLS,
        "only the first ones are located"
    );
    match &row.cells {
        Cells::Heap(cells) => assert!(cells.capacity() <= 2 * MAX_CELLS, "{}", cells.capacity()),
        Cells::Inline(..) => panic!("64 cells are more than a row holds in place"),
    }
    // As a doc: the line is no table (no delimiter row) and the doc around it is read.
    let doc = DOC.replace("## Alpha\n", &format!("{line}\n\n## Alpha\n"));
    let (code, _, err, _) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(0), "{err}");
}

// ------------------------------------------------------------------ 14: front matter

#[test]
fn closed_front_matter_may_hold_a_yaml_comment_that_looks_like_a_heading() {
    let doc = DOC.replace(
        "title: Model Coverage\n",
        "title: Model Coverage\n## owners: the kernels team\n",
    );
    let (code, _, err, after) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "`DOC` is up to date (0 sections would change, 0 models would be added, 1 definition missing)\n");
    assert_eq!(after, doc);
}

// ------------------------------------------------------------------ 15: fences

#[test]
fn an_indented_fence_inside_a_code_block_is_content() {
    // The five-space fence is the block's content; the block closes on the real fence and the
    // section after it is read (its stale row fails the check).
    let doc = DOC
        .replace(
            "- ❌ Definition is missing\n",
            "- ❌ Definition is missing\n\n```md\nA nested example:\n     ```\n| `rmsnorm_h4096` | rmsnorm | ❌ |\n```\n",
        )
        .replace("| `rmsnorm_h4096` | rmsnorm | ✅ |", "| `rmsnorm_h4096` | rmsnorm | ❌ |");
    let (code, out, err, _) = refresh(&doc, &["--check"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        out.matches("+| `rmsnorm_h4096` | rmsnorm | ✅ |").count(),
        1,
        "{out}"
    );
    // Without its closing fence, the error names the line that opened it.
    let unclosed = doc.replacen("\n```\n", "\n", 1);
    let (code, _, err, _) = refresh(&unclosed, &["--check"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `DOC`:10: the code fence ``` opened here is never closed: nothing after it could be read\n"
    );
}
