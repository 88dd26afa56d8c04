# Stand-in for SGLang's python/sglang/srt/models/minimax_m2.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class MiniMaxM2ForCausalLM(nn.Module):
    """MiniMax-M2 family (M2, M2.1, M2.5, M2.7): sparse MoE."""


EntryClass = MiniMaxM2ForCausalLM
