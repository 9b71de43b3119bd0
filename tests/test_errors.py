"""Exit codes and how failures are reported: bad input 2, refused 1, a bug 3 with its traceback logged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace
from assembler.word.libreoffice import soffice_path

from .conftest import files_under, run_cli


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
