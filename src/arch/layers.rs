//! Which layer is what: the per-layer mixer (attention, sliding, GDN, Mamba, lightning, …) and
//! feed-forward (dense, MoE, linear, none), from whichever layout key the family uses
//! (`layer_types`, `hybrid_override_pattern`, `attn_type_list`, `full_attention_interval`,
//! `attn_layer_period`, Gemma 3's sliding pattern, Llama-Nemotron's `block_configs`), and their
//! counts.

use super::keys::uint_value;
use super::validation::{rejected, ConfigError, MAX_LAYERS, MAX_SIZE};
use super::{ArchitectureReader, LayerMix};
use serde_json::Value;

/// What one decoder layer (or block) mixes tokens with.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Mixer {
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
pub(super) enum Ffn {
    Dense(u32),
    Moe,
    Linear,
    Skip,
}

/// How many layers of each kind `mixers` and `ffns` hold.
pub(super) fn layer_mix(mixers: &[Mixer], ffns: &[Ffn], blocks: bool) -> LayerMix {
    let mut layers = LayerMix {
        blocks,
        ..LayerMix::default()
    };
    for mixer in mixers {
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
    for ffn in ffns {
        match ffn {
            Ffn::Dense(_) => layers.dense_ffn += 1,
            Ffn::Moe => layers.moe_ffn += 1,
            Ffn::Linear | Ffn::Skip => {}
        }
    }
    layers
}

/// Mixers and feed-forwards replaced by a single linear layer (Llama-Nemotron).
pub(super) fn linear_replacements(mixers: &[Mixer], ffns: &[Ffn]) -> u32 {
    u32::try_from(
        mixers.iter().filter(|m| **m == Mixer::Linear).count()
            + ffns.iter().filter(|f| **f == Ffn::Linear).count(),
    )
    .unwrap_or(u32::MAX)
}

impl ArchitectureReader<'_> {
    /// Per-layer mixers and feed-forwards, from whichever layout key the family uses.
    pub(super) fn layout(
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
                    '-' => (Mixer::Skip, self.dense_or_missing(intermediate)?),
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
                self.dense_or_missing(intermediate)?
            };
            ffns.push(ffn);
        }
        Ok((mixers, ffns))
    }

    /// A dense layer's FFN: its size, or no GEMMs (with a note) when the config gives none;
    /// an explicit 0 is refused naming the key.
    fn dense_or_missing(
        &mut self,
        intermediate: Option<(&'static str, u32)>,
    ) -> Result<Ffn, ConfigError> {
        match intermediate {
            Some((key, 0)) => Err(rejected(
                key,
                "is 0 but the model has dense MLP layers".into(),
            )),
            Some((_, i)) => Ok(Ffn::Dense(i)),
            None => {
                let note = "`intermediate_size` missing: dense MLP GEMMs not derived".to_string();
                if !self.defaults.contains(&note) {
                    self.defaults.push(note);
                }
                Ok(Ffn::Skip)
            }
        }
    }

    fn dense_intermediate(&self) -> Result<Option<(&'static str, u32)>, ConfigError> {
        // Llama 4 keeps the expert size in `intermediate_size` and the dense one here.
        self.keys.first_uint(&[
            "intermediate_size_mlp",
            "intermediate_size",
            "ffn_hidden_size",
            "n_inner",
        ])
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
                    (_, Some(0)) => return Err(rejected("n_heads_in_group", "is 0".into())),
                    (Some(h), Some(g)) => Some(h / g),
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
                    Some(mult) => Ffn::Dense(ffn_mult_to_intermediate(mult, self.hidden_size)?),
                    None => {
                        let intermediate = self.dense_intermediate()?;
                        self.dense_or_missing(intermediate)?
                    }
                }
            };
            mixers.push(mixer);
            ffns.push(ffn);
        }
        Ok((mixers, ffns))
    }
}

/// DeciLM's `_ffn_mult_to_intermediate_size`: `2/3 · ffn_mult · hidden`, rounded up to 256;
/// a multiplier that is not a positive number, or a size past [`MAX_SIZE`], is refused.
fn ffn_mult_to_intermediate(ffn_mult: f64, hidden_size: u32) -> Result<u32, ConfigError> {
    let raw = (2.0 * ffn_mult * f64::from(hidden_size) / 3.0).trunc();
    let rounded = (raw / 256.0).ceil() * 256.0;
    if !(ffn_mult > 0.0 && rounded.is_finite()) {
        return Err(rejected(
            "ffn_mult",
            format!("is {ffn_mult}, expected a positive number"),
        ));
    }
    if rounded > f64::from(MAX_SIZE) {
        return Err(rejected(
            "ffn_mult",
            format!(
                "is {ffn_mult}: 2/3 × {ffn_mult} × `hidden_size` {hidden_size} is more than the {MAX_SIZE} this tool accepts for a size"
            ),
        ));
    }
    Ok(rounded as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffn_mult_matches_decilm() {
        assert_eq!(ffn_mult_to_intermediate(2.625, 8192).unwrap(), 14336);
        assert_eq!(ffn_mult_to_intermediate(5.25, 8192).unwrap(), 28672);
        assert_eq!(ffn_mult_to_intermediate(1.3125, 8192).unwrap(), 7168);
    }

    #[test]
    fn impossible_ffn_mults_are_refused_naming_the_key() {
        let message = |mult| {
            ffn_mult_to_intermediate(mult, 8192)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message(0.0),
            "config rejected: `ffn_mult` is 0, expected a positive number"
        );
        assert_eq!(
            message(-1.5),
            "config rejected: `ffn_mult` is -1.5, expected a positive number"
        );
        assert_eq!(
            message(f64::NAN),
            "config rejected: `ffn_mult` is NaN, expected a positive number"
        );
        assert_eq!(
            message(1e12),
            "config rejected: `ffn_mult` is 1000000000000: 2/3 × 1000000000000 × `hidden_size` 8192 is more than the 16777216 this tool accepts for a size"
        );
    }
}
