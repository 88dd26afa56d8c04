//! What the Hub says about a model (`/api/models/{repo}` and `/api/models?…`), reduced to the
//! fields discovery uses. Only requested `expand[]` fields come back, so all but `id` are
//! optional, and both shapes of `inferenceProviderMapping` are accepted.

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
