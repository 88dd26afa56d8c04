//! SGLang's model catalog over the tiny fake checkout in `tests/fixtures/sglang/` and the bundled
//! snapshot.

use std::path::PathBuf;

use track_models::api::sources::sglang::{
    classify, ClassKind, ModelClass, SglangCatalog, BUNDLED_DATE,
};

fn sglang_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sglang")
}

fn class(file: &str, class: &str, kind: ClassKind) -> ModelClass {
    ModelClass {
        file: file.to_string(),
        class: class.to_string(),
        kind,
    }
}

#[test]
fn entry_classes_from_a_checkout() {
    use ClassKind::*;
    let catalog = SglangCatalog::from_dir(&sglang_dir());
    // Not listed: `utils.py` (no EntryClass), `broken.py` (a warning), the indented assignment in
    // `qwen3_next.py`, the sub-folder `deepseek_common/` and `notes.txt`.
    assert_eq!(
        catalog.classes,
        vec![
            class("deepseek_nextn.py", "DeepseekV3ForCausalLMNextN", Draft),
            class("deepseek_v2.py", "DeepseekV2ForCausalLM", Generative),
            class("deepseek_v2.py", "DeepseekV3ForCausalLM", Generative),
            class("deepseek_v2.py", "DeepseekV32ForCausalLM", Generative),
            class("gemma3_causal.py", "Gemma3ForCausalLM", Generative),
            class("gemma3_causal.py", "EmbeddingGemmaModel", Pooling),
            class("llama.py", "LlamaForCausalLM", Generative),
            class("llama.py", "Phi3ForCausalLM", Generative),
            class("qwen2_rm.py", "Qwen2ForRewardModel", Pooling),
            class("qwen3_embedding.py", "Qwen3Model", Pooling),
            class("qwen3_next.py", "Qwen3NextForCausalLM", Generative),
            class("transformers.py", "TransformersForCausalLM", Fallback),
            class("transformers.py", "TransformersMoEForCausalLM", Fallback),
        ]
    );
    assert_eq!(
        catalog.source,
        format!("sglang dir {}", sglang_dir().display())
    );
    assert_eq!(
        catalog
            .generative_classes()
            .iter()
            .map(|c| c.class.as_str())
            .collect::<Vec<_>>(),
        vec![
            "DeepseekV2ForCausalLM",
            "DeepseekV3ForCausalLM",
            "DeepseekV32ForCausalLM",
            "Gemma3ForCausalLM",
            "LlamaForCausalLM",
            "Phi3ForCausalLM",
            "Qwen3NextForCausalLM",
        ]
    );
}

#[test]
fn unreadable_entry_class_is_a_warning_with_its_line() {
    let catalog = SglangCatalog::from_dir(&sglang_dir());
    assert_eq!(
        catalog.warnings,
        vec![format!(
            "`{}`:6: cannot read `EntryClass`: the file ends inside the `EntryClass` value; its classes are left out",
            sglang_dir().join("python/sglang/srt/models/broken.py").display()
        )]
    );
}

#[test]
fn supports_only_generative_classes_by_exact_name() {
    let catalog = SglangCatalog::from_dir(&sglang_dir());
    assert!(catalog.supports("DeepseekV3ForCausalLM"));
    assert!(catalog.supports("Qwen3NextForCausalLM"));
    assert!(!catalog.supports("deepseekv3forcausallm"));
    assert!(!catalog.supports("DeepseekV3ForCausalLMNextN")); // a draft
    assert!(!catalog.supports("Qwen3Model")); // pooling
    assert!(!catalog.supports("TransformersForCausalLM")); // fallback
    assert!(!catalog.supports("NotModuleLevelForCausalLM"));
    assert!(!catalog.supports("SubFolderForCausalLM"));
    assert!(!catalog.supports("BrokenForCausalLM"));
}

#[test]
fn classify_draft_pooling_and_fallback_classes() {
    use ClassKind::*;
    let cases = [
        ("DeepseekV3ForCausalLM", Generative),
        ("ChatGLMModel", Generative),
        ("PixtralVisionModel", Generative),
        ("MiniCPMO", Generative),
        ("DeepseekV3ForCausalLMNextN", Draft),
        ("Qwen3NextForCausalLMMTP", Draft),
        ("IQuestQ1MTP", Draft),
        ("Eagle3DeepseekV2ForCausalLM", Draft),
        ("LlamaForCausalLMEagle3", Draft),
        ("DeepseekV4ForCausalLMDSpark", Draft),
        ("DFlashLagunaForCausalLM", Draft),
        ("LiLiCorrDraftModel", Draft),
        ("Gemma4AssistantForCausalLM", Draft),
        ("MuseGlimmerAssistantModel", Draft),
        ("Qwen3Model", Pooling),
        ("BertModel", Pooling),
        ("Contriever", Pooling),
        ("EmbeddingGemma2Model", Pooling),
        ("Lfm2BidirectionalModel", Pooling),
        ("Qwen2ForRewardModel", Pooling),
        ("InternLM2ForRewardModel", Pooling),
        ("LlamaForClassification", Pooling),
        ("LlamaForSequenceClassificationWithNormal_Weights", Pooling),
        ("TransformersForCausalLM", Fallback),
        ("TransformersMultiModalMoEEmbeddingModel", Fallback),
    ];
    for (name, kind) in cases {
        assert_eq!(classify(name), kind, "{name}");
    }
}

/// The bundled list carries a hand-checked kind per file; `classify` must agree with it for every
/// class of a single-kind file, and give one of the listed kinds in mixed files.
#[test]
fn classify_agrees_with_the_bundled_kinds() {
    let tsv = include_str!("../../src/sources/sglang_models.tsv");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (classes, kinds) = (columns[1], columns[7]);
        if classes == "-" || classes.starts_with('(') {
            continue;
        }
        let allowed: Vec<ClassKind> = kinds
            .split('+')
            .map(|kind| match kind {
                "generative" => ClassKind::Generative,
                "draft" => ClassKind::Draft,
                "embedding" | "reward/classify" => ClassKind::Pooling,
                "fallback" => ClassKind::Fallback,
                other => panic!("unknown kind `{other}` in `{line}`"),
            })
            .collect();
        for class in classes.split(',') {
            assert!(
                allowed.contains(&classify(class)),
                "{class} is {:?}, file says {kinds}",
                classify(class)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 307);
}

#[test]
fn doc_tables_in_both_formats() {
    let catalog = SglangCatalog::from_dir(&sglang_dir());
    let row = |family: &str, repo: &str| (family.to_string(), repo.to_string());
    let qwen_new = "Qwen (3.5, 3, 3MoE, 3Next, 2.5, 2 series)";
    let qwen_old = "Qwen (3, 3MoE, 3Next, 2.5, 2 series)";
    assert_eq!(
        catalog.doc_repo_ids,
        vec![
            // docs_new/docs/supported-models/generative_models.mdx (HTML table) first
            row("DeepSeek (v1, v2, v3/R1)", "deepseek-ai/DeepSeek-R1"),
            row(qwen_new, "Qwen/Qwen3.5-397B-A17B"),
            row(qwen_new, "Qwen/Qwen3-0.6B"),
            row("MiniMax-M2 (M2, M2.1, M2.5)", "MiniMaxAI/MiniMax-M2.5"),
            row("MiniMax-M2 (M2, M2.1, M2.5)", "MiniMaxAI/MiniMax-M2"),
            // then docs/supported_models/**/*.md (pipe tables), ids already seen left out
            row(
                "Kimi K2 (Thinking, Instruct)",
                "moonshotai/Kimi-K2-Instruct"
            ),
            row("GPT-OSS", "openai/gpt-oss-20b"),
            row("GPT-OSS", "openai/gpt-oss-120b"),
            row(qwen_old, "Qwen/Qwen3-30B-A3B"),
            row(qwen_old, "Qwen/Qwen3-Next-80B-A3B-Instruct"),
            row("MiniMax-M2 (M2, M2.1)", "minimax/MiniMax-M2"),
            row("MiniMax-M2 (M2, M2.1)", "minimax/MiniMax-M2.1"),
            row("Hunyuan-Large (389B, MoE)", "tencent/Tencent-Hunyuan-Large"),
        ]
    );
}

#[test]
fn bundled_catalog_is_the_compiled_in_snapshot() {
    let catalog = SglangCatalog::bundled();
    assert_eq!(catalog.source, "bundled list (2026-11-27)");
    assert_eq!(catalog.warnings, Vec::<String>::new());
    assert_eq!(catalog.classes.len(), 307);
    assert_eq!(catalog.generative_classes().len(), 223);
    for supported in [
        "DeepseekV3ForCausalLM",
        "DeepseekV32ForCausalLM",
        "Qwen3NextForCausalLM",
        "KimiK25ForConditionalGeneration",
        "MiniMaxM2ForCausalLM",
        "GptOssForCausalLM",
        "Qwen3_5MoeForConditionalGeneration",
        "Step3p5ForCausalLM",
    ] {
        assert!(catalog.supports(supported), "{supported}");
    }
    for unsupported in [
        "DeepseekV3ForCausalLMNextN",
        "Qwen3NextForCausalLMMTP",
        "Qwen3Model",
        "TransformersForCausalLM",
        "ArcticForCausalLM", // arctic.py has no EntryClass
    ] {
        assert!(!catalog.supports(unsupported), "{unsupported}");
    }
    assert_eq!(
        catalog.find("DeepseekV3ForCausalLM"),
        vec![&class(
            "deepseek_v2.py",
            "DeepseekV3ForCausalLM",
            ClassKind::Generative
        )]
    );
    // One row per repo id: Phi-4-multimodal is in both the LLM and the multimodal table.
    assert_eq!(catalog.doc_repo_ids.len(), 88);
    assert_eq!(
        catalog.doc_repo_ids[0],
        (
            "DeepSeek (v1, v2, v3/R1)".to_string(),
            "deepseek-ai/DeepSeek-R1".to_string()
        )
    );
    assert!(catalog.doc_repo_ids.contains(&(
        "Qwen (3.5, 3, 3MoE, 3Next, 2.5, 2 series)".to_string(),
        "Qwen/Qwen3-Next-80B-A3B-Instruct".to_string()
    )));
}

#[test]
fn missing_checkout_is_a_warning_and_the_bundled_classes_stand_in() {
    let missing = sglang_dir().join("no-such-checkout");
    let catalog = SglangCatalog::from_dir(&missing);
    assert_eq!(catalog.classes, SglangCatalog::bundled().classes);
    assert_eq!(catalog.doc_repo_ids, vec![]);
    assert_eq!(
        catalog.warnings,
        vec![format!(
            "`{}` has no `python/sglang/srt/models`: SGLang's model classes come from the bundled list ({BUNDLED_DATE})\nhint: pass the root of a full SGLang checkout",
            missing.display()
        )]
    );
}

#[test]
fn partial_checkout_keeps_its_docs_and_takes_the_bundled_classes() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs_new/docs/supported-models");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("text.mdx"),
        "| Model Family | Example HuggingFace Identifier |\n|---|---|\n| **Acme** | `acme/Acme-7B` |\n",
    )
    .unwrap();
    let catalog = SglangCatalog::from_dir(dir.path());
    assert!(catalog.supports("DeepseekV3ForCausalLM"));
    assert_eq!(catalog.classes, SglangCatalog::bundled().classes);
    assert_eq!(
        catalog.doc_repo_ids,
        vec![("Acme".to_string(), "acme/Acme-7B".to_string())]
    );
    assert_eq!(catalog.warnings.len(), 1, "{:?}", catalog.warnings);
    assert!(catalog
        .source
        .ends_with(&format!("(model classes: bundled list ({BUNDLED_DATE}))")));
}

// ------------------------------------------------------------------ docs_new configs, newest shape

fn docs_new_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sglang-docs-new")
}

fn docs_new_config(name: &str) -> PathBuf {
    docs_new_dir()
        .join("docs_new/src/snippets/configs")
        .join(name)
}

#[test]
fn a_config_in_the_newest_shape_gives_every_gpu_cell() {
    use track_models::api::sources::serving::{parse_jsx_config, ServingConfig};
    let file = docs_new_config("nimbus-ai/nimbus-x.jsx");
    let parsed = parse_jsx_config(&std::fs::read_to_string(&file).unwrap(), &file);
    let cells: Vec<(String, ServingConfig)> = parsed
        .sources
        .iter()
        .map(|s| (s.hardware.clone(), s.config))
        .collect();
    // `modelNames.default` for cells with no variant or quant; `profile` and `pdMode` are
    // further dimensions; the spread / template / constant flags evaluated.
    assert_eq!(
        cells,
        [
            ("H200".to_string(), ServingConfig::new(8, 1, 1, false)),
            ("H200".to_string(), ServingConfig::new(16, 16, 1, false)),
            ("B200".to_string(), ServingConfig::new(8, 8, 8, true)),
        ]
    );
    assert!(parsed
        .sources
        .iter()
        .all(|s| s.repo_id == "nimbus-ai/Nimbus-X"));
    assert_eq!(parsed.repo_ids, ["nimbus-ai/Nimbus-X"]);
    assert_eq!(
        parsed.warnings,
        [format!(
            "`{}`:48: `nimbus-ai/Nimbus-X` on xeon6 (tp6 ep1 dp1) is CPU hardware; not used for kernel names",
            file.display()
        )]
    );
    assert_eq!(parsed.unread, None);
}

#[test]
fn a_config_with_a_syntax_error_is_recorded_for_the_model_it_names() {
    use track_models::api::sources::serving::{parse_jsx_config, CookbookIndex};
    let file = docs_new_config("nimbus-ai/nimbus-y.jsx");
    let parsed = parse_jsx_config(&std::fs::read_to_string(&file).unwrap(), &file);
    assert_eq!(parsed.sources, []);
    let message = "cannot read the `config` literal: not valid JavaScript: Expected `,` but found `Identifier`";
    assert_eq!(
        parsed.warnings,
        [format!("`{}`:7: {message}", file.display())]
    );
    let mut index = CookbookIndex::default();
    index.add(parsed);
    let unread = index.unread_for("nimbus-ai/nimbus-y");
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0].file, file.display().to_string());
    assert_eq!(unread[0].reason, format!("line 7: {message}"));
    assert!(index.unread_for("other-org/Nimbus-Y").is_empty());
    assert_eq!(
        index.unread_for("nimbus-ai/Nimbus-Y-Base").len(),
        1,
        "named by the file"
    );
}

/// Runs the binary on an empty doc with the `sglang-docs-new` fixture, adding `repo` (with the
/// MiniMax config, whose class the fixture registers): stderr, the new doc, the report.
fn add_with_docs_new(repo: &str, extra: &[&str]) -> (String, String, serde_json::Value) {
    use crate::support::{fixture, root, stderr, trace_dir, track_models, workspace};
    let (dir, doc) = workspace(&fixture("refresh/empty-doc.mdx"));
    let report = dir.path().join("report.json");
    let config = root().join("tests/fixtures/configs/MiniMaxAI/MiniMax-M2.7/config.json");
    let (sglang, cookbook) = (docs_new_dir(), docs_new_dir().join("cookbook"));
    let mut args = vec![
        "--doc",
        &doc,
        "--trace-dir",
        trace_dir().to_str().unwrap(),
        "--sglang-dir",
        sglang.to_str().unwrap(),
        "--cookbook-dir",
        cookbook.to_str().unwrap(),
        "--report-json",
        report.to_str().unwrap(),
        "--model-name",
        repo,
        "--hf-repo-id",
        repo,
        "--config-file",
        config.to_str().unwrap(),
    ]
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = track_models(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    (
        stderr(&output),
        std::fs::read_to_string(&doc).unwrap(),
        report,
    )
}

#[test]
fn other_models_config_problems_go_to_the_report_without_a_line() {
    let (err, doc, report) = add_with_docs_new("nimbus-ai/Nimbus-X", &[]);
    let configs = docs_new_dir().join("docs_new/src/snippets/configs");
    let other = format!(
        "`{}`:6: no `modelNames` entry for `small|bf16` (hw `h200`) and no `default`; skipped",
        configs.join("other-org/other.jsx").display()
    );
    let broken = format!(
        "`{}`:7: cannot read the `config` literal: not valid JavaScript: Expected `,` but found `Identifier`",
        configs.join("nimbus-ai/nimbus-y.jsx").display()
    );
    let cpu = format!(
        "`{}`:48: `nimbus-ai/Nimbus-X` on xeon6 (tp6 ep1 dp1) is CPU hardware; not used for kernel names",
        configs.join("nimbus-ai/nimbus-x.jsx").display()
    );
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings, [format!("warning: {cpu}").as_str()], "{err}");
    // DP attention: 8 GPUs hold every head of their group, attention TP 8 / 8 = 1.
    assert!(doc.contains("Serving configuration: **TP=1 / TP=8 / TP=16, EP=1 / EP=8 / EP=16** (attention TP; from SGLang's docs\\_new configs: TP=16 EP=16 on H200 (SGLang's docs\\_new config nimbus-ai/nimbus-x.jsx); TP=8 on H200 (SGLang's docs\\_new config nimbus-ai/nimbus-x.jsx); TP=8 EP=8 DP=8 (DP attention) on B200 (SGLang's docs\\_new config nimbus-ai/nimbus-x.jsx))."), "{doc}");
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems, [broken.as_str(), other.as_str(), cpu.as_str()]);

    let (err, _, _) = add_with_docs_new("nimbus-ai/Nimbus-X", &["--verbose"]);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [
            format!("warning: {cpu}"),
            format!("warning: {broken}"),
            format!("warning: {other}")
        ],
        "{err}"
    );
}

#[test]
fn a_model_whose_config_cannot_be_read_says_so_before_the_estimate() {
    let (err, doc, report) = add_with_docs_new("nimbus-ai/Nimbus-Y", &[]);
    let file = docs_new_dir().join("docs_new/src/snippets/configs/nimbus-ai/nimbus-y.jsx");
    let reason = "cannot read the `config` literal: not valid JavaScript: Expected `,` but found `Identifier`";
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [format!("warning: `{}`:7: {reason}", file.display())],
        "{err}"
    );
    let said = format!(
        "the serving config `{}` could not be read (line 7: {reason}); estimated",
        file.display()
    );
    let escaped = said.replace('`', "\\`").replace('_', "\\_");
    assert!(doc.contains(&format!("No serving configuration found in the cookbooks: names assume **TP=4, EP=4** ({escaped}: ")), "{doc}");
    let why = report["models"][0]["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|d| d["why"].as_str().filter(|w| w.contains("serving sizes")))
        .unwrap()
        .to_string();
    assert!(why.contains(&format!("; serving sizes {said}")), "{why}");
}
