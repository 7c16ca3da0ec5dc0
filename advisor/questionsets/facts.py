"""The checkable facts a collection states: a sentence (or a table row with its header) and
the short key it states, with its document and heading.

A key is what a person would accept as the answer: a number with its unit, an amount, a
share, a date, a duration, a version, a size, a setting's default value, a table cell.
Every extractor below also parses the sentence into the parts a question is built from
(advisor.questionsets.generate), so a fact that cannot be asked naturally is not kept:
fewer facts, each one usable, is the point.

Works on what the loaders make of PDF, DOCX, HTML, Markdown and text alike: chunks of
text where tables are Markdown tables (the header row first) and headings are joined with
" > ".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal[
    "amount", "share", "duration", "size", "count", "date", "version", "number", "default",
    "cell",
]  # fmt: skip
# How the question is built (advisor.questionsets.generate.question_for):
#   copula   "<subject> is <key>"            -> "What is <subject>?"
#   verb     "<subject> <verb> <key> <rest>" -> "How many <unit> does <subject> <verb>?"
#   option   a setting's "Default: <key>"    -> "What does <setting> default to?"
#   cell     a table row under its header    -> "What is the <column> of <row>?"
Shape = Literal["copula", "verb", "option", "cell"]


@dataclass(frozen=True)
class Fact:
    """One fact: `key` is the short reference answer; the rest says where it stands and
    how a question about it is built."""

    id: str  # stable: a digest of the document, the sentence and the key
    document: str
    heading: str
    sentence: str  # the sentence as the document states it (a table row with its header)
    key: str
    kind: Kind
    shape: Shape
    subject: str  # what the fact is about ("the default chunk size", "employees")
    verb: str = ""  # shape "verb": the verb as written ("gets", "will retry")
    rest: str = ""  # shape "verb": the words after the key, kept in the question
    unit: str = ""  # a count's noun ("files", "days"), asked as "How many <unit>"
    preposition: str = ""  # the word before the key in the sentence ("after", "within")
    form: str = ""  # shape "verb": "main" (gets), "modal" (will retry), "passive" (are kept)
    obj: str = ""  # shape "verb": the words between the verb and the key ("hardware")
    topic: str = ""  # the last heading part, or the document's title

    @property
    def topic_words(self) -> str:
        return f"{self.subject} {self.topic}"


# ---------------------------------------------------------------------------- clean text

_FENCE = re.compile(r"```.*?(```|$)", re.S)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w))")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def clean_lines(text: str) -> list[str]:
    """The prose of a chunk, one paragraph or list item a line, Markdown markup dropped
    (code blocks, comments, link targets, emphasis); table lines kept as they are."""
    text = _COMMENT.sub(" ", _FENCE.sub("\n", text))
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            flush()
            if line.startswith("|"):
                paragraphs.append(line)
            continue
        if _BULLET.match(line):
            flush()
            line = _BULLET.sub("", line)
        current.append(line)
    flush()
    out = []
    for p in paragraphs:
        if not p.startswith("|"):
            p = _EMPHASIS.sub("", _REF_LINK.sub(r"\1", _LINK.sub(r"\1", p)))
            p = " ".join(p.split())
        out.append(p)
    return out


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


# ------------------------------------------------------------------------------ the keys

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WORD_NUM = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|ninety|a hundred)"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_TIME_UNITS = (
    r"(?:milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|"
    r"business days?|working days?|weeks?|months?|years?)"
)
_SIZE_UNITS = r"(?:[KMGTP]i?B|[KMGTP]i|bytes?|[kKMGT]B|kilobytes?|megabytes?|gigabytes?)"
_CURRENCY = r"(?:[$€£]|USD |EUR |GBP )"
_CURRENCY_WORDS = r"(?:dollars|euros|pounds|USD|EUR|GBP)"
_SCALE = r"(?:\s?(?:million|billion|thousand|[kKmM])\b)?"

# Order matters: the first pattern that matches a span claims it.
_KEY_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("amount", re.compile(rf"{_CURRENCY}\s?{_NUM}{_SCALE}|{_NUM}{_SCALE}\s{_CURRENCY_WORDS}")),
    ("share", re.compile(rf"{_NUM}\s?(?:%|percent\b|per cent\b)")),
    ("date", re.compile(r"\b(?:1[5-9]|20)\d0s\b")),  # a decade ("the 1950s"), not seconds
    ("date", re.compile(rf"(?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?, \d{{4}}|\d{{1,2}} (?:{_MONTHS}) \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}")),
    ("version", re.compile(r"\bv?\d+\.\d+\.\d+\b|\bv\d+\.\d+\b")),
    ("duration", re.compile(rf"\b{_NUM}(?:\s|-)?{_TIME_UNITS}\b|\b{_WORD_NUM}[\s-]{_TIME_UNITS}\b", re.I)),
    ("size", re.compile(rf"{_NUM}\s?{_SIZE_UNITS}\b")),
    ("count", re.compile(rf"\b(?:{_NUM}|{_WORD_NUM}) (?:[a-z]+ )?[a-z]{{3,}}s\b", re.I)),
    ("date", re.compile(r"(?:(?<=\bin )|(?<=\bsince )|(?<=\bbefore )|(?<=\buntil )|(?<=\bfrom ))(?:19|20)\d{2}\b")),
    ("number", re.compile(rf"(?<![\w.-]){_NUM}(?![\w.-])")),
]  # fmt: skip
# A count's noun that is a unit of something else, or a word no one counts by.
_NOT_COUNT_NOUNS = {
    "times", "yes", "was", "has", "is", "its", "this", "thus", "plus", "less", "unless",
    "as", "us", "always", "perhaps", "across", "process", "access", "address", "class",
    "status", "previous", "various", "news",
}  # fmt: skip


_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "ninety",
        "hundred",
        "thousand",
        "million",
    ]
)
_NOT_COUNT_MIDDLE = frozenset(
    [
        "and",
        "or",
        "of",
        "the",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
    ]
)


@dataclass(frozen=True)
class _Key:
    kind: Kind
    start: int
    end: int
    unit: str = ""


def find_keys(sentence: str) -> list[_Key]:
    """Every key in a sentence, left to right, each span claimed once."""
    claimed: list[tuple[int, int]] = []
    found: list[_Key] = []
    for kind, pattern in _KEY_PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in claimed):
                continue
            unit = ""
            before = sentence[: m.start()].split()[-1:] or [""]
            if before[0].lower() in _NUMBER_WORDS | {"point", "and"} or before[0].isdigit():
                continue  # "two point one tonnes": the number started earlier
            if kind == "count":
                number = re.match(rf"(?:{_NUM}|{_WORD_NUM})\s", m.group(), re.I)
                unit = m.group()[number.end() :] if number else ""
                words = unit.split()
                if not words or words[-1].lower() in _NOT_COUNT_NOUNS or not words[-1].isalpha():
                    continue
                if len(words) > 1 and words[0].lower() in _NOT_COUNT_MIDDLE:
                    continue
            claimed.append((m.start(), m.end()))
            found.append(_Key(kind, m.start(), m.end(), unit))
    return sorted(found, key=lambda k: k.start)


# ---------------------------------------------------------------------- sentence shapes

_COPULA = re.compile(
    r"^(?P<subject>.+?)\s+(?P<cop>is|are|was|were|will be|would be|can be|is set to|"
    r"are set to|defaults to|default to|is limited to|are limited to|is capped at|"
    r"is currently|is now|equals|is about|is roughly|is approximately|stands at)"
    r"(?P<qual>\s+(?:about|around|roughly|approximately|up to|at least|at most|only|"
    r"currently|now|exactly))?\s*$",
    re.I,
)
# Verbs that state a quantity of their object; their -s, -es, -ies and -ed forms are read
# too. A short list keeps the do-support right ("does X get", not "does X gets").
_VERBS = (
    "get give pay offer provide receive allow take use keep wait make need cost last "
    "support require reimburse cover grant accept send store hold retry try create "
    "upload download add limit charge earn contribute refund ship process delete remove "
    "expire run check cache split encrypt transfer return buy spend sell employ serve "
    "weigh carry fly lift reach scan handle claim book host ask see lose rotate back "
    "retain log measure consume draw charge hire match"
)
_BASE_VERBS = frozenset(_VERBS.split())
_IRREGULAR = {"has": "have", "does": "do", "took": "take", "gave": "give", "made": "make",
              "paid": "pay", "kept": "keep", "held": "hold", "sent": "send", "ran": "run",
              "got": "get", "spent": "spend", "sold": "sell", "flew": "fly", "lost": "lose",
              "bought": "buy", "had": "have"}  # fmt: skip
_MODALS = {"will", "can", "may", "must", "should", "would", "could", "might"}
_PREPOSITIONS = {
    "for", "within", "after", "every", "in", "of", "at", "to", "up to", "at least",
    "at most", "over", "above", "below", "under", "than", "by", "on", "from", "about",
    "until", "since", "before", "in the",
    "around", "only", "roughly", "approximately", "nearly", "almost", "exactly",
}  # fmt: skip
_PRONOUNS = {"it", "this", "that", "they", "these", "those", "which", "there", "he", "she"}
_LEADS = re.compile(
    r"^(?:(?:note|remember|please note|also|however|so|then|thus|therefore|by default|"
    r"currently|today|in addition|for example|e\.g\.|normally|usually|typically)\b,?\s+)+",
    re.I,
)
_MAX_SUBJECT_WORDS = 10


def _base_form(verb: str) -> tuple[str, str] | None:
    """("does", "get") for "gets", ("do", "get") for "get", ("did", "pay") for "paid";
    None for a word that is not one of the verbs read here."""
    v = verb.lower()
    if v in _IRREGULAR:
        tense = "did" if v not in {"has", "does"} else "does"
        return tense, _IRREGULAR[v]
    if v in _BASE_VERBS:
        return "do", v
    for suffix, repl, aux in (("ies", "y", "does"), ("es", "", "does"), ("s", "", "does"),
                              ("ied", "y", "did"), ("ed", "", "did"), ("d", "", "did")):  # fmt: skip
        if v.endswith(suffix) and v[: -len(suffix)] + repl in _BASE_VERBS:
            return aux, v[: -len(suffix)] + repl
    return None


def _clean_subject(subject: str, topic: str) -> str | None:
    """The subject as a question can carry it: leading asides and clauses dropped, a
    pronoun replaced by the topic; None when it is not a short noun phrase."""
    closed = subject.rstrip().endswith(",")  # "The present boat, the fourth on the route,"
    subject = _LEADS.sub("", subject.strip()).strip(" ,;:-")
    pieces = re.split(r", |; |: ", subject)
    if len(pieces) > 1:
        head = pieces[0].split()[0].lower() if pieces[0].split() else ""
        # "The present boat, the fourth on the route," -> the first (an apposition);
        # "If you upload large files, the chunk size" -> the last (a clause before it)
        apposition = closed and head in _DETERMINERS and len(pieces) == 2
        apposition = apposition and len(pieces[0].split()) >= 3
        subject = pieces[0] if apposition else pieces[-1]
    subject = _LEADS.sub("", subject.strip(" ,;:-"))
    words = subject.split()
    if not words or len(words) > _MAX_SUBJECT_WORDS or "`" in subject:
        return None
    if words[0].lower() in _JOINING | {"after", "before", "during", "under", "over", "with"}:
        return None  # "For a single upload stream you": a phrase, not the subject
    if "'" in words[0] or "’" in words[0] or (words[0].islower() and _is_participle(words[0])):
        return None  # "Don't", "You'll", "laid at a steep pitch": no subject
    if words[0].lower() in _PRONOUNS and len(words) == 1:
        if words[0].lower() in {"there", "which", "that"} or not _is_name(topic):
            return None
        return topic
    if words[0].lower() in {"its", "their", "his", "her", "our"} and len(words) > 1:
        return None  # "its fourteen thousand hectares": whose, the question cannot say
    if words[0].lower() in {"if", "when", "while", "because", "as", "since", "although", "and",
                            "or", "but", "where", "who", "which", "that"}:  # fmt: skip
        return None
    if subject.endswith(("'s", "’s")) or not re.search(r"[A-Za-z]", subject):
        return None
    return subject


def _is_name(topic: str) -> bool:
    """A heading that names one thing ("DS-201 Advanced Fleet Pilot", "KestrelCare+"),
    which a pronoun under it most likely refers to; not a heading about a subject ("other
    birds of the reeds")."""
    words = topic.split()
    if not words:
        return False
    later_caps = any(w[:1].isupper() for w in words[1:])
    return (
        later_caps
        or any(not w.isalpha() for w in words)
        or (len(words) == 1 and topic[:1].isupper())
    )


def _split_preposition(left: str) -> tuple[str, str]:
    """("Rclone waits", "for") from "Rclone waits for": the words before the key."""
    words = left.split()
    for n in (2, 1):
        if len(words) > n and " ".join(words[-n:]).lower() in _PREPOSITIONS:
            return " ".join(words[:-n]), " ".join(words[-n:]).lower()
    return left, ""


_PARTICIPLE_IRREGULAR = frozenset(
    [
        "kept",
        "paid",
        "held",
        "sent",
        "made",
        "given",
        "taken",
        "done",
        "built",
        "set",
        "run",
        "shown",
        "known",
        "written",
        "sold",
        "spent",
        "lost",
        "bought",
        "found",
        "put",
        "cut",
        "shut",
        "read",
        "split",
        "left",
        "met",
        "told",
        "brought",
        "thought",
        "laid",
        "begun",
        "drawn",
        "grown",
    ]
)
_REST_STOP = re.compile(r",|;|:| and | but | or | which | so | while | unless | because |\(")
# Words that may follow a key: a preposition or a rate ("per charge", "a week"). A noun
# there makes the key a modifier ("every 64 MiB segment"), which a question cannot front.
_AFTER_KEY = frozenset(
    [
        "of",
        "per",
        "a",
        "an",
        "each",
        "every",
        "in",
        "on",
        "for",
        "from",
        "to",
        "before",
        "after",
        "at",
        "by",
        "when",
        "if",
        "with",
        "without",
        "than",
        "since",
        "until",
        "during",
        "within",
    ]
)
_ADVERBS = re.compile(
    r"\b(?:only|also|always|usually|currently|normally|still|perhaps|typically)\s+"
)


def _is_participle(word: str) -> bool:
    w = word.lower()
    return w in _PARTICIPLE_IRREGULAR or (len(w) > 4 and w.endswith(("ed", "en")))


def _verb_group(words: list[str]) -> tuple[int, int, str] | None:
    """(start, end, form) of the verb group after a subject: form is "passive" (are kept,
    must be claimed), "modal" (will retry) or "main" (gets). An auxiliary wins over a
    main verb, and of main verbs the last one does ("Flight logs take": not "logs")."""
    main = None
    for i in range(1, len(words)):
        w = words[i]
        if not w.islower():
            continue  # a verb mid-sentence is lower case; "Charging Charge" is a heading
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        after = words[i + 2] if i + 2 < len(words) else ""
        if w in {"is", "are", "was", "were"} and nxt and _is_participle(nxt):
            return i, i + 2, "passive"
        perfect = w in {"has", "have", "had"} and nxt == "been"
        if perfect and after and (_is_participle(after) or after.endswith("ing")):
            return i, i + 3, "passive"  # "has been worked", "has been working"
        if w in {"has", "have", "had"} and nxt and _is_participle(nxt):
            return i, i + 2, "passive"  # "has reached": the auxiliary goes first
        if w in _MODALS and nxt == "be" and after and _is_participle(after):
            return i, i + 3, "passive"
        if w in _MODALS and nxt and nxt not in {"be", "not"} and nxt.isalpha():
            return i, i + 2, "modal"
        if w in {"is", "are", "was", "were", "not", "no", "never"} or w in _MODALS:
            return None  # a copula or a negation the shapes here do not read
        if _base_form(w) is not None and words[i - 1] not in _DETERMINERS | {"to"}:
            main = (i, i + 1, "main")
    return main


# Sentence-initial words that make an instruction, not a subject ("Submit claims within
# 30 days"): the quantity verbs, and the verbs instructions start with.
_IMPERATIVE = _BASE_VERBS | frozenset(
    [
        "submit",
        "complete",
        "report",
        "contact",
        "file",
        "enter",
        "ensure",
        "attach",
        "print",
        "visit",
        "go",
        "note",
        "install",
        "choose",
        "read",
        "write",
        "open",
        "close",
        "follow",
        "avoid",
        "do",
        "be",
        "let",
    ]
)
_CONJUNCTIONS = frozenset(
    ["once", "when", "if", "after", "before", "until", "unless", "because", "while", "as"]
)
_DETERMINERS = frozenset({"the", "a", "an", "each", "every", "all", "any", "this", "that"})
_JOINING = frozenset({"of", "for", "in", "on", "at", "to", "with", "from", "by", "per"})


def _noun_phrase(words: list[str]) -> bool:
    """A subject a question can carry: a determiner only at its start or after a
    preposition ("Austin the cap" is two phrases), no relative clause, no loose bracket."""
    text = " ".join(words)
    if text.count("(") != text.count(")") or "," in text:
        return False
    if words[-1].lower() in {"that", "which", "who", "whose", "where", "when"}:
        return False
    for k in range(1, len(words)):
        if words[k] in _DETERMINERS and words[k - 1].lower() not in _JOINING:
            return False
    return True


def _trim_rest(rest: str) -> str | None:
    """The words after the key that a question keeps: up to the next clause; None when a
    second number stands there (a question could want either)."""
    rest = _REST_STOP.split(rest, maxsplit=1)[0].strip().rstrip(".!?:").strip()
    if len(rest.split()) > 8 or re.search(r"\d", rest):
        return None
    return rest


def _shape(sentence: str, key: _Key, topic: str) -> dict[str, str] | None:
    """The parts a question is built from, or None when the sentence is not one of the
    shapes read here (a fact that cannot be asked naturally is not kept)."""
    left = sentence[: key.start].rstrip()
    after = sentence[key.end :]
    if after[:1] and after[:1] not in " ,.;:!?)":
        return None  # the key runs on into a word or code ("8 MiB/s", "3x")
    rest = _trim_rest(after)
    if rest is None or sentence.rstrip().endswith(":"):
        return None  # a list follows: the fact is in the list, not in this sentence
    if rest and rest.split()[0].lower() not in _AFTER_KEY and not left.endswith((" a", " an")):
        return None
    left = _ADVERBS.sub("", left)
    m = _COPULA.match(left)
    if m:
        subject = _clean_subject(m.group("subject"), topic)
        if subject is None or not _noun_phrase(subject.split()):
            return None
        return {"shape": "copula", "subject": subject, "verb": m.group("cop").lower(),
                "rest": rest}  # fmt: skip
    left, prep = _split_preposition(left)
    words = left.split()
    group = _verb_group(words)
    if group is None:
        return None
    start, end, form = group
    subject = _clean_subject(" ".join(words[:start]), topic)
    if subject is None or subject.split()[0].lower() in _IMPERATIVE:
        return None  # no subject, or an instruction ("Submit claims within 30 days")
    if not _noun_phrase(subject.split()):
        return None
    obj = " ".join(words[end:])
    if obj and obj.split()[0].lower() in _CONJUNCTIONS:
        return None  # "can be added once v1.55 ...": the key is in a clause of its own
    if len(obj.split()) > 6 or re.search(r"\b(?:and|or)\b", obj):
        return None
    if obj and not _noun_phrase(obj.split()):
        return None
    return {
        "shape": "verb",
        "subject": subject,
        "verb": " ".join(words[start:end]),
        "form": form,
        "object": obj,
        "rest": rest,
        "preposition": prep,
    }


# ---------------------------------------------------------------------------- extraction

_OPTION_HEADING = re.compile(r"^--[a-z0-9-]+$")
_DEFAULT_LINE = re.compile(r"^\s*-?\s*Default:\s*(?P<value>.+?)\s*$", re.M)
_MIN_SENTENCE_WORDS = 5
_MAX_SENTENCE_WORDS = 40
_MAX_KEY_WORDS = 6


def _fact_id(document: str, sentence: str, key: str) -> str:
    text = "\0".join((document, " ".join(sentence.split()), key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _topic(document: str, heading: str) -> str:
    part = heading.split(" > ")[-1].strip() if heading else ""
    if not part:
        part = re.sub(r"\.[A-Za-z0-9]+$", "", document).replace("_", " ").replace("-", " ")
    return part


def _title(heading: str, document: str) -> str:
    first = heading.split(" > ")[0].strip() if heading else ""
    return first or _topic(document, "")


def _option_fact(document: str, heading: str, text: str) -> Fact | None:
    """A setting documented as a heading with a "Default: <value>" line (command-line
    flags, config keys): the fact is its default, described by its first sentence."""
    name = heading.split(" > ")[-1].strip()
    m = _DEFAULT_LINE.search(text)
    if not (_OPTION_HEADING.match(name) and m):
        return None
    value = m.group("value").strip().strip("`").strip()
    if not value or value in {'""', "''"} or len(value.split()) > _MAX_KEY_WORDS:
        return None
    first = next((s for line in clean_lines(text) for s in sentences(line)), "")
    sentence = f"{name}: {first} Default: {value}".strip()
    return Fact(
        _fact_id(document, sentence, value), document, heading, sentence, value, "default",
        "option", name, topic=_title(heading, document),
    )  # fmt: skip


def _table_facts(document: str, heading: str, lines: list[str]) -> list[Fact]:
    """Each row of a Markdown table under its header: "<column> of <first cell>"."""
    rows = [
        [
            _EMPHASIS.sub("", c).strip().strip("`").strip()
            for c in line.strip().strip("|").split("|")
        ]
        for line in lines
    ]
    if len(rows) < 3 or not re.fullmatch(r"[\s:|-]+", lines[1]):
        return []
    header, body = rows[0], rows[2:]
    facts = []
    for row in body:
        if len(row) != len(header) or not row[0] or len(row[0].split()) > 6:
            continue
        for col in range(1, len(header)):
            key, column = row[col], header[col]
            if not key or not column or len(key.split()) > _MAX_KEY_WORDS:
                continue
            if not re.search(r"[A-Za-z0-9]", key) or len(column.split()) > 5:
                continue
            if len(key) < 2 or key.lower() in {"yes", "no", "true", "false", "-", "n/a"}:
                continue  # a flag column: "Read Only: Y" is no fact a person asks for
            sentence = f"{' | '.join(header)}: {' | '.join(row)}"
            facts.append(
                Fact(
                    _fact_id(document, sentence, key),
                    document,
                    heading,
                    sentence,
                    key,
                    "cell",
                    "cell",
                    row[0],
                    unit=column,
                    topic=_topic(document, heading),
                )
            )
    return facts


_CLAUSE = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+|\s+and\s+(?=[A-Z])")


def _sentence_facts(document: str, heading: str, sentence: str) -> list[Fact]:
    """The facts of one sentence: of the whole sentence when it holds one key, else of
    each clause that holds exactly one (a clause without its own subject is dropped)."""
    words = sentence.split()
    if not _MIN_SENTENCE_WORDS <= len(words) <= _MAX_SENTENCE_WORDS or sentence.endswith("?"):
        return []
    clauses = [sentence] if len(find_keys(sentence)) == 1 else _CLAUSE.split(sentence)
    topic = _topic(document, heading)
    out = []
    for clause in clauses:
        keys = find_keys(clause)
        if len(keys) != 1:
            continue  # two numbers in one clause: a question could want either
        key = keys[0]
        parts = _shape(clause, key, topic)
        if parts is None:
            continue
        text = clause[key.start : key.end]
        out.append(
            Fact(
                _fact_id(document, sentence, text),
                document,
                heading,
                sentence,
                text,
                key.kind,
                parts["shape"],
                parts["subject"],
                parts["verb"],  # type: ignore[arg-type]
                parts["rest"],
                key.unit,
                parts.get("preposition", ""),
                parts.get("form", ""),
                parts.get("object", ""),
                topic,
            )
        )
    return out


def facts_of_chunk(
    document: str, heading: str, text: str, names: set[str] | None = None
) -> list[Fact]:
    """The facts one chunk states, in reading order. `names`: the words the collection
    capitalises mid-sentence (the chunk's own when not given)."""
    names = _lowercase_words([text]) if names is None else names
    return [_common_case(f, names) for f in _chunk_facts(document, heading, text)]


def _chunk_facts(document: str, heading: str, text: str) -> list[Fact]:
    option = _option_fact(document, heading, text)
    if option is not None:
        return [option]
    out: list[Fact] = []
    table: list[str] = []
    lines = clean_lines(text) or [""]
    for line in [*lines, ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            out += _table_facts(document, heading, table)
            table = []
        for n, s in enumerate(sentences(line)):
            if n == 0 and s[:1].islower() and not out and line is lines[0]:
                continue  # the chunk starts mid-sentence (an overlap): not a whole fact
            out += _sentence_facts(document, heading, s)
    return out


def extract_facts(chunks: Iterable[tuple[str, str, str]]) -> list[Fact]:
    """The facts of a collection's chunks ((document, heading, text)), each once: a chunk
    overlap or a repeated boilerplate sentence states the same fact again."""
    chunks = list(chunks)
    lower = _lowercase_words(text for _, _, text in chunks)
    seen: set[tuple[str, str]] = set()
    out: list[Fact] = []
    for document, heading, text in chunks:
        for fact in facts_of_chunk(document, heading, text, lower):
            sig = (" ".join(fact.sentence.lower().split()), fact.key.lower())
            if sig in seen:
                continue
            seen.add(sig)
            out.append(fact)
    return out


def _lowercase_words(texts: Iterable[str]) -> set[str]:
    """Names: words the collection capitalises in the middle of a sentence. A capital on
    any other word is the start of a sentence and goes inside a question."""
    out: set[str] = set()
    for text in texts:
        out.update(w.lower() for w in re.findall(r"(?<=[a-z,] )([A-Z][a-z-]+)", text))
    return out


def _common_case(fact: Fact, names: set[str]) -> Fact:
    first = fact.subject.split()[0] if fact.subject.split() else ""
    common = first[:1].isupper() and (first[1:].islower() or first == "A")
    common = common and first.lower() not in names
    if fact.shape in {"copula", "verb"} and common:
        return replace(fact, subject=first.lower() + fact.subject[len(first) :])
    return fact


def kinds(facts: Sequence[Fact]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in facts:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out
