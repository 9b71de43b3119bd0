"""Rounds in git and tracked-change redlines between them, in real repositories."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest

from assembler.build import build
from assembler.deals.layout import Workspace
from assembler.word.libreoffice import docx_to_pdf, soffice_path

from .conftest import REMOVE, git, run_cli, set_deal
from .tracked_changes import assert_redline_between, changes


def set_fee(workspace: Workspace, fee: str) -> None:
    set_deal(workspace, "acme", {"terms.referral_fee_pct": Decimal(fee)})


def round_docx(workspace: Workspace, number: int, document: str = "co-sell-agreement") -> bytes:
    out = subprocess.run(
        ["git", "show", f"acme/{document}/r{number}:agreements/acme/{document}.docx"],
        cwd=workspace.root,
        check=True,
        capture_output=True,
    )
    return out.stdout


def commit_count(workspace: Workspace) -> int:
    return int(git(workspace, "rev-list", "--count", "HEAD"))


def test_round_then_edit_then_round_with_exact_redline(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    first = run_cli(ws, "build", "acme")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("Round 1 of agreements/acme/co-sell-agreement.docx committed (")
    set_fee(ws, "12")
    second = run_cli(ws, "build", "acme")
    assert second.exit_code == 0, second.stderr
    assert "terms.referral_fee_pct: 10 \u2192 12" in second.stdout
    assert (
        "Redline agreements/acme/redlines/co-sell-agreement.r1-r2.docx: changed: "
        "key-terms, Co-Sell Incentives" in second.stdout
    )

    tags = git(ws, "tag", "--list").split()
    assert tags == ["acme/co-sell-agreement/r1", "acme/co-sell-agreement/r2"]
    assert git(ws, "cat-file", "-t", "acme/co-sell-agreement/r2") == "tag\n"  # annotated
    message = git(ws, "log", "-1", "--format=%B")
    assert message.startswith("acme: Co-Sell Agreement, round 2\n")
    for trailer in ("Deal: acme", "Document: co-sell-agreement", "Round: 2", "Model: co-sell"):
        assert f"\n{trailer}\n" in message
    library_tree = git(ws, "rev-parse", "HEAD:clause_library").strip()
    assert f"\nClause-Library: {library_tree}\n" in message
    import hashlib

    docx = (ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes()
    assert f"\nDocx-SHA256: {hashlib.sha256(docx).hexdigest()}\n" in message
    committed = git(ws, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == [
        "agreements/acme/co-sell-agreement.docx",
        "agreements/acme/co-sell-agreement.md",
        "agreements/acme/deal.yaml",
        "agreements/acme/redlines/co-sell-agreement.r1-r2.docx",
        "agreements/acme/redlines/co-sell-agreement.r1-r2.md",
    ]

    redline = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx").read_bytes()
    found = changes(redline)
    assert found == {"ins": ["12%", "12%"], "del": ["10%", "10%"]}  # the incentives and the key-terms table
    xml = (
        zipfile.ZipFile(ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx")
        .read("word/document.xml")
        .decode()
    )
    commit_date = git(ws, "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ").strip()
    marks = re.findall(r"<w:(ins|del) ([^>]*)>", xml)
    # one change in the key-terms table, one in the incentives clause
    assert [(kind, attributes) for kind, attributes in marks] == [
        (kind, f'w:author="Northwind Legal" w:id="{number}" w:date="{commit_date}"')
        for number, kind in enumerate(["ins", "del", "ins", "del"], start=1)
    ]
    assert_redline_between(redline, round_docx(ws, 1), round_docx(ws, 2))
    summary = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.md").read_text()
    assert "| Co-Sell Incentives (`co-sell-incentives`) | changed |" in summary

    # The standalone command reproduces the committed redline byte for byte.
    again = run_cli(ws, "redline", "acme", "--from", "1", "--to", "2")
    assert again.exit_code == 0, again.stderr
    assert (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx").read_bytes() == redline
    assert git(ws, "status", "--porcelain") == ""


def test_identical_rebuild_makes_no_commit(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    run_cli(ws, "build", "acme")
    before = commit_count(ws)
    again = run_cli(ws, "build", "acme")
    assert again.exit_code == 0
    assert again.stdout == "agreements/acme/co-sell-agreement.docx is up to date (round 1)\n"
    assert commit_count(ws) == before
    # A change that does not alter the document (a comment) is not a new round either.
    path = ws.deal_file("acme")
    path.write_text(path.read_text() + "# reviewed\n")
    assert run_cli(ws, "build", "acme").stdout.endswith("is up to date (round 1)\n")


def test_round_commits_only_the_deal_and_leaves_other_work_staged(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    (ws.root / "notes.txt").write_text("unrelated, staged\n")
    git(ws, "add", "notes.txt")
    other = ws.deal_file("brightpath")
    other.write_text(other.read_text() + "# unstaged edit\n")
    assert run_cli(ws, "build", "acme").exit_code == 0
    committed = git(ws, "show", "--name-only", "--format=", "HEAD").split()
    assert all(path.startswith("agreements/acme/") for path in committed)
    status = git(ws, "status", "--porcelain").splitlines()
    assert sorted(status) == [" M agreements/brightpath/deal.yaml", "A  notes.txt"]


def test_build_outside_a_git_repository_says_what_to_do(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {workspace.root} is not inside a git repository: run `git init` there (drafts are committed "
        "as rounds), or build with --no-commit\n"
    )


def test_no_commit_renders_without_committing(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    before = commit_count(ws)
    result = run_cli(ws, "build", "acme", "--no-commit")
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == "Built agreements/acme/co-sell-agreement.docx and its .md twin (round 1, not committed)\n"
    )
    assert commit_count(ws) == before and git(ws, "tag") == ""


def test_history_lists_three_rounds_with_term_changes(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    run_cli(ws, "build", "acme")
    set_fee(ws, "12")
    run_cli(ws, "build", "acme")
    set_fee(ws, "11")
    run_cli(ws, "build", "acme")
    from assembler.history import deal_history

    entries = deal_history(ws, "acme")
    assert [e.round.number for e in entries] == [1, 2, 3]
    assert [e.term_changes for e in entries] == [
        [],
        [("terms.referral_fee_pct", "10", "12")],
        [("terms.referral_fee_pct", "12", "11")],
    ]
    assert entries[2].author == "Dana Legal <legal@northwind.example>"
    printed = run_cli(ws, "history", "acme")
    assert printed.exit_code == 0
    assert "terms.referral_fee_pct: 10 → 12" in printed.stdout
    assert "terms.referral_fee_pct: 12 → 11" in printed.stdout
    assert printed.stdout.count("co-sell-agreement") == 3


def test_moved_and_edited_clause_stays_visible_and_accept_reject_hold(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    run_cli(ws, "build", "acme")
    model = ws.library_root / "models" / "co-sell.yaml"
    model.write_text(
        model.read_text().replace(
            "    - co-sell-attribution\n    - co-sell-joint-opportunities\n",
            "    - co-sell-joint-opportunities\n    - co-sell-attribution\n",
        )
    )
    clause = ws.library_root / "clauses" / "co-sell" / "co-sell-attribution.md"
    text = clause.read_text()
    assert "are not prior contact" in text
    clause.write_text(
        text.replace("are not prior contact", "are never prior contact").replace("version: 1", "version: 2")
    )
    git(ws, "commit", "-q", "-am", "Move and reword the attribution clause")
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 0, result.stderr
    redline = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx").read_bytes()
    found = changes(redline)
    assert "never" in found["ins"] and "not" in found["del"]  # the edit inside the moved clause shows
    assert_redline_between(redline, round_docx(ws, 1), round_docx(ws, 2))


def test_table_rows_and_paragraphs_inserted_and_removed(repo_workspace: Workspace) -> None:
    """A term sheet row disappears and a cell changes: accept/reject still give each round exactly."""
    ws = repo_workspace
    set_deal(ws, "emberline", {"stage": "term-sheet"})
    assert run_cli(ws, "build", "emberline").exit_code == 0
    set_deal(
        ws, "emberline", {"terms.oem.minimum_annual_royalty": REMOVE, "terms.oem.royalty_pct": Decimal("20")}
    )
    result = run_cli(ws, "build", "emberline")
    assert result.exit_code == 0, result.stderr
    redline = (ws.deal_dir("emberline") / "redlines" / "term-sheet.r1-r2.docx").read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(redline)).read("word/document.xml").decode()
    assert re.search(r"<w:trPr>(?:(?!</w:trPr>).)*<w:del ", xml), "the removed row is a tracked row deletion"
    assert "20%" in changes(redline)["ins"]
    old = subprocess.run(
        ["git", "show", "emberline/term-sheet/r1:agreements/emberline/term-sheet.docx"],
        cwd=ws.root,
        check=True,
        capture_output=True,
    ).stdout
    new = (ws.deal_dir("emberline") / "term-sheet.docx").read_bytes()
    assert_redline_between(redline, old, new)


def test_refuses_a_dirty_clause_library_and_a_stale_index_lock(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    clause = ws.library_root / "clauses" / "general" / "governing-law.md"
    clause.write_text(clause.read_text() + "\nExtra.\n")
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: clause_library differs from its last commit "
        "(clause_library/clauses/general/governing-law.md); "
    )
    git(ws, "checkout", "--", "clause_library")
    lock = ws.root / ".git" / "index.lock"
    lock.write_text("")
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"Error: {re.escape(str(lock))} exists \(left \d+ s ago\): another git command is running, or one "
        rf"crashed\. If no git process is running, remove the file \(rm {re.escape(str(lock))}\) and run the "
        r"command again\n",
        result.stderr,
    ), result.stderr
    assert git(ws, "tag") == ""


def run_build_process(ws: Workspace, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **dict(extra_env)}
    return subprocess.run(
        [sys.executable, "-m", "assembler", "--workspace", str(ws.root), "build", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_concurrent_builds_keep_a_consistent_history(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    env = {**os.environ}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "assembler", "--workspace", str(ws.root), "build", "acme"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    messages = sorted(out for out, _ in outputs)
    assert sum("committed" in m for m in messages) == 1
    assert sum("up to date (round 1)" in m for m in messages) == 2
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1"]
    assert git(ws, "status", "--porcelain") == ""
    subprocess.run(["git", "fsck", "--no-progress"], cwd=ws.root, check=True, capture_output=True)


@pytest.mark.parametrize("fault", ["before-commit", "after-commit", "after-files"])
def test_a_killed_build_leaves_no_partial_files_and_recovers(repo_workspace: Workspace, fault: str) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_fee(ws, "12")
    git(ws, "commit", "-q", "-am", "acme: fee 12%")
    killed = run_build_process(ws, ("ASSEMBLER_FAULT_AT", fault))
    assert killed.returncode == -9
    status = git(ws, "status", "--porcelain", "--untracked-files=all", "--ignored").splitlines()
    assert not [line for line in status if ".tmp" in line or "assembler-" in line]
    assert not [line for line in status if line.startswith("??")]
    assert git(ws, "tag").split() == (
        ["acme/co-sell-agreement/r1", "acme/co-sell-agreement/r2"]
        if fault == "after-files"
        else ["acme/co-sell-agreement/r1"]
    )
    # The next build completes (or confirms) round 2 and leaves a clean tree.
    again = run_build_process(ws)
    assert again.returncode == 0, again.stderr
    if fault == "before-commit":  # round 2 was never committed: this build commits it
        assert re.fullmatch(
            r"Round 2 of agreements/acme/co-sell-agreement\.docx committed \([0-9a-f]{12}\), "
            r"tagged acme/co-sell-agreement/r2\n.*",
            again.stdout,
            re.S,
        ), again.stdout
    else:  # the commit survived the kill: this build confirms it and restores what was missing
        assert again.stdout == "agreements/acme/co-sell-agreement.docx is up to date (round 2)\n"
    assert git(ws, "status", "--porcelain") == ""
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1", "acme/co-sell-agreement/r2"]
    redline = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx").read_bytes()
    assert_redline_between(redline, round_docx(ws, 1), round_docx(ws, 2))


def test_git_diff_of_docx_shows_text(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    run_cli(ws, "build", "acme")
    set_fee(ws, "12")
    run_cli(ws, "build", "acme")
    assembler = os.path.join(os.path.dirname(sys.executable), "assembler")
    git(ws, "config", "diff.docx.textconv", f"{assembler} textconv")
    diff = git(
        ws,
        "diff",
        "acme/co-sell-agreement/r1",
        "acme/co-sell-agreement/r2",
        "--",
        "agreements/acme/co-sell-agreement.docx",
    )
    lines = diff.splitlines()
    removed = [line for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line for line in lines if line.startswith("+") and not line.startswith("+++")]
    fees_row = (
        "  Fees             {}% for sourced opportunities and 5% for influenced opportunities (Section 6)"
    )
    assert removed == [
        "-" + fees_row.format(10),
        "-    (a) for a Sourced Opportunity, 10% of the First-Year ACV of that contract; and",
    ]
    assert added == [
        "+" + fees_row.format(12),
        "+    (a) for a Sourced Opportunity, 12% of the First-Year ACV of that contract; and",
    ]


@pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it"
)
def test_libreoffice_opens_a_redline(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    build(ws, "acme")
    set_fee(ws, "12")
    result = build(ws, "acme")
    assert result.redline_path is not None
    assert docx_to_pdf(result.redline_path.read_bytes()).startswith(b"%PDF")


def test_a_machine_without_a_git_identity_commits_as_the_library_committer(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("EMAIL", "")  # git would otherwise guess from EMAIL / the host name
    result = run_cli(repo_workspace, "build", "acme")
    assert result.exit_code == 0, result.stderr
    assert git(repo_workspace, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "Northwind Legal <legal@northwind.example>|Northwind Legal <legal@northwind.example>\n"
    )
    assert git(repo_workspace, "tag") == "acme/co-sell-agreement/r1\n"
