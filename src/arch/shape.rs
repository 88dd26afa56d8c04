//! The shape types: what [`super::parse_config`] returns. [`Architecture`] and its parts (attention,
//! MLA, DSA, GDN, Mamba2, MLP, MoE, RoPE, quantization, new modules) plus the fingerprint that
//! says whether two models run the same kernels. Plain data; no reading here.

use std::fmt;

/// The kernel-relevant shape of a model, parsed from its `config.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// The config's `architectures` (model class names), top level.
    pub architectures: Vec<String>,
    /// `model_type` of the language model (the `text_config` one when nested).
    pub model_type: String,
    /// `model_type` of the multimodal wrapper when the language model is nested.
    pub wrapper_model_type: Option<String>,
    /// Decoder layers (for `hybrid_override_pattern` models: blocks).
    pub num_layers: u32,
    pub hidden_size: u32,
    /// `None` when the config has no `vocab_size` and no `model_type` default is known.
    pub vocab_size: Option<u32>,
    /// What the layers are made of.
    pub layers: LayerMix,
    /// Distinct softmax-attention shapes with per-head KV (GQA, MHA, MQA), in layer order.
    /// Several when layers differ (Llama-Nemotron `block_configs`). Empty for MLA/DSA.
    pub attention: Vec<AttentionShape>,
    /// Qwen3-Next style gated attention: `q_proj` also produces an output gate.
    pub attention_output_gate: bool,
    pub projections: ProjectionLayout,
    pub qk_norm: QkNorm,
    pub sliding_window: Option<u32>,
    pub mla: Option<MlaShape>,
    pub dsa: Option<DsaIndexer>,
    pub gdn: Option<GdnShape>,
    pub mamba: Option<Mamba2Shape>,
    /// Distinct dense feed-forward shapes, in layer order.
    pub dense_mlp: Vec<MlpShape>,
    /// Blocks replaced by a single `hidden × hidden` linear layer (Llama-Nemotron).
    pub linear_replacements: u32,
    pub moe: Option<MoeShape>,
    pub rope: Rope,
    pub quantization: Option<Quantization>,
    /// Modules with no definition family.
    pub new_modules: Vec<NewModule>,
    /// Keys that were missing and got a default, as human sentences.
    pub defaults: Vec<String>,
}

/// Counts of layer kinds, for the architecture line and the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerMix {
    /// Softmax-attention layers (GQA/MLA/DSA), sliding-window ones included.
    pub attention: u32,
    /// Of `attention`, the sliding-window or chunked ones.
    pub sliding: u32,
    /// Gated DeltaNet (linear attention) layers.
    pub gdn: u32,
    pub mamba: u32,
    /// MiniMax lightning (linear) attention layers.
    pub lightning: u32,
    /// Layers of a kind we do not know, by the config's own name.
    pub other: Vec<(String, u32)>,
    pub dense_ffn: u32,
    pub moe_ffn: u32,
    /// Layers are separate mixer / FFN blocks (`hybrid_override_pattern`).
    pub blocks: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionShape {
    pub heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    pub layers: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlaShape {
    pub heads: u32,
    pub q_lora_rank: Option<u32>,
    pub kv_lora_rank: u32,
    pub qk_nope_head_dim: u32,
    pub qk_rope_head_dim: u32,
    pub v_head_dim: u32,
}

/// DeepSeek V3.2 sparse attention indexer (`index_n_heads`, `index_head_dim`, `index_topk`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsaIndexer {
    pub heads: u32,
    pub head_dim: u32,
    pub topk: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GdnShape {
    pub key_heads: u32,
    pub value_heads: u32,
    pub key_head_dim: u32,
    pub value_head_dim: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mamba2Shape {
    pub heads: u32,
    pub head_dim: u32,
    pub state_size: u32,
    pub groups: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlpShape {
    pub intermediate: u32,
    /// SwiGLU-style gate + up (`gate_up_proj` of `2 × intermediate`); false for relu2/gelu MLPs.
    pub gated: bool,
    pub layers: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoeShape {
    pub experts: u32,
    pub top_k: u32,
    /// Per-expert intermediate size, unsharded.
    pub intermediate: u32,
    pub routing: Routing,
    /// Total shared-expert intermediate size (0 when there is none).
    pub shared_intermediate: u32,
    /// Qwen-style sigmoid gate on the shared expert (`shared_expert_gate`, `hidden → 1`).
    pub shared_expert_gate: bool,
    /// Experts are SwiGLU (gate + up); false for relu2 experts (Nemotron 3).
    pub gated: bool,
    pub layers: u32,
}

/// How tokens pick experts; decides the MoE definition family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// DeepSeek-V3 routing: sigmoid scores + correction bias, grouped top-k.
    Grouped { n_group: u32, topk_group: u32 },
    /// Top-k then softmax (Qwen `norm_topk_prob`, Mixtral, gpt-oss).
    Renormalize,
    /// Llama 4: sigmoid of the top-k logits, no renormalization.
    Llama4,
    /// Softmax then top-k without renormalization (`norm_topk_prob: false`).
    SoftmaxNoRenorm,
    /// Sigmoid scores without a correction bias.
    SigmoidWithoutBias,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectionLayout {
    /// `qkv_proj` and `gate_up_proj` are single fused GEMMs (SGLang's usual layout).
    Fused,
    /// Separate `q_proj`/`k_proj`/`v_proj` and `gate_proj`/`up_proj` (how Gemma 3 was traced).
    Separate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QkNorm {
    None,
    /// RMSNorm over each head (`rmsnorm_h{head_dim}`).
    PerHead,
    /// RMSNorm over all heads of the layer (MiniMax `qk_norm_type: per_layer`).
    AcrossHeads,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rope {
    /// No rotary embedding at all (Nemotron-H, Jamba, pure Mamba).
    Absent { reason: String },
    /// `apply_rope_with_cos_sin_cache_inplace` over `rotary_dim` of `head_dim`.
    Cached {
        head_dim: u32,
        rotary_dim: u32,
        style: RopeStyle,
    },
    /// Multimodal RoPE (`mrope_section`): a different kernel.
    Multimodal {
        head_dim: u32,
        rotary_dim: u32,
        sections: Vec<u32>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    Neox,
    Gptj,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantization {
    /// `quantization_config.quant_method`, as written.
    pub method: String,
    pub weights: WeightFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    Fp8,
    Fp4,
    Int8,
    Int4,
    Other,
}

/// A module with no definition family; becomes a `—` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewModule {
    pub label: String,
    pub op_type: String,
    pub why: String,
}

impl Architecture {
    /// A short, stable digest of [`Architecture::fingerprint`] (FNV-1a 64, hex) for the
    /// generated-section marker and discovery's "same kernels as" check.
    pub fn fingerprint_digest(&self) -> String {
        use std::hash::Hasher;
        let mut hasher = crate::dataset::Fnv1a::default();
        hasher.write(self.fingerprint().as_bytes());
        format!("{:016x}", hasher.finish())
    }

    /// A stable string of every shape that decides kernel names, notes and unmapped rows.
    ///
    /// Names (`architectures`, `model_type`), layer counts and quantization are left out, so a
    /// fine-tune or a renamed or re-quantized re-upload gets the same fingerprint.
    pub fn fingerprint(&self) -> String {
        let mut parts = vec![format!("h{}", self.hidden_size)];
        parts.push(match self.vocab_size {
            Some(v) => format!("v{v}"),
            None => "v?".to_string(),
        });
        for a in &self.attention {
            parts.push(format!("gqa q{} kv{} d{}", a.heads, a.kv_heads, a.head_dim));
        }
        if self.attention_output_gate {
            parts.push("attn-gate".to_string());
        }
        parts.push(format!("proj {:?}", self.projections));
        parts.push(format!("qknorm {:?}", self.qk_norm));
        if let Some(m) = &self.mla {
            parts.push(format!(
                "mla q{} ql{:?} ckv{} nope{} rope{} v{}",
                m.heads,
                m.q_lora_rank,
                m.kv_lora_rank,
                m.qk_nope_head_dim,
                m.qk_rope_head_dim,
                m.v_head_dim
            ));
        }
        if let Some(d) = &self.dsa {
            parts.push(format!("dsa h{} d{} topk{}", d.heads, d.head_dim, d.topk));
        }
        if let Some(g) = &self.gdn {
            parts.push(format!(
                "gdn qk{} v{} dk{} dv{}",
                g.key_heads, g.value_heads, g.key_head_dim, g.value_head_dim
            ));
        }
        if let Some(m) = &self.mamba {
            parts.push(format!(
                "mamba h{} d{} s{} ng{}",
                m.heads, m.head_dim, m.state_size, m.groups
            ));
        }
        for m in &self.dense_mlp {
            parts.push(format!("mlp i{} gated{}", m.intermediate, m.gated));
        }
        if self.linear_replacements > 0 {
            parts.push("linear-replacement".to_string());
        }
        if let Some(m) = &self.moe {
            parts.push(format!(
                "moe e{} k{} i{} {:?} shared{} gate{} gated{}",
                m.experts,
                m.top_k,
                m.intermediate,
                m.routing,
                m.shared_intermediate,
                m.shared_expert_gate,
                m.gated
            ));
        }
        parts.push(match &self.rope {
            Rope::Absent { .. } => "rope none".to_string(),
            Rope::Cached {
                head_dim,
                rotary_dim,
                style,
            } => format!("rope {style} d{head_dim} rd{rotary_dim}"),
            Rope::Multimodal {
                head_dim,
                rotary_dim,
                sections,
            } => format!("mrope d{head_dim} rd{rotary_dim} {sections:?}"),
        });
        for m in &self.new_modules {
            parts.push(format!("new {}: {}", m.op_type, m.label));
        }
        parts.join(" | ")
    }
}

impl fmt::Display for RopeStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RopeStyle::Neox => "neox",
            RopeStyle::Gptj => "gptj",
        })
    }
}

impl fmt::Display for WeightFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WeightFormat::Fp8 => "fp8",
            WeightFormat::Fp4 => "fp4",
            WeightFormat::Int8 => "int8",
            WeightFormat::Int4 => "int4",
            WeightFormat::Other => "other",
        })
    }
}
