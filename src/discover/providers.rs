//! Reading the provider catalogs (pure): the HF router's `GET /v1/models` and OpenRouter's
//! `GET /models`. Both are read leniently (unknown fields ignored, odd entries skipped); a body
//! that is not JSON, has no `data` array or an empty one is an error, so a broken catalog is a
//! problem line rather than "no model has providers".

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// The name OpenRouter counts as, whatever its slugs.
pub const OPENROUTER: &str = "openrouter";

/// Live providers per lower-cased repo id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderCatalog {
    /// Entries in `data` (before deduplication), to tell an empty answer from a closed-only one.
    pub listed: usize,
    pub providers: BTreeMap<String, BTreeSet<String>>,
}

/// The router's list: `data[].id` is the repo id, `data[].providers[]` has `provider` and
/// `status` (`live` | `error`); only live providers count.
pub fn parse_router_models(body: &[u8]) -> Result<ProviderCatalog, CatalogError> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        providers: Option<Vec<serde_json::Value>>,
    }
    let entries: Vec<Entry> = data_array(body)?;
    let mut catalog = ProviderCatalog {
        listed: entries.len(),
        providers: BTreeMap::new(),
    };
    for entry in entries {
        let Some(id) = entry.id.filter(|id| id.contains('/')) else {
            continue;
        };
        let live = catalog.providers.entry(id.to_lowercase()).or_default();
        for provider in entry.providers.unwrap_or_default() {
            let name = provider.get("provider").and_then(|v| v.as_str());
            let status = provider.get("status").and_then(|v| v.as_str());
            if let (Some(name), Some("live")) = (name, status) {
                live.insert(name.to_string());
            }
        }
    }
    Ok(catalog)
}

/// OpenRouter's list: `data[].hugging_face_id` is the repo id of open models (`""` or `null`
/// for closed ones); several slugs may share one id, which still counts as one provider.
pub fn parse_openrouter_models(body: &[u8]) -> Result<ProviderCatalog, CatalogError> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default)]
        hugging_face_id: Option<String>,
    }
    let entries: Vec<Entry> = data_array(body)?;
    let mut catalog = ProviderCatalog {
        listed: entries.len(),
        providers: BTreeMap::new(),
    };
    for entry in entries {
        let Some(id) = entry.hugging_face_id.map(|id| id.trim().to_string()) else {
            continue;
        };
        if id.contains('/') {
            catalog
                .providers
                .entry(id.to_lowercase())
                .or_default()
                .insert(OPENROUTER.to_string());
        }
    }
    Ok(catalog)
}

/// Why a catalog's body is not a usable model list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("truncated JSON: {0}")]
    Truncated(String),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("no `data` array")]
    NoData,
    #[error("empty model list")]
    Empty,
}

/// The non-empty `data` array of an OpenAI-style list.
fn data_array<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, CatalogError> {
    #[derive(Deserialize)]
    struct List<T> {
        data: Option<Vec<T>>,
    }
    let list: List<T> = serde_json::from_slice(body).map_err(|err| {
        if err.is_eof() {
            CatalogError::Truncated(err.to_string())
        } else {
            CatalogError::InvalidJson(err.to_string())
        }
    })?;
    match list.data {
        None => Err(CatalogError::NoData),
        Some(data) if data.is_empty() => Err(CatalogError::Empty),
        Some(data) => Ok(data),
    }
}
