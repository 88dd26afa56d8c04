//! Same kernel, other name: before a computed name is reported missing, the dataset is
//! cross-checked (the procedure's "cross-check with actual files before marking as missing").
//!
//! Rule: a ❌ name `N` of op type `T` is *probably the same kernel* as a dataset definition `D`
//! when
//! 1. `D` is of op type `T`, has another name, and its constant axes (read from its JSON
//!    `axes`, never from its name) hold every dimension `N`'s name gives: `h32` is
//!    `num_qo_heads` 32 in `gqa_paged`, `n4096` is `N` 4096 in `gemm` ([`axes_for`] lists the
//!    dataset's axis for each size of each op type);
//! 2. `D`'s name pattern (its name with the sizes blanked, `fused_add_rmsnorm_h#`) is not one the
//!    doc itself uses: a kernel the doc tracks under its own name is another kernel
//!    (`fused_add_rmsnorm_h4096` is not `rmsnorm_h4096`, prefill is not decode);
//! 3. `D` has the shape of `N`'s kernel: when the dataset holds definitions of `N`'s own name
//!    pattern with other sizes, `D` has the same axes (names, const or var), inputs and outputs
//!    as the one sharing most sizes with `N` (`gqa_paged_decode_h16_kv2_d128_ps64` for
//!    `gqa_paged_decode_h32_kv8_d128_ps64`: page size 64 adds `kv_last_page_len`); without
//!    one, `D` has no constant axis beyond those `N`'s sizes name.
//!
//! Such a row stays ❌ in the doc (the doc's rules decide statuses), and the report says
//! "probably the same kernel as `D`" so nobody writes it twice nor trusts a ✅ that isn't.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lint::names::{shape, NameShape};

/// One definition of the dataset as its JSON describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelDefinition {
    /// The file name without `.json` (the name everything else uses).
    pub name: String,
    pub op_type: String,
    /// Axis name → its `type` and, for an integer `const`, its `value`.
    pub axes: BTreeMap<String, Axis>,
    pub inputs: BTreeSet<String>,
    pub outputs: BTreeSet<String>,
}

/// What a definition JSON says about its kernel, whatever its name: its axes, inputs and
/// outputs (the dataset's own schema). Kept in the Hub tags cache beside the tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelShape {
    pub axes: BTreeMap<String, Axis>,
    pub inputs: BTreeSet<String>,
    pub outputs: BTreeSet<String>,
}

impl KernelShape {
    /// The shape of a definition JSON; `None` without an `axes` object.
    pub fn parse(json: &Value) -> Option<KernelShape> {
        let axes = json
            .get("axes")?
            .as_object()?
            .iter()
            .map(|(axis, spec)| {
                let kind = spec.get("type").and_then(Value::as_str).unwrap_or_default();
                let value = (kind == "const")
                    .then(|| spec.get("value").and_then(Value::as_u64))
                    .flatten();
                let axis_spec = Axis {
                    kind: kind.to_string(),
                    value,
                };
                (axis.clone(), axis_spec)
            })
            .collect();
        let keys = |field: &str| -> BTreeSet<String> {
            json.get(field)
                .and_then(Value::as_object)
                .map(|map| map.keys().cloned().collect())
                .unwrap_or_default()
        };
        Some(KernelShape {
            axes,
            inputs: keys("inputs"),
            outputs: keys("outputs"),
        })
    }

    /// The definition named `name` (its file name) of `op_type` with this shape.
    pub fn named(self, name: String, op_type: String) -> KernelDefinition {
        KernelDefinition {
            name,
            op_type,
            axes: self.axes,
            inputs: self.inputs,
            outputs: self.outputs,
        }
    }
}

/// One axis of a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// `const` or `var` (as written).
    pub kind: String,
    /// The value of a `const` axis, when it is a non-negative integer.
    pub value: Option<u64>,
}

/// A missing definition the dataset probably has under another name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SameKernel {
    pub definition: String,
    pub op_type: String,
    /// The sections listing it as ❌, sorted.
    pub models: Vec<String>,
    /// The dataset's names for the same kernel, sorted.
    pub same_as: Vec<String>,
    /// "probably the same kernel as `…`".
    pub note: String,
}

/// A missing name to check: its op type and the sections that need it.
#[derive(Debug, Clone, Copy)]
pub struct Missing<'a> {
    pub definition: &'a str,
    pub op_type: &'a str,
    pub models: &'a [String],
}

/// The missing names the dataset probably has under another name, in the order given.
/// `doc_names`: every concrete name of the doc (their patterns are kernels the doc knows);
/// `dataset`: the definitions of the op types of `missing`.
pub fn same_kernels<'a>(
    missing: impl IntoIterator<Item = Missing<'a>>,
    doc_names: impl IntoIterator<Item = &'a str>,
    dataset: &[KernelDefinition],
) -> Vec<SameKernel> {
    let doc_families: BTreeSet<String> = doc_names.into_iter().map(|n| shape(n).family).collect();
    let shaped: Vec<(NameShape, &KernelDefinition)> =
        dataset.iter().map(|d| (shape(&d.name), d)).collect();
    missing
        .into_iter()
        .filter_map(|missing| {
            let same_as = matches(missing, &doc_families, &shaped);
            (!same_as.is_empty()).then(|| SameKernel {
                definition: missing.definition.to_string(),
                op_type: missing.op_type.to_string(),
                models: missing.models.to_vec(),
                note: note(&same_as),
                same_as,
            })
        })
        .collect()
}

/// "probably the same kernel as `a`" (or "`a` or `b`").
pub fn note(same_as: &[String]) -> String {
    let names: Vec<String> = same_as.iter().map(|n| format!("`{n}`")).collect();
    format!("probably the same kernel as {}", names.join(" or "))
}

/// The dataset's names for `missing`'s kernel, sorted.
fn matches(
    missing: Missing,
    doc_families: &BTreeSet<String>,
    dataset: &[(NameShape, &KernelDefinition)],
) -> Vec<String> {
    let wanted = shape(missing.definition);
    let Some(dimensions) = dimensions(missing.op_type, &wanted) else {
        return Vec::new();
    };
    if dimensions.is_empty() {
        return Vec::new();
    }
    let of_type = |d: &&(NameShape, &KernelDefinition)| d.1.op_type == missing.op_type;
    // The definition of the same name pattern sharing most sizes: the kernel's shape.
    let sibling = dataset
        .iter()
        .filter(of_type)
        .filter(|(shape, _)| shape.family == wanted.family)
        .max_by(|(a, da), (b, db)| {
            shared_sizes(&wanted, a)
                .cmp(&shared_sizes(&wanted, b))
                .then_with(|| db.name.cmp(&da.name))
        })
        .map(|(_, d)| *d);
    let mut names: Vec<String> = dataset
        .iter()
        .filter(of_type)
        .filter(|(shape, d)| d.name != missing.definition && !doc_families.contains(&shape.family))
        .filter(|(_, d)| holds(d, &dimensions))
        .filter(|(_, d)| match sibling {
            Some(sibling) => signature(d) == signature(sibling),
            None => d
                .axes
                .iter()
                .filter(|(_, axis)| axis.kind == "const")
                .all(|(name, _)| {
                    dimensions
                        .iter()
                        .any(|(axes, _)| axes.contains(&name.as_str()))
                }),
        })
        .map(|(_, d)| d.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Each compared size of `name` with the axes that may carry it; `None` when a size of the
/// name means nothing known for `op_type` (nothing can be compared then).
fn dimensions(op_type: &str, name: &NameShape) -> Option<Vec<(&'static [&'static str], u64)>> {
    let mut out = Vec::new();
    for (prefix, value) in &name.dims {
        match axes_for(op_type, prefix)? {
            [] => {}
            axes => out.push((axes, *value)),
        }
    }
    Some(out)
}

/// The dataset's constant axes a size prefix of a name stands for, per op type (an empty list:
/// the size is no axis, e.g. the routing groups `ng` / `kg` of
/// `moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048`); `None`: unknown.
/// From the dataset's own definitions: `gqa_paged_decode_h16_kv2_d128_ps1` (`num_qo_heads`,
/// `num_kv_heads`, `head_dim`, `page_size`), `mla_paged_decode_h16_ckv512_kpe64_ps1`,
/// `mla_ragged_prefill_causal_h16_qk192_vo128`, `dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1`,
/// `dsa_topk_indexer_fp8_h64_d128_topk2048_ps64`, `gdn_decode_qk16_v32_d128_k_last`,
/// `mamba_ssu_decode_h64_d64_s128_ng4`, `moe_fp8_block_scale_renorm_topk10_e128_h2048_i512`,
/// `rmsnorm_h4096`, `rope_with_cos_sin_cache_neox_style_d128_rd64`,
/// `top_k_sampling_from_probs_v128256`, `gemm_n4096_k14336`.
pub fn axes_for(op_type: &str, prefix: &str) -> Option<&'static [&'static str]> {
    let axes: &[&str] = match (op_type, prefix) {
        ("gqa_paged" | "gqa_ragged", "h") => &["num_qo_heads"],
        ("gqa_paged" | "gqa_ragged", "kv") => &["num_kv_heads"],
        ("gqa_paged" | "gqa_ragged", "d") => &["head_dim"],
        ("gqa_paged" | "mla_paged" | "dsa_paged", "ps") => &["page_size"],
        ("mla_paged" | "mla_ragged", "h") => &["num_qo_heads"],
        ("mla_paged" | "dsa_paged", "ckv") => &["head_dim_ckv"],
        ("mla_paged" | "dsa_paged", "kpe") => &["head_dim_kpe"],
        ("mla_ragged", "qk") => &["qk_dim"],
        ("mla_ragged", "vo") => &["vo_dim"],
        ("dsa_paged", "h") => &["num_qo_heads", "num_index_heads"],
        ("dsa_paged", "d") => &["index_head_dim"],
        ("dsa_paged", "topk") => &["topk"],
        ("gdn", "qk") => &["num_q_heads"],
        ("gdn", "v") => &["num_v_heads"],
        ("gdn", "d") => &["head_size"],
        ("mamba_ssu", "h") => &["nheads"],
        ("mamba_ssu", "d") => &["head_dim"],
        ("mamba_ssu", "s") => &["dstate"],
        ("mamba_ssu", "ng") => &["ngroups"],
        ("moe", "topk") => &["top_k"],
        ("moe", "e") => &["num_local_experts"],
        ("moe", "h") => &["hidden_size"],
        ("moe", "i") => &["intermediate_size"],
        ("moe", "ng" | "kg") => &[],
        ("rmsnorm", "h") => &["hidden_size"],
        ("rope", "d") => &["head_size"],
        ("rope", "rd") => &["rotary_dim"],
        ("sampling", "v") => &["vocab_size"],
        ("gemm", "n") => &["N"],
        ("gemm", "k") => &["K"],
        _ => return None,
    };
    Some(axes)
}

/// Whether `definition` has, for every size, one of its axes constant at that value.
fn holds(definition: &KernelDefinition, dimensions: &[(&[&str], u64)]) -> bool {
    dimensions.iter().all(|(axes, value)| {
        axes.iter().any(|axis| {
            definition
                .axes
                .get(*axis)
                .is_some_and(|a| a.kind == "const" && a.value == Some(*value))
        })
    })
}

/// How many sizes two names of one pattern share.
fn shared_sizes(a: &NameShape, b: &NameShape) -> usize {
    a.dims.iter().zip(&b.dims).filter(|(x, y)| x == y).count()
}

/// A kernel's shape: its axes (name and kind), inputs and outputs.
fn signature(
    definition: &KernelDefinition,
) -> (Vec<(&str, &str)>, &BTreeSet<String>, &BTreeSet<String>) {
    let axes = definition
        .axes
        .iter()
        .map(|(name, axis)| (name.as_str(), axis.kind.as_str()))
        .collect();
    (axes, &definition.inputs, &definition.outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(name: &str, axes: &[(&str, Option<u64>)], inputs: &[&str]) -> KernelDefinition {
        KernelDefinition {
            name: name.to_string(),
            op_type: "gqa_paged".to_string(),
            axes: axes
                .iter()
                .map(|(axis, value)| {
                    let kind = if value.is_some() { "const" } else { "var" };
                    (
                        axis.to_string(),
                        Axis {
                            kind: kind.to_string(),
                            value: *value,
                        },
                    )
                })
                .collect(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: ["output".to_string()].into(),
        }
    }

    fn decode(name: &str, [h, kv, d, ps]: [u64; 4]) -> KernelDefinition {
        definition(
            name,
            &[
                ("batch_size", None),
                ("num_qo_heads", Some(h)),
                ("num_kv_heads", Some(kv)),
                ("head_dim", Some(d)),
                ("page_size", Some(ps)),
            ],
            &["q", "k_cache"],
        )
    }

    #[test]
    fn a_renamed_definition_with_the_computed_axes_is_the_same_kernel() {
        let models = vec!["M".to_string()];
        let missing = Missing {
            definition: "gqa_paged_decode_h32_kv8_d128_ps1",
            op_type: "gqa_paged",
            models: &models,
        };
        let mut prefill = decode("gqa_paged_prefill_causal_h32_kv8_d128_ps1", [32, 8, 128, 1]);
        prefill.inputs.insert("qo_indptr".into());
        let dataset = vec![
            decode("gqa_paged_decode_h16_kv2_d128_ps1", [16, 2, 128, 1]),
            // Its name says h32, its axes say 16: read the axes, not the name.
            decode("paged_decode_h32_kv8_d128_p1_v2", [16, 8, 128, 1]),
            decode("paged_decode_attention_32x8x128", [32, 8, 128, 1]),
            prefill,
        ];
        let doc = ["gqa_paged_decode_h32_kv8_d128_ps1"];
        let found = same_kernels([missing], doc, &dataset);
        assert_eq!(
            found,
            [SameKernel {
                definition: "gqa_paged_decode_h32_kv8_d128_ps1".into(),
                op_type: "gqa_paged".into(),
                models: models.clone(),
                same_as: vec!["paged_decode_attention_32x8x128".into()],
                note: "probably the same kernel as `paged_decode_attention_32x8x128`".into(),
            }]
        );
        // A pattern the doc uses is a kernel of its own, whatever its axes.
        let doc = [
            "gqa_paged_decode_h32_kv8_d128_ps1",
            "paged_decode_attention_32x8x128",
        ];
        assert_eq!(same_kernels([missing], doc, &dataset), []);
    }
}
