//! `config.json` → [`Architecture`]: the kernel-relevant shape of one language model.
//!
//! Rule: read the Hugging Face config the way SGLang's model classes read it, and keep only what
//! decides which FlashInfer kernels run and with which sizes: hidden size, vocabulary, the
//! attention family of each layer (GQA, MLA, DSA, GDN, Mamba2, or something new), the dense and
//! MoE feed-forward shapes, RoPE, QK-norm and the checkpoint's quantization.
//!
//! Why: real configs are messy. Multimodal models keep the language model under `text_config`
//! (Gemma 3, Llama 4, Kimi K2.5, Qwen3.5); keys are left to `model_type` defaults (Gemma 3 text
//! has no `vocab_size`: 262208, proven by `top_k_sampling_from_probs_v262208`); every family
//! spells its MoE keys differently; hybrids describe their layers with `layer_types`,
//! `hybrid_override_pattern`, `full_attention_interval`, `attn_type_list` or Llama-Nemotron's
//! `block_configs`; and some files contain a bare `Infinity`, a BOM or CRLF line ends.
//!
//! Guarantees: [`parse_config`] never panics; text that is not a JSON object, or an object with no
//! `hidden_size` anywhere, is a [`ConfigError`]. A key that is missing but has a known default is
//! defaulted and recorded in [`Architecture::defaults`], so the doc can say so. Modules that no
//! definition family covers (lightning attention, attention sinks, M-RoPE, unknown layer types)
//! are kept in [`Architecture::new_modules`] instead of failing the whole model.

use serde_json::{Map, Value};
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

/// Why a `config.json` could not be read as a language model.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json is not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("config.json is a JSON {found}, not an object")]
    NotAnObject { found: &'static str },
    #[error("config.json has no `hidden_size` (looked at the top level and in `text_config`)")]
    NoHiddenSize,
    #[error("`{key}` is {value}, expected a non-negative integer")]
    BadValue { key: String, value: String },
    #[error("`{key}` is {value}, more than the {max} this tool accepts")]
    OutOfRange { key: String, value: u64, max: u32 },
    /// A value no real model has (zero, inconsistent with another key): naming from it would
    /// give an impossible definition name.
    #[error("config rejected: `{key}` {reason}")]
    Rejected { key: String, reason: String },
}

fn rejected(key: &str, reason: String) -> ConfigError {
    ConfigError::Rejected {
        key: key.to_string(),
        reason,
    }
}

/// Largest size accepted for any shape key; keeps every product of three sizes within `u64`.
const MAX_SIZE: u32 = 1 << 24;
/// Largest layer count accepted; bounds the per-layer tables.
const MAX_LAYERS: u32 = 100_000;

/// Parses a `config.json` text into an [`Architecture`].
pub fn parse_config(text: &str) -> Result<Architecture, ConfigError> {
    let cleaned = sanitize_json(text);
    let root: Value = serde_json::from_str(&cleaned).map_err(ConfigError::NotJson)?;
    let Value::Object(root) = root else {
        return Err(ConfigError::NotAnObject {
            found: json_kind(&root),
        });
    };
    let (text_config, nested) = language_model(&root).ok_or(ConfigError::NoHiddenSize)?;
    let keys = ConfigKeys {
        text: text_config,
        outer: nested.then_some(&root),
    };
    ArchitectureReader::new(keys, &root, nested)?.read()
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

/// Makes Python's `json.dump` output parseable: drops a UTF-8 BOM and replaces bare `NaN`,
/// `Infinity` and `-Infinity` outside strings (Nemotron-H has `"time_step_limit": [0.0, Infinity]`).
pub fn sanitize_json(text: &str) -> String {
    const TOKENS: [(&str, &str); 3] = [
        ("-Infinity", "-1.7976931348623157e308"),
        ("Infinity", "1.7976931348623157e308"),
        ("NaN", "null"),
    ];
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if let Some((token, replacement)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t))
        {
            let after = rest[token.len()..].chars().next();
            let boundary_before = out
                .chars()
                .last()
                .is_none_or(|p| !p.is_ascii_alphanumeric() && p != '_');
            let boundary_after = after.is_none_or(|a| !a.is_ascii_alphanumeric() && a != '_');
            if boundary_before && boundary_after {
                out.push_str(replacement);
                rest = &rest[token.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const HIDDEN_SIZE_KEYS: [&str; 3] = ["hidden_size", "d_model", "n_embd"];
/// Where multimodal configs keep their language model, in the order we look.
const NESTED_TEXT_KEYS: [&str; 5] = [
    "text_config",
    "language_config",
    "llm_config",
    "thinker_config",
    "text_model",
];

/// Finds the object that describes the language model; the bool says whether it is nested.
fn language_model(root: &Map<String, Value>) -> Option<(&Map<String, Value>, bool)> {
    for key in NESTED_TEXT_KEYS {
        if let Some(Value::Object(inner)) = root.get(key) {
            if let Some((found, _)) = language_model(inner) {
                return Some((found, true));
            }
        }
    }
    let has_hidden = HIDDEN_SIZE_KEYS
        .iter()
        .any(|k| root.get(*k).is_some_and(|v| !v.is_null()));
    has_hidden.then_some((root, false))
}

/// Key lookup over the language-model object, falling back to the wrapper's top level.
#[derive(Clone, Copy)]
struct ConfigKeys<'a> {
    text: &'a Map<String, Value>,
    outer: Option<&'a Map<String, Value>>,
}

impl<'a> ConfigKeys<'a> {
    fn value(&self, key: &str) -> Option<&'a Value> {
        let present = |m: &'a Map<String, Value>| m.get(key).filter(|v| !v.is_null());
        present(self.text).or_else(|| self.outer.and_then(present))
    }

    /// An integer key; a list takes its first element (Hunyuan's per-layer `moe_topk`).
    fn uint(&self, key: &str) -> Result<Option<u32>, ConfigError> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => uint_value(key, v).map(Some),
        }
    }

    /// The first present key of `keys`, with the key's name.
    fn first_uint(
        &self,
        keys: &[&'static str],
    ) -> Result<Option<(&'static str, u32)>, ConfigError> {
        for key in keys {
            if let Some(v) = self.uint(key)? {
                return Ok(Some((key, v)));
            }
        }
        Ok(None)
    }

    fn float(&self, key: &str) -> Option<f64> {
        self.value(key).and_then(Value::as_f64)
    }

    fn string(&self, key: &str) -> Option<&'a str> {
        self.value(key).and_then(Value::as_str)
    }

    fn boolean(&self, key: &str) -> Option<bool> {
        self.value(key).and_then(Value::as_bool)
    }

    fn object(&self, key: &str) -> Option<&'a Map<String, Value>> {
        self.value(key).and_then(Value::as_object)
    }

    fn array(&self, key: &str) -> Option<&'a Vec<Value>> {
        self.value(key).and_then(Value::as_array)
    }
}

fn uint_value(key: &str, v: &Value) -> Result<u32, ConfigError> {
    let bad = || ConfigError::BadValue {
        key: key.to_string(),
        value: v.to_string(),
    };
    let value = match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u
            } else {
                let f = n.as_f64().ok_or_else(bad)?;
                if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) {
                    f as u64
                } else {
                    return Err(bad());
                }
            }
        }
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| bad())?,
        Value::Array(items) => {
            return match items.first() {
                Some(first) => uint_value(key, first),
                None => Err(bad()),
            }
        }
        _ => return Err(bad()),
    };
    match u32::try_from(value) {
        Ok(v) if v <= MAX_SIZE => Ok(v),
        _ => Err(ConfigError::OutOfRange {
            key: key.to_string(),
            value,
            max: MAX_SIZE,
        }),
    }
}

/// `vocab_size` defaults of `transformers` config classes, for configs that leave it out.
fn default_vocab(model_type: &str) -> Option<u32> {
    Some(match model_type {
        "gemma3" | "gemma3_text" => 262_208,
        "gemma" | "gemma2" => 256_000,
        "llama" | "mistral" | "mixtral" => 32_000,
        "qwen2" | "qwen2_moe" | "qwen3" | "qwen3_moe" | "qwen3_next" => 151_936,
        "deepseek_v3" | "deepseek_v32" => 129_280,
        _ => return None,
    })
}

/// What one decoder layer (or block) mixes tokens with.
#[derive(Debug, Clone, PartialEq)]
enum Mixer {
    Attention {
        sliding: bool,
        kv_heads: Option<u32>,
    },
    Gdn,
    Mamba,
    Lightning,
    Linear,
    Other(String),
    Skip,
}

/// What one decoder layer (or block) uses as its feed-forward.
#[derive(Debug, Clone, PartialEq)]
enum Ffn {
    Dense(u32),
    Moe,
    Linear,
    Skip,
}

struct ArchitectureReader<'a> {
    keys: ConfigKeys<'a>,
    root: &'a Map<String, Value>,
    nested: bool,
    model_type: String,
    hidden_size: u32,
    defaults: Vec<String>,
    new_modules: Vec<NewModule>,
}

impl<'a> ArchitectureReader<'a> {
    fn new(
        keys: ConfigKeys<'a>,
        root: &'a Map<String, Value>,
        nested: bool,
    ) -> Result<Self, ConfigError> {
        let (_, hidden_size) = keys
            .first_uint(&HIDDEN_SIZE_KEYS)?
            .ok_or(ConfigError::NoHiddenSize)?;
        if hidden_size == 0 {
            return Err(rejected("hidden_size", "is 0".into()));
        }
        let model_type = keys
            .text
            .get("model_type")
            .and_then(Value::as_str)
            .or_else(|| root.get("model_type").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        Ok(Self {
            keys,
            root,
            nested,
            model_type,
            hidden_size,
            defaults: Vec::new(),
            new_modules: Vec::new(),
        })
    }

    fn read(mut self) -> Result<Architecture, ConfigError> {
        let keys = self.keys;
        let architectures = self
            .root
            .get("architectures")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let wrapper_model_type = if self.nested {
            self.root
                .get("model_type")
                .and_then(Value::as_str)
                .map(str::to_string)
        } else {
            None
        };
        let vocab_size = self.vocab_size(wrapper_model_type.as_deref())?;

        let heads = keys.first_uint(&["num_attention_heads", "n_head", "num_heads"])?;
        let heads = heads.map(|(_, h)| h).filter(|h| *h > 0);
        let kv_heads = self.kv_heads(heads)?;
        let head_dim = self.head_dim(heads)?;

        let mla = self.mla(heads)?;
        let dsa = match &mla {
            Some(_) => self.dsa()?,
            None => None,
        };
        let gdn = self.gdn()?;
        let (mixers, ffns) = self.layout(kv_heads, gdn.is_some())?;
        let num_layers = u32::try_from(mixers.len()).unwrap_or(u32::MAX);

        let mut layers = LayerMix {
            blocks: keys.string("hybrid_override_pattern").is_some(),
            ..LayerMix::default()
        };
        for mixer in &mixers {
            match mixer {
                Mixer::Attention { sliding, .. } => {
                    layers.attention += 1;
                    layers.sliding += u32::from(*sliding);
                }
                Mixer::Gdn => layers.gdn += 1,
                Mixer::Mamba => layers.mamba += 1,
                Mixer::Lightning => layers.lightning += 1,
                Mixer::Other(name) => match layers.other.iter_mut().find(|(n, _)| n == name) {
                    Some((_, count)) => *count += 1,
                    None => layers.other.push((name.clone(), 1)),
                },
                Mixer::Linear | Mixer::Skip => {}
            }
        }
        let mut dense_mlp: Vec<MlpShape> = Vec::new();
        let gated_mlp = self.mlp_is_gated();
        for ffn in &ffns {
            match ffn {
                Ffn::Dense(intermediate) => {
                    layers.dense_ffn += 1;
                    match dense_mlp
                        .iter_mut()
                        .find(|m| m.intermediate == *intermediate)
                    {
                        Some(m) => m.layers += 1,
                        None => dense_mlp.push(MlpShape {
                            intermediate: *intermediate,
                            gated: gated_mlp,
                            layers: 1,
                        }),
                    }
                }
                Ffn::Moe => layers.moe_ffn += 1,
                Ffn::Linear | Ffn::Skip => {}
            }
        }
        let linear_replacements = u32::try_from(
            mixers.iter().filter(|m| **m == Mixer::Linear).count()
                + ffns.iter().filter(|f| **f == Ffn::Linear).count(),
        )
        .unwrap_or(u32::MAX);

        let mut attention: Vec<AttentionShape> = Vec::new();
        if mla.is_none() && layers.attention > 0 {
            match (heads, head_dim) {
                (Some(heads), Some(head_dim)) => {
                    for mixer in &mixers {
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
        }

        let mamba = if layers.mamba > 0 {
            self.mamba()?
        } else {
            None
        };
        let moe = if layers.moe_ffn > 0 {
            self.moe(layers.moe_ffn)?
        } else {
            None
        };
        let qk_norm = self.qk_norm(layers.attention > 0 && mla.is_none());
        let rope = self.rope(head_dim, mla.as_ref())?;
        // Read leniently: some configs park a huge sentinel here.
        let sliding_window = keys
            .value("sliding_window")
            .and_then(Value::as_u64)
            .and_then(|w| u32::try_from(w).ok())
            .filter(|w| *w > 0);
        self.attention_extras(layers.attention);
        self.layer_extras(&layers, num_layers);
        let quantization = self.quantization();

        Ok(Architecture {
            architectures,
            model_type: self.model_type.clone(),
            wrapper_model_type,
            num_layers,
            hidden_size: self.hidden_size,
            vocab_size,
            layers,
            attention,
            attention_output_gate: self.attention_output_gate(),
            projections: self.projections(),
            qk_norm,
            sliding_window,
            mla,
            dsa,
            gdn,
            mamba,
            dense_mlp,
            linear_replacements,
            moe,
            rope,
            quantization,
            new_modules: self.new_modules,
            defaults: self.defaults,
        })
    }

    fn vocab_size(&mut self, wrapper: Option<&str>) -> Result<Option<u32>, ConfigError> {
        if let Some(v) = self.keys.uint("vocab_size")? {
            if v == 0 {
                return Err(rejected("vocab_size", "is 0".into()));
            }
            return Ok(Some(v));
        }
        let default = default_vocab(&self.model_type).or_else(|| wrapper.and_then(default_vocab));
        match default {
            Some(v) => self.defaults.push(format!(
                "`vocab_size` missing: `{}` default {v}",
                self.model_type
            )),
            None => self.defaults.push(
                "`vocab_size` missing and no default known: sampling not derived".to_string(),
            ),
        }
        Ok(default)
    }

    fn kv_heads(&mut self, heads: Option<u32>) -> Result<Option<u32>, ConfigError> {
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

    fn head_dim(&mut self, heads: Option<u32>) -> Result<Option<u32>, ConfigError> {
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

    fn mla(&mut self, heads: Option<u32>) -> Result<Option<MlaShape>, ConfigError> {
        let Some(kv_lora_rank) = self.keys.uint("kv_lora_rank")? else {
            return Ok(None);
        };
        let Some(heads) = heads else {
            return Ok(None);
        };
        let mut dim = |key: &str, default: u32| -> Result<u32, ConfigError> {
            Ok(match self.keys.uint(key)? {
                Some(v) => v,
                None => {
                    self.defaults
                        .push(format!("`{key}` missing: DeepSeek default {default}"));
                    default
                }
            })
        };
        let qk_nope_head_dim = dim("qk_nope_head_dim", 128)?;
        let qk_rope_head_dim = dim("qk_rope_head_dim", 64)?;
        let v_head_dim = dim("v_head_dim", 128)?;
        for (key, value) in [
            ("kv_lora_rank", kv_lora_rank),
            ("qk_rope_head_dim", qk_rope_head_dim),
            ("v_head_dim", v_head_dim),
        ] {
            if value == 0 {
                return Err(rejected(key, "is 0 in an MLA model".into()));
            }
        }
        Ok(Some(MlaShape {
            heads,
            q_lora_rank: self.keys.uint("q_lora_rank")?.filter(|r| *r > 0),
            kv_lora_rank,
            qk_nope_head_dim,
            qk_rope_head_dim,
            v_head_dim,
        }))
    }

    fn dsa(&self) -> Result<Option<DsaIndexer>, ConfigError> {
        let k = self.keys;
        Ok(
            match (
                k.uint("index_n_heads")?,
                k.uint("index_head_dim")?,
                k.uint("index_topk")?,
            ) {
                (Some(heads), Some(head_dim), Some(topk)) => Some(DsaIndexer {
                    heads,
                    head_dim,
                    topk,
                }),
                _ => None,
            },
        )
    }

    fn gdn(&self) -> Result<Option<GdnShape>, ConfigError> {
        let k = self.keys;
        let (Some(key_heads), Some(value_heads), Some(key_head_dim)) = (
            k.uint("linear_num_key_heads")?,
            k.uint("linear_num_value_heads")?,
            k.uint("linear_key_head_dim")?,
        ) else {
            return Ok(None);
        };
        let value_head_dim = k.uint("linear_value_head_dim")?.unwrap_or(key_head_dim);
        Ok(Some(GdnShape {
            key_heads,
            value_heads,
            key_head_dim,
            value_head_dim,
        }))
    }

    fn mamba(&mut self) -> Result<Option<Mamba2Shape>, ConfigError> {
        let k = self.keys;
        let pure = matches!(self.model_type.as_str(), "mamba2");
        let heads = match k.first_uint(&["mamba_num_heads", "mamba_n_heads", "ssm_num_heads"])? {
            Some((_, h)) => Some(h),
            None if pure => k.uint("num_heads")?,
            None => None,
        };
        let head_dim = match k.first_uint(&["mamba_head_dim", "mamba_d_head", "ssm_head_dim"])? {
            Some((_, d)) => Some(d),
            None if pure => k.uint("head_dim")?,
            None => None,
        };
        let state = k.first_uint(&["ssm_state_size", "mamba_d_state", "state_size"])?;
        let groups = k.first_uint(&["n_groups", "mamba_n_groups", "ngroups"])?;
        match (heads, head_dim, state, groups) {
            (Some(heads), Some(head_dim), Some((_, state_size)), groups) => {
                let groups = match groups {
                    Some((_, g)) => g,
                    None => {
                        self.defaults
                            .push("`n_groups` missing: Mamba2 default 1".to_string());
                        1
                    }
                };
                Ok(Some(Mamba2Shape {
                    heads,
                    head_dim,
                    state_size,
                    groups,
                }))
            }
            _ => {
                self.new_modules.push(NewModule {
                    label: "Mamba layers (shape keys not recognized)".to_string(),
                    op_type: "mamba_ssu".to_string(),
                    why: "Mamba layers present but no Mamba2 heads / head_dim / state keys (`mamba_num_heads`, `mamba_head_dim`, `ssm_state_size`)".to_string(),
                });
                Ok(None)
            }
        }
    }

    /// Per-layer mixers and feed-forwards, from whichever layout key the family uses.
    fn layout(
        &mut self,
        kv_heads: Option<u32>,
        has_gdn: bool,
    ) -> Result<(Vec<Mixer>, Vec<Ffn>), ConfigError> {
        let k = self.keys;
        let intermediate = self.dense_intermediate()?;
        if let Some(blocks) = k.array("block_configs") {
            return self.block_configs(blocks, kv_heads);
        }
        if let Some(pattern) = k.string("hybrid_override_pattern") {
            let mut mixers = Vec::new();
            let mut ffns = Vec::new();
            for c in pattern.chars() {
                let (mixer, ffn) = match c {
                    'M' => (Mixer::Mamba, Ffn::Skip),
                    '*' => (
                        Mixer::Attention {
                            sliding: false,
                            kv_heads: None,
                        },
                        Ffn::Skip,
                    ),
                    '-' => (Mixer::Skip, self.dense_or_missing(intermediate)),
                    'E' => (Mixer::Skip, Ffn::Moe),
                    other => (Mixer::Other(format!("`{other}` block")), Ffn::Skip),
                };
                mixers.push(mixer);
                ffns.push(ffn);
            }
            return Ok((mixers, ffns));
        }

        let declared = k.first_uint(&["num_hidden_layers", "num_layers", "n_layer"])?;
        let mixers = self.mixers(declared.map(|(_, n)| n), has_gdn)?;
        let mut ffns = Vec::with_capacity(mixers.len());
        for (i, mixer) in mixers.iter().enumerate() {
            let ffn = if self.is_moe_layer(i)? {
                Ffn::Moe
            } else if *mixer == Mixer::Mamba && !self.mamba_layers_have_ffn() {
                Ffn::Skip
            } else {
                self.dense_or_missing(intermediate)
            };
            ffns.push(ffn);
        }
        Ok((mixers, ffns))
    }

    fn dense_or_missing(&mut self, intermediate: Option<u32>) -> Ffn {
        match intermediate {
            Some(i) if i > 0 => Ffn::Dense(i),
            _ => {
                let note = "`intermediate_size` missing: dense MLP GEMMs not derived".to_string();
                if !self.defaults.contains(&note) {
                    self.defaults.push(note);
                }
                Ffn::Skip
            }
        }
    }

    /// Pure Mamba models have no MLP; Jamba-style hybrids put one after every mixer.
    fn mamba_layers_have_ffn(&self) -> bool {
        !matches!(
            self.model_type.as_str(),
            "mamba" | "mamba2" | "falcon_mamba"
        )
    }

    fn dense_intermediate(&self) -> Result<Option<u32>, ConfigError> {
        // Llama 4 keeps the expert size in `intermediate_size` and the dense one here.
        Ok(self
            .keys
            .first_uint(&[
                "intermediate_size_mlp",
                "intermediate_size",
                "ffn_hidden_size",
                "n_inner",
            ])?
            .map(|(_, i)| i))
    }

    fn mixers(&mut self, declared: Option<u32>, has_gdn: bool) -> Result<Vec<Mixer>, ConfigError> {
        let k = self.keys;
        let attention = |sliding| Mixer::Attention {
            sliding,
            kv_heads: None,
        };
        let listed = |key: &str| k.array(key).filter(|a| !a.is_empty());
        if let Some(types) = listed("layer_types").or_else(|| listed("layers_block_type")) {
            return Ok(types
                .iter()
                .map(|t| {
                    let t = t.as_str().unwrap_or("?");
                    match t {
                        "full_attention" | "attention" | "global" | "global_attention" => {
                            attention(false)
                        }
                        "sliding_attention" | "chunked_attention" | "local_attention"
                        | "sliding_window" | "local" => attention(true),
                        "linear_attention" if has_gdn => Mixer::Gdn,
                        "mamba" | "mamba2" => Mixer::Mamba,
                        other => Mixer::Other(other.to_string()),
                    }
                })
                .collect());
        }
        if let Some(types) = listed("attn_type_list") {
            return Ok(types
                .iter()
                .map(|t| match t.as_u64() {
                    Some(0) => Mixer::Lightning,
                    Some(1) => attention(false),
                    _ => Mixer::Other(format!("attn_type {t}")),
                })
                .collect());
        }
        let n = match declared {
            Some(n) if n > MAX_LAYERS => {
                return Err(ConfigError::OutOfRange {
                    key: "num_hidden_layers".to_string(),
                    value: u64::from(n),
                    max: MAX_LAYERS,
                })
            }
            Some(0) => return Err(rejected("num_hidden_layers", "is 0".into())),
            Some(n) => n as usize,
            // Without a layer count nothing about the layers can be said ("0 decoder layers").
            None => {
                return Err(rejected(
                    "num_hidden_layers",
                    "is missing (and no `layer_types` list gives the layers)".into(),
                ))
            }
        };
        if let Some(interval) = k.uint("full_attention_interval")?.filter(|i| *i > 0) {
            let linear = if has_gdn {
                Mixer::Gdn
            } else {
                Mixer::Other("linear_attention".to_string())
            };
            return Ok((0..n)
                .map(|i| {
                    if (i + 1) % interval as usize == 0 {
                        attention(false)
                    } else {
                        linear.clone()
                    }
                })
                .collect());
        }
        if let Some(period) = k.uint("attn_layer_period")?.filter(|p| *p > 0) {
            let offset = k.uint("attn_layer_offset")?.unwrap_or(0) as usize;
            return Ok((0..n)
                .map(|i| {
                    if i % period as usize == offset {
                        attention(false)
                    } else {
                        Mixer::Mamba
                    }
                })
                .collect());
        }
        if matches!(
            self.model_type.as_str(),
            "mamba" | "mamba2" | "falcon_mamba"
        ) {
            return Ok(vec![Mixer::Mamba; n]);
        }
        // Gemma 3 leaves `sliding_window_pattern` to its default of 6.
        let gemma3_default = self.model_type.starts_with("gemma3").then_some(6);
        let pattern = k.uint("sliding_window_pattern")?.or(gemma3_default);
        if let Some(pattern) = pattern.filter(|p| *p > 1) {
            // Gemma 3: every `pattern`-th layer is global, the others slide.
            return Ok((0..n)
                .map(|i| attention((i + 1) % pattern as usize != 0))
                .collect());
        }
        Ok(vec![attention(false); n])
    }

    fn is_moe_layer(&self, i: usize) -> Result<bool, ConfigError> {
        let k = self.keys;
        let Some(experts) = self.expert_count()? else {
            return Ok(false);
        };
        if experts == 0 {
            return Ok(false);
        }
        if let Some(dense) = k.array("mlp_only_layers") {
            if dense.iter().any(|v| v.as_u64() == Some(i as u64)) {
                return Ok(false);
            }
        }
        if let Some(first_dense) = k.uint("first_k_dense_replace")? {
            if i < first_dense as usize {
                return Ok(false);
            }
        }
        if let Some(start) = k.uint("moe_layer_start_index")? {
            if i < start as usize {
                return Ok(false);
            }
        }
        if let Some(freq) = k.uint("moe_layer_freq")?.filter(|f| *f > 1) {
            return Ok(i % freq as usize == 0);
        }
        if let Some(step) = k.uint("decoder_sparse_step")?.filter(|s| *s > 1) {
            return Ok((i + 1) % step as usize == 0);
        }
        if let Some(step) = k.uint("interleave_moe_layer_step")?.filter(|s| *s > 1) {
            return Ok((i + 1) % step as usize == 0);
        }
        if let Some(interval) = k.uint("moe_layer_interval")?.filter(|s| *s > 1) {
            return Ok((i + 1) % interval as usize == 0);
        }
        if let Some(period) = k.uint("expert_layer_period")?.filter(|p| *p > 1) {
            let offset = k.uint("expert_layer_offset")?.unwrap_or(0) as usize;
            return Ok(i % period as usize == offset);
        }
        Ok(true)
    }

    fn expert_count(&self) -> Result<Option<u32>, ConfigError> {
        Ok(self
            .keys
            .first_uint(&[
                "n_routed_experts",
                "num_experts",
                "num_local_experts",
                "moe_num_experts",
                "num_routed_experts",
            ])?
            .map(|(_, e)| e))
    }

    /// Llama-Nemotron (DeciLM / `nemotron-nas`): each layer says its own shape.
    fn block_configs(
        &mut self,
        blocks: &[Value],
        kv_heads: Option<u32>,
    ) -> Result<(Vec<Mixer>, Vec<Ffn>), ConfigError> {
        let heads = self.keys.uint("num_attention_heads")?;
        let mut mixers = Vec::with_capacity(blocks.len());
        let mut ffns = Vec::with_capacity(blocks.len());
        for block in blocks {
            let attention = block.get("attention");
            let flag = |part: Option<&Value>, key: &str| {
                part.and_then(|p| p.get(key))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            let mixer = if flag(attention, "no_op") {
                Mixer::Skip
            } else if flag(attention, "replace_with_linear") {
                Mixer::Linear
            } else {
                let group = match attention.and_then(|a| a.get("n_heads_in_group")) {
                    Some(v) if !v.is_null() => Some(uint_value("n_heads_in_group", v)?),
                    _ => None,
                };
                let kv = match (heads, group) {
                    (Some(h), Some(g)) if g > 0 => Some(h / g),
                    _ => kv_heads,
                };
                Mixer::Attention {
                    sliding: false,
                    kv_heads: kv,
                }
            };
            let ffn_part = block.get("ffn");
            let ffn = if flag(ffn_part, "no_op") {
                Ffn::Skip
            } else if flag(ffn_part, "replace_with_linear") {
                Ffn::Linear
            } else {
                match ffn_part
                    .and_then(|f| f.get("ffn_mult"))
                    .and_then(Value::as_f64)
                {
                    Some(mult) => Ffn::Dense(ffn_mult_to_intermediate(mult, self.hidden_size)),
                    None => {
                        let intermediate = self.dense_intermediate()?;
                        self.dense_or_missing(intermediate)
                    }
                }
            };
            mixers.push(mixer);
            ffns.push(ffn);
        }
        Ok((mixers, ffns))
    }

    fn mlp_is_gated(&self) -> bool {
        let act = self
            .keys
            .string("mlp_hidden_act")
            .or_else(|| self.keys.string("hidden_act"))
            .unwrap_or("silu");
        let ungated_family = matches!(
            self.model_type.as_str(),
            "nemotron" | "phi" | "gpt2" | "gpt_bigcode" | "gpt_neox" | "starcoder2" | "falcon"
        );
        !(act == "relu2" || ungated_family)
    }

    fn moe(&mut self, moe_layers: u32) -> Result<Option<MoeShape>, ConfigError> {
        let k = self.keys;
        let Some(experts) = self.expert_count()? else {
            return Ok(None);
        };
        let top_k = k.first_uint(&[
            "num_experts_per_tok",
            "moe_topk",
            "experts_per_token",
            "moe_k",
            "num_selected_experts",
        ])?;
        if experts == 0 {
            return Err(rejected(
                "num_experts",
                "is 0 but the model has MoE layers".into(),
            ));
        }
        let top_k = match top_k {
            Some((key, 0)) => return Err(rejected(key, "is 0".into())),
            Some((key, t)) if t > experts => {
                return Err(rejected(
                    key,
                    format!("is {t}, more than the {experts} experts"),
                ))
            }
            Some((_, t)) => t,
            None => {
                self.defaults
                    .push("MoE top-k missing (`num_experts_per_tok`): assumed 1".to_string());
                1
            }
        };
        let intermediate = match k
            .first_uint(&["moe_intermediate_size", "expert_intermediate_size"])?
        {
            Some((_, i)) => i,
            None => match k.uint("intermediate_size")? {
                Some(i) => i,
                None => {
                    self.defaults.push(
                        "MoE expert size missing (`moe_intermediate_size`): MoE definitions not derived"
                            .to_string(),
                    );
                    return Ok(None);
                }
            },
        };
        let routing = self.routing()?;
        let mut shared_expert_gate = false;
        let shared_intermediate = if let Some(s) = k.uint("shared_expert_intermediate_size")? {
            shared_expert_gate = s > 0;
            s
        } else if let Some((_, s)) = k.first_uint(&[
            "moe_shared_expert_intermediate_size",
            "shared_intermediate_size",
        ])? {
            s
        } else if let Some(n) = k.uint("n_shared_experts")? {
            n.saturating_mul(intermediate)
        } else if self.model_type.starts_with("llama4") {
            // Llama 4 MoE layers add one shared expert of the expert size.
            intermediate
        } else {
            0
        };
        let gated = self
            .keys
            .string("mlp_hidden_act")
            .or_else(|| self.keys.string("hidden_act"))
            != Some("relu2");
        Ok(Some(MoeShape {
            experts,
            top_k,
            intermediate,
            routing,
            shared_intermediate,
            shared_expert_gate,
            gated,
            layers: moe_layers,
        }))
    }

    fn routing(&mut self) -> Result<Routing, ConfigError> {
        let k = self.keys;
        let n_group = k.uint("n_group")?;
        let topk_group = k.uint("topk_group")?;
        if n_group.is_some() || topk_group.is_some() {
            return Ok(Routing::Grouped {
                n_group: n_group.unwrap_or(1),
                topk_group: topk_group.unwrap_or(1),
            });
        }
        if self.model_type.starts_with("llama4") {
            return Ok(Routing::Llama4);
        }
        if k.string("scoring_func") == Some("sigmoid") {
            let biased = k.boolean("use_routing_bias") == Some(true)
                || k.string("topk_method") == Some("noaux_tc")
                || k.boolean("moe_router_enable_expert_bias") == Some(true);
            return Ok(if biased {
                Routing::Grouped {
                    n_group: 1,
                    topk_group: 1,
                }
            } else {
                Routing::SigmoidWithoutBias
            });
        }
        Ok(match k.boolean("norm_topk_prob") {
            Some(false) => Routing::SoftmaxNoRenorm,
            _ => Routing::Renormalize,
        })
    }

    fn qk_norm(&self, has_gqa: bool) -> QkNorm {
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

    fn rope(&mut self, head_dim: Option<u32>, mla: Option<&MlaShape>) -> Result<Rope, ConfigError> {
        let k = self.keys;
        if matches!(
            self.model_type.as_str(),
            "nemotron_h" | "jamba" | "mamba" | "mamba2" | "falcon_mamba"
        ) {
            return Ok(Rope::Absent {
                reason: format!("`{}` attention has no rotary embedding", self.model_type),
            });
        }
        if k.string("position_embedding_type")
            .is_some_and(|t| t != "rope" && t != "rotary")
        {
            return Ok(Rope::Absent {
                reason: "`position_embedding_type` is not rope".to_string(),
            });
        }
        if let Some(mla) = mla {
            // DeepSeek MLA ropes only the `qk_rope_head_dim` part, interleaved (is_neox_style=False).
            return Ok(Rope::Cached {
                head_dim: mla.qk_rope_head_dim,
                rotary_dim: mla.qk_rope_head_dim,
                style: RopeStyle::Gptj,
            });
        }
        let Some(head_dim) = head_dim else {
            return Ok(Rope::Absent {
                reason: "no attention head_dim".to_string(),
            });
        };
        let params = k.object("rope_parameters");
        let scaling = k.object("rope_scaling");
        let factor = k.float("partial_rotary_factor").or_else(|| {
            params
                .and_then(|p| p.get("partial_rotary_factor"))
                .and_then(Value::as_f64)
        });
        let rotary_dim = match k.uint("rotary_dim")? {
            Some(rd) if rd > 0 => rd,
            _ => match factor {
                Some(f) if f > 0.0 && f <= 1.0 => (f64::from(head_dim) * f).round() as u32,
                _ => head_dim,
            },
        };
        let sections = params
            .and_then(|p| p.get("mrope_section"))
            .or_else(|| scaling.and_then(|s| s.get("mrope_section")));
        if let Some(Value::Array(sections)) = sections {
            let sections = sections
                .iter()
                .filter_map(Value::as_u64)
                .map(|s| s as u32)
                .collect();
            return Ok(Rope::Multimodal {
                head_dim,
                rotary_dim,
                sections,
            });
        }
        let style = if k.boolean("rope_interleave") == Some(true) {
            RopeStyle::Gptj
        } else {
            RopeStyle::Neox
        };
        Ok(Rope::Cached {
            head_dim,
            rotary_dim,
            style,
        })
    }

    fn attention_output_gate(&self) -> bool {
        match self.keys.boolean("attn_output_gate") {
            Some(gate) => gate,
            // Qwen3-Next and Qwen3.5 gate attention output by default (`q_proj` is 2× wide).
            None => {
                self.model_type.starts_with("qwen3_next") || self.model_type.starts_with("qwen3_5")
            }
        }
    }

    fn projections(&self) -> ProjectionLayout {
        // Proven by the dataset: Gemma 3 27B was traced per projection
        // (gemm_n4096_k5376 = q_proj, gemm_n2048_k5376 = k_proj/v_proj,
        // gemm_n21504_k5376 = gate_proj/up_proj), not as fused qkv / gate_up.
        if self.model_type.starts_with("gemma") {
            ProjectionLayout::Separate
        } else {
            ProjectionLayout::Fused
        }
    }

    /// Attention features no definition models.
    fn attention_extras(&mut self, attention_layers: u32) {
        if attention_layers > 0 && self.model_type == "gpt_oss" {
            self.new_modules.push(NewModule {
                label: "Attention sinks (learned per-head sink logits)".to_string(),
                op_type: "gqa_paged".to_string(),
                why: "`gpt_oss` adds a learned sink logit per head to every attention softmax; the gqa definitions have no sink input".to_string(),
            });
        }
    }

    fn layer_extras(&mut self, layers: &LayerMix, num_layers: u32) {
        if layers.lightning > 0 {
            self.new_modules.push(NewModule {
                label: "Lightning Attention layers".to_string(),
                op_type: "lightning_attn".to_string(),
                why: format!(
                    "`attn_type_list` marks {} of {num_layers} layers as 0 (lightning linear attention); no definition family covers it",
                    layers.lightning
                ),
            });
        }
        for (name, count) in &layers.other {
            self.new_modules.push(NewModule {
                label: format!("`{name}` layers"),
                op_type: "unknown".to_string(),
                why: format!(
                    "{count} of {num_layers} layers are `{name}`, a layer kind with no definition family"
                ),
            });
        }
        if self.keys.string("qk_norm_type") == Some("per_layer") && layers.attention > 0 {
            self.new_modules.push(NewModule {
                label: "QK RMSNorm across all heads".to_string(),
                op_type: "rmsnorm".to_string(),
                why: "`qk_norm_type` per_layer normalizes q and k over all heads of the layer (TP-sharded, needs an all-reduce), not per head".to_string(),
            });
        }
    }

    fn quantization(&self) -> Option<Quantization> {
        let q = self.keys.object("quantization_config")?;
        let method = q
            .get("quant_method")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let algo = q
            .get("quant_algo")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let bits = q.get("bits").and_then(Value::as_u64);
        let weights = match method.as_str() {
            "fp8" | "fbgemm_fp8" => WeightFormat::Fp8,
            "mxfp4" | "nvfp4" => WeightFormat::Fp4,
            "modelopt" if algo.contains("fp8") => WeightFormat::Fp8,
            "modelopt" if algo.contains("fp4") => WeightFormat::Fp4,
            "compressed-tensors" => compressed_tensors_format(q),
            "awq" | "gptq" | "awq_marlin" | "gptq_marlin" => match bits {
                Some(8) => WeightFormat::Int8,
                Some(4) => WeightFormat::Int4,
                _ => WeightFormat::Other,
            },
            "bitsandbytes" => {
                if q.get("load_in_4bit").and_then(Value::as_bool) == Some(true) {
                    WeightFormat::Int4
                } else {
                    WeightFormat::Int8
                }
            }
            _ => WeightFormat::Other,
        };
        Some(Quantization { method, weights })
    }
}

fn compressed_tensors_format(q: &Map<String, Value>) -> WeightFormat {
    let Some(groups) = q.get("config_groups").and_then(Value::as_object) else {
        return WeightFormat::Other;
    };
    for group in groups.values() {
        let Some(weights) = group.get("weights") else {
            continue;
        };
        let bits = weights.get("num_bits").and_then(Value::as_u64);
        let kind = weights.get("type").and_then(Value::as_str).unwrap_or("int");
        return match (bits, kind) {
            (Some(8), "float") => WeightFormat::Fp8,
            (Some(4), "float") => WeightFormat::Fp4,
            (Some(8), _) => WeightFormat::Int8,
            (Some(4), _) => WeightFormat::Int4,
            _ => WeightFormat::Other,
        };
    }
    WeightFormat::Other
}

/// DeciLM's `_ffn_mult_to_intermediate_size`: `2/3 · ffn_mult · hidden`, rounded up to 256.
fn ffn_mult_to_intermediate(ffn_mult: f64, hidden_size: u32) -> u32 {
    let raw = (2.0 * ffn_mult * f64::from(hidden_size) / 3.0) as u32;
    raw.div_ceil(256).saturating_mul(256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_replaces_bare_infinity_but_not_inside_strings() {
        let text = "\u{feff}{\"a\": [0.0, Infinity, -Infinity, NaN], \"b\": \"Infinity NaN\"}";
        assert_eq!(
            sanitize_json(text),
            "{\"a\": [0.0, 1.7976931348623157e308, -1.7976931348623157e308, null], \"b\": \"Infinity NaN\"}"
        );
    }

    #[test]
    fn sanitize_keeps_escaped_quotes_inside_strings() {
        let text = r#"{"a": "say \"NaN\"", "b": NaN}"#;
        assert_eq!(sanitize_json(text), r#"{"a": "say \"NaN\"", "b": null}"#);
    }

    #[test]
    fn ffn_mult_matches_decilm() {
        assert_eq!(ffn_mult_to_intermediate(2.625, 8192), 14336);
        assert_eq!(ffn_mult_to_intermediate(5.25, 8192), 28672);
        assert_eq!(ffn_mult_to_intermediate(1.3125, 8192), 7168);
    }
}
