"""Bad input from a careless or hostile user: one line, a non-zero exit, nothing live.

Numbers that are not finite, an ingest where every file fails, UTF-16 text, and
documents whose Markdown would make a viewer fetch images.
"""

import re

import pytest
from conftest import RULES, run_cli

from advisor.costs.prices import apply_settings, load_prices
from advisor.errors import InputError
from advisor.rag.documents import LoadError, load_bytes

PRICES = load_prices(RULES / "prices.yaml")
NOT_FINITE = ["inf", "-inf", "1e400", "nan", "NaN", "Infinity"]


@pytest.mark.parametrize("raw", NOT_FINITE)
def test_set_refuses_numbers_that_are_not_finite(raw):
    with pytest.raises(InputError, match="expected a finite number") as exc:
        apply_settings(PRICES, [f"gpu_per_hour.a100={raw}"])
    assert str(exc.value).startswith("--set: gpu_per_hour.a100:")


@pytest.mark.parametrize(
    "text",
    [
        "gpu_per_hour:\n  a100: .inf\n",
        "gpu_per_hour:\n  a100: {value: .nan, source: mine}\n",
        "gpu_per_hour:\n  a100: 1.0e+400\n",
        "engineering:\n  hourly_rate: -.inf\n",
    ],
)
def test_price_files_refuse_numbers_that_are_not_finite(tmp_path, text):
    mine = tmp_path / "mine.yaml"
    mine.write_text(text)
    with pytest.raises(InputError, match="finite number") as exc:
        load_prices(RULES / "prices.yaml", [mine])
    assert str(exc.value).startswith(f"{mine}:2: ")


def test_the_costs_command_says_so_on_one_line(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("{}\n")
    mine = tmp_path / "mine.yaml"
    mine.write_text("gpu_per_hour:\n  a100: .inf\n")
    for args in (
        ["--set", "gpu_per_hour.a100=inf"],
        ["--set", "gpu_per_hour.a100=1e400"],
        ["--set", "gpu_per_hour.a100=nan"],
        ["--input", "documents=inf"],
        ["--input", "monthly_queries=nan"],
        ["--prices", str(mine)],
    ):
        result = run_cli("costs", str(answers), *args)
        assert result.returncode == 2, (args, result.stdout[-200:])
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args
        assert "finite number" in result.stderr, (args, result.stderr)


# --- Ingest -------------------------------------------------------------------------


def test_ingest_exits_2_when_every_file_failed(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)))
    data = ["--data-dir", str(tmp_path / "data")]
    result = run_cli("ingest", str(bad), *data)
    assert result.returncode == 2, result.stdout
    assert "2 error" in result.stdout  # the table still says what went wrong, per file
    last = result.stderr.strip().splitlines()[-1]
    assert last == "error: none of the 2 file(s) could be ingested (see above)"
    (bad / "notes.txt").write_text("The canteen opens at 11:15 on weekdays.")
    some = run_cli("ingest", str(bad), *data)
    assert some.returncode == 0 and "1 added, 2 error" in some.stdout


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(codec):
    text = "# Rückgabe\n\nThe refund window is 45 days (Déjà vu).\n"
    bom = "" if codec in ("utf-16", "utf-32") else "\ufeff"  # these two write their own
    doc = load_bytes("policy.md", (bom + text).encode(codec))
    assert doc.sections[0].heading == "Rückgabe"
    assert doc.sections[0].text == "The refund window is 45 days (Déjà vu)."
    plain = load_bytes("notes.txt", "plain words".encode("utf-16"))
    assert plain.text == "plain words"


def test_binary_files_are_still_refused():
    with pytest.raises(LoadError, match="binary"):
        load_bytes("x.txt", bytes(range(256)))


# --- Images in documents: never fetched, inert in reports ---------------------------

IMAGES = (
    "See ![chart](http://tracker.example/pixel.png) and [the site](http://tracker.example/) "
    'and <img src="http://tracker.example/img.png"> and ![ref][1]\n\n[1]: http://tracker.example/r.png'
)


def test_markdown_report_renders_document_images_and_links_inert(rules_copy):
    from advisor.decision.loader import load_rules
    from advisor.report.model import build_report
    from advisor.report.render import to_html, to_markdown

    source = {"n": 1, "document": "evil.md", "page": None, "chunk": 0, "heading": IMAGES,
              "text": IMAGES, "score": 0.5, "scores": {}}  # fmt: skip
    rag = [{"question": IMAGES, "text": IMAGES, "backend": "fake", "fallback_reason": None,
            "sources": [source]}]  # fmt: skip
    report = build_report(load_rules(rules_copy), {}, rag_answers=rag)
    md = to_markdown(report)
    assert "tracker.example" in md  # the text is there, as written
    assert not re.search(r"(?<!\\)!\[", md)  # no image syntax a viewer would fetch
    assert not re.search(r"(?<!\\)\]\(", md)  # no live link either
    assert "<img" not in md
    html = to_html(report)
    assert "<img" not in html and 'src="http://tracker' not in html


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("--input", "documents=1e308"),
            "--input: documents: Input should be less than or equal to 1000000000",
        ),
        (
            ("--input", "monthly_queries=1e300"),
            "monthly_queries: Input should be less than or equal to",
        ),
        (
            ("--set", "gpu_per_hour.a100=1e308"),
            "--set: gpu_per_hour.a100: must be from 0 to 1,000,000,000",
        ),
    ],
)
def test_huge_but_finite_numbers_are_refused_with_the_allowed_range(tmp_path, args, says):
    answers = tmp_path / "answers.yaml"
    answers.write_text("knowledge_change: weekly\n")
    for command in ("costs", "advise"):
        done = run_cli(command, str(answers), *args)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], done.stderr


def test_every_cost_stays_finite_with_every_input_and_price_at_its_largest():
    import math

    from advisor.costs.analysis import cost_report
    from advisor.costs.inputs import NUMERIC_INPUTS, CostInputs
    from advisor.costs.prices import MAX_FIGURE, figure_paths, with_values

    def top(name):  # every numeric input has an upper bound: that is the promise
        for m in CostInputs.model_fields[name].metadata:
            if getattr(m, "le", None) is not None:
                return m.le
            if getattr(m, "lt", None) is not None:
                return m.lt * 0.999
        raise AssertionError(f"{name} has no upper bound")

    largest = {name: top(name) for name in NUMERIC_INPUTS}
    inputs = CostInputs(**largest, retrains_per_month=1000)
    prices = with_values(PRICES, dict.fromkeys(figure_paths(PRICES), MAX_FIGURE))

    def numbers(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from numbers(v)
        elif isinstance(value, list | tuple):
            for v in value:
                yield from numbers(v)
        elif isinstance(value, float | int) and not isinstance(value, bool):
            yield value

    found = list(numbers(cost_report(inputs, prices)))
    assert found and all(math.isfinite(v) for v in found)
