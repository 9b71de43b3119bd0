"""Red-flag language as data (rules/red-flag-patterns.yaml), shared by `library lint` and the triage of
returned drafts."""

from __future__ import annotations

import functools
import re
from typing import Annotated

from pydantic import Field, field_validator

from assembler.deals.contract import Strict
from assembler.errors import LibraryError
from assembler.library.loader import Library
from assembler.library.schemas import CLAUSE_ID

PATTERNS_FILE = "rules/red-flag-patterns.yaml"


_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


PatternId = Annotated[str, Field(pattern=CLAUSE_ID)]


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class RedFlagPattern(Strict):
    """Language that signals a red flag (a rule of rules/red-flags.yaml), as a case-insensitive regex."""

    id: PatternId
    rule: PatternId
    pattern: str
    description: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            _compiled(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    def search(self, text: str) -> re.Match[str] | None:
        """The first match of the pattern in `text`, or None."""
        return _compiled(self.pattern).search(text)


class PatternExemption(Strict):
    """A reviewed, legitimate occurrence of a pattern in one clause of the library."""

    clause: PatternId
    pattern: PatternId
    reason: Annotated[str, Field(min_length=1)]


class RedFlagPatterns(Strict):
    """The red-flag patterns file (rules/red-flag-patterns.yaml): patterns and allowed exemptions."""

    patterns: list[RedFlagPattern]
    allow: list[PatternExemption] = []

    def matches(self, text: str) -> list[tuple[RedFlagPattern, str]]:
        """Every pattern found in `text` (read as `plain_text`), with the first passage it matched."""
        plain = plain_text(text)
        found = []
        for item in self.patterns:
            match = item.search(plain)
            if match:
                found.append((item, match.group(0)))
        return found


def load_red_flag_patterns(library: Library) -> RedFlagPatterns:
    """rules/red-flag-patterns.yaml, validated: unique ids, regexes that compile, known red-flag rules."""
    path = library.root / PATTERNS_FILE
    source = f"{library.label}/{PATTERNS_FILE}"
    if not path.exists():
        raise LibraryError(f"{source}: missing; it lists the red-flag language the library is checked for")
    patterns = library.data_file(RedFlagPatterns, PATTERNS_FILE)
    rules = {flag.id for flag in library.red_flags.red_flags}
    seen: set[str] = set()
    for item in patterns.patterns:
        if item.id in seen:
            raise LibraryError(
                f"{source}: pattern id {item.id!r} is used twice; give each pattern its own id"
            )
        seen.add(item.id)
        if item.rule not in rules:
            raise LibraryError(
                f"{source}: pattern {item.id}: rule {item.rule!r} is not a red flag of "
                f"{library.label}/rules/red-flags.yaml; use one of {', '.join(sorted(rules))}"
            )
    return patterns


def plain_text(text: str) -> str:
    """Text as a reader sees it, for pattern matching: no Jinja tags, Markdown emphasis or escapes, and
    whitespace collapsed (a phrase may be wrapped over lines)."""
    text = _JINJA_TAG.sub(" ", text)
    text = re.sub(r"\*+|\\(?=[^\s\w])", "", text)
    return " ".join(text.split())
