//! A definition name split into its family and its dimensions, so two names of one family can
//! be compared dimension by dimension.
//!
//! Rule: tokens between `_` whose letters are a known dimension prefix followed by digits are
//! dimensions (`h32`, `kv8`, `d128`, `ps64`, `qk192`, `vo128`, `ckv512`, `kpe64`, `topk8`,
//! `ng8`, `kg4`, `e32`, `i2048`, `n4096`, `k14336`, `v128256`, `s128`, `rd64`); every other
//! token is part of the family. The family is the name with each dimension's digits replaced by
//! `#`: `gemm_n4096_k22016` → `gemm_n#_k#`, `top_k_sampling_from_probs_v160000` →
//! `top_k_sampling_from_probs_v#`, `moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048`
//! → `moe_fp8_block_scale_ds_routing_topk#_ng#_kg#_e#_h#_i#` (`fp8` is a format, not a size).
//!
//! Why: every name `crate::naming` builds is a fixed family with sizes filled in (see the
//! `format!`s of each family module); the dataset's names follow the same shapes.

/// The prefixes that carry a size in the naming families.
const DIMENSIONS: [&str; 18] = [
    "h", "kv", "d", "ps", "qk", "vo", "ckv", "kpe", "topk", "ng", "kg", "e", "i", "n", "k", "v",
    "s", "rd",
];

/// A name's family and its dimensions in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameShape {
    pub family: String,
    pub dims: Vec<(String, u64)>,
}

/// Splits `name` (`[a-z0-9_]+`) into its family and dimensions.
pub fn shape(name: &str) -> NameShape {
    let mut family = String::with_capacity(name.len());
    let mut dims = Vec::new();
    for (index, token) in name.split('_').enumerate() {
        if index > 0 {
            family.push('_');
        }
        match dimension(token) {
            Some((prefix, value)) => {
                family.push_str(prefix);
                family.push('#');
                dims.push((prefix.to_string(), value));
            }
            None => family.push_str(token),
        }
    }
    NameShape { family, dims }
}

/// `kv8` → (`kv`, 8); a token that is not a known prefix followed by digits → `None`.
fn dimension(token: &str) -> Option<(&str, u64)> {
    let split = token.find(|c: char| c.is_ascii_digit())?;
    let (prefix, digits) = token.split_at(split);
    if !DIMENSIONS.contains(&prefix) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_dimensions() {
        let gemm = shape("gemm_n4096_k22016");
        assert_eq!(gemm.family, "gemm_n#_k#");
        assert_eq!(gemm.dims, vec![("n".into(), 4096), ("k".into(), 22016)]);
        assert_eq!(
            shape("moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048").family,
            "moe_fp8_block_scale_ds_routing_topk#_ng#_kg#_e#_h#_i#"
        );
        assert_eq!(
            shape("gdn_decode_qk8_v16_d128_k_last").family,
            "gdn_decode_qk#_v#_d#_k_last"
        );
        assert_eq!(
            shape("top_k_top_p_sampling_from_probs_v160000").family,
            "top_k_top_p_sampling_from_probs_v#"
        );
        // A prefix that is not a size stays in the family.
        assert_eq!(shape("trtllm_fp4_x9").family, "trtllm_fp4_x9");
    }
}
