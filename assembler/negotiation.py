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

from .assemble import AssembledDocument, assemble
from .atomic_write import write_files_atomically
from .deal import Deal, deal_changes
from .errors import AssemblerError
from .library import Library
from .markdown import as_text
from .playbook import (
    Finding,
    MilestoneState,
    PositionRating,
    Progress,
    evaluate,
    position_score,
    rate_positions,
    week_plan,
)
from .signature import AfterSignatureItem, after_signature
from .validate import choose_document, load_valid_deal
from .workspace import Workspace


def today_from(value: dt.date | None) -> dt.date:
    """The day the clock reads: --today, else ASSEMBLER_TODAY (YYYY-MM-DD), else the system date."""
    if value is not None:
        return value
    pinned = os.environ.get("ASSEMBLER_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise AssemblerError(f"ASSEMBLER_TODAY={pinned!r} is not a date; use YYYY-MM-DD") from None
    return dt.date.today()


@dataclass(frozen=True)
class Concession:
    """One term that moved between two rounds: by how much, and toward whom."""

    from_label: str
    to_label: str
    term: str
    old: Any
    new: Any
    delta: Decimal | None
    toward: str  # "us" | "partner" | "-" (no positions to tell)


@dataclass(frozen=True)
class DealState:
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


def _repository(workspace: Workspace) -> Any:
    from .repository import Repository, RepositoryError

    try:
        return Repository(workspace.root)
    except RepositoryError:
        return None  # not a repository: no rounds, no ledger


def concession_ledger(deal: Deal, library: Library, history: list[tuple[str, str]]) -> list[Concession]:
    """Term moves between consecutive rounds (`history`: (round label, deal.yaml text) oldest first)."""
    scales = library.position_rules.scales
    positions = deal.positions
    ledger = []
    for (old_label, old_text), (new_label, new_text) in itertools.pairwise(history):
        for path, old, new in deal_changes(old_text, new_text):
            if not path.startswith("terms."):
                continue
            term = path.removeprefix("terms.")
            old_score, new_score = position_score(term, old, scales), position_score(term, new, scales)
            delta = new_score - old_score if old_score is not None and new_score is not None else None
            ranked = term in scales or term.split(".")[-1] in scales  # a move along a word scale has no size
            ideal, minimum = positions.ideal.get(term), positions.minimum.get(term)
            toward = "-"
            if delta is not None and delta != 0 and ideal is not None and minimum is not None:
                best, worst = position_score(term, ideal, scales), position_score(term, minimum, scales)
                if best is not None and worst is not None and best != worst:
                    toward = "us" if (delta > 0) == (best > worst) else "partner"
            ledger.append(Concession(old_label, new_label, term, old, new, None if ranked else delta, toward))
    return ledger


def deal_state(
    workspace: Workspace, deal_id: str, document_id: str | None = None, today: dt.date | None = None
) -> DealState:
    """Everything `check` reports about one deal, from the deal file, the library and git."""
    from .rounds import latest_round, rounds

    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    document_id = choose_document(deal, library, document_id)
    assembled = assemble(deal, deal_id, library, document_id)
    day = today_from(today)
    repo = _repository(workspace)
    found = rounds(repo, deal_id) if repo is not None else []
    kinds = {r.document_id: library.document(r.document_id).kind for r in found}
    executed = repo is not None and any(tag.endswith("/executed") for tag in repo.tags(f"{deal_id}/"))
    progress = Progress(
        preliminary_rounds=sum(1 for r in found if kinds[r.document_id] == "preliminary"),
        agreement_rounds=sum(1 for r in found if kinds[r.document_id] == "agreement"),
        executed=executed,
    )
    latest = latest_round(repo, deal_id, document_id) if repo is not None else None
    history = [
        (
            f"{r.document_id} r{r.number}",
            (repo.read_blob(r.commit, f"agreements/{deal_id}/deal.yaml") or b"").decode(),
        )
        for r in found
    ]
    findings = evaluate(deal, library, assembled, today=day, progress=progress, first_round=latest is None)
    return DealState(
        deal_id,
        deal,
        assembled,
        findings,
        rate_positions(deal, library),
        week_plan(deal, library, day, progress),
        concession_ledger(deal, library, history),
        progress,
        latest.number if latest else None,
        day,
    )


def _cell(value: Any) -> str:
    return "-" if value is None else as_text(value).replace("|", "\\|")


def negotiation_markdown(state: DealState, library: Library) -> str:
    """agreements/<deal>/negotiation.md: positions, BATNA, concessions, open asks with suggested responses."""
    deal, rules = state.deal, library.position_rules
    lines = [f"# Negotiation: {_cell(deal.partner.name)} ({state.deal_id})", ""]
    lines += [
        "## Positions",
        "",
        "| Term | Current | Rating | Ideal | Target | Minimum |",
        "|---|---|---|---|---|---|",
    ]
    for r in state.ratings:
        rating = rules.ratings[r.rating] if r.rating else "-"
        cells = [r.term, _cell(r.value), rating, _cell(r.ideal), _cell(r.target), _cell(r.minimum)]
        lines.append("| " + " | ".join(cells) + " |")
    batna = deal.positions.batna
    lines += [
        "",
        f"BATNA: {_cell(batna.description)} (strength: {batna.strength})" if batna else "BATNA: not recorded",
        "",
    ]
    lines += ["## Concession ledger", ""]
    if state.ledger:
        lines += ["| From | To | Term | Old | New | Moved by | Toward |", "|---|---|---|---|---|---|---|"]
        for c in state.ledger:
            moved = "-" if c.delta is None else (f"+{as_text(c.delta)}" if c.delta > 0 else as_text(c.delta))
            cells = [c.from_label, c.to_label, c.term, _cell(c.old), _cell(c.new), moved, c.toward]
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("No term has moved between committed rounds yet.")
    lines += ["", "## Open asks", ""]
    if deal.asks:
        lines += ["| Ask | Detail | Suggested response |", "|---|---|---|"]
        for ask in deal.asks:
            lines.append(
                f"| {ask.kind} | {_cell(ask.detail)} | {_cell(suggested_response(deal, library, ask.kind))} |"
            )
    else:
        lines.append("No open counterparty asks.")
    return "\n".join(lines) + "\n"


def suggested_response(deal: Deal, library: Library, kind: str) -> str:
    objection = library.objections.objections.get(kind) or library.objections.objections["other"]
    registration = deal.terms.deal_registration
    target_fee = deal.positions.target.get("referral_fee_pct", deal.terms.referral_fee_pct)
    values = {
        "target_fee": "-" if target_fee is None else f"{as_text(target_fee)}%",
        "protection_days": registration.protection_days if registration else "-",
        "approval_sla": registration.approval_sla_business_hours if registration else "-",
    }
    return objection.response.format(**values)


def write_negotiation_report(workspace: Workspace, state: DealState, library: Library) -> str:
    path = workspace.deal_dir(state.deal_id) / "negotiation.md"
    write_files_atomically({path: negotiation_markdown(state, library).encode("utf-8")})
    return workspace.relative(path)


@dataclass(frozen=True)
class StatusRow:
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
