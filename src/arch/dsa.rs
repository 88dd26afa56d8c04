//! DeepSeek V3.2 sparse attention: the indexer (`index_n_heads`, `index_head_dim`,
//! `index_topk`) on top of MLA; all three keys or none.

use super::validation::ConfigError;
use super::{ArchitectureReader, DsaIndexer};

impl ArchitectureReader<'_> {
    pub(super) fn dsa(&self) -> Result<Option<DsaIndexer>, ConfigError> {
        let k = self.keys;
        Ok(
            match (
                k.uint("index_n_heads")?,
                k.uint("index_head_dim")?,
                k.uint("index_topk")?,
            ) {
                (Some(heads), Some(head_dim), Some(topk)) => Some(DsaIndexer {
                    heads,
                    head_dim,
                    topk,
                }),
                _ => None,
            },
        )
    }
}
