//! Dims sanity: does a definition name written by hand follow from the model's `config.json`?
//!
//! Rule: the candidates are every name [`crate::naming::derive`] gives for the config at every
//! attention TP and EP in {1, 2, 4, 8, 16} (plus the sizes the section or the run names), page
//! sizes and routing variants included — the naming's own rules, never a copy of them. A row is
//! - *consistent* when it is one of the candidates;
//! - *contradicts_config* when its family (the name with its sizes blanked, see
//!   [`super::names`]) is one the candidates use but no candidate is it: the nearest candidate of
//!   that family (fewest differing sizes, then closest sizes) is the suggestion, and the config
//!   field behind each differing size, from the candidate's typed size sources
//!   ([`crate::naming::SizeSource`]), is named;
//! - *unchecked* otherwise: a family the naming does not give for this model is never an alarm.
//!
//! Why: Kimi K2's hand-written rows say `top_k_sampling_from_probs_v160000` while its config
//! has `vocab_size` 163840 — a row that can never turn ✅ and hides the real gap.

use std::collections::{HashMap, HashSet};

use super::names::{shape, NameShape};
use crate::arch::Architecture;
use crate::naming::{derive, ExpectedDefinition, Origin, Parallelism};

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
            .map(|((prefix, ours), (_, theirs))| explain(prefix, *ours, *theirs, candidate))
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
fn explain(prefix: &str, ours: u64, theirs: u64, candidate: &ExpectedDefinition) -> String {
    match candidate.source_of(prefix, theirs) {
        Some(Origin::Key(key)) => format!("`{key}` {theirs}, not {ours}"),
        Some(Origin::Derived(text)) => format!("`{prefix}` {theirs} ({text}), not {ours}"),
        None => format!("`{prefix}` {theirs}, not {ours}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> ExpectedDefinition {
        ExpectedDefinition::new("gemm_n4096_k12288".into(), "gemm", String::new())
            .sized("n", 4096u64, Origin::Key("hidden_size"))
            .sized("k", 12288u64, Origin::Key("intermediate_size"))
            .sized(
                "h",
                8u64,
                Origin::Derived("num_attention_heads 16 / tp 2".into()),
            )
    }

    #[test]
    fn the_field_comes_from_the_typed_sources() {
        let d = definition();
        assert_eq!(
            explain("k", 22016, 12288, &d),
            "`intermediate_size` 12288, not 22016"
        );
        assert_eq!(explain("n", 8192, 4096, &d), "`hidden_size` 4096, not 8192");
        assert_eq!(
            explain("h", 4, 8, &d),
            "`h` 8 (num_attention_heads 16 / tp 2), not 4"
        );
        assert_eq!(explain("ps", 32, 64, &d), "`ps` 64, not 32");
        // A size the sources do not record under that value is not attributed to a key.
        assert_eq!(explain("k", 22016, 4096, &d), "`k` 4096, not 22016");
    }
}
