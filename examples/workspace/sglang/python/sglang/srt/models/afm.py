# Stand-in for SGLang's python/sglang/srt/models/afm.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class ArceeForCausalLM(nn.Module):
    """Arcee AFM."""


EntryClass = ArceeForCausalLM
