//! `arch::parse_config` + `naming::derive` over real and hand-made `config.json` fixtures, with
//! the dataset's traced definition names (`tests/fixtures/naming-cases.tsv`) as the referee.

use std::path::PathBuf;

use track_models::api::arch::{parse_config, Architecture, ConfigError};
use track_models::api::naming::{derive, Derivation, ExpectedDefinition, Parallelism};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn config_text(model: &str) -> String {
    let path = fixtures().join("configs").join(model).join("config.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn arch(model: &str) -> Architecture {
    parse_config(&config_text(model)).unwrap_or_else(|e| panic!("{model}: {e}"))
}

fn parallelism(tp: &[u32], ep: &[u32]) -> Parallelism {
    Parallelism {
        attention_tp: tp.to_vec(),
        ep: ep.to_vec(),
    }
}

/// The acceptance sizes: TP 1,2,4,8 and EP 1,2,4,8.
fn derive_all(model: &str) -> Derivation {
    derive(&arch(model), &parallelism(&[1, 2, 4, 8], &[1, 2, 4, 8]))
}

fn names(derivation: &Derivation) -> Vec<&str> {
    derivation
        .definitions
        .iter()
        .map(|d| d.name.as_str())
        .collect()
}

fn definition<'a>(derivation: &'a Derivation, name: &str) -> &'a ExpectedDefinition {
    derivation
        .definitions
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} not derived; got {:?}", names(derivation)))
}

/// Each of `expected` is among the derived definitions.
fn assert_derives(derivation: &Derivation, expected: &[&str]) {
    for name in expected {
        definition(derivation, name);
    }
}

fn unmapped_labels(derivation: &Derivation) -> Vec<&str> {
    derivation
        .unmapped
        .iter()
        .map(|u| u.label.as_str())
        .collect()
}

/// Definition names the dataset traced from `repo`, from the acceptance cases.
fn traced(repo: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixtures().join("naming-cases.tsv")).unwrap();
    let traced: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields[0] == repo).then(|| fields[2].to_string())
        })
        .collect();
    assert!(!traced.is_empty(), "no naming cases for {repo}");
    traced
}

fn assert_traced_names_derived(repo: &str) {
    let derivation = derive_all(repo);
    let got = names(&derivation);
    let missing: Vec<String> = traced(repo)
        .into_iter()
        .filter(|n| !got.contains(&n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{repo}: missing {missing:?}\nderived {got:?}"
    );
}

// --- The dataset's traced names, one test per real config -----------------------------------

#[test]
fn llama_3_1_8b_traced_definitions_are_derived() {
    assert_traced_names_derived("meta-llama/Llama-3.1-8B");
}

#[test]
fn llama_4_scout_traced_definitions_are_derived() {
    assert_traced_names_derived("meta-llama/Llama-4-Scout-17B-16E-Instruct");
}

#[test]
fn qwen3_30b_a3b_traced_definitions_are_derived() {
    assert_traced_names_derived("Qwen/Qwen3-30B-A3B");
}

#[test]
fn qwen3_next_traced_definitions_are_derived() {
    assert_traced_names_derived("Qwen/Qwen3-Next-80B-A3B-Thinking");
}

#[test]
fn gemma_3_27b_traced_definitions_are_derived() {
    assert_traced_names_derived("google/gemma-3-27b-it");
}

#[test]
fn minimax_m2_7_traced_definitions_are_derived() {
    assert_traced_names_derived("MiniMaxAI/MiniMax-M2.7");
}

#[test]
fn deepseek_v3_traced_definitions_are_derived() {
    assert_traced_names_derived("deepseek-ai/DeepSeek-V3");
}

#[test]
fn deepseek_v3_2_traced_definitions_are_derived() {
    assert_traced_names_derived("deepseek-ai/DeepSeek-V3.2");
}

#[test]
fn every_naming_case_has_a_fixture_config() {
    let text = std::fs::read_to_string(fixtures().join("naming-cases.tsv")).unwrap();
    let mut repos: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    repos.sort_unstable();
    repos.dedup();
    assert_eq!(repos.len(), 8);
    for repo in repos {
        arch(repo);
    }
}

#[test]
fn nemotron_h_56b_flags_its_unsupported_mamba_ratio() {
    let derivation = derive_all("nvidia/Nemotron-H-56B-Base-8K");
    let ssu = definition(&derivation, "mamba_ssu_decode_h256_d64_s256_ng8");
    assert_eq!(ssu.tp, Some(1));
    assert_eq!(
        ssu.note.as_deref(),
        Some("nheads/ngroups = 256/8 = 32; FlashInfer's selective_state_update supports only 1, 8 or 16, so this definition cannot exist")
    );
    assert_eq!(
        definition(&derivation, "mamba_ssu_decode_h32_d64_s256_ng1").why,
        "mamba_num_heads 256 / tp 8 = h32; mamba_head_dim 64 = d64; ssm_state_size 256 = s256; n_groups 8 / tp 8 = ng1"
    );
    assert!(derivation.notes.contains(&"mamba_ssu: nheads/ngroups = 32 per rank is not supported by FlashInfer's selective_state_update (1, 8 or 16 only): these definitions cannot exist for this model".to_string()));
    let got = names(&derivation);
    for name in [
        "gqa_paged_decode_h64_kv8_d128_ps1",
        "gqa_ragged_prefill_causal_h8_kv1_d128",
        "gemm_n32768_k8192",
        "gemm_n8192_k32768",
        "rmsnorm_h8192",
        "top_p_sampling_from_probs_v131072",
    ] {
        assert!(got.contains(&name), "{name} missing from {got:?}");
    }
    assert!(
        !got.iter().any(|n| n.starts_with("rope_")),
        "Nemotron-H attention has no RoPE"
    );
    assert_eq!(derivation.attention, "GQA + Mamba2");
    assert_eq!(derivation.ffn, "Dense");
    assert_eq!(
        derivation.architecture_line,
        "118 blocks (54 Mamba2 + 10 GQA + 54 MLP), hybrid GQA+Mamba2 attention, dense MLP"
    );
}

// --- Exact lists ---------------------------------------------------------------------------

#[test]
fn llama_3_1_8b_at_tp1_gives_exactly_the_doc_list() {
    let derivation = derive(&arch("meta-llama/Llama-3.1-8B"), &parallelism(&[1], &[1]));
    assert_eq!(
        names(&derivation),
        [
            "rmsnorm_h4096",
            "fused_add_rmsnorm_h4096",
            "gemm_n6144_k4096",
            "gemm_n4096_k4096",
            "gemm_n28672_k4096",
            "gemm_n4096_k14336",
            "gqa_paged_prefill_causal_h32_kv8_d128_ps1",
            "gqa_paged_prefill_causal_h32_kv8_d128_ps64",
            "gqa_paged_decode_h32_kv8_d128_ps1",
            "gqa_paged_decode_h32_kv8_d128_ps64",
            "gqa_ragged_prefill_causal_h32_kv8_d128",
            "rope_with_cos_sin_cache_neox_style_d128_rd128",
            "top_k_sampling_from_probs_v128256",
            "top_k_top_p_sampling_from_probs_v128256",
            "top_p_sampling_from_probs_v128256",
        ]
    );
    assert!(derivation.unmapped.is_empty());
    assert_eq!(
        derivation.notes,
        ["`head_dim` missing: hidden_size 4096 / num_attention_heads 32 = 128"]
    );
    assert_eq!(derivation.attention, "GQA");
    assert_eq!(derivation.ffn, "Dense");
    assert_eq!(
        derivation.architecture_line,
        "32 decoder layers, GQA attention, dense MLP"
    );
}

#[test]
fn deepseek_v3_at_tp8_ep8_gives_exactly_this_list() {
    let derivation = derive(&arch("deepseek-ai/DeepSeek-V3"), &parallelism(&[8], &[8]));
    assert_eq!(
        names(&derivation),
        [
            "rmsnorm_h7168",
            "fused_add_rmsnorm_h7168",
            "rmsnorm_h1536",
            "rmsnorm_h512",
            "gemm_n2112_k7168",
            "gemm_n24576_k1536",
            "gemm_n32768_k512",
            "gemm_n7168_k16384",
            "gemm_n36864_k7168",
            "gemm_n7168_k18432",
            "gemm_n256_k7168",
            "gemm_n4096_k7168",
            "gemm_n7168_k2048",
            "mla_ragged_prefill_causal_h16_qk192_vo128",
            "mla_paged_prefill_causal_h16_ckv512_kpe64_ps1",
            "mla_paged_prefill_causal_h16_ckv512_kpe64_ps64",
            "mla_paged_decode_h16_ckv512_kpe64_ps1",
            "mla_paged_decode_h16_ckv512_kpe64_ps64",
            "moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048",
            "rope_with_cos_sin_cache_gptj_style_d64_rd64",
            "top_k_sampling_from_probs_v129280",
            "top_k_top_p_sampling_from_probs_v129280",
            "top_p_sampling_from_probs_v129280",
        ]
    );
    let moe = definition(
        &derivation,
        "moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048",
    );
    assert_eq!(
        (moe.op_type.as_str(), moe.tp, moe.ep),
        ("moe", None, Some(8))
    );
    assert_eq!(
        moe.why,
        "DeepSeek routing: n_group 8 = ng8, topk_group 4 = kg4; num_experts_per_tok 8 = topk8; experts 256 / ep 8 = e32; hidden_size 7168 = h7168; expert intermediate 2048 (unsharded) = i2048"
    );
    let mla = definition(&derivation, "mla_paged_decode_h16_ckv512_kpe64_ps1");
    assert_eq!(
        (mla.op_type.as_str(), mla.tp, mla.ep),
        ("mla_paged", Some(8), None)
    );
    assert_eq!(derivation.attention, "MLA");
    assert_eq!(derivation.ffn, "Dense/MoE");
    assert_eq!(
        derivation.architecture_line,
        "61 decoder layers, MLA attention, hybrid Dense+MoE FFN (3 dense + 58 MoE layers; 256 experts, top-8)"
    );
    assert_eq!(
        derivation.notes,
        ["checkpoint quantization: fp8 (`quant_method` fp8); definition names give shapes only, not the weight format"]
    );
}

#[test]
fn gqa_why_spells_out_the_arithmetic() {
    let scout = derive_all("meta-llama/Llama-4-Scout-17B-16E-Instruct");
    let decode = definition(&scout, "gqa_paged_decode_h5_kv1_d128_ps1");
    assert_eq!(
        decode.why,
        "num_attention_heads 40 / tp 8 = h5; num_key_value_heads 8 / tp 8 = kv1; head_dim 128; page_size 1"
    );
    assert_eq!(
        (decode.op_type.as_str(), decode.tp, decode.ep),
        ("gqa_paged", Some(8), None)
    );

    let qwen = derive_all("Qwen/Qwen3-30B-A3B");
    assert_eq!(
        definition(&qwen, "gqa_ragged_prefill_causal_h4_kv1_d128").why,
        "num_attention_heads 32 / tp 8 = h4; num_key_value_heads 4 < tp 8: one replicated KV head per rank = kv1; head_dim 128"
    );
}

#[test]
fn gemm_why_names_the_projection() {
    let llama = derive_all("meta-llama/Llama-3.1-8B");
    assert_eq!(
        definition(&llama, "gemm_n6144_k4096").why,
        "qkv_proj: (num_attention_heads 32 + 2 × num_key_value_heads 8) × head_dim 128 = n6144; hidden_size 4096 = k4096"
    );
    let gemma = derive_all("google/gemma-3-27b-it");
    assert_eq!(
        definition(&gemma, "gemm_n2048_k5376").why,
        "k_proj / v_proj: num_key_value_heads 16 × head_dim 128 = n2048; hidden_size 5376 = k5376"
    );
    let gemma_names = names(&gemma);
    assert!(
        !gemma_names.contains(&"gemm_n8192_k5376"),
        "Gemma is traced per projection, not as a fused qkv"
    );
}

// --- Family rules seen on the real configs --------------------------------------------------

#[test]
fn qwen3_next_is_a_gdn_gqa_hybrid_with_gated_attention() {
    let derivation = derive_all("Qwen/Qwen3-Next-80B-A3B-Thinking");
    let gdn = definition(&derivation, "gdn_prefill_qk8_v16_d128_k_last");
    assert_eq!((gdn.op_type.as_str(), gdn.tp), ("gdn", Some(2)));
    assert_eq!(
        gdn.why,
        "linear_num_key_heads 16 / tp 2 = qk8; linear_num_value_heads 32 / tp 2 = v16; linear_key_head_dim 128 = d128; k-last state"
    );
    // q_proj also produces the output gate: (16·2 + 2·2)·256.
    definition(&derivation, "gemm_n9216_k2048");
    assert_eq!(
        definition(&derivation, "gemm_n2048_k4096").why,
        "o_proj: hidden_size 2048 = n2048; num_attention_heads 16 × head_dim 256 = k4096; also GDN out_proj: hidden_size 2048 = n2048; linear_num_value_heads 32 × linear_value_head_dim 128 = k4096"
    );
    definition(&derivation, "rope_with_cos_sin_cache_neox_style_d256_rd64");
    assert_eq!(derivation.attention, "GDN + GQA");
    assert_eq!(derivation.ffn, "MoE");
    assert_eq!(
        derivation.architecture_line,
        "48 decoder layers (36 GDN + 12 GQA), hybrid GDN+GQA attention, MoE FFN (512 experts, top-10)"
    );
}

#[test]
fn llama_4_moe_uses_the_trtllm_families_not_block_scale_routing() {
    let derivation = derive_all("meta-llama/Llama-4-Scout-17B-16E-Instruct");
    let moe: Vec<&str> = derivation
        .definitions
        .iter()
        .filter(|d| d.op_type == "moe" && d.ep == Some(1))
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        moe,
        [
            "trtllm_fp4_block_scale_moe_topk1_e16_h5120_i8192",
            "trtllm_fp4_block_scale_routed_moe_topk1_e16_h5120_i8192",
            "trtllm_fp8_per_tensor_scale_moe_topk1_e16_h5120_i8192",
        ]
    );
}

#[test]
fn minimax_m2_cross_head_qk_norm_is_unmapped_and_routing_follows_kimi() {
    let derivation = derive_all("MiniMaxAI/MiniMax-M2.7");
    assert_eq!(
        unmapped_labels(&derivation),
        ["QK RMSNorm across all heads"]
    );
    assert_eq!(derivation.unmapped[0].op_type, "rmsnorm");
    assert!(!names(&derivation).contains(&"rmsnorm_h128"));
    definition(
        &derivation,
        "moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e32_h3072_i1536",
    );
}

#[test]
fn dsa_replaces_dense_mla_and_keeps_indexer_heads_unsharded() {
    let derivation = derive_all("deepseek-ai/DeepSeek-V3.2");
    let indexer = definition(&derivation, "dsa_topk_indexer_fp8_h64_d128_topk2048_ps64");
    assert_eq!((indexer.op_type.as_str(), indexer.tp), ("dsa_paged", None));
    assert!(!names(&derivation).iter().any(|n| n.starts_with("mla_")));
    assert_eq!(derivation.attention, "DSA");
}

// --- Parsing edge cases ---------------------------------------------------------------------

#[test]
fn text_config_nesting_reads_the_language_model() {
    let gemma = arch("google/gemma-3-27b-it");
    assert_eq!(gemma.architectures, ["Gemma3ForConditionalGeneration"]);
    assert_eq!(gemma.model_type, "gemma3_text");
    assert_eq!(gemma.wrapper_model_type.as_deref(), Some("gemma3"));
    assert_eq!(gemma.hidden_size, 5376);
    assert_eq!(gemma.num_layers, 62);
    assert_eq!(gemma.layers.sliding, 52);

    let scout = arch("meta-llama/Llama-4-Scout-17B-16E-Instruct");
    assert_eq!(scout.model_type, "llama4_text");
    assert_eq!(scout.hidden_size, 5120, "not the vision tower's 1408");
    assert_eq!(scout.vocab_size, Some(202048));
}

#[test]
fn missing_keys_take_documented_defaults() {
    let gemma = derive_all("google/gemma-3-27b-it");
    definition(&gemma, "top_k_sampling_from_probs_v262208");
    assert!(gemma
        .notes
        .contains(&"`vocab_size` missing: `gemma3_text` default 262208".to_string()));

    let bare = r#"{"model_type": "llama", "hidden_size": 2048, "num_attention_heads": 16,
                  "num_hidden_layers": 2, "intermediate_size": 8192}"#;
    let arch = parse_config(bare).unwrap();
    let derivation = derive(&arch, &parallelism(&[1], &[1]));
    definition(&derivation, "gqa_paged_decode_h16_kv16_d128_ps1");
    definition(&derivation, "top_p_sampling_from_probs_v32000");
    assert_eq!(
        derivation.notes,
        [
            "`vocab_size` missing: `llama` default 32000",
            "`num_key_value_heads` missing: defaults to `num_attention_heads` 16 (MHA)",
            "`head_dim` missing: hidden_size 2048 / num_attention_heads 16 = 128",
        ]
    );
}

#[test]
fn vocab_size_falls_back_to_the_wrapper_top_level() {
    let gemma4 = arch("handmade/gemma-4");
    assert_eq!(gemma4.vocab_size, Some(262144));
}

#[test]
fn unknown_model_type_without_vocab_skips_sampling_with_a_note() {
    let arch = parse_config(r#"{"model_type": "brand_new", "hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 1}"#).unwrap();
    let derivation = derive(&arch, &parallelism(&[1], &[1]));
    assert!(!names(&derivation).iter().any(|n| n.contains("sampling")));
    assert!(derivation
        .notes
        .contains(&"`vocab_size` missing and no default known: sampling not derived".to_string()));
}

#[test]
fn bare_infinity_and_nan_parse() {
    let nemotron = arch("nvidia/Nemotron-H-56B-Base-8K");
    assert_eq!(nemotron.hidden_size, 8192);
    let arch = parse_config(
        r#"{"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "limits": [-Infinity, Infinity, NaN], "name": "NaN Infinity"}"#,
    )
    .unwrap();
    assert_eq!(arch.hidden_size, 64);
}

#[test]
fn crlf_and_bom_parse_like_the_plain_file() {
    let plain = config_text("meta-llama/Llama-3.1-8B");
    let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    assert_eq!(
        parse_config(&windows).unwrap(),
        parse_config(&plain).unwrap()
    );
}

#[test]
fn garbage_is_a_typed_error_not_a_panic() {
    let cases: [(&str, &str); 8] = [
        (
            "",
            "config.json is not valid JSON: EOF while parsing a value at line 1 column 0",
        ),
        (
            "<html>404</html>",
            "config.json is not valid JSON: expected value at line 1 column 1",
        ),
        ("[1, 2]", "config.json is a JSON array, not an object"),
        ("42", "config.json is a JSON number, not an object"),
        (
            "{}",
            "config.json has no `hidden_size` (looked at the top level and in `text_config`)",
        ),
        (
            r#"{"text_config": {"num_attention_heads": 8}, "vision_config": {"hidden_size": 1152}}"#,
            "config.json has no `hidden_size` (looked at the top level and in `text_config`)",
        ),
        (
            r#"{"hidden_size": "big"}"#,
            r#"`hidden_size` is "big", expected a non-negative integer"#,
        ),
        (
            r#"{"hidden_size": 4096, "num_attention_heads": 1.5}"#,
            "`num_attention_heads` is 1.5, expected a non-negative integer",
        ),
    ];
    for (text, message) in cases {
        let err = parse_config(text).expect_err(text);
        assert_eq!(err.to_string(), message, "input {text:?}");
    }
    assert!(matches!(
        parse_config(r#"{"hidden_size": -1}"#),
        Err(ConfigError::BadValue { .. })
    ));
    assert!(matches!(
        parse_config(r#"{"hidden_size": 0}"#),
        Err(ConfigError::Rejected { .. })
    ));
}

// --- Fingerprint ----------------------------------------------------------------------------

#[test]
fn fingerprint_ignores_names_and_quantization_but_not_shapes() {
    let plain = config_text("meta-llama/Llama-3.1-8B");
    let reupload = plain
        .replace("\"LlamaForCausalLM\"", "\"MyFinetuneForCausalLM\"")
        .replace(
            "\"vocab_size\": 128256",
            "\"vocab_size\": 128256, \"_name_or_path\": \"someone/llama-ft\", \"quantization_config\": {\"quant_method\": \"fp8\"}",
        );
    let original = arch("meta-llama/Llama-3.1-8B");
    assert_eq!(
        parse_config(&reupload).unwrap().fingerprint(),
        original.fingerprint()
    );
    assert_eq!(
        original.fingerprint(),
        "h4096 | v128256 | gqa q32 kv8 d128 | proj Fused | qknorm None | mlp i14336 gatedtrue | rope neox d128 rd128"
    );

    let wider = plain.replace(
        "\"intermediate_size\": 14336",
        "\"intermediate_size\": 14464",
    );
    assert_ne!(
        parse_config(&wider).unwrap().fingerprint(),
        original.fingerprint()
    );
    assert_ne!(
        arch("deepseek-ai/DeepSeek-V3").fingerprint(),
        arch("deepseek-ai/DeepSeek-V3.2").fingerprint()
    );
}

// --- Parallelism ----------------------------------------------------------------------------

#[test]
fn parallelism_is_normalized_and_indivisible_sizes_are_skipped_with_a_note() {
    let scout = arch("meta-llama/Llama-4-Scout-17B-16E-Instruct");
    let messy = derive(&scout, &parallelism(&[8, 1, 8, 0], &[]));
    let clean = derive(&scout, &parallelism(&[1, 8], &[1]));
    assert_eq!(messy, clean);

    let with_16 = derive(&scout, &parallelism(&[16], &[3]));
    assert!(!names(&with_16).iter().any(|n| n.starts_with("gqa_")));
    assert!(with_16.notes.contains(
        &"gqa at tp 16 skipped: num_attention_heads 40 is not divisible by tp 16".to_string()
    ));
    assert!(with_16
        .notes
        .contains(&"moe at ep 3 skipped: 16 experts are not divisible by ep 3".to_string()));
}

/// One rule skips a size that does not divide a family's heads or experts: every family says
/// which count and which size, in the same words (the notes, exactly and in order).
#[test]
fn every_family_skips_an_indivisible_size_with_one_note() {
    let skip_notes = |model: &str, tp: &[u32], ep: &[u32]| -> Vec<String> {
        derive(&arch(model), &parallelism(tp, ep))
            .notes
            .into_iter()
            .filter(|n| n.contains("skipped"))
            .collect()
    };
    assert_eq!(
        skip_notes("deepseek-ai/DeepSeek-V3.2", &[3], &[5]),
        [
            "dsa at tp 3 skipped: num_attention_heads 128 is not divisible by tp 3",
            "moe at ep 5 skipped: 256 experts are not divisible by ep 5",
        ]
    );
    assert_eq!(
        skip_notes("deepseek-ai/DeepSeek-V3", &[3], &[1]),
        ["mla at tp 3 skipped: num_attention_heads 128 is not divisible by tp 3"]
    );
    assert_eq!(
        skip_notes("Qwen/Qwen3-Next-80B-A3B-Thinking", &[3], &[1]),
        [
            "gdn at tp 3 skipped: linear_num_key_heads 16 / linear_num_value_heads 32 not divisible by tp 3",
            "gqa at tp 3 skipped: num_attention_heads 16 is not divisible by tp 3",
        ]
    );
    assert_eq!(
        skip_notes("nvidia/Nemotron-H-56B-Base-8K", &[3], &[1]),
        [
            "gqa at tp 3 skipped: num_attention_heads 64 is not divisible by tp 3",
            "mamba_ssu at tp 3 skipped: mamba_num_heads 256 is not divisible by tp 3",
        ]
    );
}

/// Gemma 3's sliding layers run the GQA kernels with a window: the names do not encode it and
/// the section says so, once; a model without sliding layers has no such note.
#[test]
fn sliding_window_layers_share_the_gqa_names_with_a_note() {
    const NOTE: &str = "sliding-window / chunked attention layers run the same gqa kernels with a window; the names do not encode it";
    let gemma = derive(&arch("google/gemma-3-27b-it"), &parallelism(&[1], &[1]));
    assert_eq!(gemma.notes.iter().filter(|n| n.as_str() == NOTE).count(), 1);
    definition(&gemma, "gqa_paged_decode_h32_kv16_d128_ps1");
    let llama = derive(&arch("meta-llama/Llama-3.1-8B"), &parallelism(&[1], &[1]));
    assert!(!llama.notes.iter().any(|n| n.as_str() == NOTE));
}

#[test]
fn every_fixture_gives_unique_well_formed_names_in_doc_order() {
    const ORDER: [&[&str]; 5] = [
        &["rmsnorm"],
        &["gemm"],
        &[
            "gdn",
            "gqa_paged",
            "gqa_ragged",
            "mla_ragged",
            "mla_paged",
            "dsa_paged",
            "mamba_ssu",
        ],
        &["moe"],
        &["rope", "sampling"],
    ];
    let rank = |op: &str| ORDER.iter().position(|g| g.contains(&op)).unwrap();
    let mut checked = 0;
    for org in std::fs::read_dir(fixtures().join("configs")).unwrap() {
        let org = org.unwrap().path();
        if !org.is_dir() {
            continue;
        }
        for repo in std::fs::read_dir(&org).unwrap() {
            let repo = repo.unwrap().path();
            let model = format!(
                "{}/{}",
                org.file_name().unwrap().to_str().unwrap(),
                repo.file_name().unwrap().to_str().unwrap()
            );
            let derivation = derive_all(&model);
            let got = names(&derivation);
            let mut unique = got.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), got.len(), "{model}: duplicate names");
            for d in &derivation.definitions {
                assert!(
                    d.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{model}: {}",
                    d.name
                );
            }
            let ranks: Vec<usize> = derivation
                .definitions
                .iter()
                .map(|d| rank(&d.op_type))
                .collect();
            assert!(
                ranks.windows(2).all(|w| w[0] <= w[1]),
                "{model}: order {got:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

// --- Architectures newer than the dataset (hand-made fixtures) ------------------------------

#[test]
fn gpt_oss_maps_gqa_and_moe_and_flags_only_attention_sinks() {
    let derivation = derive_all("handmade/gpt-oss-120b");
    let decode = definition(&derivation, "gqa_paged_decode_h8_kv1_d64_ps64");
    assert_eq!(
        decode.note.as_deref(),
        Some("the model adds attention sinks; this definition has no sink input")
    );
    assert_derives(
        &derivation,
        &[
            "rmsnorm_h2880",
            "gemm_n5120_k2880",
            "gemm_n128_k2880",
            "trtllm_fp4_block_scale_moe_topk4_e128_h2880_i2880",
            "moe_fp8_block_scale_renorm_topk4_e16_h2880_i2880",
            "rope_with_cos_sin_cache_neox_style_d64_rd64",
            "top_k_sampling_from_probs_v201088",
        ],
    );
    assert_eq!(
        unmapped_labels(&derivation),
        ["Attention sinks (learned per-head sink logits)"]
    );
    assert_eq!(
        derivation.architecture_line,
        "36 decoder layers, GQA attention (18 sliding-window + 18 global), MoE FFN (128 experts, top-4)"
    );
}

#[test]
fn kimi_k2_5_nested_text_config_maps_to_kimi_k2_definitions() {
    let derivation = derive_all("handmade/kimi-k2.5");
    // Both traced from Kimi K2 in the dataset.
    assert_derives(
        &derivation,
        &[
            "mla_paged_decode_h8_ckv512_kpe64_ps1",
            "moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e48_h7168_i2048",
            "moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e384_h7168_i2048",
            "top_k_sampling_from_probs_v163840",
        ],
    );
    assert!(derivation.unmapped.is_empty());
    assert!(derivation.notes.contains(&"checkpoint quantization: int4 (`quant_method` compressed-tensors); definition names give shapes only, not the weight format".to_string()));
}

#[test]
fn glm_5_dsa_like_config_maps_to_dsa() {
    let derivation = derive_all("handmade/glm-5");
    assert_derives(
        &derivation,
        &[
            "dsa_topk_indexer_fp8_h32_d128_topk2048_ps64",
            "dsa_sparse_attention_h8_ckv512_kpe64_topk2048_ps64",
            "moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e32_h6144_i2048",
            "rmsnorm_h2048",
        ],
    );
    assert!(derivation.unmapped.is_empty());
}

#[test]
fn deepseek_v4_unseen_model_type_with_known_keys_maps() {
    let v4 = names(&derive_all("handmade/deepseek-v4"))
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    for name in traced("deepseek-ai/DeepSeek-V3.2") {
        assert!(v4.contains(&name), "{name}");
    }
    assert!(derive_all("handmade/deepseek-v4").unmapped.is_empty());
}

#[test]
fn gemma_4_maps_like_gemma_3() {
    let derivation = derive_all("handmade/gemma-4");
    assert_derives(
        &derivation,
        &[
            "gemm_n4096_k3840",
            "gemm_n2048_k3840",
            "gqa_paged_prefill_causal_h16_kv8_d256_ps1",
            "gqa_paged_decode_h2_kv1_d256_ps64",
            "rmsnorm_h256",
            "top_k_top_p_sampling_from_probs_v262144",
        ],
    );
    assert!(derivation.unmapped.is_empty());
}

#[test]
fn qwen3_5_maps_gdn_gqa_moe_and_flags_only_mrope() {
    let derivation = derive_all("handmade/qwen3.5-moe");
    assert_derives(
        &derivation,
        &[
            "gdn_decode_qk2_v8_d128_k_last",
            "gdn_mtp_qk16_v64_d128_k_last",
            "gqa_paged_decode_h4_kv1_d256_ps1",
            "moe_fp8_block_scale_renorm_topk10_e64_h4096_i1024",
            "gemm_n17408_k4096",
            "top_p_sampling_from_probs_v248320",
        ],
    );
    assert_eq!(unmapped_labels(&derivation), ["Multimodal RoPE (M-RoPE)"]);
    assert!(!names(&derivation).iter().any(|n| n.starts_with("rope_")));
    assert_eq!(derivation.attention, "GDN + GQA");
}

#[test]
fn nemotron_3_nano_maps_mamba_moe_blocks() {
    let derivation = derive_all("handmade/nemotron-3-nano");
    let ssu = definition(&derivation, "mamba_ssu_decode_h64_d64_s128_ng8");
    assert_eq!(ssu.note, None, "64/8 = 8 is supported");
    let moe = definition(
        &derivation,
        "moe_fp8_block_scale_ds_routing_topk6_ng1_kg1_e128_h2688_i1856",
    );
    assert_eq!(
        moe.note.as_deref(),
        Some("experts are relu2 (no gate): the definition assumes SwiGLU experts (gemm1 = 2 × i)")
    );
    definition(&derivation, "gqa_paged_decode_h4_kv1_d128_ps1");
    definition(&derivation, "gemm_n3712_k2688");
    assert!(derivation.unmapped.is_empty());
    assert_eq!(derivation.attention, "GQA + Mamba2");
    assert_eq!(derivation.ffn, "MoE");
    assert_eq!(
        derivation.architecture_line,
        "52 blocks (23 Mamba2 + 6 GQA + 23 MoE), hybrid GQA+Mamba2 attention, MoE FFN (128 experts, top-6)"
    );
}

#[test]
fn llama_nemotron_block_configs_give_per_layer_shapes() {
    let arch = arch("handmade/llama-nemotron-super");
    let kv: Vec<(u32, u32)> = arch
        .attention
        .iter()
        .map(|a| (a.kv_heads, a.layers))
        .collect();
    assert_eq!(kv, [(8, 3), (4, 1)]);
    let derivation = derive(&arch, &parallelism(&[1], &[1]));
    // Several attention shapes: each why says how many layers have it.
    assert_eq!(
        definition(&derivation, "gqa_paged_decode_h64_kv8_d128_ps1").why,
        "num_attention_heads 64 / tp 1 = h64; num_key_value_heads 8 / tp 1 = kv8; head_dim 128 (3 attention layers); page_size 1"
    );
    assert_eq!(
        definition(&derivation, "gqa_ragged_prefill_causal_h64_kv4_d128").why,
        "num_attention_heads 64 / tp 1 = h64; num_key_value_heads 4 / tp 1 = kv4; head_dim 128 (1 attention layers)"
    );
    assert_derives(
        &derivation,
        &[
            "gqa_paged_decode_h64_kv8_d128_ps1",
            "gqa_paged_decode_h64_kv4_d128_ps1",
            "gemm_n10240_k8192",
            "gemm_n9216_k8192",
            "gemm_n28672_k8192",
            "gemm_n57344_k8192",
            "gemm_n14336_k8192",
            "gemm_n8192_k8192",
        ],
    );
    assert!(derivation.unmapped.is_empty());
    assert!(derivation
        .notes
        .iter()
        .all(|n| !n.contains("num_key_value_heads")));
}

#[test]
fn minimax_text_01_lightning_layers_are_the_only_unmapped_module() {
    let derivation = derive_all("handmade/minimax-text-01");
    assert_eq!(unmapped_labels(&derivation), ["Lightning Attention layers"]);
    assert_eq!(derivation.unmapped[0].op_type, "lightning_attn");
    definition(&derivation, "gqa_paged_decode_h8_kv1_d128_ps1");
    definition(
        &derivation,
        "moe_fp8_block_scale_renorm_topk2_e32_h6144_i9216",
    );
    assert_eq!(derivation.attention, "Lightning Attn + GQA");
    assert_eq!(
        definition(&derivation, "gqa_paged_decode_h8_kv1_d128_ps1").note,
        None,
        "only an attention-sink module puts a note on the gqa definitions"
    );
}

#[test]
fn extreme_sizes_are_rejected_or_derived_without_overflow() {
    let err = parse_config(r#"{"hidden_size": 4294967296}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`hidden_size` is 4294967296, more than the 16777216 this tool accepts"
    );
    let err = parse_config(r#"{"hidden_size": 64, "num_hidden_layers": 4000000}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`num_hidden_layers` is 4000000, more than the 100000 this tool accepts"
    );
    // Every size at the cap, every family switched on: names are still computed.
    let max = 16_777_216u32;
    let text = format!(
        r#"{{"hidden_size": {max}, "num_attention_heads": {max}, "num_key_value_heads": {max}, "head_dim": {max},
            "intermediate_size": {max}, "num_hidden_layers": 4, "vocab_size": {max},
            "layer_types": ["linear_attention", "full_attention", "mamba", "full_attention"],
            "linear_num_key_heads": {max}, "linear_num_value_heads": {max}, "linear_key_head_dim": {max},
            "mamba_num_heads": {max}, "mamba_head_dim": {max}, "ssm_state_size": {max}, "n_groups": {max},
            "num_experts": {max}, "num_experts_per_tok": {max}, "moe_intermediate_size": {max},
            "n_shared_experts": 1, "attn_output_gate": true}}"#
    );
    let arch = parse_config(&text).unwrap();
    let derivation = derive(&arch, &parallelism(&[1, 8], &[1, 8]));
    definition(&derivation, "gemm_n1125899906842624_k16777216");
}

#[test]
fn a_hybrid_without_attention_blocks_is_mamba2_only() {
    // The text, not JSON: the real config holds Python's `Infinity`, which serde_json refuses.
    let text = config_text("nvidia/Nemotron-H-56B-Base-8K");
    let pattern = "\"hybrid_override_pattern\": \"";
    let start = text.find(pattern).unwrap() + pattern.len();
    let end = start + text[start..].find('"').unwrap();
    let text = format!("{}M-M-M-{}", &text[..start], &text[end..])
        .replace("\"num_hidden_layers\": 118", "\"num_hidden_layers\": 6");
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert_eq!(derivation.attention, "Mamba2");
    assert!(names(&derivation)
        .iter()
        .all(|name| !name.starts_with("gqa_")));
}

/// The `gemm_` names of a derivation, in doc order.
fn gemm_names(derivation: &Derivation) -> Vec<&str> {
    names(derivation)
        .into_iter()
        .filter(|name| name.starts_with("gemm_"))
        .collect()
}

/// `text` with `from` replaced by `to`, which must be there.
fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from} not in the config");
    text.replace(from, to)
}

#[test]
fn gemm_of_mla_without_q_lora_projects_queries_straight_from_hidden() {
    // DeepSeek V3 with V2-Lite's `"q_lora_rank": null`: `q_proj` and `kv_a_proj_with_mqa`
    // replace the fused `q_a`/`kv_a` projection and `q_b_proj`.
    let text = edited(
        &config_text("deepseek-ai/DeepSeek-V3"),
        "\"q_lora_rank\": 1536",
        "\"q_lora_rank\": null",
    );
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert_eq!(
        gemm_names(&derivation),
        [
            "gemm_n24576_k7168",
            "gemm_n576_k7168",
            "gemm_n32768_k512",
            "gemm_n7168_k16384",
            "gemm_n36864_k7168",
            "gemm_n7168_k18432",
            "gemm_n256_k7168",
            "gemm_n4096_k7168",
            "gemm_n7168_k2048",
        ]
    );
    assert_eq!(
        definition(&derivation, "gemm_n24576_k7168").why,
        "q_proj: num_attention_heads 128 × (qk_nope_head_dim 128 + qk_rope_head_dim 64) = n24576; hidden_size 7168 = k7168"
    );
    assert_eq!(
        definition(&derivation, "gemm_n576_k7168").why,
        "kv_a_proj_with_mqa: kv_lora_rank 512 + qk_rope_head_dim 64 = n576; hidden_size 7168 = k7168"
    );
}

#[test]
fn gemm_of_a_gdn_config_without_gdn_layers_has_no_gdn_projections() {
    // Qwen3 Next with every layer full attention: the `linear_*` keys describe no layer.
    let text = edited(
        &config_text("Qwen/Qwen3-Next-80B-A3B-Thinking"),
        "\"full_attention_interval\": 4",
        "\"full_attention_interval\": 1",
    );
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert_eq!(derivation.attention, "GQA");
    assert!(names(&derivation).iter().all(|n| !n.starts_with("gdn_")));
    assert_eq!(
        gemm_names(&derivation),
        [
            "gemm_n9216_k2048",
            "gemm_n2048_k4096",
            "gemm_n512_k2048",
            "gemm_n1024_k2048",
            "gemm_n2048_k512",
            "gemm_n1_k2048",
        ]
    );
    assert_eq!(
        definition(&derivation, "gemm_n2048_k4096").why,
        "o_proj: hidden_size 2048 = n2048; num_attention_heads 16 × head_dim 256 = k4096"
    );
}

#[test]
fn gdn_names_carry_only_the_key_head_dim_and_skip_tps_that_split_a_head() {
    let plain = derive_all("Qwen/Qwen3-Next-80B-A3B-Thinking");
    assert_eq!(
        definition(&plain, "gdn_decode_qk2_v4_d128_k_last").note,
        None,
        "key and value head dims are both 128"
    );

    // 24 value heads of 256: TP 16 divides the 16 key heads but not the value heads.
    let text = config_text("Qwen/Qwen3-Next-80B-A3B-Thinking");
    let text = edited(
        &text,
        "\"linear_num_value_heads\": 32",
        "\"linear_num_value_heads\": 24",
    );
    let text = edited(
        &text,
        "\"linear_value_head_dim\": 128",
        "\"linear_value_head_dim\": 256",
    );
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[8, 16], &[1]));
    let gdn: Vec<&str> = names(&derivation)
        .into_iter()
        .filter(|n| n.starts_with("gdn_"))
        .collect();
    assert_eq!(
        gdn,
        [
            "gdn_prefill_qk2_v3_d128_k_last",
            "gdn_decode_qk2_v3_d128_k_last",
            "gdn_mtp_qk2_v3_d128_k_last",
        ]
    );
    assert_eq!(
        definition(&derivation, "gdn_decode_qk2_v3_d128_k_last")
            .note
            .as_deref(),
        Some("linear_value_head_dim 256 differs from linear_key_head_dim 128; the name carries only d")
    );
    let gdn_notes: Vec<&str> = derivation
        .notes
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with("gdn"))
        .collect();
    assert_eq!(
        gdn_notes,
        ["gdn at tp 16 skipped: linear_num_key_heads 16 / linear_num_value_heads 24 not divisible by tp 16"]
    );
}

#[test]
fn attention_that_slides_in_every_layer_is_called_sliding_window() {
    let text =
        config_text("handmade/gpt-oss-120b").replace("\"full_attention\"", "\"sliding_attention\"");
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert_eq!(
        derivation.architecture_line,
        "36 decoder layers, GQA attention (sliding-window), MoE FFN (128 experts, top-4)"
    );
}

#[test]
fn llama_nemotron_linear_replacements_share_the_hidden_square_gemm_with_o_proj() {
    // Attention in two shapes (kv 8 and kv 4), each with the same o_proj, and blocks replaced by
    // a hidden × hidden linear: one definition serves them all.
    let derivation = derive(
        &arch("handmade/llama-nemotron-super"),
        &parallelism(&[1], &[1]),
    );
    assert_eq!(
        definition(&derivation, "gemm_n8192_k8192").why,
        "o_proj: hidden_size 8192 = n8192; num_attention_heads 64 × head_dim 128 = k8192; \
         also o_proj: hidden_size 8192 = n8192; num_attention_heads 64 × head_dim 128 = k8192; \
         also block_configs replace_with_linear: a hidden_size 8192 × 8192 linear in place of attention or FFN"
    );
}

#[test]
fn gemm_of_a_moe_model_without_shared_experts_lists_attention_and_router_only() {
    let derivation = derive_all("Qwen/Qwen3-30B-A3B");
    assert_eq!(
        gemm_names(&derivation),
        ["gemm_n5120_k2048", "gemm_n2048_k4096", "gemm_n128_k2048"]
    );
}

#[test]
fn gemm_of_a_per_projection_model_with_an_output_gate_doubles_q_proj() {
    // Gemma 3 lists q_proj on its own; with Qwen3 Next's output gate it is twice as wide.
    let text =
        config_text("google/gemma-3-27b-it").replacen('{', "{\"attn_output_gate\": true, ", 1);
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert_eq!(
        definition(&derivation, "gemm_n8192_k5376").why,
        "q_proj: num_attention_heads 32 × 2 (output gate) × head_dim 128 = n8192; hidden_size 5376 = k5376"
    );
}

#[test]
fn moe_without_renormalized_top_k_is_unmapped_and_says_why() {
    // Qwen1.5/Qwen2 MoE style: softmax over all experts, top-k kept without renormalizing.
    let text = edited(
        &config_text("Qwen/Qwen3-30B-A3B"),
        "\"norm_topk_prob\": true",
        "\"norm_topk_prob\": false",
    );
    let derivation = derive(&parse_config(&text).unwrap(), &parallelism(&[1], &[1]));
    assert!(names(&derivation).iter().all(|n| !n.contains("moe")));
    assert_eq!(
        unmapped_labels(&derivation),
        ["MoE gate / topk / experts (top-8, 128 experts)"]
    );
    assert_eq!(
        derivation.unmapped[0].why,
        "softmax then top-k without renormalization (`norm_topk_prob` false): no MoE definition family has this routing"
    );
}

#[test]
fn rope_why_says_whether_the_whole_head_is_rotated() {
    let llama = derive_all("meta-llama/Llama-3.1-8B");
    assert_eq!(
        definition(&llama, "rope_with_cos_sin_cache_neox_style_d128_rd128").why,
        "head_dim 128, fully rotated; neox style"
    );
    let minimax = derive_all("MiniMaxAI/MiniMax-M2.7");
    assert_eq!(
        definition(&minimax, "rope_with_cos_sin_cache_neox_style_d128_rd64").why,
        "head_dim 128, partial rotary_dim 64; neox style"
    );
}

/// The sizes of a name carry where they come from (issue 22: the lint reads these, not the
/// `why` text): keys where a config field holds the size, arithmetic where it is split or summed.
#[test]
fn every_size_of_a_name_says_where_it_comes_from() {
    use track_models::api::naming::Origin;
    let key = |k: &'static str| Some(Origin::Key(k));
    let llama = derive_all("meta-llama/Llama-3.1-8B");
    let down = definition(&llama, "gemm_n4096_k14336");
    assert_eq!(down.source_of("n", 4096).cloned(), key("hidden_size"));
    assert_eq!(
        down.source_of("k", 14336).cloned(),
        key("intermediate_size")
    );
    let decode = definition(&llama, "gqa_paged_decode_h16_kv4_d128_ps1");
    assert_eq!(
        decode.source_of("h", 16).cloned(),
        Some(Origin::Derived("num_attention_heads 32 / tp 2".into()))
    );
    assert_eq!(decode.source_of("d", 128).cloned(), key("head_dim"));
    assert_eq!(decode.source_of("ps", 1), None);

    let v3 = derive_all("deepseek-ai/DeepSeek-V3");
    let mla = definition(&v3, "mla_paged_decode_h16_ckv512_kpe64_ps64");
    assert_eq!(mla.source_of("kpe", 64).cloned(), key("qk_rope_head_dim"));
    assert_eq!(mla.source_of("ps", 64), None);
}

/// A wrong page size is never blamed on another key of the same value (MLA's
/// `qk_rope_head_dim` 64 beside `page_size` 64): the old reading of the `why` text did that.
#[test]
fn a_wrong_page_size_is_not_blamed_on_a_key_of_the_same_value() {
    use track_models::api::lint::dims::{ConfigCandidates, Verdict};
    let candidates = ConfigCandidates::new(&arch("deepseek-ai/DeepSeek-V3"), &[], &[]);
    assert_eq!(
        candidates.verdict("mla_paged_decode_h16_ckv512_kpe64_ps32"),
        Verdict::Contradicts {
            suggestion: "mla_paged_decode_h16_ckv512_kpe64_ps64".into(),
            explanation: "`ps` 64, not 32".into(),
        }
    );
}
