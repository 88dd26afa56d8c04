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

use crate::arch::{Architecture, MlaShape, WeightFormat};

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

/// Parameters counted from the shapes (biases and norms left out: they are small). Every factor
/// is turned into `f64` before it is multiplied: a product of three sizes at `arch`'s cap of
/// 2^24 passes even `u64`, and a `u32` product would wrap (or panic in a debug build).
pub fn parameter_count(arch: &Architecture) -> f64 {
    let f = f64::from;
    let h = f(arch.hidden_size);
    let mut total = 0.0;
    // Embeddings and LM head (untied: the common case for large models).
    total += 2.0 * f(arch.vocab_size.unwrap_or(0)) * h;
    for a in &arch.attention {
        let (q, kv, d) = (f(a.heads), f(a.kv_heads), f(a.head_dim));
        total += f(a.layers) * (h * (q + 2.0 * kv) * d + q * d * h);
    }
    if let Some(m) = &arch.mla {
        total += f(arch.layers.attention) * mla_per_layer(h, m);
    }
    if let Some(g) = &arch.gdn {
        let keys = f(g.key_heads) * f(g.key_head_dim);
        let values = f(g.value_heads) * f(g.value_head_dim);
        total += f(arch.layers.gdn) * (h * (2.0 * keys + 2.0 * values) + values * h);
    }
    if let Some(m) = &arch.mamba {
        let inner = f(m.heads) * f(m.head_dim);
        let states = 2.0 * f(m.groups) * f(m.state_size);
        total += f(arch.layers.mamba) * (h * (2.0 * inner + states) + inner * h);
    }
    for mlp in &arch.dense_mlp {
        let matrices = if mlp.gated { 3.0 } else { 2.0 };
        total += f(mlp.layers) * matrices * h * f(mlp.intermediate);
    }
    total += f(arch.linear_replacements) * h * h;
    if let Some(moe) = &arch.moe {
        let matrices = if moe.gated { 3.0 } else { 2.0 };
        let experts = f(moe.experts) * matrices * h * f(moe.intermediate);
        let shared = 3.0 * h * f(moe.shared_intermediate);
        let router = h * f(moe.experts);
        total += f(moe.layers) * (experts + shared + router);
    }
    total
}

/// One MLA layer's weights: the (LoRA) query, the compressed KV and its up-projection, the output.
fn mla_per_layer(h: f64, m: &MlaShape) -> f64 {
    let f = f64::from;
    let heads = f(m.heads);
    let qk = f(m.qk_nope_head_dim) + f(m.qk_rope_head_dim);
    let q = match m.q_lora_rank.map(f) {
        Some(rank) => h * rank + rank * heads * qk,
        None => h * heads * qk,
    };
    let kv_rank = f(m.kv_lora_rank);
    let kv = h * (kv_rank + f(m.qk_rope_head_dim))
        + kv_rank * heads * (f(m.qk_nope_head_dim) + f(m.v_head_dim));
    let o = heads * f(m.v_head_dim) * h;
    q + kv + o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_at_the_size_cap_are_counted_without_wrapping() {
        // Every key at 2^24 (the largest `arch` accepts): u32 products would wrap (a debug
        // build panics) and three-size products pass u64; the count is the f64 sum.
        let max = 16_777_216u64;
        let text = format!(
            r#"{{"hidden_size": {max}, "num_attention_heads": {max}, "num_key_value_heads": {max},
                "head_dim": {max}, "intermediate_size": {max}, "num_hidden_layers": 2,
                "layer_types": ["linear_attention", "mamba"], "vocab_size": 1,
                "linear_num_key_heads": {max}, "linear_num_value_heads": {max},
                "linear_key_head_dim": {max}, "mamba_num_heads": {max}, "mamba_head_dim": {max},
                "ssm_state_size": {max}, "n_groups": {max}}}"#
        );
        let arch = crate::arch::parse_config(&text).unwrap();
        let m = max as f64;
        let gdn = m * (2.0 * m * m + 2.0 * m * m) + m * m * m;
        let mamba = m * (2.0 * m * m + 2.0 * m * m) + m * m * m;
        let mlp = 2.0 * 3.0 * m * m;
        assert_eq!(parameter_count(&arch), 2.0 * m + gdn + mamba + mlp);
        assert_eq!(estimate(&arch).tp, 8);
    }

    #[test]
    fn parameter_counts_read_well() {
        assert_eq!(format_parameters(671.03e9), "671 B");
        assert_eq!(format_parameters(8.19e9), "8.2 B");
        assert_eq!(format_parameters(32.0e9), "32 B");
        assert_eq!(format_parameters(350e6), "350 M");
    }
}
