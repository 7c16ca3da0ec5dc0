"""Links read as people read them: a link becomes its text, and its target is kept apart.

A URL's digits are not facts, and long URLs filled the chunk budget: the loaders keep the
targets beside the section (shown with its sources), never in the text that is embedded
or put in a prompt.
"""

from __future__ import annotations

import re

# Markdown links and images `[text](url "title")`, autolinks `<https://...>`, reference
# definitions `[id]: url`, and bare URLs. Bounded, negated classes that stop at the next
# bracket: linear time on any input (tests/test_rag_documents.py times hostile lines).
_MD_LINK = re.compile(
    r"!?\[([^\[\]\n]{0,500})\]\([ \t]*<?([^()\s<>]{1,2000})>?(?:[ \t]+\"[^\"\n]{0,500}\")?[ \t]*\)"
)
_MD_REF_DEF = re.compile(
    r"^[ ]{0,3}\[[^\[\]\n]{1,200}\]:[ \t]*<?(\S{1,2000}?)>?(?:[ \t]+\S.{0,500})?$", re.M
)
_MD_REF = re.compile(r"\[([^\[\]\n]{1,500})\]\[[^\[\]\n]{0,200}\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]{1,2000})>")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]]{1,2000}")


def strip_links(text: str) -> tuple[str, tuple[str, ...]]:
    """Markdown text with each link replaced by its text, and the links' targets."""
    found: list[str] = []

    def keep(url: str) -> None:
        if url not in found:
            found.append(url)

    def link(m: re.Match[str]) -> str:
        keep(m.group(2))
        return m.group(1)

    def ref_def(m: re.Match[str]) -> str:
        keep(m.group(1))
        return ""

    text = _MD_REF_DEF.sub(ref_def, text)
    text = _MD_LINK.sub(link, text)
    text = _MD_REF.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: (keep(m.group(1)), "")[1], text)
    text = _BARE_URL.sub(lambda m: (keep(m.group(0).rstrip(".,;:")), "")[1], text)
    return text, tuple(found)
