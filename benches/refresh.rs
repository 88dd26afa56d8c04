//! Benchmark: `--refresh-status` on a large generated workspace.
//!
//! `cargo bench --bench refresh` generates (in a temporary folder) a trace dir with 100,000
//! definitions and 50,000 workloads and a doc with 1,000 model sections of 40 rows, then times:
//! the bare directory walk of the trace dir (the floor), a full refresh run (read the doc, walk
//! the dataset, plan, write the doc atomically), a no-op run, the refresh with a JSON report,
//! and the same refresh with 10× the sections; then, on a doc with 100,000 changed rows,
//! `--check` and `--dry-run` (which print the unified diff) against write mode in the same run. Peak memory of the refresh is read from the kernel (`VmHWM` after resetting it
//! through `/proc/self/clear_refs`). Each figure is the median of several runs.

use std::fs;
use std::io::sink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use track_models::api::cli::Cli;
use track_models::api::run::run;

const OP_TYPES: [&str; 10] = [
    "gemm",
    "gqa_paged",
    "gqa_ragged",
    "mla_paged",
    "mla_ragged",
    "moe",
    "rmsnorm",
    "rope",
    "sampling",
    "gdn",
];
const DEFINITIONS: usize = 100_000;
const WORKLOADS: usize = 50_000;
const ROWS_PER_SECTION: usize = 40;
const RUNS: usize = 11;
/// Sections of the doc the diff is timed on: enough for 100,000 changed rows.
const DIFF_SECTIONS: usize = 3_750;

fn main() {
    // `REFRESH_BENCH_WORKSPACE=DIR cargo bench --bench refresh` writes the inputs to `DIR`
    // (`trace/`, `doc-1k.mdx`, `doc-10k.mdx`) and stops: for callgrind and `/usr/bin/time`
    // on the release binary.
    let keep = std::env::var_os("REFRESH_BENCH_WORKSPACE").map(PathBuf::from);
    let work = tempfile::tempdir().expect("a temporary folder");
    let dir = keep.clone().unwrap_or_else(|| work.path().to_path_buf());
    let trace = dir.join("trace");
    generate_trace(&trace);
    let doc_1k = dir.join("doc-1k.mdx");
    let doc_10k = dir.join("doc-10k.mdx");
    fs::write(&doc_1k, generate_doc(1_000)).unwrap();
    fs::write(&doc_10k, generate_doc(10_000)).unwrap();
    if let Some(dir) = keep {
        println!("inputs written to {}", dir.display());
        return;
    }

    let walk = median(|| {
        let start = Instant::now();
        let files = bare_walk(&trace);
        assert_eq!(files, DEFINITIONS + WORKLOADS);
        start.elapsed()
    });
    let target = work.path().join("doc.mdx");
    let refresh_1k = median(|| timed_refresh(&doc_1k, &target, &trace));
    let peak = peak_memory(|| {
        timed_refresh(&doc_1k, &target, &trace);
    });
    let noop = median(|| {
        let start = Instant::now();
        refresh(&target, &trace);
        start.elapsed()
    });
    let refresh_10k = median(|| timed_refresh(&doc_10k, &target, &trace));
    let report = work.path().join("report.json");
    let with_report = median(|| {
        fs::copy(&doc_1k, &target).unwrap();
        let start = Instant::now();
        refresh_with(
            &target,
            &trace,
            &["--report-json", report.to_str().unwrap()],
        );
        start.elapsed()
    });

    let doc_diff = work.path().join("doc-diff.mdx");
    fs::write(&doc_diff, generate_doc(DIFF_SECTIONS)).unwrap();
    let changed_rows = changed_rows(&doc_diff, &trace);
    let write_diff_doc = median(|| timed_refresh(&doc_diff, &target, &trace));
    let check = median(|| {
        fs::copy(&doc_diff, &target).unwrap();
        let start = Instant::now();
        refresh_with(&target, &trace, &["--check"]);
        start.elapsed()
    });
    let dry_run = median(|| {
        fs::copy(&doc_diff, &target).unwrap();
        let start = Instant::now();
        refresh_with(&target, &trace, &["--dry-run"]);
        start.elapsed()
    });

    println!("trace dir: {DEFINITIONS} definitions, {WORKLOADS} workloads; doc: 1,000 sections x {ROWS_PER_SECTION} rows ({} KiB)", fs::metadata(&doc_1k).unwrap().len() / 1024);
    println!("median of {RUNS} runs");
    println!("bare directory walk (floor)      {}", walk.show());
    println!(
        "refresh, 1,000 sections (writes) {}   ratio to walk {:.2}x",
        refresh_1k.show(),
        refresh_1k.ms() / walk.ms()
    );
    println!("no-op refresh, 1,000 sections    {}", noop.show());
    println!("refresh + --report-json          {}", with_report.show());
    println!(
        "refresh, 10,000 sections         {}   ratio to 1,000 sections {:.2}x",
        refresh_10k.show(),
        refresh_10k.ms() / refresh_1k.ms()
    );
    println!(
        "{DIFF_SECTIONS} sections, {changed_rows} changed rows: write {}",
        write_diff_doc.show()
    );
    println!(
        "  --check (prints the diff)      {}   ratio to write {:.2}x",
        check.show(),
        check.ms() / write_diff_doc.ms()
    );
    println!(
        "  --dry-run (prints the diff)    {}   ratio to write {:.2}x",
        dry_run.show(),
        dry_run.ms() / write_diff_doc.ms()
    );
    match peak {
        Some(kib) => println!(
            "peak memory of one refresh       {:8.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("peak memory of one refresh       unavailable (no /proc/self/clear_refs)"),
    }
}

/// Median and fastest of [`RUNS`] samples (this VM's timings are noisy; both are printed).
fn median(mut sample: impl FnMut() -> Duration) -> Timing {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| sample()).collect();
    times.sort();
    Timing {
        median: times[RUNS / 2],
        fastest: times[0],
    }
}

#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    fastest: Duration,
}

impl Timing {
    fn ms(self) -> f64 {
        self.median.as_secs_f64() * 1e3
    }

    fn show(self) -> String {
        format!(
            "{:8.1} ms (fastest {:6.1})",
            self.ms(),
            self.fastest.as_secs_f64() * 1e3
        )
    }
}

/// Copies the stale doc into place (untimed), then times one write-mode refresh of it.
fn timed_refresh(source: &Path, target: &Path, trace: &Path) -> Duration {
    fs::copy(source, target).unwrap();
    let start = Instant::now();
    refresh(target, trace);
    start.elapsed()
}

fn refresh(doc: &Path, trace: &Path) {
    refresh_with(doc, trace, &[]);
}

/// Rows whose line the refresh of `doc` changes, counted from the `--dry-run` diff.
fn changed_rows(doc: &Path, trace: &Path) -> usize {
    let cli = Cli::parse_from([
        "track-models",
        "--refresh-status",
        "--dry-run",
        "--doc",
        doc.to_str().unwrap(),
        "--trace-dir",
        trace.to_str().unwrap(),
    ]);
    let mut diff = Vec::new();
    run(&cli, &mut diff, &mut sink()).expect("the dry run succeeds");
    String::from_utf8(diff)
        .unwrap()
        .lines()
        .filter(|line| line.starts_with("-| `"))
        .count()
}

fn refresh_with(doc: &Path, trace: &Path, extra: &[&str]) {
    let mut args = vec![
        "track-models",
        "--refresh-status",
        "--doc",
        doc.to_str().unwrap(),
        "--trace-dir",
        trace.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let cli = Cli::parse_from(args);
    run(&cli, &mut sink(), &mut sink()).expect("the refresh succeeds");
}

fn bare_walk(root: &Path) -> usize {
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                files += 1;
            }
        }
    }
    files
}

/// Peak resident memory (KiB) while `work` runs, from `VmHWM` after a reset.
fn peak_memory(work: impl FnOnce()) -> Option<u64> {
    fs::write("/proc/self/clear_refs", "5").ok()?;
    work();
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn definition_name(i: usize) -> String {
    format!("{}_n{}_k{}", OP_TYPES[i % OP_TYPES.len()], i, i * 7 % 9973)
}

fn generate_trace(root: &Path) {
    for op in OP_TYPES {
        fs::create_dir_all(root.join("definitions").join(op)).unwrap();
        fs::create_dir_all(root.join("workloads").join(op)).unwrap();
    }
    for i in 0..DEFINITIONS {
        let op = OP_TYPES[i % OP_TYPES.len()];
        fs::write(
            root.join(format!("definitions/{op}/{}.json", definition_name(i))),
            b"{}",
        )
        .unwrap();
        if i < WORKLOADS {
            fs::write(
                root.join(format!("workloads/{op}/{}.jsonl", definition_name(i))),
                b"",
            )
            .unwrap();
        }
    }
}

/// A 4-state doc whose statuses are all stale (every row says ❌), so the refresh rewrites
/// most rows, every Coverage line and every summary label. A third of the names are missing.
fn generate_doc(sections: usize) -> String {
    let mut doc = String::from("---\ntitle: Model Coverage\n---\n\n# Model Kernel Coverage\n\n- ✅ ready\n- 🟡 definition only\n- ❌ missing\n\n## Summary\n\n| Model | Architecture | Coverage |\n|---|---|:---:|\n");
    for s in 0..sections {
        doc.push_str(&format!("| Model {s} | GQA + Dense | ❌ Not covered |\n"));
    }
    doc.push_str("\n---\n");
    for s in 0..sections {
        doc.push_str(&format!("\n## Model {s}\n\n**Architecture**: 32 decoder layers, GQA attention, dense MLP.\n\n| Definition | Op Type | Status |\n|-----------|---------|:------:|\n"));
        for r in 0..ROWS_PER_SECTION {
            let i = (s * ROWS_PER_SECTION + r) * 3 % (DEFINITIONS * 3 / 2);
            let name = if i < DEFINITIONS {
                definition_name(i)
            } else {
                format!("missing_{i}")
            };
            doc.push_str(&format!(
                "| `{name}` | {} TP=8 | ❌ |\n",
                OP_TYPES[i % OP_TYPES.len()]
            ));
        }
        doc.push_str(&format!("\n**Coverage**: 0 / {ROWS_PER_SECTION} definitions present. Hand-written note.\n\n---\n"));
    }
    doc
}
