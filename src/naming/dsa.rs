//! DSA (DeepSeek Sparse Attention) definitions:
//! `dsa_topk_indexer_fp8_h{index_n_heads}_d{index_head_dim}_topk{index_topk}_ps64` and
//! `dsa_sparse_attention_h{h}_ckv{kv_lora_rank}_kpe{qk_rope_head_dim}_topk{index_topk}_ps{1,64}`.
//!
//! Rule: the indexer's heads are `index_n_heads`, not sharded by TP, and it exists only with page
//! size 64; the sparse MLA attention has `h = num_attention_heads / tp` and MLA's `ckv`/`kpe`.
//! DSA replaces the dense MLA kernels of the model.
//!
//! Why: `dsa_topk_indexer_fp8_h64_d128_topk2048_ps64` (DeepSeek V3.2: index_n_heads 64, no TP
//! tag) — the skill spec's `h{num_heads//TP}` would give h16 at TP=8, which does not exist;
//! `dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1` (TP=8: 128/8 = 16).

use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

pub(crate) fn derive(arch: &Architecture, tps: &[u32], derivation: &mut Derivation) {
    let (Some(dsa), Some(mla)) = (&arch.dsa, &arch.mla) else {
        return;
    };
    let (ih, id, topk) = (dsa.heads, dsa.head_dim, dsa.topk);
    derivation.define(ExpectedDefinition::new(
        format!("dsa_topk_indexer_fp8_h{ih}_d{id}_topk{topk}_ps64"),
        "dsa_paged",
        format!(
            "index_n_heads {ih} (not sharded by TP) = h{ih}; index_head_dim {id} = d{id}; index_topk {topk} = topk{topk}; page_size 64"
        ),
    )
    .sized("h", ih, Origin::Key("index_n_heads"))
    .sized("d", id, Origin::Key("index_head_dim"))
    .sized("topk", topk, Origin::Key("index_topk")));
    let heads = mla.heads;
    let (ckv, kpe) = (mla.kv_lora_rank, mla.qk_rope_head_dim);
    let usable = dividing_sizes(
        derivation,
        tps,
        &[heads],
        ("dsa", "tp"),
        &format!("num_attention_heads {heads} is"),
    );
    for ps in [1, 64] {
        for &tp in &usable {
            let h = heads / tp;
            derivation.define(
                ExpectedDefinition::new(
                    format!("dsa_sparse_attention_h{h}_ckv{ckv}_kpe{kpe}_topk{topk}_ps{ps}"),
                    "dsa_paged",
                    format!(
                        "num_attention_heads {heads} / tp {tp} = h{h}; kv_lora_rank {ckv} = ckv{ckv}; qk_rope_head_dim {kpe} = kpe{kpe}; index_topk {topk} = topk{topk}; page_size {ps}"
                    ),
                )
                .sized("h", h, Origin::split("num_attention_heads", heads, "tp", tp))
                .sized("ckv", ckv, Origin::Key("kv_lora_rank"))
                .sized("kpe", kpe, Origin::Key("qk_rope_head_dim"))
                .sized("topk", topk, Origin::Key("index_topk"))
                .at_tp(tp),
            );
        }
    }
}
