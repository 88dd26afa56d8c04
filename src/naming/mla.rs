//! MLA definitions: `mla_ragged_prefill_causal_h{h}_qk{qk}_vo{vo}` and
//! `mla_paged_{prefill_causal,decode}_h{h}_ckv{ckv}_kpe{kpe}_ps{1,64}`.
//!
//! Rule: per attention-TP size, `h = num_attention_heads / tp`; `ckv = kv_lora_rank` (the
//! compressed KV alone); `kpe = qk_rope_head_dim`; ragged prefill (the MHA path without prefix
//! cache) uses `qk = qk_nope_head_dim + qk_rope_head_dim` and `vo = v_head_dim`. Models with a
//! DSA indexer use `dsa_sparse_attention` instead (see `dsa`).
//!
//! Why: `mla_paged_decode_h16_ckv512_kpe64_ps1` (DeepSeek V3, TP=8: 128/8 = 16, kv_lora_rank
//! 512). The skill spec's `ckv = kv_lora_rank + qk_rope_head_dim` would give `ckv576`, which no
//! definition has. `mla_ragged_prefill_causal_h16_qk192_vo128` (128 + 64 = 192);
//! `mla_paged_decode_h8_ckv512_kpe64_ps1` (Kimi K2, 64 heads at TP=8).

use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

const PAGED: [(&str, u32); 4] = [
    ("mla_paged_prefill_causal", 1),
    ("mla_paged_prefill_causal", 64),
    ("mla_paged_decode", 1),
    ("mla_paged_decode", 64),
];

pub(crate) fn derive(arch: &Architecture, tps: &[u32], derivation: &mut Derivation) {
    let Some(mla) = &arch.mla else {
        return;
    };
    if arch.dsa.is_some() || arch.layers.attention == 0 {
        return;
    }
    let heads = mla.heads;
    let usable = dividing_sizes(
        derivation,
        tps,
        &[heads],
        ("mla", "tp"),
        &format!("num_attention_heads {heads} is"),
    );
    let (nope, rope, v, ckv) = (
        mla.qk_nope_head_dim,
        mla.qk_rope_head_dim,
        mla.v_head_dim,
        mla.kv_lora_rank,
    );
    for &tp in &usable {
        let h = heads / tp;
        let qk = nope + rope;
        derivation.define(
            ExpectedDefinition::new(
                format!("mla_ragged_prefill_causal_h{h}_qk{qk}_vo{v}"),
                "mla_ragged",
                format!(
                    "num_attention_heads {heads} / tp {tp} = h{h}; qk_nope_head_dim {nope} + qk_rope_head_dim {rope} = qk{qk}; v_head_dim {v} = vo{v}"
                ),
            )
            .sized("h", h, Origin::split("num_attention_heads", heads, "tp", tp))
            .sized(
                "qk",
                qk,
                Origin::Derived(format!("qk_nope_head_dim {nope} + qk_rope_head_dim {rope}")),
            )
            .sized("vo", v, Origin::Key("v_head_dim"))
            .at_tp(tp),
        );
    }
    for (prefix, ps) in PAGED {
        for &tp in &usable {
            let h = heads / tp;
            derivation.define(
                ExpectedDefinition::new(
                    format!("{prefix}_h{h}_ckv{ckv}_kpe{rope}_ps{ps}"),
                    "mla_paged",
                    format!(
                        "num_attention_heads {heads} / tp {tp} = h{h}; kv_lora_rank {ckv} = ckv{ckv}; qk_rope_head_dim {rope} = kpe{rope}; page_size {ps}"
                    ),
                )
                .sized("h", h, Origin::split("num_attention_heads", heads, "tp", tp))
                .sized("ckv", ckv, Origin::Key("kv_lora_rank"))
                .sized("kpe", rope, Origin::Key("qk_rope_head_dim"))
                .at_tp(tp),
            );
        }
    }
}
