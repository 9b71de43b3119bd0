"""`status`: one row per deal of the portfolio, from the same deal state `check` builds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assembler.check import deal_state
from assembler.deals.layout import Workspace
from assembler.playbook.findings import (
    MilestoneState,
)
from assembler.signature.after import AfterSignatureItem, after_signature


@dataclass(frozen=True)
class StatusRow:
    """A deal's line in `status`: partner, model, stage, latest round, day, next milestone, blockers."""

    deal_id: str
    partner: str
    model: str
    stage: str
    round: int | None
    day: int
    next_milestone: MilestoneState | None
    blocking: int
    after_signature: list[AfterSignatureItem] | None = None  # None: the stage document is not executed


def status_rows(workspace: Workspace, today: dt.date | None = None) -> list[StatusRow]:
    """The `status` row of every deal in the workspace on `today` (default: ASSEMBLER_TODAY, else now)."""
    rows = []
    for deal_id in workspace.deal_ids():
        state = deal_state(workspace, deal_id, today=today)
        upcoming = next((m for m in state.plan if m.state not in ("done", "n/a")), None)
        executed = after_signature(workspace, deal_id, state.deal)
        rows.append(
            StatusRow(
                deal_id,
                state.deal.partner.name,
                state.deal.model,
                "executed" if executed else state.deal.stage,
                state.latest_round,
                (state.today - state.deal.mutual_interest_date).days,
                upcoming,
                sum(1 for f in state.findings if f.severity == "blocking"),
                executed.items if executed else None,
            )
        )
    return rows
