"""The cost model: one-time and monthly line items per approach, each with its formula."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from advisor.costs.inputs import CostInputs
from advisor.costs.prices import PriceSheet

APPROACHES = ("rag", "fine_tune", "hybrid", "prompt_engineering")
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class LineItem:
    name: str
    amount: float
    formula: str
    kind: str  # "one_time" or "monthly"


@dataclass
class ApproachCost:
    approach: str
    line_items: list[LineItem] = field(default_factory=list)

    @property
    def one_time(self) -> float:
        return sum(i.amount for i in self.line_items if i.kind == "one_time")

    @property
    def monthly(self) -> float:
        return sum(i.amount for i in self.line_items if i.kind == "monthly")

    def cumulative(self, months: int) -> list[float]:
        """Total spent by the end of each month, month 0 being the one-time cost."""
        return [self.one_time + m * self.monthly for m in range(months + 1)]


def _usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) < 1000 else f"${x:,.0f}"


def _n(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.3g}"


class _Builder:
    """Line items for one set of inputs and prices; each method returns one item."""

    def __init__(self, inp: CostInputs, prices: PriceSheet) -> None:
        self.i, self.p = inp, prices
        self.rate = prices.engineering.hourly_rate.value

    def hours(self, name: str, hours: float, kind: str = "one_time") -> LineItem:
        return LineItem(name, hours * self.rate, f"{_n(hours)} h × {_usd(self.rate)}/h", kind)

    def index_embedding(self) -> LineItem:
        i, price = self.i, self.p.embedding_per_1m_tokens.value
        tokens = i.documents * i.tokens_per_document
        return LineItem(
            "Embed the corpus",
            tokens / 1e6 * price,
            f"{_n(i.documents)} docs × {_n(i.tokens_per_document)} tokens ÷ 1M "
            f"× {_usd(price)}/1M tokens",
            "one_time",
        )

    def reembedding(self) -> LineItem:
        i, price = self.i, self.p.embedding_per_1m_tokens.value
        tokens = i.updates_per_month * i.changed_fraction * i.documents * i.tokens_per_document
        return LineItem(
            "Re-embed changed documents",
            tokens / 1e6 * price,
            f"{_n(i.updates_per_month)} updates/month × {i.changed_fraction:.0%} of "
            f"{_n(i.documents)} docs × {_n(i.tokens_per_document)} tokens ÷ 1M × "
            f"{_usd(price)}/1M tokens",
            "monthly",
        )

    def query_embedding(self) -> LineItem:
        i, price = self.i, self.p.embedding_per_1m_tokens.value
        return LineItem(
            "Embed queries",
            i.monthly_queries * i.prompt_tokens / 1e6 * price,
            f"{_n(i.monthly_queries)} queries × {_n(i.prompt_tokens)} tokens ÷ 1M × "
            f"{_usd(price)}/1M tokens",
            "monthly",
        )

    def storage(self) -> LineItem:
        i, price = self.i, self.p.vector_db_per_gb_month.value
        chunks = i.documents * i.tokens_per_document / (i.chunk_tokens * (1 - i.chunk_overlap))
        # float32 vector + ~4 bytes of text per token + ~500 bytes of metadata per chunk
        per_chunk = i.embedding_dim * 4 + i.chunk_tokens * 4 + 500
        gb = chunks * per_chunk / 1e9
        return LineItem(
            "Vector storage",
            gb * price,
            f"{_n(chunks)} chunks × {_n(per_chunk)} bytes = {gb:,.3f} GB × {_usd(price)}/GB-month",
            "monthly",
        )

    def generation(self, name: str, serving: str, input_tokens: float) -> LineItem:
        i = self.i
        out = i.answer_tokens
        if serving == "self_hosted":
            sh = self.p.self_hosted
            gpu_price = self.p.gpu_per_hour[sh.gpu].value
            tokens = i.monthly_queries * (input_tokens + out)
            capacity = sh.tokens_per_second.value * 3600 * HOURS_PER_MONTH * sh.utilisation.value
            gpus = max(1, math.ceil(tokens / capacity)) if capacity > 0 else 1
            return LineItem(
                name,
                gpus * HOURS_PER_MONTH * gpu_price,
                f"{gpus} × {sh.gpu.upper()} × {HOURS_PER_MONTH} h × {_usd(gpu_price)}/h "
                f"(serves {_n(tokens)} tokens/month at {sh.tokens_per_second.value:,.0f} "
                f"tokens/s, {sh.utilisation.value:.0%} utilised)",
                "monthly",
            )
        m = self.p.llm[serving]
        pin, pout = m.input_per_1m_tokens.value, m.output_per_1m_tokens.value
        cost = i.monthly_queries * (input_tokens * pin + out * pout) / 1e6
        return LineItem(
            name,
            cost,
            f"{_n(i.monthly_queries)} queries × ({_n(input_tokens)} in × {_usd(pin)} + "
            f"{_n(out)} out × {_usd(pout)}) ÷ 1M tokens [{m.label}]",
            "monthly",
        )

    def training_run(self, kind: str = "one_time", runs: float = 1.0) -> LineItem:
        i = self.i
        tokens = i.training_examples * i.tokens_per_example * i.epochs
        label = "Training run" if kind == "one_time" else "Retraining runs"
        if i.tuned_serving == "small_api_finetuned":
            price = self.p.api_training_per_1m_tokens.value
            return LineItem(
                label,
                runs * tokens / 1e6 * price,
                f"{_n(runs)} × {_n(i.training_examples)} examples × "
                f"{_n(i.tokens_per_example)} tokens × {_n(i.epochs)} epochs ÷ 1M × "
                f"{_usd(price)}/1M training tokens",
                kind,
            )
        method = getattr(self.p.training, i.method)
        gpus = method.gpus.value
        gpu = self.p.training.gpu
        price = self.p.gpu_per_hour[gpu].value
        hours = tokens / (method.tokens_per_second_per_gpu.value * gpus) / 3600
        return LineItem(
            label,
            runs * hours * gpus * price,
            f"{_n(runs)} × {_n(tokens)} tokens ÷ ({_n(gpus)} × "
            f"{_n(method.tokens_per_second_per_gpu.value)} tokens/s) = {hours:,.2f} h "
            f"× {_n(gpus)} {gpu.upper()} × {_usd(price)}/GPU-h ({i.method})",
            kind,
        )

    def data_prep(self) -> LineItem:
        per_k = self.p.engineering.data_prep_hours_per_1000_examples.value
        hours = self.i.training_examples / 1000 * per_k
        return LineItem(
            "Prepare training pairs",
            hours * self.rate,
            f"{_n(self.i.training_examples)} examples ÷ 1000 × {_n(per_k)} h × {_usd(self.rate)}/h",
            "one_time",
        )

    def retraining(self, runs: float) -> list[LineItem]:
        if runs <= 0:
            return []
        eng = self.p.engineering
        hours = eng.evaluation_hours.value + (
            self.i.changed_fraction
            * self.i.training_examples
            / 1000
            * eng.data_prep_hours_per_1000_examples.value
        )
        return [
            self.training_run("monthly", runs),
            LineItem(
                "Re-evaluate and refresh pairs per retrain",
                runs * hours * self.rate,
                f"{_n(runs)} retrains × {_n(hours)} h × {_usd(self.rate)}/h",
                "monthly",
            ),
        ]


def estimate(inp: CostInputs, prices: PriceSheet) -> dict[str, ApproachCost]:
    """Line items of every approach for these inputs and prices."""
    b = _Builder(inp, prices)
    eng = prices.engineering
    rag_input = inp.prompt_tokens + inp.top_k * inp.chunk_tokens
    pe_input = (
        inp.prompt_tokens
        + inp.few_shot_tokens
        + (inp.documents * inp.tokens_per_document if inp.context_stuffing else 0)
    )
    retrieval_monthly = [b.query_embedding(), b.reembedding(), b.storage()]
    rag = [
        b.index_embedding(),
        b.hours("Build the RAG pipeline", eng.rag_build_hours.value),
        b.hours("Golden set and evaluation", eng.evaluation_hours.value),
        b.generation("Answer queries with retrieved context", inp.base_serving, rag_input),
        *retrieval_monthly,
    ]
    tuning = [
        b.data_prep(),
        b.training_run(),
        b.hours("Training and serving setup", eng.fine_tune_setup_hours.value),
    ]
    fine_tune = [
        *tuning,
        b.hours("Golden set and evaluation", eng.evaluation_hours.value),
        b.generation(
            "Answer queries with the fine-tuned model", inp.tuned_serving, inp.prompt_tokens
        ),
        *b.retraining(inp.fine_tune_retrains),
    ]
    hybrid = [
        b.index_embedding(),
        b.hours("Build the RAG pipeline", eng.rag_build_hours.value),
        *tuning,
        b.hours("Golden set and evaluation", eng.evaluation_hours.value),
        b.generation("Answer queries: fine-tuned model + context", inp.tuned_serving, rag_input),
        *retrieval_monthly,
    ]
    prompt = [
        b.hours("Prompt engineering", eng.prompt_engineering_hours.value),
        b.hours("Golden set and evaluation", eng.evaluation_hours.value),
        b.generation("Answer queries with a longer prompt", inp.base_serving, pe_input),
    ]
    items = {"rag": rag, "fine_tune": fine_tune, "hybrid": hybrid, "prompt_engineering": prompt}
    return {a: ApproachCost(a, items[a]) for a in APPROACHES}
