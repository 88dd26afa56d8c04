# Stand-in for SGLang's python/sglang/srt/models/qwen3_moe.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Qwen3MoeForCausalLM(nn.Module):
    """Qwen3 MoE models (30B-A3B, 235B-A22B)."""


EntryClass = Qwen3MoeForCausalLM
