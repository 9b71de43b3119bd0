"""The negotiation playbook as checks: pure functions over the deal, the assembled document and library data.

Every rule, threshold and message comes from `clause_library/` (rules/red-flags.yaml, negotiation/*.yaml,
checklists/); this module only knows how to apply them. A finding has a stable rule id, a severity and a
message that says what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from assembler.assembly.assemble import AssembledDocument
from assembler.deals.contract import Approval, Deal, term_value
from assembler.library.loader import Library
from assembler.library.schemas import Condition
from assembler.playbook import names
from assembler.playbook.clock import (
    MilestoneState,
    Progress,
    clock_findings,
    day_number,
    preliminary_first_findings,
    week_plan,
)
from assembler.playbook.drafting_checks import drafting_findings
from assembler.playbook.economics import economics_findings
from assembler.playbook.finding import SEVERITY_ORDER, Finding, Severity
from assembler.playbook.positions import (
    PositionRating,
    batna_text,
    position_findings,
    position_score,
    rate_positions,
)

__all__ = [
    "Finding",
    "MilestoneState",
    "PositionRating",
    "Progress",
    "Severity",
    "blocking",
    "day_number",
    "evaluate",
    "position_score",
    "rate_positions",
    "week_plan",
]


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


def walk_away_findings(deal: Deal, library: Library) -> list[Finding]:
    """Blocking findings for each walk-away trigger the deal's terms meet."""
    rules = library.position_rules
    return [
        Finding(
            f"walk-away.{trigger.id}",
            "blocking",
            rules.messages["walk_away"].format(title=trigger.title, batna=batna_text(deal, library)),
        )
        for trigger in rules.walk_away
        if holds(trigger.when, deal)
    ]


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


def evaluate(
    deal: Deal,
    library: Library,
    assembled: AssembledDocument,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    first_round: bool = False,
) -> list[Finding]:
    """All findings for a deal's document, most severe first. Without `today` the clock is not consulted;
    without `progress` (what git shows) the preliminary-first rule is not."""
    findings = [
        *mandatory_findings(assembled, library),
        *red_flag_findings(deal, library),
        *walk_away_findings(deal, library),
        *position_findings(deal, library),
        *finance_findings(deal, library, assembled, first_round),
        *economics_findings(deal, library),
        *(Finding(rule, "blocking", message) for rule, message in names.name_findings(deal)),
        *(Finding(*raw) for raw in drafting_findings(deal, library, assembled)),
    ]
    if progress is not None:
        findings += preliminary_first_findings(deal, library, assembled.document, progress)
    if today is not None:
        findings += clock_findings(deal, library, today, progress or Progress(), assembled.document)
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block building or signing."""
    return [f for f in findings if f.severity == "blocking"]
