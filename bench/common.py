"""What every `make bench` scenario shares: paired A/B timing, the CLI under test, and the Markdown table.

A scenario measures *ours* and a *reference* alternately (warm-up first, then A B A B …) so that drift in the
machine's load affects both sides of each pair alike; the figure reported is the median of the per-pair
ratios, never a ratio of medians taken at different moments.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

Step = Callable[[], object]


def sh(*args: str, cwd: Path) -> str:
    """Run a helper command (set-up, not timed) and return its stdout; any failure stops the bench."""
    return subprocess.run(args, cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def assembler(*args: str, cwd: Path) -> Step:
    """A step that runs our CLI as a user does: a fresh `python -m assembler` process."""

    def run() -> None:
        subprocess.run(
            [sys.executable, "-m", "assembler", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True
        )

    return run


def timed(step: Step) -> float:
    """Seconds one call of `step` takes (monotonic clock)."""
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Paired:
    """Times of ours and of the reference, pair by pair."""

    ours: tuple[float, ...]
    reference: tuple[float, ...]

    @property
    def ratio(self) -> float:
        """Median of the per-pair ratios ours / reference."""
        return statistics.median(a / b for a, b in zip(self.ours, self.reference, strict=True))

    @property
    def ours_median(self) -> float:
        """Median seconds of ours."""
        return statistics.median(self.ours)

    @property
    def reference_median(self) -> float:
        """Median seconds of the reference."""
        return statistics.median(self.reference)


def paired(
    ours: Step,
    reference: Step,
    runs: int = RUNS,
    before_each: Step | tuple[Step, Step] | None = None,
) -> Paired:
    """Time `ours` and `reference` alternately, after one untimed warm-up of each.

    `before_each` (untimed) runs before every timed call: a scenario uses it to make each build a real new
    round, for instance. A pair of steps prepares ours and the reference separately.
    """
    if before_each is None:
        prepare: tuple[Step, Step] | None = None
    elif isinstance(before_each, tuple):
        prepare = before_each
    else:
        prepare = (before_each, before_each)
    sides = ((ours, prepare[0] if prepare else None), (reference, prepare[1] if prepare else None))
    for step, before in sides:
        if before:
            before()
        step()
    a: list[float] = []
    b: list[float] = []
    for run in range(runs):
        # Alternate who goes first, so neither side always runs on a warmer cache.
        order = ((sides[0], a), (sides[1], b)) if run % 2 == 0 else ((sides[1], b), (sides[0], a))
        for (step, before), into in order:
            if before:
                before()
            into.append(timed(step))
    return Paired(tuple(a), tuple(b))


def load() -> str:
    """The machine's load average (1, 5, 15 minutes) and CPU count, for the record of a run."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


@dataclass(frozen=True)
class Row:
    """One line of the bench table."""

    scenario: str
    ours: float
    reference_name: str
    reference: float
    ratio: float
    target: str
    limit: float | None = None  # the ratio the target allows, when it is one: the table says if it holds

    @classmethod
    def of(
        cls, scenario: str, result: Paired, reference_name: str, target: str, limit: float | None = None
    ) -> Row:
        """A table row from a paired measurement."""
        return cls(
            scenario, result.ours_median, reference_name, result.reference_median, result.ratio, target, limit
        )

    @property
    def holds(self) -> str:
        """ "yes" / "no" when the row has a ratio limit, else empty."""
        if self.limit is None:
            return ""
        return "yes" if self.ratio <= self.limit else "no"


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (what the README quotes)."""
    lines = [
        "| scenario | ours (s) | reference | reference (s) | ratio | target | holds |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.scenario} | {row.ours:.3f} | {row.reference_name} | {row.reference:.3f} "
            f"| {row.ratio:.2f}× | {row.target} | {row.holds} |"
        )
    return "\n".join(lines)
