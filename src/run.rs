//! The I/O shell around [`crate::plan`]: read the doc, the sources and the clock (once), plan,
//! print the messages the plan carries (announcements, problems, failures, in that order), then
//! write, check or print according to the mode, and end with one summary line. Output goes to
//! the writers it is given, so tests can read it; exit codes are decided here and mapped in
//! `main`. The run's one async runtime and one Hub client ([`Network`]) are created here and lent
//! to every gatherer; the long phases report progress through [`Progress`].

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};

use crate::atomic_file::{
    read_regular, write_atomically, write_if_changed, DocLock, LOCK_WAIT, MAX_DOC_BYTES,
};
use crate::cli::{defaults, Cli, Mode};
use crate::console::{render_message, Progress};
use crate::dataset::{DefinitionIndex, NameSet, Presence};
use crate::discover::{Date, DiscoveryOptions, DiscoverySources};
use crate::doc::refresh::RefreshOutcome;
use crate::doc::{CoverageDoc, DocError};
use crate::lint_gather::{LintText, Resolution, TagReading};
use crate::nightly;
use crate::onboard::{ModelRequest, Unresolved};
use crate::plan::{
    onboarding_base, plan_run, Discovered, Job, Onboard, Plan, RunPlan, ServingConfigs,
};
use crate::publish::gha::Actions;
use crate::publish::{publish_with_actions, PublishRequest};
use crate::report::{Action, Report};
use crate::request::{DiscoverArgs, PublishArgs, Request, SourceArgs};
use crate::resolve::{self, Resolver};
use crate::sources::serving::CookbookIndex;
use crate::sources::serving_data;
use crate::sources::sglang::SglangCatalog;
use crate::sources::trace_dir;
use crate::sources::Network;

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

/// The edge: turns the arguments into a [`Request`] (the only use of [`Cli`]; `--publish`'s
/// environment is checked there), refuses a doc the user may not write before any work, and
/// runs it with the run's one [`Network`].
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<RunStatus> {
    let request = Request::from_cli(cli)?;
    if request.writes_doc() {
        refuse_read_only(&request.doc)?;
    }
    if let Some(args) = &request.publish {
        // The names and the doc's path are checked before any work too (the texts come later).
        publish_request(&request, args, String::new(), String::new())?.validate()?;
    }
    let network = Network::new();
    let progress = Progress::for_stderr();
    let shell = Shell {
        request: &request,
        network: &network,
        progress: &progress,
    };
    shell.run(out, err)
}

/// Refuses to replace a doc the user may not write (mode `0444` for its owner, a read-only
/// file system), as an editor warns before writing a read-only file: replacing it by rename
/// would succeed and silently undo the protection. Asked of the system (`access(2)`), so
/// `root`, who may write any file, is refused only on a read-only file system. A doc that
/// cannot be read is left to the reading, which says why.
fn refuse_read_only(doc: &Path) -> Result<()> {
    if doc.exists() && !writable(doc) {
        return Err(anyhow!(
            "`{}` is read-only: the doc was left untouched\nhint: make it writable (`chmod u+w {}`), or see the change with `--dry-run`",
            doc.display(),
            doc.display()
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return true; // a NUL in the path: the reading reports it
    };
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    unsafe { libc::access(path.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| !m.permissions().readonly())
}

/// One run: the request and what it lends to every phase.
struct Shell<'r> {
    request: &'r Request,
    network: &'r Network,
    progress: &'r Progress,
}

/// What the run gathered besides the doc and the dataset, for planning and the lint.
struct Gathered {
    serving: Serving,
    inputs: PlanInputs,
    /// Discovery's `dataset` source reads the dataset's tags; the lint at the end takes them.
    dataset_tags: OnceLock<TagReading>,
    /// Sent to read the serving data.
    github_requests: u64,
}

/// What the planning core takes from the gathering.
struct PlanInputs {
    problems: Vec<String>,
    config_warnings: Vec<String>,
    /// One per `--model-name`: its request, or why not (naming the model).
    resolved: Vec<Result<ModelRequest, Unresolved>>,
    discovered: Option<Discovered>,
}

/// The catalog and the cookbooks: the run's own, or lent to discovery's sources.
enum Serving {
    Own(SglangCatalog, CookbookIndex),
    Discovery(Box<DiscoverySources>),
}

impl Serving {
    fn catalog(&self) -> &SglangCatalog {
        match self {
            Serving::Own(catalog, _) => catalog,
            Serving::Discovery(sources) => &sources.catalog,
        }
    }

    fn cookbook(&self) -> &CookbookIndex {
        match self {
            Serving::Own(_, cookbook) => cookbook,
            Serving::Discovery(sources) => &sources.cookbook,
        }
    }
}

/// What the end of a run has to print and lint besides the plan.
struct Ending<'a> {
    problems: Vec<String>,
    requests: &'a [ModelRequest],
    resolution: Option<&'a Resolution<'a>>,
    tags: Option<&'a TagReading>,
    failures: &'a [String],
    /// `--discover`: the candidates considered.
    candidates: Option<usize>,
    /// The doc the run ends with, parsed (for the summary's missing definitions).
    missing: usize,
    /// A refresh alone: the parsed doc the run's text was made of, which the lint reads
    /// instead of parsing the text again.
    refreshed_from: Option<&'a CoverageDoc<'a>>,
    github_requests: u64,
}

impl Shell<'_> {
    /// Reads the doc and the sources, calls the planning core ([`plan_run`]) once, then
    /// writes, checks, prints or publishes.
    fn run(&self, out: &mut dyn Write, err: &mut dyn Write) -> Result<RunStatus> {
        let request = self.request;
        let _lock = DocLock::acquire(&request.doc, request.writes_doc(), LOCK_WAIT)?;
        let doc_text = read_doc(&request.doc)?;
        let doc = CoverageDoc::parse(&doc_text).map_err(|e| self.doc_error(e))?;
        if request.is_refresh_only() {
            self.refresh(&doc_text, &doc, out, err)
        } else {
            self.onboard(&doc_text, &doc, out, err)
        }
    }

    fn doc_error(&self, error: DocError) -> anyhow::Error {
        anyhow!(
            "`{}`:{}: {}",
            self.request.doc.display(),
            error.line,
            error.message
        )
    }

    /// `--refresh-status` alone: only the doc's status rows, against the names it lists.
    fn refresh(
        &self,
        doc_text: &str,
        doc: &CoverageDoc,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<RunStatus> {
        // A refresh looks up only the doc's names: the walk keeps just those.
        let names = doc.concrete_names();
        if names.is_empty() {
            // A gate that checked nothing must not pass.
            return Err(anyhow!(
                "`{}`: no status table with a concrete definition row (a table whose header's first cell contains `Definition` and that has a `Status` column, with rows whose first cell is one backticked name): nothing to check, the doc was left untouched",
                self.request.doc.display()
            ));
        }
        let index = self.load_index(Some(&names))?;
        // The summary's count is all the name set is still for: taken now, so that the set is
        // freed before the refresh makes the new text (the peak memory of a big doc).
        let missing = missing_definitions(&names, &index);
        drop(names);
        let rows = report_is_read(self.request);
        let planned =
            plan_run(doc, &index, Job::Refresh { rows }).map_err(|e| self.doc_error(e))?;
        let ending = Ending {
            problems: Vec::new(),
            requests: &[],
            resolution: None,
            tags: None,
            failures: &[],
            candidates: None,
            missing,
            github_requests: 0,
            refreshed_from: Some(doc),
        };
        // Nor is the index needed to write or lint the result.
        drop(index);
        self.finish(doc_text, planned.plan, ending, out, err)
    }

    /// `--model-name` / `--discover`: gather, plan, print the plan's messages, finish.
    fn onboard(
        &self,
        doc_text: &str,
        doc: &CoverageDoc,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<RunStatus> {
        let index = self.load_index(None)?;
        let existing = onboarding_base(doc, &index).map_err(|e| self.doc_error(e))?;
        let Gathered {
            serving,
            inputs,
            dataset_tags,
            github_requests,
        } = self.gather(doc, &existing, err)?;
        let planned = self.plan(doc, &index, &existing, &serving, inputs)?;
        print_plan_messages(&planned, err)?;
        let RunPlan {
            plan,
            requests,
            failures,
            problems: plan_problems,
            ..
        } = planned;
        let mut problems = plan_problems;
        problems.extend(failures.iter().cloned());
        let resolution = Resolution {
            cookbook: serving.cookbook(),
            catalog: serving.catalog(),
        };
        let missing = match CoverageDoc::parse(&plan.text) {
            Ok(after) => missing_definitions(&after.concrete_names(), &index),
            Err(_) => 0,
        };
        let ending = Ending {
            problems,
            requests: &requests,
            resolution: Some(&resolution),
            tags: dataset_tags.get(),
            failures: &failures,
            candidates: plan.report.candidates.as_ref().map(Vec::len),
            missing,
            github_requests,
            refreshed_from: None,
        };
        self.finish(doc_text, plan, ending, out, err)
    }

    /// Everything onboarding needs besides the doc and the dataset: serving data, the
    /// `--model-name`s resolved, discovery's decisions.
    fn gather(
        &self,
        doc: &CoverageDoc,
        existing: &RefreshOutcome,
        err: &mut dyn Write,
    ) -> Result<Gathered> {
        let request = self.request;
        // The one reading of the clock: the serving data's age, and discovery's day.
        let now = clock_seconds();
        let today = request
            .today
            .unwrap_or_else(|| Date::from_unix_seconds(now));
        let serving = self.load_serving_data(now)?;
        let github_requests = serving.github_requests;
        for note in &serving.notes {
            writeln!(err, "note: {note}")?;
        }
        let mut problems = serving.problems;
        problems.extend(serving.catalog.warnings.iter().cloned());
        let config_warnings = serving.cookbook.warnings.clone();
        let serving_sources = match request.discover {
            Some(_) => {
                // One Hub client per run: discovery asks through the run's.
                let sources = DiscoverySources::with_serving(
                    |name| std::env::var(name).ok(),
                    self.network.hub()?.clone(),
                    request.sources.sglang_dir.clone(),
                    serving.catalog,
                    serving.cookbook,
                )?;
                Serving::Discovery(Box::new(sources))
            }
            None => Serving::Own(serving.catalog, serving.cookbook),
        };
        let resolved = self.resolve(&existing.sections, &serving_sources)?;
        let dataset_tags = OnceLock::new();
        let discovered = match (&serving_sources, request.discover) {
            (Serving::Discovery(sources), Some(args)) => {
                Some(self.discover(sources, doc, existing, args, today, &dataset_tags)?)
            }
            _ => None,
        };
        Ok(Gathered {
            serving: serving_sources,
            inputs: PlanInputs {
                problems,
                config_warnings,
                resolved,
                discovered,
            },
            dataset_tags,
            github_requests,
        })
    }

    /// The `--model-name`s resolved to repo ids, configs and serving sizes (or why not).
    fn resolve(
        &self,
        sections: &[crate::doc::refresh::SectionOutcome],
        serving: &Serving,
    ) -> Result<Vec<Result<ModelRequest, Unresolved>>> {
        let models = &self.request.models;
        if models.is_empty() {
            return Ok(Vec::new());
        }
        let resolver = Resolver {
            sections,
            cookbook: serving.cookbook(),
            catalog: serving.catalog(),
            hf: self.network.hub()?,
        };
        let what = format!("resolving {} model(s)", models.len());
        self.phase(&what, || {
            self.network
                .block_on(resolve::requests(models, &self.request.sizes, &resolver))
        })
    }

    /// Discovery: gather its signals, decide, gather the picks' serving plans.
    fn discover(
        &self,
        sources: &DiscoverySources,
        doc: &CoverageDoc,
        existing: &RefreshOutcome,
        args: DiscoverArgs,
        today: Date,
        dataset_tags: &OnceLock<TagReading>,
    ) -> Result<Discovered> {
        let options = DiscoveryOptions {
            max_new: args.max_new,
            min_providers: args.min_providers,
            since_days: args.since_days,
            today,
        };
        self.phase("discovering models", || {
            self.network.block_on(nightly::discover(
                self.request,
                sources,
                doc,
                &existing.sections,
                &options,
                dataset_tags,
            ))
        })
    }

    /// The one call of the planning core for an onboarding run.
    fn plan(
        &self,
        doc: &CoverageDoc,
        index: &DefinitionIndex,
        existing: &RefreshOutcome,
        serving: &Serving,
        inputs: PlanInputs,
    ) -> Result<RunPlan> {
        let catalog = serving.catalog();
        let cookbook = serving.cookbook();
        let supports = |class: &str| catalog.supports(class);
        let files = |repo: &str| -> Vec<String> {
            cookbook
                .serving(repo)
                .iter()
                .map(|source| source.file.display().to_string())
                .collect()
        };
        let job = Job::Onboard(Onboard {
            existing,
            resolved: inputs.resolved,
            sglang_supports: &supports,
            refresh_all: self.request.refresh_status,
            discovered: inputs.discovered,
            problems: inputs.problems,
            serving_configs: ServingConfigs {
                warnings: &inputs.config_warnings,
                files: &files,
            },
            verbose: self.request.verbose,
        });
        plan_run(doc, index, job).map_err(|e| self.doc_error(e))
    }

    /// Runs `work` as a phase on stderr's progress, counting the Hub requests it sends.
    fn phase<T>(&self, what: &str, work: impl FnOnce() -> T) -> T {
        let before = self.network.hub_requests();
        let counts = || {
            let sent = self.network.hub_requests().saturating_sub(before);
            if sent == 0 {
                String::new()
            } else {
                format!("{sent} Hub request(s)")
            }
        };
        self.progress.phase(what, &counts, work)
    }

    /// The catalog and serving configs: local dirs, else GitHub live, else cached, else
    /// bundled (see [`crate::sources::serving_data`]).
    fn load_serving_data(&self, now: i64) -> Result<serving_data::ServingData> {
        let sources = &self.request.sources;
        let options = serving_data::ServingDataOptions::from_vars(
            |name| std::env::var(name).ok(),
            sources.sglang_dir.clone(),
            &sources.cookbook_dir,
            sources.sglang_repo.as_deref(),
            sources.cookbook_repo.as_deref(),
        )?;
        self.phase("reading SGLang's and the cookbooks' serving data", || {
            self.network.block_on(serving_data::load(&options, now))
        })
    }

    /// The dataset index: from `--trace-dir`, else the Hub's listing. `wanted` limits a local
    /// walk to the names a refresh looks up.
    fn load_index(&self, wanted: Option<&NameSet>) -> Result<DefinitionIndex> {
        let sources: &SourceArgs = &self.request.sources;
        match &sources.trace_dir {
            Some(dir) => trace_dir::load_names(dir, wanted),
            None => self.hub_index(&sources.trace_repo),
        }
    }

    /// Lists the dataset from the Hub (tree API, cached by the dataset's commit sha).
    fn hub_index(&self, repo: &str) -> Result<DefinitionIndex> {
        let client = self.network.hub()?;
        let what = format!("listing the dataset `{repo}`");
        let listing = self
            .phase(&what, || self.network.block_on(client.list_dataset(repo)))?
            .with_context(|| format!("listing the dataset `{repo}` from the Hugging Face Hub\nhint: pass `--trace-dir` a local checkout to work offline"))?;
        Ok(DefinitionIndex::from_paths(
            listing
                .definitions
                .iter()
                .chain(&listing.workloads)
                .map(String::as_str),
        ))
    }
}

/// The plan's messages in order: announcements, then problems as warnings.
fn print_plan_messages(planned: &RunPlan, err: &mut dyn Write) -> Result<()> {
    for line in &planned.announcements {
        writeln!(err, "{line}")?;
    }
    for problem in &planned.problems {
        writeln!(err, "{}", render_message("warning", problem))?;
    }
    Ok(())
}

/// Distinct concrete definition names the dataset does not have.
fn missing_definitions(names: &NameSet, index: &DefinitionIndex) -> usize {
    names
        .iter()
        .filter(|name| index.presence(name) == Presence::Absent)
        .count()
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

impl Shell<'_> {
    /// Lints the result, prints its warnings, writes the reports, then publishes or annotates,
    /// and writes / checks / prints the doc; the per-model failures and the summary line end
    /// the run.
    fn finish(
        &self,
        doc_text: &str,
        mut plan: Plan,
        ending: Ending,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<RunStatus> {
        let request = self.request;
        let read_tags = report_is_read(request) || request.mode == Mode::Check;
        let lint = (ending.requests, ending.resolution, ending.tags);
        let text = match ending.refreshed_from {
            Some(doc) => LintText::Refreshed {
                doc,
                text: &plan.text,
            },
            None => LintText::Parse(&plan.text),
        };
        let linted = self.phase("linting the doc", || {
            crate::lint_gather::report(request, self.network, text, lint, read_tags)
        });
        plan.report.lint = linted.print(request, err)?;
        crate::next_gather::attach(
            request,
            self.network,
            report_is_read(request),
            &mut plan,
            err,
        )?;
        for warning in &plan.warnings {
            writeln!(
                err,
                "warning: `{}`:{}: {}",
                request.doc.display(),
                warning.line,
                warning.message
            )?;
        }
        plan.report.problems.extend(ending.problems.iter().cloned());
        plan.report.problems.extend(
            plan.warnings
                .iter()
                .map(|w| format!("{}:{}: {}", request.doc.display(), w.line, w.message)),
        );
        write_reports(request, &plan)?;
        match &request.publish {
            Some(args) => {
                let warnings = self.publish(args, doc_text, &plan, out, err)?;
                if !warnings.is_empty() {
                    // Publishing problems that did not fail the run (labels) belong in the
                    // reports too.
                    plan.report.problems.extend(warnings);
                    write_reports(request, &plan)?;
                }
            }
            None => annotate(request, &plan.report, out)?,
        }
        let changed = plan.text != doc_text;
        let status = self.conclude(doc_text, &plan, changed, out)?;
        for failure in ending.failures {
            writeln!(err, "{}", render_message("error", failure))?;
        }
        if request.verbose {
            self.print_verbose(&plan.report, &ending, err)?;
        }
        let summary = Summary::of(&plan.report, &ending);
        writeln!(err, "{}", summary.line(request, changed))?;
        if status == RunStatus::Drift && !changed {
            let unverified = plan.warnings.iter().filter(|w| w.unverified).count();
            writeln!(
                err,
                "`{}` cannot be checked: {unverified} line(s) named above cannot be verified",
                request.doc.display()
            )?;
        } else if status == RunStatus::Drift {
            writeln!(
                err,
                "hint: run `track-models --refresh-status --doc {}` without `--check` to update it",
                request.doc.display()
            )?;
        }
        Ok(if ending.failures.is_empty() {
            status
        } else {
            RunStatus::PartialFailure
        })
    }

    /// Writes the doc (write mode, when it changed) or prints the diff (`--dry-run`, and
    /// `--check` when it would change): the status before failures count.
    fn conclude(
        &self,
        doc_text: &str,
        plan: &Plan,
        changed: bool,
        out: &mut dyn Write,
    ) -> Result<RunStatus> {
        let request = self.request;
        match request.mode {
            // With `--publish` the pull request carries the result; the checkout stays the
            // base the next run compares with.
            Mode::Write if request.publish.is_some() => Ok(RunStatus::Clean),
            Mode::Write => {
                // The doc was read once: compare with that text, never read it again.
                if changed {
                    write_atomically(&request.doc, plan.text.as_bytes())
                        .with_context(|| format!("writing `{}`", request.doc.display()))?;
                }
                Ok(RunStatus::Clean)
            }
            Mode::DryRun => {
                write_diff(out, &request.doc, doc_text, &plan.text)?;
                Ok(RunStatus::Clean)
            }
            Mode::Check if changed => {
                write_diff(out, &request.doc, doc_text, &plan.text)?;
                Ok(RunStatus::Drift)
            }
            // A warning about text the bot cannot verify (a summary row no section matches)
            // fails the gate even when nothing would change.
            Mode::Check if plan.warnings.iter().any(|w| w.unverified) => Ok(RunStatus::Drift),
            Mode::Check => Ok(RunStatus::Clean),
        }
    }

    /// `--verbose`: why each definition of a model this run added or regenerated got its name,
    /// and the requests the run sent.
    fn print_verbose(&self, report: &Report, ending: &Ending, err: &mut dyn Write) -> Result<()> {
        for model in report
            .models
            .iter()
            .filter(|m| m.action != Action::Unchanged)
        {
            for definition in &model.definitions {
                if let Some(why) = &definition.why {
                    let line = format!("`{}`: `{}`: {why}", model.name, definition.name);
                    writeln!(err, "{}", render_message("info", &line))?;
                }
            }
        }
        writeln!(
            err,
            "info: requests: {} to the Hugging Face Hub, {} to GitHub for serving data",
            self.network.hub_requests(),
            ending.github_requests
        )?;
        Ok(())
    }

    /// Opens, updates or closes the bot's pull request (see `crate::publish`).
    fn publish(
        &self,
        args: &PublishArgs,
        doc_text: &str,
        plan: &Plan,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<Vec<String>> {
        let request = self.request;
        let dry_run = request.mode == Mode::DryRun;
        let publish_request =
            publish_request(request, args, doc_text.to_string(), plan.text.clone())?;
        let outcome = self.phase("publishing the pull request", || {
            self.network.block_on(async {
                let github = args.environment.github()?;
                let mut actions = Actions::from_env(&mut *out);
                publish_with_actions(&github, &publish_request, &plan.report, &mut actions).await
            })
        })??;
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
}

/// What `crate::publish` is asked to do: the doc's path in the repository, the base text the
/// run read and the text it generated.
fn publish_request(
    request: &Request,
    args: &PublishArgs,
    base_doc: String,
    generated_doc: String,
) -> Result<PublishRequest> {
    Ok(PublishRequest {
        repository: args.environment.repository.clone(),
        branch: args.branch.clone(),
        base: args.base.clone(),
        labels: args.labels.clone(),
        recreate: args.recreate,
        dry_run: request.mode == Mode::DryRun,
        doc_path: repo_relative(&request.doc)?,
        base_doc,
        generated_doc,
    })
}

/// Outside `--publish`, under GitHub Actions: annotations and the step summary.
fn annotate(request: &Request, report: &Report, out: &mut dyn Write) -> Result<()> {
    let mut actions = Actions::from_env(&mut *out);
    if actions.is_enabled() {
        actions.annotate_problems(&report.problems)?;
        actions.annotate_lint(
            &request.doc.display().to_string(),
            &report.lint,
            report.problems.len(),
        )?;
        actions.append_summary(&report.to_markdown())?;
    }
    Ok(())
}

/// The counts of the run's last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Summary {
    /// Sections whose text (or summary row) the run changed, not counting added ones.
    changed: usize,
    added: usize,
    /// Distinct concrete definitions the resulting doc lists that the dataset lacks.
    missing: usize,
    failed: usize,
    /// `--discover`: candidates considered.
    candidates: Option<usize>,
}

impl Summary {
    fn of(report: &Report, ending: &Ending) -> Summary {
        let count = |action: Action| report.models.iter().filter(|m| m.action == action).count();
        Summary {
            changed: count(Action::Refreshed),
            added: count(Action::Added),
            missing: ending.missing,
            failed: ending.failures.len(),
            candidates: ending.candidates,
        }
    }

    /// `<verdict> (<counts>)`: what happened to the doc in this mode, then the counts; with
    /// `--discover`, a discovery that added nothing says so.
    fn line(&self, request: &Request, changed: bool) -> String {
        let doc = request.doc.display();
        let dry_run = request.mode == Mode::DryRun;
        let verdict = match (&request.publish, request.mode, changed) {
            (Some(_), _, _) if dry_run => format!("dry run: would publish `{doc}`"),
            (Some(_), _, _) => format!("published `{doc}`"),
            (None, Mode::Write, true) => format!("updated `{doc}`"),
            (None, Mode::DryRun, true) => format!("dry run: `{doc}` would be updated"),
            (None, Mode::Check, true) => format!("`{doc}` is out of date"),
            (None, _, false) => format!("`{doc}` is up to date"),
        };
        let would = request.mode != Mode::Write && request.publish.is_none();
        let mut counts = vec![
            plural(
                self.changed,
                "section",
                if would { "would change" } else { "changed" },
            ),
            plural(
                self.added,
                "model",
                if would { "would be added" } else { "added" },
            ),
            plural(self.missing, "definition", "missing"),
        ];
        if self.failed > 0 {
            counts.push(plural(self.failed, "model", "failed"));
        }
        if let Some(candidates) = self.candidates {
            counts.push(plural(candidates, "candidate", "considered"));
        }
        let mut line = format!("{verdict} ({})", counts.join(", "));
        if let Some(candidates) = self.candidates {
            if self.added == 0 {
                line = match candidates {
                    0 => format!("discovery found no candidate: every source was empty or unreadable (see the warnings above)\n{line}"),
                    _ => format!("discovery found nothing new to add among {} (`--report-json` gives each one's reason)\n{line}", plural(candidates, "candidate", "considered")),
                };
            }
        }
        line
    }
}

/// `1 section changed`, `2 sections changed`.
fn plural(count: usize, noun: &str, verb: &str) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{count} {noun}{s} {verb}")
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
            "reading the coverage doc `{}`\nhint: pass `--doc PATH` (default `{}`)",
            path.display(),
            defaults::DOC
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
