//! The new format: SGLang's `docs_new/src/snippets/configs/**/*.jsx` snippets. One
//! `export const config = { modelNames, cells, … }` literal per file; a cell maps to its repo id
//! through `modelNames` (or a literal `--model-path ORG/NAME`) and its TP / EP / DP come from its
//! `flags`, placeholders filled with their defaults.

use super::flags::{dp_attention_warning, parse_launch_flags};
use super::js_literal;
use super::{ParsedConfigs, ServingSource};
use std::collections::BTreeMap;
use std::path::Path;

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
