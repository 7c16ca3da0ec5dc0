"""User-supplied strings as a terminal should show them: visible, on one line, never obeyed.

A file name may hold a newline (to forge "passwd.md added 99 chunks" on a line of its
own), an ANSI escape (to recolour or clear the screen), a bidi override (U+202E shows
"txt.exe" as "exe.txt") or a zero-width character. `visible` writes each of them as an
escape a reader can see, and marks a word whose letters mix scripts (a Cyrillic "а" in a
Latin name) or are full-width look-alikes, so two names that look the same are told apart.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
_WORD = re.compile(r"\w+")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    # controls; format characters (bidi overrides, isolates, zero-width joiners, soft
    # hyphens); line and paragraph separators; unassigned and private code points
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    return next((s for s in _SCRIPTS if name.startswith(s)), None)


def look_alike(text: str) -> bool:
    """A word mixes letters of several scripts, or holds full-width look-alike letters."""
    for word in _WORD.findall(text):
        scripts = {s for s in map(_script, word) if s}
        if len(scripts) > 1:
            return True
        if any("FULLWIDTH" in unicodedata.name(ch, "") for ch in word):
            return True
    return False


def visible(text: object) -> str:
    """`text` on one line, every control, escape, bidi or invisible character shown as an
    escape, and " [look-alike letters]" after it when a word mixes scripts."""
    s = str(text)
    out = "".join(map(_escape, s))
    return out + " [look-alike letters]" if look_alike(s) else out


def visible_lines(text: object) -> str:
    """Like `visible`, but its line breaks stay: a model's answer of several lines, whose
    other controls (an ANSI escape copied from a document) are still shown, not obeyed."""
    return "\n".join("".join(map(_escape, line)) for line in str(text).split("\n"))
