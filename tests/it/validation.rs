//! Issue 13, item 4: a config with zero, inconsistent or absurd values is rejected naming the
//! key, never turned into an impossible definition name. Real configs all still pass.

use std::path::Path;

use serde_json::{json, Value};
use track_models::api::arch::{parse_config, sanitize_json};

use crate::support::{fixture, root};

fn with(path: &str, changes: &[(&str, Value)]) -> String {
    let mut config: Value = serde_json::from_str(&sanitize_json(&fixture(path))).unwrap();
    for (key, value) in changes {
        if value.is_null() {
            config.as_object_mut().unwrap().remove(*key);
        } else {
            config[*key] = value.clone();
        }
    }
    config.to_string()
}

fn rejection(path: &str, changes: &[(&str, Value)]) -> String {
    parse_config(&with(path, changes))
        .expect_err("the config is rejected")
        .to_string()
}

const LLAMA: &str = "configs/meta-llama/Llama-3.1-8B/config.json";
const QWEN_MOE: &str = "configs/Qwen/Qwen3-30B-A3B/config.json";

#[test]
fn impossible_dense_values_are_rejected_naming_the_key() {
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[("vocab_size", json!(0))], "config rejected: `vocab_size` is 0"),
        (
            &[("num_key_value_heads", json!(64))],
            "config rejected: `num_key_value_heads` is 64, more than `num_attention_heads` 32",
        ),
        (
            &[("num_key_value_heads", json!(6))],
            "config rejected: `num_key_value_heads` is 6, which does not divide `num_attention_heads` 32",
        ),
        (
            &[("hidden_size", json!(3))],
            "config rejected: `hidden_size` is 3, not a multiple of `num_attention_heads` 32, and no `head_dim` is given",
        ),
        (
            &[("hidden_size", json!(4100))],
            "config rejected: `hidden_size` is 4100, not a multiple of `num_attention_heads` 32, and no `head_dim` is given",
        ),
        (
            &[("hidden_size", json!(64)), ("head_dim", json!(128))],
            "config rejected: `hidden_size` is 64, smaller than the head dim 128",
        ),
        (
            &[("num_hidden_layers", json!(0))],
            "config rejected: `num_hidden_layers` is 0",
        ),
        (
            &[("num_hidden_layers", Value::Null)],
            "config rejected: `num_hidden_layers` is missing (and no `layer_types` list gives the layers)",
        ),
        (
            &[("num_attention_heads", json!(-32))],
            "`num_attention_heads` is -32, expected a non-negative integer",
        ),
        (&[("hidden_size", json!(0))], "config rejected: `hidden_size` is 0"),
    ];
    for (changes, message) in cases {
        assert_eq!(rejection(LLAMA, changes), *message, "{changes:?}");
    }
}

#[test]
fn impossible_moe_values_are_rejected_naming_the_key() {
    assert_eq!(
        rejection(QWEN_MOE, &[("num_experts_per_tok", json!(0))]),
        "config rejected: `num_experts_per_tok` is 0"
    );
    assert_eq!(
        rejection(QWEN_MOE, &[("num_experts_per_tok", json!(129))]),
        "config rejected: `num_experts_per_tok` is 129, more than the 128 experts"
    );
}

#[test]
fn every_real_config_still_parses() {
    let mut seen = 0;
    let mut stack = vec![root().join("tests/fixtures/configs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "config.json") {
                let text = std::fs::read_to_string(&path).unwrap();
                if let Err(error) = parse_config(&text) {
                    panic!("{}: {error}", path.display());
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 15, "only {seen} configs found");
}

#[test]
fn a_rejected_config_says_so_in_its_section_without_the_local_path() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("model_coverage.mdx");
    std::fs::write(&doc, fixture("refresh/empty-doc.mdx")).unwrap();
    let add_model = |name: &str, repo: &str, config: &Path| {
        crate::support::track_models(&[
            "--model-name",
            name,
            "--hf-repo-id",
            repo,
            "--config-file",
            config.to_str().unwrap(),
            "--doc",
            doc.to_str().unwrap(),
            "--trace-dir",
            crate::support::trace_dir().to_str().unwrap(),
        ])
    };
    let bad = dir.path().join("config.json");
    std::fs::write(&bad, with(LLAMA, &[("vocab_size", json!(0))])).unwrap();
    let output = add_model("bad", "org/bad", &bad);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        crate::support::stderr(&output).contains(
            "error: config.json of `org/bad` is unusable: config rejected: `vocab_size` is 0\n"
        ),
        "{}",
        crate::support::stderr(&output)
    );
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(text.contains("**Architecture**: unknown: config.json unavailable (config.json of \\`org/bad\\` is unusable: config rejected: \\`vocab\\_size\\` is 0)."), "{text}");

    // A config file that cannot be read: the doc names neither the local path nor a URL.
    let missing = dir.path().join("nowhere/config.json");
    let output = add_model("gone", "org/gone", &missing);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        crate::support::stderr(&output).contains(missing.to_str().unwrap()),
        "stderr keeps the path"
    );
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(!text.contains(dir.path().to_str().unwrap()), "{text}");
    assert!(
        text.contains("reading the config file \\`(local path)\\` for \\`gone\\`"),
        "{text}"
    );
}

#[test]
fn absurd_serving_sizes_are_refused() {
    use std::path::Path;
    use track_models::api::sources::serving::parse_cookbook_yaml;

    let yaml = "vendor: example
models:
- name: Huge
  model_path: example/Huge-TP
  hardware:
    H100:
      configurations:
      - name: typo
        engine:
          tp: 1000000000
      - name: flags
        engine:
          extra_args: [--tp, '2048']
      - name: fine
        engine:
          tp: 1024
";
    let parsed = parse_cookbook_yaml(yaml, Path::new("huge.yaml"));
    assert_eq!(
        parsed.warnings,
        [
            "`huge.yaml`:4: `example/Huge-TP` on H100, configuration `typo`: `tp: 1000000000` is more than 1024, the largest size accepted; skipped",
            "`huge.yaml`:4: `example/Huge-TP` on H100, configuration `flags`: `--tp 2048` is more than 1024, the largest size accepted; skipped",
        ]
    );
    assert_eq!(parsed.sources.len(), 1);
    assert_eq!(parsed.sources[0].config.tp, 1024);

    for value in ["0", "2000"] {
        let output =
            crate::support::track_models(&["--model-name", "m", "--tp", value, "--doc", "d.mdx"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            crate::support::stderr(&output).contains(&format!(
                "error: invalid value '{value}' for '--tp <LIST>': {value} is not in 1..=1024"
            )),
            "{}",
            crate::support::stderr(&output)
        );
    }
}

const DEEPSEEK: &str = "configs/deepseek-ai/DeepSeek-V3/config.json";
const QWEN_NEXT: &str = "configs/Qwen/Qwen3-Next-80B-A3B-Thinking/config.json";
const NEMOTRON_H: &str = "configs/nvidia/Nemotron-H-56B-Base-8K/config.json";

/// A fixture, the keys changed in it, and the refusal expected.
type Case<'a> = (&'a str, &'a [(&'a str, Value)], &'a str);

/// Issue 19, item 6: zero dimensions of every family, a product past the size bound and a
/// missing family key are refused naming the key, never turned into `…_i0` or
/// `gemm_n8589934590_k4294967295`.
#[test]
fn impossible_family_dimensions_are_rejected_naming_the_key() {
    let cases: &[Case] = &[
        (
            QWEN_MOE,
            &[("moe_intermediate_size", json!(0))],
            "config rejected: `moe_intermediate_size` is 0 but the model has MoE layers",
        ),
        (
            DEEPSEEK,
            &[("n_shared_experts", json!(16_777_216))],
            "config rejected: `n_shared_experts` is 16777216: 16777216 × `moe_intermediate_size` 2048 is more than the 16777216 this tool accepts for a size",
        ),
        (
            DEEPSEEK,
            &[("kv_lora_rank", Value::Null)],
            "config rejected: `kv_lora_rank` is missing, and `qk_rope_head_dim` says the model uses MLA",
        ),
        (
            DEEPSEEK,
            &[("qk_nope_head_dim", json!(0)), ("qk_rope_head_dim", json!(0))],
            "config rejected: `qk_rope_head_dim` is 0 in an MLA model",
        ),
        (
            QWEN_NEXT,
            &[("linear_key_head_dim", json!(0))],
            "config rejected: `linear_key_head_dim` is 0 in a Gated DeltaNet model",
        ),
        (
            QWEN_NEXT,
            &[("linear_num_value_heads", json!(0))],
            "config rejected: `linear_num_value_heads` is 0 in a Gated DeltaNet model",
        ),
        (
            QWEN_NEXT,
            &[("linear_value_head_dim", json!(0))],
            "config rejected: `linear_value_head_dim` is 0 in a Gated DeltaNet model",
        ),
        (
            NEMOTRON_H,
            &[("ssm_state_size", json!(0))],
            "config rejected: `ssm_state_size` is 0 in a Mamba2 model",
        ),
        (
            NEMOTRON_H,
            &[("mamba_num_heads", json!(0))],
            "config rejected: `mamba_num_heads` is 0 in a Mamba2 model",
        ),
        (
            NEMOTRON_H,
            &[("mamba_head_dim", json!(0))],
            "config rejected: `mamba_head_dim` is 0 in a Mamba2 model",
        ),
        (
            LLAMA,
            &[("num_attention_heads", json!(0))],
            "config rejected: `num_attention_heads` is 0",
        ),
        (
            NEMOTRON_H,
            &[("n_groups", json!(0))],
            "config rejected: `n_groups` is 0 in a Mamba2 model",
        ),
        (
            LLAMA,
            &[("intermediate_size", json!(0))],
            "config rejected: `intermediate_size` is 0 but the model has dense MLP layers",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(path, changes, message)| {
            let got = parse_config(&with(path, changes))
                .err()
                .map(|e| e.to_string());
            (got.as_deref() != Some(*message)).then(|| format!("{path} {changes:?}: {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
