//! The I/O shell around [`crate::plan`]: read the doc and the sources, plan, then write,
//! check or print according to the mode. Output goes to the writers it is given, so tests can
//! read it; exit codes are decided here and mapped in `main`.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use similar::TextDiff;

use crate::atomic_file::{write_atomically, write_if_changed};
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
use crate::sources::cookbook::CookbookIndex;
use crate::sources::hf::HfClient;
use crate::sources::sglang::SglangCatalog;
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
    let today = discovery_date(cli)?;
    let doc_error = |e: DocError| anyhow!("`{}`:{}: {}", cli.doc.display(), e.line, e.message);
    let doc_text = read_doc(&cli.doc)?;
    let doc = CoverageDoc::parse(&doc_text).map_err(doc_error)?;
    if cli.model_name.is_empty() && !cli.discover {
        // A refresh looks up only the doc's names: the walk keeps just those.
        let index = load_index(cli, Some(&doc.concrete_names()))?;
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
    // Discovery loads the catalog, the cookbooks and the Hub client; otherwise load them here.
    let discovery = match cli.discover {
        true => Some(DiscoverySources::from_env(
            cli.sglang_dir.clone(),
            &cli.cookbook_dir,
        )?),
        false => None,
    };
    let own;
    let (cookbook, catalog, hf) = match &discovery {
        Some(sources) => (&sources.cookbook, &sources.catalog, &sources.hf),
        None => {
            own = (
                CookbookIndex::load(&cli.cookbook_dir, cli.sglang_dir.as_deref()),
                match &cli.sglang_dir {
                    Some(dir) => SglangCatalog::from_dir(dir),
                    None => SglangCatalog::bundled(),
                },
                HfClient::from_env()?,
            );
            (&own.0, &own.1, &own.2)
        }
    };
    let mut problems: Vec<String> = cookbook
        .warnings
        .iter()
        .chain(&catalog.warnings)
        .cloned()
        .collect();
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
        writeln!(err, "warning: {problem}")?;
    }
    problems.extend(failures.iter().cloned());
    let resolution = crate::lint::gather::Resolution { cookbook, catalog };
    let lint = (requests.as_slice(), Some(&resolution));
    let status = finish(cli, &doc_text, plan, problems, lint, out, err)?;
    for failure in &failures {
        writeln!(err, "error: {failure}")?;
    }
    Ok(if failures.is_empty() {
        status
    } else {
        RunStatus::PartialFailure
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
    if let Some(path) = &cli.report_json {
        write_if_changed(path, plan.report.to_json().as_bytes())
            .with_context(|| format!("writing the JSON report `{}`", path.display()))?;
    }
    if let Some(path) = &cli.report_md {
        write_if_changed(path, plan.report.to_markdown().as_bytes())
            .with_context(|| format!("writing the Markdown report `{}`", path.display()))?;
    }
    let changed = plan.text != doc_text;
    if cli.publish {
        publish(cli, doc_text, &plan, out, err)?;
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
) -> Result<()> {
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
    if cli.dry_run {
        writeln!(
            out,
            "--- pull request body ---\n{}\n--- sticky comment ---\n{}",
            outcome.body, outcome.comment
        )?;
    }
    Ok(())
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
    let bytes = fs::read(path).with_context(|| {
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

/// A unified diff of the doc, `a/` and `b/` prefixed like git's.
pub fn write_diff(out: &mut dyn Write, path: &Path, old: &str, new: &str) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let name = path.display().to_string();
    let diff = TextDiff::from_lines(old, new);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    out.write_all(unified.as_bytes())?;
    Ok(())
}
