"""Blanks: facts the deal has not stated yet (clause_library/checklists/facts.yaml).

An empty fact prints as a visible blank (never a made-up default); the playbook warns about it in a
preliminary document and blocks a binding agreement, naming the deal key (playbook/drafting_checks.py).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict

from assembler.deals.contract import Deal
from assembler.library.data_cache import cached
from assembler.library.loader import Library

FACTS_FILE = "checklists/facts.yaml"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(_Data):
    """A fact a deal may leave empty: its deal key, label, and the key that makes it apply."""

    key: str
    label: str
    when: str | None = None


class Facts(_Data):
    """checklists/facts.yaml: the blank's text, the facts, and the messages naming an empty one."""

    blank: str
    facts: list[Fact]
    messages: dict[str, str]


def _read(library: Library) -> Facts:
    return library.data_file(Facts, FACTS_FILE)


def facts(library: Library) -> Facts:
    """The library's facts table."""
    return cached(library, FACTS_FILE, _read)


def _get(data: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        data = data[part]
    data[leaf] = value


def _applies(fact: Fact, data: dict[str, Any]) -> bool:
    if fact.when is not None and _get(data, fact.when) is None:
        return False
    parent = fact.key.rsplit(".", 1)[0]
    return isinstance(_get(data, parent), dict)


def empty_facts(deal: Deal, library: Library) -> list[Fact]:
    """The facts that apply to the deal and that it leaves empty."""
    data = deal.model_dump(mode="python")
    return [f for f in facts(library).facts if _applies(f, data) and _get(data, f.key) in (None, "")]


def fill(context: dict[str, Any], library: Library) -> dict[str, Any]:
    """The clause (or shell) context with every empty fact replaced by the visible blank."""
    filled = copy.deepcopy(context)
    table = facts(library)
    for fact in table.facts:
        if _applies(fact, filled) and _get(filled, fact.key) in (None, ""):
            _set(filled, fact.key, table.blank)
    return filled


def scaffold_party() -> dict[str, Any]:
    """What `assembler new` writes for a partner it knows only by name: every other fact left empty."""
    return {
        "entity": "",
        "address": "",
        "notice_email": "",
        "tier": "registered",
        "signatory": {"name": "", "title": ""},
    }
