//! Multi-head latent attention (DeepSeek V2/V3, Kimi K2): `kv_lora_rank` marks it, the
//! head dims default to DeepSeek's, and a zero rank or dim is rejected. A config with MLA's
//! other keys (`qk_rope_head_dim`, `qk_nope_head_dim`) but no `kv_lora_rank` is refused naming
//! the missing key: read as GQA it would give `gqa_…_h128_kv128_d56`, a kernel no model calls.

use super::validation::{rejected, ConfigError};
use super::{ArchitectureReader, MlaShape};

/// Keys only MLA configs have (`transformers`' DeepSeek V2/V3 classes); `v_head_dim` and
/// `q_lora_rank` are left out: other families use them too.
const MLA_ONLY_KEYS: [&str; 2] = ["qk_rope_head_dim", "qk_nope_head_dim"];

impl ArchitectureReader<'_> {
    pub(super) fn mla(&mut self, heads: Option<u32>) -> Result<Option<MlaShape>, ConfigError> {
        let Some(kv_lora_rank) = self.keys.uint("kv_lora_rank")? else {
            return match MLA_ONLY_KEYS
                .iter()
                .find(|key| self.keys.value(key).is_some())
            {
                Some(key) => Err(rejected(
                    "kv_lora_rank",
                    format!("is missing, and `{key}` says the model uses MLA"),
                )),
                None => Ok(None),
            };
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
}
