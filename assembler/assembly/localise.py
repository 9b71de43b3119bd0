"""Localisation: Legal's text in the spelling and date style of the document's jurisdiction profile.

Only library text outside Jinja tags and cross-references is touched, never a deal value. The profile also
gives clauses their `jurisdiction.*` values (law, courts, seat, boilerplate switches).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from assembler.deals.contract import Deal
from assembler.library.jurisdictions import Profile, SpellingPair, Variant, spelling_pairs
from assembler.library.loader import Clause, Library
from assembler.library.schemas import Document


def _case_like(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower()


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)  # phrases before their words
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ordered) + r")(?![\w-])", re.I)


@functools.cache
def _replacer(
    pairs: tuple[SpellingPair, ...], variant: Variant
) -> tuple[re.Pattern[str], dict[str, str]] | None:
    if variant == "us":
        mapping = {p.uk.lower(): p.us for p in pairs}
    else:
        mapping = {p.us.lower(): p.uk for p in pairs if p.to_uk}
    if not mapping:
        return None
    return _words_pattern(list(mapping)), mapping


def _localise_plain(text: str, library: Library, variant: Variant) -> str:
    replacer = _replacer(spelling_pairs(library), variant)
    if replacer is None:
        return text
    pattern, mapping = replacer

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        target = mapping[found.lower()]
        # Keep the capitals of each word of the text found ("Licence Fee" → "License Fee").
        return " ".join(
            _case_like(old, new) for old, new in zip(found.split(" "), target.split(" "), strict=False)
        )

    return pattern.sub(swap, text)


# Jinja tags and cross-references are code, not prose: never localised.
_PROTECTED = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\[\[ref:[^\]]*\]\]", re.S)


def localise(text: str, library: Library, variant: Variant) -> str:
    """Library text (a clause body, a title) in the given spelling variant; Jinja and references untouched."""
    out: list[str] = []
    last = 0
    for match in _PROTECTED.finditer(text):
        out.append(_localise_plain(text[last : match.start()], library, variant))
        out.append(match.group(0))
        last = match.end()
    out.append(_localise_plain(text[last:], library, variant))
    return "".join(out)


def localise_document(document: Document, library: Library, profile: Profile) -> Document:
    """The document with its title in the profile's spelling."""
    return document.model_copy(update={"title": localise(document.title, library, profile.spelling)})


def localise_clause(clause: Clause, library: Library, profile: Profile) -> Clause:
    """The clause with its title, defined terms and body in the profile's spelling."""
    meta = clause.meta.model_copy(
        update={
            "title": localise(clause.meta.title, library, profile.spelling),
            "defines": [localise(term, library, profile.spelling) for term in clause.meta.defines],
        }
    )
    return Clause(meta=meta, body=localise(clause.body, library, profile.spelling), path=clause.path)


def localised_terms(library: Library, profile: Profile) -> dict[str, str]:
    """The library's defined terms (term → defining clause) as the profile spells them."""
    return {localise(term, library, profile.spelling): cid for term, cid in library.defined_terms.items()}


def other_variant_words(text: str, library: Library, variant: Variant) -> dict[str, int]:
    """Words of the other spelling variant in `text` (lower-cased word → count)."""
    pairs = spelling_pairs(library)
    wrong = [p.uk for p in pairs] if variant == "us" else [p.us for p in pairs if p.to_uk]
    found: dict[str, int] = {}
    if not wrong:
        return found
    pattern = _words_pattern([w.lower() for w in wrong])
    for match in pattern.finditer(" ".join(text.split())):
        word = match.group(1).lower()
        found[word] = found.get(word, 0) + 1
    return dict(sorted(found.items()))


_ANCHORS = re.compile(r"\{[#.][^}]*\}|::: ?\{[^}]*\}|\[\[ref:[^\]]*\]\]")


def visible_text(markdown: str) -> str:
    """Assembled Markdown without its anchors and style attributes (which hold clause ids, not prose)."""
    return _ANCHORS.sub(" ", markdown)


def format_date(value: dt.date, style: Variant) -> str:
    """A date as the profile writes it: "1 October 2026" (uk) or "October 1, 2026" (us)."""
    if style == "uk":
        return f"{value.day} {value:%B} {value.year}"
    return f"{value:%B} {value.day}, {value.year}"


def localise_dates(value: Any, style: Variant) -> Any:
    """The clause context with every date already written in the profile's style."""
    if isinstance(value, dt.date):
        return format_date(value, style)
    if isinstance(value, dict):
        return {k: localise_dates(v, style) for k, v in value.items()}
    if isinstance(value, list):
        return [localise_dates(v, style) for v in value]
    return value


def long_date_filter(style: Variant) -> Callable[[Any], str]:
    """The `long_date` Jinja filter for the profile: dates already localised pass through unchanged."""

    def long_date(value: Any) -> str:
        return value if isinstance(value, str) else format_date(value, style)

    return long_date


CONTEXT_FIELDS = (
    "id",
    "spelling",
    "law_name",
    "courts",
    "arbitration_seat",
    "third_party_act",
    "jury_waiver",
    "subject_to_contract",
)


def context_paths() -> set[str]:
    """The `jurisdiction.*` names a clause may read (for `library lint`)."""
    return {"jurisdiction", *(f"jurisdiction.{name}" for name in CONTEXT_FIELDS)}


def clause_values(deal: Deal, profile: Profile) -> dict[str, Any]:
    """`jurisdiction.*` for clauses: the profile, with the deal's own words where the profile has none."""
    law = deal.terms.governing_law
    return {
        "id": profile.id,
        "spelling": profile.spelling,
        "law_name": profile.law_name or law,
        "courts": profile.courts or f"the courts of {law}",
        "arbitration_seat": deal.terms.arbitration_seat or profile.arbitration_seat or law,
        "third_party_act": profile.third_party_act,
        "jury_waiver": profile.jury_waiver,
        "subject_to_contract": profile.subject_to_contract,
    }
