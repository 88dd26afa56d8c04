//! Dense feed-forward: the distinct MLP shapes over the layers and whether they are gated
//! (SwiGLU gate + up) or not (relu2, GELU families).

use super::layers::Ffn;
use super::{ArchitectureReader, MlpShape};

impl ArchitectureReader<'_> {
    /// Distinct dense feed-forward shapes, in layer order.
    pub(super) fn dense_mlp(&self, ffns: &[Ffn]) -> Vec<MlpShape> {
        let mut dense_mlp: Vec<MlpShape> = Vec::new();
        let gated_mlp = self.mlp_is_gated();
        for ffn in ffns {
            if let Ffn::Dense(intermediate) = ffn {
                match dense_mlp
                    .iter_mut()
                    .find(|m| m.intermediate == *intermediate)
                {
                    Some(m) => m.layers += 1,
                    None => dense_mlp.push(MlpShape {
                        intermediate: *intermediate,
                        gated: gated_mlp,
                        layers: 1,
                    }),
                }
            }
        }
        dense_mlp
    }

    fn mlp_is_gated(&self) -> bool {
        let act = self
            .keys
            .string("mlp_hidden_act")
            .or_else(|| self.keys.string("hidden_act"))
            .unwrap_or("silu");
        let ungated_family = matches!(
            self.model_type.as_str(),
            "nemotron" | "phi" | "gpt2" | "gpt_bigcode" | "gpt_neox" | "starcoder2" | "falcon"
        );
        !(act == "relu2" || ungated_family)
    }
}
