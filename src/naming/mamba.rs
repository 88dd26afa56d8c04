//! Mamba2 SSU definitions: `mamba_ssu_decode_h{h}_d{head_dim}_s{state}_ng{ng}`.
//!
//! Rule: per attention-TP size, `h = mamba_num_heads / tp` and `ng = n_groups / tp` (one
//! replicated group per rank when there are fewer groups than ranks); `d = mamba_head_dim` and
//! `s = ssm_state_size` are not sharded. FlashInfer's `selective_state_update` needs
//! `h / ng` in {1, 8, 16}: a model outside that still gets its name, flagged with a note saying
//! why the definition cannot exist.
//!
//! Why: `mamba_ssu_decode_h128_d64_s128_ng8` (Nemotron-H 8B, TP=1) and
//! `mamba_ssu_decode_h64_d64_s128_ng4` (TP=2: "heads split by TP: 128/2=64, groups split by TP:
//! 8/2=4. nheads/ngroups=16 is supported by FlashInfer").

use super::gqa::kv_heads_per_rank;
use super::{dividing_sizes, Derivation, ExpectedDefinition, Origin};
use crate::arch::Architecture;

const SUPPORTED_RATIOS: [u32; 3] = [1, 8, 16];

pub(crate) fn derive(arch: &Architecture, tps: &[u32], derivation: &mut Derivation) {
    let Some(m) = &arch.mamba else {
        return;
    };
    let usable = dividing_sizes(
        derivation,
        tps,
        &[m.heads],
        ("mamba_ssu", "tp"),
        &format!("mamba_num_heads {} is", m.heads),
    );
    for tp in usable {
        let Some(ng) = kv_heads_per_rank(m.groups, tp) else {
            derivation.note(format!(
                "mamba_ssu at tp {tp} skipped: n_groups {} cannot be split or replicated over tp {tp}",
                m.groups
            ));
            continue;
        };
        let h = m.heads / tp;
        let ratio = if h % ng == 0 { Some(h / ng) } else { None };
        let ratio_note = match ratio {
            Some(r) if SUPPORTED_RATIOS.contains(&r) => None,
            _ => {
                let ratio_text = ratio.map_or_else(|| format!("{h}/{ng}"), |r| r.to_string());
                derivation.note(format!(
                    "mamba_ssu: nheads/ngroups = {ratio_text} per rank is not supported by FlashInfer's selective_state_update (1, 8 or 16 only): these definitions cannot exist for this model"
                ));
                Some(format!(
                    "nheads/ngroups = {h}/{ng} = {ratio_text}; FlashInfer's selective_state_update supports only 1, 8 or 16, so this definition cannot exist"
                ))
            }
        };
        let (groups_text, groups_origin) = if m.groups >= tp {
            (
                format!("n_groups {} / tp {tp} = ng{ng}", m.groups),
                Origin::split("n_groups", m.groups, "tp", tp),
            )
        } else {
            let replicated = format!(
                "n_groups {} < tp {tp}: one replicated group per rank",
                m.groups
            );
            (
                format!("{replicated} = ng{ng}"),
                Origin::Derived(replicated),
            )
        };
        derivation.define(
            ExpectedDefinition::new(
                format!(
                    "mamba_ssu_decode_h{h}_d{}_s{}_ng{ng}",
                    m.head_dim, m.state_size
                ),
                "mamba_ssu",
                format!(
                    "mamba_num_heads {} / tp {tp} = h{h}; mamba_head_dim {} = d{}; ssm_state_size {} = s{}; {groups_text}",
                    m.heads, m.head_dim, m.head_dim, m.state_size, m.state_size
                ),
            )
            .sized("h", h, Origin::split("mamba_num_heads", m.heads, "tp", tp))
            .sized("d", m.head_dim, Origin::Key("mamba_head_dim"))
            .sized("s", m.state_size, Origin::Key("ssm_state_size"))
            .sized("ng", ng, groups_origin)
            .at_tp(tp)
            .with_note(ratio_note),
        );
    }
}
