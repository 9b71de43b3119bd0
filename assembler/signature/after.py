"""After signature: the post-signature items that apply to a deal, their due dates and what is done."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assembler.deals.contract import Completion, Deal
from assembler.deals.layout import Workspace
from assembler.errors import DealError, RepositoryError
from assembler.library.checklists import PostSignatureItem, post_signature_checklist, pre_signature_checklist
from assembler.library.loader import Library
from assembler.playbook.findings import holds
from assembler.rounds.executed import Execution, find_execution

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


@dataclass(frozen=True)
class AfterSignatureItem:
    """A post-signature checklist item of an executed deal: its due date and completion, if any."""

    id: str
    text: str
    due: dt.date
    done: Completion | None

    def state(self, today: dt.date) -> Literal["done", "overdue", "open"]:
        """The item's state on `today`: done, overdue or open."""
        if self.done is not None:
            return "done"
        return "overdue" if today > self.due else "open"


def applies(item: PostSignatureItem, deal: Deal) -> bool:
    """Whether a post-signature item applies to the deal (its partner tier and terms)."""
    return (item.tiers is None or deal.partner.tier in item.tiers) and (
        item.when is None or holds(item.when, deal)
    )


def due_date(signed_on: dt.date, hours: int) -> dt.date:
    """Signature + `hours`, as the last day the item may be done (a date carries no time of day)."""
    return signed_on + dt.timedelta(days=math.ceil(hours / 24))


def after_signature_items(deal: Deal, library: Library, signed_on: dt.date) -> list[AfterSignatureItem]:
    """The post-signature items that apply to the deal (tier, terms), with due dates and what is done."""
    checklist = post_signature_checklist(library)
    done = {c.item: c for c in reversed(deal.signature.post_signature)} if deal.signature else {}
    due = due_date(signed_on, checklist.due_hours)
    return [
        AfterSignatureItem(item.id, item.text, due, done.get(item.id))
        for item in checklist.items
        if applies(item, deal)
    ]


def open_items_text(items: list[AfterSignatureItem], today: dt.date) -> str:
    """`status`'s cell: the count and ids of open items, overdue ones marked."""
    open_items = [(item, item.state(today)) for item in items if item.state(today) != "done"]
    if not open_items:
        return "none"
    listed = ", ".join(
        f"{item.id} (overdue)" if state == "overdue" else item.id for item, state in open_items
    )
    return f"{len(open_items)}: {listed}"


@dataclass(frozen=True)
class AfterSignature:
    """An executed document and the post-signature checklist items that apply to it."""

    execution: Execution
    items: list[AfterSignatureItem]


def after_signature(
    workspace: Workspace,
    deal_id: str,
    deal: Deal,
    library: Library | None = None,
    repo: Repository | None = None,
) -> AfterSignature | None:
    """The deal's stage document's execution and its post-signature items, or None when not executed (the
    library and repository are opened here unless the command shares its own)."""
    # GitPython loads only for commands that read git
    from assembler.rounds.git import Repository

    try:
        repo = repo or Repository(workspace.root)
    except RepositoryError:
        return None
    execution = find_execution(repo, deal_id, deal.stage)
    if execution is None:
        return None
    library = library or Library(workspace.library_root)
    _check_item_ids(workspace, deal_id, deal, library)
    return AfterSignature(execution, after_signature_items(deal, library, execution.signed_on))


def _check_item_ids(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> None:
    """Unknown checklist ids in deal.yaml are typos that would leave an item open forever: refuse them."""
    problems = _unknown_ids(workspace, deal_id, deal, library)
    if problems:
        raise DealError("\n".join(problems))


def _unknown_ids(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> list[str]:
    if deal.signature is None:
        return []
    source = workspace.relative(workspace.deal_file(deal_id))
    problems = []
    recorded: list[tuple[str, list[str], list[str]]] = [
        (
            "pre_signature",
            [c.item for c in deal.signature.pre_signature],
            [item.id for item in pre_signature_checklist(library).items],
        ),
        (
            "post_signature",
            [c.item for c in deal.signature.post_signature],
            [item.id for item in post_signature_checklist(library).items],
        ),
    ]
    for key, entries, known in recorded:
        for index, entry in enumerate(entries):
            if entry not in known:
                problems.append(
                    f"{source}: signature.{key}.{index}.item: unknown {key.replace('_', '-')} checklist item "
                    f"{entry!r}; use one of: {', '.join(known)}"
                )
    return problems
