//! Serving configurations (TP / EP / DP per Hugging Face repo id) from the sgl-cookbook YAML and
//! from SGLang's JSX cookbook snippets. Local files only.
//!
//! What it reads:
//! - every `*.yaml` / `*.yml` under each cookbook directory, at any depth, so every version folder
//!   (`v0.5.6`, `v0.5.8`, `v0.5.10`, …) counts. A model file holds `families[].models[]` (or a
//!   top-level `models[]`) with `model_path` (the HF repo id) and
//!   `hardware.<HW>.configurations[].engine.{tp, ep, dp, enable_dp_attention, extra_args}`.
//!   A configuration's `quantized_model_path`, when set, is the repo it launches instead.
//!   YAML without `families` / `models` (`vendors.yaml`) is not a model file and is skipped.
//! - every `docs_new/src/snippets/configs/**/*.jsx` of an SGLang checkout: one
//!   `export const config = { modelNames, cells, … }` object literal, read by the small tolerant
//!   literal parser at the end of this file (no JS engine). A cell maps to its repo id through
//!   `modelNames["<hw>|<variant>|<quant>"]`, else `modelNames["<variant>|<quant>"]`; its TP / EP /
//!   DP come from its `flags`. Files with no `config` binding (`*-benchmarks.jsx`,
//!   `*-srt-slurm.jsx`) are other kinds of snippet and are skipped without a warning.
//!
//! Launch-flag rules, shared by both formats (YAML `extra_args` override the `engine` fields):
//! `--tp` / `--tp-size` / `--tensor-parallel-size`, `--ep` / `--ep-size` /
//! `--expert-parallel-size`, `--dp` / `--dp-size` / `--data-parallel-size`, as `--tp 8` or
//! `--tp=8`; `--enable-dp-attention` sets `dp_attention`. Missing values are SGLang's default 1,
//! except that an all-to-all MoE backend (`--moe-a2a-backend deepep|mooncake|…`, or the older
//! `--enable-ep-moe` / `--enable-deepep-moe`) without an explicit EP size gives `ep = tp`, as
//! SGLang's `server_args.py` does (`self.ep_size = self.tp_size`). The YAML `nodes` attribute
//! and the JSX `match.nodes` are not used: the notes call them unreliable.
//!
//! Guarantees:
//! - Never panics on input. A file that cannot be read or parsed, or a configuration that makes
//!   no sense, becomes one warning naming the file (and the line when known); the rest loads.
//! - Repo ids are keyed case-insensitively and kept as spelt in the source, misspellings included
//!   (`XiaomiMiMo/MiMo-MiMo-V2-Flash` stays as it is): we report what the cookbook says.
//! - Every [`ServingConfig`] has `tp`, `ep`, `dp` ≥ 1, and `dp_attention` only when `dp > 1`.
//! - Answers are deduplicated and sorted, so they do not depend on directory order; a model
//!   listed twice (the real `llama4scout.yaml` lists `Llama-4-Scout-17B-16E-Instruct` twice)
//!   counts once per distinct configuration.
//! - Hardware names are upper case in both formats (`H200`, `MI300X`), as the YAML spells them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// How SGLang splits one model over GPUs.
///
/// Built through [`ServingConfig::new`], `dp_attention` is true only when `dp > 1`: with one
/// data-parallel rank `--enable-dp-attention` changes no shape, and keeping it would split one
/// real configuration into two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServingConfig {
    pub tp: u32,
    pub ep: u32,
    pub dp: u32,
    pub dp_attention: bool,
}

impl ServingConfig {
    /// Clamps zeros to 1 and drops `dp_attention` when `dp` is 1.
    pub fn new(tp: u32, ep: u32, dp: u32, dp_attention: bool) -> ServingConfig {
        let dp = dp.max(1);
        ServingConfig {
            tp: tp.max(1),
            ep: ep.max(1),
            dp,
            dp_attention: dp_attention && dp > 1,
        }
    }

    /// The tensor-parallel degree the attention layers see: `tp / dp` with DP attention
    /// (SGLang's `attn_tp_size = tp_size // dp_size`), else `tp`. Never 0, even when `dp` does
    /// not divide `tp` (a configuration SGLang itself rejects).
    pub fn attention_tp(&self) -> u32 {
        if self.dp_attention && self.dp > 1 {
            (self.tp / self.dp).max(1)
        } else {
            self.tp.max(1)
        }
    }
}

impl fmt::Display for ServingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tp{} ep{} dp{}", self.tp, self.ep, self.dp)?;
        if self.dp_attention {
            write!(f, " dp-attention")?;
        }
        Ok(())
    }
}

/// One serving configuration and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServingSource {
    /// The repo id as spelt in that file.
    pub repo_id: String,
    pub config: ServingConfig,
    /// Upper case: `H200`, `B300`, `MI300X`.
    pub hardware: String,
    pub file: PathBuf,
}

/// What one file contributed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedConfigs {
    /// Every repo id the file names (`model_path`, `quantized_model_path`, `modelNames` values),
    /// in file order, including those without a usable configuration.
    pub repo_ids: Vec<String>,
    pub sources: Vec<ServingSource>,
    pub warnings: Vec<String>,
}

/// Serving configurations by repo id, from every cookbook YAML and SGLang JSX snippet loaded.
#[derive(Debug, Clone, Default)]
pub struct CookbookIndex {
    /// Lower-cased repo id → entry.
    repos: BTreeMap<String, RepoEntry>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct RepoEntry {
    /// The first spelling seen (files are read in sorted path order).
    spelling: String,
    sources: BTreeSet<ServingSource>,
}

impl CookbookIndex {
    /// Reads every YAML file under each cookbook directory (any depth) and, when given, every
    /// `docs_new/src/snippets/configs/**/*.jsx` under the SGLang checkout. A missing cookbook
    /// directory is a warning; an SGLang checkout without JSX snippets (older than the new docs)
    /// is not.
    pub fn load(cookbook_dirs: &[PathBuf], sglang_dir: Option<&Path>) -> CookbookIndex {
        let mut index = CookbookIndex::default();
        for dir in cookbook_dirs {
            if !dir.is_dir() {
                index.warnings.push(format!(
                    "cookbook directory `{}` not found\nhint: pass the `data/models` folder of an sgl-cookbook checkout",
                    dir.display()
                ));
                continue;
            }
            let files = files_under(dir, &["yaml", "yml"], &mut index.warnings);
            for file in files {
                match read_text(&file) {
                    Ok(text) => index.add(parse_cookbook_yaml(&text, &file)),
                    Err(err) => index
                        .warnings
                        .push(format!("`{}`: cannot read: {err}", file.display())),
                }
            }
        }
        if let Some(sglang_dir) = sglang_dir {
            let configs = sglang_dir.join("docs_new/src/snippets/configs");
            if configs.is_dir() {
                let files = files_under(&configs, &["jsx"], &mut index.warnings);
                for file in files {
                    match read_text(&file) {
                        Ok(text) => index.add(parse_jsx_config(&text, &file)),
                        Err(err) => index
                            .warnings
                            .push(format!("`{}`: cannot read: {err}", file.display())),
                    }
                }
            }
        }
        index
    }

    /// Adds what one file contributed (used by [`CookbookIndex::load`]; public so callers can
    /// build an index from text they already hold).
    pub fn add(&mut self, parsed: ParsedConfigs) {
        for repo_id in &parsed.repo_ids {
            self.entry(repo_id);
        }
        for source in parsed.sources {
            self.entry(&source.repo_id).sources.insert(source);
        }
        self.warnings.extend(parsed.warnings);
    }

    fn entry(&mut self, repo_id: &str) -> &mut RepoEntry {
        self.repos
            .entry(repo_id.to_lowercase())
            .or_insert_with(|| RepoEntry {
                spelling: repo_id.to_string(),
                sources: BTreeSet::new(),
            })
    }

    /// Every configuration for `repo_id` (case-insensitive), over all hardware, versions and
    /// files; deduplicated and sorted. Empty when the repo id is unknown.
    pub fn serving(&self, repo_id: &str) -> Vec<ServingSource> {
        self.repos
            .get(&repo_id.to_lowercase())
            .map(|entry| entry.sources.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The distinct configurations for `repo_id`, whatever the hardware or file; sorted.
    pub fn serving_configs(&self, repo_id: &str) -> Vec<ServingConfig> {
        let configs: BTreeSet<ServingConfig> = self
            .repos
            .get(&repo_id.to_lowercase())
            .map(|entry| entry.sources.iter().map(|s| s.config).collect())
            .unwrap_or_default();
        configs.into_iter().collect()
    }

    /// Every repo id seen (one spelling per case-insensitive id), sorted.
    pub fn repo_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.repos.values().map(|e| e.spelling.clone()).collect();
        ids.sort();
        ids
    }

    /// Repo ids whose repo part (after the `/`) matches a model name loosely; sorted.
    ///
    /// The rule: compare case-insensitively with `-`, `_`, `.` and spaces removed. The repo part
    /// matches when it equals the name, or starts with it and the rest begins after a separator
    /// with either a letter (a suffix word: `-FP8`, `-Instruct-2507`, `-NVFP4`) or a date /
    /// revision stamp of four or more digits after `-` or `_` (`DeepSeek-R1-0528`). Any other
    /// digits start another model (`kimi-k2` does not match `Kimi-K2.5`, `deepseek-v3` does not
    /// match `DeepSeek-V3.2`, `qwen3` does not match `Qwen3-8B`), and a rest that does not start
    /// at a separator is another word (`llama-3.1-8b` does not match `Llama-3.1-80B`). A name
    /// with an org (`Qwen/Qwen3-8B`) also requires the org to match, case-insensitively.
    ///
    /// `qwen3-30b-a3b` → `Qwen/Qwen3-30B-A3B`, `Qwen/Qwen3-30B-A3B-FP8`,
    /// `Qwen/Qwen3-30B-A3B-Instruct-2507`, … but not `Qwen/Qwen3-VL-30B-A3B-Instruct`.
    pub fn find_by_repo_name(&self, name: &str) -> Vec<String> {
        let name = name.trim();
        let (want_org, want_name) = match name.rsplit_once('/') {
            Some((org, repo)) => (Some(org.trim().to_lowercase()), repo),
            None => (None, name),
        };
        let mut found: Vec<String> = self
            .repos
            .values()
            .filter(|entry| {
                let (org, repo) = entry
                    .spelling
                    .rsplit_once('/')
                    .unwrap_or(("", &entry.spelling));
                want_org
                    .as_ref()
                    .is_none_or(|want| *want == org.to_lowercase())
                    && repo_name_matches(want_name, repo)
            })
            .map(|entry| entry.spelling.clone())
            .collect();
        found.sort();
        found
    }
}

fn is_name_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | ' ')
}

/// The loose match documented on [`CookbookIndex::find_by_repo_name`].
fn repo_name_matches(name: &str, repo: &str) -> bool {
    let want: Vec<char> = name
        .chars()
        .filter(|c| !is_name_separator(*c))
        .flat_map(char::to_lowercase)
        .collect();
    if want.is_empty() {
        return false;
    }
    // (lower-cased char, index of the original char it came from)
    let have: Vec<(char, usize)> = repo
        .chars()
        .enumerate()
        .filter(|(_, c)| !is_name_separator(*c))
        .flat_map(|(i, c)| c.to_lowercase().map(move |l| (l, i)))
        .collect();
    if have.len() < want.len() || have.iter().zip(&want).any(|((h, _), w)| h != w) {
        return false;
    }
    if have.len() == want.len() {
        return true;
    }
    let (last_char_index, next) = (have[want.len() - 1].1, have[want.len()]);
    if next.1 == last_char_index + 1 {
        return false; // the name stops inside a word: `llama-3.1-8b` vs `Llama-3.1-80B`
    }
    if next.0.is_alphabetic() {
        return true;
    }
    // A date or revision stamp (`-0528`, `-2507`): four or more digits after `-` / `_`, then
    // the end or a separator.
    let rest: Vec<char> = repo.chars().skip(last_char_index + 1).collect();
    let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    matches!(rest[0], '-' | '_')
        && digits >= 4
        && rest.get(1 + digits).is_none_or(|c| is_name_separator(*c))
}

/// A serving-config file's text: a regular file (a FIFO would block) of at most 8 MiB (real
/// ones are a few KiB).
fn read_text(file: &Path) -> anyhow::Result<String> {
    let bytes = crate::atomic_file::read_regular(file, 8 << 20)?;
    Ok(String::from_utf8(bytes)?)
}

/// Files with one of `extensions` under `dir`, at any depth, sorted; hidden folders skipped,
/// symlinked folders not followed. Unreadable folders become warnings.
pub(crate) fn files_under(
    dir: &Path,
    extensions: &[&str],
    warnings: &mut Vec<String>,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = match fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(err) => {
                warnings.push(format!("`{}`: cannot list: {err}", current.display()));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            match entry.file_type() {
                Ok(kind) if kind.is_dir() && !hidden => pending.push(path),
                Ok(kind) if !kind.is_dir() => {
                    let wanted = path
                        .extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)));
                    if wanted {
                        files.push(path);
                    }
                }
                _ => {}
            }
        }
    }
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------------
// Old format: sgl-cookbook YAML
// ---------------------------------------------------------------------------------------------

/// YAML nested deeper than this is refused before parsing: real cookbooks nest about 8
/// levels, and the YAML parser's time and stack grow with depth.
const YAML_MAX_DEPTH: usize = 64;

/// The 1-based line where `text` first nests deeper than `max`, counting block indentation
/// levels, `- ` entries opened on one line, and flow `[` / `{` (outside quotes and comments).
/// Linear, and a bound over what the parser will see.
fn yaml_too_deep(text: &str, max: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if flow == 0 && !content.is_empty() && !content.starts_with('#') {
            let indent = line.len() - content.len();
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let dashes = content
            .split_inclusive(' ')
            .take_while(|part| part.trim_end() == "-")
            .count();
        let mut quote: Option<char> = None;
        for c in content.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '#') => break,
                (None, '"' | '\'') => quote = Some(c),
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            if indents.len() + dashes + flow > max {
                return Some(index + 1);
            }
        }
        if indents.len() + dashes + flow > max {
            return Some(index + 1);
        }
    }
    None
}

/// Reads one sgl-cookbook model YAML (`text` is the content of `file`).
pub fn parse_cookbook_yaml(text: &str, file: &Path) -> ParsedConfigs {
    use serde_norway::Value;

    let mut out = ParsedConfigs::default();
    let shown = file.display();
    if let Some(line) = yaml_too_deep(text, YAML_MAX_DEPTH) {
        out.warnings.push(format!(
            "`{shown}`:{line}: nested deeper than {YAML_MAX_DEPTH} levels; skipped"
        ));
        return out;
    }
    let doc: Value = match serde_norway::from_str(text) {
        Ok(doc) => doc,
        Err(err) => {
            out.warnings
                .push(format!("`{shown}`: not valid YAML: {err}"));
            return out;
        }
    };
    let models: Vec<&Value> = if let Some(families) = doc.get("families") {
        let Some(families) = families.as_sequence() else {
            out.warnings
                .push(format!("`{shown}`: `families` is not a list"));
            return out;
        };
        families
            .iter()
            .filter_map(|family| family.get("models"))
            .filter_map(Value::as_sequence)
            .flatten()
            .collect()
    } else if let Some(models) = doc.get("models").and_then(Value::as_sequence) {
        models.iter().collect()
    } else {
        // Not a model file (`vendors.yaml`).
        return out;
    };

    for model in &models {
        let Some(repo_id) = model.get("model_path").and_then(Value::as_str) else {
            out.warnings.push(format!(
                "`{shown}`: a model without a string `model_path`; skipped"
            ));
            continue;
        };
        let at = match model_path_line(text, repo_id.trim()) {
            Some(line) => format!("`{shown}`:{line}"),
            None => format!("`{shown}`"),
        };
        let repo_id = repo_id.trim();
        out.repo_ids.push(repo_id.to_string());
        let Some(hardware) = model.get("hardware").and_then(Value::as_mapping) else {
            continue;
        };
        for (hw, per_hw) in hardware {
            let Some(hw) = yaml_scalar_text(hw) else {
                continue;
            };
            // `<HW>: {configurations: [...]}`, tolerating `<HW>: [...]`.
            let configurations = per_hw
                .get("configurations")
                .and_then(Value::as_sequence)
                .or_else(|| per_hw.as_sequence());
            let Some(configurations) = configurations else {
                out.warnings.push(format!(
                    "{at}: `{repo_id}` on {hw} has no `configurations` list"
                ));
                continue;
            };
            for configuration in configurations {
                let name = configuration
                    .get("name")
                    .and_then(yaml_scalar_text)
                    .unwrap_or_else(|| "(unnamed)".to_string());
                let context = format!("{at}: `{repo_id}` on {hw}, configuration `{name}`");
                let target = configuration
                    .get("quantized_model_path")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(repo_id);
                if target != repo_id {
                    out.repo_ids.push(target.to_string());
                }
                for engine in engines_of(configuration) {
                    match yaml_engine_config(engine) {
                        Ok(config) => {
                            if let Some(warning) = dp_attention_warning(&config) {
                                out.warnings.push(format!("{context}: {warning}"));
                            }
                            out.sources.push(ServingSource {
                                repo_id: target.to_string(),
                                config,
                                hardware: hw.to_uppercase(),
                                file: file.to_path_buf(),
                            });
                        }
                        Err(problem) => {
                            out.warnings.push(format!("{context}: {problem}; skipped"));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The 1-based line of the first `model_path: <repo_id>` (serde's values carry no positions).
fn model_path_line(text: &str, repo_id: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches("- ").trim_start();
            line.strip_prefix("model_path")
                .and_then(|rest| rest.trim_start().strip_prefix(':'))
                .map(|value| value.trim().trim_matches(|c| c == '"' || c == '\''))
                .is_some_and(|value| value == repo_id)
        })
        .map(|i| i + 1)
}

fn yaml_scalar_text(value: &serde_norway::Value) -> Option<String> {
    use serde_norway::Value;
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The `engine` of a configuration, plus the engines of its `prefill` / `decode` roles when the
/// configuration is disaggregated (`null` in every real file so far).
fn engines_of(configuration: &serde_norway::Value) -> Vec<&serde_norway::Value> {
    let mut engines = Vec::new();
    if let Some(engine) = configuration.get("engine").filter(|e| e.is_mapping()) {
        engines.push(engine);
    }
    for role in ["prefill", "decode"] {
        if let Some(role) = configuration.get(role).filter(|r| r.is_mapping()) {
            engines.push(
                role.get("engine")
                    .filter(|e| e.is_mapping())
                    .unwrap_or(role),
            );
        }
    }
    engines
}

/// Largest TP / EP / DP size a serving config may give: beyond it the number is a typo, and it
/// would end up in definition names.
const MAX_PARALLEL: u32 = 1024;

fn yaml_engine_config(engine: &serde_norway::Value) -> Result<ServingConfig, String> {
    use serde_norway::Value;
    let number = |key: &str| -> Result<Option<u32>, String> {
        match engine.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                let parsed = match value {
                    Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
                    Value::String(s) => s.trim().parse::<u32>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(n) if n > MAX_PARALLEL => Err(format!(
                        "`{key}: {n}` is more than {MAX_PARALLEL}, the largest size accepted"
                    )),
                    Some(n) if n >= 1 => Ok(Some(n)),
                    _ => Err(format!(
                        "`{key}: {}` is not a positive integer",
                        yaml_shown(value)
                    )),
                }
            }
        }
    };
    let mut flags = LaunchFlags {
        tp: number("tp")?,
        ep: number("ep")?,
        dp: number("dp")?,
        dp_attention: engine
            .get("enable_dp_attention")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ep_follows_tp: false,
    };
    if let Some(extra) = engine.get("extra_args").and_then(Value::as_sequence) {
        let args: Vec<String> = extra.iter().filter_map(yaml_scalar_text).collect();
        flags.override_with(parse_launch_flags(args.iter().map(String::as_str))?);
    }
    Ok(flags.config())
}

fn yaml_shown(value: &serde_norway::Value) -> String {
    yaml_scalar_text(value).unwrap_or_else(|| {
        serde_norway::to_string(value)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    })
}

fn dp_attention_warning(config: &ServingConfig) -> Option<String> {
    (config.dp_attention && config.tp % config.dp != 0).then(|| {
        format!(
            "DP attention with dp {} that does not divide tp {}; attention TP taken as {}",
            config.dp,
            config.tp,
            config.attention_tp()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Launch flags
// ---------------------------------------------------------------------------------------------

/// Parallelism read from SGLang launch flags; `None` means "not given".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct LaunchFlags {
    tp: Option<u32>,
    ep: Option<u32>,
    dp: Option<u32>,
    dp_attention: bool,
    /// An all-to-all MoE backend: EP defaults to TP.
    ep_follows_tp: bool,
}

impl LaunchFlags {
    fn override_with(&mut self, later: LaunchFlags) {
        self.tp = later.tp.or(self.tp);
        self.ep = later.ep.or(self.ep);
        self.dp = later.dp.or(self.dp);
        self.dp_attention |= later.dp_attention;
        self.ep_follows_tp |= later.ep_follows_tp;
    }

    fn config(&self) -> ServingConfig {
        let tp = self.tp.unwrap_or(1);
        let ep = self.ep.unwrap_or(if self.ep_follows_tp { tp } else { 1 });
        ServingConfig::new(tp, ep, self.dp.unwrap_or(1), self.dp_attention)
    }
}

/// Reads the flags that matter from launch arguments. Each item may hold several
/// whitespace-separated tokens (`"--tp 8"`) or one (`"--tp"`, `"8"`); `--tp=8` works too.
fn parse_launch_flags<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<LaunchFlags, String> {
    let tokens: Vec<&str> = items.into_iter().flat_map(str::split_whitespace).collect();
    let mut flags = LaunchFlags::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        i += 1;
        let Some(flag) = token.strip_prefix("--") else {
            continue;
        };
        let (name, inline_value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (flag, None),
        };
        let slot = match name {
            "tp" | "tp-size" | "tensor-parallel-size" => Some(&mut flags.tp),
            "ep" | "ep-size" | "expert-parallel-size" => Some(&mut flags.ep),
            "dp" | "dp-size" | "data-parallel-size" => Some(&mut flags.dp),
            _ => None,
        };
        if let Some(slot) = slot {
            let value = match inline_value {
                Some(value) => value,
                None if i < tokens.len() && !tokens[i].starts_with("--") => {
                    i += 1;
                    tokens[i - 1]
                }
                None => return Err(format!("`--{name}` without a value")),
            };
            match value.parse::<u32>() {
                Ok(n) if n > MAX_PARALLEL => {
                    return Err(format!(
                        "`--{name} {value}` is more than {MAX_PARALLEL}, the largest size accepted"
                    ))
                }
                Ok(n) if n >= 1 => *slot = Some(n),
                _ => return Err(format!("`--{name} {value}` is not a positive integer")),
            }
            continue;
        }
        match name {
            "enable-dp-attention" => flags.dp_attention = true,
            "enable-ep-moe" | "enable-deepep-moe" => flags.ep_follows_tp = true,
            "moe-a2a-backend" => {
                let value = match inline_value {
                    Some(value) => Some(value),
                    None if i < tokens.len() && !tokens[i].starts_with("--") => {
                        i += 1;
                        Some(tokens[i - 1])
                    }
                    None => None,
                };
                if value.is_some_and(|v| !v.eq_ignore_ascii_case("none")) {
                    flags.ep_follows_tp = true;
                }
            }
            _ => {}
        }
    }
    Ok(flags)
}

// ---------------------------------------------------------------------------------------------
// New format: SGLang JSX config snippets
// ---------------------------------------------------------------------------------------------

/// Reads one SGLang JSX config snippet (`text` is the content of `file`).
pub fn parse_jsx_config(text: &str, file: &Path) -> ParsedConfigs {
    use js_literal::{Node, Value};

    let mut out = ParsedConfigs::default();
    let shown = file.display();
    let config = match js_literal::find_binding(text, "config") {
        Ok(Some(config)) => config,
        Ok(None) => return out,
        Err(err) => {
            out.warnings.push(format!(
                "`{shown}`:{}: cannot read the `config` literal: {}",
                err.line, err.message
            ));
            return out;
        }
    };
    let Value::Object(_) = &config.value else {
        out.warnings.push(format!(
            "`{shown}`:{}: `config` is not an object literal",
            config.line
        ));
        return out;
    };

    // modelNames: lower-cased key → repo id (or a bare name without an org, which only a
    // cell's literal `--model-path ORG/NAME` can turn into a repo id).
    let mut model_names: BTreeMap<String, String> = BTreeMap::new();
    match config.get("modelNames").map(|n| &n.value) {
        Some(Value::Object(entries)) => {
            for (key, node) in entries {
                match &node.value {
                    Value::Str(repo_id) if !repo_id.trim().is_empty() => {
                        let repo_id = repo_id.trim().to_string();
                        if repo_id.contains('/') {
                            out.repo_ids.push(repo_id.clone());
                        }
                        model_names.insert(key.trim().to_lowercase(), repo_id);
                    }
                    _ => out.warnings.push(format!(
                        "`{shown}`:{}: `modelNames[\"{key}\"]` is not a repo id string",
                        node.line
                    )),
                }
            }
        }
        Some(_) | None => {
            out.warnings.push(format!(
                "`{shown}`:{}: `config` has no `modelNames` object",
                config.line
            ));
            return out;
        }
    }
    let placeholders = placeholder_defaults(&config);

    let cells = match config.get("cells").map(|c| &c.value) {
        Some(Value::Array(cells)) => cells,
        _ => {
            out.warnings.push(format!(
                "`{shown}`:{}: `config` has no `cells` array",
                config.line
            ));
            return out;
        }
    };
    let mut without_org: Vec<String> = Vec::new();
    for cell in cells {
        let at = format!("`{shown}`:{}", cell.line);
        let field = |node: &Node, key: &str| -> Option<String> {
            match node.get(key).map(|n| &n.value) {
                Some(Value::Str(s)) => Some(s.trim().to_string()),
                _ => None,
            }
        };
        let Some(matcher) = cell.get("match") else {
            out.warnings
                .push(format!("{at}: a cell without `match`; skipped"));
            continue;
        };
        // `hw: "h200"` or `hw: ["h100", "h200"]`.
        let hardware: Option<Vec<String>> = match matcher.get("hw").map(|n| &n.value) {
            Some(Value::Str(hw)) => Some(vec![hw.trim().to_string()]),
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| match &item.value {
                    Value::Str(hw) => Some(hw.trim().to_string()),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        let (Some(hardware), Some(variant), Some(quant)) =
            (hardware, field(matcher, "variant"), field(matcher, "quant"))
        else {
            out.warnings.push(format!(
                "{at}: a cell whose `match` lacks `hw`, `variant` or `quant`; skipped"
            ));
            continue;
        };
        let flags: Option<Vec<String>> = match cell.get("flags").map(|f| &f.value) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match &item.value {
                    Value::Str(s) => Some(fill_placeholders(s, &placeholders)),
                    _ => None,
                })
                .collect(),
            None => Some(Vec::new()),
            Some(_) => None,
        };
        let Some(flags) = flags else {
            out.warnings
                .push(format!("{at}: `flags` is not a list of strings; skipped"));
            continue;
        };
        let literal_path = literal_model_path(&flags);
        if let Some(path) = &literal_path {
            if !out.repo_ids.contains(path) {
                out.repo_ids.push(path.clone());
            }
        }
        for hw in hardware {
            let keys = [
                format!("{hw}|{variant}|{quant}").to_lowercase(),
                format!("{variant}|{quant}").to_lowercase(),
            ];
            let named = keys.iter().find_map(|k| model_names.get(k));
            let repo_id = match (&literal_path, named) {
                (Some(path), _) => path.clone(),
                (None, Some(name)) if name.contains('/') => name.clone(),
                (None, Some(name)) => {
                    without_org.push(name.clone());
                    continue;
                }
                (None, None) => {
                    out.warnings.push(format!(
                        "{at}: no `modelNames` entry for `{variant}|{quant}` (hw `{hw}`); skipped"
                    ));
                    continue;
                }
            };
            let config = match parse_launch_flags(flags.iter().map(String::as_str)) {
                Ok(flags) => flags.config(),
                Err(problem) => {
                    out.warnings
                        .push(format!("{at}: `{repo_id}` on {hw}: {problem}; skipped"));
                    continue;
                }
            };
            if let Some(warning) = dp_attention_warning(&config) {
                out.warnings
                    .push(format!("{at}: `{repo_id}` on {hw}: {warning}"));
            }
            out.sources.push(ServingSource {
                repo_id,
                config,
                hardware: hw.to_uppercase(),
                file: file.to_path_buf(),
            });
        }
    }
    if !without_org.is_empty() {
        without_org.sort();
        without_org.dedup();
        let names = without_org
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.warnings.push(format!(
            "`{shown}`: {names} in `modelNames` name no org and their cells give no literal `--model-path ORG/NAME`; those cells are left out"
        ));
    }
    if !cells.is_empty() && out.sources.is_empty() {
        out.warnings.push(format!(
            "`{shown}`: no cell maps to a repo id; the file gives no serving configuration"
        ));
    }
    out
}

/// `placeholders: { TP: { default: "8", … }, … }` → `TP` → `8`.
fn placeholder_defaults(config: &js_literal::Node) -> BTreeMap<String, String> {
    use js_literal::Value;
    let mut defaults = BTreeMap::new();
    if let Some(Value::Object(entries)) = config.get("placeholders").map(|p| &p.value) {
        for (name, node) in entries {
            let text = match node.get("default").map(|d| &d.value) {
                Some(Value::Str(text)) => text.trim().to_string(),
                Some(Value::Number(n)) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e9 => {
                    format!("{}", *n as u64)
                }
                _ => continue,
            };
            defaults.insert(name.trim().to_string(), text);
        }
    }
    defaults
}

/// `--tp {{TP}}` → `--tp 8` with the placeholder's default; unknown placeholders stay.
fn fill_placeholders(flag: &str, defaults: &BTreeMap<String, String>) -> String {
    let mut text = flag.to_string();
    for (name, value) in defaults {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

/// The repo id of a literal `--model-path ORG/NAME` (or `--model ORG/NAME`) among the flags.
fn literal_model_path(flags: &[String]) -> Option<String> {
    let tokens: Vec<&str> = flags.iter().flat_map(|f| f.split_whitespace()).collect();
    tokens.iter().enumerate().find_map(|(i, token)| {
        let value = match token.split_once('=') {
            Some(("--model-path" | "--model", value)) => value,
            None if matches!(*token, "--model-path" | "--model") => tokens.get(i + 1)?,
            _ => return None,
        };
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        let (org, name) = value.split_once('/')?;
        let part_ok = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        (part_ok(org) && part_ok(name)).then(|| value.to_string())
    })
}

/// A small, tolerant reader for the JavaScript object literals in SGLang's config snippets.
///
/// It understands what plain data literals use: objects with unquoted, quoted or numeric keys,
/// arrays, double- and single-quoted strings with escapes, template strings (kept verbatim,
/// `${…}` included, never evaluated), numbers, `true` / `false` / `null` / `undefined`, bare
/// identifiers as values, `//` and `/* */` comments and trailing commas. Spreads, calls and
/// operators are errors with a line number: the snippets promise a plain literal ("no
/// spreads/calls/IIFE"), so anything else means the file changed shape.
mod js_literal {
    #[derive(Debug, Clone, PartialEq)]
    pub(super) enum Value {
        Null,
        Bool(bool),
        Number(f64),
        Str(String),
        Array(Vec<Node>),
        Object(Vec<(String, Node)>),
        /// A bare identifier (a reference to something defined elsewhere).
        Ident(String),
    }

    /// A value and the 1-based line it starts on.
    #[derive(Debug, Clone, PartialEq)]
    pub(super) struct Node {
        pub value: Value,
        pub line: usize,
    }

    impl Node {
        /// The value under `key` when this is an object (the last one when a key repeats, as in
        /// JavaScript).
        pub fn get(&self, key: &str) -> Option<&Node> {
            match &self.value {
                Value::Object(entries) => {
                    entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
                }
                _ => None,
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct ParseError {
        pub line: usize,
        pub message: String,
    }

    /// Finds `const <name> =` / `let` / `var` (optionally after `export`) outside comments and
    /// strings, and parses the literal after `=`. `Ok(None)` when there is no such binding.
    pub(super) fn find_binding(source: &str, name: &str) -> Result<Option<Node>, ParseError> {
        let mut p = Parser::new(source);
        loop {
            p.skip_trivia()?;
            let Some(c) = p.peek() else {
                return Ok(None);
            };
            match c {
                '"' | '\'' => {
                    p.string(c)?;
                }
                '`' => {
                    p.template()?;
                }
                c if is_ident_start(c) => {
                    let word = p.ident();
                    if matches!(word.as_str(), "const" | "let" | "var") {
                        p.skip_trivia()?;
                        if p.peek().is_some_and(is_ident_start) && p.ident() == name {
                            p.skip_trivia()?;
                            if p.peek() == Some('=') && p.peek_at(1) != Some('=') {
                                p.bump();
                                let node = p.value()?;
                                return Ok(Some(node));
                            }
                        }
                    }
                }
                _ => {
                    p.bump();
                }
            }
        }
    }

    fn is_ident_start(c: char) -> bool {
        c.is_alphabetic() || c == '_' || c == '$'
    }

    fn is_ident_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_' || c == '$'
    }

    /// Objects and arrays nested deeper than this are refused: real configs nest 4–6 levels,
    /// and the parser recurses once per level (30,000 levels would overflow the stack).
    pub(super) const MAX_DEPTH: usize = 64;

    struct Parser {
        chars: Vec<char>,
        pos: usize,
        line: usize,
        /// Objects and arrays open around the cursor.
        depth: usize,
    }

    impl Parser {
        fn new(source: &str) -> Parser {
            Parser {
                chars: source.chars().collect(),
                pos: 0,
                line: 1,
                depth: 0,
            }
        }

        /// Parses a nested object or array one level deeper, refusing past [`MAX_DEPTH`].
        fn nested(
            &mut self,
            line: usize,
            parse: fn(&mut Parser) -> Result<Value, ParseError>,
        ) -> Result<Value, ParseError> {
            if self.depth >= MAX_DEPTH {
                return Err(self.error(
                    line,
                    format!("objects and arrays nested deeper than {MAX_DEPTH} levels"),
                ));
            }
            self.depth += 1;
            let value = parse(self);
            self.depth -= 1;
            value
        }

        fn peek(&self) -> Option<char> {
            self.chars.get(self.pos).copied()
        }

        fn peek_at(&self, ahead: usize) -> Option<char> {
            self.chars.get(self.pos + ahead).copied()
        }

        fn bump(&mut self) -> Option<char> {
            let c = self.peek()?;
            self.pos += 1;
            if c == '\n' {
                self.line += 1;
            }
            Some(c)
        }

        fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
            ParseError {
                line,
                message: message.into(),
            }
        }

        fn skip_trivia(&mut self) -> Result<(), ParseError> {
            loop {
                match (self.peek(), self.peek_at(1)) {
                    (Some(c), _) if c.is_whitespace() => {
                        self.bump();
                    }
                    (Some('/'), Some('/')) => {
                        while self.peek().is_some_and(|c| c != '\n') {
                            self.bump();
                        }
                    }
                    (Some('/'), Some('*')) => {
                        let start = self.line;
                        self.bump();
                        self.bump();
                        loop {
                            match self.bump() {
                                Some('*') if self.peek() == Some('/') => {
                                    self.bump();
                                    break;
                                }
                                Some(_) => {}
                                None => return Err(self.error(start, "unterminated `/*` comment")),
                            }
                        }
                    }
                    _ => return Ok(()),
                }
            }
        }

        fn ident(&mut self) -> String {
            let mut word = String::new();
            while let Some(c) = self.peek().filter(|c| is_ident_char(*c)) {
                word.push(c);
                self.bump();
            }
            word
        }

        fn value(&mut self) -> Result<Node, ParseError> {
            self.skip_trivia()?;
            let line = self.line;
            let value = match self.peek() {
                None => return Err(self.error(line, "the file ends where a value was expected")),
                Some('{') => self.nested(line, Parser::object)?,
                Some('[') => self.nested(line, Parser::array)?,
                Some(q @ ('"' | '\'')) => Value::Str(self.string(q)?),
                Some('`') => Value::Str(self.template()?),
                Some('.') if self.peek_at(1) == Some('.') => {
                    return Err(self.error(line, "spread (`...`) is not supported"))
                }
                Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => self.number()?,
                Some(c) if is_ident_start(c) => {
                    let mut word = self.ident();
                    while self.peek() == Some('.') && self.peek_at(1).is_some_and(is_ident_start) {
                        self.bump();
                        word.push('.');
                        word.push_str(&self.ident());
                    }
                    match word.as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" | "undefined" => Value::Null,
                        _ => {
                            self.skip_trivia()?;
                            if self.peek() == Some('(') {
                                return Err(
                                    self.error(line, format!("call `{word}(…)` is not supported"))
                                );
                            }
                            Value::Ident(word)
                        }
                    }
                }
                Some(c) => {
                    return Err(
                        self.error(line, format!("unexpected `{c}` where a value was expected"))
                    )
                }
            };
            Ok(Node { value, line })
        }

        fn object(&mut self) -> Result<Value, ParseError> {
            let open_line = self.line;
            self.bump(); // {
            let mut entries = Vec::new();
            loop {
                self.skip_trivia()?;
                let key_line = self.line;
                let key = match self.peek() {
                    None => {
                        return Err(self.error(open_line, "unterminated object (no closing `}`)"))
                    }
                    Some('}') => {
                        self.bump();
                        return Ok(Value::Object(entries));
                    }
                    Some(q @ ('"' | '\'')) => self.string(q)?,
                    Some(c) if is_ident_start(c) => self.ident(),
                    Some(c) if c.is_ascii_digit() => match self.number()? {
                        Value::Number(n) => format_number(n),
                        _ => unreachable!("number() returns numbers"),
                    },
                    Some('.') if self.peek_at(1) == Some('.') => {
                        return Err(self.error(key_line, "spread (`...`) is not supported"))
                    }
                    Some('[') => {
                        return Err(self.error(key_line, "computed keys are not supported"))
                    }
                    Some(c) => {
                        return Err(self.error(
                            key_line,
                            format!("unexpected `{c}` where a key was expected"),
                        ))
                    }
                };
                self.skip_trivia()?;
                if self.peek() != Some(':') {
                    return Err(self.error(
                        self.line,
                        format!("expected `:` after key `{key}` (shorthand properties are not supported)"),
                    ));
                }
                self.bump();
                let value = self.value()?;
                entries.push((key.clone(), value));
                self.skip_trivia()?;
                match self.peek() {
                    Some(',') => {
                        self.bump();
                    }
                    Some('}') => {}
                    None => {
                        return Err(self.error(open_line, "unterminated object (no closing `}`)"))
                    }
                    Some(c) => {
                        return Err(self.error(
                            self.line,
                            format!("expected `,` or `}}` after the value of `{key}`, found `{c}`"),
                        ))
                    }
                }
            }
        }

        fn array(&mut self) -> Result<Value, ParseError> {
            let open_line = self.line;
            self.bump(); // [
            let mut items = Vec::new();
            loop {
                self.skip_trivia()?;
                match self.peek() {
                    None => {
                        return Err(self.error(open_line, "unterminated array (no closing `]`)"))
                    }
                    Some(']') => {
                        self.bump();
                        return Ok(Value::Array(items));
                    }
                    _ => {}
                }
                items.push(self.value()?);
                self.skip_trivia()?;
                match self.peek() {
                    Some(',') => {
                        self.bump();
                    }
                    Some(']') => {}
                    None => {
                        return Err(self.error(open_line, "unterminated array (no closing `]`)"))
                    }
                    Some(c) => {
                        return Err(self.error(
                            self.line,
                            format!("expected `,` or `]` in an array, found `{c}`"),
                        ))
                    }
                }
            }
        }

        /// A quoted string; the cursor is on the opening quote.
        fn string(&mut self, quote: char) -> Result<String, ParseError> {
            let start = self.line;
            self.bump();
            let mut text = String::new();
            loop {
                match self.bump() {
                    None | Some('\n') => return Err(self.error(start, "unterminated string")),
                    Some(c) if c == quote => return Ok(text),
                    Some('\\') => self.escape(&mut text, start)?,
                    Some(c) => text.push(c),
                }
            }
        }

        /// A template string, kept verbatim (`${…}` included); the cursor is on the backtick.
        fn template(&mut self) -> Result<String, ParseError> {
            let start = self.line;
            self.bump();
            let mut text = String::new();
            loop {
                match self.bump() {
                    None => return Err(self.error(start, "unterminated template string")),
                    Some('`') => return Ok(text),
                    Some('\\') => self.escape(&mut text, start)?,
                    Some('$') if self.peek() == Some('{') => {
                        text.push('$');
                        let mut depth = 0usize;
                        loop {
                            match self.bump() {
                                None => {
                                    return Err(
                                        self.error(start, "unterminated `${` in a template string")
                                    )
                                }
                                Some(c) => {
                                    text.push(c);
                                    match c {
                                        '{' => depth += 1,
                                        '}' => {
                                            depth -= 1;
                                            if depth == 0 {
                                                break;
                                            }
                                        }
                                        _ => {}
                                    }
                                }
                            }
                        }
                    }
                    Some(c) => text.push(c),
                }
            }
        }

        /// The character after a backslash.
        fn escape(&mut self, text: &mut String, start: usize) -> Result<(), ParseError> {
            let Some(c) = self.bump() else {
                return Err(self.error(start, "unterminated string"));
            };
            match c {
                'n' => text.push('\n'),
                't' => text.push('\t'),
                'r' => text.push('\r'),
                'b' => text.push('\u{8}'),
                'f' => text.push('\u{c}'),
                'v' => text.push('\u{b}'),
                '0' => text.push('\0'),
                '\n' => {} // line continuation
                'x' => {
                    let code = self.hex_digits(2, start)?;
                    text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                'u' if self.peek() == Some('{') => {
                    self.bump();
                    let mut code = 0u32;
                    loop {
                        match self.bump() {
                            Some('}') => break,
                            Some(h) if h.is_ascii_hexdigit() => {
                                code = code
                                    .saturating_mul(16)
                                    .saturating_add(h.to_digit(16).unwrap_or(0))
                            }
                            _ => return Err(self.error(start, "bad `\\u{…}` escape")),
                        }
                    }
                    text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                'u' => {
                    let code = self.hex_digits(4, start)?;
                    text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                other => text.push(other),
            }
            Ok(())
        }

        fn hex_digits(&mut self, count: usize, start: usize) -> Result<u32, ParseError> {
            let mut code = 0u32;
            for _ in 0..count {
                match self.bump().and_then(|h| h.to_digit(16)) {
                    Some(d) => code = code * 16 + d,
                    None => return Err(self.error(start, "bad hexadecimal escape")),
                }
            }
            Ok(code)
        }

        fn number(&mut self) -> Result<Value, ParseError> {
            let line = self.line;
            let mut text = String::new();
            if let Some(sign @ ('-' | '+')) = self.peek() {
                text.push(sign);
                self.bump();
            }
            while let Some(c) = self.peek() {
                let exponent_sign = matches!(c, '-' | '+')
                    && text.ends_with(['e', 'E'])
                    && !text.contains(['x', 'X']);
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' || exponent_sign {
                    text.push(c);
                    self.bump();
                } else {
                    break;
                }
            }
            let digits = text.replace('_', "");
            let (negative, unsigned) = match digits.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, digits.trim_start_matches('+')),
            };
            let radix = match unsigned.get(..2) {
                Some("0x" | "0X") => Some(16),
                Some("0o" | "0O") => Some(8),
                Some("0b" | "0B") => Some(2),
                _ => None,
            };
            let parsed = match radix {
                Some(radix) => u64::from_str_radix(&unsigned[2..], radix)
                    .ok()
                    .map(|n| n as f64),
                None => unsigned.parse::<f64>().ok(),
            };
            match parsed {
                Some(n) => Ok(Value::Number(if negative { -n } else { n })),
                None => Err(self.error(line, format!("`{text}` is not a number"))),
            }
        }
    }

    fn format_number(n: f64) -> String {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            n.to_string()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn parse(source: &str) -> Result<Option<Node>, ParseError> {
            find_binding(source, "config")
        }

        #[test]
        fn reads_plain_data_literals() {
            let node = parse(
                "// c\nexport const config = {\n  a: \"x\\\"y\", 'b': 'z', 3: -1.5e2,\n  t: `p\\\\q ${a + {b}}`,\n  l: [true, null, undefined, ident.path,],\n};\n",
            )
            .unwrap()
            .unwrap();
            assert_eq!(node.line, 2);
            assert_eq!(node.get("a").unwrap().value, Value::Str("x\"y".into()));
            assert_eq!(node.get("b").unwrap().value, Value::Str("z".into()));
            assert_eq!(node.get("3").unwrap().value, Value::Number(-150.0));
            assert_eq!(
                node.get("t").unwrap().value,
                Value::Str("p\\q ${a + {b}}".into())
            );
            let list = node.get("l").unwrap();
            assert_eq!(list.line, 5);
            assert_eq!(
                list.value,
                Value::Array(vec![
                    Node {
                        value: Value::Bool(true),
                        line: 5
                    },
                    Node {
                        value: Value::Null,
                        line: 5
                    },
                    Node {
                        value: Value::Null,
                        line: 5
                    },
                    Node {
                        value: Value::Ident("ident.path".into()),
                        line: 5
                    },
                ])
            );
        }

        #[test]
        fn skips_bindings_in_comments_and_strings() {
            let source = "/* const config = 1 */ const s = \"const config = 2\"; const config = 3;";
            assert_eq!(parse(source).unwrap().unwrap().value, Value::Number(3.0));
            assert_eq!(parse("export const benchmarks = [];").unwrap(), None);
        }

        #[test]
        fn reports_the_line_of_what_it_cannot_read() {
            let err = |s: &str| parse(s).unwrap_err();
            assert_eq!(err("const config = {\n a: 1\n b: 2 }").line, 3);
            assert_eq!(err("const config = {\n ...base,\n}").line, 2);
            assert_eq!(err("const config = {\n a: make(1),\n}").line, 2);
            assert_eq!(err("const config = {\n a: [1,\n").line, 2);
            assert_eq!(err("const config = {\n a: \"open\n}").line, 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_flags_in_every_spelling() {
        let read = |items: &[&str]| parse_launch_flags(items.iter().copied()).map(|f| f.config());
        assert_eq!(
            read(&["--tp 8", "--ep 8"]),
            Ok(ServingConfig::new(8, 8, 1, false))
        );
        assert_eq!(
            read(&["--tp-size=4", "--dp-size", "4", "--enable-dp-attention"]),
            Ok(ServingConfig::new(4, 1, 4, true))
        );
        assert_eq!(
            read(&["--tensor-parallel-size 2 --expert-parallel-size 2"]),
            Ok(ServingConfig::new(2, 2, 1, false))
        );
        assert_eq!(
            read(&["--tp 4", "--moe-a2a-backend deepep"]),
            Ok(ServingConfig::new(4, 4, 1, false))
        );
        assert_eq!(
            read(&["--tp 4", "--moe-a2a-backend none"]),
            Ok(ServingConfig::new(4, 1, 1, false))
        );
        assert_eq!(
            read(&["--tp 8", "--ep-size 2", "--moe-a2a-backend=mooncake"]),
            Ok(ServingConfig::new(8, 2, 1, false))
        );
        assert_eq!(
            read(&["--model-path {{MODEL_NAME}}"]),
            Ok(ServingConfig::new(1, 1, 1, false))
        );
        assert_eq!(
            read(&["--tp {{TP}}"]),
            Err("`--tp {{TP}}` is not a positive integer".to_string())
        );
        assert_eq!(read(&["--tp"]), Err("`--tp` without a value".to_string()));
    }

    #[test]
    fn loose_repo_name_rule() {
        assert!(repo_name_matches("qwen3-30b-a3b", "Qwen3-30B-A3B"));
        assert!(repo_name_matches("qwen3 30b a3b", "Qwen3-30B-A3B-FP8"));
        assert!(repo_name_matches(
            "Qwen3_30B_A3B",
            "Qwen3-30B-A3B-Instruct-2507"
        ));
        assert!(!repo_name_matches(
            "qwen3-30b-a3b",
            "Qwen3-VL-30B-A3B-Instruct"
        ));
        assert!(!repo_name_matches("kimi-k2", "Kimi-K2.5"));
        assert!(repo_name_matches("kimi-k2", "Kimi-K2-Instruct"));
        assert!(!repo_name_matches("deepseek-v3", "DeepSeek-V3.2"));
        assert!(!repo_name_matches("llama-3.1-8b", "Llama-3.1-80B"));
        assert!(!repo_name_matches("", "Llama-3.1-80B"));
        assert!(!repo_name_matches("qwen3", "Qwen3-8B"));
        assert!(repo_name_matches("deepseek-r1", "DeepSeek-R1-0528"));
        assert!(repo_name_matches("deepseek-r1", "DeepSeek-R1-0528-FP4-v2"));
        assert!(!repo_name_matches("deepseek-r1", "DeepSeek-R1-05"));
        assert!(!repo_name_matches("deepseek-r1", "DeepSeek-R1.0528"));
        assert!(!repo_name_matches("deepseek-r1", "DeepSeek-R1-0528B"));
    }
}
