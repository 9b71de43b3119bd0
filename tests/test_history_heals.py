"""A history that heals: a build killed at any step of the commit sequence (or at a random moment) leaves git
consistent, a user's plain `git commit` never reverts a round, and the next build completes the work."""

from __future__ import annotations

import base64
import importlib
import itertools
import json
import os
import random
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace

from .conftest import EXAMPLES, git, run_cli, set_deal
from .fault_driver import wait_for_group

STEPS = [
    "before-commit",
    "after-object",
    "after-journal",
    "after-stage",
    "after-commit",
    "after-tag",
    "after-files",
]
# Random kills in every run; ASSEMBLER_RANDOM_KILLS=1000 (or more) for a longer fault campaign.
RANDOM_KILLS = int(os.environ.get("ASSEMBLER_RANDOM_KILLS", "100"))
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


# --- random kills ---------------------------------------------------------------------------------------
# A short LOI keeps a round cheap (its round 2 still commits a redline); the kills are forked children of
# tests/fault_driver.py running build's locked part, each killed at a random moment of one of the gaps
# between the commit sequence's steps (every gap gets its share, however short), plus a few whole builds.
LOI = "agreements/acme/loi.docx"
LOI_TAGS = ["acme/loi/r1", "acme/loi/r2"]
DRIVER = Path(__file__).with_name("fault_driver.py")
# The writer's steps in order, as fault_point names them; a kill lands between two of them.
WINDOW = ["locked", "recovered", *STEPS, "done"]
REAL_BUILD_KILLS = 2
STACKED = 0.3  # how often a kill is followed by another kill before a clean run heals the repository


def _loi_build(ws: Workspace, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assembler",
            "--workspace",
            str(ws.root),
            "build",
            "acme",
            "--document",
            "loi",
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so the test can wait for its git processes
    )


def _trace(path: Path) -> dict[str, float]:
    """The steps a traced run reached, with their times (and empties the file)."""
    if not path.is_file():
        return {}
    steps = dict(line.split() for line in path.read_text().splitlines())
    path.unlink()
    return {step: float(at) for step, at in steps.items()}


def _blob(ws: Workspace, revision: str) -> bytes | None:
    found = subprocess.run(
        ["git", "cat-file", "blob", revision], cwd=ws.root, capture_output=True, check=False
    )
    return found.stdout if found.returncode == 0 else None


def _rev(ws: Workspace, revision: str) -> str:
    return git(ws, "rev-parse", revision).strip()


def _round_spec(ws: Workspace, tag: str, number: int) -> dict[str, object]:
    """Round `number` as build committed it (files, message, date, tag), for the driver to commit again."""
    from assembler.rounds.round import tag_message

    commit = _rev(ws, f"{tag}^{{commit}}")
    raw = subprocess.run(["git", "cat-file", "commit", commit], cwd=ws.root, capture_output=True, check=True)
    header, _, message = raw.stdout.decode("utf-8").partition("\n\n")
    author = next(line for line in header.splitlines() if line.startswith("author "))
    date = " ".join(author.split()[-2:])
    paths = {*git(ws, "diff-tree", "-r", "--name-only", f"{commit}^", commit).split()}
    paths.add("agreements/acme/deal.yaml")  # build commits it with every round, changed or not
    files = {}
    for path in sorted(paths):
        data = _blob(ws, f"{commit}:{path}")
        assert data is not None, path
        files[path] = base64.b64encode(data).decode("ascii")
    return {
        "branch": "main",
        "deal": "acme",
        "document": "loi",
        "number": number,
        "files": files,
        "message": message,
        "date": date,
        "tag": [tag, tag_message("acme", "loi", number)],
    }


class Driver:
    """tests/fault_driver.py: build's locked part in forked children, killed on request."""

    def __init__(self, ws: Workspace, spec: Path, errors: Path) -> None:
        self.errors = errors.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), str(ws.root), str(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )

    def run(self, kill: tuple[str, float] | None, trace: Path, fault_at: str | None = None) -> int:
        """One child, killed `kill[1]` seconds after step `kill[0]`, or at step `fault_at`, or not at all;
        its exit status."""
        assert self.process.stdin is not None and self.process.stdout is not None
        order = {"kill": kill, "fault_at": fault_at, "trace": str(trace)}
        self.process.stdin.write(json.dumps(order) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the driver ended: {self.errors.name} says {Path(self.errors.name).read_text()}"
        return int(json.loads(answer)["status"])

    def close(self) -> None:
        """Stop the server."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)
        self.errors.close()


def _blob_ids(ws: Workspace, revision: str, paths: list[str]) -> dict[str, str | None]:
    """The blob of each path in `revision` (None where it has none), in one git call."""
    listed = git(ws, "ls-tree", "-r", revision, "--", *paths)
    found = {line.split("\t", 1)[1]: line.split()[2] for line in listed.splitlines()}
    return {path: found.get(path) for path in paths}


def _assert_crash_state(ws: Workspace, paths: list[str], older: dict[str, str | None]) -> None:
    """What a crash may leave, and only that: git consistent, no git lock, the index equal to HEAD except
    for the round being committed (staged from the journal), and a user's plain commit reverts nothing."""
    _assert_consistent(ws)
    assert not (ws.root / ".git" / "index.lock").exists() and not (ws.root / ".git" / "HEAD.lock").exists()
    journal = ws.root / ".git" / "assembler-pending.json"
    try:
        pending = json.loads(journal.read_text())["commit"] if journal.is_file() else None
    except ValueError:  # cut short while it was written: nothing was staged yet, recovery drops it
        pending = None
    staged = git(ws, "diff", "--cached", "--name-only").split()
    assert pending is not None or staged == [], f"{staged} staged, and no journal says why"
    if pending is not None:
        theirs = _blob_ids(ws, pending, staged)
        assert {p: git(ws, "rev-parse", f":{p}").strip() for p in staged} == theirs
    # A user's plain `git commit` now; then HEAD and the index are put back as the crash left them, so the
    # campaign goes on from the crash itself.
    head, index = _rev(ws, "HEAD"), (ws.root / ".git" / "index").read_bytes()
    before = _blob_ids(ws, "HEAD", paths)
    committing = _blob_ids(ws, pending, paths) if pending else before
    (ws.root / "notes.txt").write_text("call notes\n")
    git(ws, "add", "notes.txt")
    git(ws, "commit", "-q", "-m", "notes")
    after = _blob_ids(ws, "HEAD", paths)
    git(ws, "update-ref", "HEAD", head)
    (ws.root / ".git" / "index").write_bytes(index)
    (ws.root / "notes.txt").unlink()
    for path in paths:
        assert after[path] in (before[path], committing[path]), f"the user's commit changed {path}"
        if before[path] != older[path]:
            assert after[path] != older[path], f"the user's commit reverted {path} to round 1"


def _assert_healed(ws: Workspace) -> None:
    assert git(ws, "status", "--porcelain") == ""  # index and work tree match HEAD
    assert git(ws, "tag").split() == LOI_TAGS
    assert [p.name for p in (ws.root / ".git").glob("assembler-*") if p.name != "assembler.lock"] == []
    assert list((ws.root / "agreements").rglob(".*.tmp")) == []
    _assert_consistent(ws)


def test_builds_killed_at_random_moments_heal(repo_workspace: Workspace, tmp_path: Path) -> None:
    ws = repo_workspace
    trace = tmp_path / "trace"
    first = _loi_build(ws)
    assert first.wait(timeout=300) == 0, first.communicate()
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("11")})
    git(ws, "commit", "-q", "-am", "acme: fee 11%")
    pending = _rev(ws, "HEAD")  # round 2 due: the state every kill starts from
    second = _loi_build(ws, ASSEMBLER_FAULT_TRACE=str(trace))
    assert second.wait(timeout=300) == 0, second.communicate()
    real = _trace(trace)
    spec = tmp_path / "round-2.json"
    spec.write_text(json.dumps(_round_spec(ws, LOI_TAGS[1], 2)))
    paths = sorted(json.loads(spec.read_text())["files"])
    older = _blob_ids(ws, LOI_TAGS[0], paths)

    def rewind() -> None:  # round 2 due again
        git(ws, "tag", "-d", LOI_TAGS[1])
        git(ws, "reset", "-q", "--hard", pending)

    rewind()
    chooser = random.Random(20261201)
    landed: Counter[str] = Counter()
    # A few whole builds, killed anywhere in the locked part (render and redline included).
    for _ in range(REAL_BUILD_KILLS):
        process = _loi_build(
            ws, ASSEMBLER_KILL_AFTER=f"locked={chooser.uniform(0, real['done'] - real['locked'])}"
        )
        _, err = process.communicate(timeout=300)
        wait_for_group(process.pid)
        assert process.returncode in (-9, 0), err
        _assert_crash_state(ws, paths, older)
        if process.returncode == -9:
            landed["build"] += 1
        else:  # it got through: round 2 due again
            _assert_healed(ws)
            rewind()
    driver = Driver(ws, spec, tmp_path / "driver-errors")
    try:
        assert driver.run(None, trace) == 0  # heals what the builds left
        _assert_healed(ws)
        rewind()
        _trace(trace)
        assert driver.run(None, trace) == 0  # a clean run, timed step by step
        times = _trace(trace)
        _assert_healed(ws)
        rewind()
        for step in WINDOW:  # first at each step boundary, the three the full builds above do not take too
            assert driver.run(None, trace, fault_at=step) == -9
            assert list(_trace(trace))[-1] == step
            _assert_crash_state(ws, paths, older)
            assert driver.run(None, trace) == 0, (tmp_path / "driver-errors").read_text()
            _trace(trace)
            _assert_healed(ws)
            rewind()
        gaps = {a: times[b] - times[a] for a, b in itertools.pairwise(WINDOW)}
        heals = 0
        for _ in range(RANDOM_KILLS * 3):  # a bound, far above what it takes
            if sum(landed.values()) >= RANDOM_KILLS:
                break
            step = chooser.choice(WINDOW[:-1])
            status = driver.run((step, chooser.uniform(0, gaps[step])), trace)
            reached = list(_trace(trace))
            if status == -9:
                landed[reached[-1] if reached else "started"] += 1
                _assert_crash_state(ws, paths, older)
                if chooser.random() < STACKED:
                    continue  # crash again before anything healed
            else:
                assert status == 0, (tmp_path / "driver-errors").read_text()
            heals += 1
            if heals % 40 == 0:  # now and then the real command heals it
                healing = _loi_build(ws)
                _, err = healing.communicate(timeout=300)
                assert healing.returncode == 0, err
            else:
                assert driver.run(None, trace) == 0, (tmp_path / "driver-errors").read_text()
                _trace(trace)
            _assert_healed(ws)
            rewind()
    finally:
        driver.close()
    print(f"random kills landed after each step: {dict(landed)}")  # shown with pytest -s
    assert sum(landed.values()) >= RANDOM_KILLS, landed
    # The kills fell in every part of the writer's window, not just the longest.
    assert len(landed) >= min(len(WINDOW) - 2, RANDOM_KILLS // 10), landed
    healing = _loi_build(ws)
    _, err = healing.communicate(timeout=300)
    assert healing.returncode == 0, err
    _assert_healed(ws)


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
