"""Chart geometry for the site: a deal's clock as a timeline, a term's value by round against its positions.

Pure functions from dates and scores to coordinates; the templates draw them as inline SVG. Coordinates are
rounded to one decimal so the same data always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assembler.playbook.findings import MilestoneState


@dataclass(frozen=True)
class Band:
    """A stretch of the clock: to the target, past it, past the escalation, past the stale mark."""

    x: float
    width: float
    css: str  # on-target | escalate | at-risk | stale


@dataclass(frozen=True)
class Mark:
    """A vertical line at a day of the clock (the target, the escalation, the stale mark, today)."""

    x: float
    day: int
    label: str
    css: str


@dataclass(frozen=True)
class Point:
    """A milestone (or the signature) on the timeline."""

    x: float
    label: str
    date: str
    state: str  # a milestone's state, or "signed"
    tip: str
    short: str  # the label under the point on the deal page
    when: str  # the date as "Oct 8"


@dataclass(frozen=True)
class Timeline:
    """A deal's clock on one horizontal axis: day 0 (mutual interest) to past the 90-day mark or today."""

    width: int
    height: int
    axis_y: float
    bands: list[Band]
    marks: list[Mark]
    milestones: list[Point]
    today: Mark
    span_days: int


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: dt.date) -> str:
    """ "Oct 8": short enough to sit under a milestone."""
    return f"{MONTHS[day.month - 1]} {day.day}"  # not %b: that follows the locale


def _x(day: int, span: int, left: float, right: float) -> float:
    return round(left + (right - left) * max(0, min(day, span)) / span, 1)


def timeline(
    start: dt.date,
    today: dt.date,
    plan: list[MilestoneState],
    clock: tuple[int, int, int],
    *,
    width: int,
    height: int,
    signed_on: dt.date | None = None,
) -> Timeline:
    """The timeline of a deal that started on `start`; `clock` is (target, escalation, stale) in days."""
    target, escalation, stale = clock
    today_day = (today - start).days
    last = max([stale, today_day, *((m.due - start).days for m in plan)])
    span = last + max(7, last // 12)  # room right of the last mark for its label
    left, right = 6.0, width - 6.0

    def x(day: int) -> float:
        return _x(day, span, left, right)

    edges = [(0, target, "on-target"), (target, escalation, "at-risk"), (escalation, stale, "escalate")]
    bands = [Band(x(a), round(x(b) - x(a), 1), css) for a, b, css in [*edges, (stale, span, "stale")]]
    marks = [
        Mark(x(target), target, f"day {target} target", "target"),
        Mark(x(escalation), escalation, f"{escalation // 7} weeks: escalate", "escalation"),
        Mark(x(stale), stale, f"day {stale}", "stale"),
    ]
    points = [
        Point(
            x((m.due - start).days),
            m.title,
            m.due.isoformat(),
            m.state,
            f"Week {m.week}: {m.title} \u2014 due {m.due.isoformat()} ({m.state})",
            f"W{m.week}",
            short_date(m.due),
        )
        for m in plan
        if m.state != "n/a"
    ]
    if signed_on is not None:
        day = (signed_on - start).days
        points.append(
            Point(
                x(day),
                "Signed",
                signed_on.isoformat(),
                "signed",
                f"Signed on {signed_on.isoformat()}",
                "Signed",
                short_date(signed_on),
            )
        )
    today_mark = Mark(x(today_day), today_day, f"today, day {today_day}", "today")
    return Timeline(width, height, round(height * 0.55, 1), bands, marks, points, today_mark, span)


@dataclass(frozen=True)
class Level:
    """A horizontal position line (ideal, target, minimum; merged when two are the same value)."""

    y: float
    label: str  # ideal | target | minimum
    value: str


@dataclass(frozen=True)
class ValuePoint:
    """A term's value at one round."""

    x: float
    y: float
    round: str
    value: str


@dataclass(frozen=True)
class Tick:
    """A word of a ranked term's scale on the y axis."""

    y: float
    label: str


@dataclass(frozen=True)
class PositionChart:
    """One term: its value at each round (a line) against the ideal, target and minimum (levels)."""

    term: str
    width: int
    height: int
    left: float
    right: float
    levels: list[Level]
    points: list[ValuePoint]
    ticks: list[Tick]
    rating: str

    @property
    def path(self) -> str:
        """The SVG polyline through the round values."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def position_chart(
    term: str,
    series: list[tuple[str, Any, Decimal | None]],
    levels: dict[str, tuple[Any, Decimal | None]],
    scale: list[str] | None,
    rating: str,
    shown: Callable[[Any], str],
    *,
    width: int = 420,
    height: int = 150,
) -> PositionChart | None:
    """`series`: (round label, value, score) oldest first; `levels`: name → (value, score); `scale`: the
    term's words best first when it is ranked, not numeric. `shown` formats a value. None: nothing to plot."""
    scores = [s for _, _, s in series if s is not None] + [s for _, s in levels.values() if s is not None]
    if not scores:
        return None
    if scale:
        scores += [Decimal(-i) for i in range(len(scale))]
    low, high = min(scores), max(scores)
    if low == high:
        low, high = low - 1, high + 1
    pad = (high - low) / 8
    low, high = low - pad, high + pad
    top, bottom, left, right = 14.0, height - 22.0, 78.0, width - 70.0

    def y(score: Decimal) -> float:
        return round(float(bottom - (bottom - top) * float((score - low) / (high - low))), 1)

    step = (right - left) / max(1, len(series) - 1)
    middle = (left + right) / 2  # a single round sits in the middle
    points = [
        ValuePoint(round(left + step * i if len(series) > 1 else middle, 1), y(s), label, shown(v))
        for i, (label, v, s) in enumerate(series)
        if s is not None
    ]
    merged: dict[Decimal, tuple[list[str], Any]] = {}  # levels at the same score share one line and label
    for name, (value, level_score) in levels.items():
        if level_score is not None:
            merged.setdefault(level_score, ([], value))[0].append(name)
    drawn = [Level(y(s), " = ".join(names), shown(v)) for s, (names, v) in merged.items()]
    ticks = [Tick(y(Decimal(-i)), word) for i, word in enumerate(scale)] if scale else []
    return PositionChart(term, width, height, left, right, drawn, points, ticks, rating)
