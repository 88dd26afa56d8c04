//! The I/O shell around [`crate::plan`]: read the doc, the sources and the clock (once), plan,
//! print the messages the plan carries (announcements, problems, failures, in that order), then
//! write, check or print according to the mode. Output goes to the writers it is given, so tests
//! can read it; exit codes are decided here and mapped in `main`.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};

use crate::atomic_file::{
    read_regular, write_atomically, write_if_changed, DocLock, LOCK_WAIT, MAX_DOC_BYTES,
};
use crate::cli::{Cli, Mode};
use crate::dataset::{DefinitionIndex, NameSet};
use crate::discover::{Date, DiscoveryOptions, DiscoverySources};
use crate::doc::{CoverageDoc, DocError};
use crate::nightly;
use crate::plan::{onboarding_base, plan_run, Job, Onboard, Plan, ServingConfigs};
use crate::publish::gha::Actions;
use crate::publish::{publish_with_actions, GitHub, PublishRequest};
use crate::request::{PublishArgs, Request, SourceArgs};
use crate::resolve::{self, Resolver};
use crate::sources::hf::HfClient;
use crate::sources::runtime;
use crate::sources::serving_data;
use crate::sources::trace_dir;

/// How a run ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Nothing to do, or the doc was written.
    Clean,
    /// `--check` found that the doc would change.
    Drift,
    /// The run finished but something failed on the way (reported); exit 2.
    PartialFailure,
}

/// The edge: turns the arguments into a [`Request`] (the only use of [`Cli`]) and runs it.
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<RunStatus> {
    let request = Request::from_cli(cli)?;
    run_request(&request, out, err)
}

/// Reads the doc and the sources, calls the planning core ([`plan_run`]) once, then writes,
/// checks, prints or publishes.
pub fn run_request(
    request: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunStatus> {
    let _lock = DocLock::acquire(&request.doc, request.writes_doc(), LOCK_WAIT)?;
    let doc_error = |e: DocError| anyhow!("`{}`:{}: {}", request.doc.display(), e.line, e.message);
    let doc_text = read_doc(&request.doc)?;
    let doc = CoverageDoc::parse(&doc_text).map_err(doc_error)?;
    if request.is_refresh_only() {
        // A refresh looks up only the doc's names: the walk keeps just those.
        let names = doc.concrete_names();
        if names.is_empty() {
            // A gate that checked nothing must not pass.
            return Err(anyhow!(
                "`{}`: no status table with a concrete definition row (a table whose header's first cell contains `Definition` and that has a `Status` column, with rows whose first cell is one backticked name): nothing to check, the doc was left untouched",
                request.doc.display()
            ));
        }
        let index = load_index(&request.sources, Some(&names))?;
        let rows = report_is_read(request);
        let planned = plan_run(&doc, &index, Job::Refresh { rows }).map_err(doc_error)?;
        return finish(
            request,
            &doc_text,
            planned.plan,
            Vec::new(),
            (&[], None, None),
            out,
            err,
        );
    }
    let index = load_index(&request.sources, None)?;

    let existing = onboarding_base(&doc, &index).map_err(doc_error)?;
    let sections = &existing.sections;
    // The one reading of the clock: the serving data's age, and discovery's day.
    let now = clock_seconds();
    let today = request
        .today
        .unwrap_or_else(|| Date::from_unix_seconds(now));
    let runtime = runtime()?;
    let serving = load_serving_data(&request.sources, &runtime, now)?;
    for note in &serving.notes {
        writeln!(err, "note: {note}")?;
    }
    let mut problems: Vec<String> = serving.problems;
    let (catalog, cookbook) = (serving.catalog, serving.cookbook);
    problems.extend(catalog.warnings.iter().cloned());
    let config_warnings = cookbook.warnings.clone();
    // Discovery takes the catalog, the cookbooks and the Hub client; otherwise keep them here.
    let mut loaded = Some((catalog, cookbook));
    let discovery = match request.discover {
        Some(_) => {
            let (catalog, cookbook) = loaded.take().expect("loaded once");
            Some(DiscoverySources::with_serving(
                |name| std::env::var(name).ok(),
                request.sources.sglang_dir.clone(),
                catalog,
                cookbook,
            )?)
        }
        None => None,
    };
    let own;
    let (cookbook, catalog, hf) = match (&discovery, loaded) {
        (Some(sources), _) => (&sources.cookbook, &sources.catalog, &sources.hf),
        (None, loaded) => {
            let (catalog, cookbook) = loaded.expect("loaded when not discovering");
            own = (cookbook, catalog, HfClient::from_env()?);
            (&own.0, &own.1, &own.2)
        }
    };
    let resolver = Resolver {
        sections,
        cookbook,
        catalog,
        hf,
    };
    let resolved = runtime
        .block_on(resolve::requests(
            &request.models,
            &request.sizes,
            &resolver,
        ))
        .into_iter()
        .map(|resolved| resolved.map_err(|error| format!("{error:#}")))
        .collect();
    // Discovery's `dataset` source reads the dataset's tags; the lint at the end takes them.
    let dataset_tags = OnceLock::new();
    let discovered = match (&discovery, request.discover) {
        (Some(sources), Some(args)) => {
            let options = DiscoveryOptions {
                max_new: args.max_new,
                min_providers: args.min_providers,
                since_days: args.since_days,
                today,
            };
            Some(runtime.block_on(nightly::discover(
                request,
                sources,
                &doc,
                sections,
                &options,
                &dataset_tags,
            )))
        }
        _ => None,
    };
    let supports = |class: &str| catalog.supports(class);
    let files = |repo: &str| -> Vec<String> {
        cookbook
            .serving(repo)
            .iter()
            .map(|source| source.file.display().to_string())
            .collect()
    };
    let job = Job::Onboard(Onboard {
        existing: &existing,
        resolved,
        sglang_supports: &supports,
        refresh_all: request.refresh_status,
        discovered,
        problems,
        serving_configs: ServingConfigs {
            warnings: &config_warnings,
            files: &files,
        },
        verbose: request.verbose,
    });
    let planned = plan_run(&doc, &index, job).map_err(doc_error)?;
    for line in &planned.announcements {
        writeln!(err, "{line}")?;
    }
    for problem in &planned.problems {
        writeln!(
            err,
            "{}",
            crate::console::render_message("warning", problem)
        )?;
    }
    let mut problems = planned.problems;
    problems.extend(planned.failures.iter().cloned());
    let resolution = crate::lint_gather::Resolution { cookbook, catalog };
    let lint = (
        planned.requests.as_slice(),
        Some(&resolution),
        dataset_tags.get(),
    );
    let status = finish(request, &doc_text, planned.plan, problems, lint, out, err)?;
    for failure in &planned.failures {
        writeln!(err, "{}", crate::console::render_message("error", failure))?;
    }
    Ok(if planned.failures.is_empty() {
        status
    } else {
        RunStatus::PartialFailure
    })
}

/// The catalog and serving configs: local dirs, else GitHub live, else cached, else bundled
/// (see [`crate::sources::serving_data`]).
fn load_serving_data(
    sources: &SourceArgs,
    runtime: &tokio::runtime::Runtime,
    now: i64,
) -> Result<serving_data::ServingData> {
    let options = serving_data::ServingDataOptions::from_vars(
        |name| std::env::var(name).ok(),
        sources.sglang_dir.clone(),
        &sources.cookbook_dir,
        sources.sglang_repo.as_deref(),
        sources.cookbook_repo.as_deref(),
    )?;
    Ok(runtime.block_on(serving_data::load(&options, now)))
}

/// Whether anything reads the per-definition report: a report file, the Actions summary, or
/// the pull request.
fn report_is_read(request: &Request) -> bool {
    request.report_json.is_some()
        || request.report_md.is_some()
        || request.publish.is_some()
        || std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Seconds since the epoch by the clock: read once per run, for the serving data's age and, without
/// `--today`, discovery's day (the planning core never reads it).
fn clock_seconds() -> i64 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

fn write_reports(request: &Request, plan: &Plan) -> Result<()> {
    if let Some(path) = &request.report_json {
        write_if_changed(path, plan.report.to_json().as_bytes())
            .with_context(|| format!("writing the JSON report `{}`", path.display()))?;
    }
    if let Some(path) = &request.report_md {
        write_if_changed(path, plan.report.to_markdown().as_bytes())
            .with_context(|| format!("writing the Markdown report `{}`", path.display()))?;
    }
    Ok(())
}

fn finish(
    request: &Request,
    doc_text: &str,
    mut plan: Plan,
    problems: Vec<String>,
    lint: (
        &[crate::onboard::ModelRequest],
        Option<&crate::lint_gather::Resolution>,
        Option<&crate::lint_gather::TagReading>,
    ),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunStatus> {
    let read_tags = report_is_read(request) || request.mode == Mode::Check;
    plan.report.lint = crate::lint_gather::report(request, &plan.text, lint, read_tags, err)?;
    crate::next_gather::attach(request, report_is_read(request), &mut plan, err)?;
    for warning in &plan.warnings {
        writeln!(
            err,
            "warning: `{}`:{}: {}",
            request.doc.display(),
            warning.line,
            warning.message
        )?;
    }
    plan.report.problems.extend(problems);
    plan.report.problems.extend(
        plan.warnings
            .iter()
            .map(|w| format!("{}:{}: {}", request.doc.display(), w.line, w.message)),
    );
    write_reports(request, &plan)?;
    let changed = plan.text != doc_text;
    if let Some(args) = &request.publish {
        let warnings = publish(request, args, doc_text, &plan, out, err)?;
        if !warnings.is_empty() {
            // Publishing problems that did not fail the run (labels) belong in the reports too.
            plan.report.problems.extend(warnings);
            write_reports(request, &plan)?;
        }
    } else {
        let mut actions = Actions::from_env(&mut *out);
        if actions.is_enabled() {
            actions.annotate_problems(&plan.report.problems)?;
            actions.annotate_lint(
                &request.doc.display().to_string(),
                &plan.report.lint,
                plan.report.problems.len(),
            )?;
            actions.append_summary(&plan.report.to_markdown())?;
        }
    }
    match request.mode {
        // With `--publish` the pull request carries the result; the checkout stays the base the
        // next run compares with.
        Mode::Write if request.publish.is_some() => Ok(RunStatus::Clean),
        Mode::Write => {
            // The doc was read once: compare with that text, never read it again.
            if changed {
                write_atomically(&request.doc, plan.text.as_bytes())
                    .with_context(|| format!("writing `{}`", request.doc.display()))?;
                let refreshed = plan
                    .report
                    .models
                    .iter()
                    .filter(|m| m.action != crate::report::Action::Unchanged)
                    .count();
                writeln!(
                    err,
                    "updated `{}`: {refreshed} model section(s) changed",
                    request.doc.display()
                )?;
            } else {
                writeln!(err, "`{}` is up to date", request.doc.display())?;
            }
            Ok(RunStatus::Clean)
        }
        Mode::DryRun => {
            write_diff(out, &request.doc, doc_text, &plan.text)?;
            Ok(RunStatus::Clean)
        }
        Mode::Check => {
            if !changed {
                writeln!(err, "`{}` is up to date", request.doc.display())?;
                return Ok(RunStatus::Clean);
            }
            write_diff(out, &request.doc, doc_text, &plan.text)?;
            writeln!(
                err,
                "`{}` is out of date\nhint: run `track-models --refresh-status --doc {}` without `--check` to update it",
                request.doc.display(),
                request.doc.display()
            )?;
            Ok(RunStatus::Drift)
        }
    }
}

/// Opens, updates or closes the bot's pull request (see `crate::publish`).
fn publish(
    request: &Request,
    args: &PublishArgs,
    doc_text: &str,
    plan: &Plan,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<String>> {
    let repository = std::env::var("GITHUB_REPOSITORY").map_err(|_| {
        anyhow!("`--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions sets it; elsewhere export it")
    })?;
    let dry_run = request.mode == Mode::DryRun;
    let publish_request = PublishRequest {
        repository,
        branch: args.branch.clone(),
        base: args.base.clone(),
        labels: args.labels.clone(),
        recreate: args.recreate,
        dry_run,
        doc_path: repo_relative(&request.doc)?,
        base_doc: doc_text.to_string(),
        generated_doc: plan.text.clone(),
    };
    let outcome = runtime()?.block_on(async {
        let github = GitHub::from_env()?;
        let mut actions = Actions::from_env(&mut *out);
        publish_with_actions(&github, &publish_request, &plan.report, &mut actions).await
    })?;
    let pull = outcome
        .pull_request
        .as_ref()
        .map(|(number, url)| format!(" #{number} {url}"))
        .unwrap_or_default();
    let note = if outcome.note.is_empty() {
        String::new()
    } else {
        format!(" ({})", outcome.note)
    };
    let would = if dry_run { "would be " } else { "" };
    writeln!(
        err,
        "pull request: {would}{}{pull}{note}",
        outcome.operation
    )?;
    for warning in &outcome.warnings {
        writeln!(err, "warning: {warning}")?;
    }
    if dry_run {
        writeln!(
            out,
            "--- pull request body ---\n{}\n--- sticky comment ---\n{}",
            outcome.body, outcome.comment
        )?;
    }
    Ok(outcome.warnings)
}

/// The doc's path inside the repository, as the Git Data API wants it.
fn repo_relative(doc: &Path) -> Result<String> {
    let relative = if doc.is_absolute() {
        let workspace = std::env::var_os("GITHUB_WORKSPACE")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        doc.strip_prefix(&workspace)
            .map_err(|_| anyhow!("`{}` is outside the repository checkout\nhint: run from the repository root and pass `--doc` relative to it", doc.display()))?
            .to_path_buf()
    } else {
        doc.to_path_buf()
    };
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(parts.join("/"))
}

fn read_doc(path: &Path) -> Result<String> {
    let bytes = read_regular(path, MAX_DOC_BYTES).with_context(|| {
        format!(
            "reading the coverage doc `{}`\nhint: pass `--doc PATH` (default `docs/model_coverage.mdx`)",
            path.display()
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        anyhow!(
            "`{}`:{line}: not valid UTF-8 (at byte {offset}); the doc was left untouched",
            path.display()
        )
    })
}

/// The dataset index: from `--trace-dir`, else the Hub's listing. `wanted` limits a local walk
/// to the names a refresh looks up.
fn load_index(sources: &SourceArgs, wanted: Option<&NameSet>) -> Result<DefinitionIndex> {
    let Some(dir) = &sources.trace_dir else {
        return hub_index(&sources.trace_repo);
    };
    trace_dir::load_names(dir, wanted)
}

/// Lists the dataset from the Hub (tree API, cached by the dataset's commit sha).
fn hub_index(repo: &str) -> Result<DefinitionIndex> {
    let client = HfClient::from_env()?;
    let listing = runtime()?
        .block_on(client.list_dataset(repo))
        .with_context(|| format!("listing the dataset `{repo}` from the Hugging Face Hub\nhint: pass `--trace-dir` a local checkout to work offline"))?;
    Ok(DefinitionIndex::from_paths(
        listing
            .definitions
            .iter()
            .chain(&listing.workloads)
            .map(String::as_str),
    ))
}

/// A unified diff of the doc, `a/` and `b/` prefixed like git's, in linear time (see
/// [`crate::unified_diff`]).
///
/// Under GitHub Actions the diff echoes doc lines, and a context line such as ` ::error::…`
/// would be run as a workflow command: the diff is fenced with `::stop-commands::` and an
/// unguessable token, the runner's own way to print text verbatim.
pub fn write_diff(out: &mut dyn Write, path: &Path, old: &str, new: &str) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let token = std::env::var("GITHUB_ACTIONS")
        .is_ok_and(|v| v == "true")
        .then(|| stop_commands_token(new));
    if let Some(token) = &token {
        writeln!(out, "::stop-commands::{token}")?;
    }
    crate::unified_diff::write(out, &path.display().to_string(), old, new)?;
    if let Some(token) = &token {
        writeln!(out, "::{token}::")?;
    }
    Ok(())
}

/// A token nobody writing the doc can predict: a hash of the clock, the process and the text.
fn stop_commands_token(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::new()
        .chain_update(nanos.to_le_bytes())
        .chain_update(std::process::id().to_le_bytes())
        .chain_update(text.as_bytes())
        .finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("track-models-{hex}")
}
