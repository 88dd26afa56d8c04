//! Dims sanity: does a definition name written by hand follow from the model's `config.json`?
//!
//! Rule: the candidates are every name [`crate::naming::derive`] gives for the config at every
//! attention TP and EP in {1, 2, 4, 8, 16} (plus the sizes the section or the run names), page
//! sizes and routing variants included — the naming's own rules, never a copy of them. A row is
//! - *consistent* when it is one of the candidates;
//! - *contradicts_config* when its family (the name with its sizes blanked, see
//!   [`super::names`]) is one the candidates use but no candidate is it: the nearest candidate of
//!   that family (fewest differing sizes, then closest sizes) is the suggestion, and the config
//!   field behind the first differing size, read from the candidate's `why`, is named;
//! - *unchecked* otherwise: a family the naming does not give for this model is never an alarm.
//!
//! Why: Kimi K2's hand-written rows say `top_k_sampling_from_probs_v160000` while its config
//! has `vocab_size` 163840 — a row that can never turn ✅ and hides the real gap.

use std::collections::{HashMap, HashSet};

use super::names::{shape, NameShape};
use crate::arch::Architecture;
use crate::naming::{derive, ExpectedDefinition, Parallelism};

/// The sizes every model is checked at.
pub const SIZES: [u32; 5] = [1, 2, 4, 8, 16];

/// What the config says about one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Consistent,
    Contradicts {
        /// The nearest name the config gives.
        suggestion: String,
        /// Which size differs and the config field behind it.
        explanation: String,
    },
    Unchecked,
}

/// Every name one config gives over the TP/EP grid, by family.
#[derive(Debug, Clone)]
pub struct ConfigCandidates {
    definitions: Vec<ExpectedDefinition>,
    names: HashSet<String>,
    by_family: HashMap<String, Vec<(usize, NameShape)>>,
}

impl ConfigCandidates {
    /// The candidates of `arch` at [`SIZES`] and the `extra_tp` / `extra_ep` sizes.
    pub fn new(arch: &Architecture, extra_tp: &[u32], extra_ep: &[u32]) -> Self {
        let grid = |extra: &[u32]| SIZES.iter().chain(extra).copied().collect::<Vec<u32>>();
        let parallelism = Parallelism::new(grid(extra_tp), grid(extra_ep));
        let definitions = derive(arch, &parallelism).definitions;
        let names = definitions.iter().map(|d| d.name.clone()).collect();
        let mut by_family: HashMap<String, Vec<(usize, NameShape)>> = HashMap::new();
        for (index, definition) in definitions.iter().enumerate() {
            let parsed = shape(&definition.name);
            by_family
                .entry(parsed.family.clone())
                .or_default()
                .push((index, parsed));
        }
        ConfigCandidates {
            definitions,
            names,
            by_family,
        }
    }

    pub fn verdict(&self, name: &str) -> Verdict {
        if self.names.contains(name) {
            return Verdict::Consistent;
        }
        let row = shape(name);
        let Some(family) = self.by_family.get(&row.family) else {
            return Verdict::Unchecked;
        };
        let Some((index, nearest)) = family
            .iter()
            .min_by(|(_, a), (_, b)| distance(&row, a).total_cmp(&distance(&row, b)))
        else {
            return Verdict::Unchecked;
        };
        let candidate = &self.definitions[*index];
        let differing: Vec<String> = row
            .dims
            .iter()
            .zip(&nearest.dims)
            .filter(|(ours, theirs)| ours.1 != theirs.1)
            .map(|((prefix, ours), (_, theirs))| explain(prefix, *ours, *theirs, &candidate.why))
            .collect();
        Verdict::Contradicts {
            suggestion: candidate.name.clone(),
            explanation: differing.join("; "),
        }
    }
}

/// Differing sizes first, then how far apart they are (log ratio), so `k22016` is nearer to
/// `k12288` than to `k4096` and a name with one wrong size beats one with two.
fn distance(row: &NameShape, candidate: &NameShape) -> f64 {
    let mut differing = 0.0;
    let mut spread = 0.0;
    for ((_, ours), (_, theirs)) in row.dims.iter().zip(&candidate.dims) {
        if ours != theirs {
            differing += 1.0;
            let (a, b) = ((*ours).max(1) as f64, (*theirs).max(1) as f64);
            spread += (a / b).ln().abs();
        }
    }
    differing * 1000.0 + spread
}

/// `intermediate_size` 12288, not 22016 — or, when no config field holds the size itself
/// (sharded or summed), `h` 8 (`num_attention_heads 16 / tp 2`), not 4.
fn explain(prefix: &str, ours: u64, theirs: u64, why: &str) -> String {
    let segment = segment_for(prefix, theirs, why);
    match field_with_value(segment.unwrap_or(why), theirs) {
        Some(field) => format!("`{field}` {theirs}, not {ours}"),
        None => match segment {
            Some(segment) => format!("`{prefix}` {theirs} ({segment}), not {ours}"),
            None => format!("`{prefix}` {theirs}, not {ours}"),
        },
    }
}

/// The part of a `why` that gives `{prefix}{value}`: `… ; intermediate_size 12288 = k12288` →
/// `intermediate_size 12288`.
fn segment_for<'w>(prefix: &str, value: u64, why: &'w str) -> Option<&'w str> {
    let target = format!("= {prefix}{value}");
    let mut from = 0;
    while let Some(found) = why[from..].find(&target) {
        let at = from + found;
        let end = at + target.len();
        let bounded = why[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if bounded {
            let start = why[..at].rfind([';', ':']).map_or(0, |i| i + 1);
            return Some(why[start..at].trim());
        }
        from = end;
    }
    None
}

/// The first `snake_case_key N` in `text` with `N == value`.
fn field_with_value(text: &str, value: u64) -> Option<&str> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let key = pair[0];
        let number = pair[1].trim_end_matches([',', ';', ':', ')']);
        let is_key = key.contains('_')
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        (is_key && number.parse::<u64>().ok() == Some(value)).then_some(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_from_why() {
        let why = "down_proj: hidden_size 4096 = n4096; intermediate_size 12288 = k12288";
        assert_eq!(
            explain("k", 22016, 12288, why),
            "`intermediate_size` 12288, not 22016"
        );
        assert_eq!(
            explain("v", 160000, 163840, "vocab_size 163840"),
            "`vocab_size` 163840, not 160000"
        );
        assert_eq!(
            explain(
                "h",
                4,
                8,
                "num_attention_heads 16 / tp 2 = h8; num_key_value_heads 2 / tp 2 = kv1"
            ),
            "`h` 8 (num_attention_heads 16 / tp 2), not 4"
        );
        assert_eq!(explain("ps", 32, 64, "no sizes here"), "`ps` 64, not 32");
    }
}
