//! Serving configs from real sgl-cookbook YAML (`tests/fixtures/cookbook/`, see its README) and
//! hand-made SGLang JSX snippets (`tests/fixtures/sglang/docs_new/src/snippets/configs/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use track_models::api::sources::serving::{
    parse_cookbook_yaml, parse_jsx_config, CookbookIndex, ParsedConfigs, ServingConfig,
    ServingSource,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn index() -> CookbookIndex {
    CookbookIndex::load(
        &[fixtures().join("cookbook")],
        Some(&fixtures().join("sglang")),
    )
}

/// The distinct configurations of `repo_id` over all hardware and files, sorted: the `config`
/// of each source [`CookbookIndex::serving`] returns, as the resolver reads them.
fn configs_of(index: &CookbookIndex, repo_id: &str) -> Vec<ServingConfig> {
    let configs: BTreeSet<ServingConfig> =
        index.serving(repo_id).iter().map(|s| s.config).collect();
    configs.into_iter().collect()
}

fn config(tp: u32, ep: u32, dp: u32, dp_attention: bool) -> ServingConfig {
    ServingConfig {
        tp,
        ep,
        dp,
        dp_attention,
    }
}

/// `file` is relative to `tests/fixtures`; JSX files are given from `configs/` on.
fn source(repo_id: &str, hardware: &str, config: ServingConfig, file: &str) -> ServingSource {
    let file = match file.strip_prefix("configs/") {
        Some(jsx) => fixtures()
            .join("sglang/docs_new/src/snippets/configs")
            .join(jsx),
        None => fixtures().join(file),
    };
    ServingSource {
        repo_id: repo_id.to_string(),
        config,
        hardware: hardware.to_string(),
        file,
    }
}

const KIMI_K2_YAML: &str = "cookbook/v0.5.6/kimi-k2.yaml";
const KIMI_K2_JSX: &str = "configs/moonshotai/kimi-k2.jsx";
const DEEPSEEK_V4_JSX: &str = "configs/deepseek-ai/deepseek-v4.jsx";

#[test]
fn deepseek_r1_serving_set_from_real_yaml() {
    let index = index();
    let repo = "deepseek-ai/DeepSeek-R1-0528";
    let mut expected = Vec::new();
    for c in [
        config(8, 1, 1, false),
        config(8, 1, 8, true),
        config(8, 8, 1, false),
    ] {
        for hw in ["B200", "H100", "H200"] {
            expected.push(source(repo, hw, c, "cookbook/v0.5.6/deepseek-r1.yaml"));
        }
    }
    assert_eq!(index.serving(repo), expected);
    assert_eq!(
        configs_of(&index, "nvidia/DeepSeek-R1-0528-FP4-v2"),
        vec![
            config(8, 1, 1, false),
            config(8, 1, 8, true),
            config(8, 8, 1, false)
        ]
    );
}

#[test]
fn kimi_k2_is_the_union_of_yaml_and_jsx() {
    let repo = "moonshotai/Kimi-K2-Instruct";
    assert_eq!(
        index().serving(repo),
        vec![
            source(repo, "B200", config(8, 1, 1, false), KIMI_K2_YAML),
            source(repo, "H200", config(8, 1, 1, false), KIMI_K2_YAML),
            source(repo, "H200", config(8, 1, 1, false), KIMI_K2_JSX),
            source(repo, "B200", config(8, 1, 4, true), KIMI_K2_YAML),
            source(repo, "H200", config(8, 1, 4, true), KIMI_K2_YAML),
            source(repo, "H200", config(8, 1, 8, true), KIMI_K2_JSX),
            source(repo, "B200", config(8, 4, 1, false), KIMI_K2_YAML),
            source(repo, "H200", config(8, 4, 1, false), KIMI_K2_YAML),
            source(repo, "B200", config(8, 8, 1, false), KIMI_K2_JSX),
        ]
    );
}

#[test]
fn lookup_ignores_case_and_keeps_each_spelling() {
    let index = index();
    let yaml = "moonshotai/Kimi-K2-Thinking";
    let jsx = "moonshotai/kimi-k2-thinking";
    let mut expected = Vec::new();
    for c in [
        config(8, 1, 1, false),
        config(8, 1, 4, true),
        config(8, 4, 1, false),
    ] {
        for hw in ["B200", "H200"] {
            expected.push(source(yaml, hw, c, KIMI_K2_YAML));
        }
    }
    expected.push(source(jsx, "MI300X", config(4, 1, 1, false), KIMI_K2_JSX));
    assert_eq!(index.serving("MOONSHOTAI/KIMI-K2-THINKING"), expected);
    assert_eq!(index.serving(yaml), expected);
    let ids = index.repo_ids();
    assert!(ids.contains(&yaml.to_string()));
    assert!(!ids.contains(&jsx.to_string()));
}

#[test]
fn qwen3_next_serving_set_from_real_yaml() {
    let repo = "Qwen/Qwen3-Next-80B-A3B-Instruct";
    let file = "cookbook/v0.5.6/qwen3next.yaml";
    assert_eq!(
        index().serving(repo),
        vec![
            source(repo, "B200", config(2, 1, 1, false), file),
            source(repo, "H200", config(2, 1, 1, false), file),
            source(repo, "H100", config(4, 1, 1, false), file),
        ]
    );
}

#[test]
fn dp_attention_divides_attention_tp() {
    let index = index();
    let kimi = configs_of(&index, "moonshotai/Kimi-K2-Instruct");
    assert_eq!(
        kimi.iter().map(|c| c.attention_tp()).collect::<Vec<_>>(),
        vec![8, 2, 1, 8, 8] // (8,1,1) (8,1,4,dpa) (8,1,8,dpa) (8,4,1) (8,8,1)
    );
    // `dp: 2` without DP attention is plain data parallelism: attention keeps TP 8.
    let mimo = configs_of(&index, "XiaomiMiMo/MiMo-MiMo-V2-Flash");
    assert_eq!(mimo, vec![config(8, 1, 2, false)]);
    assert_eq!(mimo[0].attention_tp(), 8);
    // Kimi-K2.5 on AMD: tp 4 with dp 8 and DP attention; never 0.
    assert_eq!(
        configs_of(&index, "moonshotai/Kimi-K2.5"),
        vec![
            config(4, 1, 1, false),
            config(4, 1, 8, true),
            config(8, 1, 1, false),
            config(8, 1, 8, true)
        ]
    );
    assert_eq!(config(4, 1, 8, true).attention_tp(), 1);
    assert_eq!(config(0, 1, 1, false).attention_tp(), 1);
    // `--enable-dp-attention` with one DP rank changes nothing (real: Llama-3.1-70B).
    assert_eq!(ServingConfig::new(4, 1, 1, true), config(4, 1, 1, false));
    assert_eq!(ServingConfig::new(0, 0, 0, true), config(1, 1, 1, false));
}

#[test]
fn duplicate_model_path_counts_once() {
    let index = index();
    let repo = "meta-llama/Llama-4-Scout-17B-16E-Instruct";
    let file = "cookbook/v0.5.6/llama4scout.yaml";
    assert_eq!(
        index.serving(repo),
        vec![
            source(repo, "B200", config(8, 1, 1, false), file),
            source(repo, "H100", config(8, 1, 1, false), file),
            source(repo, "H200", config(8, 1, 1, false), file),
        ]
    );
    assert_eq!(index.repo_ids().iter().filter(|id| *id == repo).count(), 1);
}

#[test]
fn misspelt_repo_id_is_kept_as_is() {
    let index = index();
    assert_eq!(
        index.serving("XiaomiMiMo/MiMo-MiMo-V2-Flash"),
        vec![source(
            "XiaomiMiMo/MiMo-MiMo-V2-Flash",
            "H200",
            config(8, 1, 2, false),
            "cookbook/v0.5.6/mimo.yaml"
        )]
    );
    assert_eq!(index.serving("XiaomiMiMo/MiMo-V2-Flash"), vec![]);
}

#[test]
fn repo_ids_are_every_model_path_and_model_name() {
    assert_eq!(
        index().repo_ids(),
        vec![
            "Qwen/Qwen3-Next-80B-A3B-Instruct",
            "Qwen/Qwen3-Next-80B-A3B-Instruct-FP8",
            "Qwen/Qwen3-Next-80B-A3B-Thinking",
            "Qwen/Qwen3-Next-80B-A3B-Thinking-FP8",
            "Qwen/Qwen3.6-35B-A3B",
            "Qwen/Qwen3.6-35B-A3B-FP8",
            "XiaomiMiMo/MiMo-MiMo-V2-Flash",
            "deepseek-ai/DeepSeek-R1-0528",
            "deepseek-ai/DeepSeek-V4-Flash",
            "deepseek-ai/DeepSeek-V4-Pro",
            "example/A2A-MoE",
            "example/A2A-MoE-NVFP4",
            "example/Zero-TP",
            "meta-llama/Llama-4-Scout-17B-16E-Instruct",
            "moonshotai/Kimi-K2-Instruct",
            "moonshotai/Kimi-K2-Thinking",
            "moonshotai/Kimi-K2.5",
            "nvidia/DeepSeek-R1-0528-FP4-v2",
            "sgl-project/DeepSeek-V4-Flash-FP8",
        ]
    );
}

#[test]
fn jsx_cells_map_through_model_names() {
    let index = index();
    let flash = "deepseek-ai/DeepSeek-V4-Flash";
    assert_eq!(
        index.serving(flash),
        vec![
            source(flash, "B200", config(4, 1, 1, false), DEEPSEEK_V4_JSX),
            // `--moe-a2a-backend deepep` without an EP size: EP = TP.
            source(flash, "B200", config(4, 4, 4, true), DEEPSEEK_V4_JSX),
        ]
    );
    // The `h200|flash|fp8` key wins over `flash|fp8` (which does not exist here anyway).
    let fp8 = "sgl-project/DeepSeek-V4-Flash-FP8";
    assert_eq!(
        index.serving(fp8),
        vec![source(fp8, "H200", config(4, 1, 1, false), DEEPSEEK_V4_JSX)]
    );
    // The H100 cell has a placeholder TP and is skipped; GB300 is kept with a warning.
    let pro = "deepseek-ai/DeepSeek-V4-Pro";
    assert_eq!(
        index.serving(pro),
        vec![source(pro, "GB300", config(4, 1, 8, true), DEEPSEEK_V4_JSX)]
    );
    // The broken GLM-5 snippet contributes nothing, not even its repo id.
    assert_eq!(index.serving("zai-org/GLM-5-FP8"), vec![]);
}

#[test]
fn handmade_yaml_shapes() {
    let index = index();
    let file = "cookbook/handmade/odd.yaml";
    // `quantized_model_path` names the repo launched; `--moe-a2a-backend deepep` gives EP = TP;
    // lower-case hardware is upper-cased.
    assert_eq!(
        index.serving("example/A2A-MoE-NVFP4"),
        vec![source(
            "example/A2A-MoE-NVFP4",
            "B200",
            config(4, 4, 4, true),
            file
        )]
    );
    // `extra_args` override the `engine` fields, as later flags do on a command line.
    assert_eq!(
        index.serving("example/A2A-MoE"),
        vec![source(
            "example/A2A-MoE",
            "B200",
            config(8, 2, 1, false),
            file
        )]
    );
    assert_eq!(index.serving("example/Zero-TP"), vec![]);
}

#[test]
fn warnings_name_the_file_and_line() {
    let cookbook = fixtures().join("cookbook");
    let configs = fixtures().join("sglang/docs_new/src/snippets/configs");
    let odd = cookbook.join("handmade/odd.yaml");
    let kimi_k25 = cookbook.join("v0.5.8/kimi-k25.yaml");
    let v4 = configs.join("deepseek-ai/deepseek-v4.jsx");
    let mut expected = vec![format!(
        "`{}`: not valid YAML: did not find expected ',' or ']' at line 7 column 1, while parsing a flow sequence at line 6 column 15",
        cookbook.join("handmade/broken.yaml").display()
    )];
    expected.extend([
        format!(
            "`{}`:7: `example/Zero-TP` on H100, configuration `default`: `tp: 0` is not a positive integer; skipped",
            odd.display()
        ),
        format!(
            "`{}`:7: `example/Zero-TP` on H100, configuration `placeholder`: `--ep-size {{{{EP}}}}` is not a positive integer; skipped",
            odd.display()
        ),
        format!("`{}`: a model without a string `model_path`; skipped", odd.display()),
    ]);
    for hw in ["MI300X", "MI325X", "MI350X", "MI355X"] {
        expected.push(format!(
            "`{}`:7: `moonshotai/Kimi-K2.5` on {hw}, configuration `high-throughput-dp`: DP attention with dp 8 that does not divide tp 4; attention TP taken as 1",
            kimi_k25.display()
        ));
    }
    expected.extend([
        format!(
            "`{}`:24: no `modelNames` entry for `pro|fp8` (hw `h200`) and no `default`; skipped",
            v4.display()
        ),
        format!(
            "`{}`:28: `deepseek-ai/DeepSeek-V4-Pro` on h100: `--tp {{{{TP}}}}` is not a positive integer; skipped",
            v4.display()
        ),
        format!(
            "`{}`:32: `deepseek-ai/DeepSeek-V4-Pro` on gb300: DP attention with dp 8 that does not divide tp 4; attention TP taken as 1",
            v4.display()
        ),
        format!(
            "`{}`:11: cannot read the `config` literal: not valid JavaScript: Expected `,` but found `Identifier`",
            configs.join("zai-org/glm-5.jsx").display()
        ),
    ]);
    assert_eq!(index().warnings, expected);
}

#[test]
fn find_by_repo_name_matches_loosely() {
    let index = index();
    assert_eq!(
        index.find_by_repo_name("qwen3.6-35b-a3b"),
        vec!["Qwen/Qwen3.6-35B-A3B", "Qwen/Qwen3.6-35B-A3B-FP8"]
    );
    assert_eq!(
        index.find_by_repo_name("Qwen3 Next 80B A3B"),
        vec![
            "Qwen/Qwen3-Next-80B-A3B-Instruct",
            "Qwen/Qwen3-Next-80B-A3B-Instruct-FP8",
            "Qwen/Qwen3-Next-80B-A3B-Thinking",
            "Qwen/Qwen3-Next-80B-A3B-Thinking-FP8",
        ]
    );
    // Not `Kimi-K2.5`: a version digit after the name is another model.
    assert_eq!(
        index.find_by_repo_name("kimi_k2"),
        vec!["moonshotai/Kimi-K2-Instruct", "moonshotai/Kimi-K2-Thinking"]
    );
    assert_eq!(
        index.find_by_repo_name("MoonshotAI/kimi-k2.5"),
        vec!["moonshotai/Kimi-K2.5"]
    );
    assert_eq!(
        index.find_by_repo_name("other-org/kimi-k2.5"),
        Vec::<String>::new()
    );
    // A date stamp is the same model.
    assert_eq!(
        index.find_by_repo_name("deepseek-r1"),
        vec![
            "deepseek-ai/DeepSeek-R1-0528",
            "nvidia/DeepSeek-R1-0528-FP4-v2"
        ]
    );
    // Loose on purpose: suffix words match, whatever the org.
    assert_eq!(
        index.find_by_repo_name("deepseek-v4"),
        vec![
            "deepseek-ai/DeepSeek-V4-Flash",
            "deepseek-ai/DeepSeek-V4-Pro",
            "sgl-project/DeepSeek-V4-Flash-FP8",
        ]
    );
    // A name that stops inside a word matches nothing.
    assert_eq!(index.find_by_repo_name("deepseek-r"), Vec::<String>::new());
}

#[test]
fn missing_cookbook_dir_is_a_warning() {
    let missing = fixtures().join("no-such-cookbook");
    let index = CookbookIndex::load(std::slice::from_ref(&missing), None);
    assert_eq!(
        index.warnings,
        vec![format!(
            "cookbook directory `{}` not found\nhint: pass the `data/models` folder of an sgl-cookbook checkout",
            missing.display()
        )]
    );
    assert_eq!(index.repo_ids(), Vec::<String>::new());
}

#[test]
fn snippets_without_config_and_non_model_yaml_are_skipped() {
    let jsx = Path::new("configs/qwen/qwen3.5-benchmarks.jsx");
    let text = std::fs::read_to_string(
        fixtures().join("sglang/docs_new/src/snippets/configs/qwen/qwen3.5-benchmarks.jsx"),
    )
    .unwrap();
    assert_eq!(parse_jsx_config(&text, jsx), ParsedConfigs::default());
    let vendors = std::fs::read_to_string(fixtures().join("cookbook/vendors.yaml")).unwrap();
    assert_eq!(
        parse_cookbook_yaml(&vendors, Path::new("vendors.yaml")),
        ParsedConfigs::default()
    );
}

#[test]
fn jsx_flag_spellings_and_literal_syntax() {
    // Unquoted and numeric keys, comments, template strings with `${…}`, escaped quotes in a flag,
    // `--tp-size 8` / `--dp-size=8` / `"--tp", "4"`.
    let text = std::fs::read_to_string(
        fixtures().join("sglang/docs_new/src/snippets/configs/moonshotai/kimi-k2.jsx"),
    )
    .unwrap();
    let parsed = parse_jsx_config(&text, Path::new("kimi-k2.jsx"));
    assert_eq!(parsed.warnings, Vec::<String>::new());
    assert_eq!(
        parsed.repo_ids,
        vec!["moonshotai/Kimi-K2-Instruct", "moonshotai/kimi-k2-thinking"]
    );
    let got: Vec<(String, String, ServingConfig)> = parsed
        .sources
        .into_iter()
        .map(|s| (s.repo_id, s.hardware, s.config))
        .collect();
    let row = |repo: &str, hw: &str, c| (repo.to_string(), hw.to_string(), c);
    assert_eq!(
        got,
        vec![
            row(
                "moonshotai/Kimi-K2-Instruct",
                "H200",
                config(8, 1, 1, false)
            ),
            row("moonshotai/Kimi-K2-Instruct", "H200", config(8, 1, 8, true)),
            row(
                "moonshotai/Kimi-K2-Instruct",
                "B200",
                config(8, 8, 1, false)
            ),
            row(
                "moonshotai/kimi-k2-thinking",
                "MI300X",
                config(4, 1, 1, false)
            ),
        ]
    );
}

// ------------------------------------------------------------------ real-format gaps

fn gap(name: &str) -> (PathBuf, ParsedConfigs) {
    let path = fixtures().join("jsx-gaps/acme-labs").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = parse_jsx_config(&text, &path);
    (path, parsed)
}

#[test]
fn org_less_model_names_take_the_literal_model_path_hw_arrays_and_placeholder_defaults() {
    let (path, parsed) = gap("orbit-2.jsx");
    let source = |repo: &str, hw: &str, config: ServingConfig| ServingSource {
        repo_id: repo.to_string(),
        config,
        hardware: hw.to_string(),
        file: path.clone(),
    };
    assert_eq!(
        parsed.sources,
        vec![
            source("acme-labs/Orbit-2-480B-FP8", "H200", config(8, 8, 1, false)),
            source("acme-labs/Orbit-2-480B-FP8", "B200", config(8, 8, 1, false)),
            source("acme-labs/Orbit-2-12B", "H100", config(4, 1, 1, false)),
        ]
    );
    // Org-less names are not repo ids; the literal paths are.
    assert_eq!(
        parsed.repo_ids,
        vec!["acme-labs/Orbit-2-480B-FP8", "acme-labs/Orbit-2-12B"]
    );
    assert_eq!(
        parsed.warnings,
        vec![format!(
            "`{}`: `Orbit-2-12B-FP8` in `modelNames` name no org and their cells give no literal `--model-path ORG/NAME`; those cells are left out",
            path.display()
        )]
    );
}

#[test]
fn a_file_whose_cells_map_to_no_repo_id_is_a_warning_naming_it() {
    let (path, parsed) = gap("bare-names.jsx");
    assert_eq!(parsed.sources, vec![]);
    assert_eq!(parsed.repo_ids, Vec::<String>::new());
    assert_eq!(
        parsed.warnings.last().unwrap(),
        &format!(
            "`{}`: no cell maps to a repo id; the file gives no serving configuration",
            path.display()
        )
    );
    assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
}
