//! Why a config is refused: [`ConfigError`] (not JSON, no `hidden_size`, a bad or impossible
//! value: "config rejected: …") and the bounds every size and layer count is checked against,
//! so naming never sees a number no real model has.

/// Why a `config.json` could not be read as a language model.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json is not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("config.json is a JSON {found}, not an object")]
    NotAnObject { found: &'static str },
    #[error("config.json has no `hidden_size` (looked at the top level and in `text_config`)")]
    NoHiddenSize,
    #[error("`{key}` is {value}, expected a non-negative integer")]
    BadValue { key: String, value: String },
    #[error("`{key}` is {value}, more than the {max} this tool accepts")]
    OutOfRange { key: String, value: u64, max: u32 },
    /// A value no real model has (zero, inconsistent with another key): naming from it would
    /// give an impossible definition name.
    #[error("config rejected: `{key}` {reason}")]
    Rejected { key: String, reason: String },
}

pub(super) fn rejected(key: &str, reason: String) -> ConfigError {
    ConfigError::Rejected {
        key: key.to_string(),
        reason,
    }
}

/// Largest size accepted for any shape key (and for a size derived from two keys, such as
/// `n_shared_experts × moe_intermediate_size`); a product of two sizes stays within `u64` with
/// room for the small factors the GEMM shapes add.
pub(super) const MAX_SIZE: u32 = 1 << 24;
/// Largest layer count accepted; bounds the per-layer tables.
pub(super) const MAX_LAYERS: u32 = 100_000;
