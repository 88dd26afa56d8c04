//! Display names in the coverage doc's style, and the name key that decides whether two names
//! mean the same model.
//!
//! The doc names a model by family, version and size, without the variant words a repo adds:
//! `Qwen/Qwen3-30B-A3B` → `Qwen3 30B A3B`, `meta-llama/Llama-3.1-8B-Instruct` → `Llama 3.1 8B`,
//! `google/gemma-3-27b-it` → `Gemma 3 27B`, `mistralai/Mistral-7B-Instruct-v0.3` →
//! `Mistral 7B v0.3`, `meta-llama/Llama-4-Scout-17B-16E-Instruct` → `Llama 4 Scout 17B-16E`.
//!
//! The rule, token by token (tokens are split at `-`, `_` and spaces; `_` between digits is a
//! version dot, so `Llama-3_3-Nemotron` is `Llama 3.3 Nemotron`):
//! - dropped after the first token: the variant words `Instruct`, `Chat`, `it`, `hf`,
//!   `Thinking`, `Base`; precision and packaging words (`FP8`, `FP4`, `NVFP4`, `MXFP4`, `AWQ`,
//!   `GPTQ`, `Int4`, `Int8`, `W4A16`, `W8A8`, `W4AFP8`, `BF16`, `FP16`, `GGUF`, `MLX`, `bnb`,
//!   `4bit`, `8bit`, `EXL2`, `Dynamic`); date stamps (4, 6 or 8 digits: `2507`, `0528`,
//!   `20250522`) and the month and day numbers next to a year (`05-2026`, `2024-08-06`), the
//!   way the doc's headings carry no date or precision (`DeepSeek V3 / R1`, `Kimi K2`);
//! - sizes get an upper-case unit (`27b` → `27B`, `8x7b` → `8x7B`, `a3b` → `A3B`), and an
//!   expert count joins the size before it with `-` (`17B-16E`);
//! - a revision after the size stays as written (`v0.3`); before any size it is a generation and
//!   is capitalized (`deepseek-v3` → `V3`);
//! - a few all-lower-case brand words get their usual spelling (`deepseek` → `DeepSeek`,
//!   `minimax` → `MiniMax`, `glm` → `GLM`, `gpt` / `oss` → `GPT` / `OSS`, …); other lower-case
//!   words get a capital first letter (`gemma` → `Gemma`); everything else is kept as spelt.
//!
//! [`name_key`] compares names: the same tokens, without a trailing revision after the size
//! (`v0.3`), lower-cased, letters and digits only. `Qwen3 Next 80B A3B`,
//! `Qwen/Qwen3-Next-80B-A3B-Thinking` and `Qwen/Qwen3-Next-80B-A3B-Instruct-FP8` share the key
//! `qwen3next80ba3b`.

/// The doc-style display name of an HF repo id (the org is dropped).
pub fn display_name(repo_id: &str) -> String {
    let tokens = model_tokens(repo_name(repo_id));
    let mut words: Vec<String> = Vec::new();
    let mut seen_size = false;
    let mut previous_was_size = false;
    for token in &tokens {
        let lower = token.to_ascii_lowercase();
        let is_size_token = is_size(&lower);
        if is_size_token {
            words.push(upper_unit(token));
        } else if is_active_size(&lower) {
            words.push(token.to_ascii_uppercase());
        } else if is_expert_count(&lower) && previous_was_size {
            let last = words.last_mut().expect("a size came before");
            last.push('-');
            last.push_str(&token.to_ascii_uppercase());
        } else if is_revision(&lower) {
            if seen_size {
                words.push(token.clone());
            } else {
                words.push(capitalize(token));
            }
        } else if let Some(brand) = brand_spelling(token) {
            words.push(brand);
        } else {
            words.push(capitalize(token));
        }
        seen_size |= is_size_token;
        previous_was_size = is_size_token;
    }
    words.join(" ")
}

/// The key two names of one model share: a display name (`Qwen3 Next 80B A3B`), a repo name or
/// a repo id (`Qwen/Qwen3-Next-80B-A3B-Thinking`, the org is dropped).
pub fn name_key(name: &str) -> String {
    let tokens = model_tokens(repo_name(name));
    let mut seen_size = false;
    let mut kept: Vec<&str> = Vec::new();
    for token in &tokens {
        let lower = token.to_ascii_lowercase();
        if seen_size && is_revision(&lower) {
            continue;
        }
        seen_size |= is_size(&lower);
        kept.push(token);
    }
    kept.iter()
        .flat_map(|token| token.chars())
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The keys of a name from the doc, which may name several models at once:
/// `DeepSeek V3 / R1` → `DeepSeek V3`, `DeepSeek R1`; `Llama 3.1 / 3.3 70B` → `Llama 3.1`,
/// `Llama 3.3 70B`; `MiniMax M2 / Text-01` → `MiniMax M2`, `MiniMax Text-01`. A later part that
/// does not start with the first part's first word borrows it.
pub fn tracked_name_keys(name: &str) -> Vec<String> {
    let name = name.trim();
    if !name.contains(char::is_whitespace) {
        return vec![name_key(name)];
    }
    let parts: Vec<&str> = name
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let Some(first) = parts.first() else {
        return Vec::new();
    };
    let family = first.split_whitespace().next().unwrap_or_default();
    let mut keys: Vec<String> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let starts_with_family = part
            .split_whitespace()
            .next()
            .is_some_and(|word| word.eq_ignore_ascii_case(family));
        let key = if index == 0 || starts_with_family {
            name_key(part)
        } else {
            name_key(&format!("{family} {part}"))
        };
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The part after the org for a repo id; a display name (with spaces) is returned whole.
fn repo_name(name: &str) -> &str {
    let name = name.trim();
    if name.contains(char::is_whitespace) {
        name
    } else {
        name.rsplit('/').next().unwrap_or(name)
    }
}

/// Tokens of a model name with the variant, precision and date words dropped (never the
/// first token).
fn model_tokens(name: &str) -> Vec<String> {
    // `_` between digits is a version dot (`Llama-3_3`, `v1_5`).
    let chars: Vec<char> = name.chars().collect();
    let mut dotted = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = c == '_'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        dotted.push(if between_digits { '.' } else { c });
    }
    let tokens: Vec<&str> = dotted
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let dates = date_parts(&tokens);
    tokens
        .iter()
        .enumerate()
        .filter(|(index, token)| *index == 0 || !(is_dropped(token) || dates.contains(index)))
        .map(|(_, token)| token.to_string())
        .collect()
}

/// The positions of the month and day numbers around a year: `05-2026` (`command-a-plus-05-2026`),
/// `2024-08-06`. Only two-digit numbers next to a year (`19xx`, `20xx`) count, so a version
/// (`Llama-3`) never does.
fn date_parts(tokens: &[&str]) -> Vec<usize> {
    let two_digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
    let year = |t: &str| {
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.bytes().all(|b| b.is_ascii_digit())
    };
    let mut parts = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        if !year(token) {
            continue;
        }
        let before = (0..at).rev().take(2).take_while(|&i| two_digits(tokens[i]));
        let after = (at + 1..tokens.len())
            .take(2)
            .take_while(|&i| two_digits(tokens[i]));
        parts.extend(before.chain(after));
    }
    parts
}

fn is_dropped(token: &str) -> bool {
    const VARIANT_WORDS: [&str; 6] = ["instruct", "chat", "it", "hf", "thinking", "base"];
    let lower = token.to_ascii_lowercase();
    VARIANT_WORDS.contains(&lower.as_str()) || is_precision_word(&lower) || is_date_stamp(&lower)
}

/// A lower-case word that names a precision, a quantization or a packaging rather than a model:
/// `fp8`, `bf16`, `nvfp4`, `mxfp4`, `int4`, `w4a16`, `w8a8`, `w4afp8`, `4bit`, `awq`, `gptq`,
/// `gguf`, `mlx`, `bnb`, `exl2`, `dynamic`.
pub(crate) fn is_precision_word(lower: &str) -> bool {
    const WORDS: [&str; 8] = [
        "awq", "gptq", "gguf", "mlx", "bnb", "exl2", "dynamic", "bf16",
    ];
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let float = |text: &str| {
        let text = text
            .strip_prefix("nv")
            .or_else(|| text.strip_prefix("mx"))
            .unwrap_or(text);
        text.strip_prefix("fp").is_some_and(digits)
    };
    // `w4a16`, `w8a8`, `w4afp8`: weights and activations.
    let weights_activations = lower.strip_prefix('w').is_some_and(|rest| {
        rest.split_once('a')
            .is_some_and(|(w, a)| digits(w) && (digits(a) || float(a)))
    });
    WORDS.contains(&lower)
        || float(lower)
        || lower.strip_prefix("int").is_some_and(digits)
        || lower.strip_suffix("bit").is_some_and(digits)
        || weights_activations
}

fn is_date_stamp(token: &str) -> bool {
    matches!(token.len(), 4 | 6 | 8) && token.bytes().all(|b| b.is_ascii_digit())
}

/// A number (`3`, `3.5`).
fn is_number(text: &str) -> bool {
    let mut parts = text.split('.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    parts.next().is_none()
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// `27b`, `1.5b`, `8k`, `1m`, `8x7b` (lower case).
fn is_size(lower: &str) -> bool {
    let Some(number) = lower.strip_suffix(['b', 'm', 'k', 't']) else {
        return false;
    };
    match number.split_once('x') {
        Some((count, size)) => {
            !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) && is_number(size)
        }
        None => is_number(number),
    }
}

/// `a3b`, `a22b`, `e4b` (active or effective parameters).
fn is_active_size(lower: &str) -> bool {
    lower
        .strip_prefix(['a', 'e'])
        .and_then(|rest| rest.strip_suffix('b'))
        .is_some_and(is_number)
}

/// `16e`, `128e`.
fn is_expert_count(lower: &str) -> bool {
    lower
        .strip_suffix('e')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `v3`, `v0.3`, `v1.5`.
fn is_revision(lower: &str) -> bool {
    lower.strip_prefix('v').is_some_and(is_number)
}

fn upper_unit(token: &str) -> String {
    let mut text = token.to_string();
    if let Some(unit) = text.pop() {
        text.push(unit.to_ascii_uppercase());
    }
    text
}

fn capitalize(token: &str) -> String {
    let mut chars = token.chars();
    match chars.next() {
        Some(first) if first.is_ascii_lowercase() => {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        }
        _ => token.to_string(),
    }
}

/// The usual spelling of an all-lower-case brand word, possibly followed by a version
/// (`glm4` → `GLM4`).
fn brand_spelling(token: &str) -> Option<String> {
    const BRANDS: [(&str, &str); 13] = [
        ("deepseek", "DeepSeek"),
        ("minimax", "MiniMax"),
        ("chatglm", "ChatGLM"),
        ("glm", "GLM"),
        ("gpt", "GPT"),
        ("oss", "OSS"),
        ("mimo", "MiMo"),
        ("olmo", "OLMo"),
        ("internlm", "InternLM"),
        ("smollm", "SmolLM"),
        ("qwq", "QwQ"),
        ("exaone", "EXAONE"),
        ("llava", "LLaVA"),
    ];
    if token.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    BRANDS.iter().find_map(|(word, spelling)| {
        let rest = token.strip_prefix(word)?;
        (rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit()))
            .then(|| format!("{spelling}{rest}"))
    })
}
