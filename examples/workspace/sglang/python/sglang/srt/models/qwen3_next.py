# Stand-in for SGLang's python/sglang/srt/models/qwen3_next.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Qwen3NextForCausalLM(nn.Module):
    """Qwen3-Next: gated DeltaNet + gated attention, MoE."""


EntryClass = Qwen3NextForCausalLM
