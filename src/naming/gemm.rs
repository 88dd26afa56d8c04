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

use super::{Derivation, ExpectedDefinition, Origin};
use crate::arch::{
    Architecture, AttentionShape, Mamba2Shape, MlaShape, MoeShape, ProjectionLayout,
};

// Sizes are u64: `arch` caps every size at 2^24, so a product of two sizes and a small factor
// stays far below u64::MAX.

pub(crate) fn derive(arch: &Architecture, derivation: &mut Derivation) {
    let mut gemms = Gemms {
        derivation,
        hidden: u64::from(arch.hidden_size),
    };
    for shape in &arch.attention {
        gemms.attention(arch, shape);
    }
    if let Some(mla) = &arch.mla {
        gemms.mla(mla);
        if let (Some(dsa), Some(q)) = (&arch.dsa, mla.q_lora_rank) {
            gemms.dsa_indexer(u64::from(dsa.heads), u64::from(dsa.head_dim), u64::from(q));
        }
    }
    if let (Some(gdn), true) = (&arch.gdn, arch.layers.gdn > 0) {
        gemms.gdn(gdn);
    }
    if let Some(m) = &arch.mamba {
        gemms.mamba(m);
    }
    if arch.linear_replacements > 0 {
        gemms.linear_replacement();
    }
    for mlp in &arch.dense_mlp {
        let i = u64::from(mlp.intermediate);
        gemms.mlp(
            arch,
            "dense MLP",
            Side::key(i, "intermediate_size"),
            mlp.gated,
        );
    }
    if let Some(moe) = &arch.moe {
        gemms.moe(arch, moe);
    }
}

/// One side of a GEMM: its size and where it comes from (none for a constant such as the
/// shared-expert gate's single output).
struct Side {
    value: u64,
    origin: Option<Origin>,
}

impl Side {
    fn key(value: u64, key: &'static str) -> Self {
        Side {
            value,
            origin: Some(Origin::Key(key)),
        }
    }

    fn derived(value: u64, text: String) -> Self {
        Side {
            value,
            origin: Some(Origin::Derived(text)),
        }
    }

    fn constant(value: u64) -> Self {
        Side {
            value,
            origin: None,
        }
    }

    /// `hidden_size 4096 = n4096`, `2 × intermediate_size 12288 = n24576`, `n1`.
    fn describe(&self, prefix: &str) -> String {
        let value = self.value;
        match &self.origin {
            Some(Origin::Key(key)) => format!("{key} {value} = {prefix}{value}"),
            Some(Origin::Derived(text)) => format!("{text} = {prefix}{value}"),
            None => format!("{prefix}{value}"),
        }
    }
}

struct Gemms<'a> {
    derivation: &'a mut Derivation,
    hidden: u64,
}

impl Gemms<'_> {
    fn hidden_side(&self) -> Side {
        Side::key(self.hidden, "hidden_size")
    }

    /// `{layer}: {n's origin} = n{n}; {k's origin} = k{k}`.
    fn layer(&mut self, layer: &str, n: Side, k: Side) {
        let why = format!("{layer}: {}; {}", n.describe("n"), k.describe("k"));
        self.push(n, k, why);
    }

    /// Adds `gemm_n{n}_k{k}`; when two layers share the shape (Qwen3 Next's attention `o_proj`
    /// and GDN `out_proj` are both 2048×4096) one definition serves both and says so.
    fn push(&mut self, n: Side, k: Side, why: String) {
        if n.value == 0 || k.value == 0 {
            return;
        }
        let name = format!("gemm_n{}_k{}", n.value, k.value);
        match self
            .derivation
            .definitions
            .iter_mut()
            .find(|d| d.name == name)
        {
            Some(existing) => existing.why = format!("{}; also {why}", existing.why),
            None => {
                let mut definition = ExpectedDefinition::new(name, "gemm", why);
                for (prefix, side) in [("n", n), ("k", k)] {
                    if let Some(origin) = side.origin {
                        definition = definition.sized(prefix, side.value, origin);
                    }
                }
                self.derivation.define(definition);
            }
        }
    }

    fn attention(&mut self, arch: &Architecture, shape: &AttentionShape) {
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
                let text = format!("(num_attention_heads {heads}{gate_text} + 2 × num_key_value_heads {kv}) × head_dim {d}");
                self.layer("qkv_proj", Side::derived(n, text), self.hidden_side());
            }
            ProjectionLayout::Separate => {
                let text = format!("num_attention_heads {heads}{gate_text} × head_dim {d}");
                self.layer(
                    "q_proj",
                    Side::derived(heads * gate * d, text),
                    self.hidden_side(),
                );
                let text = format!("num_key_value_heads {kv} × head_dim {d}");
                self.layer(
                    "k_proj / v_proj",
                    Side::derived(kv * d, text),
                    self.hidden_side(),
                );
            }
        }
        let text = format!("num_attention_heads {heads} × head_dim {d}");
        self.layer("o_proj", self.hidden_side(), Side::derived(heads * d, text));
    }

    /// SGLang's `deepseek_v2.py` projections.
    fn mla(&mut self, mla: &MlaShape) {
        let heads = u64::from(mla.heads);
        let (nope, rope, v) = (
            u64::from(mla.qk_nope_head_dim),
            u64::from(mla.qk_rope_head_dim),
            u64::from(mla.v_head_dim),
        );
        let kv = u64::from(mla.kv_lora_rank);
        let q_text = format!(
            "num_attention_heads {heads} × (qk_nope_head_dim {nope} + qk_rope_head_dim {rope})"
        );
        let q_width = Side::derived(heads * (nope + rope), q_text);
        match mla.q_lora_rank.map(u64::from) {
            Some(q) => {
                let text = format!("q_lora_rank {q} + kv_lora_rank {kv} + qk_rope_head_dim {rope}");
                let n = Side::derived(q + kv + rope, text);
                self.layer("fused_qkv_a_proj_with_mqa", n, self.hidden_side());
                self.layer("q_b_proj", q_width, Side::key(q, "q_lora_rank"));
            }
            None => {
                self.layer("q_proj", q_width, self.hidden_side());
                let text = format!("kv_lora_rank {kv} + qk_rope_head_dim {rope}");
                let n = Side::derived(kv + rope, text);
                self.layer("kv_a_proj_with_mqa", n, self.hidden_side());
            }
        }
        let text =
            format!("num_attention_heads {heads} × (qk_nope_head_dim {nope} + v_head_dim {v})");
        let n = Side::derived(heads * (nope + v), text);
        self.layer("kv_b_proj", n, Side::key(kv, "kv_lora_rank"));
        let text = format!("num_attention_heads {heads} × v_head_dim {v}");
        self.layer("o_proj", self.hidden_side(), Side::derived(heads * v, text));
    }

    /// DeepSeek V3.2's lightning indexer (`ih` heads of `id`, reading the `q` LoRA rank).
    fn dsa_indexer(&mut self, ih: u64, id: u64, q: u64) {
        let text = format!("index_n_heads {ih} × index_head_dim {id}");
        let n = Side::derived(ih * id, text);
        self.layer("indexer wq_b", n, Side::key(q, "q_lora_rank"));
        let n = Side::key(id, "index_head_dim");
        self.layer("indexer wk", n, self.hidden_side());
        let n = Side::key(ih, "index_n_heads");
        self.layer("indexer weights_proj", n, self.hidden_side());
    }

    fn gdn(&mut self, gdn: &crate::arch::GdnShape) {
        let (kh, kd) = (u64::from(gdn.key_heads), u64::from(gdn.key_head_dim));
        let (vh, vd) = (u64::from(gdn.value_heads), u64::from(gdn.value_head_dim));
        let text = format!("2 × linear_num_key_heads {kh} × linear_key_head_dim {kd} + 2 × linear_num_value_heads {vh} × linear_value_head_dim {vd}");
        let n = Side::derived(2 * kh * kd + 2 * vh * vd, text);
        self.layer("GDN in_proj_qkvz", n, self.hidden_side());
        let n = Side::derived(2 * vh, format!("2 × linear_num_value_heads {vh}"));
        self.layer("GDN in_proj_ba", n, self.hidden_side());
        let text = format!("linear_num_value_heads {vh} × linear_value_head_dim {vd}");
        self.layer(
            "GDN out_proj",
            self.hidden_side(),
            Side::derived(vh * vd, text),
        );
    }

    fn mamba(&mut self, m: &Mamba2Shape) {
        let (heads, head_dim) = (u64::from(m.heads), u64::from(m.head_dim));
        let (groups, state) = (u64::from(m.groups), u64::from(m.state_size));
        let inner = heads * head_dim;
        let text = format!(
            "2 × (mamba_num_heads {heads} × mamba_head_dim {head_dim}) + 2 × n_groups {groups} × ssm_state_size {state} + mamba_num_heads {heads}"
        );
        let n = Side::derived(2 * inner + 2 * groups * state + heads, text);
        self.layer("Mamba2 in_proj", n, self.hidden_side());
        let text = format!("mamba_num_heads {heads} × mamba_head_dim {head_dim}");
        self.layer(
            "Mamba2 out_proj",
            self.hidden_side(),
            Side::derived(inner, text),
        );
    }

    /// Nemotron's `block_configs` `replace_with_linear`: one square linear.
    fn linear_replacement(&mut self) {
        let h = self.hidden;
        let why = format!(
            "block_configs replace_with_linear: a hidden_size {h} × {h} linear in place of attention or FFN"
        );
        self.push(self.hidden_side(), self.hidden_side(), why);
    }

    fn moe(&mut self, arch: &Architecture, moe: &MoeShape) {
        let experts = u64::from(moe.experts);
        let n = Side::derived(experts, format!("experts {experts}"));
        self.layer("MoE router gate", n, self.hidden_side());
        // No shared expert (`shared_intermediate` 0) gives zero-sized GEMMs, which `push` drops.
        let shared = u64::from(moe.shared_intermediate);
        let size = Side::derived(shared, format!("shared expert intermediate {shared}"));
        self.mlp(arch, "shared expert", size, moe.gated);
        if moe.shared_expert_gate {
            self.layer("shared_expert_gate", Side::constant(1), self.hidden_side());
        }
    }

    fn mlp(&mut self, arch: &Architecture, what: &str, size: Side, gated: bool) {
        let i = size.value;
        let size_text = match &size.origin {
            Some(Origin::Key(key)) => format!("{key} {i}"),
            Some(Origin::Derived(text)) => text.clone(),
            None => i.to_string(),
        };
        match (gated, arch.projections) {
            (true, ProjectionLayout::Fused) => {
                let n = Side::derived(2 * i, format!("2 × {size_text}"));
                self.layer(&format!("{what} gate_up_proj"), n, self.hidden_side());
            }
            (true, ProjectionLayout::Separate) => {
                let n = Side {
                    value: i,
                    origin: size.origin.clone(),
                };
                self.layer(
                    &format!("{what} gate_proj / up_proj"),
                    n,
                    self.hidden_side(),
                );
            }
            (false, _) => {
                let n = Side {
                    value: i,
                    origin: size.origin.clone(),
                };
                self.layer(&format!("{what} up_proj (no gate)"), n, self.hidden_side());
            }
        }
        self.layer(&format!("{what} down_proj"), self.hidden_side(), size);
    }
}
