//! Rendering one generated model section in the doc's own style (spec Phase 4):
//!
//! ```text
//! ## Qwen3 30B A3B
//!
//! {/* track-models: hf_repo_id=Qwen/Qwen3-30B-A3B fingerprint=… tp=1 ep=1 */}
//!
//! **Architecture**: 48 decoder layers, GQA attention, MoE FFN (128 experts, top-8).
//!
//! No serving configuration found in the cookbooks: names assume **TP=1, EP=1** (single GPU).
//!
//! | Definition | Op Type | Status |
//! |-----------|---------|:------:|
//! | `rmsnorm_h2048` | rmsnorm | ✅ |
//! | MoE gate / topk / experts | moe | — |
//!
//! **Coverage**: 1 / 1 definitions present.
//! ```
//!
//! Statuses, the Coverage line and the summary label come from the same refresh the doc gets,
//! so the section is a fixed point of `--refresh-status`. Text from outside (names, notes,
//! config values) is escaped.

use std::fmt::Write as _;

use crate::arch::Architecture;
use crate::dataset::DefinitionIndex;
use crate::doc::marker::GeneratedMarker;
use crate::doc::refresh::refresh;
use crate::doc::{CoverageDoc, SummaryColumns};
use crate::markdown::{code_span, escape_doc, escape_prose};
use crate::naming::Derivation;
use crate::report::DefinitionReport;
use crate::status::{Status, SummaryLabel};

use super::ModelRequest;

/// The serving sizes names are derived for, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServingPlan {
    /// Attention TP sizes (`tp / dp` under DP attention).
    pub attention_tp: Vec<u32>,
    pub ep: Vec<u32>,
    pub origin: ServingOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServingOrigin {
    /// `--tp` / `--ep` on the command line.
    Explicit,
    /// Serving configs that name the model, each described (`TP=8 EP=8 on H200`), and which
    /// kinds of file they were read from.
    Cookbook(Vec<String>, ConfigFiles),
    /// Another model's serving configs: `from` is its repo id; `same_kernels` when its config
    /// has the same architecture fingerprint, else it is of the same family.
    Borrowed {
        from: String,
        same_kernels: bool,
        configs: Vec<String>,
    },
    /// No config names a relative: an estimate from the model's size
    /// (`estimated: 671 B parameters in fp8 need ≥ 8 × 80 GB`).
    Estimated(String),
    /// Nothing found: TP=1, EP=1.
    Default,
}

/// Which kinds of serving-config file a model's sizes were read from: the sgl-cookbook's YAML,
/// SGLang's `docs_new` JSX configs, or both. The serving line names them as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFiles {
    Cookbook,
    DocsNew,
    Both,
}

impl ConfigFiles {
    fn label(self) -> &'static str {
        match self {
            ConfigFiles::Cookbook => "from the SGLang cookbook",
            ConfigFiles::DocsNew => "from SGLang's docs_new configs",
            ConfigFiles::Both => "from the SGLang cookbook and SGLang's docs_new configs",
        }
    }
}

impl ServingPlan {
    /// Where the sizes came from when not from the model's own config (for the report's `why`).
    pub fn source_note(&self) -> Option<String> {
        match &self.origin {
            ServingOrigin::Borrowed { .. } => Some(format!(
                "serving sizes {}",
                borrowed(
                    self,
                    &format!("`{}`", self.borrowed_from().unwrap_or_default())
                )
            )),
            ServingOrigin::Estimated(note) => Some(format!("serving sizes {note}")),
            ServingOrigin::Default => {
                Some("serving sizes: none found, single GPU assumed".to_string())
            }
            ServingOrigin::Explicit | ServingOrigin::Cookbook(..) => None,
        }
    }

    fn borrowed_from(&self) -> Option<&str> {
        match &self.origin {
            ServingOrigin::Borrowed { from, .. } => Some(from),
            _ => None,
        }
    }

    pub fn single_gpu() -> ServingPlan {
        ServingPlan {
            attention_tp: vec![1],
            ep: vec![1],
            origin: ServingOrigin::Default,
        }
    }
}

/// A rendered section, ready to splice in (it ends with a blank line; the `---` separator is
/// added by the caller).
#[derive(Debug, Clone)]
pub struct RenderedSection {
    /// The heading text as it will parse back.
    pub title: String,
    pub text: String,
    pub summary: SummaryCells,
    pub definitions: Vec<DefinitionReport>,
    pub marker: GeneratedMarker,
}

/// What a new summary row says, placed into the summary table's columns by their headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryCells {
    /// The heading text (escaped).
    pub title: String,
    /// The architecture description (escaped).
    pub description: String,
    pub label: SummaryLabel,
}

impl SummaryCells {
    /// The row for a summary table with these columns: the model in the first, the
    /// description under `Architecture`, the label under `Coverage`, other cells empty.
    pub fn row(&self, columns: &SummaryColumns) -> String {
        let mut row = String::from("|");
        for column in 0..columns.count.max(1) {
            let cell = if column == 0 {
                self.title.as_str()
            } else if Some(column) == columns.label {
                self.label.text()
            } else if Some(column) == columns.architecture {
                self.description.as_str()
            } else {
                ""
            };
            row.push(' ');
            row.push_str(cell);
            row.push_str(if cell.is_empty() { "|" } else { " |" });
        }
        row
    }
}

/// A section for a model whose config was read and mapped.
pub fn render(
    request: &ModelRequest,
    arch: &Architecture,
    derivation: &Derivation,
    sglang_supported: bool,
    index: &DefinitionIndex,
    four_state: bool,
) -> RenderedSection {
    let (rows, definitions) = table_rows(request, derivation, index, four_state);
    let class = arch
        .architectures
        .first()
        .cloned()
        .unwrap_or_else(|| arch.model_type.clone());
    let mut architecture = escape_prose(&derivation.architecture_line);
    if !sglang_supported {
        let _ = write!(
            architecture,
            ". SGLang implementation pending: no `EntryClass` serves {}",
            code_span(&class)
        );
    }
    let mut notes: Vec<String> = derivation.notes.iter().map(|n| escape_prose(n)).collect();
    if derivation.definitions.is_empty() {
        notes.push(format!(
            "Architecture {} is not yet mapped to any definition family.",
            code_span(&class)
        ));
    }
    let marker = GeneratedMarker::derived(
        &request.hf_repo_id,
        arch.fingerprint_digest(),
        &request.serving.attention_tp,
        &request.serving.ep,
    );
    let body = Body {
        architecture: &architecture,
        serving: &serving_line(&request.serving),
        rows: &rows,
        notes: &notes,
    };
    let mut description = if derivation.ffn.is_empty() || derivation.ffn == "None" {
        derivation.attention.clone()
    } else {
        format!("{} + {}", derivation.attention, derivation.ffn)
    };
    if !sglang_supported {
        description.push_str(" (SGLang implementation pending)");
    }
    finish(
        request,
        marker,
        body,
        &description,
        definitions,
        index,
        four_state,
    )
}

/// The status table's rows (every status ❌ until the refresh settles it) and the report's
/// definitions, with each name's `why`.
fn table_rows(
    request: &ModelRequest,
    derivation: &Derivation,
    index: &DefinitionIndex,
    four_state: bool,
) -> (String, Vec<DefinitionReport>) {
    let several_tp = request.serving.attention_tp.len() > 1;
    let several_ep = request.serving.ep.len() > 1;
    let mut rows = String::new();
    let mut definitions = Vec::new();
    for definition in &derivation.definitions {
        let mut op = definition.op_type.clone();
        if let Some(tp) = definition.tp.filter(|&tp| several_tp || tp != 1) {
            let _ = write!(op, " TP={tp}");
        }
        if let Some(ep) = definition.ep.filter(|&ep| several_ep || ep != 1) {
            let _ = write!(op, " EP={ep}");
        }
        let _ = writeln!(rows, "| {} | {op} | ❌ |", code_span(&definition.name));
        let status = index.status(&definition.name, four_state);
        let mut why = definition.why.clone();
        if let Some(note) = &definition.note {
            let _ = write!(why, " ({note})");
        }
        if definition.tp.is_some() || definition.ep.is_some() {
            if let Some(source) = request.serving.source_note() {
                let _ = write!(why, "; {source}");
            }
        }
        definitions.push(DefinitionReport {
            name: definition.name.clone(),
            op_type: definition.op_type.clone(),
            tp: definition.tp.filter(|&tp| several_tp || tp != 1),
            ep: definition.ep.filter(|&ep| several_ep || ep != 1),
            status,
            why: Some(why),
            before: None,
        });
    }
    for module in &derivation.unmapped {
        let _ = writeln!(
            rows,
            "| {} | {} | — |",
            escape_doc(&module.label),
            escape_doc(&module.op_type)
        );
        definitions.push(DefinitionReport {
            name: module.label.clone(),
            op_type: module.op_type.clone(),
            tp: None,
            ep: None,
            status: Status::Unmapped,
            why: Some(module.why.clone()),
            before: None,
        });
    }
    if derivation.definitions.is_empty() && derivation.unmapped.is_empty() {
        rows.push_str("| All kernels — (architecture not yet mapped) | — | — |\n");
    }
    (rows, definitions)
}

/// A section for a model whose config could not be read: `❌ Not covered` with the reason.
pub fn render_unavailable(
    request: &ModelRequest,
    reason: &str,
    index: &DefinitionIndex,
    four_state: bool,
) -> RenderedSection {
    let marker = GeneratedMarker::unavailable(&request.hf_repo_id);
    let body = Body {
        architecture: &format!("unknown: config.json unavailable ({})", escape_doc(reason)),
        serving: &serving_line(&request.serving),
        rows: "| All kernels (config.json unavailable) | — | — |\n",
        notes: &[],
    };
    finish(
        request,
        marker,
        body,
        "Unknown (config unavailable)",
        Vec::new(),
        index,
        four_state,
    )
}

struct Body<'a> {
    architecture: &'a str,
    serving: &'a str,
    rows: &'a str,
    notes: &'a [String],
}

fn finish(
    request: &ModelRequest,
    marker: GeneratedMarker,
    body: Body,
    description: &str,
    definitions: Vec<DefinitionReport>,
    index: &DefinitionIndex,
    four_state: bool,
) -> RenderedSection {
    let title = escape_doc(request.display_name.trim());
    let mut text = format!(
        "## {title}\n\n{}\n\n**Architecture**: {}.\n\n{}\n\n| Definition | Op Type | Status |\n|-----------|---------|:------:|\n{}\n**Coverage**: 0 / 0 definitions present.\n\n",
        marker.render(),
        body.architecture.trim_end_matches('.'),
        body.serving,
        body.rows,
    );
    if !body.notes.is_empty() {
        text.push_str("Notes:\n\n");
        for note in body.notes {
            let _ = writeln!(text, "- {note}");
        }
        text.push('\n');
    }
    // The refresh the whole doc gets settles statuses, the Coverage line and the label.
    let mut doc = CoverageDoc::parse(&text).expect("a rendered section parses");
    doc.four_state = four_state;
    let outcome = refresh(&doc, index).expect("a rendered section refreshes");
    let label = outcome.sections[0].summary_after;
    RenderedSection {
        title: outcome.sections[0].title.clone(),
        text: outcome.text,
        summary: SummaryCells {
            title,
            description: escape_doc(description),
            label,
        },
        definitions,
        marker,
    }
}

fn serving_line(serving: &ServingPlan) -> String {
    let sizes = |prefix: &str, values: &[u32]| {
        values
            .iter()
            .map(|v| format!("{prefix}={v}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let tp = sizes("TP", &serving.attention_tp);
    let ep = sizes("EP", &serving.ep);
    match &serving.origin {
        ServingOrigin::Explicit => format!("Serving configuration: **{tp}, {ep}** (given explicitly)."),
        ServingOrigin::Cookbook(configs, files) => format!(
            "Serving configuration: **{tp}, {ep}** (attention TP; {}: {}).",
            escape_doc(files.label()),
            escape_doc(&configs.join("; "))
        ),
        ServingOrigin::Borrowed { from, configs, .. } => format!(
            "Serving configuration: **{tp}, {ep}** (attention TP; {}: {}).",
            borrowed(serving, &code_span(from)),
            escape_doc(&configs.join("; "))
        ),
        ServingOrigin::Estimated(note) => format!(
            "No serving configuration found in the cookbooks: names assume **{tp}, {ep}** ({}).",
            escape_doc(note)
        ),
        ServingOrigin::Default => format!(
            "No serving configuration found in the cookbooks: names assume **{tp}, {ep}** (single GPU)."
        ),
    }
}

/// ``from `org/repo`'s config, same kernels`` / `…, same family`, with `shown` the repo id as
/// the audience wants it.
fn borrowed(serving: &ServingPlan, shown: &str) -> String {
    let kind = match serving.origin {
        ServingOrigin::Borrowed {
            same_kernels: true, ..
        } => "same kernels",
        _ => "same family",
    };
    format!("from {shown}'s config, {kind}")
}

#[cfg(test)]
mod tests {
    //! The rendering rules a whole-doc snapshot does not pin: a definition's TP / EP size is
    //! named in the Op Type column and in the report when the section is derived for several
    //! sizes, or for one size other than 1; borrowed serving sizes say whose they are; a model
    //! without feed-forward is summarized by its mixer alone.

    use super::*;
    use crate::arch::parse_config;
    use crate::naming::{derive, Parallelism};

    const QWEN3_MOE: &str =
        include_str!("../../tests/fixtures/configs/Qwen/Qwen3-30B-A3B/config.json");

    /// Renders `config` at these sizes against an empty dataset.
    fn rendered(
        config: &str,
        attention_tp: &[u32],
        ep: &[u32],
        origin: ServingOrigin,
    ) -> RenderedSection {
        let serving = ServingPlan {
            attention_tp: attention_tp.to_vec(),
            ep: ep.to_vec(),
            origin,
        };
        let arch = parse_config(config).unwrap();
        let parallelism = Parallelism::new(serving.attention_tp.clone(), serving.ep.clone());
        let derivation = derive(&arch, &parallelism);
        let request = ModelRequest {
            model_name: "Model".to_string(),
            hf_repo_id: "org/Model".to_string(),
            display_name: "Model".to_string(),
            config: Ok(config.to_string()),
            serving,
        };
        render(
            &request,
            &arch,
            &derivation,
            true,
            &DefinitionIndex::default(),
            false,
        )
    }

    /// The table's Op Type column, each distinct value once, in table order.
    fn op_column(section: &RenderedSection) -> Vec<String> {
        let mut ops: Vec<String> = Vec::new();
        for line in section.text.lines().filter(|l| l.starts_with("| `")) {
            let op = line.split(" | ").nth(1).unwrap().to_string();
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
        ops
    }

    /// The report's `(op_type, tp, ep)`, each distinct value once, in table order.
    fn reported_sizes(section: &RenderedSection) -> Vec<(String, Option<u32>, Option<u32>)> {
        let mut sizes = Vec::new();
        for definition in &section.definitions {
            let size = (definition.op_type.clone(), definition.tp, definition.ep);
            if !sizes.contains(&size) {
                sizes.push(size);
            }
        }
        sizes
    }

    fn owned(
        values: &[(&str, Option<u32>, Option<u32>)],
    ) -> Vec<(String, Option<u32>, Option<u32>)> {
        values
            .iter()
            .map(|(op, tp, ep)| (op.to_string(), *tp, *ep))
            .collect()
    }

    #[test]
    fn one_size_of_1_is_left_out_of_the_op_column_and_the_report() {
        let section = rendered(QWEN3_MOE, &[1], &[1], ServingOrigin::Default);
        assert_eq!(
            op_column(&section),
            [
                "rmsnorm",
                "gemm",
                "gqa_paged",
                "gqa_ragged",
                "moe",
                "rope",
                "sampling"
            ]
        );
        assert_eq!(
            reported_sizes(&section),
            owned(&[
                ("rmsnorm", None, None),
                ("gemm", None, None),
                ("gqa_paged", None, None),
                ("gqa_ragged", None, None),
                ("moe", None, None),
                ("rope", None, None),
                ("sampling", None, None),
            ])
        );
    }

    #[test]
    fn one_size_other_than_1_is_named_in_the_op_column_and_the_report() {
        let section = rendered(QWEN3_MOE, &[2], &[8], ServingOrigin::Explicit);
        assert_eq!(
            op_column(&section),
            [
                "rmsnorm",
                "gemm",
                "gqa_paged TP=2",
                "gqa_ragged TP=2",
                "moe EP=8",
                "rope",
                "sampling"
            ]
        );
        assert_eq!(
            reported_sizes(&section),
            owned(&[
                ("rmsnorm", None, None),
                ("gemm", None, None),
                ("gqa_paged", Some(2), None),
                ("gqa_ragged", Some(2), None),
                ("moe", None, Some(8)),
                ("rope", None, None),
                ("sampling", None, None),
            ])
        );
    }

    #[test]
    fn several_sizes_name_every_size_even_1() {
        let section = rendered(QWEN3_MOE, &[1, 2], &[1, 8], ServingOrigin::Explicit);
        assert_eq!(
            op_column(&section),
            [
                "rmsnorm",
                "gemm",
                "gqa_paged TP=1",
                "gqa_paged TP=2",
                "gqa_ragged TP=1",
                "gqa_ragged TP=2",
                "moe EP=1",
                "moe EP=8",
                "rope",
                "sampling"
            ]
        );
        assert_eq!(
            reported_sizes(&section),
            owned(&[
                ("rmsnorm", None, None),
                ("gemm", None, None),
                ("gqa_paged", Some(1), None),
                ("gqa_paged", Some(2), None),
                ("gqa_ragged", Some(1), None),
                ("gqa_ragged", Some(2), None),
                ("moe", None, Some(1)),
                ("moe", None, Some(8)),
                ("rope", None, None),
                ("sampling", None, None),
            ])
        );
    }

    /// A relative's configs: the section's serving line and the report's `why` of a sized
    /// definition name the relative and say whether it runs the same kernels.
    #[test]
    fn borrowed_serving_sizes_name_their_model_and_how_close_it_is() {
        for (same_kernels, kind) in [(true, "same kernels"), (false, "same family")] {
            let origin = ServingOrigin::Borrowed {
                from: "org/Model-Base".to_string(),
                same_kernels,
                configs: vec!["TP=2 EP=8 on H200".to_string()],
            };
            let section = rendered(QWEN3_MOE, &[2], &[8], origin);
            let serving = section.text.lines().nth(6).unwrap();
            assert_eq!(
                serving,
                format!("Serving configuration: **TP=2, EP=8** (attention TP; from `org/Model-Base`'s config, {kind}: TP=2 EP=8 on H200).")
            );
            let gqa = section
                .definitions
                .iter()
                .find(|d| d.op_type == "gqa_ragged")
                .unwrap();
            assert_eq!(
                gqa.why.as_deref().unwrap(),
                format!("num_attention_heads 32 / tp 2 = h16; num_key_value_heads 4 / tp 2 = kv2; head_dim 128; serving sizes from `org/Model-Base`'s config, {kind}")
            );
        }
    }

    /// A pure Mamba2 model (`Mamba2ForCausalLM`, keys as in transformers' `Mamba2Config`) has no
    /// feed-forward: its summary row names the mixer alone, not `Mamba2 + None`.
    #[test]
    fn a_model_without_feed_forward_is_summarized_by_its_mixer_alone() {
        let config = r#"{"architectures": ["Mamba2ForCausalLM"], "model_type": "mamba2",
            "hidden_size": 4096, "num_hidden_layers": 64, "num_heads": 128, "head_dim": 64,
            "state_size": 128, "n_groups": 8, "expand": 2, "conv_kernel": 4, "vocab_size": 32768,
            "tie_word_embeddings": false, "torch_dtype": "bfloat16"}"#;
        let section = rendered(config, &[1], &[1], ServingOrigin::Default);
        let columns = SummaryColumns {
            count: 3,
            label: Some(2),
            architecture: Some(1),
        };
        assert_eq!(
            section.summary.row(&columns),
            "| Model | Mamba2 | ❌ Not covered |"
        );
        // Placed by header: a Notes column stays empty, Coverage may come before Architecture.
        let columns = SummaryColumns {
            count: 4,
            label: Some(1),
            architecture: Some(3),
        };
        assert_eq!(
            section.summary.row(&columns),
            "| Model | ❌ Not covered | | Mamba2 |"
        );
    }
}
