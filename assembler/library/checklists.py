"""The pre- and post-signature checklists (clause_library/checklists/*.yaml), validated."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import Field

from assembler.deals.contract import Strict
from assembler.errors import LibraryError
from assembler.library.loader import Library
from assembler.library.schemas import CLAUSE_ID, Condition


class PreSignatureItem(Strict):
    """An item of the pre-signature checklist (checklists/pre-signature.yaml)."""

    id: Annotated[str, Field(pattern=CLAUSE_ID)]
    text: str
    satisfied_by: Literal["sign"] | None = None  # performed by `sign` itself: nothing to confirm by hand


class PreSignatureChecklist(Strict):
    """The pre-signature checklist (checklists/pre-signature.yaml), confirmed item by item before `sign`."""

    title: str
    items: list[PreSignatureItem]
    placeholder_names: list[str] = []


class PostSignatureItem(Strict):
    """An item of the post-signature checklist, optionally only for some tiers or when a condition holds."""

    id: Annotated[str, Field(pattern=CLAUSE_ID)]
    text: str
    tiers: list[Literal["platinum", "gold", "silver", "registered"]] | None = None
    when: Condition | None = None


class PostSignatureChecklist(Strict):
    """The post-signature checklist (checklists/post-signature.yaml) and how soon after signing it is due."""

    title: str
    due_hours: Annotated[int, Field(ge=1, le=8760)]
    items: list[PostSignatureItem]


ChecklistT = TypeVar("ChecklistT", PreSignatureChecklist, PostSignatureChecklist)


def _checklist(library: Library, model: type[ChecklistT], name: str) -> ChecklistT:
    checklist = library.data_file(model, f"checklists/{name}.yaml")
    ids = [item.id for item in checklist.items]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise LibraryError(f"{library.label}/checklists/{name}.yaml: item id used twice: {', '.join(twice)}")
    return checklist


def pre_signature_checklist(library: Library) -> PreSignatureChecklist:
    """The library's pre-signature checklist, validated (item ids unique)."""
    return _checklist(library, PreSignatureChecklist, "pre-signature")


def post_signature_checklist(library: Library) -> PostSignatureChecklist:
    """The library's post-signature checklist, validated (item ids unique)."""
    return _checklist(library, PostSignatureChecklist, "post-signature")
