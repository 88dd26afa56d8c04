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
//! - every `docs_new/src/snippets/configs/**/*.jsx` of an SGLang checkout: a JavaScript module
//!   exporting `config = { modelNames, cells, … }`, parsed with oxc and evaluated statically
//!   (`js_eval`: literals, template strings, spreads, the file's constants; functions opaque).
//!   A cell maps to its repo id through `modelNames` (most specific key first, then `default`);
//!   its TP / EP / DP come from its `flags` (see `jsx`). Files with no `config` binding
//!   (`*-benchmarks.jsx`, `*-srt-slurm.jsx`) are other kinds of snippet and are skipped without
//!   a warning.
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
//!   CPU hardware (`Xeon…`, `EPYC…`, `cpu…`) is never a [`ServingSource`]: its cells become a
//!   warning naming the sizes, since no GPU kernel is named for them.
//! - A file that cannot be read, or that gives no serving configuration, is recorded
//!   ([`CookbookIndex::unread_for`]) so a model it would have served can say so.
//!
//! Layout: this file is the shared index ([`CookbookIndex`], [`ServingConfig`] and the
//! repo-id lookups); `yaml` reads sgl-cookbook files, `jsx` SGLang's snippets (with
//! `js_eval`, the static evaluator on oxc's syntax tree), and `flags` holds the launch-flag
//! rules both share.

mod flags;
mod js_eval;
mod jsx;
mod yaml;

pub use jsx::parse_jsx_config;
pub use yaml::parse_cookbook_yaml;

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
    /// Set when the file could not be read or gave no serving configuration.
    pub unread: Option<Unread>,
}

/// A serving-config file that gave nothing, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// As displayed (`sgl-project/sglang/docs_new/…/kimi-k3.jsx`).
    pub file: String,
    /// `line 12: cannot read the `config` literal: …`.
    pub reason: String,
    /// The file's text, lower-cased, to find the repo ids it mentions.
    mentions: String,
}

impl ParsedConfigs {
    /// Records that `file` gave nothing: one warning (`at`: `` `file`:line ``) and [`Unread`].
    pub(crate) fn unread(
        mut self,
        text: &str,
        file: &str,
        line: Option<usize>,
        why: String,
    ) -> Self {
        let (at, reason) = match line {
            Some(line) => (format!("`{file}`:{line}"), format!("line {line}: {why}")),
            None => (format!("`{file}`"), why.clone()),
        };
        self.warnings.push(format!("{at}: {why}"));
        // A text far larger than any real config (refused before parsing) is not kept: the
        // file's name still ties it to its model.
        let mentions = match text.len() <= MAX_MENTIONS_BYTES {
            true => text.to_lowercase(),
            false => String::new(),
        };
        self.unread = Some(Unread {
            file: file.to_string(),
            reason,
            mentions,
        });
        self
    }
}

/// The largest unread file whose text is kept to find the repo ids it names.
const MAX_MENTIONS_BYTES: usize = 4 << 20;

/// Hardware that is a CPU, not a GPU (`xeon6`, `EPYC-9654`, `cpu`): no GPU kernel is named
/// for it.
pub(crate) fn is_cpu_hardware(hw: &str) -> bool {
    let hw = hw.trim().to_ascii_lowercase();
    [
        "xeon",
        "epyc",
        "cpu",
        "granite-rapids",
        "sapphire-rapids",
        "emerald-rapids",
    ]
    .iter()
    .any(|cpu| hw.starts_with(cpu) || hw.contains(&format!("-{cpu}")))
}

/// Serving configurations by repo id, from every cookbook YAML and SGLang JSX snippet loaded.
#[derive(Debug, Clone, Default)]
pub struct CookbookIndex {
    /// Lower-cased repo id → entry.
    repos: BTreeMap<String, RepoEntry>,
    pub warnings: Vec<String>,
    /// Files that could not be read or gave no serving configuration.
    unread: Vec<Unread>,
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
                        Err(err) => index.add(cannot_read(&file, &err)),
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
        self.unread.extend(parsed.unread);
    }

    /// The files that could not be read (or gave no serving configuration) and would have
    /// served `repo_id`: their text names it, or their name does (`moonshotai/kimi-k3.jsx` for
    /// `moonshotai/Kimi-K3`, the folder being the org).
    pub fn unread_for(&self, repo_id: &str) -> Vec<&Unread> {
        let wanted = repo_id.to_lowercase();
        let (org, name) = wanted.split_once('/').unwrap_or(("", &wanted));
        self.unread
            .iter()
            .filter(|unread| {
                let path = Path::new(&unread.file);
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let folder = path
                    .parent()
                    .and_then(Path::file_name)
                    .and_then(|s| s.to_str())
                    .unwrap_or("");
                mentions(&unread.mentions, &wanted)
                    || (folder.eq_ignore_ascii_case(org) && repo_name_matches(stem, name))
            })
            .collect()
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

/// Whether lower-cased `text` names `repo_id` as a whole id (not the start of a longer one).
fn mentions(text: &str, repo_id: &str) -> bool {
    let id_byte = |b: u8| b.is_ascii_alphanumeric() || b"._-/".contains(&b);
    text.match_indices(repo_id).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| text.as_bytes()[i]);
        let after = text.as_bytes().get(at + repo_id.len()).copied();
        !before.is_some_and(id_byte) && !after.is_some_and(id_byte)
    })
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

/// What a file that cannot be opened contributes: the warning and its [`Unread`].
fn cannot_read(file: &Path, err: &anyhow::Error) -> ParsedConfigs {
    let shown = file.display().to_string();
    ParsedConfigs::default().unread("", &shown, None, format!("cannot read: {err:#}"))
}

/// A local source file's text (serving config, SGLang model file or docs page): a regular file
/// (a FIFO would block) of at most 8 MiB (real ones are a few KiB), UTF-8.
pub(crate) fn read_text(file: &Path) -> anyhow::Result<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
