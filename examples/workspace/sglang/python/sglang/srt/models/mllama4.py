# Stand-in for SGLang's python/sglang/srt/models/mllama4.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class Llama4ForConditionalGeneration(nn.Module):
    """Llama 4 Scout and Maverick."""


EntryClass = Llama4ForConditionalGeneration
