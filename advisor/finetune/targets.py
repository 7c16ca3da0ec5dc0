"""Which of a model's layers LoRA adapts, found from its architecture, not hard-coded.

The attention projections, as the toy run adapts them on SmolLM2 (q, k, v and o): named
q_proj / k_proj / v_proj / o_proj in Llama, Mistral, Qwen, Phi, OPT and most others, fused
as c_attn (GPT-2), query_key_value (GPT-NeoX, Falcon, BLOOM), Wqkv or qkv_proj elsewhere.
A model with none of these gets peft's own choice for its model type, else every linear
layer but the output head.
"""

from __future__ import annotations

from typing import Any

from advisor.errors import AdvisorError

# Tried in order; the first group with a member in the model wins, and every member
# the model has is adapted.
ATTENTION_GROUPS: tuple[tuple[str, ...], ...] = (
    ("q_proj", "k_proj", "v_proj", "o_proj"),
    ("qkv_proj", "o_proj"),
    ("c_attn",),
    ("query_key_value",),
    ("Wqkv", "out_proj"),
    ("query", "key", "value"),
)
NEVER = {"lm_head", "embed_out", "output", "score", "classifier"}


def linear_names(model: Any) -> set[str]:
    """The last name part of every linear layer (nn.Linear, or GPT-2's Conv1D)."""
    import torch
    from transformers.pytorch_utils import Conv1D

    return {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear | Conv1D) and name
    }


def find_target_modules(model: Any) -> list[str]:
    """The layer names to give peft's LoraConfig(target_modules=...)."""
    names = linear_names(model)
    for group in ATTENTION_GROUPS:
        found = [n for n in group if n in names]
        if found and found[0] == group[0]:  # the group's first (query) layer must be there
            return found
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as presets

    preset = [n for n in presets.get(model_type, []) if n in names]
    if preset:
        return preset
    rest = sorted(names - NEVER)
    if not rest:
        raise AdvisorError(f"model type {model_type!r} has no linear layers for LoRA to adapt")
    return rest
