//! A serving-size estimate for a model no serving configuration names: its weights against one
//! node of 8 × 80 GB GPUs. Pure.
//!
//! The rule: parameters (counted from the config's shapes: embeddings and LM head, attention,
//! dense and expert FFNs, linear-attention mixers) × bytes per parameter (from the config's
//! quantization: fp8 / int8 → 1, fp4 / int4 → ½, else 2) is the weight size. The tensor-parallel
//! size is the smallest power of two whose GPUs hold the weights within [`USABLE_FRACTION`] of
//! their memory (the rest is KV cache and activations), capped at the node's 8 GPUs; an MoE
//! model gets EP = TP, as SGLang's expert-parallel recipes do. One GPU is TP = 1.
//!
//! Example: DeepSeek-V3 (671 B parameters in fp8 = 671 GB) needs ≥ 8 × 80 GB: TP = 8, EP = 8.

use crate::arch::{Architecture, WeightFormat};

/// Memory of one GPU, in bytes (decimal GB, as GPU memory is sold).
pub const GPU_BYTES: f64 = 80e9;
/// GPUs in one node.
pub const NODE_GPUS: u32 = 8;
/// Share of a GPU's memory the weights may take.
pub const USABLE_FRACTION: f64 = 0.9;

/// The estimate and its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeEstimate {
    pub parameters: f64,
    pub bytes_per_parameter: f64,
    pub tp: u32,
    /// EP = TP for MoE models, else 1.
    pub ep: u32,
    /// `estimated: 671 B parameters in fp8 need ≥ 8 × 80 GB`.
    pub note: String,
}

/// Estimates TP / EP for `arch` (see the module doc).
pub fn estimate(arch: &Architecture) -> SizeEstimate {
    let parameters = parameter_count(arch);
    let (bytes_per_parameter, precision) = match arch.quantization.as_ref().map(|q| q.weights) {
        Some(WeightFormat::Fp8) => (1.0, "fp8"),
        Some(WeightFormat::Int8) => (1.0, "int8"),
        Some(WeightFormat::Fp4) => (0.5, "fp4"),
        Some(WeightFormat::Int4) => (0.5, "int4"),
        Some(WeightFormat::Other) | None => (2.0, "bf16"),
    };
    let weights = parameters * bytes_per_parameter;
    let fits = |gpus: u32| weights <= f64::from(gpus) * GPU_BYTES * USABLE_FRACTION;
    let tp = [1, 2, 4, 8]
        .into_iter()
        .find(|&gpus| fits(gpus))
        .unwrap_or(NODE_GPUS);
    let shown = format_parameters(parameters);
    let gb = (GPU_BYTES / 1e9).round();
    let note = if tp == 1 {
        format!("estimated: {shown} parameters in {precision} fit one {gb} GB GPU")
    } else if fits(tp) {
        format!("estimated: {shown} parameters in {precision} need {tp} × {gb} GB")
    } else {
        format!("estimated: {shown} parameters in {precision} need ≥ {NODE_GPUS} × {gb} GB")
    };
    SizeEstimate {
        parameters,
        bytes_per_parameter,
        tp,
        ep: if arch.moe.is_some() { tp } else { 1 },
        note,
    }
}

/// `671 B`, `8.2 B`, `350 M`.
fn format_parameters(parameters: f64) -> String {
    let billions = parameters / 1e9;
    if billions >= 100.0 {
        format!("{billions:.0} B")
    } else if billions >= 1.0 {
        format!("{:.1} B", billions).replace(".0 B", " B")
    } else {
        format!("{:.0} M", parameters / 1e6)
    }
}

/// Parameters counted from the shapes (biases and norms left out: they are small).
pub fn parameter_count(arch: &Architecture) -> f64 {
    let h = f64::from(arch.hidden_size);
    let mut total = 0.0;
    // Embeddings and LM head (untied: the common case for large models).
    total += 2.0 * f64::from(arch.vocab_size.unwrap_or(0)) * h;
    for a in &arch.attention {
        let (q, kv, d) = (
            f64::from(a.heads),
            f64::from(a.kv_heads),
            f64::from(a.head_dim),
        );
        total += f64::from(a.layers) * (h * (q + 2.0 * kv) * d + q * d * h);
    }
    if let Some(m) = &arch.mla {
        let heads = f64::from(m.heads);
        let qk = f64::from(m.qk_nope_head_dim + m.qk_rope_head_dim);
        let q = match m.q_lora_rank {
            Some(rank) => h * f64::from(rank) + f64::from(rank) * heads * qk,
            None => h * heads * qk,
        };
        let kv_rank = f64::from(m.kv_lora_rank);
        let kv = h * (kv_rank + f64::from(m.qk_rope_head_dim))
            + kv_rank * heads * f64::from(m.qk_nope_head_dim + m.v_head_dim);
        let o = heads * f64::from(m.v_head_dim) * h;
        total += f64::from(arch.layers.attention) * (q + kv + o);
    }
    if let Some(g) = &arch.gdn {
        let keys = f64::from(g.key_heads * g.key_head_dim);
        let values = f64::from(g.value_heads * g.value_head_dim);
        total += f64::from(arch.layers.gdn) * (h * (2.0 * keys + 2.0 * values) + values * h);
    }
    if let Some(m) = &arch.mamba {
        let inner = f64::from(m.heads * m.head_dim);
        let states = f64::from(2 * m.groups * m.state_size);
        total += f64::from(arch.layers.mamba) * (h * (2.0 * inner + states) + inner * h);
    }
    for mlp in &arch.dense_mlp {
        let matrices = if mlp.gated { 3.0 } else { 2.0 };
        total += f64::from(mlp.layers) * matrices * h * f64::from(mlp.intermediate);
    }
    total += f64::from(arch.linear_replacements) * h * h;
    if let Some(moe) = &arch.moe {
        let matrices = if moe.gated { 3.0 } else { 2.0 };
        let experts = f64::from(moe.experts) * matrices * h * f64::from(moe.intermediate);
        let shared = 3.0 * h * f64::from(moe.shared_intermediate);
        let router = h * f64::from(moe.experts);
        total += f64::from(moe.layers) * (experts + shared + router);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_read_well() {
        assert_eq!(format_parameters(671.03e9), "671 B");
        assert_eq!(format_parameters(8.19e9), "8.2 B");
        assert_eq!(format_parameters(32.0e9), "32 B");
        assert_eq!(format_parameters(350e6), "350 M");
    }
}
