"""How the app words things for a person: question text instead of ids, numbers with
thousands separators, seed titles instead of file names, symbols as words.

Pure functions (no streamlit), so the pages stay descriptions of the UI and these can be
tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.conditions import MatchResult, Trace, trace
from advisor.decision.engine import FiredRule, Recommendation
from advisor.decision.flips import Flip
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Question
from advisor.options import OPTIONS


# Emoji need an emoji font, which Debian's Chromium (and so the PDF) may not have: they
# render as empty boxes. The seeds' comparison tables use them, and ✓ / ✗, for yes and no.
def plain_symbols(text: str) -> str:
    """Check and cross marks as words (advisor.decision.quotes, shared with the report)."""
    from advisor.decision.quotes import plain_symbols as words

    return words(text)


def quote_markdown(rules: RuleSet, source: Any) -> str:
    """A rule's seed quote for st.markdown, with its source's title: a table row of the
    seed as a table under the table's own header, anything else as a quoted sentence."""
    from advisor.decision.quotes import table_row

    title = source_title(rules, source.seed)
    found = table_row(rules.folder / "seeds" / source.seed, source.quote)
    if found is None:
        return f"> {as_text(plain_symbols(source.quote))}  \n> — *{title}*"
    header, row = found
    cells = [as_text(plain_symbols(c)) for c in row]
    return (
        "| " + " | ".join(as_text(h) for h in header) + " |\n"
        + "|" + "---|" * len(header) + "\n"
        + "| " + " | ".join(cells) + " |\n\n"
        + f"— *{title}*"
    )  # fmt: skip


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def as_text(text: str) -> str:
    """Model output for st.markdown, shown as written: "1." starts no list, "$" no
    formula, "**" no bold (every markdown character is escaped)."""
    return _MARKDOWN.sub(r"\\\1", text)


def number(value: float) -> str:
    """A number as people write it: 10,000 rather than 10000.00; decimals only if any."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def is_whole(q: Question) -> bool:
    """Whether a number question only takes whole numbers (its bounds, step and default)."""
    parts = [q.min, q.max, q.step, q.default]
    return all(p is not None and float(p).is_integer() for p in parts)


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 document`, `2 documents` (`many` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


# --- The verdict --------------------------------------------------------------------


def weighing(rec: Recommendation) -> list[FiredRule]:
    """The fired rules that weigh on the verdict. Rules that only raise a warning are
    shown as warnings; the questionnaire, the Report page and the report count the same."""
    return [f for f in rec.fired if f.evidence]


def weights(f: FiredRule) -> str:
    return ", ".join(f"{OPTIONS[o]} {w:+g}" for o, w in f.evidence.items())


def _choice(q: Question, value: Any) -> str:
    if q.type == "multi":
        return q.label_of([value])
    if q.type == "number":
        return q.label_of(value)
    try:
        return q.label_of(value)
    except KeyError:  # a rule may test a value the question no longer offers
        return str(value)


def _listed(q: Question, values: Iterable[Any]) -> str:
    return ", ".join(_choice(q, v) for v in values)


# For each operator (after any `not`), what to add after the answer; None: the answer
# alone says it ("is yes (is yes)" said the same thing twice).
_NEGATED = {
    "eq": "ne",
    "ne": "eq",
    "in": "not_in",
    "not_in": "in",
    "gte": "lt",
    "gt": "lte",
    "lte": "gt",
    "lt": "gte",
}


def _condition(q: Question, m: MatchResult, negated: bool) -> str | None:
    op = _NEGATED.get(m.op, m.op) if negated else m.op
    if op in ("eq", "in"):
        return None
    if op == "ne":
        return f"not {_choice(q, m.expected)}"
    if op == "not_in":
        return f"none of: {_listed(q, m.expected)}"
    if op in ("gte", "gt", "lte", "lt"):
        bound = q.label_of(m.expected) if q.type == "number" else str(m.expected)
        return {
            "gte": f"{bound} or more",
            "gt": f"more than {bound}",
            "lte": f"{bound} or less",
            "lt": f"less than {bound}",
        }[op]
    if negated and not m.actual:  # an empty choice includes nothing: "none" says it
        return None
    if m.op == "contains":
        verb = "does not include" if negated else "includes"
        return f"{verb} {_choice(q, m.expected)}"
    verb = "includes none of" if negated else "includes one of"
    return f"{verb}: {_listed(q, m.expected)}"


def _tests(t: Trace, negated: bool = False) -> list[tuple[MatchResult, bool]]:
    """The tests that decided a condition, as `Trace.because` picks them."""
    if t.match is not None:
        return [(t.match, negated)]
    if t.kind == "not":
        return _tests(t.children[0], not negated)
    return [x for c in t.children if c.held == t.held for x in _tests(c, negated)]


def reasons(rules: RuleSet, rec: Recommendation, fired: FiredRule) -> list[str]:
    """Why a rule fired, in the questions' own words: `Question? **answer** (bound)`."""
    rule = next(r for r in rules.book.rules if r.id == fired.rule)
    values = {a.question: a.value for a in rec.answers}
    origins = {a.question: a.origin for a in rec.answers}
    questions = rules.questionnaire.all_by_id()
    out: list[str] = []
    for m, negated in _tests(trace(rule.when, values)):
        q = questions[m.question]
        if m.actual is None:  # a `not` test that held because nothing was said
            out.append(f"{q.text} **not answered**")
            continue
        shown = q.label_of(m.actual)
        if origins.get(q.id) == "implied":
            shown += " (implied)"
        cond = _condition(q, m, negated)
        out.append(f"{q.text} **{shown}**" + (f" ({cond})" if cond else ""))
    return list(dict.fromkeys(out))


def flip_line(rules: RuleSet, flip: Flip) -> str:
    """`Question? **answer** → **verdict**`, in the question's words."""
    q = rules.questionnaire.all_by_id()[flip.question]
    return f"{q.text} **{flip.shown}** → **{OPTIONS[flip.recommendation]}**"


# --- Sources ------------------------------------------------------------------------

_LEADING_SYMBOLS = re.compile(r"^[^\w“\"'(]+")
_MAX_TITLE = 70


@lru_cache(maxsize=64)
def seed_title(path: Path) -> str:
    """A readable title for a seed article, from its first line of text.

    The seeds are saved web pages: the first line is the title or the opening sentence,
    sometimes after a breadcrumb ("GenAI Engineering · LLMs") and with a leading emoji.
    Falls back to the file name when the file cannot be read.
    """
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:
        return path.name
    for raw in lines:
        line = _LEADING_SYMBOLS.sub("", raw).strip()
        if line and " · " not in line:  # skip empty lines and breadcrumbs
            return _shorten(line)
    return path.name


def _shorten(line: str) -> str:
    sentence = re.split(r"(?<=[.?!])\s", line, maxsplit=1)[0]
    if len(sentence) > _MAX_TITLE:
        sentence = re.split(r"[,:;]\s", sentence, maxsplit=1)[0]
    if len(sentence) > _MAX_TITLE:
        sentence = sentence[:_MAX_TITLE].rsplit(" ", 1)[0] + "…"
    return sentence.rstrip(".,:; ")


def source_title(rules: RuleSet, seed: str) -> str:
    return seed_title(rules.folder / "seeds" / seed)


# --- Fine-tuning --------------------------------------------------------------------


def pairs_message(count: int, needed: int = 10) -> str:
    """Why there is nothing to train on yet, in words (never "Only 0 facts")."""
    where = (
        "Add documents that state figures, dates or settings on the Your documents (RAG) "
        "page, or use its demo corpus."
    )
    if count == 0:
        return f"No facts with short answers yet: at least {needed} are needed. {where}"
    return (
        f"Only {plural(count, 'fact')} with short answers so far: at least {needed} are "
        f"needed to train on some and check the adapter on the others. {where}"
    )


def overfitting(train: list[tuple[int, float]], val: list[tuple[int, float]]) -> bool:
    """Validation loss rose at the last evaluation while the training loss kept falling.

    Training loss is compared as the mean over each evaluation interval: single steps
    are too noisy to say it fell.
    """
    if len(val) < 2:
        return False
    (s0, v0), (s1, v1) = val[-2], val[-1]
    start = val[-3][0] if len(val) >= 3 else None
    recent = [loss for s, loss in train if s0 < s <= s1]
    before = [loss for s, loss in train if s <= s0 and (start is None or s > start)]
    if v1 <= v0 or not recent or not before:
        return False
    return sum(recent) / len(recent) < sum(before) / len(before)


# --- Retrieval ----------------------------------------------------------------------

SCORES_HELP = (
    "Scores per retriever: **dense** is the cosine similarity of the question's and the "
    "chunk's embeddings (at most 1; higher is closer in meaning); **bm25** is the BM25 "
    "keyword score (no upper bound; higher shares more rare words); **fused** orders the "
    "sources: each retriever's score divided by its best for this question, weighted "
    "(dense 0.7, BM25 0.3 by default) and added, at most 1."
)


def source_label(n: int, document: str, page: int | None, heading: str) -> str:
    """`[1] sop.md, page 2 · Escalation`; no dangling separator without a heading."""
    where = f"[{n}] {document}" + (f", page {page}" if page else "")
    return f"{where} · {heading}" if heading.strip() else where


def trust_line(t: Any) -> str:
    """Groundedness and support of an answer in one line (advisor.rag.trust)."""
    parts = []
    if t.grounded is not None and not t.abstain:  # no figure for an answer not shown
        parts.append(f"grounded {t.grounded:.0%} (share of its words found in the passages)")
    if t.support is not None:
        parts.append(f"closest passage similarity {t.support:.2f}")
    return "Trust: " + " · ".join(parts) if parts else "Trust: nothing to check"


def scores_line(scores: dict[str, float]) -> str:
    return " · ".join(f"{k} {v:.3g}" for k, v in scores.items())


def unique_documents(sources: Iterable[Any]) -> list[str]:
    """Each source document once, in the order first cited."""
    return list(dict.fromkeys(s.document for s in sources))
