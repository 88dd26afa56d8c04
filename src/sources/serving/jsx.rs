//! The new format: SGLang's `docs_new/src/snippets/configs/**/*.jsx` modules. Each exports one
//! `config` object; [`super::js_eval`] parses the file with oxc and evaluates the object
//! statically (functions and other non-literal values become opaque and are ignored).
//!
//! How a cell is read, tolerantly:
//! - `match.hw` (a string or a list) names the hardware; a cell without it is skipped with a
//!   warning. CPU hardware (`xeon…`, `epyc…`, `cpu…`) is listed as a warning naming the sizes,
//!   never used for kernel names.
//! - `match.variant` and `match.quant` pick the repo id in `modelNames`: the first key present
//!   of `hw|variant|quant`, `variant|quant`, `hw|variant`, `variant`, `hw|quant`, `quant`, `hw`,
//!   then `default` (case-insensitive). A literal `--model-path ORG/NAME` among the flags wins.
//! - Any other `match` field (`strategy`, `nodes`, `pdMode`, `profile`, …) is a further
//!   dimension: every cell counts and the sizes are the union over them.
//! - `flags` are launch-flag strings, `{{PLACEHOLDER}}`s filled with their `placeholders`
//!   default; an item that is not a string is left out with a warning.

use super::flags::{dp_attention_warning, parse_launch_flags};
use super::js_eval::{evaluate_binding, Node, Value};
use super::{is_cpu_hardware, ParsedConfigs, ServingSource};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads one SGLang JSX config module (`text` is the content of `file`).
pub fn parse_jsx_config(text: &str, file: &Path) -> ParsedConfigs {
    let mut out = ParsedConfigs::default();
    let shown = file.display().to_string();
    let config = match evaluate_binding(text, "config") {
        Ok(Some(config)) => config,
        Ok(None) => return out, // another kind of snippet (`*-benchmarks.jsx`)
        Err(err) => {
            let reason = format!("cannot read the `config` literal: {}", err.message);
            return out.unread(text, &shown, Some(err.line), reason);
        }
    };
    if !matches!(config.value, Value::Object(_)) {
        let why = "`config` is not an object".to_string();
        return out.unread(text, &shown, Some(config.line), why);
    }
    let Some(names) = model_names(&config, &shown, &mut out) else {
        let why = "`config` has no `modelNames` object".to_string();
        return out.unread(text, &shown, Some(config.line), why);
    };
    let Some(Value::Array(cells)) = config.get("cells").map(|c| &c.value) else {
        let why = "`config` has no `cells` array".to_string();
        return out.unread(text, &shown, Some(config.line), why);
    };
    let mut reader = CellReader {
        file,
        shown: &shown,
        names: &names,
        placeholders: placeholder_defaults(&config),
        without_org: Vec::new(),
        out: &mut out,
    };
    for cell in cells {
        reader.read(cell);
    }
    let without_org = std::mem::take(&mut reader.without_org);
    finish(out, text, &shown, without_org)
}

/// The warnings that close a file: names without an org, a file that gave nothing.
fn finish(
    mut out: ParsedConfigs,
    text: &str,
    shown: &str,
    mut without_org: Vec<String>,
) -> ParsedConfigs {
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
    if out.sources.is_empty() {
        let reason = "no cell maps to a repo id; the file gives no serving configuration";
        return out.unread(text, shown, None, reason.to_string());
    }
    out
}

/// `modelNames`: lower-cased key → repo id (or a bare name without an org, which only a cell's
/// literal `--model-path ORG/NAME` can turn into a repo id). `None` without the object.
fn model_names(
    config: &Node,
    shown: &str,
    out: &mut ParsedConfigs,
) -> Option<BTreeMap<String, String>> {
    let Value::Object(entries) = &config.get("modelNames")?.value else {
        return None;
    };
    let mut names = BTreeMap::new();
    for (key, node) in entries {
        match node.as_str().map(str::trim) {
            Some(repo_id) if !repo_id.is_empty() => {
                if repo_id.contains('/') && !out.repo_ids.iter().any(|r| r == repo_id) {
                    out.repo_ids.push(repo_id.to_string());
                }
                names.insert(key.trim().to_lowercase(), repo_id.to_string());
            }
            _ => out.warnings.push(format!(
                "`{shown}`:{}: `modelNames[\"{key}\"]` is not a repo id string",
                node.line
            )),
        }
    }
    Some(names)
}

struct CellReader<'r> {
    file: &'r Path,
    shown: &'r str,
    names: &'r BTreeMap<String, String>,
    placeholders: BTreeMap<String, String>,
    without_org: Vec<String>,
    out: &'r mut ParsedConfigs,
}

impl CellReader<'_> {
    fn read(&mut self, cell: &Node) {
        let at = format!("`{}`:{}", self.shown, cell.line);
        let Some(matcher) = cell.get("match") else {
            self.out
                .warnings
                .push(format!("{at}: a cell without `match`; skipped"));
            return;
        };
        let Some(hardware) = hardware_of(matcher) else {
            self.out
                .warnings
                .push(format!("{at}: a cell whose `match` has no `hw`; skipped"));
            return;
        };
        let Some(flags) = self.flags(cell, &at) else {
            return;
        };
        let literal_path = literal_model_path(&flags);
        if let Some(path) = &literal_path {
            if !self.out.repo_ids.contains(path) {
                self.out.repo_ids.push(path.clone());
            }
        }
        let text = |key: &str| matcher.get(key).and_then(Node::as_str).map(str::trim);
        let (variant, quant) = (text("variant"), text("quant"));
        for hw in hardware {
            let named = name_keys(&hw, variant, quant)
                .iter()
                .find_map(|key| self.names.get(key));
            let repo_id = match (&literal_path, named) {
                (Some(path), _) => path.clone(),
                (None, Some(name)) if name.contains('/') => name.clone(),
                (None, Some(name)) => {
                    self.without_org.push(name.clone());
                    continue;
                }
                (None, None) => {
                    let wanted = [variant, quant].into_iter().flatten().collect::<Vec<_>>();
                    self.out.warnings.push(format!(
                        "{at}: no `modelNames` entry for `{}` (hw `{hw}`) and no `default`; skipped",
                        wanted.join("|")
                    ));
                    continue;
                }
            };
            self.add(&at, &flags, repo_id, &hw);
        }
    }

    /// The cell's flags as strings, placeholders filled; `None` (with a warning) when `flags`
    /// is not a list.
    fn flags(&mut self, cell: &Node, at: &str) -> Option<Vec<String>> {
        let items = match cell.get("flags").map(|f| &f.value) {
            None => return Some(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.out
                    .warnings
                    .push(format!("{at}: `flags` is not a list; skipped"));
                return None;
            }
        };
        let mut flags = Vec::new();
        for item in items {
            match &item.value {
                Value::Str(flag) => flags.push(fill_placeholders(flag, &self.placeholders)),
                Value::Opaque(why) => self.out.warnings.push(format!(
                    "`{}`:{}: a `flags` item is {why}; left out",
                    self.shown, item.line
                )),
                _ => self.out.warnings.push(format!(
                    "`{}`:{}: a `flags` item is not a string; left out",
                    self.shown, item.line
                )),
            }
        }
        Some(flags)
    }

    fn add(&mut self, at: &str, flags: &[String], repo_id: String, hw: &str) {
        let config = match parse_launch_flags(flags.iter().map(String::as_str)) {
            Ok(flags) => flags.config(),
            Err(problem) => {
                self.out
                    .warnings
                    .push(format!("{at}: `{repo_id}` on {hw}: {problem}; skipped"));
                return;
            }
        };
        if is_cpu_hardware(hw) {
            self.out.warnings.push(format!(
                "{at}: `{repo_id}` on {hw} ({config}) is CPU hardware; not used for kernel names"
            ));
            return;
        }
        if let Some(warning) = dp_attention_warning(&config) {
            self.out
                .warnings
                .push(format!("{at}: `{repo_id}` on {hw}: {warning}"));
        }
        self.out.sources.push(ServingSource {
            repo_id,
            config,
            hardware: hw.to_uppercase(),
            file: self.file.to_path_buf(),
        });
    }
}

/// `hw: "h200"` or `hw: ["h100", "h200"]`; `None` when absent, empty or not strings.
fn hardware_of(matcher: &Node) -> Option<Vec<String>> {
    match &matcher.get("hw")?.value {
        Value::Str(hw) if !hw.trim().is_empty() => Some(vec![hw.trim().to_string()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(|hw| hw.trim().to_string()))
            .collect(),
        _ => None,
    }
}

/// The `modelNames` keys a cell may use, most specific first (lower case).
fn name_keys(hw: &str, variant: Option<&str>, quant: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let (Some(variant), Some(quant)) = (variant, quant) {
        keys.push(format!("{hw}|{variant}|{quant}"));
        keys.push(format!("{variant}|{quant}"));
    }
    if let Some(variant) = variant {
        keys.push(format!("{hw}|{variant}"));
        keys.push(variant.to_string());
    }
    if let Some(quant) = quant {
        keys.push(format!("{hw}|{quant}"));
        keys.push(quant.to_string());
    }
    keys.push(hw.to_string());
    keys.push("default".to_string());
    keys.iter().map(|k| k.to_lowercase()).collect()
}

/// `placeholders: { TP: { default: "8", … }, … }` → `TP` → `8`.
fn placeholder_defaults(config: &Node) -> BTreeMap<String, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_name_keys_most_specific_first() {
        assert_eq!(
            name_keys("H200", Some("Base"), Some("FP8")),
            [
                "h200|base|fp8",
                "base|fp8",
                "h200|base",
                "base",
                "h200|fp8",
                "fp8",
                "h200",
                "default"
            ]
        );
        assert_eq!(name_keys("b200", None, None), ["b200", "default"]);
    }
}
