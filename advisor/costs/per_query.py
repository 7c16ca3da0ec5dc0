"""What 1,000 queries of a measured size cost at the price sheet's serving prices.

The comparison measures each arm's prompt and answer lengths; this prices them the way
the cost model prices generation (advisor.costs.model), for one thousand queries.
"""

from __future__ import annotations

from advisor.costs.prices import PriceSheet


def cost_per_1000(
    prices: PriceSheet, serving: str, prompt_tokens: float, answer_tokens: float
) -> float:
    """Dollars for 1,000 queries served by `serving` (an API model or self-hosted)."""
    if serving == "self_hosted":
        # Pay for the GPU time these tokens take at the sheet's throughput and utilisation,
        # not for a whole idle month: a per-query price comparable with an API's.
        sh = prices.self_hosted
        rate = sh.tokens_per_second.value * max(sh.utilisation.value, 1e-9)
        hours = 1000 * (prompt_tokens + answer_tokens) / max(rate, 1e-9) / 3600
        return hours * prices.gpu_per_hour[sh.gpu].value
    model = prices.llm[serving]
    per_token_in = model.input_per_1m_tokens.value / 1e6
    per_token_out = model.output_per_1m_tokens.value / 1e6
    return 1000 * (prompt_tokens * per_token_in + answer_tokens * per_token_out)
