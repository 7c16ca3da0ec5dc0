"""The shapes of sentence a question can be fronted from: "<subject> is <key>" (copula) and
"<subject> <verb> [<object>] [<preposition>] <key> [<rest>]" (a main verb, a modal, a
passive or a perfect). Each reader returns the parts a question is built from, or None: a
sentence that does not parse into one of them is not asked (advisor.questionsets.facts)."""

from __future__ import annotations

import re

from advisor.questionsets.keys import Key

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


def base_form(verb: str) -> tuple[str, str] | None:
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
        if base_form(w) is not None and words[i - 1] not in _DETERMINERS | {"to"}:
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


def shape_of(sentence: str, key: Key, topic: str) -> dict[str, str] | None:
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
