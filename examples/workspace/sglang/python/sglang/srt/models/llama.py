# Stand-in for SGLang's python/sglang/srt/models/llama.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class LlamaForCausalLM(nn.Module):
    """Llama 2, 3, 3.1, 3.2, 3.3: dense decoder with GQA."""


EntryClass = LlamaForCausalLM
