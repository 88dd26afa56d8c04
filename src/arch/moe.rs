//! Mixture of experts: which layers are MoE (every family's interval / offset / dense-prefix
//! key), expert count, top-k, expert and shared-expert sizes, and the routing that picks the
//! MoE definition family.

use super::validation::{rejected, ConfigError, MAX_SIZE};
use super::{ArchitectureReader, MoeShape, Routing};

/// The expert-count keys of every family, in the order they are looked up.
const EXPERT_COUNT_KEYS: [&str; 5] = [
    "n_routed_experts",
    "num_experts",
    "num_local_experts",
    "moe_num_experts",
    "num_routed_experts",
];

impl ArchitectureReader<'_> {
    pub(super) fn is_moe_layer(&self, i: usize) -> Result<bool, ConfigError> {
        let k = self.keys;
        let Some((_, experts)) = self.expert_count()? else {
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

    /// The expert count and the key that gave it.
    fn expert_count(&self) -> Result<Option<(&'static str, u32)>, ConfigError> {
        self.keys.first_uint(&EXPERT_COUNT_KEYS)
    }

    pub(super) fn moe(&mut self, moe_layers: u32) -> Result<Option<MoeShape>, ConfigError> {
        let k = self.keys;
        let Some((experts_key, experts)) = self.expert_count()? else {
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
                experts_key,
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
        let (intermediate_key, intermediate) = match k.first_uint(&[
            "moe_intermediate_size",
            "expert_intermediate_size",
            "intermediate_size",
        ])? {
            Some((key, 0)) => {
                return Err(rejected(key, "is 0 but the model has MoE layers".into()))
            }
            Some(found) => found,
            None => {
                self.defaults.push(
                    "MoE expert size missing (`moe_intermediate_size`): MoE definitions not derived"
                        .to_string(),
                );
                return Ok(None);
            }
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
            shared_experts_size(n, intermediate_key, intermediate)?
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
}

/// `n_shared_experts` experts of the expert size, as one FFN; a product past [`MAX_SIZE`] is
/// refused naming the key (it would otherwise become a GEMM no model has).
fn shared_experts_size(
    count: u32,
    intermediate_key: &str,
    intermediate: u32,
) -> Result<u32, ConfigError> {
    let size = u64::from(count) * u64::from(intermediate);
    match u32::try_from(size) {
        Ok(size) if size <= MAX_SIZE => Ok(size),
        _ => Err(rejected(
            "n_shared_experts",
            format!(
                "is {count}: {count} × `{intermediate_key}` {intermediate} is more than the {MAX_SIZE} this tool accepts for a size"
            ),
        )),
    }
}
