//! Mamba2 state-space layers (Nemotron-H, Jamba, pure Mamba2): heads, head dim, state size and
//! groups under each family's spelling; unrecognised keys become a new module, not a failure;
//! a zero size is refused naming the key.

use super::validation::{rejected, ConfigError};
use super::{ArchitectureReader, Mamba2Shape, NewModule};

impl ArchitectureReader<'_> {
    pub(super) fn mamba(&mut self) -> Result<Option<Mamba2Shape>, ConfigError> {
        let k = self.keys;
        let pure = matches!(self.model_type.as_str(), "mamba2");
        let heads = match k.first_uint(&["mamba_num_heads", "mamba_n_heads", "ssm_num_heads"])? {
            Some(found) => Some(found),
            None if pure => k.uint("num_heads")?.map(|h| ("num_heads", h)),
            None => None,
        };
        let head_dim = match k.first_uint(&["mamba_head_dim", "mamba_d_head", "ssm_head_dim"])? {
            Some(found) => Some(found),
            None if pure => k.uint("head_dim")?.map(|d| ("head_dim", d)),
            None => None,
        };
        let state = k.first_uint(&["ssm_state_size", "mamba_d_state", "state_size"])?;
        let groups = k.first_uint(&["n_groups", "mamba_n_groups", "ngroups"])?;
        if let Some((key, _)) = [heads, head_dim, state, groups]
            .into_iter()
            .flatten()
            .find(|(_, value)| *value == 0)
        {
            return Err(rejected(key, "is 0 in a Mamba2 model".into()));
        }
        match (heads, head_dim, state, groups) {
            (Some((_, heads)), Some((_, head_dim)), Some((_, state_size)), groups) => {
                let groups = match groups {
                    Some((_, g)) => g,
                    None => {
                        self.defaults
                            .push("`n_groups` missing: Mamba2 default 1".to_string());
                        1
                    }
                };
                Ok(Some(Mamba2Shape {
                    heads,
                    head_dim,
                    state_size,
                    groups,
                }))
            }
            _ => {
                self.new_modules.push(NewModule {
                    label: "Mamba layers (shape keys not recognized)".to_string(),
                    op_type: "mamba_ssu".to_string(),
                    why: "Mamba layers present but no Mamba2 heads / head_dim / state keys (`mamba_num_heads`, `mamba_head_dim`, `ssm_state_size`)".to_string(),
                });
                Ok(None)
            }
        }
    }

    /// Pure Mamba models have no MLP; Jamba-style hybrids put one after every mixer.
    pub(super) fn mamba_layers_have_ffn(&self) -> bool {
        !matches!(
            self.model_type.as_str(),
            "mamba" | "mamba2" | "falcon_mamba"
        )
    }
}
