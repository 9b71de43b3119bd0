"""Defined terms: every capitalised term the library defines must be defined in the document that uses it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assembler.errors import AssemblyError
from assembler.library.loader import Clause


@dataclass(frozen=True)
class TermReport:
    """Defined terms of one document: used without a definition in it, or defined and never used."""

    undefined: dict[str, list[str]]  # term → clause files that use it without a definition in the document
    unused: list[str]  # defined in the document but never used after the definition


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(terms), key=len, reverse=True)  # longest first: "Customer Data" before "Customer"
    if not ordered:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in ordered) + r")(?![\w-])")


def _plain(markdown_text: str) -> str:
    """Markdown text without escapes and emphasis markers, so terms match as a reader sees them."""
    return re.sub(r"\\(.)", r"\1", markdown_text).replace("**", "").replace("*", "")


def check_terms(placed: list[tuple[Clause, str]], library_terms: dict[str, str]) -> TermReport:
    """Find library-defined terms used in the document without a definition in it, and unused definitions.

    `placed` holds each clause of the document with its rendered text; `library_terms` maps every term any
    clause of the library defines to that clause's id.
    """
    # A term counts as defined only where its definition is actually printed (a clause may define a term
    # inside a branch that this deal does not render).
    defined_here = {
        term
        for clause, text in placed
        for term in clause.meta.defines
        if f'"{term}"' in _plain(text) or f"\u201c{term}\u201d" in _plain(text)
    }
    pattern = _pattern(library_terms)
    counts: dict[str, int] = dict.fromkeys(defined_here, 0)
    undefined: dict[str, list[str]] = {}
    for clause, text in placed:
        plain = _plain(text)
        if pattern is None:
            break
        for match in pattern.finditer(plain):
            term = match.group(1)
            if term in defined_here:
                counts[term] += 1
            elif str(clause.path) not in undefined.setdefault(term, []):
                undefined[term].append(str(clause.path))
    # A term counted once appears only where it is defined.
    unused = sorted(term for term, count in counts.items() if count <= 1)
    return TermReport(undefined, unused)


def require_defined(report: TermReport, library_terms: dict[str, str], document_title: str) -> None:
    """Raise AssemblyError naming each term the document uses but none of its clauses defines."""
    if not report.undefined:
        return
    lines = [
        f'{files[0]}: uses the defined term "{term}", which no clause of this {document_title} defines '
        f"(it is defined in clause {library_terms[term]!r}); add that clause or reword"
        for term, files in sorted(report.undefined.items())
    ]
    raise AssemblyError("\n".join(lines))
