//! Modules no definition family covers (attention sinks, lightning attention, unknown layer
//! kinds, QK-norm across heads): recorded as [`NewModule`]s so the model still gets a section.

use super::{ArchitectureReader, LayerMix, NewModule};

impl ArchitectureReader<'_> {
    /// Attention features no definition models.
    pub(super) fn attention_extras(&mut self, attention_layers: u32) {
        if attention_layers > 0 && self.model_type == "gpt_oss" {
            self.new_modules.push(NewModule {
                label: "Attention sinks (learned per-head sink logits)".to_string(),
                op_type: "gqa_paged".to_string(),
                why: "`gpt_oss` adds a learned sink logit per head to every attention softmax; the gqa definitions have no sink input".to_string(),
            });
        }
    }

    pub(super) fn layer_extras(&mut self, layers: &LayerMix, num_layers: u32) {
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
}
