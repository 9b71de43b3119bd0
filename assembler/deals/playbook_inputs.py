"""What the playbook asks for before drafting, and what happened outside git: constraints, the business case
from partner recruitment, and the events the week plan counts as evidence."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator

from assembler.deals.fields import Money, Percent, Strict, Text


class Constraint(Strict):
    """A known legal or compliance constraint on one side (playbook: ask for it before drafting)."""

    party: Literal["company", "partner"]
    text: Text


class BusinessCase(Strict):
    """The partner-recruitment business case the economics are computed on (money in the deal currency)."""

    first_year_acv: Money | None = None  # expected first-year annual contract value of partner deals
    revenue_target: Money | None = None  # revenue the partnership is expected to generate a year
    proposed_mdf: Money | None = None


class Event(Strict):
    """Something that happened outside git that the week plan counts as evidence (e.g. a negotiation call)."""

    kind: Literal["preliminary-signed", "negotiation-call", "final-approval", "kickoff"]
    date: dt.date
    outcome: Text | None = None
    redlines_resolved_pct: Percent | None = None

    @model_validator(mode="after")
    def _call_has_outcome(self) -> Event:
        if self.kind == "negotiation-call" and (self.outcome is None or self.redlines_resolved_pct is None):
            raise ValueError("a negotiation-call event records its outcome and redlines_resolved_pct")
        return self
