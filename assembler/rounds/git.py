"""Every git call the assembler makes (GitPython's `repo.git`, i.e. the git command itself).

Rounds are committed through a private index seeded from HEAD, so the user's own staged or unstaged work is
never swept into a round, and HEAD is moved with a compare-and-swap `update-ref`, so a concurrent writer can
never be silently overwritten. Paths and tag names given to git are built from validated ids and always come
after `--` (or are full ref names), so no user string can be read as an option.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from assembler.errors import RepositoryError, tool_timeout
from assembler.rounds.trailers import LOG_FORMAT, Trailers, parse_log


@dataclass(frozen=True)
class CommitInfo:
    """A commit's id, author, committer date and message."""

    sha: str
    author: str
    date: str  # ISO 8601 committer date
    message: str


_SHA1 = re.compile(r"^[0-9a-f]{40}$")

# No git command of ours takes more than a few seconds on a repository of thousands of rounds.
GIT_TIMEOUT_SECONDS = 120.0


class _TimedGit(git.Git):
    """git with a time budget on every call (GitPython's kill_after_timeout)."""

    def execute(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("kill_after_timeout", tool_timeout("git", GIT_TIMEOUT_SECONDS))
        return super().execute(command, *args, **kwargs)


class _TimedRepo(git.Repo):
    GitCommandWrapperType = _TimedGit


class Repository:
    """The git repository that holds the workspace."""

    def __init__(self, root: Path, fallback_identity: tuple[str, str] | None = None) -> None:
        # (name, email) to commit and tag with when git has no user.name / user.email configured.
        self.fallback_identity = fallback_identity
        try:
            self.repo = _TimedRepo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepositoryError(
                f"{root} is not inside a git repository: run `git init` there (drafts are committed as "
                "rounds), or build with --no-commit"
            ) from None
        self.root = Path(self.repo.working_tree_dir or root)
        self.git_dir = Path(self.repo.git_dir)
        self.git = self.repo.git
        self._has_identity: bool | None = None  # asked of git once per command

    @classmethod
    def of_workspace(cls, root: Path, fallback_identity: tuple[str, str] | None = None) -> Repository:
        """The repository whose top folder is the workspace `root` (the only kind a command writes to)."""
        repo = cls(root, fallback_identity)
        if repo.root.resolve() != root.resolve():
            raise RepositoryError(
                f"the workspace {root} must be the top folder of its git repository ({repo.root})"
            )
        return repo

    # --- reading -----------------------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points to, or None in a repository without commits."""
        try:
            return str(self.git.rev_parse("--verify", "--quiet", "HEAD^{commit}"))
        except git.GitCommandError:
            return None

    def read_blob(self, revision: str, path: str) -> bytes | None:
        """The bytes of `path` at `revision`, or None when it does not exist there."""
        try:
            data: bytes = self.repo.odb.stream(self.repo.commit(revision).tree[path].binsha).read()
            return data
        except (KeyError, ValueError, git.BadName):
            return None

    def committed(self, revision: str, path: str) -> bytes:
        """The bytes of `path` at a commit that must hold it (a round's document, twin or deal file).

        A missing file there is never read as empty content: the history is incomplete or was altered.
        """
        data = self.read_blob(revision, path)
        if data is None:
            raise RepositoryError(
                f"commit {revision[:12]} has no {path}, which it must hold; the history is incomplete or was "
                "altered: restore it from a backup of the repository, do not build on it"
            )
        return data

    def tree_id(self, revision: str, path: str) -> str | None:
        """The git object id of `path` (a folder's tree or a file's blob) at `revision`; None when absent."""
        try:
            return str(self.repo.commit(revision).tree[path].hexsha)
        except (KeyError, ValueError, git.BadName):
            return None

    def commit_info(self, revision: str) -> CommitInfo:
        """The id, author, committer date and message of the commit `revision` names."""
        commit = self.repo.commit(revision)
        return CommitInfo(
            sha=commit.hexsha,
            author=f"{commit.author.name} <{commit.author.email}>",
            date=commit.committed_datetime.isoformat(),
            message=str(commit.message),
        )

    def log_trailers(self, path: str | None = None) -> list[tuple[str, Trailers]]:
        """(commit, trailers) of every commit touching `path` (every commit when None), newest first."""
        limit = ["--", f":(literal){path}"] if path is not None else []
        try:  # one process: HEAD is looked at only when the log fails (a repository without commits)
            return parse_log(self.git.log("-z", f"--format={LOG_FORMAT}", "HEAD", *limit))
        except git.GitCommandError:
            if self.head() is None:
                return []
            raise

    def log_authors(self, path: str) -> list[tuple[str, str, str]]:
        """(commit, author name, author e-mail) of every commit touching `path`, oldest first."""
        if self.head() is None:
            return []
        raw = self.git.log("--reverse", "-z", "--format=%H%x1f%an%x1f%ae", "HEAD", "--", f":(literal){path}")
        found = []
        for record in raw.split("\x00"):
            parts = record.strip("\n").split("\x1f")
            if len(parts) == 3:
                found.append((parts[0], parts[1], parts[2]))
        return found

    def read_blobs(self, wanted: list[tuple[str, str]]) -> list[bytes | None]:
        """The bytes of each (commit id, path), None where absent, read in one `git cat-file --batch`."""
        if not wanted:
            return []
        with tempfile.TemporaryFile(dir=self.git_dir, prefix="assembler-batch-") as handle:
            # ids and paths are ours (full commit ids, paths built from validated deal and document ids)
            handle.write("".join(f"{commit}:{path}\n" for commit, path in wanted).encode("utf-8"))
            handle.seek(0)
            raw: bytes = self.git.cat_file(
                "--batch", istream=handle, stdout_as_string=False, strip_newline_in_stdout=False
            )
        found: list[bytes | None] = []
        at = 0
        for _ in wanted:
            end = raw.index(b"\n", at)
            header = raw[at:end].split(b" ")
            at = end + 1
            if len(header) != 3 or header[1] == b"missing":
                found.append(None)
                continue
            size = int(header[2])
            found.append(raw[at : at + size])
            at += size + 1
        return found

    def commit_trailers(self, commit: str) -> Trailers:
        """The trailers of one commit (a full commit id); empty when it is not a commit here."""
        if not _SHA1.fullmatch(commit):
            return {}
        try:
            raw = self.git.log("-z", "-1", f"--format={LOG_FORMAT}", commit, "--")
        except git.GitCommandError:
            return {}
        entries = parse_log(raw)
        return entries[0][1] if entries else {}

    def tags(self, prefix: str) -> dict[str, str]:
        """Tag name → commit for tags under `prefix` (e.g. "acme/co-sell-agreement/")."""
        raw = self.git.for_each_ref(
            "--format=%(refname:strip=2) %(*objectname) %(objectname)", f"refs/tags/{prefix}"
        )
        tags = {}
        for line in raw.splitlines():
            name, peeled, direct = ([*line.split(" "), "", ""])[:3]
            tags[name] = peeled or direct
        return tags

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit `ancestor` is an ancestor of (or the same as) `descendant`."""
        try:
            self.git.merge_base("--is-ancestor", ancestor, descendant)
            return True
        except git.GitCommandError:
            return False

    def verify_commit(self, commit: str) -> bool:
        """Whether git verifies the signature of `commit` (a full commit id)."""
        if not _SHA1.fullmatch(commit):
            return False
        try:
            self.git.verify_commit(commit)
            return True
        except git.GitCommandError:
            return False

    def resolve_commit(self, revision: str) -> str | None:
        """The commit a user-given revision (branch, tag, sha, `HEAD~2` ...) names, or None.

        The revision is user input: one starting with '-' is refused outright, and git reads it after
        `--end-of-options`, so it can never act as an option.
        """
        if not revision or revision.startswith("-"):
            return None
        try:
            return str(
                self.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
            )
        except git.GitCommandError:
            return None

    def files_in_tree(self, treeish: str, path: str = "") -> dict[str, bytes]:
        """Every file under `path` of a commit or tree id (e.g. a round's Clause-Library tree), keyed by its
        path relative to `path`; empty when either does not exist."""
        if treeish.startswith("-"):
            return {}
        try:
            raw = self.git.ls_tree("-r", "-z", "--full-name", treeish, "--", f":(literal){path or '.'}")
        except git.GitCommandError:
            return {}
        prefix = f"{path.rstrip('/')}/" if path else ""
        files = {}
        for entry in raw.split("\x00"):
            info, _, name = entry.partition("\t")
            parts = info.split(" ")
            if len(parts) == 3 and parts[1] == "blob" and name.startswith(prefix):
                files[name.removeprefix(prefix)] = self.repo.odb.stream(bytes.fromhex(parts[2])).read()
        return files

    def tree_blobs(self, treeish: str, path: str) -> dict[str, str]:
        """Every file under `path` of a commit or tree (relative to `path`) → its blob id, in one call."""
        if treeish.startswith("-"):
            return {}
        try:
            raw = self.git.ls_tree("-r", "-z", "--full-name", treeish, "--", f":(literal){path}")
        except git.GitCommandError:
            return {}
        prefix = f"{path.rstrip('/')}/"
        blobs = {}
        for entry in raw.split("\x00"):
            info, _, name = entry.partition("\t")
            parts = info.split(" ")
            if len(parts) == 3 and parts[1] == "blob" and name.startswith(prefix):
                blobs[name.removeprefix(prefix)] = parts[2]
        return blobs

    def dirty_paths(self, path: str) -> list[str]:
        """Uncommitted changes (staged, unstaged or untracked) under `path`."""
        raw = self.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", f":(literal){path}")
        return [entry[3:] for entry in raw.split("\x00") if len(entry) > 3]

    # --- writing -----------------------------------------------------------------------------------------

    def check_index_unlocked(self) -> None:
        """Raise RepositoryError when git's index.lock exists (another git command running or crashed)."""
        lock = self.git_dir / "index.lock"
        if lock.exists():
            raise RepositoryError(
                f"{lock} exists: another git command is running, or one crashed. If no git process is "
                f"running, remove the file (rm {lock}) and build again"
            )

    @contextlib.contextmanager
    def writer_lock(self, timeout: float) -> Iterator[None]:
        """One writer at a time: a lock file in the git directory (waits up to `timeout`, saying so)."""
        import filelock  # only commands that write load it

        path = self.git_dir / "assembler.lock"
        lock = filelock.FileLock(str(path))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            print(f"Waiting for another assembler process to finish writing (lock {path})", file=sys.stderr)
            try:
                lock.acquire(timeout=timeout)
            except filelock.Timeout:
                raise RepositoryError(
                    f"another assembler process is writing to this repository (lock {path}); "
                    "wait for it to finish and try again"
                ) from None
        try:
            yield
        finally:
            lock.release()

    def write_blob(self, data: bytes) -> str:
        """Store `data` as a blob in the object database (no filters applied); return its id."""
        with tempfile.NamedTemporaryFile(dir=self.git_dir, prefix="assembler-blob-", delete=True) as handle:
            handle.write(data)
            handle.flush()
            return str(self.git.hash_object("-w", "--no-filters", "--", handle.name))

    def write_blobs(self, files: Mapping[str, bytes]) -> dict[str, str]:
        """Store each file's bytes as a blob (no filters), all in one git process; path → blob id."""
        if not files:
            return {}
        with tempfile.TemporaryDirectory(dir=self.git_dir, prefix="assembler-blob-") as tmp:
            names = []
            for index, data in enumerate(files.values()):
                name = Path(tmp) / str(index)
                name.write_bytes(data)
                names.append(str(name))
            with tempfile.TemporaryFile(dir=tmp) as listing:
                listing.write(("\n".join(names) + "\n").encode("utf-8"))
                listing.seek(0)
                raw = str(self.git.hash_object("-w", "--no-filters", "--stdin-paths", istream=listing))
        ids = raw.split()
        if len(ids) != len(files):
            raise RepositoryError(
                "git hash-object did not store every file of the round; nothing was committed"
            )
        return dict(zip(files, ids, strict=True))

    def identity(self) -> tuple[str, str]:
        """The (name, email) git commits as here; refuses when git has none (no fallback applies)."""
        try:
            ident = str(self.git.var("GIT_AUTHOR_IDENT"))
        except git.GitCommandError:
            raise RepositoryError(
                "git has no identity here; set your own: git config user.name 'Your Name' and "
                "git config user.email you@example.com"
            ) from None
        name, _, rest = ident.partition(" <")
        return name.strip(), rest.split(">", 1)[0].strip()

    def has_identity(self) -> bool:
        """Whether git has a committer and an author identity configured (asked once per Repository)."""
        if self._has_identity is None:
            try:
                self.git.var("GIT_COMMITTER_IDENT")
                self.git.var("GIT_AUTHOR_IDENT")
                self._has_identity = True
            except git.GitCommandError:
                self._has_identity = False
        return self._has_identity

    def _identity_env(self) -> dict[str, str]:
        """The fallback identity as git environment variables, when git has no identity of its own."""
        if self.fallback_identity is None or self.has_identity():
            return {}
        name, email = self.fallback_identity
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }

    def stage(self, blobs: dict[str, str]) -> None:
        """Point the real index's entries for these paths (path → blob id) at the given blobs, in one call."""
        lines = "".join(f"100644 {blob}\t{path}\n" for path, blob in blobs.items())
        with tempfile.TemporaryFile(dir=self.git_dir, prefix="assembler-stage-") as handle:
            handle.write(lines.encode("utf-8"))
            handle.seek(0)
            self.git.update_index("--index-info", istream=handle)

    def symbolic_head(self) -> str | None:
        """The branch HEAD is on (`refs/heads/...`), or None for a detached HEAD."""
        try:
            return str(self.git.symbolic_ref("--quiet", "HEAD"))
        except git.GitCommandError:
            return None

    def tag_exists(self, name: str) -> bool:
        """Whether tag `name` exists."""
        try:
            self.git.rev_parse("--verify", "--quiet", f"refs/tags/{name}")
            return True
        except git.GitCommandError:
            return False

    def commit_files(self, files: dict[str, bytes], message: str, date: str) -> str:
        """Commit exactly `files` (path → bytes) on top of HEAD; returns the new commit.

        Uses a private index, so nothing else staged or modified in the work tree is included, and moves
        HEAD only if it still points where it did when we started (otherwise refuses).
        """
        parent = self.head()
        commit, _ = self.commit_object(files, message, date, parent)
        self.move_head(commit, parent)
        return commit

    def commit_object(
        self,
        files: dict[str, bytes],
        message: str,
        date: str,
        parent: str | None,
        written: Mapping[str, str] | None = None,
    ) -> tuple[str, dict[str, str]]:
        """The commit of `files` on top of `parent` written to the object store (no ref moves), and the blob
        id of each file. `written` holds blob ids already stored for some of the files (path → id)."""
        known = {path: blob for path, blob in (written or {}).items() if path in files}
        blobs = {**known, **self.write_blobs({p: d for p, d in files.items() if p not in known})}
        blobs = {path: blobs[path] for path in files}
        lines = "".join(f"100644 {blob}\t{path}\n" for path, blob in blobs.items())
        with tempfile.TemporaryDirectory(dir=self.git_dir, prefix="assembler-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if parent is not None:
                self.git.read_tree(parent, env=env)
            with tempfile.TemporaryFile(dir=tmp) as listing:  # every entry in one update-index
                listing.write(lines.encode("utf-8"))
                listing.seek(0)
                self.git.update_index("--add", "--index-info", istream=listing, env=env)
            tree = str(self.git.write_tree(env=env))
        dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **self._identity_env()}
        parents = ["-p", parent] if parent is not None else []
        with tempfile.NamedTemporaryFile(
            "w", dir=self.git_dir, prefix="assembler-msg-", encoding="utf-8"
        ) as msg:
            msg.write(message)
            msg.flush()
            try:
                commit = str(self.git.commit_tree(tree, *parents, "-F", msg.name, env=dates))
            except git.GitCommandError as exc:
                reason = str(exc.stderr).strip().splitlines()[-1:] or ["git commit-tree failed"]
                raise RepositoryError(
                    f"cannot commit the round: {reason[0].strip(chr(39))}; set git user.name and user.email"
                ) from None
        return commit, blobs

    def move_head(self, commit: str, parent: str | None) -> None:
        """Move HEAD to `commit` only if it still points at `parent` (compare and swap)."""
        try:
            self.git.update_ref("-m", "assembler: new round", "HEAD", commit, parent or "0" * 40)
        except git.GitCommandError:
            raise RepositoryError(
                "HEAD moved while the round was being committed (another commit was made); nothing was "
                "changed, build again"
            ) from None

    def tag(self, name: str, commit: str, message: str) -> None:
        """Create annotated tag `name` on `commit` with `message`."""
        # `name` is built from a validated deal id, a known document id and a round number.
        self.git.tag("-a", "-m", message, name, commit, env=self._identity_env() or None)

    def sync_index(self, paths: list[str]) -> None:
        """Make the real index match HEAD for `paths` (after a commit made through a private index)."""
        self.git.reset("-q", "HEAD", "--", *[f":(literal){p}" for p in paths])
