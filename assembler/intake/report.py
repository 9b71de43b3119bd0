"""The triage report of a counterparty's returned draft: numbered changes, comments, responses."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from assembler.assembly.markdown import cell, table
from assembler.intake.comments import ReceivedComment

Class = Literal["critical", "negotiable", "acceptable"]


CLASS_ORDER = {"critical": 0, "negotiable": 1, "acceptable": 2}


@dataclass(frozen=True)
class TriageItem:
    """One triaged change of a returned document: its number, class, reason and suggested response."""

    place: str  # the clause (or page) title
    clause_id: str
    kind: str
    before: str
    after: str
    klass: Class
    reason: str
    response: str
    claimed: str  # the authors and dates the file claims (not trusted)
    number: int = 0  # 1, 2, 3 ... in document order; `accept` takes changes by these numbers
    suggestion: str | None = None  # the library fallback that answers the change, if one does


def snippet(before: str, after: str, limit: int = 160) -> str:
    """What changed, as `−old +new` word runs (the whole paragraph is in the received file)."""
    old, new = before.split(), after.split()
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            pieces.append("\u2212\u201c" + " ".join(old[i1:i2]) + "\u201d")
        if tag in ("replace", "insert"):
            pieces.append("+\u201c" + " ".join(new[j1:j2]) + "\u201d")
    text = " ".join(pieces) or "(formatting only)"
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def summary(items: list[TriageItem], identical: bool) -> str:
    """One line: how many changes of each class."""
    if identical:
        return "No changes: the file is byte-identical to the round we sent."
    if not items:
        return "No changes found."
    counts = {k: sum(1 for i in items if i.klass == k) for k in CLASS_ORDER}
    return (
        f"{len(items)} change(s): {counts['critical']} critical, {counts['negotiable']} negotiable, "
        f"{counts['acceptable']} acceptable."
    )


def triage_markdown(
    title: str,
    deal_id: str,
    round_number: int,
    label: str,
    sender: str,
    sha: str,
    items: list[TriageItem],
    identical: bool,
    comments: list[ReceivedComment] | None = None,
    places: dict[str, str] | None = None,
) -> str:
    """The triage report: every change by number, then the comments by clause."""
    lines = [
        f"# Triage: {title}, round {round_number} as returned by the counterparty",
        "",
        f"- Deal: {deal_id}",
        f"- Received file: {cell(label)} (sha256 {sha})",
        f"- Received from: {cell(sender)}",
        f"- {summary(items, identical)}",
        "",
        "Authors and dates are as the file claims them; they are not verified.",
        "",
    ]
    if items:
        lines += [
            "Accept changes by number: `assembler accept " + deal_id + " N [N ...]`.",
            "",
        ]
        lines += table(
            ["#", "Clause", "Change", "Class", "Reason", "Suggested response", "Claimed by"],
            (
                [
                    item.number,
                    item.place,
                    f"{item.kind}: {snippet(item.before, item.after)}",
                    item.klass,
                    item.reason,
                    item.response,
                    item.claimed,
                ]
                for item in items
            ),
        )
    if comments:
        lines += ["", "## Comments", ""]
        lines += table(
            ["#", "Clause", "Author", "Date", "Comment"],
            (
                [
                    c.number,
                    (places or {}).get(c.place, c.place or "Start of document"),
                    c.author,
                    c.date,
                    c.text,
                ]
                for c in comments
            ),
        )
    return "\n".join(lines) + "\n"
