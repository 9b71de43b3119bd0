"""Redlines between two rounds: real Word tracked changes (python-redlines, Docxodus engine) and a
per-clause change summary from the rounds' Markdown twins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assembler.assembly.markdown import Inline, cell, code, table

_SECTION = re.compile(
    r"^(?:# (?P<title>.+?) \{#(?P<id>[a-z0-9-]+)\}|::: \{\.unnumbered #(?P<uid>[a-z0-9-]+)\})$", re.M
)


@dataclass(frozen=True)
class ClauseChange:
    """A clause whose text differs between two Markdown twins: changed, inserted or removed."""

    clause_id: str
    title: str
    kind: str  # changed | inserted | removed


def clause_sections(markdown: str) -> dict[str, tuple[str, str]]:
    """Clause id → (title, text) from an assembled Markdown twin, in document order."""
    sections: dict[str, tuple[str, str]] = {}
    matches = list(_SECTION.finditer(markdown))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(markdown)
        clause_id = match.group("id") or match.group("uid")
        title = (match.group("title") or clause_id).replace("\\", "")
        sections[clause_id] = (title, markdown[match.end() : end].strip())
    return sections


def clause_changes(old_markdown: str, new_markdown: str) -> list[ClauseChange]:
    """The clauses changed, inserted or removed between two rounds' Markdown twins."""
    old, new = clause_sections(old_markdown), clause_sections(new_markdown)
    changes = []
    for clause_id, (title, text) in new.items():
        if clause_id not in old:
            changes.append(ClauseChange(clause_id, title, "inserted"))
        elif old[clause_id][1] != text:
            changes.append(ClauseChange(clause_id, title, "changed"))
    changes += [ClauseChange(cid, old[cid][0], "removed") for cid in old if cid not in new]
    return changes


def summary_markdown(
    document_title: str,
    old_round: int,
    new_round: int,
    changes: list[ClauseChange],
    sources: dict[str, str] | None = None,
) -> str:
    """The per-clause change summary; `sources` names the deal wording behind a changed clause."""
    lines = [f"# {document_title}: changes from round {old_round} to round {new_round}", ""]
    if not changes:
        lines.append("No clause text changed.")
    elif sources:
        lines += table(
            ["Clause", "Change", "Source"],
            ([_clause(c), c.kind, sources.get(c.clause_id, "clause library")] for c in changes),
        )
    else:
        lines += table(["Clause", "Change"], ([_clause(c), c.kind] for c in changes))
    return "\n".join(lines) + "\n"


def _clause(change: ClauseChange) -> Inline:
    """A clause as the change table names it: its title and, as code, its id."""
    return Inline(f"{cell(change.title)} ({code(change.clause_id)})")


def summary_line(changes: list[ClauseChange]) -> str:
    """A one-line summary of clause changes by kind, as printed by the CLI."""
    if not changes:
        return "no clause text changed"
    parts = []
    for kind in ("changed", "inserted", "removed"):
        titles = [c.title for c in changes if c.kind == kind]
        if titles:
            parts.append(f"{kind}: {', '.join(titles)}")
    return "; ".join(parts)
