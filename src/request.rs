//! What a run is asked to do, validated once at the edge: [`Request::from_cli`] is the only
//! reader of [`Cli`]; everything below takes these types.
//!
//! As ripgrep turns its `LowArgs` into `HiArgs`: the per-model flags are paired with their
//! `--model-name` here (one [`ModelArgs`] each), `--today` is parsed here, and the publishing
//! flags exist only when `--publish` was given.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};

use crate::atomic_file::same_file;
use crate::cli::{Cli, Mode};
use crate::date::Date;
use crate::github::environment::PublishEnv;

/// One validated run.
#[derive(Debug, Clone)]
pub struct Request {
    /// The coverage document.
    pub doc: PathBuf,
    pub mode: Mode,
    /// `--refresh-status`: also refresh the rows of sections this run does not onboard.
    pub refresh_status: bool,
    /// One entry per `--model-name`, with its paired flags.
    pub models: Vec<ModelArgs>,
    /// `--tp` / `--ep`: serving sizes that override the cookbooks for every onboarded model.
    pub sizes: Sizes,
    /// `--discover` and its options.
    pub discover: Option<DiscoverArgs>,
    /// `--today`; `None`: the clock's UTC date (read by the shell).
    pub today: Option<Date>,
    pub sources: SourceArgs,
    /// `--publish` and its options.
    pub publish: Option<PublishArgs>,
    pub report_json: Option<PathBuf>,
    pub report_md: Option<PathBuf>,
    pub verbose: bool,
}

/// A `--model-name` and the flags paired with it by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelArgs {
    pub name: String,
    pub hf_repo_id: Option<String>,
    pub config_file: Option<PathBuf>,
    /// Trimmed; `None` when not given or blank.
    pub display_name: Option<String>,
}

/// `--tp` / `--ep` as given (empty: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sizes {
    pub tp: Vec<u32>,
    pub ep: Vec<u32>,
}

impl Sizes {
    pub fn is_given(&self) -> bool {
        !self.tp.is_empty() || !self.ep.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverArgs {
    pub max_new: usize,
    pub min_providers: usize,
    pub since_days: u32,
}

/// Where the dataset and the serving data are read from.
#[derive(Debug, Clone)]
pub struct SourceArgs {
    pub trace_dir: Option<PathBuf>,
    pub trace_repo: String,
    pub sglang_dir: Option<PathBuf>,
    pub sglang_repo: Option<String>,
    pub cookbook_dir: Vec<PathBuf>,
    pub cookbook_repo: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PublishArgs {
    /// `GITHUB_REPOSITORY` (`owner/name`), the token and the client's settings, checked
    /// before any work by publishing's own reader of the environment.
    pub environment: PublishEnv,
    pub branch: String,
    pub base: Option<String>,
    /// Non-blank labels only.
    pub labels: Vec<String>,
    pub recreate: bool,
}

impl Request {
    /// Validates the arguments clap could not: the per-model lists line up with
    /// `--model-name`, no report path is the doc or the other report, `--today` is a date, and
    /// `--publish` has the environment it needs (before any work is done).
    pub fn from_cli(cli: &Cli) -> Result<Request> {
        Request::from_cli_with(cli, |name| std::env::var(name).ok())
    }

    /// [`Request::from_cli`] with `var` standing in for the process environment.
    pub fn from_cli_with(cli: &Cli, var: impl Fn(&str) -> Option<String>) -> Result<Request> {
        let models = paired_models(cli)?;
        let environment = if cli.publish {
            Some(PublishEnv::from_vars(&var, cli.dry_run)?)
        } else {
            None
        };
        check_output_paths(cli)?;
        let today = match &cli.today {
            Some(text) => Some(
                Date::parse(text)
                    .ok_or_else(|| anyhow!("`--today {text}` is not a date (`YYYY-MM-DD`)"))?,
            ),
            None => None,
        };
        Ok(Request {
            doc: cli.doc.clone(),
            mode: cli.mode(),
            refresh_status: cli.refresh_status,
            models,
            sizes: Sizes {
                tp: cli.tp.clone(),
                ep: cli.ep.clone(),
            },
            discover: cli.discover.then_some(DiscoverArgs {
                max_new: cli.max_new,
                min_providers: cli.min_providers,
                since_days: cli.since,
            }),
            today,
            sources: SourceArgs {
                trace_dir: cli.trace_dir.clone(),
                trace_repo: cli.trace_repo.clone(),
                sglang_dir: cli.sglang_dir.clone(),
                sglang_repo: cli.sglang_repo.clone(),
                cookbook_dir: cli.cookbook_dir.clone(),
                cookbook_repo: cli.cookbook_repo.clone(),
            },
            publish: environment.map(|environment| PublishArgs {
                environment,
                branch: cli.branch.clone(),
                base: cli.base.clone(),
                labels: cli
                    .labels
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .cloned()
                    .collect(),
                recreate: cli.recreate,
            }),
            report_json: cli.report_json.clone(),
            report_md: cli.report_md.clone(),
            verbose: cli.verbose,
        })
    }

    /// Only the doc's status rows are refreshed: no model named, no discovery.
    pub fn is_refresh_only(&self) -> bool {
        self.models.is_empty() && self.discover.is_none()
    }

    /// Whether the run may write the local doc (not `--check`, `--dry-run` or `--publish`).
    pub fn writes_doc(&self) -> bool {
        self.mode == Mode::Write && self.publish.is_none()
    }
}

/// Pairs each `--model-name` with its `--hf-repo-id`, `--config-file` and `--display-name`:
/// each list is empty or has one value per model, in the same order.
fn paired_models(cli: &Cli) -> Result<Vec<ModelArgs>> {
    let models = cli.model_name.len();
    for (flag, count) in [
        ("--hf-repo-id", cli.hf_repo_id.len()),
        ("--config-file", cli.config_file.len()),
        ("--display-name", cli.display_name.len()),
    ] {
        if count != 0 && count != models {
            bail!("{flag} is given {count} time(s) for {models} `--model-name`(s)\nhint: give it once per `--model-name`, in the same order");
        }
    }
    Ok(cli
        .model_name
        .iter()
        .enumerate()
        .map(|(position, name)| ModelArgs {
            name: name.clone(),
            hf_repo_id: cli.hf_repo_id.get(position).cloned(),
            config_file: cli.config_file.get(position).cloned(),
            display_name: cli
                .display_name
                .get(position)
                .map(|text| text.trim().to_string())
                .filter(|text| !text.is_empty()),
        })
        .collect())
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn request(args: &[&str]) -> Result<Request> {
        request_with(args, &[])
    }

    fn request_with(args: &[&str], vars: &[(&str, &str)]) -> Result<Request> {
        let cli = Cli::try_parse_from(["track-models"].iter().chain(args)).unwrap();
        Request::from_cli_with(&cli, |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn per_model_flags_are_paired_by_position() {
        let request = request(&[
            "--model-name",
            "a",
            "--model-name",
            "b",
            "--hf-repo-id",
            "o/a",
            "--hf-repo-id",
            "o/b",
            "--display-name",
            " A ",
            "--display-name",
            " ",
        ])
        .unwrap();
        assert_eq!(
            request.models,
            vec![
                ModelArgs {
                    name: "a".into(),
                    hf_repo_id: Some("o/a".into()),
                    config_file: None,
                    display_name: Some("A".into()),
                },
                ModelArgs {
                    name: "b".into(),
                    hf_repo_id: Some("o/b".into()),
                    config_file: None,
                    display_name: None,
                },
            ]
        );
        assert!(!request.is_refresh_only());
    }

    #[test]
    fn a_list_that_does_not_line_up_is_refused() {
        let error = request(&[
            "--model-name",
            "a",
            "--config-file",
            "x",
            "--config-file",
            "y",
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "--config-file is given 2 time(s) for 1 `--model-name`(s)\nhint: give it once per `--model-name`, in the same order"
        );
    }

    #[test]
    fn today_is_parsed_and_publishing_flags_exist_only_with_publish() {
        let request = request_with(
            &[
                "--refresh-status",
                "--today",
                "2026-01-02",
                "--publish",
                "--labels",
                "a, ,b",
            ],
            &[("GITHUB_REPOSITORY", "o/r"), ("GITHUB_TOKEN", "t")],
        )
        .unwrap();
        assert_eq!(request.today, Date::parse("2026-01-02"));
        assert!(request.is_refresh_only());
        assert_eq!(
            request
                .publish
                .map(|p| (p.environment.repository, p.labels)),
            Some(("o/r".to_string(), vec!["a".to_string(), "b".to_string()]))
        );
        let error = self::request(&["--refresh-status", "--today", "2026-13-01"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`--today 2026-13-01` is not a date (`YYYY-MM-DD`)"
        );
    }

    #[test]
    fn publish_finds_its_environment_problems_first() {
        let args = ["--refresh-status", "--publish"];
        let error = |vars: &[(&str, &str)]| request_with(&args, vars).unwrap_err().to_string();
        assert_eq!(
            error(&[("GITHUB_TOKEN", "t")]),
            "`--publish` needs `GITHUB_REPOSITORY` (`owner/name`)\nhint: GitHub Actions sets it; elsewhere export it"
        );
        assert_eq!(
            error(&[("GITHUB_REPOSITORY", "o/r/x"), ("GITHUB_TOKEN", "t")]),
            "`GITHUB_REPOSITORY` is `o/r/x`, not `owner/name`\nhint: GitHub Actions sets it; elsewhere export it as `owner/name`"
        );
        assert_eq!(
            error(&[("GITHUB_REPOSITORY", "o/r"), ("GITHUB_TOKEN", " ")]),
            "`GITHUB_TOKEN` is not set\nhint: `--publish` needs a token that can write contents and pull requests"
        );
        assert!(request(&["--refresh-status"]).unwrap().publish.is_none());
    }
}
