//! Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5): the `linear_*` head keys; the value
//! head dim defaults to the key head dim; a zero head count or dim is rejected naming the key.

use super::validation::{rejected, ConfigError};
use super::{ArchitectureReader, GdnShape};

impl ArchitectureReader<'_> {
    pub(super) fn gdn(&self) -> Result<Option<GdnShape>, ConfigError> {
        let k = self.keys;
        let (Some(key_heads), Some(value_heads), Some(key_head_dim)) = (
            k.uint("linear_num_key_heads")?,
            k.uint("linear_num_value_heads")?,
            k.uint("linear_key_head_dim")?,
        ) else {
            return Ok(None);
        };
        let value_head_dim = k.uint("linear_value_head_dim")?.unwrap_or(key_head_dim);
        for (key, value) in [
            ("linear_num_key_heads", key_heads),
            ("linear_num_value_heads", value_heads),
            ("linear_key_head_dim", key_head_dim),
            ("linear_value_head_dim", value_head_dim),
        ] {
            if value == 0 {
                return Err(rejected(key, "is 0 in a Gated DeltaNet model".into()));
            }
        }
        Ok(Some(GdnShape {
            key_heads,
            value_heads,
            key_head_dim,
            value_head_dim,
        }))
    }
}
