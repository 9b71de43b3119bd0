"""Exit codes and how failures are reported: bad input 2, refused 1, a bug 3 with its traceback logged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace
from assembler.word.libreoffice import soffice_path

from .conftest import files_under, git, run_cli


def test_a_bug_exits_3_and_leaves_its_traceback_in_a_log(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("ASSEMBLER_TEST_INTERNAL_ERROR", "1")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    match = re.fullmatch(
        r"Error: internal error \(RuntimeError: forced internal error "
        r"\(ASSEMBLER_TEST_INTERNAL_ERROR is set\)\); this is a bug in assembler, please report it; "
        r"the traceback is in (\S+\.log)\n",
        result.stderr,
    )
    assert match, result.stderr
    log = Path(match.group(1))
    assert log.is_relative_to(tmp_path / "state")
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: forced internal error" in text


def test_bad_input_exits_2_and_a_refusal_exits_1(repo_workspace: Workspace) -> None:
    workspace = repo_workspace
    assert run_cli(workspace, "validate", "no-such-deal").exit_code == 2
    assert run_cli(workspace, "build", "acme", "--document", "oem-license-agreement").exit_code == 2
    refused = run_cli(workspace, "verify", "acme")  # nothing executed: a refusal, not bad input
    assert refused.exit_code == 1 and refused.stderr.startswith("Error: agreements/acme: nothing executed")


def test_a_pandoc_timeout_is_an_error_line_and_writes_nothing(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_under(workspace.root)
    monkeypatch.setenv("ASSEMBLER_PANDOC_TIMEOUT", "0.001")
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: pandoc did not finish within 0.001 s and was stopped; the document may be too large; "
        "set ASSEMBLER_PANDOC_TIMEOUT to allow longer\n"
    )
    assert files_under(workspace.root) == before


def test_a_time_budget_must_be_a_positive_number(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSEMBLER_PANDOC_TIMEOUT", "soon")
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 2
    assert result.stderr == "Error: ASSEMBLER_PANDOC_TIMEOUT='soon' is not a positive number of seconds\n"


@pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it"
)
def test_a_libreoffice_timeout_is_an_error_line_and_writes_no_pdf(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSEMBLER_SOFFICE_TIMEOUT", "0.01")
    result = run_cli(workspace, "build", "acme", "--no-commit", "--pdf")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: LibreOffice did not finish within 0.01 s and was stopped; no PDF was made; "
        "set ASSEMBLER_SOFFICE_TIMEOUT to allow longer\n"
    )
    assert not (workspace.deal_dir("acme") / "co-sell-agreement.pdf").exists()
    assert not (workspace.deal_dir("acme") / "co-sell-agreement.docx").exists()


def test_a_library_file_reports_every_problem_at_once(workspace: Workspace) -> None:
    model = workspace.library_root / "models" / "referral.yaml"
    text = model.read_text()
    model.write_text(text.replace("title:", "titel:", 1) + "surprise: true\n")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert "Error: clause_library/models/referral.yaml: title: Field required" in lines
    assert "Error: clause_library/models/referral.yaml: surprise: Extra inputs are not permitted" in lines


def test_every_broken_clause_file_is_reported_at_once(workspace: Workspace) -> None:
    clauses = sorted((workspace.library_root / "clauses").rglob("*.md"))
    first, second = clauses[0], clauses[1]
    first.write_text("no front matter\n")
    second.write_text(second.read_text().replace("version:", "versoin:", 1))
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(
        line.startswith(f"Error: clause_library/clauses/{first.parent.name}/{first.name}:") for line in lines
    )
    assert any(
        line.startswith(f"Error: clause_library/clauses/{second.parent.name}/{second.name}: version:")
        for line in lines
    )


def test_a_round_commit_missing_its_twin_is_an_error_not_empty_text(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    message = git(ws, "log", "-1", "--format=%B").replace("Round: 1", "Round: 2")
    # A commit that claims the round and touches its document, but lost the Markdown twin.
    docx = ws.root / "agreements/acme/co-sell-agreement.docx"
    docx.write_bytes(docx.read_bytes() + b"\0")
    git(ws, "add", "agreements/acme/co-sell-agreement.docx")
    git(ws, "rm", "-q", "agreements/acme/co-sell-agreement.md")
    git(ws, "commit", "-q", "-m", message)
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: commit ")
    assert "has no agreements/acme/co-sell-agreement.md, which it must hold" in result.stderr
