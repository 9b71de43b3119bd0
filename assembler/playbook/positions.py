"""Negotiation positions with a declared direction (playbook 4.1).

negotiation/positions.yaml says, per term, which party a higher value favours. A value is rated from the
deal's minimum towards its ideal; past the minimum is the walk-away; past an ideal on the side that favours
the partner is outside our range (answered with the matching objection response), never "ideal".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from assembler.assembly.markdown import as_text
from assembler.deals.contract import Deal, term_value
from assembler.library.loader import Library
from assembler.playbook.economics import suggested_response
from assembler.playbook.finding import Finding

Rating = Literal["ideal", "target", "between", "below", "outside"]


@dataclass(frozen=True)
class PositionRating:
    """A term of the deal rated against the team's ideal, target and minimum positions."""

    term: str
    value: Any
    ideal: Any
    target: Any
    minimum: Any
    rating: Rating | None  # None: not comparable


def position_score(term: str, value: Any, scales: dict[str, list[str]]) -> Decimal | None:
    """A comparable number for a term's value: the value itself, or its rank on the term's scale (words in
    increasing order). Which party an increase favours is the library's `favours`."""
    if value is None:
        return None
    leaf = term.split(".")[-1]
    if term in scales or leaf in scales:
        scale = scales.get(term) or scales[leaf]
        return Decimal(scale.index(str(value))) if str(value) in scale else None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def favoured_by(term: str, library: Library) -> Literal["us", "partner"] | None:
    """Which party a higher value of `term` favours, from the library (None: not declared)."""
    favours = library.position_rules.favours
    return favours.get(term) or favours.get(term.split(".")[-1])


def move_favours(term: str, delta: Decimal, deal: Deal, library: Library) -> str:
    """Whom a move of `delta` on `term` favours: "us", "partner" or "-" (no direction known)."""
    if delta == 0:
        return "-"
    higher = favoured_by(term, library)
    if higher is None:  # an undeclared term: its direction follows from the deal's ideal vs minimum
        scales, positions = library.position_rules.scales, deal.positions
        best = position_score(term, positions.ideal.get(term), scales)
        worst = position_score(term, positions.minimum.get(term), scales)
        if best is None or worst is None or best == worst:
            return "-"
        higher = "us" if best > worst else "partner"
    other = "partner" if higher == "us" else "us"
    return higher if delta > 0 else other


def rate_positions(deal: Deal, library: Library) -> list[PositionRating]:
    """Each term with positions, rated against them."""
    positions = deal.positions
    scales = library.position_rules.scales
    terms = sorted(set(positions.ideal) | set(positions.target) | set(positions.minimum))
    ratings = []
    for term in terms:
        value = term_value(deal.terms, term)
        ideal, target, minimum = (
            positions.ideal.get(term),
            positions.target.get(term),
            positions.minimum.get(term),
        )
        current, best, expected, floor = (
            position_score(term, v, scales) for v in (value, ideal, target, minimum)
        )
        rating: Rating | None = None
        if current is not None:
            # The axis runs from the minimum towards the ideal (target when the ideal is not set).
            high, low = (best if best is not None else expected), floor
            sign = -1 if high is not None and low is not None and high < low else 1
            beyond_ideal_favours_partner = favoured_by(term, library) == ("partner" if sign > 0 else "us")
            if best is not None and sign * current > sign * best and beyond_ideal_favours_partner:
                rating = "outside"
            elif best is not None and sign * current >= sign * best:
                rating = "ideal"
            elif expected is not None and sign * current >= sign * expected:
                rating = "target"
            elif floor is None or sign * current >= sign * floor:
                rating = "between"
            else:
                rating = "below"
        ratings.append(PositionRating(term, value, ideal, target, minimum, rating))
    return ratings


def batna_text(deal: Deal, library: Library) -> str:
    """The deal's BATNA as a phrase for findings (or the library's "none recorded" text)."""
    batna = deal.positions.batna
    if batna is None:
        return library.position_rules.messages["no_batna"]
    return f"{batna.description} (strength: {batna.strength})"


def position_findings(deal: Deal, library: Library) -> list[Finding]:
    """Below the minimum and outside our range are blocking; other ratings are information."""
    rules = library.position_rules
    findings = []
    for rated in rate_positions(deal, library):
        shown = {k: "-" if v is None else as_text(v) for k, v in vars(rated).items()}
        if rated.rating == "below":
            message = rules.messages["below_minimum"].format(**shown, batna=batna_text(deal, library))
            findings.append(Finding(f"position.below-minimum.{rated.term}", "blocking", message))
        elif rated.rating == "outside":
            kind = rules.objections.get(rated.term, "other")
            message = rules.messages["outside"].format(
                **shown, response=suggested_response(deal, library, kind)
            )
            findings.append(Finding(f"position.outside.{rated.term}", "blocking", message))
        elif rated.rating is not None:
            message = rules.messages["rating"].format(**{**shown, "rating": rules.ratings[rated.rating]})
            findings.append(Finding(f"position.{rated.rating}.{rated.term}", "info", message))
    return findings
