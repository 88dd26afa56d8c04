# Stand-in for SGLang's python/sglang/srt/models/qwen3_next_mtp.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Qwen3NextForCausalLMMTP(nn.Module):
    """Qwen3-Next multi-token-prediction draft layer."""


EntryClass = Qwen3NextForCausalLMMTP
