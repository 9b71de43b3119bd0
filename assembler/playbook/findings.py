"""The negotiation playbook as checks: pure functions over the deal, the assembled document and library data.

Every rule, threshold and message comes from `clause_library/` (rules/red-flags.yaml, negotiation/*.yaml,
checklists/); this module only knows how to apply them. A finding has a stable rule id, a severity and a
message that says what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from assembler.assembly.assemble import AssembledDocument
from assembler.assembly.markdown import as_text
from assembler.deals.contract import Approval, Deal, term_value
from assembler.library.loader import Library
from assembler.library.schemas import Condition

Severity = Literal["blocking", "warning", "info"]


SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """A playbook finding on a deal: the rule, how severe (blocking, warning, info) and the message."""

    rule: str
    severity: Severity
    message: str


def holds(condition: Condition, deal: Deal) -> bool:
    """Whether a library condition is true of the deal's terms."""
    if condition.all is not None:
        return all(holds(c, deal) for c in condition.all)
    if condition.any is not None:
        return any(holds(c, deal) for c in condition.any)
    if condition.term is None:
        return False
    value = term_value(deal.terms, condition.term)
    if condition.is_set is not None:
        return (value is not None) == condition.is_set
    return value is not None and value == condition.equals


def sign_offs(approvals: Iterable[Approval], rule_id: str) -> dict[str, Approval]:
    """Role → the approval of that role that names `rule_id`."""
    return {a.role: a for a in approvals if rule_id in a.covers}


def red_flag_findings(deal: Deal, library: Library) -> list[Finding]:
    """Findings for the red flags the deal raises: blocking until every required role has signed off."""
    data = library.red_flags
    findings = []
    for flag in data.red_flags:
        if not holds(flag.when, deal):
            continue
        rule = f"red-flag.{flag.id}"
        signed = sign_offs(deal.approvals, flag.id)
        values = {"title": flag.title, "why": flag.why, "rule": flag.id, "roles": " and ".join(flag.sign_off)}
        if not flag.sign_off:
            findings.append(Finding(rule, "blocking", data.messages["blocking_no_sign_off"].format(**values)))
        elif all(role in signed for role in flag.sign_off):
            signers = ", ".join(f"{signed[r].name} ({r}, {signed[r].date})" for r in flag.sign_off)
            findings.append(
                Finding(rule, "warning", data.messages["signed_off"].format(**values, signers=signers))
            )
        else:
            findings.append(Finding(rule, "blocking", data.messages["blocking"].format(**values)))
    return findings


def _batna(deal: Deal, library: Library) -> str:
    batna = deal.positions.batna
    if batna is None:
        return library.position_rules.messages["no_batna"]
    return f"{batna.description} (strength: {batna.strength})"


def walk_away_findings(deal: Deal, library: Library) -> list[Finding]:
    """Blocking findings for each walk-away trigger the deal's terms meet."""
    rules = library.position_rules
    return [
        Finding(
            f"walk-away.{trigger.id}",
            "blocking",
            rules.messages["walk_away"].format(title=trigger.title, batna=_batna(deal, library)),
        )
        for trigger in rules.walk_away
        if holds(trigger.when, deal)
    ]


@dataclass(frozen=True)
class PositionRating:
    """A term of the deal rated against the team's ideal, target and minimum positions."""

    term: str
    value: Any
    ideal: Any
    target: Any
    minimum: Any
    rating: Literal["ideal", "target", "between", "below"] | None  # None: not comparable


def position_score(term: str, value: Any, scales: dict[str, list[str]]) -> Decimal | None:
    """A comparable number for a term's value: the value itself, or minus its rank on the term's scale
    (so the best word scores highest). The direction of a negotiation is applied by the caller."""
    if value is None:
        return None
    leaf = term.split(".")[-1]
    if term in scales or leaf in scales:
        scale = scales.get(term) or scales[leaf]
        return Decimal(-scale.index(str(value))) if str(value) in scale else None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


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
        scores = [position_score(term, v, scales) for v in (value, ideal, target, minimum)]
        current, best, expected, floor = scores
        rating = None
        if current is not None:
            # The direction follows from ideal vs minimum (target vs minimum when those are equal).
            high, low = (best if best is not None else expected), floor
            sign = -1 if high is not None and low is not None and high < low else 1
            if best is not None and sign * current >= sign * best:
                rating = "ideal"
            elif expected is not None and sign * current >= sign * expected:
                rating = "target"
            elif floor is None or sign * current >= sign * floor:
                rating = "between"
            else:
                rating = "below"
        ratings.append(PositionRating(term, value, ideal, target, minimum, rating))  # type: ignore[arg-type]
    return ratings


def position_findings(deal: Deal, library: Library) -> list[Finding]:
    """Findings for the position ratings: blocking below the minimum, information otherwise."""
    rules = library.position_rules
    findings = []
    for rated in rate_positions(deal, library):
        shown = {k: "-" if v is None else as_text(v) for k, v in vars(rated).items()}
        if rated.rating == "below":
            message = rules.messages["below_minimum"].format(**shown, batna=_batna(deal, library))
            findings.append(Finding(f"position.below-minimum.{rated.term}", "blocking", message))
        elif rated.rating is not None:
            message = rules.messages["rating"].format(**{**shown, "rating": rules.ratings[rated.rating]})
            findings.append(Finding(f"position.{rated.rating}.{rated.term}", "info", message))
    return findings


def mandatory_findings(assembled: AssembledDocument, library: Library) -> list[Finding]:
    """Playbook 3.1: every checklist item covered by a clause present in a substantive agreement."""
    if assembled.document.kind != "agreement":
        return []
    items = library.checklist.items
    covered = assembled.covered_items()
    missing = [item for item in items if item.id not in covered]
    findings = [
        Finding(
            f"mandatory.{item.id}",
            "blocking",
            f"Mandatory provision missing from the {assembled.document.title}: {item.text} ({item.group}). "
            f"Add a clause that covers {item.id} to the model's clause list.",
        )
        for item in missing
    ]
    summary = f"Mandatory provisions: {len(items) - len(missing)}/{len(items)} items covered"
    if missing:
        summary += "; missing: " + ", ".join(item.id for item in missing)
    findings.append(Finding("mandatory.coverage", "blocking" if missing else "info", summary))
    return findings


def finance_findings(
    deal: Deal, library: Library, assembled: AssembledDocument, first_round: bool
) -> list[Finding]:
    """Quality rule: Finance validates commercial terms before Legal drafts (warned on an agreement's
    first round)."""
    if assembled.document.kind != "agreement" or not first_round:
        return []
    if not library.model(deal.model).commercial_terms:
        return []
    if any(a.role == "Finance" for a in deal.approvals):
        return []
    message = library.timeline.messages["finance"].format(document=assembled.document.title)
    return [Finding("finance.no-validation", "warning", message)]


@dataclass(frozen=True)
class Progress:
    """What git shows of the deal: used to mark milestones reached."""

    preliminary_rounds: int = 0
    agreement_rounds: int = 0
    executed: bool = False

    def reached(self, evidence: str | None) -> bool:
        """Whether git shows the milestone evidence (a milestone's `evidence`) reached."""
        return {
            "preliminary-round": self.preliminary_rounds > 0 or self.agreement_rounds > 0,
            "agreement-round": self.agreement_rounds > 0,
            "agreement-round-2": self.agreement_rounds > 1,
            "executed": self.executed,
        }.get(evidence or "", False)


@dataclass(frozen=True)
class MilestoneState:
    """A milestone of the deal's plan with its due date and its state on a given day."""

    id: str
    week: int
    title: str
    due: dt.date
    state: Literal["done", "n/a", "overdue", "due", "upcoming"]


def week_plan(deal: Deal, library: Library, today: dt.date, progress: Progress) -> list[MilestoneState]:
    """The week plan with each milestone's due date and state. A milestone is done when git shows it, or
    when a later milestone is done; a preliminary-document milestone does not apply to a model without one."""
    milestones = library.timeline.milestones
    reached = [progress.reached(m.evidence) for m in milestones]
    for index in range(len(reached) - 2, -1, -1):
        reached[index] = reached[index] or reached[index + 1]
    has_preliminary = any(
        library.document(d).kind == "preliminary" for d in library.model(deal.model).documents
    )
    plan = []
    for milestone, done in zip(milestones, reached, strict=True):
        due = deal.mutual_interest_date + dt.timedelta(days=milestone.day)
        state: Literal["done", "n/a", "overdue", "due", "upcoming"]
        if done:
            state = "done"
        elif milestone.evidence == "preliminary-round" and not has_preliminary:
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


def clock_findings(deal: Deal, library: Library, today: dt.date, progress: Progress) -> list[Finding]:
    """Days since mutual interest and the 60/70/90-day warnings. The clock informs; it never blocks."""
    timeline = library.timeline
    day = day_number(deal, today)
    values = {
        "day": day,
        "target_days": timeline.target_days,
        "start": as_text(deal.mutual_interest_date),
        "target_date": as_text(deal.mutual_interest_date + dt.timedelta(days=timeline.target_days)),
        "escalation_weeks": timeline.escalation_days // 7,
        "stale_days": timeline.stale_days,
    }
    findings = [Finding("clock.day", "info", timeline.messages["day"].format(**values))]
    if progress.executed:
        return findings
    if day > timeline.stale_days:
        findings.append(Finding("clock.stale", "warning", timeline.messages["stale"].format(**values)))
    if day > timeline.escalation_days:
        findings.append(Finding("clock.escalate", "warning", timeline.messages["escalate"].format(**values)))
    if day > timeline.target_days:
        findings.append(
            Finding("clock.target-missed", "warning", timeline.messages["target_missed"].format(**values))
        )
    return findings


def evaluate(
    deal: Deal,
    library: Library,
    assembled: AssembledDocument,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    first_round: bool = False,
) -> list[Finding]:
    """All findings for a deal's document, most severe first. Without `today` the clock is not consulted."""
    findings = [
        *mandatory_findings(assembled, library),
        *red_flag_findings(deal, library),
        *walk_away_findings(deal, library),
        *position_findings(deal, library),
        *finance_findings(deal, library, assembled, first_round),
    ]
    if today is not None:
        findings += clock_findings(deal, library, today, progress or Progress())
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block building or signing."""
    return [f for f in findings if f.severity == "blocking"]
