//! Expected FlashInfer definition names for one model at given attention-TP and EP sizes.
//!
//! Rule: every module of the [`Architecture`] that a definition family covers yields concrete
//! names, one file per family, in the coverage doc's order: `norm`, `gemm`, the attention
//! families (`gdn`, `gqa`, `mla`, `dsa`, `mamba`), `moe`, `rope`, `sampling`.
//! Modules no family covers become [`UnmappedModule`]s (a `—` row) with the reason.
//!
//! Why: the dataset snapshot (`flashinfer-trace/definitions`) is the referee. Where the
//! upstream skill spec disagrees with it, the dataset wins; each family file cites the definition
//! that proves its rule. Examples: `gqa_paged_decode_h32_kv8_d128_ps1` (Llama 3.1 8B, TP=1),
//! `mla_paged_decode_h16_ckv512_kpe64_ps1` (DeepSeek V3, TP=8),
//! `moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048` (DeepSeek V3, EP=8).
//!
//! Guarantees: pure (no I/O, no clock); names match `[a-z0-9_]+`; one entry per distinct name,
//! the first (smallest) TP or EP that produces it wins; a TP or EP that does not divide a model's
//! heads or experts is skipped with a note instead of producing a wrong name.

mod dsa;
mod gdn;
mod gemm;
mod gqa;
mod mamba;
mod mla;
mod moe;
mod norm;
mod rope;
mod sampling;

use crate::arch::{Architecture, LayerMix};

/// The serving sizes to derive names for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parallelism {
    /// Attention tensor-parallel sizes (already `tp / dp` when DP attention is on).
    pub attention_tp: Vec<u32>,
    /// Expert-parallel sizes.
    pub ep: Vec<u32>,
}

impl Parallelism {
    /// Sorted, deduplicated, zero-free lists; an empty list means 1.
    pub fn new(attention_tp: Vec<u32>, ep: Vec<u32>) -> Self {
        Self {
            attention_tp: normalized_sizes(attention_tp),
            ep: normalized_sizes(ep),
        }
    }
}

/// Sorted, deduplicated, zero-free sizes; an empty list means `[1]`.
pub fn normalized_sizes(mut sizes: Vec<u32>) -> Vec<u32> {
    sizes.retain(|s| *s > 0);
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.is_empty() {
        sizes.push(1);
    }
    sizes
}

/// One definition the model is expected to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedDefinition {
    /// Concrete definition name, `[a-z0-9_]+`.
    pub name: String,
    /// The dataset's op_type folder: gqa_paged, gqa_ragged, mla_paged, mla_ragged, dsa_paged,
    /// gdn, mamba_ssu, moe, gemm, rmsnorm, rope, sampling.
    pub op_type: String,
    /// `Some(tp)` when the name depends on attention TP.
    pub tp: Option<u32>,
    /// `Some(ep)` when the name depends on EP.
    pub ep: Option<u32>,
    /// Config keys and arithmetic that give the name, for people.
    pub why: String,
    /// Where the name's sizes come from, for tools (the lint names the config key behind a
    /// wrong size from this, never from `why`).
    pub sources: Vec<SizeSource>,
    /// A caveat, e.g. a Mamba SSU head/group ratio FlashInfer does not support.
    pub note: Option<String>,
}

/// Where one size of a definition name comes from: `k12288` ← `intermediate_size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeSource {
    /// The letters before the size in the name (`h`, `kv`, `d`, `n`, `k`, `e`, `i`, `v`…).
    pub prefix: &'static str,
    pub value: u64,
    pub origin: Origin,
}

/// How a size follows from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A config key holds the size itself (`intermediate_size`).
    Key(&'static str),
    /// Arithmetic over config keys, as people read it (`num_attention_heads 16 / tp 2`).
    Derived(String),
}

impl Origin {
    /// `key` itself at size 1 (nothing is split), else `key total / axis size`.
    pub(crate) fn split(key: &'static str, total: u32, axis: &str, size: u32) -> Self {
        if size == 1 {
            Origin::Key(key)
        } else {
            Origin::Derived(format!("{key} {total} / {axis} {size}"))
        }
    }
}

impl ExpectedDefinition {
    pub(crate) fn new(name: String, op_type: &str, why: String) -> Self {
        Self {
            name,
            op_type: op_type.to_string(),
            tp: None,
            ep: None,
            why,
            sources: Vec::new(),
            note: None,
        }
    }

    /// Records where the size `prefix{value}` of the name comes from.
    pub(crate) fn sized(
        mut self,
        prefix: &'static str,
        value: impl Into<u64>,
        origin: Origin,
    ) -> Self {
        self.sources.push(SizeSource {
            prefix,
            value: value.into(),
            origin,
        });
        self
    }

    /// Where the size `prefix{value}` of this name comes from, if recorded.
    pub fn source_of(&self, prefix: &str, value: u64) -> Option<&Origin> {
        self.sources
            .iter()
            .find(|s| s.prefix == prefix && s.value == value)
            .map(|s| &s.origin)
    }

    pub(crate) fn at_tp(mut self, tp: u32) -> Self {
        self.tp = Some(tp);
        self
    }

    pub(crate) fn at_ep(mut self, ep: u32) -> Self {
        self.ep = Some(ep);
        self
    }

    pub(crate) fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }
}

/// A module with no definition family, rendered as a `—` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedModule {
    pub label: String,
    pub op_type: String,
    pub why: String,
}

/// Everything the doc needs about one model's kernels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    /// Doc order: rmsnorm, gemm, attention families, moe, rope, sampling.
    pub definitions: Vec<ExpectedDefinition>,
    pub unmapped: Vec<UnmappedModule>,
    /// Human notes for the section: unsupported ratios, new modules, defaulted keys…
    pub notes: Vec<String>,
    /// Short attention kind for the summary: "GQA", "MLA", "DSA", "GDN + GQA", "GQA + Mamba2"…
    pub attention: String,
    /// "Dense", "MoE", "Dense/MoE" (or "None").
    pub ffn: String,
    /// e.g. "32 decoder layers, GQA attention, dense MLP".
    pub architecture_line: String,
}

impl Derivation {
    /// Adds a definition unless its name is already there (the first TP/EP wins).
    pub(crate) fn define(&mut self, definition: ExpectedDefinition) {
        debug_assert!(
            !definition.name.is_empty()
                && definition
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "bad definition name {}",
            definition.name
        );
        if !self.definitions.iter().any(|d| d.name == definition.name) {
            self.definitions.push(definition);
        }
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub(crate) fn unmapped(&mut self, label: String, op_type: &str, why: String) {
        self.note(format!("{label}: no definition family ({why})"));
        self.unmapped.push(UnmappedModule {
            label,
            op_type: op_type.to_string(),
            why,
        });
    }
}

/// The sizes of `sizes` that split every count of `counts` evenly, in order; each other size
/// is skipped with the note `{family} at {axis} {size} skipped: {what} not divisible by {axis}
/// {size}` (`what` names the counts and their verb: `num_attention_heads 20 is`).
pub(crate) fn dividing_sizes(
    derivation: &mut Derivation,
    sizes: &[u32],
    counts: &[u32],
    (family, axis): (&str, &str),
    what: &str,
) -> Vec<u32> {
    sizes
        .iter()
        .copied()
        .filter(|&size| {
            let divides = counts.iter().all(|count| count % size == 0);
            if !divides {
                derivation.note(format!(
                    "{family} at {axis} {size} skipped: {what} not divisible by {axis} {size}"
                ));
            }
            divides
        })
        .collect()
}

/// Derives the expected definitions of `arch` at every size of `parallelism`.
pub fn derive(arch: &Architecture, parallelism: &Parallelism) -> Derivation {
    let parallelism = Parallelism::new(parallelism.attention_tp.clone(), parallelism.ep.clone());
    let tps = &parallelism.attention_tp;
    let mut derivation = Derivation {
        definitions: Vec::new(),
        unmapped: Vec::new(),
        notes: Vec::new(),
        attention: attention_kind(arch),
        ffn: ffn_kind(&arch.layers).to_string(),
        architecture_line: architecture_line(arch),
    };
    for default in &arch.defaults {
        derivation.note(default.clone());
    }

    norm::derive(arch, &mut derivation);
    gemm::derive(arch, &mut derivation);
    gdn::derive(arch, tps, &mut derivation);
    gqa::derive(arch, tps, &mut derivation);
    mla::derive(arch, tps, &mut derivation);
    dsa::derive(arch, tps, &mut derivation);
    mamba::derive(arch, tps, &mut derivation);
    moe::derive(arch, &parallelism.ep, &mut derivation);
    rope::derive(arch, &mut derivation);
    sampling::derive(arch, &mut derivation);

    for module in &arch.new_modules {
        derivation.unmapped(module.label.clone(), &module.op_type, module.why.clone());
    }
    if let Some(q) = &arch.quantization {
        derivation.note(format!(
            "checkpoint quantization: {} (`quant_method` {}); definition names give shapes only, not the weight format",
            q.weights, q.method
        ));
    }
    derivation
}

/// The summary's attention kind, linear/recurrent parts placed as the doc writes them
/// ("GDN + GQA", "GQA + Mamba2").
fn attention_kind(arch: &Architecture) -> String {
    let layers = &arch.layers;
    let mut parts: Vec<String> = Vec::new();
    if layers.lightning > 0 {
        parts.push("Lightning Attn".to_string());
    }
    if layers.gdn > 0 {
        parts.push("GDN".to_string());
    }
    if layers.attention > 0 {
        parts.push(softmax_attention_kind(arch).to_string());
    }
    if layers.mamba > 0 {
        parts.push("Mamba2".to_string());
    }
    for (name, _) in &layers.other {
        parts.push(name.clone());
    }
    if parts.is_empty() {
        "None".to_string()
    } else {
        parts.join(" + ")
    }
}

fn softmax_attention_kind(arch: &Architecture) -> &'static str {
    if arch.dsa.is_some() {
        "DSA"
    } else if arch.mla.is_some() {
        "MLA"
    } else {
        "GQA"
    }
}

fn ffn_kind(layers: &LayerMix) -> &'static str {
    match (layers.dense_ffn > 0, layers.moe_ffn > 0) {
        (true, true) => "Dense/MoE",
        (false, true) => "MoE",
        (true, false) => "Dense",
        (false, false) => "None",
    }
}

/// "{layers}, {attention} attention, {ffn}" in the coverage doc's style.
fn architecture_line(arch: &Architecture) -> String {
    let layers = &arch.layers;
    let unit = if layers.blocks {
        "blocks"
    } else {
        "decoder layers"
    };
    let mut mix: Vec<String> = Vec::new();
    let softmax = softmax_attention_kind(arch);
    for (count, label) in [
        (layers.lightning, "Lightning"),
        (layers.gdn, "GDN"),
        (layers.mamba, "Mamba2"),
        (layers.attention, softmax),
    ] {
        if count > 0 {
            mix.push(format!("{count} {label}"));
        }
    }
    for (name, count) in &layers.other {
        mix.push(format!("{count} {name}"));
    }
    let hybrid = mix.len() > 1;
    if layers.blocks {
        for (count, label) in [(layers.dense_ffn, "MLP"), (layers.moe_ffn, "MoE")] {
            if count > 0 {
                mix.push(format!("{count} {label}"));
            }
        }
    }
    let mut line = format!("{} {unit}", arch.num_layers);
    if hybrid || layers.blocks {
        line.push_str(&format!(" ({})", mix.join(" + ")));
    }

    let kind = attention_kind(arch);
    if hybrid {
        line.push_str(&format!(", hybrid {} attention", kind.replace(" + ", "+")));
    } else {
        line.push_str(&format!(", {kind} attention"));
    }
    if layers.sliding > 0 && layers.sliding < layers.attention {
        line.push_str(&format!(
            " ({} sliding-window + {} global)",
            layers.sliding,
            layers.attention - layers.sliding
        ));
    } else if layers.sliding > 0 {
        line.push_str(" (sliding-window)");
    }

    let experts = arch
        .moe
        .as_ref()
        .map(|m| format!("{} experts, top-{}", m.experts, m.top_k));
    let ffn_layer = if layers.blocks { "blocks" } else { "layers" };
    line.push_str(&match (layers.dense_ffn > 0, layers.moe_ffn > 0, experts) {
        (true, true, Some(e)) => format!(
            ", hybrid Dense+MoE FFN ({} dense + {} MoE {ffn_layer}; {e})",
            layers.dense_ffn, layers.moe_ffn
        ),
        (true, true, None) => ", hybrid Dense+MoE FFN".to_string(),
        (false, true, Some(e)) => format!(", MoE FFN ({e})"),
        (false, true, None) => ", MoE FFN".to_string(),
        (true, false, _) => ", dense MLP".to_string(),
        (false, false, _) => String::new(),
    });
    line
}
