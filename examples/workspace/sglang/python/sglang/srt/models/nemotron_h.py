# Stand-in for SGLang's python/sglang/srt/models/nemotron_h.py, written for track-models' example
# workspace: a class per model and the module-level EntryClass discovery reads.
from torch import nn


class NemotronHForCausalLM(nn.Module):
    """Nemotron-H: hybrid Mamba-2 + attention."""


EntryClass = NemotronHForCausalLM
