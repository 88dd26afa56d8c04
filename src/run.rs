//! The I/O shell around [`crate::plan`]: read the doc and the sources, plan, then write,
//! check or print according to the mode. Output goes to the writers it is given, so tests can
//! read it; exit codes are decided here and mapped in `main`.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};

use crate::atomic_file::{
    read_regular, same_file, write_atomically, write_if_changed, DocLock, LOCK_WAIT, MAX_DOC_BYTES,
};
use crate::cli::{Cli, Mode};
use crate::dataset::{DefinitionIndex, NameSet};
use crate::discover::{Date, DecisionKind, DiscoveryOptions, DiscoverySources};
use crate::doc::refresh::{refresh, refresh_summary_only};
use crate::doc::{CoverageDoc, DocError};
use crate::nightly;
use crate::onboard::plan_onboard;
use crate::plan::{report_from_outcome, Plan};
use crate::publish::gha::Actions;
use crate::publish::{publish_with_actions, GitHub, PublishRequest};
use crate::resolve::{self, Resolver};
use crate::sources::hf::HfClient;
use crate::sources::serving::CookbookIndex;
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

pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<RunStatus> {
    resolve::check_pairing(cli)?;
    check_output_paths(cli)?;
    let writes = cli.mode() == Mode::Write && !cli.publish;
    let _lock = DocLock::acquire(&cli.doc, writes, LOCK_WAIT)?;
    let today = discovery_date(cli)?;
    let doc_error = |e: DocError| anyhow!("`{}`:{}: {}", cli.doc.display(), e.line, e.message);
    let doc_text = read_doc(&cli.doc)?;
    let doc = CoverageDoc::parse(&doc_text).map_err(doc_error)?;
    if cli.model_name.is_empty() && !cli.discover {
        // A refresh looks up only the doc's names: the walk keeps just those.
        let names = doc.concrete_names();
        if names.is_empty() {
            // A gate that checked nothing must not pass.
            return Err(anyhow!(
                "`{}`: no status table with a concrete definition row (a table whose header's first cell contains `Definition` and that has a `Status` column, with rows whose first cell is one backticked name): nothing to check, the doc was left untouched",
                cli.doc.display()
            ));
        }
        let index = load_index(cli, Some(&names))?;
        let outcome = if report_is_read(cli) {
            refresh(&doc, &index)
        } else {
            refresh_summary_only(&doc, &index)
        }
        .map_err(doc_error)?;
        let text = outcome.text.clone();
        let plan = report_from_outcome(outcome, text);
        return finish(cli, &doc_text, plan, Vec::new(), (&[], None), out, err);
    }
    let index = load_index(cli, None)?;

    let sections = refresh(&doc, &index).map_err(doc_error)?.sections;
    let runtime = runtime()?;
    let serving = load_serving_data(cli, &runtime)?;
    for note in &serving.notes {
        writeln!(err, "note: {note}")?;
    }
    let mut problems: Vec<String> = serving.problems;
    let (catalog, cookbook) = (serving.catalog, serving.cookbook);
    problems.extend(catalog.warnings.iter().cloned());
    let config_warnings = cookbook.warnings.clone();
    // Discovery takes the catalog, the cookbooks and the Hub client; otherwise keep them here.
    let mut loaded = Some((catalog, cookbook));
    let discovery = match cli.discover {
        true => {
            let (catalog, cookbook) = loaded.take().expect("loaded once");
            Some(DiscoverySources::with_serving(
                |name| std::env::var(name).ok(),
                cli.sglang_dir.clone(),
                catalog,
                cookbook,
            )?)
        }
        false => None,
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
        sections: &sections,
        cookbook,
        catalog,
        hf,
    };
    let mut failures = Vec::new();
    let mut requests = Vec::new();
    for request in runtime.block_on(resolve::requests(cli, &resolver)) {
        match request {
            Ok(request) => requests.push(request),
            Err(error) => failures.push(format!("{error:#}")),
        }
    }
    let discovered = match &discovery {
        Some(sources) => {
            let options = DiscoveryOptions {
                max_new: cli.max_new,
                min_providers: cli.min_providers,
                since_days: cli.since,
                today,
            };
            let found =
                runtime.block_on(nightly::discover(cli, sources, &doc, &sections, &options));
            problems.extend(found.problems.iter().cloned());
            requests.extend(found.requests.iter().cloned());
            Some(found)
        }
        None => None,
    };
    let touched: Vec<String> = requests.iter().map(|r| r.hf_repo_id.clone()).collect();
    let (mine, others) = split_config_warnings(&config_warnings, cookbook, &touched);
    problems.extend(mine);
    if cli.verbose {
        problems.extend(others);
    } else if !others.is_empty() {
        problems.push(format!(
            "{} problem(s) in the serving configs of models this run does not touch\nhint: run with `--verbose` to list them",
            others.len()
        ));
    }
    let supports = |class: &str| catalog.supports(class);
    let onboard = plan_onboard(&doc_text, &requests, &index, &supports, cli.refresh_status)
        .map_err(doc_error)?;
    failures.extend(onboard.failures);
    let mut plan = onboard.plan;
    if let Some(found) = discovered {
        for candidate in found
            .candidates
            .iter()
            .filter(|c| c.decision == DecisionKind::Added)
        {
            let name = candidate
                .hf_repo_id
                .as_deref()
                .unwrap_or(&candidate.display_name);
            writeln!(err, "discovered `{name}`: {}", candidate.reason)?;
        }
        plan.report.candidates = Some(found.candidates);
        plan.report.discovery = Some(found.why_markdown);
    }
    for problem in &problems {
        writeln!(
            err,
            "{}",
            crate::console::render_message("warning", problem)
        )?;
    }
    problems.extend(failures.iter().cloned());
    let resolution = crate::lint::gather::Resolution { cookbook, catalog };
    let lint = (requests.as_slice(), Some(&resolution));
    let status = finish(cli, &doc_text, plan, problems, lint, out, err)?;
    for failure in &failures {
        writeln!(err, "{}", crate::console::render_message("error", failure))?;
    }
    Ok(if failures.is_empty() {
        status
    } else {
        RunStatus::PartialFailure
    })
}

/// The catalog and serving configs: local dirs, else GitHub live, else cached, else bundled
/// (see [`crate::sources::serving_data`]).
fn load_serving_data(
    cli: &Cli,
    runtime: &tokio::runtime::Runtime,
) -> Result<serving_data::ServingData> {
    let options = serving_data::ServingDataOptions::from_vars(
        |name| std::env::var(name).ok(),
        cli.sglang_dir.clone(),
        &cli.cookbook_dir,
        cli.sglang_repo.as_deref(),
        cli.cookbook_repo.as_deref(),
    )?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Ok(runtime.block_on(serving_data::load(&options, now)))
}

/// Serving-config warnings about the models this run touches (naming one of `touched`, or in a
/// file that configures one of them), then the others.
fn split_config_warnings(
    warnings: &[String],
    cookbook: &CookbookIndex,
    touched: &[String],
) -> (Vec<String>, Vec<String>) {
    let files: Vec<String> = touched
        .iter()
        .flat_map(|repo| cookbook.serving(repo))
        .map(|source| format!("`{}`", source.file.display()))
        .collect();
    warnings.iter().cloned().partition(|warning| {
        let lower = warning.to_lowercase();
        touched
            .iter()
            .any(|repo| lower.contains(&format!("`{}`", repo.to_lowercase())))
            || files.iter().any(|file| warning.starts_with(file.as_str()))
    })
}

/// Whether anything reads the per-definition report: a report file, the Actions summary, or
/// the pull request.
fn report_is_read(cli: &Cli) -> bool {
    cli.report_json.is_some()
        || cli.report_md.is_some()
        || cli.publish
        || std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// `--today`, else the clock's UTC date: the only place a run reads the clock.
fn discovery_date(cli: &Cli) -> Result<Date> {
    match &cli.today {
        Some(text) => Date::parse(text)
            .ok_or_else(|| anyhow!("`--today {text}` is not a date (`YYYY-MM-DD`)")),
        None => {
            let seconds = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Ok(Date::from_unix_seconds(
                i64::try_from(seconds).unwrap_or(i64::MAX),
            ))
        }
    }
}

fn write_reports(cli: &Cli, plan: &Plan) -> Result<()> {
    if let Some(path) = &cli.report_json {
        write_if_changed(path, plan.report.to_json().as_bytes())
            .with_context(|| format!("writing the JSON report `{}`", path.display()))?;
    }
    if let Some(path) = &cli.report_md {
        write_if_changed(path, plan.report.to_markdown().as_bytes())
            .with_context(|| format!("writing the Markdown report `{}`", path.display()))?;
    }
    Ok(())
}

fn finish(
    cli: &Cli,
    doc_text: &str,
    mut plan: Plan,
    problems: Vec<String>,
    lint: (
        &[crate::onboard::ModelRequest],
        Option<&crate::lint::gather::Resolution>,
    ),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<RunStatus> {
    let read_tags = report_is_read(cli) || cli.mode() == Mode::Check;
    plan.report.lint = crate::lint::gather::report(cli, &plan.text, lint, read_tags, err)?;
    for warning in &plan.warnings {
        writeln!(
            err,
            "warning: `{}`:{}: {}",
            cli.doc.display(),
            warning.line,
            warning.message
        )?;
    }
    plan.report.problems.extend(problems);
    plan.report.problems.extend(
        plan.warnings
            .iter()
            .map(|w| format!("{}:{}: {}", cli.doc.display(), w.line, w.message)),
    );
    write_reports(cli, &plan)?;
    let changed = plan.text != doc_text;
    if cli.publish {
        let warnings = publish(cli, doc_text, &plan, out, err)?;
        if !warnings.is_empty() {
            // Publishing problems that did not fail the run (labels) belong in the reports too.
            plan.report.problems.extend(warnings);
            write_reports(cli, &plan)?;
        }
    } else {
        let mut actions = Actions::from_env(&mut *out);
        if actions.is_enabled() {
            actions.annotate_problems(&plan.report.problems)?;
            actions.annotate_lint(
                &cli.doc.display().to_string(),
                &plan.report.lint,
                plan.report.problems.len(),
            )?;
            actions.append_summary(&plan.report.to_markdown())?;
        }
    }
    match cli.mode() {
        // With `--publish` the pull request carries the result; the checkout stays the base the
        // next run compares with.
        Mode::Write if cli.publish => Ok(RunStatus::Clean),
        Mode::Write => {
            // The doc was read once: compare with that text, never read it again.
            if changed {
                write_atomically(&cli.doc, plan.text.as_bytes())
                    .with_context(|| format!("writing `{}`", cli.doc.display()))?;
                let refreshed = plan
                    .report
                    .models
                    .iter()
                    .filter(|m| m.action != crate::report::Action::Unchanged)
                    .count();
                writeln!(
                    err,
                    "updated `{}`: {refreshed} model section(s) changed",
                    cli.doc.display()
                )?;
            } else {
                writeln!(err, "`{}` is up to date", cli.doc.display())?;
            }
            Ok(RunStatus::Clean)
        }
        Mode::DryRun => {
            write_diff(out, &cli.doc, doc_text, &plan.text)?;
            Ok(RunStatus::Clean)
        }
        Mode::Check => {
            if !changed {
                writeln!(err, "`{}` is up to date", cli.doc.display())?;
                return Ok(RunStatus::Clean);
            }
            write_diff(out, &cli.doc, doc_text, &plan.text)?;
            writeln!(
                err,
                "`{}` is out of date\nhint: run `track-models --refresh-status --doc {}` without `--check` to update it",
                cli.doc.display(),
                cli.doc.display()
            )?;
            Ok(RunStatus::Drift)
        }
    }
}

/// Opens, updates or closes the bot's pull request (see `crate::publish`).
fn publish(
    cli: &Cli,
    doc_text: &str,
    plan: &Plan,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<String>> {
    let repository = std::env::var("GITHUB_REPOSITORY").map_err(|_| {
        anyhow!("`--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions sets it; elsewhere export it")
    })?;
    let request = PublishRequest {
        repository,
        branch: cli.branch.clone(),
        base: cli.base.clone(),
        labels: cli
            .labels
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect(),
        recreate: cli.recreate,
        dry_run: cli.dry_run,
        doc_path: repo_relative(&cli.doc)?,
        base_doc: doc_text.to_string(),
        generated_doc: plan.text.clone(),
    };
    let outcome = runtime()?.block_on(async {
        let github = GitHub::from_env()?;
        let mut actions = Actions::from_env(&mut *out);
        publish_with_actions(&github, &request, &plan.report, &mut actions).await
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
    let would = if cli.dry_run { "would be " } else { "" };
    writeln!(
        err,
        "pull request: {would}{}{pull}{note}",
        outcome.operation
    )?;
    for warning in &outcome.warnings {
        writeln!(err, "warning: {warning}")?;
    }
    if cli.dry_run {
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

/// Refuses report paths that are the doc (or each other), also through a symlink: writing one
/// would overwrite the other.
fn check_output_paths(cli: &Cli) -> Result<()> {
    let outputs = [
        ("--report-json", &cli.report_json),
        ("--report-md", &cli.report_md),
    ];
    for (flag, path) in outputs.iter().filter_map(|(f, p)| Some((f, p.as_ref()?))) {
        if same_file(path, &cli.doc) {
            return Err(anyhow!(
                "`{flag} {}` is the coverage doc `{}`: the report would overwrite it\nhint: pass another path",
                path.display(),
                cli.doc.display()
            ));
        }
    }
    if let (Some(json), Some(md)) = (&cli.report_json, &cli.report_md) {
        if same_file(json, md) {
            return Err(anyhow!(
                "`--report-json` and `--report-md` are the same file `{}`\nhint: pass two paths",
                json.display()
            ));
        }
    }
    Ok(())
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
fn load_index(cli: &Cli, wanted: Option<&NameSet>) -> Result<DefinitionIndex> {
    let Some(dir) = &cli.trace_dir else {
        return hub_index(&cli.trace_repo);
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

/// The async runtime for the network sources; built only when a run needs one.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
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
