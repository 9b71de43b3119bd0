"""Reading past rounds back from git: the audit trail and redlines between any two rounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from assembler.assembly.twin import ClauseChange, clause_changes, summary_markdown
from assembler.assembly.wording import wording_changes
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import deal_changes
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import BadInputError
from assembler.library.validate import open_document
from assembler.rounds.git import Repository
from assembler.rounds.index import IndexedRepository
from assembler.rounds.redline import redline_docx
from assembler.rounds.round import Round, document_path, redline_path, rounds


@dataclass(frozen=True)
class HistoryEntry:
    """One round in a document's history: when, by whom, and the deal-term changes since the round before."""

    round: Round
    date: str
    author: str
    term_changes: list[tuple[str, object, object]]
    amends: str | None = None  # an amendment's round: the agreement it amends


def _amended(document_id: str, earlier: list[Round]) -> str | None:
    """The agreement an amendment belongs to: the last other document before it (amendments follow it)."""
    if not document_id.startswith("amendment-"):
        return None
    return next(
        (r.document_id for r in reversed(earlier) if not r.document_id.startswith("amendment-")), None
    )


def deal_history(
    workspace: Workspace, deal_id: str, repo: IndexedRepository | None = None
) -> list[HistoryEntry]:
    """Every round of the deal, oldest first, with the deal terms changed since the deal's previous round
    (from one walk of the history and one batch read of the rounds' deal files)."""
    workspace.deal_dir(deal_id)
    repo = repo or IndexedRepository(workspace.root)
    entries = []
    previous_yaml: str | None = None
    found = rounds(repo, deal_id)
    path = DealLayout(deal_id).deal_yaml
    repo.prefetch([(item.commit, path) for item in found])
    for index, item in enumerate(found):
        indexed = repo.commit(item.commit)
        if indexed is not None:
            date, author = indexed.date, indexed.author
        else:
            info = repo.commit_info(item.commit)
            date, author = info.date, info.author
        deal_yaml = repo.committed(item.commit, path).decode("utf-8")
        changes = (
            [c for c in deal_changes(previous_yaml, deal_yaml) if c[0] != "wording"]
            + wording_changes(previous_yaml, deal_yaml)
            if previous_yaml is not None
            else []
        )
        entries.append(HistoryEntry(item, date, author, changes, _amended(item.document_id, found[:index])))
        previous_yaml = deal_yaml
    return entries


@dataclass(frozen=True)
class Redline:
    """A redline written between two committed rounds, with its change summary."""

    path: Path
    summary_path: Path
    old: int
    new: int
    changes: list[ClauseChange]


def redline_between(
    workspace: Workspace, deal_id: str, document_id: str | None, old: int | None, new: int | None
) -> Redline:
    """Compare two committed rounds (default: the latest against the one before) and write the redline."""
    opened = open_document(workspace, deal_id, document_id)
    library, document_id = opened.library, opened.document_id
    repo = Repository(workspace.root)
    found = {r.number: r for r in rounds(repo, deal_id, document_id)}
    if len(found) < 2 and (old is None or new is None):
        raise BadInputError(
            f"{deal_id}/{document_id} has {len(found)} round(s); a redline needs two. Build a new round first"
        )
    new = new if new is not None else max(found)
    old = old if old is not None else max((n for n in found if n < new), default=0)
    for number in (old, new):
        if number not in found:
            known = ", ".join(str(n) for n in sorted(found)) or "none"
            raise BadInputError(f"{deal_id}/{document_id}: there is no round {number} (rounds: {known})")
    if old >= new:
        raise BadInputError(f"--from {old} must be an earlier round than --to {new}")
    older, newer = found[old], found[new]

    def blob(item: Round, suffix: str) -> bytes:
        return repo.committed(item.commit, document_path(deal_id, document_id, suffix))

    when = dt.datetime.fromisoformat(repo.commit_info(newer.commit).date)
    docx = redline_docx(blob(older, "docx"), blob(newer, "docx"), library.config.legal_team, when)
    changes = clause_changes(blob(older, "md").decode(), blob(newer, "md").decode())
    title = library.document(document_id).title
    path = workspace.root / redline_path(deal_id, document_id, old, new)
    summary = workspace.root / redline_path(deal_id, document_id, old, new, "md")
    write_files_atomically(
        {path: docx, summary: summary_markdown(title, old, new, changes).encode("utf-8")}, root=workspace.root
    )
    return Redline(path, summary, old, new, changes)
