//! SGLang's model catalog over the tiny fake checkout in `tests/fixtures/sglang/` and the bundled
//! snapshot.

use std::path::PathBuf;

use track_models::sources::sglang::{classify, ClassKind, ModelClass, SglangCatalog, BUNDLED_DATE};

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
