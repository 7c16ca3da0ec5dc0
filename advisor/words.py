"""The tokenizer behind every comparison score: text in, canonical tokens out.

Both sides of a comparison (answer and reference, answer and context) go through the same
steps, so a choice that looks crude on one word (plural "s" dropped) still compares fairly.

1. Unicode NFKD, accents dropped, casefolded; citation markers such as `[1]` or `[1, 2]`
   removed (the RAG prompt asks for them; they are not part of the answer).
2. Symbols become words: `€` -> `eur`, `$` -> `usd`, `£` -> `gbp`, `%` -> `percent`
   (also "per cent"); apostrophes inside words vanish ("don't" -> "dont").
3. Pieces are matched left to right:
   - times `7:30`, `07:30` -> `07:30` (kept as one token, not a number), "7:30 pm" ->
     `19:30`;
   - numbers `18,400`, `18400`, `18400.0` -> `18400`; `4.50` -> `4.5` (English thousands
     commas only: `4,5` is two numbers); a number written as a word ("two", "twenty-five")
     -> `2`, `25`; ordinal suffixes go ("3rd" -> `3`);
   - words. A word that holds a digit is a code and stays whole (`E-217` -> `e-217`,
     `KD-SL4` -> `kd-sl4`); other hyphenated words split ("fleet-wide" -> `fleet`, `wide`).
4. Words are canonicalised: currency names (`euro(s)`, `EUR`, `dollar(s)`, `USD`, `GBP`)
   map to `eur`, `usd`, `gbp`; a light plural strip ("days" -> `day`, "batteries" ->
   `battery`); unit abbreviations right after a number map to one name (`4.5kg` ->
   `4.5`, `kg`; `9 m` -> `9`, `metre`; `55 min` -> `55`, `minute`).
5. A currency right before a number moves after it, so "€18,400", "EUR 18400" and
   "18,400 euros" all read `18400 eur`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
_APOSTROPHE = re.compile(r"(?<=\w)['’ʼ](?=\w)")
_SYMBOLS = {"€": " eur ", "$": " usd ", "£": " gbp ", "%": " percent ", "_": " "}
_TOKEN = re.compile(
    r"(?P<time>(?<![0-9.:])[0-9]{1,2}:[0-5][0-9](?![0-9:]))"
    r"|(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"|(?P<word>[^\W\d_][^\W_]*(?:-[^\W_]+)*)"
)
CURRENCIES = {
    "eur": "eur", "euro": "eur", "euros": "eur",
    "usd": "usd", "dollar": "usd", "dollars": "usd",
    "gbp": "gbp",
}  # fmt: skip
_UNDER_21 = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNDER_21.split())} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
     "ninety": 90, "hundred": 100}  # fmt: skip
_ORDINAL = {"st", "nd", "rd", "th"}
# Only right after a number: "m" alone is a letter, "9 m" is a distance.
_UNITS = {
    "kgs": "kg", "kilo": "kg", "kilogram": "kg", "gram": "g", "m": "metre", "meter": "metre",
    "km": "km", "kilometre": "km", "kilometer": "km", "min": "minute", "mins": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "sec": "second", "secs": "second",
    "pct": "percent", "yr": "year", "yrs": "year", "wk": "week", "wks": "week",
}  # fmt: skip
# Words the plural strip must leave alone (their "s" is not a plural).
_KEEP_S_WORDS = (
    "does always perhaps whereas besides sometimes news series species towards afterwards "
    "lens bias atlas canvas chaos alias gas yes its his hers ours yours theirs physics "
    "headquarters"
)
_KEEP_S = frozenset(_KEEP_S_WORDS.split())


def _stem(word: str) -> str:
    """A light plural strip: days -> day, batteries -> battery; glass, status stay."""
    if len(word) < 4 or not word.isalpha() or word in _KEEP_S or word[-2:] in ("ss", "us", "is"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def canonical_number(text: str) -> str:
    """`18,400` -> `18400`, `4.50` -> `4.5`, `.5` -> `0.5`: one spelling per value."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex only passes digits
        return text
    out = format(value.normalize(), "f")
    return "0" + out if out.startswith(".") else out


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _CITATION.sub(" ", text)
    text = _APOSTROPHE.sub("", text)
    text = re.sub(r"\bper cent\b", "percent", text)
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    return text


def _word_number(word: str) -> str | None:
    """ "two" -> "2", "twenty-five" -> "25"; None for any other word."""
    parts = word.split("-")
    if not all(p in _NUMBER_WORDS for p in parts) or len(parts) > 2:
        return None
    if len(parts) == 2 and not (_NUMBER_WORDS[parts[0]] >= 20 and _NUMBER_WORDS[parts[1]] < 10):
        return None
    return str(sum(_NUMBER_WORDS[p] for p in parts))


def tokens(text: str) -> list[str]:
    """Canonical tokens of `text` (see the module docstring for every rule)."""
    out: list[str] = []
    after_number = False  # the previous token was a number (for units and ordinals)
    end = -1  # where the previous piece ended, to tell "4.5kg" from "4.5 kg"
    for m in _TOKEN.finditer(_prepare(text or "")):
        piece, kind = m.group(), m.lastgroup
        if kind == "time":
            hour, minute = piece.split(":")
            out.append(f"{int(hour):02d}:{minute}")
            after_number = False
        elif kind == "num":
            out.append(canonical_number(piece))
            after_number = True
        else:
            if after_number and m.start() == end and piece in _ORDINAL:
                end = m.end()
                continue  # "3rd" is the number 3
            if piece in ("am", "pm") and out and ":" in out[-1]:
                hour, minute = out[-1].split(":")
                out[-1] = f"{int(hour) % 12 + (12 if piece == 'pm' else 0):02d}:{minute}"
                end = m.end()
                continue  # "7:30 pm" is 19:30
            words = [piece] if any(c.isdigit() for c in piece) else None  # a code stays whole
            if words is None:
                spelled = _word_number(piece)
                words = [spelled] if spelled else [w for w in piece.split("-") if w]
            for i, word in enumerate(words):
                if word in CURRENCIES:
                    word = CURRENCIES[word]
                elif after_number and i == 0 and word in _UNITS:
                    word = _UNITS[word]
                else:
                    word = _stem(word)
                    word = _UNITS.get(word, word) if after_number and i == 0 else word
                out.append(word)
            after_number = words[-1].isdigit()
        end = m.end()
    return _currency_after_number(out)


def _currency_after_number(toks: list[str]) -> list[str]:
    """`eur 18400` -> `18400 eur`, so the currency's side does not matter."""
    out = list(toks)
    i = 0
    while i < len(out) - 1:
        nxt = out[i + 2] if i + 2 < len(out) else None
        money = out[i] in CURRENCIES.values() and is_number(out[i + 1])
        # "18400 eur 19900": the first number keeps its currency, the second gets none
        if money and nxt not in CURRENCIES and not (i and is_number(out[i - 1])):
            out[i], out[i + 1] = out[i + 1], out[i]
            i += 2
        else:
            i += 1
    return out


def is_number(token: str) -> bool:
    """A canonical number token such as `18400` or `4.5`."""
    return bool(token) and token.replace(".", "", 1).isdigit()


def normalise(text: str) -> str:
    """The canonical form of `text`: its tokens joined by single spaces."""
    return " ".join(tokens(text))


# Articles removed for token F1 (as SQuAD does); the wider list for content tokens.
ARTICLES = frozenset({"a", "an", "the"})
_STOP_WORDS = (
    "a an the and or but nor of to in on at by for from with within without about into "
    "onto over under after before during between per via as than then so if is are was "
    "were be been being am do does did done has have had having can could will would shall "
    "should may might must it its this that these those there here which who whom whose "
    "what when where why how i me my we our you your he him his she her they them their "
    "also just only very any some such each every all both either neither up out according"
)
STOPWORDS = frozenset(_STOP_WORDS.split()) | frozenset(_stem(w) for w in _STOP_WORDS.split())


def content_tokens(text: str) -> list[str]:
    """Tokens without stopwords; a text made only of stopwords keeps all its tokens."""
    toks = tokens(text)
    kept = [t for t in toks if t not in STOPWORDS]
    return kept or toks


_NO_ANSWER = re.compile(
    r"\b(?:dont|do not|cannot|cant|can not) know\b|\bno idea\b|\bnot sure\b"
    r"|\bno (?:information|answer|mention|data)\b"
    r"|\b(?:cannot|cant|can not|unable to|not able to) (?:answer|find|determine|say|tell)\b"
    r"|\b(?:does|do|did) not (?:say|mention|contain|specify|state|provide|include)\b"
    r"|\bnot (?:in|found in|mentioned in|provided in|stated in|given in|available in) the "
    r"(?:provided |given )?(?:document|context|text|source|passage)"
    r"|^unknown$"
)


def no_answer(text: str | None) -> bool:
    """True for an empty answer or a refusal ("I don't know", "not in the documents")."""
    norm = normalise(text or "")
    return not norm or bool(_NO_ANSWER.search(norm))
