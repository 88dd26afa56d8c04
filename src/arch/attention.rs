//! Softmax attention with per-head KV (GQA, MHA, MQA): head counts and `head_dim` with their
//! defaults and consistency checks, the distinct attention shapes over the layers, QK-norm,
//! the Qwen3-Next output gate, fused or separate projections and the sliding window.

use super::layers::Mixer;
use super::validation::{rejected, ConfigError};
use super::{ArchitectureReader, AttentionShape, ProjectionLayout, QkNorm};
use serde_json::Value;

impl ArchitectureReader<'_> {
    pub(super) fn kv_heads(&mut self, heads: Option<u32>) -> Result<Option<u32>, ConfigError> {
        let kv = self.keys.first_uint(&[
            "num_key_value_heads",
            "num_kv_heads",
            "n_kv_heads",
            "multi_query_group_num",
        ])?;
        if let (Some((key, kv)), Some(heads)) = (kv, heads) {
            if kv > heads {
                return Err(rejected(
                    key,
                    format!("is {kv}, more than `num_attention_heads` {heads}"),
                ));
            }
            if kv > 0 && heads % kv != 0 {
                return Err(rejected(
                    key,
                    format!("is {kv}, which does not divide `num_attention_heads` {heads}"),
                ));
            }
        }
        Ok(match (kv, heads) {
            (Some((_, kv)), _) if kv > 0 => Some(kv),
            (_, Some(h)) => {
                if self.keys.boolean("multi_query") == Some(true) {
                    Some(1)
                } else {
                    let per_layer = self.keys.value("block_configs").is_some();
                    if self.keys.value("kv_lora_rank").is_none() && !per_layer {
                        self.defaults.push(format!(
                            "`num_key_value_heads` missing: defaults to `num_attention_heads` {h} (MHA)"
                        ));
                    }
                    Some(h)
                }
            }
            _ => None,
        })
    }

    pub(super) fn head_dim(&mut self, heads: Option<u32>) -> Result<Option<u32>, ConfigError> {
        if let Some((_, d)) =
            self.keys
                .first_uint(&["head_dim", "attention_head_dim", "kv_channels"])?
        {
            if d > self.hidden_size {
                return Err(rejected(
                    "hidden_size",
                    format!("is {}, smaller than the head dim {d}", self.hidden_size),
                ));
            }
            if d > 0 {
                return Ok(Some(d));
            }
        }
        let Some(heads) = heads else {
            return Ok(None);
        };
        let d = self.hidden_size / heads;
        if self.keys.value("kv_lora_rank").is_none() {
            if self.hidden_size % heads != 0 {
                return Err(rejected(
                    "hidden_size",
                    format!(
                        "is {}, not a multiple of `num_attention_heads` {heads}, and no `head_dim` is given",
                        self.hidden_size
                    ),
                ));
            }
            self.defaults.push(format!(
                "`head_dim` missing: hidden_size {} / num_attention_heads {heads} = {d}",
                self.hidden_size
            ));
        }
        Ok(Some(d))
    }

    /// Distinct per-head-KV attention shapes over the layers, in layer order; none (and a note
    /// in the defaults) when `num_attention_heads` is missing.
    pub(super) fn attention_shapes(
        &mut self,
        mixers: &[Mixer],
        heads: Option<u32>,
        head_dim: Option<u32>,
        kv_heads: Option<u32>,
    ) -> Vec<AttentionShape> {
        let mut attention: Vec<AttentionShape> = Vec::new();
        match (heads, head_dim) {
            (Some(heads), Some(head_dim)) => {
                for mixer in mixers {
                    if let Mixer::Attention { kv_heads: kv, .. } = mixer {
                        let kv = kv.or(kv_heads).unwrap_or(heads);
                        match attention.iter_mut().find(|a| a.kv_heads == kv) {
                            Some(a) => a.layers += 1,
                            None => attention.push(AttentionShape {
                                heads,
                                kv_heads: kv,
                                head_dim,
                                layers: 1,
                            }),
                        }
                    }
                }
            }
            _ => self.defaults.push(
                "attention layers present but `num_attention_heads` is missing: attention definitions not derived"
                    .to_string(),
            ),
        }
        attention
    }

    pub(super) fn qk_norm(&self, has_gqa: bool) -> QkNorm {
        if !has_gqa {
            return QkNorm::None;
        }
        let k = self.keys;
        if k.string("qk_norm_type") == Some("per_layer") {
            return QkNorm::AcrossHeads;
        }
        let flagged =
            k.boolean("use_qk_norm") == Some(true) || k.boolean("qk_layernorm") == Some(true);
        let family = ["qwen3", "gemma3", "gemma4"]
            .iter()
            .any(|p| self.model_type.starts_with(p));
        if flagged || family {
            QkNorm::PerHead
        } else {
            QkNorm::None
        }
    }

    pub(super) fn attention_output_gate(&self) -> bool {
        match self.keys.boolean("attn_output_gate") {
            Some(gate) => gate,
            // Qwen3-Next and Qwen3.5 gate attention output by default (`q_proj` is 2× wide).
            None => {
                self.model_type.starts_with("qwen3_next") || self.model_type.starts_with("qwen3_5")
            }
        }
    }

    pub(super) fn projections(&self) -> ProjectionLayout {
        // Proven by the dataset: Gemma 3 27B was traced per projection
        // (gemm_n4096_k5376 = q_proj, gemm_n2048_k5376 = k_proj/v_proj,
        // gemm_n21504_k5376 = gate_proj/up_proj), not as fused qkv / gate_up.
        if self.model_type.starts_with("gemma") {
            ProjectionLayout::Separate
        } else {
            ProjectionLayout::Fused
        }
    }

    pub(super) fn sliding_window(&self) -> Option<u32> {
        // Read leniently: some configs park a huge sentinel here.
        self.keys
            .value("sliding_window")
            .and_then(Value::as_u64)
            .and_then(|w| u32::try_from(w).ok())
            .filter(|w| *w > 0)
    }
}
