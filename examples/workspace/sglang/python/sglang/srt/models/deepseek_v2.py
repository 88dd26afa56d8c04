# Stand-in for SGLang's python/sglang/srt/models/deepseek_v2.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class DeepseekV2ForCausalLM(nn.Module):
    """DeepSeek V2 / V3 / V3.2 (MLA, MoE) and Kimi K2."""


class DeepseekV3ForCausalLM(nn.Module):
    """DeepSeek V2 / V3 / V3.2 (MLA, MoE) and Kimi K2."""


class DeepseekV32ForCausalLM(nn.Module):
    """DeepSeek V2 / V3 / V3.2 (MLA, MoE) and Kimi K2."""


EntryClass = [
    DeepseekV2ForCausalLM,
    DeepseekV3ForCausalLM,
    DeepseekV32ForCausalLM,
]
