//! The checkpoint's quantization: `quantization_config.quant_method` and the weight format it
//! implies (fp8, fp4, int8, int4), including compressed-tensors' per-group formats.

use super::{ArchitectureReader, Quantization, WeightFormat};
use serde_json::{Map, Value};

impl ArchitectureReader<'_> {
    pub(super) fn quantization(&self) -> Option<Quantization> {
        let q = self.keys.object("quantization_config")?;
        let method = q
            .get("quant_method")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let algo = q
            .get("quant_algo")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let bits = q.get("bits").and_then(Value::as_u64);
        let weights = match method.as_str() {
            "fp8" | "fbgemm_fp8" => WeightFormat::Fp8,
            "mxfp4" | "nvfp4" => WeightFormat::Fp4,
            "modelopt" if algo.contains("fp8") => WeightFormat::Fp8,
            "modelopt" if algo.contains("fp4") => WeightFormat::Fp4,
            "compressed-tensors" => compressed_tensors_format(q),
            "awq" | "gptq" | "awq_marlin" | "gptq_marlin" => match bits {
                Some(8) => WeightFormat::Int8,
                Some(4) => WeightFormat::Int4,
                _ => WeightFormat::Other,
            },
            "bitsandbytes" => {
                if q.get("load_in_4bit").and_then(Value::as_bool) == Some(true) {
                    WeightFormat::Int4
                } else {
                    WeightFormat::Int8
                }
            }
            _ => WeightFormat::Other,
        };
        Some(Quantization { method, weights })
    }
}

fn compressed_tensors_format(q: &Map<String, Value>) -> WeightFormat {
    let Some(groups) = q.get("config_groups").and_then(Value::as_object) else {
        return WeightFormat::Other;
    };
    for group in groups.values() {
        let Some(weights) = group.get("weights") else {
            continue;
        };
        let bits = weights.get("num_bits").and_then(Value::as_u64);
        let kind = weights.get("type").and_then(Value::as_str).unwrap_or("int");
        return match (bits, kind) {
            (Some(8), "float") => WeightFormat::Fp8,
            (Some(4), "float") => WeightFormat::Fp4,
            (Some(8), _) => WeightFormat::Int8,
            (Some(4), _) => WeightFormat::Int4,
            _ => WeightFormat::Other,
        };
    }
    WeightFormat::Other
}
