//! GEMM definitions: `gemm_n{N}_k{K}` for every linear layer, at unsharded sizes.
//!
//! Rule: `N` is the layer's full output width and `K` its full input width, whatever the TP.
//! Fused layout (SGLang's usual): `qkv_proj` `n = (heads + 2·kv_heads)·head_dim, k = hidden`;
//! `o_proj` `n = hidden, k = heads·head_dim`; `gate_up_proj` `n = 2·intermediate`; `down_proj`
//! `n = hidden, k = intermediate`; MoE router `n = experts, k = hidden`; shared experts like a
//! dense MLP. Gemma is listed per projection (`q_proj`, `k_proj`/`v_proj`, `gate_proj`/`up_proj`).
//! MLA lists `fused_qkv_a_proj_with_mqa`, `q_b_proj`, `kv_b_proj`, `o_proj`; DSA adds the
//! indexer's `wq_b`, `wk`, `weights_proj`; GDN `in_proj_qkvz`, `in_proj_ba`, `out_proj`; Mamba2
//! `in_proj`, `out_proj`. The LM head is not listed.
//!
//! Why: `gemm_n10240_k8192` is Llama 3.1 70B's fused qkv (64·128 + 2·8·128) although the model
//! was traced at TP=4, so sizes are unsharded; `gemm_n6144_k4096`, `gemm_n4096_k4096`,
//! `gemm_n28672_k4096`, `gemm_n4096_k14336` are Llama 3.1 8B's four; `gemm_n128_k2048` and
//! `gemm_n256_k7168` are the Qwen3 30B A3B and DeepSeek V3 routers; Gemma 3 27B was traced per
//! projection: `gemm_n4096_k5376` (q_proj), `gemm_n2048_k5376` (k_proj/v_proj),
//! `gemm_n21504_k5376` (gate_proj/up_proj). No LM-head GEMM (`gemm_n128256_k4096`) exists
//! although Llama 3.1 8B is fully covered. For MLA the dataset only has the router, so the MLA
//! projection shapes follow SGLang's `deepseek_v2.py` layers.

use super::{Derivation, ExpectedDefinition};
use crate::arch::{Architecture, AttentionShape, ProjectionLayout};

// Sizes are multiplied as u64: `arch` caps every size at 2^24, so no product of three overflows.

pub(crate) fn derive(arch: &Architecture, derivation: &mut Derivation) {
    let mut gemms = Gemms {
        derivation,
        hidden: u64::from(arch.hidden_size),
    };
    for shape in &arch.attention {
        gemms.attention(arch, shape);
    }
    if let Some(mla) = &arch.mla {
        let h = u64::from(arch.hidden_size);
        let heads = u64::from(mla.heads);
        let (nope, rope, v) = (
            u64::from(mla.qk_nope_head_dim),
            u64::from(mla.qk_rope_head_dim),
            u64::from(mla.v_head_dim),
        );
        let kv = u64::from(mla.kv_lora_rank);
        match mla.q_lora_rank.map(u64::from) {
            Some(q) => {
                gemms.push(
                    q + kv + rope,
                    h,
                    format!("fused_qkv_a_proj_with_mqa: q_lora_rank {q} + kv_lora_rank {kv} + qk_rope_head_dim {rope} = n{}; hidden_size {h} = k{h}", q + kv + rope),
                );
                gemms.push(
                    heads * (nope + rope),
                    q,
                    format!("q_b_proj: num_attention_heads {heads} × (qk_nope_head_dim {nope} + qk_rope_head_dim {rope}) = n{}; q_lora_rank {q} = k{q}", heads * (nope + rope)),
                );
            }
            None => {
                gemms.push(
                    heads * (nope + rope),
                    h,
                    format!("q_proj: num_attention_heads {heads} × (qk_nope_head_dim {nope} + qk_rope_head_dim {rope}) = n{}; hidden_size {h} = k{h}", heads * (nope + rope)),
                );
                gemms.push(
                    kv + rope,
                    h,
                    format!("kv_a_proj_with_mqa: kv_lora_rank {kv} + qk_rope_head_dim {rope} = n{}; hidden_size {h} = k{h}", kv + rope),
                );
            }
        }
        gemms.push(
            heads * (nope + v),
            kv,
            format!("kv_b_proj: num_attention_heads {heads} × (qk_nope_head_dim {nope} + v_head_dim {v}) = n{}; kv_lora_rank {kv} = k{kv}", heads * (nope + v)),
        );
        gemms.push(
            h,
            heads * v,
            format!("o_proj: hidden_size {h} = n{h}; num_attention_heads {heads} × v_head_dim {v} = k{}", heads * v),
        );
        if let (Some(dsa), Some(q)) = (&arch.dsa, mla.q_lora_rank.map(u64::from)) {
            let (ih, id) = (u64::from(dsa.heads), u64::from(dsa.head_dim));
            gemms.push(
                ih * id,
                q,
                format!("indexer wq_b: index_n_heads {ih} × index_head_dim {id} = n{}; q_lora_rank {q} = k{q}", ih * id),
            );
            gemms.push(
                id,
                h,
                format!("indexer wk: index_head_dim {id} = n{id}; hidden_size {h} = k{h}"),
            );
            gemms.push(
                ih,
                h,
                format!("indexer weights_proj: index_n_heads {ih} = n{ih}; hidden_size {h} = k{h}"),
            );
        }
    }
    if let (Some(gdn), true) = (&arch.gdn, arch.layers.gdn > 0) {
        let h = u64::from(arch.hidden_size);
        let key_dim = u64::from(gdn.key_heads) * u64::from(gdn.key_head_dim);
        let value_dim = u64::from(gdn.value_heads) * u64::from(gdn.value_head_dim);
        gemms.push(
            2 * key_dim + 2 * value_dim,
            h,
            format!(
                "GDN in_proj_qkvz: 2 × linear_num_key_heads {} × linear_key_head_dim {} + 2 × linear_num_value_heads {} × linear_value_head_dim {} = n{}; hidden_size {h} = k{h}",
                gdn.key_heads, gdn.key_head_dim, gdn.value_heads, gdn.value_head_dim, 2 * key_dim + 2 * value_dim
            ),
        );
        gemms.push(
            2 * u64::from(gdn.value_heads),
            h,
            format!(
                "GDN in_proj_ba: 2 × linear_num_value_heads {} = n{}; hidden_size {h} = k{h}",
                gdn.value_heads,
                2 * gdn.value_heads
            ),
        );
        gemms.push(
            h,
            value_dim,
            format!("GDN out_proj: hidden_size {h} = n{h}; linear_num_value_heads {} × linear_value_head_dim {} = k{value_dim}", gdn.value_heads, gdn.value_head_dim),
        );
    }
    if let Some(m) = &arch.mamba {
        let h = u64::from(arch.hidden_size);
        let (heads, groups, state) = (
            u64::from(m.heads),
            u64::from(m.groups),
            u64::from(m.state_size),
        );
        let inner = heads * u64::from(m.head_dim);
        let n = 2 * inner + 2 * groups * state + heads;
        gemms.push(
            n,
            h,
            format!(
                "Mamba2 in_proj: 2 × (mamba_num_heads {} × mamba_head_dim {}) + 2 × n_groups {} × ssm_state_size {} + mamba_num_heads {} = n{n}; hidden_size {h} = k{h}",
                m.heads, m.head_dim, m.groups, m.state_size, m.heads
            ),
        );
        gemms.push(
            h,
            inner,
            format!("Mamba2 out_proj: hidden_size {h} = n{h}; mamba_num_heads {} × mamba_head_dim {} = k{inner}", m.heads, m.head_dim),
        );
    }
    if arch.linear_replacements > 0 {
        let h = u64::from(arch.hidden_size);
        gemms.push(
            h,
            h,
            format!("block_configs replace_with_linear: a hidden_size {h} × {h} linear in place of attention or FFN"),
        );
    }
    for mlp in &arch.dense_mlp {
        gemms.mlp(
            arch,
            "dense MLP",
            "intermediate_size",
            mlp.intermediate,
            mlp.gated,
        );
    }
    if let Some(moe) = &arch.moe {
        let h = u64::from(arch.hidden_size);
        gemms.push(
            u64::from(moe.experts),
            h,
            format!(
                "MoE router gate: experts {} = n{}; hidden_size {h} = k{h}",
                moe.experts, moe.experts
            ),
        );
        // No shared expert (`shared_intermediate` 0) gives zero-sized GEMMs, which `push` drops.
        gemms.mlp(
            arch,
            "shared expert",
            "shared expert intermediate",
            moe.shared_intermediate,
            moe.gated,
        );
        if moe.shared_expert_gate {
            gemms.push(
                1,
                h,
                format!("shared_expert_gate: n1; hidden_size {h} = k{h}"),
            );
        }
    }
}

struct Gemms<'a> {
    derivation: &'a mut Derivation,
    hidden: u64,
}

impl Gemms<'_> {
    /// Adds `gemm_n{n}_k{k}`; when two layers share the shape (Qwen3 Next's attention `o_proj`
    /// and GDN `out_proj` are both 2048×4096) one definition serves both and says so.
    fn push(&mut self, n: u64, k: u64, why: String) {
        if n == 0 || k == 0 {
            return;
        }
        let name = format!("gemm_n{n}_k{k}");
        match self
            .derivation
            .definitions
            .iter_mut()
            .find(|d| d.name == name)
        {
            Some(existing) => existing.why = format!("{}; also {why}", existing.why),
            None => self
                .derivation
                .define(ExpectedDefinition::new(name, "gemm", why)),
        }
    }

    fn attention(&mut self, arch: &Architecture, shape: &AttentionShape) {
        let h = self.hidden;
        let (heads, kv, d) = (
            u64::from(shape.heads),
            u64::from(shape.kv_heads),
            u64::from(shape.head_dim),
        );
        let gate: u64 = if arch.attention_output_gate { 2 } else { 1 };
        let gate_text = if gate == 2 { " × 2 (output gate)" } else { "" };
        match arch.projections {
            ProjectionLayout::Fused => {
                let n = (heads * gate + 2 * kv) * d;
                self.push(
                    n,
                    h,
                    format!("qkv_proj: (num_attention_heads {heads}{gate_text} + 2 × num_key_value_heads {kv}) × head_dim {d} = n{n}; hidden_size {h} = k{h}"),
                );
            }
            ProjectionLayout::Separate => {
                let q = heads * gate * d;
                self.push(
                    q,
                    h,
                    format!("q_proj: num_attention_heads {heads}{gate_text} × head_dim {d} = n{q}; hidden_size {h} = k{h}"),
                );
                self.push(
                    kv * d,
                    h,
                    format!("k_proj / v_proj: num_key_value_heads {kv} × head_dim {d} = n{}; hidden_size {h} = k{h}", kv * d),
                );
            }
        }
        self.push(
            h,
            heads * d,
            format!(
                "o_proj: hidden_size {h} = n{h}; num_attention_heads {heads} × head_dim {d} = k{}",
                heads * d
            ),
        );
    }

    fn mlp(&mut self, arch: &Architecture, what: &str, key: &str, intermediate: u32, gated: bool) {
        let h = self.hidden;
        let i = u64::from(intermediate);
        match (gated, arch.projections) {
            (true, ProjectionLayout::Fused) => self.push(
                2 * i,
                h,
                format!(
                    "{what} gate_up_proj: 2 × {key} {i} = n{}; hidden_size {h} = k{h}",
                    2 * i
                ),
            ),
            (true, ProjectionLayout::Separate) => self.push(
                i,
                h,
                format!("{what} gate_proj / up_proj: {key} {i} = n{i}; hidden_size {h} = k{h}"),
            ),
            (false, _) => self.push(
                i,
                h,
                format!("{what} up_proj (no gate): {key} {i} = n{i}; hidden_size {h} = k{h}"),
            ),
        }
        self.push(
            h,
            i,
            format!("{what} down_proj: hidden_size {h} = n{h}; {key} {i} = k{i}"),
        );
    }
}
