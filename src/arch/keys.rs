//! The config-key reader and its sanitising: Python's `json.dump` oddities made parseable
//! (BOM, bare `NaN` / `Infinity`), the language model found under `text_config` and its
//! siblings, key lookups that fall back to the multimodal wrapper, lenient integers (strings,
//! floats, per-layer lists) bounded by [`MAX_SIZE`], and the `model_type` defaults of keys
//! real configs leave out.

use super::validation::{ConfigError, MAX_SIZE};
use serde_json::{Map, Value};

/// Makes Python's `json.dump` output parseable: drops a UTF-8 BOM and replaces bare `NaN`,
/// `Infinity` and `-Infinity` outside strings (Nemotron-H has `"time_step_limit": [0.0, Infinity]`).
pub fn sanitize_json(text: &str) -> String {
    const TOKENS: [(&str, &str); 3] = [
        ("-Infinity", "-1.7976931348623157e308"),
        ("Infinity", "1.7976931348623157e308"),
        ("NaN", "null"),
    ];
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if let Some((token, replacement)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t))
        {
            let after = rest[token.len()..].chars().next();
            let boundary_before = out
                .chars()
                .last()
                .is_none_or(|p| !p.is_ascii_alphanumeric() && p != '_');
            let boundary_after = after.is_none_or(|a| !a.is_ascii_alphanumeric() && a != '_');
            if boundary_before && boundary_after {
                out.push_str(replacement);
                rest = &rest[token.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub(super) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) const HIDDEN_SIZE_KEYS: [&str; 3] = ["hidden_size", "d_model", "n_embd"];
/// Where multimodal configs keep their language model, in the order we look.
const NESTED_TEXT_KEYS: [&str; 5] = [
    "text_config",
    "language_config",
    "llm_config",
    "thinker_config",
    "text_model",
];

/// Finds the object that describes the language model; the bool says whether it is nested.
pub(super) fn language_model(root: &Map<String, Value>) -> Option<(&Map<String, Value>, bool)> {
    for key in NESTED_TEXT_KEYS {
        if let Some(Value::Object(inner)) = root.get(key) {
            if let Some((found, _)) = language_model(inner) {
                return Some((found, true));
            }
        }
    }
    let has_hidden = HIDDEN_SIZE_KEYS
        .iter()
        .any(|k| root.get(*k).is_some_and(|v| !v.is_null()));
    has_hidden.then_some((root, false))
}

/// Key lookup over the language-model object, falling back to the wrapper's top level.
#[derive(Clone, Copy)]
pub(super) struct ConfigKeys<'a> {
    pub(super) text: &'a Map<String, Value>,
    pub(super) outer: Option<&'a Map<String, Value>>,
}

impl<'a> ConfigKeys<'a> {
    pub(super) fn value(&self, key: &str) -> Option<&'a Value> {
        let present = |m: &'a Map<String, Value>| m.get(key).filter(|v| !v.is_null());
        present(self.text).or_else(|| self.outer.and_then(present))
    }

    /// An integer key; a list takes its first element (Hunyuan's per-layer `moe_topk`).
    pub(super) fn uint(&self, key: &str) -> Result<Option<u32>, ConfigError> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => uint_value(key, v).map(Some),
        }
    }

    /// The first present key of `keys`, with the key's name.
    pub(super) fn first_uint(
        &self,
        keys: &[&'static str],
    ) -> Result<Option<(&'static str, u32)>, ConfigError> {
        for key in keys {
            if let Some(v) = self.uint(key)? {
                return Ok(Some((key, v)));
            }
        }
        Ok(None)
    }

    pub(super) fn float(&self, key: &str) -> Option<f64> {
        self.value(key).and_then(Value::as_f64)
    }

    pub(super) fn string(&self, key: &str) -> Option<&'a str> {
        self.value(key).and_then(Value::as_str)
    }

    pub(super) fn boolean(&self, key: &str) -> Option<bool> {
        self.value(key).and_then(Value::as_bool)
    }

    pub(super) fn object(&self, key: &str) -> Option<&'a Map<String, Value>> {
        self.value(key).and_then(Value::as_object)
    }

    pub(super) fn array(&self, key: &str) -> Option<&'a Vec<Value>> {
        self.value(key).and_then(Value::as_array)
    }
}

pub(super) fn uint_value(key: &str, v: &Value) -> Result<u32, ConfigError> {
    let bad = || ConfigError::BadValue {
        key: key.to_string(),
        value: v.to_string(),
    };
    let value = match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u
            } else {
                let f = n.as_f64().ok_or_else(bad)?;
                if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) {
                    f as u64
                } else {
                    return Err(bad());
                }
            }
        }
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| bad())?,
        Value::Array(items) => {
            return match items.first() {
                Some(first) => uint_value(key, first),
                None => Err(bad()),
            }
        }
        _ => return Err(bad()),
    };
    match u32::try_from(value) {
        Ok(v) if v <= MAX_SIZE => Ok(v),
        _ => Err(ConfigError::OutOfRange {
            key: key.to_string(),
            value,
            max: MAX_SIZE,
        }),
    }
}

/// `vocab_size` defaults of `transformers` config classes, for configs that leave it out.
pub(super) fn default_vocab(model_type: &str) -> Option<u32> {
    Some(match model_type {
        "gemma3" | "gemma3_text" => 262_208,
        "gemma" | "gemma2" => 256_000,
        "llama" | "mistral" | "mixtral" => 32_000,
        "qwen2" | "qwen2_moe" | "qwen3" | "qwen3_moe" | "qwen3_next" => 151_936,
        "deepseek_v3" | "deepseek_v32" => 129_280,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_replaces_bare_infinity_but_not_inside_strings() {
        let text = "\u{feff}{\"a\": [0.0, Infinity, -Infinity, NaN], \"b\": \"Infinity NaN\"}";
        assert_eq!(
            sanitize_json(text),
            "{\"a\": [0.0, 1.7976931348623157e308, -1.7976931348623157e308, null], \"b\": \"Infinity NaN\"}"
        );
    }

    #[test]
    fn sanitize_keeps_escaped_quotes_inside_strings() {
        let text = r#"{"a": "say \"NaN\"", "b": NaN}"#;
        assert_eq!(sanitize_json(text), r#"{"a": "say \"NaN\"", "b": null}"#);
    }
}
