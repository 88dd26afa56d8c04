//! The old format: sgl-cookbook model YAML (`families[].models[]` with `model_path` and
//! `hardware.<HW>.configurations[].engine`), refused before parsing when nested too deep.

use super::flags::{
    dp_attention_warning, parse_launch_flags, FlagError, LaunchFlags, MAX_PARALLEL,
};
use super::{is_cpu_hardware, ParsedConfigs, ServingConfig, ServingSource};
use std::collections::HashMap;
use std::path::Path;

/// Reads one sgl-cookbook model YAML (`text` is the content of `file`). Linear in the text:
/// nesting and alias expansion are bounded before the YAML parser sees it, and the lines of the
/// `model_path`s are indexed once.
pub fn parse_cookbook_yaml(text: &str, file: &Path) -> ParsedConfigs {
    use serde_norway::Value;

    let out = ParsedConfigs::default();
    let shown = file.display().to_string();
    if let Some(line) = yaml_too_deep(text, YAML_MAX_DEPTH) {
        let why = format!("nested deeper than {YAML_MAX_DEPTH} levels; skipped");
        return out.unread(text, &shown, Some(line), why);
    }
    if let Err(refused) = check_aliases(text) {
        return out.unread(text, &shown, Some(refused.line), refused.to_string());
    }
    let doc: Value = match serde_norway::from_str(text) {
        Ok(doc) => doc,
        Err(err) => return out.unread(text, &shown, None, format!("not valid YAML: {err}")),
    };
    let models: Vec<&Value> = if let Some(families) = doc.get("families") {
        let Some(families) = families.as_sequence() else {
            return out.unread(text, &shown, None, "`families` is not a list".to_string());
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
        return out; // not a model file (`vendors.yaml`)
    };
    let mut reader = ModelReader {
        file,
        shown: &shown,
        lines: ModelPathLines::new(text),
        out,
    };
    for model in &models {
        reader.read(model);
    }
    let out = reader.out;
    if !out.repo_ids.is_empty() && out.sources.is_empty() {
        let why =
            "no model has a configuration on GPU hardware; the file gives no serving configuration";
        return out.unread(text, &shown, None, why.to_string());
    }
    out
}

struct ModelReader<'r> {
    file: &'r Path,
    shown: &'r str,
    lines: ModelPathLines<'r>,
    out: ParsedConfigs,
}

impl ModelReader<'_> {
    fn read(&mut self, model: &serde_norway::Value) {
        use serde_norway::Value;
        let Some(repo_id) = model.get("model_path").and_then(Value::as_str) else {
            self.out.warnings.push(format!(
                "`{}`: a model without a string `model_path`; skipped",
                self.shown
            ));
            return;
        };
        let repo_id = repo_id.trim();
        let at = match self.lines.line_of(repo_id) {
            Some(line) => format!("`{}`:{line}", self.shown),
            None => format!("`{}`", self.shown),
        };
        self.out.repo_ids.push(repo_id.to_string());
        let Some(hardware) = model.get("hardware").and_then(Value::as_mapping) else {
            return;
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
                self.out.warnings.push(format!(
                    "{at}: `{repo_id}` on {hw} has no `configurations` list"
                ));
                continue;
            };
            for configuration in configurations {
                self.configuration(&at, repo_id, &hw, configuration);
            }
        }
    }

    fn configuration(
        &mut self,
        at: &str,
        repo_id: &str,
        hw: &str,
        configuration: &serde_norway::Value,
    ) {
        use serde_norway::Value;
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
            self.out.repo_ids.push(target.to_string());
        }
        for engine in engines_of(configuration) {
            let config = match yaml_engine_config(engine) {
                Ok(config) => config,
                Err(problem) => {
                    self.out
                        .warnings
                        .push(format!("{context}: {problem}; skipped"));
                    continue;
                }
            };
            if is_cpu_hardware(hw) {
                self.out.warnings.push(format!(
                    "{context}: `{target}` on {hw} ({config}) is CPU hardware; not used for kernel names"
                ));
                continue;
            }
            if let Some(warning) = dp_attention_warning(&config) {
                self.out.warnings.push(format!("{context}: {warning}"));
            }
            self.out.sources.push(ServingSource {
                repo_id: target.to_string(),
                config,
                hardware: hw.to_uppercase(),
                file: self.file.to_path_buf(),
            });
        }
    }
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

/// How many lines alias expansion may add to a file (beyond its own lines) before the file is
/// refused unparsed: a "billion laughs" document expands exponentially, and the YAML parser
/// would walk every copy. Real cookbooks share a few `env_vars` blocks (tens of lines).
const YAML_MAX_EXPANSION: u64 = 100_000;

/// Alias expansion over the bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("YAML aliases expand to more than {limit} lines; not parsed")]
struct AliasesRefused {
    /// Where the expansion crossed the bound.
    line: usize,
    limit: u64,
}

/// An anchor whose node is still being read.
struct OpenAnchor<'t> {
    name: &'t str,
    /// Expanded lines before its node.
    start: u64,
    /// Block node: the indent of its line (the node goes on while lines are deeper, or are
    /// `- ` entries at that indent). Flow node: `None`.
    indent: Option<usize>,
    /// Flow node: brackets still open.
    depth: i64,
    /// The 0-based line it was found on.
    line: usize,
}

/// Bounds the expanded size of `text`'s anchors and aliases in one pass: each anchor's size is
/// the lines its node spans plus the expansion of the aliases inside it; each alias adds its
/// anchor's size. Linear in the text (times the nesting, which [`yaml_too_deep`] bounds).
fn check_aliases(text: &str) -> Result<(), AliasesRefused> {
    let limit = text.lines().count() as u64 + YAML_MAX_EXPANSION;
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    let mut open: Vec<OpenAnchor> = Vec::new();
    let mut total: u64 = 0;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if !content.is_empty() && !content.starts_with('#') {
            while let Some(top) = open.last() {
                let Some(top_indent) = top.indent else { break };
                if indent > top_indent || (indent == top_indent && content.starts_with("- ")) {
                    break;
                }
                let top = open.pop().expect("checked above");
                sizes.insert(top.name, (total - top.start).max(1));
            }
        }
        total += 1;
        for token in yaml_tokens(content) {
            match token {
                YamlToken::Anchor { name, rest_depth } => open.push(OpenAnchor {
                    name,
                    start: total - 1,
                    indent: (rest_depth.is_none()).then_some(indent),
                    depth: rest_depth.unwrap_or(0),
                    line: index,
                }),
                YamlToken::Alias(name) => {
                    let size = sizes.get(name).copied().or_else(|| {
                        let open = open.iter().rev().find(|a| a.name == name)?;
                        Some(total - open.start)
                    });
                    total = total.saturating_add(size.unwrap_or(1));
                    if total > limit {
                        return Err(AliasesRefused {
                            line: index + 1,
                            limit: YAML_MAX_EXPANSION,
                        });
                    }
                }
                YamlToken::Brackets(change) => {
                    let earlier = |a: &&mut OpenAnchor| a.indent.is_none() && a.line < index;
                    for anchor in open.iter_mut().filter(earlier) {
                        anchor.depth += change;
                    }
                }
            }
        }
        while open
            .last()
            .is_some_and(|a| a.indent.is_none() && a.depth <= 0)
        {
            let top = open.pop().expect("checked above");
            sizes.insert(top.name, (total - top.start).max(1));
        }
    }
    Ok(())
}

enum YamlToken<'t> {
    /// `&name`; `rest_depth` is `None` when nothing follows on the line (a block node), else
    /// the brackets the rest of the line leaves open (a flow node or a scalar).
    Anchor {
        name: &'t str,
        rest_depth: Option<i64>,
    },
    /// `*name`.
    Alias(&'t str),
    /// The brackets a line opens (positive) or closes (negative), outside quotes and comments,
    /// once per line after its anchors and aliases.
    Brackets(i64),
}

/// The anchors, aliases and bracket balance of one line (outside quotes and comments).
fn yaml_tokens(content: &str) -> Vec<YamlToken<'_>> {
    let bytes = content.as_bytes();
    let code_end = code_end(content);
    let mut tokens = Vec::new();
    let mut quote: Option<u8> = None;
    let mut depth = 0i64;
    let mut i = 0;
    while i < code_end {
        let b = bytes[i];
        let at_token = i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(b'"'), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if at_token => quote = Some(b),
            (None, b'[' | b'{') => depth += 1,
            (None, b']' | b'}') => depth -= 1,
            (None, b'&' | b'*') if at_token => {
                let end = content[i + 1..code_end]
                    .find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
                    .map_or(code_end, |n| i + 1 + n);
                let name = &content[i + 1..end];
                if b == b'*' {
                    tokens.push(YamlToken::Alias(name));
                } else {
                    let rest = content[end..code_end].trim();
                    let rest_depth = (!rest.is_empty()).then(|| bracket_balance(rest));
                    tokens.push(YamlToken::Anchor { name, rest_depth });
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    tokens.push(YamlToken::Brackets(depth));
    tokens
}

/// Where a line's code ends: at a `#` comment outside quotes.
fn code_end(content: &str) -> usize {
    let bytes = content.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if i == 0 || b" [{,".contains(&bytes[i - 1]) => quote = Some(b),
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' => return i,
            _ => {}
        }
    }
    bytes.len()
}

/// Brackets opened minus closed (quotes not considered: an over-approximation is fine here).
fn bracket_balance(text: &str) -> i64 {
    text.bytes()
        .map(|b| match b {
            b'[' | b'{' => 1,
            b']' | b'}' => -1,
            _ => 0,
        })
        .sum()
}

/// The 1-based line of each `model_path: <repo_id>` (serde's values carry no positions),
/// indexed in one pass over the text; the first line of a repo id wins.
struct ModelPathLines<'t> {
    lines: HashMap<&'t str, usize>,
    #[cfg(test)]
    scanned: usize,
}

impl<'t> ModelPathLines<'t> {
    fn new(text: &'t str) -> Self {
        let mut lines = HashMap::new();
        #[cfg(test)]
        let mut scanned = 0;
        for (index, line) in text.lines().enumerate() {
            #[cfg(test)]
            {
                scanned += 1;
            }
            let line = line.trim_start().trim_start_matches("- ").trim_start();
            let value = line
                .strip_prefix("model_path")
                .and_then(|rest| rest.trim_start().strip_prefix(':'))
                .map(|value| value.trim().trim_matches(|c| c == '"' || c == '\''));
            if let Some(value) = value {
                lines.entry(value).or_insert(index + 1);
            }
        }
        ModelPathLines {
            lines,
            #[cfg(test)]
            scanned,
        }
    }

    fn line_of(&self, repo_id: &str) -> Option<usize> {
        self.lines.get(repo_id).copied()
    }
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

fn yaml_engine_config(engine: &serde_norway::Value) -> Result<ServingConfig, FlagError> {
    use serde_norway::Value;
    let number = |key: &str| -> Result<Option<u32>, FlagError> {
        let Some(value) = engine.get(key).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let parsed = match value {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse::<u32>().ok(),
            _ => None,
        };
        let (flag, shown) = (format!("{key}:"), yaml_shown(value));
        match parsed {
            Some(n) if n > MAX_PARALLEL => Err(FlagError::TooLarge { flag, value: shown }),
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(FlagError::NotPositive { flag, value: shown }),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `depth` levels of `width` aliases each: `width^depth` copies of the first line.
    fn laughs(depth: usize, width: usize) -> String {
        let mut text = String::from("a0: &a0 [\"lol\"]\n");
        for level in 1..=depth {
            let aliases = vec![format!("*a{}", level - 1); width].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
        }
        text
    }

    #[test]
    fn alias_expansion_is_bounded_by_the_rule() {
        // 9^5 = 59,049 copies: under the bound.
        assert_eq!(check_aliases(&laughs(5, 9)), Ok(()));
        // 9^6 = 531,441: refused on the line that crosses the bound.
        assert_eq!(
            check_aliases(&laughs(6, 9)),
            Err(AliasesRefused {
                line: 7,
                limit: YAML_MAX_EXPANSION
            })
        );
        // Block nodes count their lines.
        let block = "base: &base\n  a: 1\n  b: 2\n  c: 3\nuses:\n".to_string()
            + &"  - *base\n".repeat(40_000);
        let refused = check_aliases(&block).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "YAML aliases expand to more than 100000 lines; not parsed"
        );
        // 4 lines per alias plus its own: over 100,000 + 40,005 lines after 28,001 aliases.
        assert_eq!(refused.line, 5 + 28_001);
        // `- ` entries at the key's indent belong to its node.
        let seq = "list: &l\n- a\n- b\n- c\nuse: [*l, *l]\n";
        assert_eq!(check_aliases(seq), Ok(()));
    }

    #[test]
    fn real_shapes_pass_and_quotes_and_comments_are_not_aliases() {
        let text = "env: &id001\n  A: \"1\"\nx:\n  env: *id001\n  note: \"*not an alias\" # *nor this\n  glob: a*b\n";
        assert_eq!(check_aliases(text), Ok(()));
        let parsed = parse_cookbook_yaml(
            "models:\n  - model_path: o/m\n    hardware:\n      H200:\n        configurations:\n          - engine: {tp: 8}\n",
            Path::new("m.yaml"),
        );
        assert_eq!(parsed.sources.len(), 1);
        assert_eq!(parsed.unread, None);
    }

    #[test]
    fn model_path_lines_are_indexed_in_one_pass() {
        let mut text = String::from("families:\n  - models:\n");
        for i in 0..10_000 {
            text.push_str(&format!(
                "      - model_path: org/m{i}\n        hardware: {{}}\n"
            ));
        }
        let lines = ModelPathLines::new(&text);
        assert_eq!(lines.scanned, 2 + 2 * 10_000, "each line read once");
        assert_eq!(lines.line_of("org/m0"), Some(3));
        assert_eq!(lines.line_of("org/m9999"), Some(3 + 2 * 9_999));
        let parsed = parse_cookbook_yaml(&text, Path::new("many.yaml"));
        assert_eq!(parsed.repo_ids.len(), 10_000);
    }
}
