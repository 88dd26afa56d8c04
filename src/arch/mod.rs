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
//!
//! Layout: `shape` holds the types, `keys` the config-key reader and its sanitising,
//! `validation` what makes a config refused; the reader here walks the config once, asking one
//! file per family (`attention`, `mla`, `dsa`, `gdn`, `mamba`, `layers`, `mlp`, `moe`, `rope`,
//! `quantization`, `new_modules`), as `naming/` has one namer per family.

mod attention;
mod dsa;
mod gdn;
mod keys;
mod layers;
mod mamba;
mod mla;
mod mlp;
mod moe;
mod new_modules;
mod quantization;
mod rope;
mod shape;
mod validation;

pub use keys::sanitize_json;
pub use shape::{
    Architecture, AttentionShape, DsaIndexer, GdnShape, LayerMix, Mamba2Shape, MlaShape, MlpShape,
    MoeShape, NewModule, ProjectionLayout, QkNorm, Quantization, Rope, RopeStyle, Routing,
    WeightFormat,
};
pub use validation::ConfigError;

use keys::{default_vocab, json_kind, language_model, ConfigKeys, HIDDEN_SIZE_KEYS};
use serde_json::{Map, Value};
use validation::rejected;

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

/// One pass over one config: the shared lookups plus the notes gathered on the way.
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

        let heads_key = keys.first_uint(&["num_attention_heads", "n_head", "num_heads"])?;
        let heads = heads_key.map(|(_, h)| h).filter(|h| *h > 0);
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

        let blocks = keys.string("hybrid_override_pattern").is_some();
        let layers = layers::layer_mix(&mixers, &ffns, blocks);
        if let Some((key, 0)) = heads_key.filter(|_| layers.attention > 0) {
            return Err(rejected(key, "is 0".into()));
        }
        let dense_mlp = self.dense_mlp(&ffns);
        let linear_replacements = layers::linear_replacements(&mixers, &ffns);
        let attention = if mla.is_none() && layers.attention > 0 {
            self.attention_shapes(&mixers, heads, head_dim, kv_heads)
        } else {
            Vec::new()
        };

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
        let sliding_window = self.sliding_window();
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
}
