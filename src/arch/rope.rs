//! Rotary position embedding: absent (Mamba hybrids, non-rope position embeddings), cached
//! over `rotary_dim` of `head_dim` (partial rotary factor, MLA's rope part, interleaved or
//! NeoX style), or multimodal (`mrope_section`).

use super::validation::ConfigError;
use super::{ArchitectureReader, MlaShape, Rope, RopeStyle};
use serde_json::Value;

impl ArchitectureReader<'_> {
    pub(super) fn rope(
        &mut self,
        head_dim: Option<u32>,
        mla: Option<&MlaShape>,
    ) -> Result<Rope, ConfigError> {
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
}
