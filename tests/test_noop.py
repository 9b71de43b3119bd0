"""A rebuild whose inputs are those of the latest round says "up to date" without rendering anything; a
change to any input (the deal, a clause, a template, the tool's version) still renders and commits."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace
from assembler.rounds import inputs
from assembler.rounds.inputs import unchanged_round

from .conftest import git, run_cli, set_deal

UP_TO_DATE = "agreements/acme/co-sell-agreement.docx is up to date (round {})\n"


def failing_pandoc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the build at a pandoc that always fails: a build that renders cannot succeed."""
    script = tmp_path / "no-pandoc"
    script.write_text("#!/bin/sh\necho 'pandoc must not run' >&2\nexit 7\n")
    script.chmod(0o755)
    monkeypatch.setenv("ASSEMBLER_PANDOC", str(script))


def head(ws: Workspace) -> str:
    return git(ws, "rev-parse", "HEAD").strip()


def test_an_unchanged_rebuild_runs_no_pandoc(
    repo_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    first = run_cli(ws, "build", "acme")
    assert first.exit_code == 0, first.stderr
    assert "Inputs: " in git(ws, "log", "-1", "--format=%B")
    before = head(ws)
    failing_pandoc(tmp_path, monkeypatch)
    again = run_cli(ws, "build", "acme")
    assert (again.exit_code, again.stdout, again.stderr) == (0, UP_TO_DATE.format(1), "")
    also = run_cli(ws, "build", "acme", "--document", "co-sell-agreement")  # asked for by name: renders
    assert also.exit_code != 0 and "pandoc failed" in also.stderr
    assert head(ws) == before


def test_the_no_op_stands_aside_when_the_work_tree_lags_the_round(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    twin = ws.deal_dir("acme") / "co-sell-agreement.md"
    committed = twin.read_bytes()
    twin.write_text("edited by hand\n")
    assert unchanged_round(ws.root, "acme", None) is None
    again = run_cli(ws, "build", "acme")  # the full build restores the round's files, as after a crash
    assert again.stdout == UP_TO_DATE.format(1)
    assert twin.read_bytes() == committed
    assert unchanged_round(ws.root, "acme", None) is not None


def _change_deal(ws: Workspace) -> None:
    set_deal(ws, "acme", {"terms.referral_fee_pct": "11"})


def _change_clause(ws: Workspace) -> None:
    path = ws.library_root / "clauses" / "co-sell" / "co-sell-forecasting-and-governance.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nThe Parties will keep minutes of each Pipeline Call.\n"
    )
    git(ws, "commit", "-q", "-am", "Legal: minutes of the pipeline call")


def _change_template(ws: Workspace) -> None:
    path = ws.library_root / "templates" / "reference.docx"
    with zipfile.ZipFile(path) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    styles = parts["word/styles.xml"]
    assert b'w:sz w:val="22"' in styles
    parts["word/styles.xml"] = styles.replace(b'w:sz w:val="22"', b'w:sz w:val="23"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    path.write_bytes(out.getvalue())
    git(ws, "commit", "-q", "-am", "House style: body text a half point larger")


@pytest.mark.parametrize("change", [_change_deal, _change_clause, _change_template], ids=lambda f: f.__name__)
def test_a_changed_input_renders_and_makes_a_new_round(
    repo_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: object
) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    assert callable(change)
    change(ws)
    with monkeypatch.context() as patched:
        failing_pandoc(tmp_path, patched)
        blocked = run_cli(ws, "build", "acme")
        assert blocked.exit_code != 0 and "pandoc failed" in blocked.stderr  # it did try to render
    made = run_cli(ws, "build", "acme")
    assert made.exit_code == 0, made.stderr
    assert made.stdout.startswith("Round 2 of agreements/acme/co-sell-agreement.docx committed")


def test_a_new_tool_version_renders_again(
    repo_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    assert unchanged_round(ws.root, "acme", None) is not None
    assert unchanged_round(ws.root, "acme", None, version="99.0.0") is None
    monkeypatch.setattr(inputs, "tool_version", lambda: "99.0.0")
    failing_pandoc(tmp_path, monkeypatch)
    again = run_cli(ws, "build", "acme")
    assert again.exit_code != 0 and "pandoc failed" in again.stderr


def test_an_uncommitted_library_edit_is_reported_as_before(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    path = ws.library_root / "clauses" / "co-sell" / "co-sell-forecasting-and-governance.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nAn edit Legal has not committed.\n")
    again = run_cli(ws, "build", "acme")
    assert again.exit_code != 0
    assert "clause_library differs from its last commit" in again.stderr


def test_an_unchanged_rebuild_loads_no_renderer_and_reads_git_three_times(
    repo_workspace: Workspace, tmp_path: Path
) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    trace = tmp_path / "git-trace"
    again = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assembler", "--workspace", str(ws.root), "build", "acme"],
        env={**os.environ, "GIT_TRACE": str(trace)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout == UP_TO_DATE.format(1)
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines() if "|" in line}
    assert {"git", "pydantic", "docxtpl", "python_redlines", "assembler.build"} & imported == set()
    started = [line for line in trace.read_text().splitlines() if "trace: built-in: git " in line]
    assert len(started) == 3, started


def test_a_preliminary_round_is_up_to_date_only_on_its_build_date(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    monkeypatch.setenv("ASSEMBLER_TODAY", "2026-10-02")
    made = run_cli(ws, "build", "acme", "--document", "loi")  # its milestone dates follow the build date
    assert made.exit_code == 0, made.stderr
    assert unchanged_round(ws.root, "acme", "loi") is not None
    monkeypatch.setenv("ASSEMBLER_TODAY", "2026-12-01")
    assert unchanged_round(ws.root, "acme", "loi") is None
