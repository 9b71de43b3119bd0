"""The negotiation picture of a deal: findings, the concession ledger from git, and negotiation.md.

`check` and `status` are built from here; the rules themselves live in playbook.py (pure) and the library.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assembler.assembly.assemble import AssembledDocument
from assembler.assembly.markdown import as_text, cell, money, table
from assembler.assembly.wording import wording_changes
from assembler.deals.contract import Deal, deal_changes
from assembler.errors import BadInputError
from assembler.library.loader import Library
from assembler.playbook.economics import jv_scenarios, package_text, suggested_response
from assembler.playbook.findings import Finding, MilestoneState, PositionRating, Progress, position_score
from assembler.playbook.positions import move_favours

__all__ = ["Concession", "DealState", "concession_ledger", "negotiation_markdown", "suggested_response"]


def today_from(value: dt.date | None) -> dt.date:
    """The day the clock reads: --today, else ASSEMBLER_TODAY (YYYY-MM-DD), else the system date."""
    if value is not None:
        return value
    pinned = os.environ.get("ASSEMBLER_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise BadInputError(f"ASSEMBLER_TODAY={pinned!r} is not a date; use YYYY-MM-DD") from None
    return dt.date.today()


@dataclass(frozen=True)
class Concession:
    """One term that moved between two rounds: by how much, and whom the move favours."""

    from_label: str
    to_label: str
    term: str
    old: Any
    new: Any
    delta: Decimal | None
    toward: str  # whom the move favours: "us" | "partner" | "-" (no direction known)


@dataclass(frozen=True)
class DealState:
    """Everything known of a deal on a day: the assembled stage document, findings, plan and ledger."""

    deal_id: str
    deal: Deal
    assembled: AssembledDocument
    findings: list[Finding]
    ratings: list[PositionRating]
    plan: list[MilestoneState]
    ledger: list[Concession]
    progress: Progress
    latest_round: int | None
    today: dt.date
    target_days: int = 60  # the deal's T in "day N of T"


def concession_ledger(deal: Deal, library: Library, history: list[tuple[str, str]]) -> list[Concession]:
    """Term moves between consecutive rounds (`history`: (round label, deal.yaml text) oldest first)."""
    scales = library.position_rules.scales
    ledger = []
    for (old_label, old_text), (new_label, new_text) in itertools.pairwise(history):
        for path, old, new in deal_changes(old_text, new_text):
            if not path.startswith("terms."):
                continue
            term = path.removeprefix("terms.")
            old_score, new_score = position_score(term, old, scales), position_score(term, new, scales)
            delta = new_score - old_score if old_score is not None and new_score is not None else None
            ranked = term in scales or term.split(".")[-1] in scales  # a move along a word scale has no size
            toward = "-" if delta is None else move_favours(term, delta, deal, library)
            ledger.append(Concession(old_label, new_label, term, old, new, None if ranked else delta, toward))
        for path, old, new in wording_changes(old_text, new_text):  # wording moves next to term moves
            ledger.append(
                Concession(
                    old_label, new_label, path, old or "library text", new or "library text", None, "-"
                )
            )
    return ledger


def _moved(delta: Decimal | None) -> str | None:
    """How far a term moved, signed ("+2", "-1.5"); None when it is not a number."""
    if delta is None:
        return None
    return f"+{as_text(delta)}" if delta > 0 else as_text(delta)


def negotiation_markdown(state: DealState, library: Library) -> str:
    """agreements/<deal>/negotiation.md: positions, BATNA, concessions, open asks with suggested responses."""
    deal, rules = state.deal, library.position_rules
    lines = [f"# Negotiation: {cell(deal.partner.name)} ({state.deal_id})", ""]
    lines += ["## Positions", ""]
    lines += table(
        ["Term", "Current", "Rating", "Ideal", "Target", "Minimum"],
        (
            [r.term, r.value, rules.ratings[r.rating] if r.rating else None, r.ideal, r.target, r.minimum]
            for r in state.ratings
        ),
    )
    batna = deal.positions.batna
    lines += [
        "",
        f"BATNA: {cell(batna.description)} (strength: {batna.strength})" if batna else "BATNA: not recorded",
        "",
    ]
    lines += ["## Concession ledger", ""]
    if state.ledger:
        lines += table(
            ["From", "To", "Term", "Old", "New", "Moved by", "Favours"],
            (
                [c.from_label, c.to_label, c.term, c.old, c.new, _moved(c.delta), c.toward]
                for c in state.ledger
            ),
        )
    else:
        lines.append("No term has moved between committed rounds yet.")
    lines += ["", "## Open asks", ""]
    if deal.asks:
        lines += table(
            ["Ask", "Detail", "Suggested response"],
            ([ask.kind, ask.detail, suggested_response(deal, library, ask.kind)] for ask in deal.asks),
        )
    else:
        lines.append("No open counterparty asks.")
    lines += economics_markdown(deal, library)
    return "\n".join(lines) + "\n"


def economics_markdown(deal: Deal, library: Library) -> list[str]:
    """The computed economics: the package value behind a fee ask, and a JV's three revenue scenarios."""
    lines: list[str] = []
    if any(ask.kind == "higher-referral-fee" for ask in deal.asks):
        lines += ["", "## Total package value", "", cell(package_text(deal, library))]
    if deal.terms.joint_venture is not None:
        lines += ["", "## Revenue scenarios", ""]
        scenarios = jv_scenarios(deal)
        if not scenarios:
            lines.append(cell(library.economics.messages["no_jv_revenue"]))
        else:
            cur = deal.terms.currency
            lines += table(
                ["Scenario", "Revenue", "Company", "Partner"],
                (
                    [s.name, money(s.revenue, cur), money(s.company, cur), money(s.partner, cur)]
                    for s in scenarios
                ),
            )
    return lines
