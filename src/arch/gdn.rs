//! Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5): the `linear_*` head keys; the value
//! head dim defaults to the key head dim.

use super::validation::ConfigError;
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
        Ok(Some(GdnShape {
            key_heads,
            value_heads,
            key_head_dim,
            value_head_dim,
        }))
    }
}
