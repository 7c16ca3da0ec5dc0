"""The short keys a sentence states, left to right, each span claimed once: a number with
its unit, an amount, a share, a date, a duration, a size, a version, a count of things."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "amount", "share", "duration", "size", "count", "date", "version", "number", "default",
    "cell",
]  # fmt: skip

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
class Key:
    kind: Kind
    start: int
    end: int
    unit: str = ""


def find_keys(sentence: str) -> list[Key]:
    """Every key in a sentence, left to right, each span claimed once."""
    claimed: list[tuple[int, int]] = []
    found: list[Key] = []
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
            found.append(Key(kind, m.start(), m.end(), unit))
    return sorted(found, key=lambda k: k.start)
