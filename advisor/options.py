"""The four approaches the advisor chooses between, with their labels.

A module of its own at the bottom of the package: the decision rules, the cost model,
the comparison and every face name the same four options.
"""

from __future__ import annotations

from typing import Literal

Option = Literal["rag", "fine_tune", "hybrid", "prompt_engineering"]
OPTIONS: dict[str, str] = {
    "rag": "RAG",
    "fine_tune": "Fine-tuning",
    "hybrid": "Hybrid (fine-tuning + RAG)",
    "prompt_engineering": "Prompt engineering first",
}
