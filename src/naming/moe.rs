//! MoE definitions, by routing family, with `e = experts / ep` and the unsharded
//! `i = moe_intermediate_size` (Mixtral, Llama 4, gpt-oss, MiniMax: `intermediate_size`):
//!
//! - DeepSeek-style grouped routing (sigmoid + correction bias; `n_group`/`topk_group`, both 1
//!   when absent): `moe_fp8_block_scale_ds_routing_topk{k}_ng{ng}_kg{kg}_e{e}_h{h}_i{i}`.
//! - Renormalize routing (top-k then softmax: Qwen `norm_topk_prob`, Mixtral, gpt-oss):
//!   `moe_fp8_block_scale_renorm_…`, `trtllm_fp4_block_scale_moe_…`,
//!   `trtllm_fp4_block_scale_routed_moe_…`, `trtllm_fp8_per_tensor_scale_moe_…`, each
//!   `topk{k}_e{e}_h{h}_i{i}`.
//! - Llama 4 routing (sigmoid top-1): the three `trtllm_…` variants, not `moe_fp8_block_scale_…`.
//! - Softmax without renormalization, or sigmoid without bias: no family, reported unmapped.
//!
//! Why: `moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048` (DeepSeek V3, EP=8: 256/8);
//! `moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e48_h7168_i2048` (Kimi K2, n_group 1, EP=8);
//! `moe_fp8_block_scale_renorm_topk8_e128_h2048_i768`, `trtllm_fp4_block_scale_moe_topk8_e128_…`,
//! `trtllm_fp4_block_scale_routed_moe_topk8_e128_…`, `trtllm_fp8_per_tensor_scale_moe_topk8_e128_…`
//! (Qwen3 30B A3B); `trtllm_fp4_block_scale_moe_topk10_e128_h2048_i512` (Qwen3 Next, 512 experts
//! at EP=4); `trtllm_fp4_block_scale_moe_topk1_e16_h5120_i8192`,
//! `trtllm_fp8_per_tensor_scale_moe_topk1_e16_h5120_i8192` (Llama 4 Scout: Llama4 routing, and
//! no `moe_fp8_block_scale_` definition). The skill spec lists only the ds_routing family.
//! MiniMax M2 (sigmoid + `use_routing_bias`, no groups) follows Kimi K2's `ng1_kg1`.

use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::{Architecture, Routing};

const RENORMALIZE: [&str; 4] = [
    "moe_fp8_block_scale_renorm",
    "trtllm_fp4_block_scale_moe",
    "trtllm_fp4_block_scale_routed_moe",
    "trtllm_fp8_per_tensor_scale_moe",
];
const LLAMA4: [&str; 3] = [
    "trtllm_fp4_block_scale_moe",
    "trtllm_fp4_block_scale_routed_moe",
    "trtllm_fp8_per_tensor_scale_moe",
];

pub(crate) fn derive(arch: &Architecture, eps: &[u32], derivation: &mut Derivation) {
    let Some(moe) = &arch.moe else {
        return;
    };
    let (k, h, i, experts) = (moe.top_k, arch.hidden_size, moe.intermediate, moe.experts);
    let mut groups = None;
    let (families, routing_text): (Vec<String>, String) = match &moe.routing {
        Routing::Grouped {
            n_group,
            topk_group,
        } => {
            groups = Some((*n_group, *topk_group));
            (
                vec![format!("moe_fp8_block_scale_ds_routing_topk{k}_ng{n_group}_kg{topk_group}")],
                format!("DeepSeek routing: n_group {n_group} = ng{n_group}, topk_group {topk_group} = kg{topk_group}"),
            )
        }
        Routing::Renormalize => (
            RENORMALIZE.iter().map(|f| format!("{f}_topk{k}")).collect(),
            "renormalize routing (top-k, then softmax)".to_string(),
        ),
        Routing::Llama4 => (
            LLAMA4.iter().map(|f| format!("{f}_topk{k}")).collect(),
            "Llama4 routing (sigmoid of the top-k logits)".to_string(),
        ),
        Routing::SoftmaxNoRenorm | Routing::SigmoidWithoutBias => {
            let routing = if moe.routing == Routing::SoftmaxNoRenorm {
                "softmax then top-k without renormalization (`norm_topk_prob` false)"
            } else {
                "sigmoid scores without a correction bias"
            };
            derivation.unmapped(
                format!("MoE gate / topk / experts (top-{k}, {experts} experts)"),
                "moe",
                format!("{routing}: no MoE definition family has this routing"),
            );
            return;
        }
    };
    let note = (!moe.gated).then(|| {
        "experts are relu2 (no gate): the definition assumes SwiGLU experts (gemm1 = 2 × i)"
            .to_string()
    });
    let usable = dividing_sizes(
        derivation,
        eps,
        &[experts],
        ("moe", "ep"),
        &format!("{experts} experts are"),
    );
    for family in &families {
        for &ep in &usable {
            let e = experts / ep;
            let mut definition = ExpectedDefinition::new(
                format!("{family}_e{e}_h{h}_i{i}"),
                "moe",
                format!(
                    "{routing_text}; num_experts_per_tok {k} = topk{k}; experts {experts} / ep {ep} = e{e}; hidden_size {h} = h{h}; expert intermediate {i} (unsharded) = i{i}"
                ),
            )
            .sized("topk", k, Origin::Key("num_experts_per_tok"));
            if let Some((n_group, topk_group)) = groups {
                definition = definition
                    .sized("ng", n_group, Origin::Key("n_group"))
                    .sized("kg", topk_group, Origin::Key("topk_group"));
            }
            derivation.define(
                definition
                    .sized(
                        "e",
                        e,
                        Origin::Derived(format!("experts {experts} / ep {ep}")),
                    )
                    .sized("h", h, Origin::Key("hidden_size"))
                    .sized(
                        "i",
                        i,
                        Origin::Derived(format!("expert intermediate {i} (unsharded)")),
                    )
                    .at_ep(ep)
                    .with_note(note.clone()),
            );
        }
    }
}
