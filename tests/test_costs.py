"""Cost model: line items recomputed by hand, monotonicity, the seeds' own ranges, bad input."""

import json

import pytest
from conftest import RULES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.advice import cost_inputs
from advisor.costs.analysis import break_even, cost_report
from advisor.costs.inputs import CostInputs
from advisor.costs.model import estimate
from advisor.costs.prices import apply_settings, load_prices
from advisor.errors import InputError

PRICES = load_prices(RULES / "prices.yaml")


def _item(costs, approach, name):
    return next(i for i in costs[approach].line_items if i.name == name)


def test_rag_generation_by_hand():
    inp = CostInputs(
        monthly_queries=1000, prompt_tokens=100, top_k=4, chunk_tokens=500, answer_tokens=200
    )
    item = _item(estimate(inp, PRICES), "rag", "Answer queries with retrieved context")
    # 1000 × ((100 + 4×500) × $2.50 + 200 × $10.00) / 1M
    assert item.amount == pytest.approx(1000 * (2100 * 2.50 + 200 * 10.00) / 1e6)
    assert "1,000 queries × (2,100 in × $2.50 + 200 out × $10.00)" in item.formula


def test_lora_training_run_by_hand():
    inp = CostInputs(training_examples=6000, tokens_per_example=400, epochs=2)
    item = _item(estimate(inp, PRICES), "fine_tune", "Training run")
    hours = 6000 * 400 * 2 / 3000 / 3600  # one A100 at 3,000 tokens/s
    assert item.amount == pytest.approx(hours * 1.79)
    full = _item(
        estimate(inp.model_copy(update={"method": "full"}), PRICES), "fine_tune", "Training run"
    )
    # eight A100s at 2,500 tokens/s each: same GPU-hours ratio as 3000/2500
    assert full.amount == pytest.approx(6000 * 400 * 2 / 2500 / 3600 * 1.79)


def test_index_embedding_and_retrain_cadence_by_hand():
    inp = CostInputs(documents=10_000, tokens_per_document=1500, updates_per_month=4)
    costs = estimate(inp, PRICES)
    assert _item(costs, "rag", "Embed the corpus").amount == pytest.approx(15_000_000 / 1e6 * 0.02)
    assert "4 × " in _item(costs, "fine_tune", "Retraining runs").formula
    assert costs["hybrid"].line_items  # hybrid keeps knowledge in RAG: no retraining item
    assert not any(i.name == "Retraining runs" for i in costs["hybrid"].line_items)


def test_cumulative_and_break_even():
    costs = estimate(CostInputs(horizon_months=24), PRICES)
    for c in costs.values():
        cum = c.cumulative(24)
        assert cum[0] == pytest.approx(c.one_time)
        assert cum[24] == pytest.approx(c.one_time + 24 * c.monthly)
    for b in break_even(costs, 24):
        if b.month:
            inv, oth = costs[b.investment], costs[b.other]
            assert inv.cumulative(24)[b.month] <= oth.cumulative(24)[b.month]
            assert inv.cumulative(24)[b.month - 1] > oth.cumulative(24)[b.month - 1]


inputs = st.builds(
    CostInputs,
    documents=st.floats(0, 1e6),
    monthly_queries=st.floats(0, 1e8),
    updates_per_month=st.floats(0, 720),
    training_examples=st.floats(1, 1e5),
    tuned_serving=st.sampled_from(["small_api_finetuned", "self_hosted"]),
    base_serving=st.sampled_from(["large_api", "small_api", "self_hosted"]),
    method=st.sampled_from(["full", "lora", "qlora"]),
)


@settings(max_examples=150, deadline=None)
@given(inputs, st.floats(1.0, 10.0))
def test_more_updates_never_lower_fine_tuning_cost(inp, factor):
    more = inp.model_copy(update={"updates_per_month": inp.updates_per_month * factor})
    a, b = estimate(inp, PRICES)["fine_tune"], estimate(more, PRICES)["fine_tune"]
    assert b.monthly >= a.monthly - 1e-9


@settings(max_examples=150, deadline=None)
@given(inputs, st.floats(1.0, 10.0))
def test_more_queries_never_lower_rag_cost(inp, factor):
    more = inp.model_copy(update={"monthly_queries": inp.monthly_queries * factor})
    assert estimate(more, PRICES)["rag"].monthly >= estimate(inp, PRICES)["rag"].monthly - 1e-9


@settings(max_examples=100, deadline=None)
@given(inputs, st.integers(1, 120), st.integers(0, 120))
def test_longer_horizon_never_lowers_a_total(inp, months, extra):
    for c in estimate(inp, PRICES).values():
        assert c.cumulative(months + extra)[-1] >= c.cumulative(months)[-1]


def test_default_rag_cost_per_query_is_inside_the_seed_range():
    inp = CostInputs(base_serving="large_api")
    c = estimate(inp, PRICES)["rag"]
    per_query = c.monthly / inp.monthly_queries
    assert 0.01 <= per_query <= 0.10  # seed 004: "$0.01–$0.10 / query"


def test_lora_run_for_a_mid_size_dataset_is_inside_the_seed_range():
    inp = CostInputs(training_examples=5000, tokens_per_example=600, epochs=3, method="lora")
    costs = estimate(inp, PRICES)["fine_tune"]
    training = sum(
        i.amount
        for i in costs.line_items
        if i.name
        in (
            "Prepare training pairs",
            "Training run",
            "Training and serving setup",
            "Golden set and evaluation",
        )
    )
    assert 500 <= training <= 50_000  # seed 004: "$500–$50k training"


def test_answers_drive_the_inputs(rules):
    inp = cost_inputs(
        rules,
        {
            "needs_external_data": True,
            "knowledge_change": "weekly",
            "corpus_documents": 7000,
            "model_access": "open_weights",
            "latency_budget_ms": 50,
        },
    )
    assert inp.documents == 7000 and inp.updates_per_month == pytest.approx(52 / 12, rel=1e-4)
    assert inp.tuned_serving == "self_hosted" and inp.base_serving == "small_api"
    assert inp.knowledge_in_weights and inp.fine_tune_retrains == pytest.approx(52 / 12, rel=1e-4)


def test_sensitivity_ranks_real_drivers():
    report = cost_report(CostInputs(monthly_queries=1_000_000), PRICES)
    rag = report["sensitivity"]["rag"]
    sizes = [abs(s["high"] - s["low"]) for s in rag]
    assert sizes == sorted(sizes, reverse=True)
    assert rag[0]["input"] in {"monthly_queries", "llm.large_api.input_per_1m_tokens"}


def test_costs_cli_json_contract(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("needs_external_data: true\nknowledge_change: weekly\n")
    result = run_cli("costs", str(answers), "--json", "--months", "12")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["approaches"]) == {"rag", "fine_tune", "hybrid", "prompt_engineering"}
    for c in data["approaches"].values():
        assert {"one_time", "monthly", "line_items", "cumulative"} <= set(c)
        assert len(c["cumulative"]) == 13
        assert all({"name", "amount", "formula"} <= set(i) for i in c["line_items"])
    assert len(data["break_even"]) == 6 and data["sensitivity"]["rag"]


BAD_PRICE_CASES = [
    ("gpu_per_hour:\n  a100: {value: -1, source: mine}\n", "gpu_per_hour.a100.value"),
    ("gpu_per_hour:\n  a100: cheap\n", "gpu_per_hour.a100"),
    ("gpu_per_hour:\n  tpu: 3\n", "gpu_per_hour.tpu"),
    ("embedding_per_1m_tokens: {value: 0.1, sorce: x}\n", "embedding_per_1m_tokens.sorce"),
    ("as_of: yesterday\n", "as_of"),
]


@pytest.mark.parametrize(("text", "field"), BAD_PRICE_CASES, ids=[c[1] for c in BAD_PRICE_CASES])
def test_bad_price_override_files_name_file_line_and_field(tmp_path, text, field):
    override = tmp_path / "mine.yaml"
    override.write_text(text)
    answers = tmp_path / "a.yaml"
    answers.write_text("{}\n")
    result = run_cli("costs", str(answers), "--prices", str(override))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and "mine.yaml:" in line and field in line, line


def test_bare_numbers_in_an_override_file_keep_their_origin(tmp_path):
    override = tmp_path / "ours.yaml"
    override.write_text("gpu_per_hour:\n  a100: 2.5\n")
    sheet = load_prices(RULES / "prices.yaml", [override])
    assert sheet.gpu_per_hour["a100"].value == 2.5
    assert "ours.yaml" in sheet.gpu_per_hour["a100"].source
    assert sheet.gpu_per_hour["h100"].value == PRICES.gpu_per_hour["h100"].value


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("gpu_per_hour.a100", "expected PATH=VALUE"),
        ("gpu_per_hour.a101=2", "unknown price figure"),
        ("gpu_per_hour.a100=cheap", "expected a number"),
        ("gpu_per_hour.a100=-3", "must be from 0 to 1,000,000,000, got -3"),
    ],
)
def test_bad_set_overrides(item, fragment):
    with pytest.raises(InputError, match=fragment):
        apply_settings(PRICES, [item])


def test_bad_input_override_via_cli(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("{}\n")
    result = run_cli("costs", str(answers), "--input", "chunk_tokens=4000")
    assert result.returncode == 2 and "chunk_tokens" in result.stderr
    result = run_cli("costs", str(answers), "--input", "tokens_per_doc=3")
    assert result.returncode == 2 and "unknown cost input" in result.stderr


def test_a_price_sheet_over_a_year_old_is_called_old_in_the_terminal_and_the_report(
    rules, tmp_path
):
    import datetime as dt

    from advisor.report.model import build_report
    from advisor.report.render import to_html, to_markdown

    year_on = PRICES.as_of + dt.timedelta(days=365)
    assert PRICES.age_note(year_on) is None  # a year is still current
    note = PRICES.age_note(PRICES.as_of + dt.timedelta(days=400))
    assert note is not None and "13 months old" in note and str(PRICES.as_of) in note
    answers = tmp_path / "answers.yaml"
    answers.write_text("failure_mode: knowledge\n")
    done = run_cli("costs", str(answers))
    assert done.returncode == 0, done.stderr
    current = PRICES.age_note()  # today's: the shipped sheet may or may not be old yet
    assert ("months old" in done.stdout) == (current is not None)
    report = build_report(rules, {}, months=12)
    assert report.price_note == current
    for text in (to_markdown(report), to_html(report)):
        assert (current is None) or current in text
