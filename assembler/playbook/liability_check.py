"""Uncapped exposure: read the rendered agreement and report every head of liability it leaves uncapped.

The patterns, lead-ins and messages are library data (clause_library/rules/liability.yaml); what the law
requires to stay uncapped comes from the jurisdiction profile. A deal's `uncapped` cap shows up here too, as
the `all-liability` exposure, besides the uncapped-liability red flag.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from assembler.assembly.assemble import AssembledDocument
from assembler.deals.contract import Deal
from assembler.errors import LibraryError
from assembler.library.data_cache import cached
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library

LIABILITY_FILE = "rules/liability.yaml"
Raw = tuple[str, Literal["blocking", "warning", "info"], str]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exposure(_Data):
    """A head of liability: the pattern naming it, and whether law or playbook lets it stay uncapped."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pattern: str
    law: str | None = None
    always_allowed: bool = False


class LiabilityRules(_Data):
    """rules/liability.yaml: the rule id, who signs off an exception, the patterns and the messages."""

    rule: str
    sign_off: list[Literal["CPO", "Legal", "Finance"]]
    uncapped_lead_ins: list[str]
    unlimited_statements: list[str]
    exposures: list[Exposure]
    messages: dict[str, str]


def _read(library: Library) -> LiabilityRules:
    rules = library.data_file(LiabilityRules, LIABILITY_FILE)
    for pattern in [
        *rules.uncapped_lead_ins,
        *rules.unlimited_statements,
        *(e.pattern for e in rules.exposures),
    ]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise LibraryError(f"{library.label}/{LIABILITY_FILE}: bad pattern {pattern!r} ({exc})") from None
    return rules


def rules(library: Library) -> LiabilityRules:
    """The library's liability rules, their patterns checked."""
    return cached(library, LIABILITY_FILE, _read)


_ITEM = re.compile(r"^\(([a-z]{1,3})\)\s+(.*)$")


def _clause_ids(text: str, numbers: dict[int, str]) -> str:
    """'breach of Section 14' → 'breach of [confidentiality]', so patterns can name clauses."""
    return re.sub(r"Section (\d+)(?:\.\d+)?", lambda m: f"[{numbers.get(int(m.group(1)), m.group(0))}]", text)


def uncapped_items(assembled: AssembledDocument, library: Library) -> list[tuple[str, str, str]]:
    """(section, item text, exposure id) for every uncapped head of liability the document states."""
    data = rules(library)
    numbers = {p.number: p.clause.id for p in assembled.clauses if p.number is not None}
    lead_ins = [re.compile(p, re.I) for p in data.uncapped_lead_ins]
    unlimited = [re.compile(p, re.I) for p in data.unlimited_statements]
    found: list[tuple[str, str, str]] = []
    for placed in assembled.clauses:
        where = f"Section {placed.number}" if placed.number else placed.clause.meta.title
        text = placed.text.replace("\\", "")
        if any(p.search(" ".join(text.split())) for p in unlimited):
            found.append((where, "all liability", "all-liability"))
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if not any(p.search(line) for p in lead_ins):
                continue
            started = False
            for item_line in lines[index + 1 :]:
                stripped = item_line.strip()
                if not stripped:
                    if started:
                        break
                    continue
                match = _ITEM.match(stripped)
                if match is None:
                    break
                started = True
                item = match.group(2).rstrip(";.").removesuffix(" or").removesuffix(" and").rstrip(";,")
                readable = _clause_ids(item, numbers)
                exposure = next(
                    (e.id for e in data.exposures if re.search(e.pattern, readable, re.I)), "unclassified"
                )
                found.append((where, item, exposure))
    return found


def uncapped_findings(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Raw]:
    """A finding per uncapped head the law does not require (blocking until signed off), and a summary."""
    if assembled.document.kind != "agreement":
        return []
    data = rules(library)
    profile = profile_for(deal, library)
    by_id = {e.id: e for e in data.exposures}
    required = profile.law_required_uncapped
    findings: list[Raw] = []
    for section, item, exposure_id in uncapped_items(assembled, library):
        if exposure_id == "all-liability" and deal.terms.liability_cap_months == "uncapped":
            continue  # the deal's own choice: the uncapped-liability red flag and walk-away report it
        exposure = by_id.get(exposure_id)
        if exposure is not None and (exposure.always_allowed or (exposure.law and exposure.law in required)):
            continue
        rule = f"{data.rule}.{exposure_id}"
        covering = {a.role: a for a in deal.approvals if data.rule in a.covers or rule in a.covers}
        values = {
            "document": assembled.document.title,
            "section": section,
            "item": item,
            "exposure": exposure_id,
            "profile": profile.id,
            "required": ", ".join(required) or "nothing",
            "roles": " and ".join(data.sign_off),
            "rule": rule,
        }
        if data.sign_off and all(role in covering for role in data.sign_off):
            signers = ", ".join(f"{covering[r].name} ({r}, {covering[r].date})" for r in data.sign_off)
            findings.append((rule, "warning", data.messages["signed_off"].format(**values, signers=signers)))
        else:
            findings.append((rule, "blocking", data.messages["blocking"].format(**values)))
    found = sorted({exposure for _s, _i, exposure in uncapped_items(assembled, library)})
    summary = data.messages["summary"].format(
        document=assembled.document.title,
        found=", ".join(found) or "nothing",
        profile=profile.id,
        required=", ".join(required) or "nothing",
    )
    findings.append((f"{data.rule}.summary", "info", summary))
    return findings
