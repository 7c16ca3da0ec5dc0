"""A rule's seed quote shown as what it is: a sentence, or a row of a seed's table under
that table's header, with check and cross marks in words."""

from __future__ import annotations

from conftest import ROOT

from advisor.advice import load_folder
from advisor.decision.quotes import plain_symbols, sentence, table_row
from advisor.decision.rules import Source
from advisor.ui import wording

SEEDS = ROOT / "rules" / "seeds"
SEED = """A title line
| Dimension | RAG | Fine-Tuning |
|---|---|---|
| Source attribution | ✓ Built-in (cite chunks) | ✗ No sources |
| Freshness | ✅ | ❌ |
Source attribution | matters in prose too.
"""


def test_a_table_row_is_paired_with_its_header(tmp_path):
    (tmp_path / "s.txt").write_text(SEED)
    row = table_row(
        tmp_path / "s.txt", "Source attribution | ✓ Built-in (cite chunks) | ✗ No sources"
    )
    assert row == (("Dimension", "RAG", "Fine-Tuning"),
                   ("Source attribution", "✓ Built-in (cite chunks)", "✗ No sources"))  # fmt: skip
    assert sentence(tmp_path, "s.txt", "Freshness | ✅ | ❌") == (
        "Dimension: Freshness; RAG: yes; Fine-Tuning: no"
    )


def test_a_sentence_a_header_and_an_unreadable_seed_are_shown_as_written(tmp_path):
    (tmp_path / "s.txt").write_text(SEED)
    assert sentence(tmp_path, "s.txt", "A title line") == "A title line"
    assert table_row(tmp_path / "s.txt", "Dimension | RAG | Fine-Tuning") is None  # the header
    assert sentence(tmp_path, "gone.txt", "Freshness | ✅ | ❌") == "Freshness | yes | no"


def test_marks_become_words_only_where_no_word_says_it():
    assert plain_symbols("✅") == "yes" and plain_symbols("❌") == "no"
    assert plain_symbols("✓ Real-time, update index anytime") == "Real-time, update index anytime"
    assert plain_symbols("✔️ fine") == "fine"


def test_every_table_quote_of_the_shipped_rules_finds_its_header():
    rules = load_folder(ROOT / "rules").rules
    rows = [r.source for r in rules.book.rules if "|" in r.source.quote]
    assert rows  # the case this is about
    for src in rows:
        found = table_row(SEEDS / src.seed, src.quote)
        assert found is not None, src.quote
        assert len(found[0]) == len(found[1]) >= 2


def test_the_page_shows_a_table_row_as_a_table():
    rules = load_folder(ROOT / "rules").rules
    src = Source(seed="004_0223c970ae7325fd.txt",
                 quote="Source attribution | ✓ Built-in (cite retrieved chunks) | ✗ No sources available")  # fmt: skip
    text = wording.quote_markdown(rules, src)
    lines = text.splitlines()
    assert lines[0] == "| Dimension | RAG | Fine\\-Tuning |" and lines[1] == "|---|---|---|"
    assert "✓" not in text and "Built\\-in \\(cite retrieved chunks\\)" in lines[2]
    plain = wording.quote_markdown(
        rules, Source(seed=src.seed, quote="Fine-tuning changes behaviour")
    )
    assert plain.startswith("> Fine\\-tuning changes behaviour")
