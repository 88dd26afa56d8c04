# Stand-in for SGLang's python/sglang/srt/models/qwen3.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Qwen3ForCausalLM(nn.Module):
    """Qwen3 dense models."""


EntryClass = Qwen3ForCausalLM
