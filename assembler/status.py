"""`status`: one row per deal of the portfolio, from the same deal state `check` builds.

One deal that cannot be read (a broken deal file, an unknown model) never hides the others: its row carries
the error instead of the deal's figures. The library is loaded once and the history walked once for the
whole portfolio, so the command's cost grows with the deals' own work, not with deals × history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from assembler.check import deal_state, open_repository
from assembler.deals.contract import Completion
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError
from assembler.library.loader import Library
from assembler.playbook.findings import (
    MilestoneState,
)
from assembler.playbook.negotiation import DealState, today_from
from assembler.signature.after import AfterSignatureItem, after_signature
from assembler.signature.obligations import Obligation, deal_obligations
from assembler.status_cache import open_memory


@dataclass(frozen=True)
class StatusRow:
    """One deal's line in `status`; `error` set means the deal could not be read and the rest is blank."""

    deal_id: str
    partner: str
    model: str
    stage: str
    round: int | None
    day: int
    next_milestone: MilestoneState | None
    blocking: int
    after_signature: list[AfterSignatureItem] | None = None  # None: the stage document is not executed
    target_days: int = 60  # the deal's T in "day N of T"
    error: str | None = None
    obligations: list[Obligation] | None = None  # None: the stage document is not executed
    signed_on: dt.date | None = None


@dataclass(frozen=True)
class Portfolio:
    """What every deal of one command reads alike: the library, loaded once, and the indexed repository
    (None outside a git repository)."""

    library: Library
    repo: Any

    @classmethod
    def open(cls, workspace: Workspace) -> Portfolio:
        """The workspace's library and its repository with the history walked once."""
        return cls(Library(workspace.library_root), open_repository(workspace))


def status_rows(workspace: Workspace, today: dt.date | None = None) -> list[StatusRow]:
    """Every deal's row, in deal id order; a deal that fails to load gets a row naming its error. A row
    whose inputs are unchanged since the last `status` is reused (status_cache)."""
    shared = Portfolio.open(workspace)
    day = today_from(today)
    try:
        signed = shared.library.config.signed_approvals
    except AssemblerError:
        signed = True  # a config that does not load: every deal reports it, nothing is remembered
    memory = open_memory(workspace, shared.repo, signed, day)
    rows = []
    for deal_id in workspace.deal_ids():
        key = memory.key(deal_id) if memory else ""
        remembered = memory.recall(deal_id, key) if memory else None
        if remembered is not None and memory is not None:
            try:
                rows.append(row_from_json(remembered))
                continue
            except (KeyError, TypeError, ValueError):
                memory.forget(deal_id)
        try:
            state = deal_state(workspace, deal_id, today=day, library=shared.library, repo=shared.repo)
            row = status_row(workspace, state, shared)
        except AssemblerError as exc:
            message = " ".join(str(exc.message).split("\n"))
            rows.append(StatusRow(deal_id, "-", "-", "-", None, 0, None, 0, error=message))
            continue
        rows.append(row)
        if memory is not None:
            memory.remember(deal_id, key, row_to_json(row))
    if memory is not None:
        memory.save()
    return rows


def status_row(workspace: Workspace, state: DealState, shared: Portfolio | None = None) -> StatusRow:
    """One deal's row, from the state `check` builds (the site builds its rows with it too)."""
    upcoming = next((m for m in state.plan if m.state not in ("done", "n/a")), None)
    if shared is None:
        executed = after_signature(workspace, state.deal_id, state.deal)
    else:
        executed = (
            after_signature(workspace, state.deal_id, state.deal, shared.library, shared.repo)
            if shared.repo is not None
            else None
        )
    library, repo = (shared.library, shared.repo) if shared else (None, None)
    return StatusRow(
        state.deal_id,
        state.deal.partner.name,
        state.deal.model,
        "executed" if executed else state.deal.stage,
        state.latest_round,
        (state.today - state.deal.mutual_interest_date).days,
        upcoming,
        sum(1 for f in state.findings if f.severity == "blocking"),
        executed.items if executed else None,
        target_days=state.target_days,
        obligations=deal_obligations(workspace, state.deal_id, state.deal, executed, library, repo)
        if executed
        else None,
        signed_on=executed.execution.signed_on if executed else None,
    )


def row_to_json(row: StatusRow) -> dict[str, Any]:
    """A row as JSON data (dates as ISO text, a completion as its JSON), for status_cache."""
    data = asdict(row)
    if row.next_milestone is not None:
        data["next_milestone"]["due"] = row.next_milestone.due.isoformat()
    if row.after_signature is not None:
        data["after_signature"] = [
            {
                "id": item.id,
                "text": item.text,
                "due": item.due.isoformat(),
                "done": item.done.model_dump_json() if item.done is not None else None,
            }
            for item in row.after_signature
        ]
    if row.obligations is not None:
        data["obligations"] = [{**asdict(o), "due": o.due.isoformat()} for o in row.obligations]
    data["signed_on"] = row.signed_on.isoformat() if row.signed_on else None
    return data


def row_from_json(data: dict[str, Any]) -> StatusRow:
    """The row `row_to_json` wrote."""
    milestone, after, obligations = data["next_milestone"], data["after_signature"], data["obligations"]
    return StatusRow(
        data["deal_id"],
        data["partner"],
        data["model"],
        data["stage"],
        data["round"],
        data["day"],
        None if milestone is None else MilestoneState(**{**milestone, "due": _day(milestone["due"])}),
        data["blocking"],
        None
        if after is None
        else [
            AfterSignatureItem(
                item["id"],
                item["text"],
                _day(item["due"]),
                None if item["done"] is None else Completion.model_validate_json(item["done"]),
            )
            for item in after
        ],
        target_days=data["target_days"],
        error=data["error"],
        obligations=None
        if obligations is None
        else [Obligation(**{**o, "due": _day(o["due"])}) for o in obligations],
        signed_on=None if data["signed_on"] is None else _day(data["signed_on"]),
    )


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
