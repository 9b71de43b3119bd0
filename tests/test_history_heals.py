"""A history that heals: a build killed at any step of the commit sequence (or at a random moment) leaves git
consistent, a user's plain `git commit` never reverts a round, and the next build completes the work."""

from __future__ import annotations

import importlib
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace

from .conftest import EXAMPLES, git, run_cli, set_deal

STEPS = [
    "before-commit",
    "after-object",
    "after-journal",
    "after-stage",
    "after-commit",
    "after-tag",
    "after-files",
]
# Random kills: a few in every run; ASSEMBLER_RANDOM_KILLS=100 (or more) for the full fault campaign.
RANDOM_KILLS = int(os.environ.get("ASSEMBLER_RANDOM_KILLS", "6"))
DOCX = "agreements/acme/co-sell-agreement.docx"


def _build(ws: Workspace, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assembler", "--workspace", str(ws.root), "build", "acme"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _second_round_pending(ws: Workspace) -> None:
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})
    git(ws, "commit", "-q", "-am", "acme: fee 12%")


def _assert_consistent(ws: Workspace) -> None:
    """git fsck clean; every tag names a commit that claims that round; no lock or temp file is left
    without the next command naming or removing it."""
    subprocess.run(["git", "fsck", "--no-progress"], cwd=ws.root, check=True, capture_output=True)
    for tag in git(ws, "tag").split():
        number = tag.rsplit("/r", 1)[1]
        assert f"Round: {number}" in git(ws, "log", "-1", "--format=%B", tag)


def _heals_after_any(ws: Workspace) -> None:
    """After random kills: the next build succeeds and leaves index, work tree and tags consistent."""
    again = _build(ws)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert git(ws, "status", "--porcelain") == ""
    assert [p.name for p in (ws.root / ".git").glob("assembler-*") if p.name != "assembler.lock"] == []
    _assert_consistent(ws)


def _heals(ws: Workspace) -> None:
    """A user's ordinary commit now, then the next build: no round is reverted, the history is complete."""
    rounds_before = {t: git(ws, "rev-parse", f"{t}:{DOCX}") for t in git(ws, "tag").split()}
    (ws.root / "notes.txt").write_text("call notes\n")
    git(ws, "add", "notes.txt")
    git(ws, "commit", "-q", "-m", "notes")
    # No round is reverted: HEAD holds the latest round's document (or the round being committed, which the
    # crash left staged), never an older round's.
    ordered = sorted(rounds_before, key=lambda t: int(t.rsplit("/r", 1)[1]))
    older = {rounds_before[t] for t in ordered[:-1]} - {rounds_before[ordered[-1]]}
    assert git(ws, "rev-parse", f"HEAD:{DOCX}") not in older
    again = _build(ws)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1", "acme/co-sell-agreement/r2"]
    assert git(ws, "status", "--porcelain") == ""  # index and work tree match HEAD
    leftovers = [p.name for p in (ws.root / ".git").glob("assembler-*") if p.name != "assembler.lock"]
    assert leftovers == []
    _assert_consistent(ws)


@pytest.mark.parametrize("step", STEPS)
def test_a_build_killed_at_each_step_of_the_commit_sequence_heals(
    repo_workspace: Workspace, step: str
) -> None:
    ws = repo_workspace
    _second_round_pending(ws)
    killed = _build(ws, ASSEMBLER_FAULT_AT=step)
    killed.communicate(timeout=300)
    assert killed.returncode == -9
    _assert_consistent(ws)
    _heals(ws)


def test_builds_killed_at_random_moments_heal(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    started = time.monotonic()
    first = _build(ws)  # round 1, timed: the kills below land anywhere in a build of round 2
    first.communicate(timeout=300)
    duration = (time.monotonic() - started) * 1.5
    assert first.returncode == 0
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})
    git(ws, "commit", "-q", "-am", "acme: fee 12%")
    chooser = random.Random(20261201)
    for _ in range(RANDOM_KILLS):
        process = _build(ws)
        time.sleep(chooser.uniform(0, duration))
        process.kill()
        process.communicate(timeout=300)
        _assert_consistent(ws)
        if len(git(ws, "tag").split()) == 2:  # round 2 got through: back to a pending round 2
            set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal(str(13 + _))})
            git(ws, "commit", "-q", "-am", "acme: fee moved")
    _heals_after_any(ws)


def test_rounds_are_committed_only_on_the_configured_branch(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    git(ws, "switch", "-q", "-c", "experiment")
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: rounds are committed only on branch main (clause_library/config.yaml: branch), and this "
        "checkout is on branch experiment; switch to main (git switch main), or build with --no-commit\n"
    )
    assert git(ws, "tag") == ""
    git(ws, "switch", "-q", "--detach", "main")
    assert "this checkout is on a detached HEAD" in run_cli(ws, "build", "acme").stderr
    assert run_cli(ws, "build", "acme", "--no-commit").exit_code == 0
    assert git(ws, "tag") == ""


def test_a_stale_tag_is_refused_before_head_moves(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    head = git(ws, "rev-parse", "HEAD")
    git(ws, "tag", "acme/co-sell-agreement/r1", "HEAD")  # claims round 1, but no commit says so
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: tag acme/co-sell-agreement/r1 already exists but no round or execution claims it"
    )
    assert git(ws, "rev-parse", "HEAD") == head
    assert git(ws, "status", "--porcelain") == ""


def test_a_work_tree_write_that_fails_after_the_commit_is_restored_next_time(
    repo_workspace: Workspace,
) -> None:
    ws = repo_workspace
    _second_round_pending(ws)
    killed = _build(ws, ASSEMBLER_FAULT_AT="after-tag")  # committed and tagged; no file written
    killed.communicate(timeout=300)
    stale = (ws.root / DOCX).read_bytes()
    assert (ws.root / ".git" / "assembler-pending.json").is_file()
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "agreements/acme/co-sell-agreement.docx is up to date (round 2)\n"
    assert (ws.root / DOCX).read_bytes() != stale
    assert not (ws.root / ".git" / "assembler-pending.json").exists()
    assert Path(ws.root / "agreements/acme/redlines/co-sell-agreement.r1-r2.docx").is_file()


def test_verify_rebuild_reproduces_every_round_of_every_example_deal(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    for deal in sorted(set(EXAMPLES.values())):
        assert run_cli(ws, "build", deal).exit_code == 0, run_cli(ws, "build", deal).stderr
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})
    assert run_cli(ws, "build", "acme").exit_code == 0
    for deal in sorted(set(EXAMPLES.values())):
        result = run_cli(ws, "verify", deal, "--rebuild")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.count("(identical)") == (2 if deal == "acme" else 1)


def test_a_skip_worktree_clause_edit_is_refused_and_a_round_made_from_one_does_not_rebuild(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    clause = "clause_library/clauses/general/governing-law.md"
    git(ws, "update-index", "--skip-worktree", clause)
    path = ws.root / clause
    path.write_text(path.read_text().replace("governed by", "governed exclusively by", 1))
    assert git(ws, "status", "--porcelain") == ""  # git itself sees nothing
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: clause_library differs from its last commit ({clause}); ")
    ignored = ws.root / "clause_library" / "clauses" / "general" / "scratch.md"
    (ws.root / ".git" / "info" / "exclude").write_text("scratch.md\n")
    ignored.write_text("---\n")
    assert "clause_library/clauses/general/scratch.md" in run_cli(ws, "build", "acme").stderr
    ignored.unlink()
    # A round built past the check (as an older tool would have) is caught by verify --rebuild.
    monkeypatch.setattr(
        importlib.import_module("assembler.build"), "library_differences", lambda repo, root: []
    )
    assert run_cli(ws, "build", "acme").exit_code == 0
    result = run_cli(ws, "verify", "acme", "--rebuild")
    assert result.exit_code == 1
    assert (
        "co-sell-agreement round 1" in result.stderr and "does not render again to its bytes" in result.stderr
    )
