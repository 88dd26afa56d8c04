//! The lint's I/O shell (`crate::lint` itself is pure; this module sits beside it, with the
//! other shells, so that the pure lint imports nothing that does I/O): which sections have a known repo
//! id, their `config.json`, and the dataset's definition tags.
//!
//! Configs come from what the run already read (`--model-name` requests, their
//! `--config-file` or fetched text). A section people wrote (no generated marker) whose repo id
//! is known has its `config.json` read through the HF client like any other (the cache first,
//! one request when warm; none under `HF_HUB_OFFLINE`): on a fresh CI runner the cache is
//! empty, and those rows are what the lint is for. A generated section's config comes from the
//! cache only — the tool wrote its rows from that config, so it adds no request and no note
//! when it is not cached. A section whose config cannot be had is named in a note, never
//! guessed. The dataset's tags come from [`crate::sources::dataset_tags`]: in a discovery run,
//! those discovery read already (one reading per run).

use std::collections::BTreeSet;
use std::path::Path;

use crate::arch::parse_config;
use crate::discover::display_name::name_key;
use crate::doc::CoverageDoc;
use crate::lint::{LintInputs, LintOutcome, SectionConfig, TracedDefinition};
use crate::onboard::ModelRequest;
use crate::request::Request;
use crate::sources::serving::CookbookIndex;
use crate::sources::sglang::SglangCatalog;
use crate::sources::Network;

pub use crate::sources::dataset_tags::{hub_traced, read_traced, TagReading};

/// The doc a run ends with, as the lint reads it.
#[derive(Clone, Copy)]
pub enum LintText<'a> {
    /// A text the run made (onboarding's, discovery's): parsed for the lint.
    Parse(&'a str),
    /// `text`, made of the run's parsed `doc` by a refresh alone: read through that parse
    /// (a refresh changes no title, marker or row name, only numbers and symbols; see
    /// [`crate::doc::RefreshedText`]), which saves parsing a big doc twice.
    Refreshed {
        doc: &'a CoverageDoc<'a>,
        text: &'a str,
    },
}

/// What the shell has for resolving section names to repo ids.
pub struct Resolution<'a> {
    pub cookbook: &'a CookbookIndex,
    pub catalog: &'a SglangCatalog,
}

/// Lints `text` (the doc the run ends with) for `request`: configs from `requests` and the
/// HF cache (section names resolved through `resolution`, else through `--cookbook-dir` /
/// `--sglang-dir` when given), tags when `read_tags`: those the run read already (`read`),
/// else from `--trace-dir`, else from the Hub's copy of `--trace-repo`. Returns the outcome and
/// notes (what could not be checked, and why).
pub fn lint_run(
    request: &Request,
    network: &Network,
    text: LintText,
    requests: &[ModelRequest],
    resolution: Option<&Resolution>,
    read_tags: bool,
    read: Option<&TagReading>,
) -> (LintOutcome, Vec<String>) {
    let own = (resolution.is_none()
        && (!request.sources.cookbook_dir.is_empty() || request.sources.sglang_dir.is_some()))
    .then(|| {
        let catalog = match &request.sources.sglang_dir {
            Some(dir) => SglangCatalog::from_dir(dir),
            None => SglangCatalog::bundled(),
        };
        (
            CookbookIndex::load(
                &request.sources.cookbook_dir,
                request.sources.sglang_dir.as_deref(),
            ),
            catalog,
        )
    });
    let own_resolution = own
        .as_ref()
        .map(|(cookbook, catalog)| Resolution { cookbook, catalog });
    let resolution = resolution.or(own_resolution.as_ref());
    if !read_tags {
        return lint_doc_with(network, text, requests, resolution, None);
    }
    let dir = request.sources.trace_dir.as_deref();
    let tags = match (read, dir) {
        (Some(tags), _) => tags.clone(),
        (None, Some(dir)) => TagReading::Local(read_traced(dir)),
        (None, None) => {
            let mut notes = Vec::new();
            let traced = hub_traced_blocking(network, &request.sources.trace_repo, &mut notes);
            TagReading::Hub(traced, notes)
        }
    };
    lint_with_tags(network, text, requests, resolution, &tags, dir)
}

/// The Hub's tags of `repo` for the lint at the end of a run, through the run's client.
fn hub_traced_blocking(
    network: &Network,
    repo: &str,
    notes: &mut Vec<String>,
) -> Option<Vec<TracedDefinition>> {
    let read = network
        .hub()
        .and_then(|client| network.block_on(hub_traced(client, repo, notes)));
    match read {
        Ok(traced) => traced,
        Err(error) => {
            notes.push(format!("lint: the dataset's tags were not read: {error:#}"));
            None
        }
    }
}

/// Lints `text` with the tags as read: the configs' notes first, as a reader meets the sections
/// before the dataset, then what the tags' reading could not read (`dir`: the `--trace-dir`
/// they came from, when local).
fn lint_with_tags(
    network: &Network,
    text: LintText,
    requests: &[ModelRequest],
    resolution: Option<&Resolution>,
    tags: &TagReading,
    dir: Option<&Path>,
) -> (LintOutcome, Vec<String>) {
    let mut notes = Vec::new();
    let traced = match tags {
        TagReading::Local(Ok((traced, skipped))) => {
            if *skipped > 0 {
                let root = dir.map(|d| d.join("definitions")).unwrap_or_default();
                notes.push(format!(
                    "lint: {skipped} definition file(s) under `{}` were unreadable, too large or beyond the limit; their tags were not read",
                    root.display()
                ));
            }
            Some(traced.as_slice())
        }
        TagReading::Local(Err(error)) => {
            notes.push(format!("lint: the dataset's tags were not read: {error}"));
            None
        }
        TagReading::Hub(traced, tag_notes) => {
            notes.extend(tag_notes.iter().cloned());
            traced.as_deref()
        }
    };
    let (outcome, config_notes) = lint_doc_with(network, text, requests, resolution, traced);
    (outcome, config_notes.into_iter().chain(notes).collect())
}

/// Lints `text`: configs from `requests` and the HF cache, tags as given.
fn lint_doc_with(
    network: &Network,
    text: LintText,
    requests: &[ModelRequest],
    resolution: Option<&Resolution>,
    traced: Option<&[TracedDefinition]>,
) -> (LintOutcome, Vec<String>) {
    let mut notes = Vec::new();
    let parsed;
    let sections = match text {
        LintText::Parse(text) => {
            let Ok(doc) = CoverageDoc::parse(text) else {
                return (LintOutcome::default(), notes);
            };
            parsed = doc;
            crate::lint::sections(&parsed)
        }
        LintText::Refreshed { doc, text } => crate::lint::refreshed_sections(doc, text),
    };
    let configs = section_configs(network, &sections, requests, resolution, &mut notes);
    let inputs = LintInputs {
        configs: &configs,
        traced,
    };
    (crate::lint::lint_sections(&sections, &inputs), notes)
}

/// The parsed config of every section whose repo id is known and whose config is at hand.
fn section_configs(
    network: &Network,
    sections: &[crate::lint::Section],
    requests: &[ModelRequest],
    resolution: Option<&Resolution>,
    notes: &mut Vec<String>,
) -> Vec<SectionConfig> {
    let mut wanted: Vec<Wanted> = Vec::new();
    for section in sections {
        // Nothing names the section's repo (no request, no marker, nothing to resolve its title
        // with): no config to check, which is every section of a plain refresh of a hand-written
        // doc. No row, nothing to check either (an unavailable section has none).
        let named = !requests.is_empty() || section.marker.is_some() || resolution.is_some();
        if !named || section.rows().next().is_none() {
            continue;
        }
        let title = section.title.to_string();
        let key = name_key(&crate::lint::unescape(&title));
        let marker = section.marker;
        let marker_repo = marker.and_then(|m| m.hf_repo_id()).map(str::to_string);
        let request = requests.iter().find(|r| {
            marker_repo
                .as_deref()
                .is_some_and(|repo| repo.eq_ignore_ascii_case(&r.hf_repo_id))
                || [&r.model_name, &r.display_name]
                    .iter()
                    .any(|name| name_key(name) == key)
        });
        let (mut extra_tp, mut extra_ep) = marker
            .map(|m| {
                (
                    m.tp.clone().unwrap_or_default(),
                    m.ep.clone().unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        let (repo, text) = match (request, marker_repo) {
            // This run failed to read it: that failure is reported already.
            (Some(request), _) if request.config.is_err() => continue,
            (Some(request), _) => {
                extra_tp.extend(&request.serving.attention_tp);
                extra_ep.extend(&request.serving.ep);
                (request.hf_repo_id.clone(), request.config.clone().ok())
            }
            (None, Some(repo)) => (repo, None),
            (None, None) => match resolution.and_then(|r| resolve_by_name(r, &title)) {
                Some(repo) => (repo, None),
                None => continue,
            },
        };
        wanted.push(Wanted {
            title,
            repo,
            text,
            generated: marker.is_some(),
            extra_tp,
            extra_ep,
        });
    }
    let missing = |generated: bool| -> Vec<String> {
        wanted
            .iter()
            .filter(|w| w.text.is_none() && w.generated == generated)
            .map(|w| w.repo.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let mut read = lint_configs(network, &missing(false), false, notes);
    read.extend(lint_configs(network, &missing(true), true, notes));
    let mut configs = Vec::new();
    for want in wanted {
        let text = match want.text {
            Some(text) => text,
            None => match read.iter().find(|(repo, _)| *repo == want.repo) {
                Some((_, Ok(text))) => text.clone(),
                Some((_, Err(Unread::NotCached))) if !want.generated => {
                    notes.push(format!(
                        "lint: rows of `## {}` were not checked: `config.json` of `{}` is not in the HF cache\nhint: run once with `--model-name \"{}\" --hf-repo-id {}` (or `--config-file`) to read it",
                        want.title, want.repo, crate::lint::unescape(&want.title), want.repo
                    ));
                    continue;
                }
                Some((_, Err(Unread::Failed(reason)))) if !want.generated => {
                    notes.push(format!(
                        "lint: rows of `## {}` were not checked: {reason}",
                        want.title
                    ));
                    continue;
                }
                _ => continue,
            },
        };
        match parse_config(&text) {
            Ok(arch) => configs.push(SectionConfig {
                section: want.title,
                hf_repo_id: want.repo,
                arch,
                extra_tp: want.extra_tp,
                extra_ep: want.extra_ep,
            }),
            Err(error) => notes.push(format!(
                "lint: rows of `## {}` were not checked: `config.json` of `{}` is unusable: {error}",
                want.title, want.repo
            )),
        }
    }
    configs
}

struct Wanted {
    title: String,
    repo: String,
    text: Option<String>,
    /// The section carries a generated marker: its rows are the tool's own.
    generated: bool,
    extra_tp: Vec<u32>,
    extra_ep: Vec<u32>,
}

/// The one repo id the cookbooks and SGLang's docs give for a section title, if exactly one.
fn resolve_by_name(resolution: &Resolution, title: &str) -> Option<String> {
    let title = crate::lint::unescape(title);
    let key = name_key(&title);
    let mut found = resolution.cookbook.find_by_repo_name(&title);
    found.extend(
        resolution
            .catalog
            .doc_repo_ids
            .iter()
            .map(|(_, repo)| repo.clone())
            .filter(|repo| name_key(repo) == key),
    );
    // Names mean the same model only when the repo name spells the title out before any
    // variant words: `Llama 3.1 8B` is `Llama-3.1-8B-Instruct`, but `Mistral 7B v0.3` is not
    // `Mistral-7B-Instruct-v0.2` (whose config is another checkpoint's).
    let spelled = alphanumeric(&title);
    found
        .retain(|repo| alphanumeric(repo.rsplit('/').next().unwrap_or(repo)).starts_with(&spelled));
    found.sort_by_key(|r| r.to_ascii_lowercase());
    found.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn alphanumeric(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Why the lint has no `config.json` for a repo.
enum Unread {
    /// Not in the HF cache, and the client may not ask the Hub (offline, or cache only).
    NotCached,
    /// The Hub (or the cache) failed: the reason, naming the repo and the URL.
    Failed(crate::sources::hf::HfError),
}

/// `config.json` of each repo through the run's Hub client (the cache first;
/// `HF_HUB_OFFLINE` means no request), or from its cache only when `cache_only`.
fn lint_configs(
    network: &Network,
    repos: &[String],
    cache_only: bool,
    notes: &mut Vec<String>,
) -> Vec<(String, Result<String, Unread>)> {
    if repos.is_empty() {
        return Vec::new();
    }
    let fetched = network.hub().and_then(|hub| {
        let client = if cache_only {
            hub.cache_only()
        } else {
            hub.clone()
        };
        let offline = client.is_offline();
        Ok((offline, network.block_on(client.fetch_configs(repos))?))
    });
    let (offline, fetched) = match fetched {
        Ok(fetched) => fetched,
        Err(error) => {
            notes.push(format!("lint: the HF cache is unavailable: {error:#}"));
            return repos
                .iter()
                .map(|r| (r.clone(), Err(Unread::NotCached)))
                .collect();
        }
    };
    fetched
        .into_iter()
        .map(|(repo, result)| {
            let text = result.map(|file| file.text).map_err(|error| match error {
                _ if offline => Unread::NotCached,
                error => Unread::Failed(error),
            });
            (repo, text)
        })
        .collect()
}

/// What the lint at a run's end has to say, once [`lint_run`] has read what it needs.
pub struct LintReport {
    outcome: LintOutcome,
    notes: Vec<String>,
}

/// [`lint_run`] for the run's end, without printing (the shell shows its progress meanwhile).
pub fn report(
    request: &Request,
    network: &Network,
    text: LintText,
    (requests, resolution, tags): (&[ModelRequest], Option<&Resolution>, Option<&TagReading>),
    read_tags: bool,
) -> LintReport {
    let (outcome, notes) = lint_run(
        request, network, text, requests, resolution, read_tags, tags,
    );
    LintReport { outcome, notes }
}

impl LintReport {
    /// Notes and findings go to `err` (`note: …`, then `lint: path:line: message`, which is
    /// what `--check` shows besides the diff); the findings are returned for the report.
    pub fn print(
        self,
        request: &Request,
        err: &mut dyn std::io::Write,
    ) -> std::io::Result<Vec<crate::lint::Finding>> {
        for note in &self.notes {
            writeln!(err, "note: {note}")?;
        }
        let doc = request.doc.display();
        for (line, message) in crate::lint::annotations(&self.outcome.findings) {
            writeln!(err, "lint: `{doc}`:{line}: {message}")?;
        }
        Ok(self.outcome.findings)
    }
}
