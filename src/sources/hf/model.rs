//! What the Hub says about a model (`/api/models/{repo}` and `/api/models?…`), reduced to the
//! fields discovery uses. Only requested `expand[]` fields come back, so all but `id` are
//! optional, and both shapes of `inferenceProviderMapping` are accepted. The lineage fields
//! (`baseModels`, `cardData.base_model`) are read leniently: a shape the Hub did not document
//! reads as "no lineage", never as a failed list.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// One model as the Hub API describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    #[serde(default, rename = "lastModified")]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub downloads: Option<u64>,
    #[serde(default)]
    pub likes: Option<u64>,
    #[serde(default, rename = "trendingScore")]
    pub trending_score: Option<f64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub pipeline_tag: Option<String>,
    #[serde(default)]
    pub gated: Option<Gated>,
    #[serde(default)]
    pub config: Option<ConfigSummary>,
    /// Providers serving the model, sorted by provider name when the Hub sent an object.
    #[serde(
        default,
        rename = "inferenceProviderMapping",
        deserialize_with = "provider_mappings"
    )]
    pub inference_providers: Vec<ProviderMapping>,
    /// `baseModels`: what the Hub resolved the model card's `base_model` to, with the relation
    /// (`{"relation": "quantized", "models": [{"id": "zai-org/GLM-5.2"}]}`).
    #[serde(
        default,
        rename = "baseModels",
        deserialize_with = "lenient_base_models"
    )]
    pub base_models: Option<BaseModels>,
    /// `cardData`: the model card's metadata, of which only the lineage is kept.
    #[serde(default, rename = "cardData", deserialize_with = "lenient_card_data")]
    pub card_data: Option<CardLineage>,
}

/// The Hub's `baseModels`: the relation (`quantized`, `finetune`, `adapter`, `merge`) and the
/// repo ids the model was made from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BaseModels {
    pub relation: Option<String>,
    pub models: Vec<String>,
}

/// The lineage part of `cardData`: `base_model` (a repo id or a list of them, as the card's
/// YAML has it) and `base_model_relation` when the card states it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardLineage {
    pub base_model: Vec<String>,
    pub base_model_relation: Option<String>,
}

/// Repo ids from a string or a list of strings (anything else: none).
fn repo_ids(value: Option<&serde_json::Value>) -> Vec<String> {
    let one = |v: &serde_json::Value| {
        v.as_str()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    };
    match value {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn lenient_base_models<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BaseModels>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|value| {
        let models: Vec<String> = value
            .get("models")?
            .as_array()?
            .iter()
            .filter_map(|m| m.get("id")?.as_str().map(str::to_string))
            .collect();
        let relation = value
            .get("relation")
            .and_then(|r| r.as_str())
            .map(str::to_string);
        Some(BaseModels { relation, models })
    }))
}

fn lenient_card_data<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<CardLineage>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.map(|value| CardLineage {
        base_model: repo_ids(value.get("base_model")),
        base_model_relation: value
            .get("base_model_relation")
            .and_then(|r| r.as_str())
            .map(str::to_string),
    }))
}

/// `gated`: `false`, `"auto"` or `"manual"`; anything else is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gated {
    Open,
    Auto,
    Manual,
    Other(String),
}

impl<'de> Deserialize<'de> for Gated {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Mode(String),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Flag(false) => Gated::Open,
            Raw::Flag(true) => Gated::Other("true".to_string()),
            Raw::Mode(mode) => match mode.as_str() {
                "auto" => Gated::Auto,
                "manual" => Gated::Manual,
                _ => Gated::Other(mode),
            },
        })
    }
}

/// The small part of config.json that model info carries (download config.json for shapes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ConfigSummary {
    #[serde(default)]
    pub architectures: Vec<String>,
    #[serde(default)]
    pub model_type: Option<String>,
}

/// One inference provider's entry for a model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMapping {
    pub provider: String,
    /// `live` or `error` (or whatever the Hub adds later).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, rename = "providerId")]
    pub provider_id: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
}

/// Model info sends `{"together": {status, providerId, task}, …}`; list responses send
/// `[{provider, status, providerId, task}, …]`.
fn provider_mappings<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ProviderMapping>, D::Error> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default)]
        status: Option<String>,
        #[serde(default, rename = "providerId")]
        provider_id: Option<String>,
        #[serde(default)]
        task: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<ProviderMapping>),
        ByProvider(BTreeMap<String, Entry>),
    }
    Ok(match Option::<Raw>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(Raw::List(list)) => list,
        Some(Raw::ByProvider(map)) => map
            .into_iter()
            .map(|(provider, entry)| ProviderMapping {
                provider,
                status: entry.status,
                provider_id: entry.provider_id,
                task: entry.task,
            })
            .collect(),
    })
}
