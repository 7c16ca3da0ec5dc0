"""Which of a model's layers LoRA adapts, found from its architecture, not hard-coded.

Which modules (below) and which blocks (`find_layers`): by default the upper half of the
transformer blocks. The backward pass then stops at the lowest adapted block, so a step
costs about two thirds of one through every block; measured in bench/finetune.py, the
demo's adapter states as many of its trained facts either way, and the same held on a
second corpus it was not chosen on (docs/fine-tuning.md).

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


def block_count(model: Any) -> int | None:
    """How many transformer blocks the model has, from its config (None: not said)."""
    config = getattr(model, "config", None)
    for key in ("num_hidden_layers", "n_layer", "num_layers"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def find_layers(model: Any, choice: str | list[int]) -> list[int] | None:
    """Block indices for LoraConfig(layers_to_transform=...); None adapts every block.

    `choice`: "upper_half", "all", or the indices themselves (checked against the model).
    A model whose config does not say how many blocks it has is adapted everywhere.
    """
    if choice == "all":
        return None
    n = block_count(model)
    if isinstance(choice, list):
        if n is not None and any(not 0 <= i < n for i in choice):
            raise AdvisorError(f"layers: the model has blocks 0 to {n - 1}, not {choice}")
        return sorted(set(choice)) or None
    if n is None or n < 2:
        return None
    return list(range(n // 2, n))
