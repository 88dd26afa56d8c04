//! `--refresh-status` on real doc versions and on hand-made edge cases, through the pure plan.

use crate::support::plan_refresh;
use track_models::api::dataset::DefinitionIndex;
use track_models::api::doc::Status;
use track_models::api::report::Action;

use crate::support::{fixture, index};

#[test]
fn real_docs_match_the_expected_refresh() {
    let index = index();
    for state in ["3state", "4state"] {
        let sample = fixture(&format!("refresh/sample-{state}.mdx"));
        let expected = fixture(&format!("refresh/expected-{state}.mdx"));
        let plan = plan_refresh(&sample, &index).unwrap();
        assert!(
            plan.text == expected,
            "{state}: refresh differs from expected"
        );
        let again = plan_refresh(&plan.text, &index).unwrap();
        assert!(
            again.text == plan.text,
            "{state}: refresh is not idempotent"
        );
        assert!(again
            .report
            .models
            .iter()
            .all(|m| m.action == Action::Unchanged));
    }
}

#[test]
fn report_of_the_4state_sample() {
    let plan = plan_refresh(&fixture("refresh/sample-4state.mdx"), &index()).unwrap();
    let report = &plan.report;
    assert_eq!(report.models.len(), 24);
    let deepseek = &report.models[0];
    assert_eq!(deepseek.name, "DeepSeek V3 / R1");
    assert_eq!(deepseek.action, Action::Refreshed);
    assert_eq!(deepseek.summary_before.as_deref(), Some("🟡 Partial"));
    assert_eq!(deepseek.summary_after, "🟡 Partial");
    let ragged = &deepseek.definitions[5];
    assert_eq!(ragged.name, "mla_ragged_prefill_causal_h16_qk192_vo128");
    assert_eq!(ragged.op_type, "mla_ragged");
    assert_eq!(ragged.status, Status::NoWorkload);
    let qwen_next = report
        .models
        .iter()
        .find(|m| m.name == "Qwen3 Next 80B A3B")
        .unwrap();
    let gdn = &qwen_next.definitions[2];
    assert_eq!(
        (gdn.name.as_str(), gdn.op_type.as_str(), gdn.tp, gdn.ep),
        ("gdn_prefill_qk16_v32_d128_k_last", "gdn", Some(1), None)
    );
    let moe_row = qwen_next.definitions.last().unwrap();
    assert_eq!(moe_row.name, "MoE gate / topk / experts (GQA layers)");
    assert_eq!(moe_row.status, Status::Unmapped);
    let qwen_235 = report
        .models
        .iter()
        .find(|m| m.name == "Qwen3 235B A22B")
        .unwrap();
    let moe = qwen_235
        .definitions
        .iter()
        .find(|d| d.op_type == "moe")
        .unwrap();
    assert_eq!((moe.status, moe.ep), (Status::Unmapped, Some(2)));
    let glm = report.models.iter().find(|m| m.name == "GLM-4.6").unwrap();
    assert_eq!(glm.summary_before.as_deref(), Some("❌ Not covered"));
    assert_eq!(glm.summary_after, "🟡 Partial");
    let missing = report
        .missing_definitions
        .iter()
        .find(|m| m.name == "gemm_n5120_k4096")
        .unwrap();
    assert_eq!(missing.op_type, "gemm");
    assert_eq!(
        missing.models,
        ["Mistral Nemo 12B", "Qwen3 32B", "Mistral Small 3.1 24B"]
    );
    assert_eq!(report.missing_definitions.len(), 81);
    assert!(report
        .missing_definitions
        .windows(2)
        .all(|w| (&w[0].op_type, &w[0].name) < (&w[1].op_type, &w[1].name)));
}

fn small_index() -> DefinitionIndex {
    DefinitionIndex::from_paths([
        "definitions/rmsnorm/rmsnorm_h1.json",
        "workloads/rmsnorm/rmsnorm_h1.jsonl",
        "definitions/gemm/gemm_n1_k1.json",
    ])
}

const LEGEND_4: &str = "- ✅ ready\n- 🟡 no workload\n\n";

fn refreshed(doc: &str) -> String {
    plan_refresh(doc, &small_index()).unwrap().text
}

#[test]
fn status_cells_keep_their_text_and_spacing() {
    let doc = format!(
        "{LEGEND_4}## Summary\n\n| Model | Coverage |\n|---|---|\n| M | ❌ Not covered |\n\n## M\n\n\
| Definition | Op Type | Status |\n|---|---|:---:|\n\
|   `rmsnorm_h1`   | rmsnorm |   ❌ (if hidden=1)  |\n\
| `gemm_n1_k1` | gemm | pending |\n\
| `gemm_n9_k9` | gemm |  |\n\
| `rmsnorm_h{{hidden}}` | rmsnorm | ❌ |\n\n\
**Coverage**: 0 / ? definitions present. Notes stay.\n"
    );
    let want = format!(
        "{LEGEND_4}## Summary\n\n| Model | Coverage |\n|---|---|\n| M | 🟡 Partial |\n\n## M\n\n\
| Definition | Op Type | Status |\n|---|---|:---:|\n\
|   `rmsnorm_h1`   | rmsnorm |   ✅ (if hidden=1)  |\n\
| `gemm_n1_k1` | gemm | 🟡 pending |\n\
| `gemm_n9_k9` | gemm | ❌ |\n\
| `rmsnorm_h{{hidden}}` | rmsnorm | ❌ |\n\n\
**Coverage**: 2 / ? definitions present. Notes stay.\n"
    );
    assert_eq!(refreshed(&doc), want);
}

#[test]
fn three_state_docs_count_a_definition_without_workload_as_ready() {
    let doc = "## Summary\n\n| Model | Coverage |\n|---|---|\n| m | 🟡 Partial |\n\n## M\n\n\
| Definition | Op Type | Status |\n|---|---|---|\n| `gemm_n1_k1` | gemm | ❌ |\n| `rmsnorm_h1` | rmsnorm | ✅ |\n\n**Coverage**: 1 / 2\n";
    let want = "## Summary\n\n| Model | Coverage |\n|---|---|\n| m | ✅ Fully covered |\n\n## M\n\n\
| Definition | Op Type | Status |\n|---|---|---|\n| `gemm_n1_k1` | gemm | ✅ |\n| `rmsnorm_h1` | rmsnorm | ✅ |\n\n**Coverage**: 2 / 2\n";
    assert_eq!(refreshed(doc), want);
}

#[test]
fn subsections_belong_to_their_section_and_coverage_lines_to_their_tables() {
    let doc = "## Summary\n\n| Model | Coverage |\n|---|---|\n| Big Model | ❌ Not covered |\n\n## Big  model\n\n### Attention\n\n\
| Definition | Status |\n|---|---|\n| `rmsnorm_h1` | ❌ |\n\n**Coverage**: 0 / 1\n\n### FFN\n\n\
| Definition | Status |\n|---|---|\n| `gemm_n9_k9` | ❌ |\n| MoE | — |\n\n**Coverage**: 0 / 0\n\n**Coverage**: 5 / 5 stays: no table since the last one\n";
    let want = "## Summary\n\n| Model | Coverage |\n|---|---|\n| Big Model | 🟡 Partial |\n\n## Big  model\n\n### Attention\n\n\
| Definition | Status |\n|---|---|\n| `rmsnorm_h1` | ✅ |\n\n**Coverage**: 1 / 1\n\n### FFN\n\n\
| Definition | Status |\n|---|---|\n| `gemm_n9_k9` | ❌ |\n| MoE | — |\n\n**Coverage**: 0 / 1\n\n**Coverage**: 5 / 5 stays: no table since the last one\n";
    assert_eq!(refreshed(doc), want);
}

#[test]
fn crlf_front_matter_fences_and_missing_final_newline_are_kept() {
    let doc = "---\r\ntitle: x | y\r\n---\r\n## M\r\n\r\n```md\r\n| Definition | Status |\r\n|---|---|\r\n| `gemm_n9_k9` | ✅ |\r\n```\r\n\r\n\
| Definition | Status |\r\n|---|---|\r\n| `gemm_n9_k9` | ✅ |\r\n\r\n**Coverage**: 1 / 1";
    let want = "---\r\ntitle: x | y\r\n---\r\n## M\r\n\r\n```md\r\n| Definition | Status |\r\n|---|---|\r\n| `gemm_n9_k9` | ✅ |\r\n```\r\n\r\n\
| Definition | Status |\r\n|---|---|\r\n| `gemm_n9_k9` | ❌ |\r\n\r\n**Coverage**: 0 / 1";
    assert_eq!(refreshed(doc), want);
}

#[test]
fn unsafe_documents_are_errors_with_a_line() {
    let error = plan_refresh("---\ntitle: x\n## M\n", &small_index()).unwrap_err();
    assert_eq!(error.line, 1);
    assert!(error.message.contains("never closed"), "{}", error.message);
    let ragged =
        "## M\n\n| Definition | Op Type | Status |\n|---|---|---|\n| `gemm_n1_k1` | ✅ |\n";
    let error = plan_refresh(ragged, &small_index()).unwrap_err();
    assert_eq!(error.line, 5);
    assert!(
        error
            .message
            .contains("`gemm_n1_k1` has 2 cells but the header has 3"),
        "{}",
        error.message
    );
}

#[test]
fn questionable_rows_are_warnings_and_left_alone() {
    let doc = "## Summary\n\n| Model | Coverage |\n|---|---|\n| M | ❌ Not covered |\n\n## M\n\n\
| Definition | Op Type | Status |\n|---|---|---|\n| prose row | ✅ |\n| `gemm_n1_k1` | gemm | ⚠️ flaky |\n\n## M\n\nagain\n";
    let plan = plan_refresh(doc, &small_index()).unwrap();
    let messages: Vec<(usize, &str)> = plan
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert_eq!(
        messages[0],
        (
            5,
            "summary row `M` matches 2 sections (lines 7, 14); left alone"
        )
    );
    assert_eq!(
        messages[1],
        (
            7,
            "duplicate `## M` heading (again on line 14); its summary row is left alone"
        )
    );
    assert_eq!(
        messages[2],
        (
            11,
            "status table row has 2 cells but the header has 3; left alone"
        )
    );
    assert_eq!(messages[3].0, 12);
    assert!(messages[3]
        .1
        .starts_with("unknown status symbol at the start of `⚠️ flaky`"));
    assert!(plan.text.contains("| `gemm_n1_k1` | gemm | ⚠️ flaky |"));
    assert!(
        plan.text.contains("| M | ❌ Not covered |"),
        "ambiguous summary row left alone"
    );
}

/// The summary labels live in the first table under `## Summary`, wherever that section sits:
/// a table above it (a model's) or a second one inside it (notes) is not the summary.
#[test]
fn the_summary_table_is_the_first_table_under_summary() {
    let section = "## M\n\n| Definition | Op Type | Status |\n|---|---|---|\n| `gemm_n1_k1` | gemm | ❌ |\n| `rmsnorm_h1` | rmsnorm | ✅ |\n\n**Coverage**: 1 / 2\n";
    let refreshed_section = section
        .replace("| gemm | ❌ |", "| gemm | ✅ |")
        .replace("**Coverage**: 1 / 2", "**Coverage**: 2 / 2");
    let summary = |label: &str| {
        format!("## Summary\n\n| Model | Coverage |\n|---|---|\n| M | {label} |\n\n| Model | Coverage |\n|---|---|\n| M | ❌ Not covered |\n")
    };
    let doc = format!("{section}\n{}", summary("🟡 Partial"));
    let want = format!("{refreshed_section}\n{}", summary("✅ Fully covered"));
    assert_eq!(refreshed(&doc), want);
}
