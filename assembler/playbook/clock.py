"""The clock from evidence: what git and deal.yaml show of a deal, the week plan, and the clock findings.

A milestone is done only when its evidence exists (negotiation/timeline.yaml says which): a committed round,
an ingest commit, an execution, or an `events:` entry in deal.yaml. Nothing is inferred from a later step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assembler.assembly.markdown import as_text
from assembler.deals.contract import Approval, Deal, Event
from assembler.library.loader import Library
from assembler.library.plan import clock_points, planned_dates, printed_dates, slip_days, target_days
from assembler.library.schemas import Document
from assembler.playbook.finding import Finding

if TYPE_CHECKING:
    from assembler.rounds.git import Repository

PRELIMINARY_FIRST = "preliminary-first"


@dataclass(frozen=True)
class Progress:
    """What git shows of the deal: used to mark milestones reached."""

    preliminary_rounds: int = 0
    agreement_rounds: int = 0
    executed: bool = False  # a substantive agreement is executed
    preliminary_executed: bool = False  # a preliminary document is executed (`sign`)
    agreement_ingests: int = 0  # counterparty redlines of the agreement ingested and triaged
    rounds_after_ingest: int = 0  # agreement rounds committed after the first ingest


def progress_from_git(repo: Repository | None, deal_id: str, library: Library) -> Progress:
    """Count the deal's rounds, ingests and executions from commit trailers (oldest first)."""
    from assembler.rounds.round import parse_round

    if repo is None:
        return Progress()
    counts = {"preliminary": 0, "agreement": 0, "ingests": 0, "after": 0}
    executed = {"preliminary": False, "agreement": False}
    for commit, found in reversed(repo.log_trailers(f"agreements/{deal_id}/")):
        if found.get("Deal") != deal_id or found.get("Document") not in library.documents:
            continue
        kind = library.document(found["Document"]).kind
        if "Executed-On" in found:
            executed[kind] = True
        elif "Received-SHA256" in found:
            counts["ingests"] += kind == "agreement"
        elif parse_round(commit, found) is not None:
            counts[kind] += 1
            counts["after"] += kind == "agreement" and counts["ingests"] > 0
    return Progress(
        preliminary_rounds=counts["preliminary"],
        agreement_rounds=counts["agreement"],
        executed=executed["agreement"],
        preliminary_executed=executed["preliminary"],
        agreement_ingests=counts["ingests"],
        rounds_after_ingest=counts["after"],
    )


def _event(deal: Deal, kind: str) -> Event | None:
    return next((e for e in deal.events if e.kind == kind), None)


def reached(evidence: str | None, deal: Deal, progress: Progress) -> bool:
    """Whether the evidence a milestone names exists."""
    return {
        "preliminary-signed": progress.preliminary_executed or _event(deal, "preliminary-signed") is not None,
        "agreement-round": progress.agreement_rounds > 0,
        "agreement-ingest": progress.agreement_ingests > 0,
        "negotiation-call": _event(deal, "negotiation-call") is not None,
        "round-after-ingest": progress.rounds_after_ingest > 0,
        "final-approval": _event(deal, "final-approval") is not None,
        "executed": progress.executed,
        "kickoff": _event(deal, "kickoff") is not None,
    }.get(evidence or "", False)


def preliminary_waiver(deal: Deal) -> Approval | None:
    """The CPO sign-off (with a reason) that lets the deal start at the agreement."""
    return next(
        (
            a
            for a in deal.approvals
            if a.role == "CPO" and PRELIMINARY_FIRST in a.covers and a.reason is not None
        ),
        None,
    )


@dataclass(frozen=True)
class MilestoneState:
    """A milestone of the deal's plan with its due date and its state on a given day."""

    id: str
    week: int
    title: str
    due: dt.date
    state: Literal["done", "n/a", "overdue", "due", "upcoming"]


def week_plan(deal: Deal, library: Library, today: dt.date, progress: Progress) -> list[MilestoneState]:
    """The week plan with each milestone's due date (scaled to the deal's target) and state. A milestone is
    done only with its evidence; the preliminary milestone does not apply when the CPO waived it."""
    dates = planned_dates(deal, library)
    waived = preliminary_waiver(deal) is not None and progress.preliminary_rounds == 0
    plan = []
    for milestone in library.timeline.milestones:
        due = dates[milestone.id]
        state: Literal["done", "n/a", "overdue", "due", "upcoming"]
        if reached(milestone.evidence, deal, progress):
            state = "done"
        elif milestone.evidence == "preliminary-signed" and waived:
            state = "n/a"
        elif due < today:
            state = "overdue"
        elif due - today <= dt.timedelta(days=7):
            state = "due"
        else:
            state = "upcoming"
        plan.append(MilestoneState(milestone.id, milestone.week, milestone.title, due, state))
    return plan


def day_number(deal: Deal, today: dt.date) -> int:
    """The days since mutual interest (day 0 of the negotiation timeline)."""
    return (today - deal.mutual_interest_date).days


def clock_findings(
    deal: Deal, library: Library, today: dt.date, progress: Progress, document: Document | None = None
) -> list[Finding]:
    """Days since mutual interest against the deal's target, and the target/escalation/stale warnings
    (the escalation and stale points move with the target). The clock informs; it never blocks."""
    timeline = library.timeline
    day = day_number(deal, today)
    target = target_days(deal, library)
    escalation, stale = clock_points(deal, library)
    values = {
        "day": day,
        "target_days": target,
        "start": as_text(deal.mutual_interest_date),
        "target_date": as_text(deal.mutual_interest_date + dt.timedelta(days=target)),
        "escalation_weeks": escalation // 7,
        "stale_days": stale,
    }
    findings = [Finding("clock.day", "info", timeline.messages["day"].format(**values))]
    call = _event(deal, "negotiation-call")
    pct = None if call is None else call.redlines_resolved_pct
    if call is not None and pct is not None and pct < timeline.call_resolved_pct:
        message = timeline.messages["call_short"].format(
            date=as_text(call.date),
            pct=as_text(call.redlines_resolved_pct),
            target=timeline.call_resolved_pct,
        )
        findings.append(Finding("clock.call-short", "warning", message))
    if document is not None and document.kind == "preliminary" and slip_days(deal, library, today):
        planned, printed = planned_dates(deal, library), printed_dates(deal, library, today)
        first = min(planned, key=lambda key: planned[key])
        title = next(m.title for m in timeline.milestones if m.id == first)
        message = timeline.messages["slipped"].format(
            first=title,
            planned=as_text(planned[first]),
            document=document.title,
            today=as_text(today),
            signature=as_text(printed.get("signature", max(printed.values()))),
        )
        findings.append(Finding("clock.plan-slipped", "warning", message))
    if progress.executed:
        return findings
    if day > stale:
        findings.append(Finding("clock.stale", "warning", timeline.messages["stale"].format(**values)))
    if day > escalation:
        findings.append(Finding("clock.escalate", "warning", timeline.messages["escalate"].format(**values)))
    if day > target:
        findings.append(
            Finding("clock.target-missed", "warning", timeline.messages["target_missed"].format(**values))
        )
    return findings


def preliminary_first_findings(
    deal: Deal, library: Library, document: Document, progress: Progress
) -> list[Finding]:
    """Playbook: always start with the lightest document. A substantive agreement without a committed
    preliminary round is blocking unless the CPO signed off with a reason."""
    if document.kind != "agreement" or progress.preliminary_rounds > 0:
        return []
    messages = library.timeline.messages
    waiver = preliminary_waiver(deal)
    if waiver is not None:
        message = messages["preliminary_waived"].format(
            document=document.title, reason=waiver.reason, name=waiver.name, date=as_text(waiver.date)
        )
        return [Finding(PRELIMINARY_FIRST, "info", message)]
    preliminary = next(
        (
            library.document(d).title
            for d in library.sequence(deal.model)
            if library.document(d).kind == "preliminary"
        ),
        "preliminary document",
    )
    return [
        Finding(PRELIMINARY_FIRST, "blocking", messages["preliminary_first"].format(preliminary=preliminary))
    ]
