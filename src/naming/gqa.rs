//! GQA definitions: `gqa_paged_{prefill_causal,decode}_h{h}_kv{kv}_d{d}_ps{1,64}` and
//! `gqa_ragged_prefill_causal_h{h}_kv{kv}_d{d}`.
//!
//! Rule: per attention-TP size, `h = num_attention_heads / tp`; `kv = num_key_value_heads / tp`
//! when there are at least `tp` KV heads, else each rank keeps one replicated KV head (`kv1`,
//! SGLang's `QKVParallelLinear`); `d = head_dim` (default `hidden_size / num_attention_heads`).
//! Paged prefill and decode come in page sizes 1 and 64; ragged prefill has no page size.
//! Sliding-window and chunked layers use the same kernels with a window, so the same names.
//!
//! Why: `gqa_paged_decode_h32_kv8_d128_ps1` (Llama 3.1 8B, TP=1);
//! `gqa_paged_prefill_causal_h6_kv1_d128_ps64` (MiniMax M2, TP=8: 48/8 = 6, 8/8 = 1);
//! `gqa_paged_prefill_causal_h16_kv1_d128_ps64` (Qwen3 235B at TP=4: 4 KV heads / 4 = 1);
//! `gqa_ragged_prefill_causal_h8_kv1_d256` (Qwen3 Next at TP=2: 16/2, 2/2, head_dim 256);
//! `gqa_paged_decode_h32_kv16_d128_ps1` (Gemma 3 27B: sliding and global layers share it).

use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

/// (op_type, name prefix, page size)
const TEMPLATES: [(&str, &str, Option<u32>); 5] = [
    ("gqa_paged", "gqa_paged_prefill_causal", Some(1)),
    ("gqa_paged", "gqa_paged_prefill_causal", Some(64)),
    ("gqa_paged", "gqa_paged_decode", Some(1)),
    ("gqa_paged", "gqa_paged_decode", Some(64)),
    ("gqa_ragged", "gqa_ragged_prefill_causal", None),
];

pub(crate) fn derive(arch: &Architecture, tps: &[u32], derivation: &mut Derivation) {
    if arch.attention.is_empty() {
        return;
    }
    if arch.layers.sliding > 0 {
        derivation.note(
            "sliding-window / chunked attention layers run the same gqa kernels with a window; the names do not encode it",
        );
    }
    let sinks = arch
        .new_modules
        .iter()
        .any(|m| m.op_type == "gqa_paged" || m.op_type == "gqa_ragged");
    let sink_note = sinks
        .then(|| "the model adds attention sinks; this definition has no sink input".to_string());
    let several_shapes = arch.attention.len() > 1;
    for shape in &arch.attention {
        let mut per_tp = Vec::new();
        let heads = shape.heads;
        let usable = dividing_sizes(
            derivation,
            tps,
            &[heads],
            ("gqa", "tp"),
            &format!("num_attention_heads {heads} is"),
        );
        for tp in usable {
            let Some(kv) = kv_heads_per_rank(shape.kv_heads, tp) else {
                derivation.note(format!(
                    "gqa at tp {tp} skipped: num_key_value_heads {} cannot be split or replicated over tp {tp}",
                    shape.kv_heads
                ));
                continue;
            };
            let h = heads / tp;
            let (kv_origin, kv_text) = if shape.kv_heads >= tp {
                (
                    Origin::split("num_key_value_heads", shape.kv_heads, "tp", tp),
                    format!("num_key_value_heads {} / tp {tp} = kv{kv}", shape.kv_heads),
                )
            } else {
                let text = format!(
                    "num_key_value_heads {} < tp {tp}: one replicated KV head per rank",
                    shape.kv_heads
                );
                let kv_text = format!("{text} = kv{kv}");
                (Origin::Derived(text), kv_text)
            };
            let mut why = format!(
                "num_attention_heads {heads} / tp {tp} = h{h}; {kv_text}; head_dim {}",
                shape.head_dim
            );
            if several_shapes {
                why.push_str(&format!(" ({} attention layers)", shape.layers));
            }
            per_tp.push((tp, h, kv, why, kv_origin));
        }
        for (op_type, prefix, page) in TEMPLATES {
            for (tp, h, kv, why, kv_origin) in &per_tp {
                let d = shape.head_dim;
                let (name, why) = match page {
                    Some(ps) => (
                        format!("{prefix}_h{h}_kv{kv}_d{d}_ps{ps}"),
                        format!("{why}; page_size {ps}"),
                    ),
                    None => (format!("{prefix}_h{h}_kv{kv}_d{d}"), why.clone()),
                };
                derivation.define(
                    ExpectedDefinition::new(name, op_type, why)
                        .sized(
                            "h",
                            *h,
                            Origin::split("num_attention_heads", heads, "tp", *tp),
                        )
                        .sized("kv", *kv, kv_origin.clone())
                        .sized("d", d, Origin::Key("head_dim"))
                        .at_tp(*tp)
                        .with_note(sink_note.clone()),
                );
            }
        }
    }
}

/// Heads of a grouped quantity (KV heads, Mamba groups) per rank: split when there are at least
/// `tp` of them, else one replicated per rank. `None` when neither divides the other.
pub(crate) fn kv_heads_per_rank(total: u32, tp: u32) -> Option<u32> {
    if total == 0 || tp == 0 {
        None
    } else if total >= tp {
        (total % tp == 0).then_some(total / tp)
    } else {
        (tp % total == 0).then_some(1)
    }
}
