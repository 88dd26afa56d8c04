//! RMSNorm definitions: `rmsnorm_h{n}` and `fused_add_rmsnorm_h{hidden_size}`.
//!
//! Rule: every model gets `rmsnorm_h{hidden_size}` (input, post-attention and final norms) and
//! `fused_add_rmsnorm_h{hidden_size}` (the residual add fused into the next norm). Models with a
//! per-head QK-norm add `rmsnorm_h{head_dim}`; MLA adds `rmsnorm_h{q_lora_rank}` (q_a_layernorm)
//! and `rmsnorm_h{kv_lora_rank}` (kv_a_layernorm). Sizes are never sharded by TP.
//!
//! Why: `rmsnorm_h4096` + `fused_add_rmsnorm_h4096` (Llama 3.1 8B); `rmsnorm_h128` (Qwen3 30B
//! A3B QK-norm, head_dim 128); `rmsnorm_h1536` and `rmsnorm_h512` (DeepSeek V3 q_lora_rank /
//! kv_lora_rank). Gemma's `(1 + w)` RMSNorm was traced under the same names (`rmsnorm_h5376`).
//! MiniMax's QK-norm spans all heads (`qk_norm_type: per_layer`) and is not `rmsnorm_h128`: the
//! dataset has no such definition for it; that module is reported unmapped by `arch`.

use super::{Derivation, ExpectedDefinition, Origin};
use crate::arch::{Architecture, QkNorm};

pub(crate) fn derive(arch: &Architecture, derivation: &mut Derivation) {
    let h = arch.hidden_size;
    derivation.define(
        ExpectedDefinition::new(
            format!("rmsnorm_h{h}"),
            "rmsnorm",
            format!("hidden_size {h}: input / post-attention / final RMSNorm"),
        )
        .sized("h", h, Origin::Key("hidden_size")),
    );
    derivation.define(
        ExpectedDefinition::new(
            format!("fused_add_rmsnorm_h{h}"),
            "rmsnorm",
            format!("hidden_size {h}: residual add fused into the next RMSNorm"),
        )
        .sized("h", h, Origin::Key("hidden_size")),
    );
    if arch.qk_norm == QkNorm::PerHead {
        for shape in &arch.attention {
            let d = shape.head_dim;
            derivation.define(
                ExpectedDefinition::new(
                    format!("rmsnorm_h{d}"),
                    "rmsnorm",
                    format!("per-head QK-norm: head_dim {d}"),
                )
                .sized("h", d, Origin::Key("head_dim")),
            );
        }
    }
    if let Some(mla) = &arch.mla {
        if let Some(q) = mla.q_lora_rank {
            derivation.define(
                ExpectedDefinition::new(
                    format!("rmsnorm_h{q}"),
                    "rmsnorm",
                    format!("MLA q_a_layernorm: q_lora_rank {q}"),
                )
                .sized("h", q, Origin::Key("q_lora_rank")),
            );
        }
        let kv = mla.kv_lora_rank;
        derivation.define(
            ExpectedDefinition::new(
                format!("rmsnorm_h{kv}"),
                "rmsnorm",
                format!("MLA kv_a_layernorm: kv_lora_rank {kv}"),
            )
            .sized("h", kv, Origin::Key("kv_lora_rank")),
        );
    }
}
