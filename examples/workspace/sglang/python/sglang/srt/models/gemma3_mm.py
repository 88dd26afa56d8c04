# Stand-in for SGLang's python/sglang/srt/models/gemma3_mm.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Gemma3ForConditionalGeneration(nn.Module):
    """Gemma 3 with its vision tower."""


EntryClass = Gemma3ForConditionalGeneration
