"""`calendar`: every deal's milestones and every executed agreement's obligations as an RFC 5545 calendar.

One all-day event per milestone, signature target and obligation. Each event's UID is built from the deal id
and the milestone's or obligation's stable id, so importing a newer calendar updates events instead of adding
copies. DTSTAMP is the clock's today (midnight UTC): same repository state and day → same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from icalendar import Calendar, Event

from assembler.check import deal_state
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError
from assembler.playbook.negotiation import today_from
from assembler.status import status_row

UID_DOMAIN = "assembler.deals"
PRODID = "-//assembler//Partnership deadlines//EN"


@dataclass(frozen=True)
class Deadline:
    """One calendar entry of one deal."""

    deal_id: str
    uid_part: str  # stable: "milestone.draft_sent", "obligation.renewal-notice", "target"
    day: dt.date
    summary: str
    description: str
    category: str

    @property
    def uid(self) -> str:
        """The event's UID: the same for the same deal and deadline on every run."""
        return f"{self.deal_id}.{self.uid_part}@{UID_DOMAIN}"


def deal_deadlines(workspace: Workspace, deal_id: str, today: dt.date) -> list[Deadline]:
    """The deal's milestones, its signature target and (when executed) its obligations, in date order."""
    state = deal_state(workspace, deal_id, today=today)
    row = status_row(workspace, state)
    partner = state.deal.partner.name
    found = [
        Deadline(
            deal_id,
            f"milestone.{m.id}",
            m.due,
            f"{partner}: {m.title}",
            f"Week {m.week} of the negotiation plan ({state.assembled.document.title}); {m.state} on "
            f"{today.isoformat()}.",
            "milestone",
        )
        for m in state.plan
        if m.state != "n/a"
    ]
    found += [
        Deadline(
            deal_id,
            f"obligation.{o.id}",
            o.due,
            f"{partner}: {o.title}",
            f"{o.detail}. {o.state(today)} on {today.isoformat()}.",
            o.kind,
        )
        for o in row.obligations or []
    ]
    return sorted(found, key=lambda d: (d.day, d.uid))


@dataclass(frozen=True)
class CalendarResult:
    """The calendar's bytes, how many events it holds, and the deals left out because they do not load."""

    ics: bytes
    events: int
    skipped: list[tuple[str, str]]  # (deal id, first error line) of deals that do not load


def build_calendar(
    workspace: Workspace, deal_id: str | None = None, today: dt.date | None = None
) -> CalendarResult:
    """The calendar of one deal (its errors raise) or of every deal (a deal that does not load is skipped
    and named in `skipped`)."""
    day = today_from(today)
    deadlines: list[Deadline] = []
    skipped: list[tuple[str, str]] = []
    if deal_id is not None:
        deadlines = deal_deadlines(workspace, deal_id, day)
    else:
        for each in workspace.deal_ids():
            try:
                deadlines += deal_deadlines(workspace, each, day)
            except AssemblerError as exc:
                skipped.append((each, (exc.format_message().splitlines() or ["does not load"])[0]))
    return CalendarResult(ics_bytes(deadlines, day, deal_id), len(deadlines), skipped)


def ics_bytes(deadlines: list[Deadline], today: dt.date, deal_id: str | None) -> bytes:
    """The RFC 5545 text of the deadlines."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Partnership deadlines: {deal_id}" if deal_id else "Partnership deadlines")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    for item in deadlines:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + dt.timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("categories", [item.category])
        event.add("transp", "TRANSPARENT")  # a deadline, not time blocked in anyone's day
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
