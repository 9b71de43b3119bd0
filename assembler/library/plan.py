"""A deal's planned milestone dates: the library's week plan scaled to the deal's target, moved when late.

The plan in negotiation/timeline.yaml is written for `target_days` (60); a model's target (`targets`) or the
deal's `target_signature_date` stretches or shrinks it. A document printed after its plan's first date moves
the whole plan so that no printed date is in the past.
"""

from __future__ import annotations

import datetime as dt

from assembler.deals.contract import Deal
from assembler.library.loader import Library


def target_days(deal: Deal, library: Library) -> int:
    """T in "day N of T": the deal's target_signature_date, else its model's target, else the default."""
    if deal.target_signature_date is not None:
        return (deal.target_signature_date - deal.mutual_interest_date).days
    timeline = library.timeline
    return timeline.targets.get(deal.model, timeline.target_days)


def planned_dates(deal: Deal, library: Library) -> dict[str, dt.date]:
    """Milestone id → its planned date, the library's days scaled to the deal's target."""
    timeline = library.timeline
    scale = target_days(deal, library) / timeline.target_days
    return {
        m.id: deal.mutual_interest_date + dt.timedelta(days=round(m.day * scale)) for m in timeline.milestones
    }


def slip_days(deal: Deal, library: Library, today: dt.date | None) -> int:
    """How many days the plan must move so that its first date is not before `today` (0: on plan)."""
    if today is None:
        return 0
    planned = planned_dates(deal, library)
    if not planned:
        return 0
    return max(0, (today - min(planned.values())).days)


def clock_points(deal: Deal, library: Library) -> tuple[int, int]:
    """Days from mutual interest to the escalation and stale points: the library's, moved out by as many
    days as the deal's target lies beyond the library's default target."""
    timeline = library.timeline
    stretch = max(0, target_days(deal, library) - timeline.target_days)
    return timeline.escalation_days + stretch, timeline.stale_days + stretch


def printed_escalation(deal: Deal, library: Library, today: dt.date | None) -> dt.date:
    """The date a document names for the executive sponsors' decision: the escalation point, moved by the
    same slip as the printed plan, so it never falls before the plan it follows."""
    escalation, _ = clock_points(deal, library)
    return deal.mutual_interest_date + dt.timedelta(days=escalation + slip_days(deal, library, today))


def printed_dates(deal: Deal, library: Library, today: dt.date | None) -> dict[str, dt.date]:
    """The dates a document prints: the plan, moved forward by its slip so none is before `today`."""
    shift = dt.timedelta(days=slip_days(deal, library, today))
    return {key: day + shift for key, day in planned_dates(deal, library).items()}
