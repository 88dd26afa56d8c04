//! GDN (Gated DeltaNet linear attention) definitions:
//! `gdn_{prefill,decode,mtp}_qk{qk}_v{v}_d{d}_k_last`.
//!
//! Rule: per attention-TP size, `qk = linear_num_key_heads / tp`, `v = linear_num_value_heads /
//! tp`, `d = linear_key_head_dim`; the state is stored k-last. Prefill, decode and MTP
//! (speculative verify) are three kernels.
//!
//! Why: `gdn_prefill_qk8_v16_d128_k_last` (Qwen3 Next at TP=2: 16/2 = 8 key heads, 32/2 = 16
//! value heads), `gdn_decode_qk4_v8_d128_k_last` (TP=4), `gdn_mtp_qk16_v32_d128_k_last` (TP=1).

use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

const STAGES: [&str; 3] = ["gdn_prefill", "gdn_decode", "gdn_mtp"];

pub(crate) fn derive(arch: &Architecture, tps: &[u32], derivation: &mut Derivation) {
    let Some(gdn) = &arch.gdn else {
        return;
    };
    if arch.layers.gdn == 0 {
        return;
    }
    let note = (gdn.value_head_dim != gdn.key_head_dim).then(|| {
        format!(
            "linear_value_head_dim {} differs from linear_key_head_dim {}; the name carries only d",
            gdn.value_head_dim, gdn.key_head_dim
        )
    });
    let usable = dividing_sizes(
        derivation,
        tps,
        &[gdn.key_heads, gdn.value_heads],
        ("gdn", "tp"),
        &format!(
            "linear_num_key_heads {} / linear_num_value_heads {}",
            gdn.key_heads, gdn.value_heads
        ),
    );
    let d = gdn.key_head_dim;
    for stage in STAGES {
        for &tp in &usable {
            let (qk, v) = (gdn.key_heads / tp, gdn.value_heads / tp);
            derivation.define(
                ExpectedDefinition::new(
                    format!("{stage}_qk{qk}_v{v}_d{d}_k_last"),
                    "gdn",
                    format!(
                        "linear_num_key_heads {} / tp {tp} = qk{qk}; linear_num_value_heads {} / tp {tp} = v{v}; linear_key_head_dim {d} = d{d}; k-last state",
                        gdn.key_heads, gdn.value_heads
                    ),
                )
                .sized("qk", qk, Origin::split("linear_num_key_heads", gdn.key_heads, "tp", tp))
                .sized("v", v, Origin::split("linear_num_value_heads", gdn.value_heads, "tp", tp))
                .sized("d", d, Origin::Key("linear_key_head_dim"))
                .at_tp(tp)
                .with_note(note.clone()),
            );
        }
    }
}
