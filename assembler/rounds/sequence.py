"""The commit sequence every writing command uses (build, ingest, sign), and its recovery after a crash.

Inside the writer lock: pre-flight everything that can fail (branch, outputs writable, free space, tag names
free), write the commit object, journal it, stage the new blobs in the real index, move HEAD by compare and
swap, tag, write the work-tree files, clear the journal. The real index is staged *before* HEAD moves, so it
is never one round behind HEAD: a user's plain `git commit` after a crash at any step cannot revert a round.
The next writer finds the journal and finishes or undoes the step that was cut short.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from assembler.atomic_write import write_files_atomically
from assembler.errors import RepositoryError, WorkspaceError
from assembler.rounds.git import Repository
from assembler.safe_files import escape_from

JOURNAL = "assembler-pending.json"
# Our own temporary files in the git directory (the writer lock proves no other writer owns them).
OUR_TEMP_FILES = ("assembler-blob-*", "assembler-index-*", "assembler-msg-*", "assembler-stage-*")
# git's own lock files that a crashed git command leaves behind.
GIT_LOCKS = ("index.lock", "HEAD.lock")
FREE_SPACE_MARGIN = 16 * 1024 * 1024


@contextlib.contextmanager
def writing(repo: Repository, timeout: float, branch: str | None = None) -> Iterator[None]:
    """The writer's critical section: the lock held, no stale git lock, leftovers of a crash healed, and
    (with `branch`) HEAD on that branch."""
    with repo.writer_lock(timeout):
        fault_point("locked")
        check_git_locks(repo, branch)
        remove_our_leftovers(repo)
        recover(repo)
        if branch is not None:
            check_branch(repo, branch)
        fault_point("recovered")
        yield


def check_git_locks(repo: Repository, branch: str | None) -> None:
    """Refuse, naming the file and its age, when git's own lock files exist (a running or crashed git)."""
    names = [*GIT_LOCKS, *([f"refs/heads/{branch}.lock"] if branch else [])]
    for name in names:
        lock = repo.git_dir / name
        if lock.exists():
            age = max(0, int(time.time() - lock.stat().st_mtime))
            raise RepositoryError(
                f"{lock} exists (left {age} s ago): another git command is running, or one crashed. If "
                f"no git process is running, remove the file (rm {lock}) and run the command again"
            )


def remove_our_leftovers(repo: Repository) -> None:
    """Delete temporary files a killed assembler left in the git directory and the deal folders."""
    for pattern in OUR_TEMP_FILES:
        for path in repo.git_dir.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    agreements = repo.root / "agreements"
    if agreements.is_dir() and not agreements.is_symlink():
        for path in agreements.rglob(".*.tmp"):  # write_files_atomically's temp siblings
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)


def check_branch(repo: Repository, branch: str) -> None:
    """Rounds are committed only on the library's branch: elsewhere two commits could claim one round."""
    head = repo.symbolic_head()
    if head != f"refs/heads/{branch}":
        where = "a detached HEAD" if head is None else f"branch {head.removeprefix('refs/heads/')}"
        raise RepositoryError(
            f"rounds are committed only on branch {branch} (clause_library/config.yaml: branch), and this "
            f"checkout is on {where}; switch to {branch} (git switch {branch}), or build with --no-commit"
        )


def _journal(repo: Repository) -> Path:
    return repo.git_dir / JOURNAL


def recover(repo: Repository) -> None:
    """Finish or undo a commit sequence a crash cut short (found from its journal)."""
    path = _journal(repo)
    if not path.is_file():
        return
    try:
        pending = json.loads(path.read_text(encoding="utf-8"))
        commit, paths = str(pending["commit"]), [str(p) for p in pending["paths"]]
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # unreadable: written by us and cut short before any index change
        return
    if repo.head() == commit:  # HEAD moved: make the work tree hold what the commit holds
        stale = {}
        for name in paths:
            committed = repo.read_blob(commit, name)
            target = repo.root / name
            if committed is not None and (not target.is_file() or target.read_bytes() != committed):
                stale[target] = committed
        if stale:
            write_files_atomically(stale, root=repo.root)
    repo.sync_index(paths)  # the index follows HEAD again (undoes the staging if HEAD never moved)
    path.unlink(missing_ok=True)


def preflight(repo: Repository, files: dict[str, bytes], tags: list[tuple[str, str]]) -> None:
    """Everything that could fail after HEAD moves is checked before it does."""
    for name, _ in tags:
        if repo.tag_exists(name):
            raise RepositoryError(
                f"tag {name} already exists but no round or execution claims it; inspect it "
                f"(git show {name}) and delete it if it is stale (git tag -d {name}), then run it again"
            )
    for relative in files:
        target = repo.root / relative
        problem = escape_from(repo.root, target)
        if problem:  # a linked folder on the way: refused before HEAD moves, not after
            raise WorkspaceError(
                f"{relative}: {problem}; nothing was committed: replace the link with a real folder or file"
            )
        if target.is_dir():
            raise RepositoryError(f"{relative} is a folder; remove or rename it, then run the command again")
        folder = next(p for p in (target.parent, *target.parent.parents) if p.exists())
        if not folder.is_dir() or not _writable(folder):
            raise RepositoryError(
                f"{folder} is not writable, so {relative} cannot be written; fix its permissions"
            )
    needed = sum(len(data) for data in files.values()) * 2 + FREE_SPACE_MARGIN
    if shutil.disk_usage(repo.root).free < needed:
        raise RepositoryError(
            f"not enough free disk space in {repo.root} ({needed // (1024 * 1024)} MB needed); "
            "free some space"
        )


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def record(
    repo: Repository,
    files: dict[str, bytes],
    message: str,
    date: str,
    tags: Iterable[tuple[str, str]] = (),
    written: Mapping[str, str] | None = None,
) -> str:
    """The commit sequence, inside `writing()`: commit exactly `files` on HEAD, tag the commit (name, message)
    and write the files to the work tree. Returns the commit.

    `written` (path → blob id) names blobs of `files` already stored, e.g. while the redline engine ran: a
    blob no commit names is inert, so storing them early changes nothing the sequence guarantees."""
    tags = list(tags)
    preflight(repo, files, tags)
    fault_point("before-commit")
    parent = repo.head()
    commit, blobs = repo.commit_object(files, message, date, parent, written)
    fault_point("after-object")
    _journal(repo).write_text(json.dumps({"commit": commit, "paths": sorted(files)}), encoding="utf-8")
    fault_point("after-journal")
    repo.stage(blobs)
    fault_point("after-stage")
    try:
        repo.move_head(commit, parent)
    except RepositoryError:
        repo.sync_index(list(files))  # undo the staging
        _journal(repo).unlink(missing_ok=True)
        raise
    fault_point("after-commit")
    for name, note in tags:
        repo.tag(name, commit, note)
    fault_point("after-tag")
    write_files_atomically({repo.root / path: data for path, data in files.items()}, root=repo.root)
    fault_point("after-files")
    _journal(repo).unlink(missing_ok=True)
    fault_point("done")
    return commit


def fault_point(name: str) -> None:
    """Test hooks: ASSEMBLER_FAULT_AT=<name> kills the process at that step, as a crash would;
    ASSEMBLER_KILL_AFTER=<name>=<seconds> kills it that long after the step (at a random moment of the
    window the test chooses); ASSEMBLER_FAULT_TRACE=<file> appends "<name> <monotonic seconds>" per step."""
    trace = os.environ.get("ASSEMBLER_FAULT_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as out:
            out.write(f"{name} {time.monotonic():.6f}\n")
    step, _, delay = os.environ.get("ASSEMBLER_KILL_AFTER", "").partition("=")
    if step == name:
        killer = threading.Timer(float(delay), os.kill, (os.getpid(), 9))
        killer.daemon = True
        killer.start()
    if os.environ.get("ASSEMBLER_FAULT_AT") == name:
        os.kill(os.getpid(), 9)
