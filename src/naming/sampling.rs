//! Sampling definitions: `top_k_sampling_from_probs_v{vocab}`,
//! `top_k_top_p_sampling_from_probs_v{vocab}`, `top_p_sampling_from_probs_v{vocab}`.
//!
//! Rule: one of each per model, sized by the full (unsharded) `vocab_size`; logits are gathered
//! before sampling, so TP does not change the name.
//!
//! Why: `top_k_sampling_from_probs_v128256` (Llama 3.1 8B, and 70B served at TP=4 uses the same);
//! `top_p_sampling_from_probs_v262208` (Gemma 3 27B, whose text config leaves `vocab_size` to
//! its default).

use super::{Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

const SAMPLERS: [&str; 3] = [
    "top_k_sampling_from_probs",
    "top_k_top_p_sampling_from_probs",
    "top_p_sampling_from_probs",
];

pub(crate) fn derive(arch: &Architecture, derivation: &mut Derivation) {
    let Some(vocab) = arch.vocab_size else {
        return;
    };
    for sampler in SAMPLERS {
        derivation.define(
            ExpectedDefinition::new(
                format!("{sampler}_v{vocab}"),
                "sampling",
                format!("vocab_size {vocab}"),
            )
            .sized("v", vocab, Origin::Key("vocab_size")),
        );
    }
}
