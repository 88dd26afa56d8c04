//! RoPE definitions: `rope_with_cos_sin_cache_{neox,gptj}_style_d{head_dim}_rd{rotary_dim}`.
//!
//! Rule: models whose attention uses rotary embeddings call FlashInfer's
//! `apply_rope_with_cos_sin_cache_inplace` once per layer over `rotary_dim` of `head_dim`.
//! `rotary_dim` is the config's `rotary_dim`, else `head_dim × partial_rotary_factor`, else
//! `head_dim`. Style is NeoX (SGLang's default, also for Llama 4) except MLA, which ropes only
//! `qk_rope_head_dim` with interleaved GPT-J style (`is_neox_style=False` in `deepseek_v2.py`).
//! Multimodal RoPE (`mrope_section`) is another kernel: reported unmapped.
//!
//! Why: `rope_with_cos_sin_cache_neox_style_d128_rd64` (MiniMax M2: head_dim 128, rotary_dim
//! 64). The GPT-J spelling follows the skill spec's template; the dataset has no GPT-J example yet.

use super::{Derivation, ExpectedDefinition, Origin};
use crate::arch::{Architecture, Rope};

pub(crate) fn derive(arch: &Architecture, derivation: &mut Derivation) {
    match &arch.rope {
        Rope::Absent { .. } => {}
        Rope::Cached {
            head_dim,
            rotary_dim,
            style,
        } => {
            let dim_key = if arch.mla.is_some() {
                "qk_rope_head_dim"
            } else {
                "head_dim"
            };
            let (source, rotary) = if arch.mla.is_some() {
                (
                    format!("MLA qk_rope_head_dim {head_dim}, all of it rotated, interleaved"),
                    Origin::Key(dim_key),
                )
            } else if rotary_dim == head_dim {
                (
                    format!("head_dim {head_dim}, fully rotated"),
                    Origin::Key(dim_key),
                )
            } else {
                let partial = format!("head_dim {head_dim}, partial rotary_dim {rotary_dim}");
                (partial.clone(), Origin::Derived(partial))
            };
            derivation.define(
                ExpectedDefinition::new(
                    format!("rope_with_cos_sin_cache_{style}_style_d{head_dim}_rd{rotary_dim}"),
                    "rope",
                    format!("{source}; {style} style"),
                )
                .sized("d", *head_dim, Origin::Key(dim_key))
                .sized("rd", *rotary_dim, rotary),
            );
        }
        Rope::Multimodal {
            head_dim,
            rotary_dim,
            sections,
        } => derivation.unmapped(
            "Multimodal RoPE (M-RoPE)".to_string(),
            "rope",
            format!(
                "`mrope_section` {sections:?} over rotary_dim {rotary_dim} of head_dim {head_dim}: SGLang uses its own M-RoPE kernel, not the cos/sin-cache RoPE definition"
            ),
        ),
    }
}
