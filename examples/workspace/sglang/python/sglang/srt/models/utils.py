# Stand-in for SGLang's python/sglang/srt/models/utils.py, written for track-models' example
# workspace: a helper module without EntryClass (registers no model).


def permute_qk(weight, heads):
    return weight
