"""Questions a person would ask, built from the facts a collection states.

Each fact (advisor.questionsets.facts) is asked in two wordings: the question (a
wh-question fronted from the sentence: "Employees get 15 days of leave." -> "How many days
of leave do employees get?") and a held-out paraphrase with other words and word order
("Do you know how many days of leave employees get?"). Its reference is the short key,
never the sentence. A fine-tune trains on the question wording of some facts and never
sees the paraphrase or the other facts, so a comparison can ask what it memorised
(trained), what it learned (paraphrase) and what it cannot know (unseen).

Questions the documents do not answer are made from real ones by a qualifier the
collection never mentions ("... for part-time staff in Brazil?"): about the same topics,
so abstaining on them is measured on the user's own documents.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.questionsets.facts import Fact
from advisor.words import content_tokens, normalise

_KIND_NOUN = {
    "amount": "amount", "share": "share", "duration": "time", "size": "size",
    "number": "value", "version": "version", "date": "date", "count": "number",
}  # fmt: skip
# Prepositions a question can front ("Above what size does ..."); the rest are dropped
# ("for 3 seconds" -> "How long").
_FRONTED = {"above", "over", "below", "under", "after", "before", "from", "at", "to", "since"}
_DROPPED = {"for", "up to", "at least", "at most", "about", "around", "only", "roughly",
            "approximately", "nearly", "almost", "exactly", "of", "in", "than", "by", "on",
            "within"}  # fmt: skip


@dataclass(frozen=True)
class Asked:
    """A fact as questions: the asking wording, the held-out paraphrase, and the short
    sentence a fine-tune is taught to answer with."""

    fact: Fact
    question: str
    paraphrase: str
    answer_sentence: str


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    """A subject inside a question: lower-cased first letter unless it is a name or code."""
    first = text.split()[0] if text.split() else ""
    if first[:1].isupper() and first[1:].islower() and first.lower() in _ARTICLES:
        return text[:1].lower() + text[1:]
    return text


_ARTICLES = {"the", "a", "an", "each", "every", "all", "any", "our", "your", "their", "new"}


def _wh(fact: Fact) -> tuple[str, str, str]:
    """The wh-phrase for a verb-shaped fact, and the object and the rest of the sentence
    it leaves in the question."""
    rest, prep, kind = fact.rest, fact.preposition, fact.kind
    attach = ""
    if rest.startswith("of ") and kind in {"count", "share", "amount", "size"}:
        attach, rest = " " + rest, ""  # "How many days of leave", "What share of the premium"
    elif rest.startswith("of ") and kind == "duration" and not prep:
        unit = fact.key.split()[-1].lower()  # "25 days of paid leave" -> "How many days of"
        return f"how many {unit} {rest}", fact.obj, ""
    elif rest.startswith(("of ", "from ", "after ")) and kind == "duration":
        rest = ""  # "within 45 days of delivery" -> "Within how long ...?" (the key says it)
    if kind == "duration" and rest.startswith(("a ", "per ", "each ", "every ")):
        unit = fact.key.split()[-1].lower()  # "3 days a week" -> "How many days a week"
        return f"how many {unit} {rest}", fact.obj, ""
    if fact.obj.lower() in {"a", "an"} and rest and kind in {"share", "amount", "size"}:
        noun, _, after = rest.partition(" ")  # "receive a 15 percent margin on hardware"
        return f"what {noun}", "", after
    if prep == "of" and fact.obj and kind in {"share", "amount", "size", "number"}:
        noun = re.sub(r"^(?:a|an|the)\s+", "", fact.obj)  # "carry a fee of 12 percent"
        return f"what {noun}", "", rest
    if kind in {"amount", "size"} and attach:
        attach = attach[3:]  # "How much data", not "How much of data"
    if kind == "count":
        wh = f"how many {fact.unit}{attach}"
        if prep in _FRONTED | {"in", "by", "on", "with"}:
            wh = f"{prep} {wh}"  # "From how many directions does the fen receive water?"
    elif kind == "duration":
        wh = {"every": "how often", "after": "after how long", "within": "within how long"}.get(
            prep, "how long"
        )
        prep = ""
    elif kind == "amount" or kind == "size":
        wh = f"how much{attach}"
    elif kind == "share":
        wh = f"what share{attach}"
    elif kind == "date":
        wh = f"{prep} when" if prep in {"since", "until", "before", "after"} else "when"
        prep = ""
    elif kind == "version":
        wh = {"since": "since which version", "from": "from which version"}.get(
            prep, "in which version"
        )
        prep = ""
    else:
        return "", fact.obj, rest
    if prep in _FRONTED and kind not in {"count"}:
        wh = f"{prep} what {_KIND_NOUN[kind]}"
    return wh, fact.obj, rest


def _inverted(fact: Fact) -> tuple[str, str] | None:
    """(question, embedded clause) of a verb or copula fact, or None when it has none."""
    from advisor.questionsets.shapes import base_form

    subject = _low(fact.subject)
    rest = f" {fact.rest}" if fact.rest else ""
    if fact.shape == "copula":
        cop = fact.verb
        first, _, after = cop.partition(" ")  # "will be" -> "will", "be"; "is set to"
        if cop in {"defaults to", "default to"}:
            aux = "does" if cop == "defaults to" else "do"
            return (
                f"What {aux} {subject} default to{rest}?",
                f"what {subject} defaults to{rest}",
            )
        wh = {"duration": "how long", "amount": "how much"}.get(fact.kind, "what")
        question = f"{_cap(wh)} {first} {subject}{' ' + after if after else ''}{rest}?"
        return question, f"{wh} {subject} {cop}{rest}"
    if fact.shape != "verb":
        return None
    wh, obj, rest_text = _wh(fact)
    if not wh:
        return None
    tail = " ".join(x for x in (obj, rest_text) if x)
    tail = f" {tail}" if tail else ""
    words = fact.verb.split()
    if fact.form == "main":
        form = base_form(words[0])
        if form is None:
            return None
        aux, base = form
        question = f"{_cap(wh)} {aux} {subject} {base}{tail}?"
    else:  # "will retry" -> "will X retry"; "are kept" -> "are X kept"; "must be paid"
        question = f"{_cap(wh)} {words[0]} {subject} {' '.join(words[1:])}{tail}?"
    return question, f"{wh} {subject} {fact.verb}{tail}"


# Column headers that are not something a person asks for by name.
_NOT_NOUN_COLUMNS = frozenset(
    [
        "since",
        "until",
        "from",
        "to",
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "remark",
        "details",
        "misc",
        "other",
        "example",
        "examples",
        "help",
        "description",
    ]
)
_LEAD_INS = ("Do you know", "Can you tell me", "Could you check")


def ask(fact: Fact) -> Asked | None:
    """The fact's question, paraphrase and answer sentence; None when it cannot be asked."""
    lead = _LEAD_INS[int(fact.id, 16) % len(_LEAD_INS)]
    if fact.shape == "option":
        name, title = fact.subject, fact.topic
        where = f" for {title}" if title and title.lower() not in name else ""
        return Asked(
            fact,
            f"What does {name} default to{where}?",
            f"If I leave {name} unset, which value does it take?",
            f"{name} defaults to {fact.key}.",
        )
    if fact.shape == "cell":
        column, row, topic = fact.unit[:1].lower() + fact.unit[1:], fact.subject, fact.topic
        if not re.search(r"[A-Za-z]{2}", row):
            return None
        where = f" in {topic}" if topic else ""
        if re.fullmatch(r"[\d\s./-]+", column):  # a year or a number heads the column
            asked = f"What is the figure for {row} in {column}{where and ' (' + topic + ')'}?"
        elif column.split()[0].lower() in {"who", "what", "which", "where", "when", "how"}:
            return None  # "Who ran them": the column's pronoun has no referent in a question
        elif column.split()[-1].lower() in _NOT_NOUN_COLUMNS:
            return None  # "Readings since", "Notes": no one asks for a column by that name
        else:
            verb = "are" if column.endswith("s") and not column.endswith("ss") else "is"
            asked = f"What {verb} the {column} for {row}{where}?"
        return Asked(
            fact,
            asked,
            f"{lead} which {column} is listed for {row}?",
            f"The {column} for {row} is {fact.key}.",
        )
    built = _inverted(fact)
    if built is None:
        return None
    question, embedded = built
    prep = f"{fact.preposition} " if fact.preposition else ""
    if fact.shape == "copula":
        said = f"{_cap(fact.subject)} {fact.verb} {fact.key}"
    else:
        obj = f"{fact.obj} " if fact.obj else ""
        said = f"{_cap(fact.subject)} {fact.verb} {obj}{prep}{fact.key}"
    said += f" {fact.rest}." if fact.rest else "."
    return Asked(fact, question, f"{lead} {embedded}?", said)


# --------------------------------------------------------------------- choosing the facts


def _order(fact: Fact, seed: int) -> str:
    return hashlib.sha256(f"{seed}\0{fact.id}".encode()).hexdigest()


def spread(asked: Sequence[Asked], n: int, seed: int = 0) -> list[Asked]:
    """Up to `n` facts spread over documents (round robin) and, within a document, over
    kinds; settings' defaults and table cells at most a third each, so that prose facts
    come first where a collection has them; no two with the same question or key."""
    by_doc: dict[str, list[Asked]] = {}
    for a in sorted(asked, key=lambda a: _order(a.fact, seed)):
        by_doc.setdefault(a.fact.document, []).append(a)
    for doc, items in by_doc.items():  # within a document: alternate kinds
        by_kind: dict[str, list[Asked]] = {}
        for a in items:
            by_kind.setdefault(a.fact.kind, []).append(a)
        mixed: list[Asked] = []
        while any(by_kind.values()):
            for kind in sorted(by_kind):
                if by_kind[kind]:
                    mixed.append(by_kind[kind].pop(0))
        by_doc[doc] = mixed
    cap = {"option": max(1, n // 3), "cell": max(1, n // 3)}
    used = {"option": 0, "cell": 0}
    out: list[Asked] = []
    seen: set[str] = set()
    queues = [by_doc[d] for d in sorted(by_doc)]
    deferred: list[Asked] = []
    while len(out) < n and any(queues):
        for queue in queues:
            while queue and len(out) < n:
                a = queue.pop(0)
                keys = {normalise(a.question), f"{a.fact.document}\0{a.fact.subject}\0{a.fact.key}"}
                if seen & keys:
                    continue
                shape = a.fact.shape
                if shape in cap and used[shape] >= cap[shape]:
                    deferred.append(a)  # over its share: only if nothing else is left
                    continue
                seen |= keys
                used[shape] = used.get(shape, 0) + 1
                out.append(a)
                break
    for a in deferred:  # a collection of settings pages: its defaults are its facts
        keys = {normalise(a.question), f"{a.fact.document}\0{a.fact.subject}\0{a.fact.key}"}
        if len(out) >= n:
            break
        if not seen & keys:
            seen |= keys
            out.append(a)
    return out


def ask_all(facts: Sequence[Fact]) -> list[Asked]:
    out = []
    for f in facts:
        a = ask(f)
        if a is not None:
            out.append(a)
    return out


def held_out(fact: Fact, share: float, seed: int = 0) -> bool:
    """Whether a fact is kept out of training (the split is by fact and by its digest, so
    the fine-tune and a later comparison agree without sharing any file)."""
    return int(_order(fact, seed + 7919)[:8], 16) / 0xFFFFFFFF >= share


# ------------------------------------------------------------------- unanswerable questions

# Qualifiers a question can carry that the documents are checked never to mention (the
# marker word must not occur in the collection): the right answer is then to abstain.
_QUALIFIERS = (
    ("for part-time staff in Brazil", "brazil"),
    ("on the Android tablet app", "android"),
    ("in the Antarctic office", "antarctic"),
    ("for accounts opened before 1990", "1990"),
    ("under the 1998 edition of the rules", "1998"),
    ("for guest users on Windows 95", "95"),
    ("in the Reykjavik branch", "reykjavik"),
    ("for interns in Nairobi", "nairobi"),
)


def unanswerable(asked: Sequence[Asked], vocabulary: set[str], n: int, seed: int = 0) -> list[str]:
    """`n` questions about the collection's own topics that its documents do not answer: a
    real question with a qualifier the collection never mentions."""
    usable = [q for q, marker in _QUALIFIERS if marker not in vocabulary]
    if not usable:
        return []
    rng = random.Random(seed + 31)
    prose = [a for a in asked if a.fact.shape in {"copula", "verb"}]
    rng.shuffle(prose)  # a sentence's question first; a setting's only when there are few
    settings = [a for a in asked if a.fact.shape == "option"]
    rng.shuffle(settings)
    pool = prose + settings
    out: list[str] = []
    for i, a in enumerate(pool[:n]):
        qualifier = usable[i % len(usable)]
        out.append(a.question.rstrip("?") + f" {qualifier}?")
    return out


def vocabulary(texts: Sequence[str]) -> set[str]:
    """The content words (canonical tokens) of a collection's text."""
    out: set[str] = set()
    for t in texts:
        out.update(content_tokens(t))
    return out


# ----------------------------------------------------------------------- the question set

UNANSWERABLE_SHARE = 0.2  # of a generated set: questions the documents do not answer
TRAINED_WORDING_SHARE = 0.125  # trained facts also asked as trained: what memorising looks like


@dataclass(frozen=True)
class Planned:
    """One generated question: its text, short key (None: the documents do not answer
    it), the document that states it, the fact's kind and its relation to an adapter."""

    question: str
    answer: str | None
    document: str | None
    kind: str
    relation: str | None = None  # trained / paraphrase / unseen; None without an adapter
    variant_of: int | None = None  # the index of the trained wording this one rewords


def generated_set(
    chunks: Sequence[tuple[str, str, str]],
    limit: int = 20,
    seed: int = 0,
    trained_prompts: Sequence[str] = (),
    where: str = "the documents",
) -> list[Planned]:
    """`limit` questions from (document, heading, text) chunks.

    Without an adapter: the facts' questions, spread over documents and kinds, and a
    fifth that the documents do not answer. With the prompts an adapter trained on: half
    its trained facts in their held-out paraphrase (and a few in the trained wording), half
    facts it never saw, and the unanswerable ones; each question labelled with its relation.
    """
    from advisor.errors import InputError, Problem
    from advisor.questionsets.facts import extract_facts

    if limit < 1:
        raise InputError(Problem(f"limit must be at least 1 (got {limit})", field="limit"))
    chunks = list(chunks)
    asked = spread(ask_all(extract_facts(chunks)), 10**6, seed)
    if not asked:
        raise InputError(
            Problem(
                f"no facts with short answers were found in {where}; write your own "
                "questions as a CSV with question,answer"
            )
        )
    n_unanswerable = round(limit * UNANSWERABLE_SHARE) if limit >= 5 else 0
    n_answerable = limit - n_unanswerable
    prompts = {normalise(p) for p in trained_prompts}
    trained = [a for a in asked if normalise(a.question) in prompts]
    unseen = [a for a in asked if normalise(a.question) not in prompts]
    rows: list[Planned] = []

    def add(a: Asked, text: str, relation: str | None, variant_of: int | None = None) -> int:
        rows.append(Planned(text, a.fact.key, a.fact.document, a.fact.kind, relation, variant_of))
        return len(rows) - 1

    if trained:  # the trained wordings count within the limit
        n_memorised = min(len(trained), round(limit * TRAINED_WORDING_SHARE))
        left = n_answerable - n_memorised
        n_trained = min(len(trained), max(n_memorised, left // 2))
        n_unseen = min(len(unseen), left - n_trained)
        n_trained = min(len(trained), max(n_memorised, left - n_unseen))
        for i, a in enumerate(trained[:n_trained]):
            first = add(a, a.question, "trained") if i < n_memorised else None
            add(a, a.paraphrase, "paraphrase", first)
        for a in unseen[:n_unseen]:
            add(a, a.question, "unseen")
    else:
        for a in asked[:n_answerable]:
            add(a, a.question, None)
    words = vocabulary([text for _, _, text in chunks])
    seen = {normalise(q.question) for q in rows}
    for text in unanswerable(asked, words, n_unanswerable, seed):
        if normalise(text) not in seen:
            seen.add(normalise(text))
            rows.append(Planned(text, None, None, "unanswerable"))
    return rows
