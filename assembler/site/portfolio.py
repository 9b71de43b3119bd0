"""What the site shows of each deal, gathered with the same functions `status`, `check` and `history` use.

A deal that fails validation (or whose library data does not load) becomes a `BrokenDeal` carrying the
error lines the CLI would print; it never stops the rest of the portfolio from being shown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from assembler.assembly.markdown import as_text
from assembler.check import deal_state
from assembler.deals.contract import deal_changes
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError, RepositoryError
from assembler.history import HistoryEntry, deal_history
from assembler.library.loader import Library
from assembler.playbook.findings import position_score
from assembler.playbook.negotiation import DealState
from assembler.site.charts import PositionChart, Timeline, position_chart, timeline
from assembler.status import Portfolio, StatusRow, status_row

# Only files the tool itself names are published: no hidden files, no odd characters in a URL.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
REDLINE_NAME = re.compile(r"^(?P<doc>[a-z0-9-]+)\.r(?P<old>\d+)-r(?P<new>\d+)\.(?:docx|md)$")
TRIAGE_NAME = re.compile(r"^(?P<doc>[a-z0-9-]+)\.r(?P<round>\d+)-counterparty\.(?:docx|md)$")
PUBLISHED_FOLDERS = ("redlines", "triage", "executed")
FILE_KINDS = {
    ".docx": "Word",
    ".md": "Markdown",
    ".json": "JSON",
    ".eml": "e-mail",
    ".pdf": "PDF",
}


@dataclass(frozen=True)
class SiteFile:
    """A deal file copied into the site: `href` is relative to the deal's page."""

    folder: str
    name: str
    source: Path

    @property
    def href(self) -> str:
        """The file's link from its deal's page."""
        return f"files/{self.folder}/{self.name}"

    @property
    def kind(self) -> str:
        """The file's format in words (Word, Markdown, JSON, e-mail)."""
        return FILE_KINDS.get(self.source.suffix, self.source.suffix.lstrip("."))

    @property
    def label(self) -> str:
        """What the link opens, in the words of the round table."""
        word = self.source.suffix == ".docx"
        if self.folder == "redlines":
            return "redline (Word)" if word else "change summary"
        if self.folder == "triage":
            return "their return (Word)" if word else "triage report"
        return f"{self.name} ({self.kind})"


@dataclass(frozen=True)
class RoundView:
    """A round as the deal page's table shows it, with the files that belong to it."""

    entry: HistoryEntry
    label: str
    redlines: list[SiteFile]  # the redline into this round
    triage: list[SiteFile]  # the counterparty's return of this round, triaged


@dataclass(frozen=True)
class DealView:
    """Everything one deal's row and page show."""

    deal_id: str
    state: DealState
    row: StatusRow
    document_title: str
    target_days: int
    rounds: list[RoundView]
    files: list[SiteFile]
    flags: list[str]  # late, blocked, executed, on-track
    strip: Timeline  # the index row's timeline
    timeline: Timeline  # the deal page's timeline
    charts: list[PositionChart]

    @property
    def href(self) -> str:
        """The deal page's link from the index."""
        return f"deals/{self.deal_id}/index.html"

    def this_week(self, today: dt.date) -> list[tuple[dt.date, str, str]]:
        """(date, what, state) of what needs doing within 7 days: milestones and obligations due, and
        obligations already overdue (a signed deal's overdue items are not shown anywhere else)."""
        soon = today + dt.timedelta(days=7)
        found: list[tuple[dt.date, str, str]] = [
            (m.due, m.title, m.state) for m in self.state.plan if m.state == "due"
        ]
        checklist: list[tuple[dt.date, str]] = []
        for o in self.row.obligations or []:
            state = o.state(today)
            if state == "overdue" or (state != "done" and o.due <= soon):
                if o.kind == "post-signature":
                    checklist.append((o.due, state))
                else:
                    found.append((o.due, o.title, state))
        if checklist:  # one line for the checklist: its items share the signature's 48-hour due date
            first_due, first_state = min(checklist)
            found.append((first_due, f"{len(checklist)} post-signature checklist item(s) open", first_state))
        return sorted(found)

    @property
    def target_date(self) -> dt.date:
        """The day the clock's signature target falls on."""
        return self.state.deal.mutual_interest_date + dt.timedelta(days=self.target_days)


@dataclass(frozen=True)
class BrokenDeal:
    """A deal folder whose deal.yaml (or what it refers to) does not load: shown as an error row."""

    deal_id: str
    problems: list[str]
    flags: tuple[str, ...] = ("error",)


def gather(workspace: Workspace, today: dt.date) -> list[DealView | BrokenDeal]:
    """Every deal folder of the workspace, in id order."""
    shared = Portfolio.open(workspace)  # one library load and one walk of the history for every deal
    found: list[DealView | BrokenDeal] = []
    for deal_id in workspace.deal_ids():
        try:
            found.append(deal_view(workspace, shared.library, deal_id, today, shared))
        except AssemblerError as exc:
            found.append(BrokenDeal(deal_id, exc.format_message().splitlines() or ["unknown error"]))
    return found


def deal_view(
    workspace: Workspace, library: Library, deal_id: str, today: dt.date, shared: Portfolio | None = None
) -> DealView:
    """One deal's row and page data (`shared`: the library and repository every deal of the site reads);
    raises the deal's `AssemblerError` when it does not load."""
    if shared is None:
        state = deal_state(workspace, deal_id, today=today)
    else:
        state = deal_state(workspace, deal_id, today=today, library=shared.library, repo=shared.repo)
    row = status_row(workspace, state, shared)
    timeline_data = library.timeline
    clock = (state.target_days, timeline_data.escalation_days, timeline_data.stale_days)  # T per model
    if shared is not None:
        history = deal_history(workspace, deal_id, shared.repo) if shared.repo is not None else []
    else:
        try:
            history = deal_history(workspace, deal_id)
        except RepositoryError:
            history = []  # not a repository: no rounds yet to show
    files = published_files(workspace, deal_id)
    rounds = round_views(history, files)
    executed = row.after_signature is not None
    overdue = any(m.state == "overdue" for m in state.plan)
    flags = [
        *(["late"] if not executed and (overdue or row.day > clock[0]) else []),
        *(["blocked"] if row.blocking else []),
        *(["executed"] if executed else []),
    ] or ["on-track"]
    start = state.deal.mutual_interest_date
    return DealView(
        deal_id,
        state,
        row,
        state.assembled.document.title,
        clock[0],
        rounds,
        files,
        flags,
        timeline(start, today, state.plan, clock, width=320, height=40, signed_on=row.signed_on),
        timeline(start, today, state.plan, clock, width=1200, height=160, signed_on=row.signed_on),
        position_charts(workspace, library, state, rounds),
    )


def published_files(workspace: Workspace, deal_id: str) -> list[SiteFile]:
    """The deal's redlines, triage reports and execution record: regular files inside the deal folder only
    (a symlink could point anywhere on the machine that builds the site)."""
    deal_dir = workspace.deal_dir(deal_id)
    root = deal_dir.resolve()
    found = []
    for folder in PUBLISHED_FOLDERS:
        here = deal_dir / folder
        if here.is_symlink() or not here.is_dir():
            continue
        for path in sorted(here.iterdir()):
            if path.is_symlink() or not path.is_file() or not SAFE_NAME.match(path.name):
                continue
            if not path.resolve().is_relative_to(root):
                continue
            found.append(SiteFile(folder, path.name, path))
    return found


def _label(entry: HistoryEntry, several_documents: bool) -> str:
    if not several_documents:
        return f"r{entry.round.number}"
    initials = "".join(part[0] for part in entry.round.document_id.split("-")).upper()
    return f"{initials} r{entry.round.number}"


def round_views(history: list[HistoryEntry], files: list[SiteFile]) -> list[RoundView]:
    """Each round with the redline that leads to it and the triaged counterparty return of it."""
    several = len({e.round.document_id for e in history}) > 1
    views = []
    for entry in history:
        doc, number = entry.round.document_id, str(entry.round.number)
        redlines = [
            f
            for f in files
            if f.folder == "redlines"
            and (m := REDLINE_NAME.match(f.name))
            and (m["doc"], m["new"]) == (doc, number)
        ]
        triage = [
            f
            for f in files
            if f.folder == "triage"
            and (m := TRIAGE_NAME.match(f.name))
            and (m["doc"], m["round"]) == (doc, number)
        ]
        views.append(RoundView(entry, _label(entry, several), redlines, triage))
    return views


def shown(value: Any) -> str:
    """A deal value as the site prints it."""
    return "\u2014" if value is None else as_text(value)


def round_terms(
    workspace: Workspace, deal_id: str, rounds: list[RoundView]
) -> list[tuple[str, dict[str, Any]]]:
    """(round label, flat deal values) of each round, from the deal file committed with it."""
    from assembler.rounds.git import Repository

    if not rounds:
        return []
    repo = Repository(workspace.root)
    path = f"agreements/{deal_id}/deal.yaml"
    found = []
    for view in rounds:
        text = repo.committed(view.entry.round.commit, path).decode("utf-8", "replace")
        found.append((view.label, {key: new for key, _, new in deal_changes(None, text)}))
    return found


def position_charts(
    workspace: Workspace, library: Library, state: DealState, rounds: list[RoundView]
) -> list[PositionChart]:
    """Each negotiated term's value by round (and now, when it moved since) against its positions."""
    scales = library.position_rules.scales
    by_round = round_terms(workspace, state.deal_id, rounds)
    charts = []
    for rating in state.ratings:
        term = rating.term

        def score(value: Any, term: str = term) -> Decimal | None:
            return position_score(term, value, scales)

        series = [(label, values.get(f"terms.{term}"), None) for label, values in by_round]
        if not series or str(series[-1][1]) != str(rating.value):
            series.append(("now", rating.value, None))
        scored = [(label, value, score(value)) for label, value, _ in series]
        named = (("ideal", rating.ideal), ("target", rating.target), ("minimum", rating.minimum))
        levels = {name: (value, score(value)) for name, value in named}
        scale = scales.get(term) or scales.get(term.split(".")[-1])
        chart = position_chart(term, scored, levels, scale, rating.rating or "not rated", shown)
        if chart is not None:
            charts.append(chart)
    return charts
