"""`check`: one deal's negotiation picture (findings, week plan, positions, ledger) and negotiation.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assembler.assembly.assemble import assemble
from assembler.assembly.wording import deal_overrides
from assembler.atomic_write import write_files_atomically
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import RepositoryError
from assembler.library.loader import Library
from assembler.library.plan import target_days
from assembler.library.validate import open_document
from assembler.playbook.approvals import evaluate_proven
from assembler.playbook.clock import progress_from_git
from assembler.playbook.findings import (
    rate_positions,
    week_plan,
)
from assembler.playbook.negotiation import DealState, concession_ledger, negotiation_markdown, today_from
from assembler.rounds.round import latest_round, rounds


def open_repository(workspace: Workspace) -> Any:
    """The workspace's repository with its history indexed in one walk (None outside a git repository)."""
    # GitPython loads only for commands that read git
    from assembler.rounds.index import IndexedRepository

    try:
        return IndexedRepository(workspace.root)
    except RepositoryError:
        return None  # not a repository: no rounds, no ledger


_UNSET: Any = object()


def deal_state(
    workspace: Workspace,
    deal_id: str,
    document_id: str | None = None,
    today: dt.date | None = None,
    *,
    library: Library | None = None,
    repo: Any = _UNSET,
) -> DealState:
    """Everything `check` reports about one deal, from the deal file, the library and git (`library` and
    `repo`, from `open_repository`, are shared by a command that reads many deals)."""
    opened = open_document(workspace, deal_id, document_id, library)
    library, deal, document_id = opened.library, opened.deal, opened.document_id
    day = today_from(today)
    overrides = deal_overrides(workspace, deal_id, deal, library)
    assembled = assemble(deal, deal_id, library, document_id, day, overrides)
    if repo is _UNSET:
        repo = open_repository(workspace)
    found = rounds(repo, deal_id) if repo is not None else []
    progress = progress_from_git(repo, deal_id, library)
    latest = latest_round(repo, deal_id, document_id) if repo is not None else None
    path = DealLayout(deal_id).deal_yaml
    if repo is not None:
        repo.prefetch([(r.commit, path) for r in found])  # every round's deal file in one batch read
    history = [(f"{r.document_id} r{r.number}", repo.committed(r.commit, path).decode()) for r in found]
    findings = evaluate_proven(
        workspace.root,
        deal_id,
        deal,
        library,
        assembled,
        today=day,
        progress=progress,
        first_round=latest is None,
        repo=repo,
    )
    return DealState(
        deal_id,
        deal,
        assembled,
        findings,
        rate_positions(deal, library),
        week_plan(deal, library, day, progress),
        concession_ledger(deal, library, history),
        progress,
        latest.number if latest else None,
        day,
        target_days(deal, library),
    )


def write_negotiation_report(workspace: Workspace, state: DealState, library: Library) -> str:
    """Write the deal's negotiation report (negotiation.md) and return its workspace-relative path."""
    path = workspace.path(DealLayout(state.deal_id).negotiation_report)
    write_files_atomically({path: negotiation_markdown(state, library).encode("utf-8")}, root=workspace.root)
    return workspace.relative(path)
