"""One walk of the history for a command that reads many deals: every commit's trailers, author, date and
changed files from a single `git log`, every tag from a single `for-each-ref`, blobs in one `cat-file`.

`IndexedRepository` is a `Repository` that answers the questions the portfolio commands ask (`rounds`, the
clock's progress, executions, approvals) from that walk instead of one `git log` per question. The answers
are exactly those of the path-limited `git log` it replaces: that holds for a linear history (each commit's
changed files are what a path limit looks at), so a history with a merge commit is not indexed and every
question goes to git as before. The index is taken at HEAD once: it serves commands that only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assembler.rounds.git import Repository
from assembler.rounds.trailers import Trailers, parse_trailer_block

# One record per commit: id, parents, author name and e-mail, committer date, trailers; then changed files.
_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%cI%x1f%(trailers:only,unfold)%x1f"
_GLOB = set("*?[\\")


@dataclass(frozen=True)
class IndexedCommit:
    """A commit as the index holds it."""

    sha: str
    author_name: str
    author_email: str
    date: str  # ISO 8601 committer date, as `Repository.commit_info` gives it
    trailers: Trailers
    paths: tuple[str, ...]  # the files it changed against its parent (every file of a root commit)

    @property
    def author(self) -> str:
        """ "Name <email>", as `Repository.commit_info` gives it."""
        return f"{self.author_name} <{self.author_email}>"


def parse_walk(raw: str) -> tuple[list[IndexedCommit], bool]:
    """The commits of `git log -z --no-renames --name-only --format=_FORMAT`, newest first, and whether the
    history is linear (no commit has more than one parent)."""
    commits, linear = [], True
    for record in raw.split("\x1e")[1:]:
        header, _, names = record.rpartition("\x1f")
        fields = header.split("\x1f", 5)
        if len(fields) != 6:
            continue
        sha, parents, name, email, date, block = fields
        linear = linear and len(parents.split()) <= 1
        paths = tuple(p for p in names.lstrip("\x00\n").split("\x00") if p.strip("\n"))
        commits.append(IndexedCommit(sha, name, email, date, parse_trailer_block(block), paths))
    return commits, linear


def _deal_folder(path: str) -> str | None:
    """ "agreements/<deal>/" for a path inside a deal's folder (or the folder itself), else None."""
    parts = path.split("/")
    if len(parts) >= 2 and parts[0] == "agreements" and parts[1]:
        return f"agreements/{parts[1]}/"
    return None


def _touches(paths: Sequence[str], limit: str) -> bool:
    """Whether a commit with these changed files passes git's path limit `:(literal)<limit>`."""
    if limit.endswith("/"):  # a folder: only what is under it
        return any(p.startswith(limit) for p in paths)
    return any(p == limit or p.startswith(f"{limit}/") for p in paths)


def _tag_matches(tag: str, prefix: str) -> bool:
    """git for-each-ref's literal match of `refs/tags/<prefix>`: the whole name, or from the start up to a
    slash."""
    name, pattern = f"refs/tags/{tag}", f"refs/tags/{prefix}"
    if not name.startswith(pattern):
        return False
    return len(name) == len(pattern) or name[len(pattern)] == "/" or pattern.endswith("/")


class IndexedRepository(Repository):
    """A `Repository` whose history questions are answered from one walk taken at HEAD (read-only use)."""

    def __init__(self, root: Path, fallback_identity: tuple[str, str] | None = None) -> None:
        super().__init__(root, fallback_identity)
        self._commits: list[IndexedCommit] = []
        self._by_sha: dict[str, IndexedCommit] = {}
        self._by_deal: dict[str, list[IndexedCommit]] = {}
        self._linear = False
        self._tags: list[tuple[str, str]] | None = None
        self._blobs: dict[tuple[str, str], bytes | None] = {}
        if super().head() is not None:
            raw = self.git.log(
                "-z",
                "--no-renames",
                "--no-show-signature",
                "--name-only",
                f"--format={_FORMAT}",
                "HEAD",
                "--",
            )
            self._commits, self._linear = parse_walk(raw)
        for commit in self._commits:
            self._by_sha[commit.sha] = commit
            for folder in dict.fromkeys(f for f in map(_deal_folder, commit.paths) if f):
                self._by_deal.setdefault(folder, []).append(commit)

    @property
    def indexed(self) -> bool:
        """Whether history questions are answered from the walk (a linear history with commits)."""
        return self._linear and bool(self._commits)

    def commit(self, sha: str) -> IndexedCommit | None:
        """The indexed commit with this full id (None when not indexed)."""
        return self._by_sha.get(sha) if self.indexed else None

    def touching(self, path: str) -> list[IndexedCommit] | None:
        """Every commit that changed `path` (a file, or a folder and what is under it), newest first; None
        when the history is not indexed."""
        if not self.indexed:
            return None
        folder = _deal_folder(path)
        candidates = self._by_deal.get(folder, []) if folder else self._commits
        return [c for c in candidates if _touches(c.paths, path)]

    # --- the Repository questions, answered from the index ------------------------------------------------

    def log_trailers(self, path: str | None = None) -> list[tuple[str, Trailers]]:
        """(commit, trailers) of every commit touching `path` (every commit when None), newest first."""
        if not self.indexed:
            return super().log_trailers(path)
        found = self._commits if path is None else self.touching(path) or []
        return [(c.sha, c.trailers) for c in found]

    def log_authors(self, path: str) -> list[tuple[str, str, str]]:
        """(commit, author name, author e-mail) of every commit touching `path`, oldest first."""
        found = self.touching(path)
        if found is None:
            return super().log_authors(path)
        return [(c.sha, c.author_name, c.author_email) for c in reversed(found)]

    def commit_trailers(self, commit: str) -> Trailers:
        """The trailers of one commit (a full commit id); empty when it is not a commit here."""
        indexed = self.commit(commit)
        return dict(indexed.trailers) if indexed is not None else super().commit_trailers(commit)

    def tags(self, prefix: str) -> dict[str, str]:
        """Tag name → commit for tags under `prefix`, from one `for-each-ref` of every tag."""
        if _GLOB & set(prefix):
            return super().tags(prefix)
        if self._tags is None:
            self._tags = list(super().tags("").items())
        return {name: commit for name, commit in self._tags if _tag_matches(name, prefix)}

    def read_blob(self, revision: str, path: str) -> bytes | None:
        """The bytes of `path` at `revision` (None when absent), from the batch read when prefetched."""
        key = (revision, path)
        if key not in self._blobs:
            self._blobs[key] = super().read_blob(revision, path)
        return self._blobs[key]

    def prefetch(self, wanted: Sequence[tuple[str, str]]) -> None:
        """Read these (commit, path) blobs in one `git cat-file --batch` for later `read_blob` calls."""
        missing = [key for key in dict.fromkeys(wanted) if key not in self._blobs]
        if missing:
            self._blobs.update(zip(missing, self.read_blobs(missing), strict=True))
