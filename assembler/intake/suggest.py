"""Which of Legal's fallback wordings answers a received change.

A fallback declares what it addresses (`addresses:` in the clause front matter): deal terms such as
`terms.liability_cap_months` and topics such as `confidentiality`. A change is matched against those
declarations by its changed words and the paragraph around them; the fallback with the best match is
suggested, and none when nothing it declares is touched — never simply a clause's first fallback.
"""

from __future__ import annotations

import difflib
import re

from assembler.library.loader import Clause
from assembler.library.schemas import Fallback

# Words in a term's name that say nothing about its subject.
_NOISE = {"terms", "pct", "days", "months", "business", "hours", "is", "of", "the"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def declaration_words(entry: str) -> set[str]:
    """The words a declaration stands for: a term path's name parts, or a topic's own words."""
    return {w for w in _words(entry.replace("_", " ").replace(".", " ")) if w not in _NOISE}


def _changed_text(before: str, after: str) -> str:
    old, new = before.split(), after.split()
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            parts += old[max(0, i1 - 3) : i2 + 3] + new[max(0, j1 - 3) : j2 + 3]
    return " ".join(parts)


def _stem(words: set[str]) -> set[str]:
    return {w.removesuffix("s") if len(w) > 3 else w for w in words}


def _score(
    fallback: Fallback, changed: set[str], paragraph: set[str], removed: str, values: dict[str, list[str]]
) -> int:
    """A declared term whose value the change replaces counts most, then declared words among the changed
    words, then declared words in the paragraph around them."""
    score = 0
    for entry in fallback.addresses:
        forms = values.get(entry, [])
        if any(re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", removed) for form in forms):
            score += 5
            continue
        wanted = _stem(declaration_words(entry))
        if wanted and wanted <= changed:
            score += 3
        elif wanted and wanted <= paragraph:
            score += 1
    return score


def _removed(before: str, after: str) -> str:
    old, new = before.split(), after.split()
    parts: list[str] = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            parts += old[i1:i2]
    return " ".join(parts)


def suggest_fallback(
    clause: Clause, before: str, after: str, values: dict[str, list[str]] | None = None
) -> Fallback | None:
    """The clause's fallback whose declaration best matches the change, or None when none matches.

    `values` gives, per declared deal term (`terms.<path>`), how the deal's value prints in the text.
    """
    changed = _stem(set(_words(_changed_text(before, after))))
    paragraph = _stem(set(_words(before + " " + after)))
    removed = _removed(before, after)
    scored = [
        (_score(f, changed, paragraph, removed, values or {}), index, f)
        for index, f in enumerate(clause.meta.fallbacks)
    ]
    best = max(scored, key=lambda item: (item[0], -item[1]), default=None)
    if best is None or best[0] == 0:
        return None
    return best[2]
