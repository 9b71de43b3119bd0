"""`status`'s memory of each deal's row: a row is recomputed only when one of its inputs changed.

A deal's row is a function of the tool, the clause library, the deal's folder, the deal's own history in git
and the day. Each row is stored with a digest of exactly those inputs (`.git/assembler/status-rows.json`);
a later `status` whose digest for the deal is the same reuses the row, any other recomputes it. The inputs:

- the tool: the bytes of every file of the `assembler` package (its compiled caches aside), the Python
  version and the versions of the libraries that assemble and check a deal;
- the library: the bytes of every file under `clause_library/`;
- the deal's folder: every file under `agreements/<deal>/` (the bytes of each file up to 1 MB, the size and
  modification time of a larger one, which is never an input of a row but a rendered draft);
- git: the commits that touched the deal's folder (from the history index) and the deal's tags;
- the day the clock counts to.

Nothing is remembered when the history is not indexed (a merge in it), when approvals must carry a
signature git verifies (the keyring is not an input we can digest), or outside a git repository. The file
holds JSON only: a row is data, never code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from assembler.atomic_write import write_files_atomically
from assembler.deals.layout import Workspace
from assembler.rounds.index import IndexedRepository

FORMAT = 1
MAX_HASHED_BYTES = 1024 * 1024
LIBRARIES = ("jinja2", "pydantic", "ruamel.yaml")
CACHE_FILE = "assembler/status-rows.json"


def _files_digest(folder: Path, hashed: int | None = None) -> str:
    """A digest of every file under `folder`: relative path and bytes (or size and mtime past `hashed`)."""
    digest = hashlib.sha256()
    if not folder.is_dir():
        return digest.hexdigest()
    found = sorted(
        p
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and "__pycache__" not in p.relative_to(folder).parts
    )
    for path in found:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        stat = path.lstat()
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
        elif hashed is None or stat.st_size <= hashed:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def tool_digest() -> str:
    """The tool's own inputs: every file of the package, Python's version and the libraries' versions."""
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    package = Path(__file__).resolve().parent
    return hashlib.sha256(
        json.dumps([sys.version, versions, _files_digest(package)]).encode("utf-8")
    ).hexdigest()


class RowMemory:
    """The remembered rows of one workspace, and the digest of the inputs every row shares."""

    def __init__(self, workspace: Workspace, repo: IndexedRepository, today: dt.date) -> None:
        self.workspace = workspace
        self.repo = repo
        self.path = repo.git_dir / CACHE_FILE
        self.shared = json.dumps(
            [FORMAT, tool_digest(), _files_digest(workspace.library_root), today.isoformat()]
        )
        self.rows: dict[str, dict[str, Any]] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(stored, dict) and stored.get("format") == FORMAT:
                self.rows = dict(stored.get("rows", {}))
        except (OSError, ValueError):
            pass  # no memory yet, or an unreadable one: every row is recomputed
        self.kept: dict[str, dict[str, Any]] = {}

    def key(self, deal_id: str) -> str:
        """The digest of every input of the deal's row."""
        folder = f"agreements/{deal_id}/"
        commits = [c.sha for c in self.repo.touching(folder) or []]
        tags = sorted(self.repo.tags(f"{deal_id}/").items())
        deal = _files_digest(self.workspace.deal_dir(deal_id), MAX_HASHED_BYTES)
        return hashlib.sha256(json.dumps([self.shared, deal_id, deal, commits, tags]).encode()).hexdigest()

    def recall(self, deal_id: str, key: str) -> dict[str, Any] | None:
        """The remembered row (as JSON data) for these inputs, or None."""
        entry = self.rows.get(deal_id)
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("row"), dict):
            return None
        self.kept[deal_id] = entry
        row: dict[str, Any] = entry["row"]
        return row

    def forget(self, deal_id: str) -> None:
        """Drop a remembered row that could not be read back."""
        self.kept.pop(deal_id, None)

    def remember(self, deal_id: str, key: str, row: dict[str, Any]) -> None:
        """Keep the row (as JSON data) for these inputs."""
        self.kept[deal_id] = {"key": key, "row": row}

    def save(self) -> None:
        """Store the rows of this run (deals gone from the workspace are forgotten); a read-only repository
        is no error, the memory is only a saving."""
        if self.kept == self.rows:
            return
        data = json.dumps({"format": FORMAT, "rows": self.kept}, sort_keys=True).encode("utf-8")
        try:
            self.path.parent.mkdir(exist_ok=True)
            write_files_atomically({self.path: data})
        except OSError:
            pass


def open_memory(workspace: Workspace, repo: Any, signed_approvals: bool, today: dt.date) -> RowMemory | None:
    """The workspace's row memory, or None when rows cannot be remembered safely."""
    if not isinstance(repo, IndexedRepository) or not repo.indexed or signed_approvals:
        return None
    return RowMemory(workspace, repo, today)
