"""`status` reuses a deal's row only while every input of it is unchanged (status_cache)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import assembler.status as status
from assembler.deals.layout import Workspace
from assembler.status import StatusRow, row_from_json, row_to_json, status_rows

from .conftest import git, set_deal, sign_acme

DAY = dt.date(2026, 11, 2)


def _no_recompute(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make computing a row record the deal instead of computing it (so a reused row is told apart)."""
    computed: list[str] = []
    real = status.deal_state

    def spy(workspace: Workspace, deal_id: str, *args: Any, **kwargs: Any) -> Any:
        computed.append(deal_id)
        return real(workspace, deal_id, *args, **kwargs)

    monkeypatch.setattr(status, "deal_state", spy)
    return computed


def test_rows_are_reused_while_their_inputs_are_unchanged(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    first = status_rows(ws, DAY)
    computed = _no_recompute(monkeypatch)
    assert status_rows(ws, DAY) == first
    assert computed == []  # every row came from memory, and equals the computed one
    assert (ws.root / ".git" / "assembler" / "status-rows.json").is_file()
    assert git(ws, "status", "--porcelain") == ""  # the memory is no file of the work tree


def test_any_changed_input_recomputes_only_the_rows_it_reaches(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    before = {r.deal_id: r for r in status_rows(ws, DAY)}
    computed = _no_recompute(monkeypatch)

    set_deal(ws, "acme", {"partner.name": "Acme Renamed, Inc."})  # the deal's file
    rows = {r.deal_id: r for r in status_rows(ws, DAY)}
    assert computed == ["acme"] and rows["acme"].partner == "Acme Renamed, Inc."
    assert rows["corvid"] == before["corvid"]

    computed.clear()
    git(ws, "commit", "-q", "-am", "acme: partner renamed")  # the deal's history
    status_rows(ws, DAY)
    assert computed == ["acme"]

    computed.clear()
    later = {r.deal_id: r for r in status_rows(ws, DAY + dt.timedelta(days=3))}  # the day
    assert sorted(computed) == sorted(before) and later["corvid"].day == before["corvid"].day + 3

    computed.clear()
    clause = ws.library_root / "clauses" / "general" / "confidentiality.md"
    clause.write_text(clause.read_text() + "\nA sentence Legal added.\n")  # the library
    status_rows(ws, DAY)
    assert sorted(computed) == sorted(before)

    computed.clear()
    (ws.deal_dir("corvid") / "notes.txt").write_text("any file of the deal's folder\n")
    status_rows(ws, DAY)
    assert computed == ["corvid"]


def test_a_broken_deal_is_never_remembered(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    (ws.deal_dir("acme") / "deal.yaml").write_text("model: [unclosed\n")
    assert next(r for r in status_rows(ws, DAY) if r.deal_id == "acme").error
    computed = _no_recompute(monkeypatch)
    assert next(r for r in status_rows(ws, DAY) if r.deal_id == "acme").error
    assert computed == ["acme"]


def test_an_executed_deal_row_reads_back_as_it_was_written(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    sign_acme(ws)
    rows = status_rows(ws, dt.date(2026, 11, 22))
    executed = next(r for r in rows if r.deal_id == "acme")
    assert executed.after_signature and executed.obligations and executed.signed_on
    assert any(item.done is None for item in executed.after_signature)
    for row in rows:
        assert row_from_json(row_to_json(row)) == row
    assert status_rows(ws, dt.date(2026, 11, 22)) == rows


def test_a_row_with_a_completed_item_reads_back() -> None:
    from assembler.deals.contract import Completion
    from assembler.signature.after import AfterSignatureItem

    done = Completion(item="crm-updated", done_by="Sam Rivera", date=dt.date(2026, 11, 21))
    row = StatusRow(
        "acme", "Acme", "co-sell", "executed", 1, 30, None, 0,
        [AfterSignatureItem("crm-updated", "CRM updated", dt.date(2026, 11, 22), done)],
        signed_on=dt.date(2026, 11, 20),
    )  # fmt: skip
    assert row_from_json(row_to_json(row)) == row
