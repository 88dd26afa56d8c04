//! The old format: sgl-cookbook model YAML (`families[].models[]` with `model_path` and
//! `hardware.<HW>.configurations[].engine`), refused before parsing when nested too deep.

use super::flags::{dp_attention_warning, parse_launch_flags, LaunchFlags, MAX_PARALLEL};
use super::{ParsedConfigs, ServingConfig, ServingSource};
use std::path::Path;

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
