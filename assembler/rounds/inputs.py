"""A round's inputs digest (its `Inputs:` trailer) and the no-op check a build makes before it renders.

A round records the digest of everything its document is built from: the deal file's bytes, the deal's
wording files, the clause library's committed tree (clauses, rules and templates), the tool's version, the
document asked for and the branch, plus the build date for a preliminary document (its printed milestone
dates follow the build date). When the deal's latest commit is a round whose digest is that of the inputs
now, and the work tree still holds that round's files, rendering again could only give the same bytes: the
build says "up to date" without starting pandoc, docxtpl or Docxodus.

The check reads git with three plain `git` read commands run side by side, not through rounds/git.py: that
module's GitPython import alone costs more than the whole check. Anything unusual (no repository, a crash
journal, a lock, a library edit, a work-tree file that lags the round) means "not known to be up to date",
and the full build runs and says what it says today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assembler.deals.layout import DEAL_ID, DealLayout
from assembler.rounds.trailers import INPUTS, LOG_FORMAT, parse_log

LIBRARY = "clause_library"
WORDING = "wording"
# git's own lock files and our crash journal (rounds/sequence.py): when present, the full build decides.
UNSETTLED = ("index.lock", "HEAD.lock", "assembler-pending.json")
GIT_READ_TIMEOUT_SECONDS = 30.0


@cache
def tool_version() -> str:
    """The installed assembler's version (part of every round's inputs: a new tool may render differently)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assembler")
    except PackageNotFoundError:
        return "unknown"


def blob_id(data: bytes) -> str:
    """The id git gives a file's content (SHA-1 of the blob object)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def deal_inputs(deal_dir: Path) -> tuple[bytes, dict[str, bytes]] | None:
    """The deal file's bytes and every wording file (path under the deal folder → bytes), from the work tree;
    None without a deal file. A linked wording file is recorded as such: a build refuses it anyway."""
    try:
        deal_yaml = (deal_dir / "deal.yaml").read_bytes()
    except OSError:
        return None
    wording: dict[str, bytes] = {}
    folder = deal_dir / WORDING
    if folder.is_symlink():
        wording[WORDING] = b"\0link"
    elif folder.is_dir():
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(deal_dir).as_posix()
            if path.is_symlink():
                wording[name] = b"\0link"
            elif path.is_file():
                wording[name] = path.read_bytes()
    return deal_yaml, wording


def inputs_digest(
    *,
    deal_yaml: bytes,
    wording: Mapping[str, bytes],
    library: Mapping[str, str],
    document: str,
    branch: str,
    today: dt.date | None,
    version: str | None = None,
) -> str:
    """The digest of a round's inputs (SHA-256, hex). `library` maps each clause-library file to its blob id;
    `document` is the document asked for ("" for the deal's stage); `today` is given for a preliminary
    document only."""
    digest = hashlib.sha256()

    def field(name: str, value: bytes) -> None:
        digest.update(b"%s %d\n" % (name.encode(), len(value)))
        digest.update(value)

    field("version", (version or tool_version()).encode())
    field("document", document.encode())
    field("branch", branch.encode())
    field("today", today.isoformat().encode() if today else b"")
    field("deal.yaml", deal_yaml)
    for name in sorted(wording):
        field(f"wording {name}", wording[name])
    for name in sorted(library):
        field(f"library {name}", library[name].encode())
    return digest.hexdigest()


def build_date(environ: Mapping[str, str] = os.environ) -> dt.date | None:
    """The build date as the build reads it (ASSEMBLER_TODAY, else the system date); None when the pin is
    not a date (the full build reports that)."""
    pinned = environ.get("ASSEMBLER_TODAY")
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        return None


@dataclass(frozen=True)
class UpToDate:
    """The round a no-op build found the inputs unchanged since."""

    document_id: str
    number: int
    docx: Path


def _git(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["git", *args], cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


def _finish(process: subprocess.Popen[bytes]) -> bytes | None:
    try:
        out, _ = process.communicate(timeout=GIT_READ_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return out if process.returncode == 0 else None


def _tree(raw: bytes) -> dict[str, str]:
    """`git ls-tree -r -z` output → path → blob id (files only)."""
    entries = {}
    for entry in raw.decode("utf-8", "surrogateescape").split("\x00"):
        info, _, name = entry.partition("\t")
        parts = info.split(" ")
        if len(parts) == 3 and parts[1] == "blob":
            entries[name] = parts[2]
    return entries


def library_blobs(tree: Mapping[str, str]) -> dict[str, str]:
    """The clause-library part of a repository listing, keyed relative to clause_library/."""
    prefix = f"{LIBRARY}/"
    return {name.removeprefix(prefix): blob for name, blob in tree.items() if name.startswith(prefix)}


def _library_is_committed(root: Path, committed: Mapping[str, str]) -> bool:
    """Whether the work tree's clause_library is exactly the committed one (rounds/rebuild.py's rule)."""
    folder = root / LIBRARY
    seen = 0
    for found in folder.rglob("*"):
        if found.is_symlink():
            return False
        if not found.is_file():
            continue
        name = found.relative_to(folder).as_posix()
        if committed.get(name) != blob_id(found.read_bytes()):
            return False
        seen += 1
    return seen == len(committed)


def unchanged_round(
    root: Path, deal_id: str, document_id: str | None, *, version: str | None = None
) -> UpToDate | None:
    """The deal's latest round when building it again could change nothing, else None (build it)."""
    if not DEAL_ID.fullmatch(deal_id):
        return None
    layout = DealLayout(deal_id)
    today = build_date()
    found = deal_inputs(root / layout.folder)
    if today is None or found is None:
        return None
    deal_yaml, wording = found
    # Three reads, run side by side: where the repository is, what HEAD holds, the deal's latest commit.
    where = _git(root, "rev-parse", "--show-toplevel", "--absolute-git-dir", "--symbolic-full-name", "HEAD")
    folder = f":(literal){layout.folder}"
    listing = _git(root, "ls-tree", "-r", "-z", "--full-name", "HEAD", "--", f":(literal){LIBRARY}", folder)
    latest = _git(root, "log", "-1", "-z", f"--format={LOG_FORMAT}", "HEAD", "--", f"{folder}/")
    answers = [_finish(process) for process in (where, listing, latest)]
    if any(answer is None for answer in answers):
        return None
    located, tree_raw, log_raw = (answer or b"" for answer in answers)
    lines = located.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != 3 or Path(lines[0]).resolve() != root.resolve():
        return None
    git_dir, branch = Path(lines[1]), lines[2]
    if any((git_dir / name).exists() for name in UNSETTLED):
        return None
    entries = parse_log(log_raw.decode("utf-8", "surrogateescape"))
    if not entries:
        return None
    _, trailers = entries[0]
    try:
        number = int(trailers["Round"])
        document, recorded, sha256 = trailers["Document"], trailers[INPUTS], trailers["Docx-SHA256"]
    except (KeyError, ValueError):
        return None
    if trailers.get("Deal") != deal_id or document_id not in (None, document):
        return None
    tree = _tree(tree_raw)
    library = library_blobs(tree)
    if not library or not _library_is_committed(root, library):
        return None
    asked = document_id or ""
    candidates = {
        inputs_digest(
            deal_yaml=deal_yaml,
            wording=wording,
            library=library,
            document=asked,
            branch=branch,
            today=day,
            version=version,
        )
        for day in (None, today)
    }
    if recorded not in candidates or not _work_tree_holds(root, layout, document, number, sha256, tree):
        return None
    return UpToDate(document, number, root / layout.document(document))


def _work_tree_holds(
    root: Path, layout: DealLayout, document: str, number: int, sha256: str, tree: Mapping[str, str]
) -> bool:
    """Whether the work tree holds the round's document, twin and latest redline as committed (after a crash
    between commit and file write it may not: the full build restores them)."""
    try:
        if hashlib.sha256((root / layout.document(document)).read_bytes()).hexdigest() != sha256:
            return False
        paths = [layout.document(document, "md")]
        if number > 1:
            paths += [layout.redline(document, number - 1, number, suffix) for suffix in ("docx", "md")]
        return all(tree.get(path) == blob_id((root / path).read_bytes()) for path in paths)
    except OSError:
        return False
