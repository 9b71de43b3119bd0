"""Checklist values: the numbers in the mandatory provisions checklist (playbook 3.1) compared with the deal.

Values, comparisons and messages are library data (clause_library/checklists/values.yaml). A deviation names
the playbook's value; coverage is reported as present *and* at value.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from assembler.assembly.assemble import AssembledDocument
from assembler.deals.contract import Deal, term_value
from assembler.errors import LibraryError
from assembler.library.data_cache import cached
from assembler.library.loader import Library

VALUES_FILE = "checklists/values.yaml"
RULE = "checklist-value"
Raw = tuple[str, Literal["blocking", "warning", "info"], str]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecklistValue(_Data):
    """The playbook's value for a checklist item: the deal term, how it compares, the value and its unit."""

    item: str
    term: str
    compare: Literal["equals", "at-least"]
    value: int
    unit: str


class ChecklistValues(_Data):
    """checklists/values.yaml: who signs off a deviation, the values and the messages."""

    sign_off: list[Literal["CPO", "Legal", "Finance"]]
    values: list[ChecklistValue]
    messages: dict[str, str]


def _read(library: Library) -> ChecklistValues:
    return library.data_file(ChecklistValues, VALUES_FILE)


def checklist_values(library: Library) -> ChecklistValues:
    """The library's checklist values; each must name an item of the mandatory-provisions checklist."""
    data = cached(library, VALUES_FILE, _read)
    items = {item.id for item in library.checklist.items}
    for value in data.values:
        if value.item not in items:
            raise LibraryError(f"{library.label}/{VALUES_FILE}: {value.item!r} is not a checklist item id")
    return data


def expected_text(value: ChecklistValue) -> str:
    """The playbook's value as a message prints it: "at least 30 days"."""
    return f"{'at least ' if value.compare == 'at-least' else ''}{value.value} {value.unit}"


def at_value(value: ChecklistValue, actual: object) -> bool | None:
    """Whether the deal's value meets the playbook's; None when it is not a number (e.g. "uncapped")."""
    if isinstance(actual, bool) or not isinstance(actual, int):
        return None
    return actual == value.value if value.compare == "equals" else actual >= value.value


def value_findings(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Raw]:
    """A finding per value off the playbook's (blocking in an agreement unless signed off), and coverage."""
    data = checklist_values(library)
    texts = {item.id: item.text for item in library.checklist.items}
    binding = assembled.document.binding
    findings: list[Raw] = []
    deviations: list[str] = []
    valued = at = 0
    for value in data.values:
        actual = term_value(deal.terms, value.term)
        met = at_value(value, actual)
        if met is None:
            continue  # not a number: other rules (the uncapped-liability red flag) deal with it
        valued += 1
        if met:
            at += 1
            continue
        deviations.append(f"{value.item} ({actual} {value.unit}; playbook {expected_text(value)})")
        rule = f"{RULE}.{value.item}"
        covering = {a.role: a for a in deal.approvals if rule in a.covers}
        fields = {
            "label": texts[value.item].split(":")[0],
            "actual": actual,
            "unit": value.unit,
            "term": value.term,
            "expected": expected_text(value),
            "item": value.item,
            "text": texts[value.item],
            "roles": " and ".join(data.sign_off),
            "rule": rule,
        }
        if all(role in covering for role in data.sign_off):
            signers = ", ".join(f"{covering[r].name} ({r}, {covering[r].date})" for r in data.sign_off)
            findings.append((rule, "warning", data.messages["signed_off"].format(**fields, signers=signers)))
        else:
            severity: Literal["blocking", "warning"] = "blocking" if binding else "warning"
            findings.append((rule, severity, data.messages["deviation"].format(**fields)))
    if assembled.document.kind == "agreement":  # an amendment carries only the clauses it changes
        items = library.checklist.items
        covered = assembled.covered_items()
        findings.append(
            (
                f"{RULE}.coverage",
                "info",
                data.messages["coverage"].format(
                    document=assembled.document.title,
                    present=sum(1 for item in items if item.id in covered),
                    total=len(items),
                    valued=valued,
                    at_value=at,
                    deviations="; not at value: " + ", ".join(deviations) if deviations else "",
                ),
            )
        )
    return findings
