//! Telling a repackaging from its original (pure): a quantized or re-packed re-upload
//! (`amd/Qwen3.5-397B-A17B-MXFP4`, `PhalaCloud/GLM-5.2-W4AFP8`, `sgl-project/…-FP8`,
//! `…-GPTQ-Int4`, `…-bnb-4bit`, `mlx-community/…-4bit`, `unsloth/…-GGUF`) has the original's
//! kernels, so its section is the original's: discovery folds it into the original's candidate
//! (`candidates.rs`).
//!
//! Two ways tell: what the Hub says ([`declared_original`]: `baseModels` with the relation
//! `quantized`, else the model card's `base_model` with `base_model_relation: quantized`, or
//! with no stated relation on a repo whose name carries a precision word), then the name
//! ([`is_repackaging_name`], [`unpackaged_name`]): a repo whose name is another candidate's
//! plus precision or packaging words.

use serde::Serialize;

use super::display_name::is_precision_word;
use crate::sources::hf::ModelInfo;

/// A tie between a repackaging and its original: the other repo's id, and what tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lineage {
    pub repo_id: String,
    pub via: TiedBy,
}

/// What tied a repackaging to its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TiedBy {
    /// The Hub's `baseModels` (relation `quantized`).
    BaseModels,
    /// The model card's `base_model`.
    CardData,
    /// Its name: the original's plus precision or packaging words.
    Name,
}

impl TiedBy {
    /// How the signals text says it.
    pub fn describe(self) -> &'static str {
        match self {
            TiedBy::BaseModels => "a quantized repackaging, per the Hub",
            TiedBy::CardData => "a repackaging, per its model card",
            TiedBy::Name => "a repackaging, by its name",
        }
    }
}

/// The original the Hub says `model` is a quantized repackaging of, if it says so of exactly
/// one repo. `baseModels` is the Hub's own reading and wins when present (a `finetune`,
/// `adapter` or `merge` relation is another model: no tie); without it, the card's
/// `base_model`.
pub fn declared_original(model: &ModelInfo) -> Option<Lineage> {
    let named_as_one = is_repackaging_name(&model.id);
    let tie = |bases: &[String], relation: Option<&str>, via: TiedBy| {
        let [only] = bases else {
            return None;
        };
        let quantized = relation == Some("quantized") || (relation.is_none() && named_as_one);
        let other_repo = only.contains('/') && !only.eq_ignore_ascii_case(&model.id);
        (quantized && other_repo).then(|| Lineage {
            repo_id: only.clone(),
            via,
        })
    };
    if let Some(base) = &model.base_models {
        return tie(&base.models, base.relation.as_deref(), TiedBy::BaseModels);
    }
    let card = model.card_data.as_ref()?;
    tie(
        &card.base_model,
        card.base_model_relation.as_deref(),
        TiedBy::CardData,
    )
}

/// Whether a repo's name carries a precision or packaging word after its first token
/// (`Qwen3.5-397B-A17B-MXFP4`, `GLM-5.2-W4AFP8`, `Llama-3.1-8B-Instruct-GPTQ-Int4`).
pub fn is_repackaging_name(repo_id: &str) -> bool {
    name_tokens(repo_id)
        .iter()
        .skip(1)
        .any(|token| is_precision_word(&token.to_ascii_lowercase()))
}

/// A repo's name without the org and its precision and packaging words, lower-cased: what a
/// repackaging and its original share (`amd/Qwen3.5-397B-A17B-MXFP4` and
/// `Qwen/Qwen3.5-397B-A17B` → `qwen3.5-397b-a17b`). Variant words stay (`-Instruct-FP8`
/// repackages `-Instruct`, not the base model).
pub fn unpackaged_name(repo_id: &str) -> String {
    let tokens = name_tokens(repo_id);
    let kept: Vec<String> = tokens
        .iter()
        .enumerate()
        .filter(|(at, token)| *at == 0 || !is_precision_word(&token.to_ascii_lowercase()))
        .map(|(_, token)| token.to_ascii_lowercase())
        .collect();
    kept.join("-")
}

fn name_tokens(repo_id: &str) -> Vec<&str> {
    let name = repo_id.rsplit('/').next().unwrap_or(repo_id);
    name.split(['-', '_']).filter(|t| !t.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_repackagings() {
        for repo in [
            "amd/Qwen3.5-397B-A17B-MXFP4",
            "Qwen/Qwen3-8B-FP8",
            "nvidia/DeepSeek-R1-NVFP4",
            "PhalaCloud/GLM-5.2-W4AFP8",
            "sgl-project/GLM-5.2-FP8",
            "casperhansen/Llama-3.1-8B-Instruct-AWQ",
            "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4",
            "unsloth/Llama-3.1-8B-bnb-4bit",
            "mlx-community/Qwen3-8B-4bit",
            "unsloth/MiniMax-M2.7-GGUF",
            "RedHatAI/Qwen3-8B-FP8-dynamic",
        ] {
            assert!(is_repackaging_name(repo), "{repo}");
        }
        for repo in [
            "Qwen/Qwen3.5-397B-A17B",
            "zai-org/GLM-5.2",
            "deepseek-ai/DeepSeek-V3",
            "FP8/Model-7B",
            "Qwen/Qwen3-Next-80B-A3B-Thinking",
        ] {
            assert!(!is_repackaging_name(repo), "{repo}");
        }
        assert_eq!(
            unpackaged_name("amd/Qwen3.5-397B-A17B-MXFP4"),
            unpackaged_name("Qwen/Qwen3.5-397B-A17B")
        );
        assert_eq!(unpackaged_name("PhalaCloud/GLM-5.2-W4AFP8"), "glm-5.2");
        assert_eq!(
            unpackaged_name("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4"),
            "qwen2.5-7b-instruct"
        );
    }

    fn info(value: serde_json::Value) -> ModelInfo {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_hub_declares_the_original() {
        let lineage = |repo_id: &str, via| {
            Some(Lineage {
                repo_id: repo_id.to_string(),
                via,
            })
        };
        // `baseModels`, relation `quantized`: tied, whatever the name says.
        let quantized = info(serde_json::json!({
            "id": "PhalaCloud/GLM-5.2-W4AFP8",
            "baseModels": {"relation": "quantized", "models": [{"_id": "x", "id": "zai-org/GLM-5.2"}]},
        }));
        assert_eq!(
            declared_original(&quantized),
            lineage("zai-org/GLM-5.2", TiedBy::BaseModels)
        );
        // A fine-tune is another model, and `baseModels` wins over the card.
        let finetune = info(serde_json::json!({
            "id": "acme/GLM-5.2-Chat-FP8",
            "baseModels": {"relation": "finetune", "models": [{"id": "zai-org/GLM-5.2"}]},
            "cardData": {"base_model": "zai-org/GLM-5.2", "base_model_relation": "quantized"},
        }));
        assert_eq!(declared_original(&finetune), None);
        // The card: a list of one, no stated relation, a precision word in the name.
        let card = info(serde_json::json!({
            "id": "amd/Qwen3.5-397B-A17B-MXFP4",
            "cardData": {"license": "apache-2.0", "base_model": ["Qwen/Qwen3.5-397B-A17B"]},
        }));
        assert_eq!(
            declared_original(&card),
            lineage("Qwen/Qwen3.5-397B-A17B", TiedBy::CardData)
        );
        // No stated relation and a plain name: a fine-tune as far as anyone can tell.
        let plain = info(serde_json::json!({
            "id": "acme/Qwen3.5-397B-A17B-Med",
            "cardData": {"base_model": "Qwen/Qwen3.5-397B-A17B"},
        }));
        assert_eq!(declared_original(&plain), None);
        // A merge of two, or shapes the Hub does not document: no tie, and the entry still reads.
        let merge = info(serde_json::json!({
            "id": "acme/Merged-7B-FP8",
            "cardData": {"base_model": ["a/One-7B", "b/Two-7B"], "base_model_relation": "quantized"},
        }));
        assert_eq!(declared_original(&merge), None);
        let odd = info(serde_json::json!({
            "id": "acme/Odd-7B-FP8",
            "baseModels": ["zai-org/GLM-5.2"],
            "cardData": {"base_model": 7},
        }));
        assert_eq!(odd.base_models, None);
        assert_eq!(declared_original(&odd), None);
    }
}
